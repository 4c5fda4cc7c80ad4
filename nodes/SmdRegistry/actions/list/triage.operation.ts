import {
	jsonParse,
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';
import {
	policeListProblem,
	policeRowFrom,
	registryTriageProblem,
	Triage,
	triageOptionsProblem,
	TRIAGE_CATEGORIES,
	type Registry,
	type TriageCategory,
	type TriagePolicyInput,
} from '../../../../lib';
import { isEmptyPlaceholder } from '../../../shared/items';
import { columnCache, rowOf } from '../../helpers/policeRows';
import { auditContext } from '../../helpers/registry';

export const TRIAGE_OUTPUT_ORDER = Object.keys(TRIAGE_CATEGORIES) as TriageCategory[];

const properties: INodeProperties[] = [
	{
		displayName: 'As-Of Date',
		name: 'asOf',
		type: 'string',
		required: true,
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		description: 'The day of the triage (YYYY-MM-DD): due dates and overdue follow-ups count from it',
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		noDataExpression: true,
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

const displayOptions = { show: { resource: ['list'], operation: ['triage'] } };

export const description = updateDisplayOptions(displayOptions, properties);

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
				parsed = jsonParse(p.dueDays, { errorMessage: 'Policy → Due Days is not valid JSON' });
			} catch (error) {
				throw new NodeOperationError(ctx.getNode(), error as Error);
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

/**
 * Every row sorted into one of seven categories with action, township, priority and due date; on one
 * output, or on one output per category in TRIAGE_OUTPUT_ORDER.
 */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const asOf = String(this.getNodeParameter('asOf', 0) ?? '').trim();
	const perCategory = this.getNodeParameter('outputMode', 0) === 'perCategory';
	const policyParams = this.getNodeParameter('policy', 0, {}) as PolicyParams;
	const policy = policyFrom(this, policyParams);
	const problem = triageOptionsProblem({ asOf, policy });
	if (problem) throw new NodeOperationError(this.getNode(), problem);
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
	if (!policyParams.allowIncompleteRegistry) {
		const health = { patients: await registry.countPatients(), last: await registry.lastImport() };
		const registryProblem = registryTriageProblem({ countPatients: () => health.patients, lastImport: () => health.last });
		if (registryProblem) throw new NodeOperationError(this.getNode(), registryProblem, { description: 'Import the registry export again, or turn on Policy → Triage With Incomplete Registry' });
	}
	const policeRows = rows.map((item, i) => policeRowFrom(item.json, rowOf(item.json, i), typeof item.json.line === 'number' ? item.json.line : undefined, columnsOf(item.json)));
	// Every look-up of the list in one read snapshot: consistent, and far cheaper than a lock (SQLite)
	// or a round trip (PostgreSQL, which reads them ahead in a few batched queries) per look-up.
	const source = await registry.matchSourceFor(policeRows.map(Triage.recordOf), asOf);
	const triage = new Triage(source, { asOf, policy });
	const counts: Record<string, number> = {};
	await registry.read(() => {
		for (let i = 0; i < rows.length; i++) {
			const result = triage.triageRow(policeRows[i]);
			if ((i + 1) % 50_000 === 0) this.logger.info(`SMD triage: ${i + 1} of ${rows.length} rows`);
			counts[result.category] = (counts[result.category] ?? 0) + 1;
			const out = perCategory ? outputs[TRIAGE_OUTPUT_ORDER.indexOf(result.category)] : outputs[0];
			out.push({ json: { ...rows[i].json, ...(result as unknown as IDataObject) }, pairedItem: { item: i } });
		}
	});
	await registry.audit({ ...auditContext(this), operation: 'list.triage', patientRowIds: [...triage.patientsRead], detail: { rows: rows.length, asOf, counts } });
	return outputs;
}
