import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import {
	mapPoliceColumns,
	Matcher,
	openTable,
	policeListProblem,
	policeRowFrom,
	POLICE_COLUMNS,
	REGISTRY_COLUMNS,
	registryTriageProblem,
	Triage,
	TRIAGE_CATEGORIES,
	type RegistryStore,
	type TriageCategory,
	type TriagePolicyInput,
} from '../../../lib';
import { auditContext, csvEncodingOption, isEmptyPlaceholder, itemErrorJson, sheetOption } from './common';

const show = { resource: ['list'] };

export const TRIAGE_OUTPUT_ORDER = Object.keys(TRIAGE_CATEGORIES) as TriageCategory[];

export const listOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show },
	options: [
		{ name: 'Match', value: 'match', action: 'Match people to patients', description: 'Link each row to a registry patient (auto-link only on identical ID and agreeing name)' },
		{ name: 'Read File', value: 'readFile', action: 'Read a list file', description: 'One item per row of a CSV (UTF-8 or GBK) or XLSX list, with its row and line numbers' },
		{ name: 'Triage', value: 'triage', action: 'Triage a police list', description: 'Sort every row into one of seven categories with action, township, priority and due date' },
	],
	default: 'triage',
};

export const listFields: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		displayOptions: { show: { ...show, operation: ['readFile'] } },
		default: 'data',
		required: true,
		description: 'Binary field holding the list file',
	},
	{
		displayName: 'Options',
		name: 'readOptions',
		type: 'collection',
		placeholder: 'Add Option',
		displayOptions: { show: { ...show, operation: ['readFile'] } },
		default: {},
		options: [
			csvEncodingOption,
			sheetOption,
		],
	},
	{
		displayName: 'As-Of Date',
		name: 'asOf',
		type: 'string',
		required: true,
		displayOptions: { show: { ...show, operation: ['triage'] } },
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		description: 'The day of the triage (YYYY-MM-DD): due dates and overdue follow-ups count from it',
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { ...show, operation: ['triage'] } },
		options: [
			{ name: 'Single Output', value: 'single' },
			{ name: 'One Output per Category', value: 'perCategory', description: '在管, 随访逾期, 失访, 死亡/迁出, 未登记线索, 人工核对, 信息不足' },
		],
		default: 'single',
	},
	{
		displayName: 'Policy',
		name: 'policy',
		type: 'collection',
		placeholder: 'Add Policy Setting',
		displayOptions: { show: { ...show, operation: ['triage'] } },
		default: {},
		options: [
			{
				displayName: 'Due Days (JSON)',
				name: 'dueDays',
				type: 'json',
				default: '{}',
				description:
					'Days to the due date per category and priority, e.g. {"new_clue": {"high": 3, "normal": 10}}. Categories: managed, followup_overdue, lost, closed, new_clue, review, invalid.',
			},
			{
				displayName: 'High Priority From Risk Level',
				name: 'highPriorityMinRiskLevel',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 6 },
				default: 3,
				description: 'Registry risk level from which a row is high priority (6 turns it off)',
			},
			{
				displayName: 'High Priority Police Categories',
				name: 'highPriorityPoliceCategories',
				type: 'string',
				default: '肇事肇祸',
				description: 'Values of 人员类别 that make a row high priority, separated by commas',
			},
			{ displayName: 'Overdue Grace Days', name: 'overdueGraceDays', type: 'number', typeOptions: { minValue: 0 }, default: 0 },
			{
				displayName: 'Triage With Incomplete Registry',
				name: 'allowIncompleteRegistry',
				type: 'boolean',
				default: false,
				description:
					'Whether to triage even when the registry is empty or its last import rejected most rows. Off by default: registered patients would come out as unregistered (未登记线索).',
			},
		],
	},
];

interface PolicyParams {
	allowIncompleteRegistry?: boolean;
	dueDays?: string | IDataObject;
	highPriorityMinRiskLevel?: number;
	highPriorityPoliceCategories?: string;
	overdueGraceDays?: number;
}

function policyFrom(ctx: IExecuteFunctions, p: PolicyParams): TriagePolicyInput {
	const policy: TriagePolicyInput = {};
	if (p.dueDays !== undefined && p.dueDays !== '') {
		let parsed: unknown = p.dueDays;
		if (typeof p.dueDays === 'string') {
			try {
				parsed = JSON.parse(p.dueDays);
			} catch {
				throw new NodeOperationError(ctx.getNode(), 'Policy → Due Days is not valid JSON');
			}
		}
		policy.dueDays = parsed as TriagePolicyInput['dueDays'];
	}
	if (p.highPriorityMinRiskLevel !== undefined) policy.highPriorityMinRiskLevel = p.highPriorityMinRiskLevel;
	if (p.highPriorityPoliceCategories !== undefined) {
		policy.highPriorityPoliceCategories = p.highPriorityPoliceCategories.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
	}
	if (p.overdueGraceDays !== undefined) policy.overdueGraceDays = p.overdueGraceDays;
	return policy;
}

/** Column mapping per distinct set of item keys (items from one file share one). */
function columnCache() {
	const cache = new Map<string, ReturnType<typeof mapPoliceColumns>>();
	const get = (json: IDataObject) => {
		const keys = Object.keys(json);
		const sig = keys.join('\u0001');
		let columns = cache.get(sig);
		if (!columns) {
			columns = mapPoliceColumns(keys);
			cache.set(sig, columns);
		}
		return columns;
	};
	return Object.assign(get, { all: () => [...cache.values()], keySets: () => [...cache.keys()].map((k) => (k === '' ? [] : k.split('\u0001'))) });
}

/** Every header the package knows, so Read File finds the header row below title rows. */
const KNOWN_HEADERS = [...new Set([...Object.values(POLICE_COLUMNS).flat(), ...Object.values(REGISTRY_COLUMNS).flat()])];

/** The 1-based row of an item: its `row` field from Read File, else its position. */
function rowOf(json: IDataObject, index: number): number {
	return typeof json.row === 'number' && Number.isInteger(json.row) && json.row > 0 ? json.row : index + 1;
}

export async function executeList(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();

	if (operation === 'readFile') {
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const prop = this.getNodeParameter('binaryPropertyName', i) as string;
			const options = this.getNodeParameter('readOptions', i, {}) as { encoding?: 'auto' | 'utf-8' | 'gb18030'; sheet?: string };
			const rows: INodeExecutionData[] = [];
			try {
				const binary = this.helpers.assertBinaryData(i, prop);
				const data = await this.helpers.getBinaryDataBuffer(i, prop);
				const table = await openTable(data, { fileName: binary.fileName, encoding: options.encoding, sheet: options.sheet || undefined, knownHeaders: KNOWN_HEADERS });
				for await (const r of table.rows) {
					const json: IDataObject = { row: r.row, line: r.line, ...r.values };
					if (r.issues.length) json.cellIssues = r.issues.map((x) => ({ field: x.field, code: x.code, message: x.message }));
					rows.push({ json, pairedItem: { item: i } });
				}
			} catch (error) {
				const message = `Item ${i + 1}: ${(error as Error).message}`;
				if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), message, { itemIndex: i });
				// The file could not be read: none of its rows go on, the item carries the error.
				out.push({ json: itemErrorJson(this.getNode().onError, {}, message, i) as IDataObject, pairedItem: { item: i } });
				continue;
			}
			for (const r of rows) out.push(r);
		}
		return [out];
	}

	if (operation === 'match') {
		const touched: number[] = [];
		const matcher = new Matcher(store);
		const fieldsOf = columnCache();
		const out = store.read(() => items.map((item, i) => {
			const input = policeRowFrom(item.json, rowOf(item.json, i), undefined, fieldsOf(item.json));
			const m = matcher.match({ name: input.name, idNumber: input.idNumber });
			if (m.patient) touched.push(m.patient.rowId);
			for (const c of m.candidatePatients) touched.push(c.rowId);
			return {
				json: { ...item.json, match: { matchStatus: m.matchStatus, patientId: m.patientId, candidates: m.candidates, reasons: m.reasons } as unknown as IDataObject },
				pairedItem: { item: i },
			};
		}));
		store.audit({ ...auditContext(this), operation: 'list.match', patientRowIds: touched, detail: { rows: items.length } });
		return [out];
	}

	if (operation !== 'triage') throw new NodeOperationError(this.getNode(), `Unknown list operation ${operation}`);
	const asOf = String(this.getNodeParameter('asOf', 0) ?? '').trim();
	const perCategory = this.getNodeParameter('outputMode', 0) === 'perCategory';
	const policyParams = this.getNodeParameter('policy', 0, {}) as PolicyParams;
	let triage: Triage;
	try {
		triage = new Triage(store, { asOf, policy: policyFrom(this, policyParams) });
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message);
	}
	const outputs: INodeExecutionData[][] = perCategory ? TRIAGE_OUTPUT_ORDER.map(() => []) : [[]];
	// A police list with a header and no rows: an empty triage, so every report is still written.
	const rows = isEmptyPlaceholder(items) ? [] : items;
	const columnsOf = columnCache();
	for (const item of rows) columnsOf(item.json);
	const listProblem = rows.length > 0 ? policeListProblem(columnsOf.keySets()) : null;
	if (listProblem) throw new NodeOperationError(this.getNode(), listProblem, { description: 'Check the header row of the police list (Read File takes the first row with known column names, below any title rows)' });
	for (const c of columnsOf.all()) {
		for (const f of c.guessed) this.logger.warn(`SMD triage: the ${f === 'name' ? '姓名 (name)' : '身份证号 (ID number)'} column was recognised by a variant header name`);
	}
	const registryProblem = policyParams.allowIncompleteRegistry ? null : registryTriageProblem(store);
	if (registryProblem) throw new NodeOperationError(this.getNode(), registryProblem, { description: 'Import the registry export again, or turn on Policy → Triage With Incomplete Registry' });
	const counts: Record<string, number> = {};
	// One read snapshot for the whole list: consistent, and far cheaper than a lock per look-up.
	store.read(() => {
		for (let i = 0; i < rows.length; i++) {
			const json = rows[i].json;
			const row = policeRowFrom(json, rowOf(json, i), typeof json.line === 'number' ? json.line : undefined, columnsOf(json));
			const result = triage.triageRow(row);
			if ((i + 1) % 50_000 === 0) this.logger.info(`SMD triage: ${i + 1} of ${rows.length} rows`);
			counts[result.category] = (counts[result.category] ?? 0) + 1;
			const out = perCategory ? outputs[TRIAGE_OUTPUT_ORDER.indexOf(result.category)] : outputs[0];
			out.push({ json: { ...json, ...(result as unknown as IDataObject) }, pairedItem: { item: i } });
		}
	});
	store.audit({ ...auditContext(this), operation: 'list.triage', patientRowIds: [...triage.patientsRead], detail: { rows: rows.length, asOf, counts } });
	return outputs;
}
