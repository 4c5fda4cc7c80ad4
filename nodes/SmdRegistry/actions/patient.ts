import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';
import {
	importRegistryFile,
	mapHeaders,
	MANAGEMENT_STATUS,
	parseIdNumber,
	patientFromRow,
	patientHash,
	patientToJson,
	RowProblem,
	type ManagementStatus,
	type RegistryStore,
	type SearchFilter,
} from '../../../lib';
import { auditContext, csvEncodingOption, itemErrorJson, sheetOption } from './common';

const show = { resource: ['patient'] };

export const patientOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show },
	options: [
		{ name: 'Get', value: 'get', action: 'Get a patient', description: 'Look up one patient by 患者编号 or ID number' },
		{ name: 'Import File', value: 'importFile', action: 'Import a registry file', description: 'Upsert every row of a national-system export (CSV UTF-8/GBK or XLSX)' },
		{ name: 'Search', value: 'search', action: 'Search patients', description: 'Patients by township, status, risk level or overdue follow-up' },
		{ name: 'Create or Update', value: 'upsert', action: 'Create or update a patient', description: 'Create a new record, or update the current one if it already exists (upsert)' },
	],
	default: 'get',
};

export const patientFields: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		displayOptions: { show: { ...show, operation: ['get'] } },
		options: [
			{ name: '患者编号 (Patient No.)', value: 'patientNo' },
			{ name: '身份证号 (ID Number)', value: 'idNumber' },
		],
		default: 'patientNo',
	},
	{
		displayName: 'Value',
		name: 'lookupValue',
		type: 'string',
		required: true,
		displayOptions: { show: { ...show, operation: ['get'] } },
		default: '',
		placeholder: '={{ $json["患者编号"] }}',
		description: 'The 患者编号 or ID number to look up; the item gets a `patient` field (null when not found)',
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		displayOptions: { show: { ...show, operation: ['search'] } },
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		displayOptions: { show: { ...show, operation: ['search'], returnAll: [false] } },
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		displayOptions: { show: { ...show, operation: ['search'] } },
		default: {},
		options: [
			{ displayName: 'Follow-Up Overdue As Of', name: 'overdueAsOf', type: 'string', default: '', placeholder: '2026-11-20', description: 'Active patients whose next follow-up is before this day (YYYY-MM-DD)' },
			{ displayName: 'Min Risk Level', name: 'minRiskLevel', type: 'number', typeOptions: { minValue: 0, maxValue: 5 }, default: 3 },
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: Object.entries(MANAGEMENT_STATUS).map(([value, label]) => ({ name: `${label} (${value})`, value })),
				default: 'active',
			},
			{ displayName: 'Township', name: 'township', type: 'string', default: '', placeholder: '城关镇' },
		],
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		displayOptions: { show: { ...show, operation: ['importFile'] } },
		default: 'data',
		required: true,
		description: 'Binary field holding the export file (from Read/Write Files from Disk or an HTTP download)',
	},
	{
		displayName: 'Options',
		name: 'importOptions',
		type: 'collection',
		placeholder: 'Add Option',
		displayOptions: { show: { ...show, operation: ['importFile'] } },
		default: {},
		options: [
			csvEncodingOption,
			{ displayName: 'Max Errors Listed', name: 'maxErrors', type: 'number', typeOptions: { minValue: 0 }, default: 1000, description: 'Rejected rows listed in the output (all are counted)' },
			sheetOption,
		],
	},
];

export async function executePatient(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	const touched: number[] = [];
	const onError = this.getNode().onError;

	if (operation === 'importFile') {
		for (let i = 0; i < items.length; i++) {
			const prop = this.getNodeParameter('binaryPropertyName', i) as string;
			const options = this.getNodeParameter('importOptions', i, {}) as { encoding?: 'auto' | 'utf-8' | 'gb18030'; sheet?: string; maxErrors?: number };
			try {
				const binary = this.helpers.assertBinaryData(i, prop);
				const data = await this.helpers.getBinaryDataBuffer(i, prop);
				const report = await importRegistryFile(store, data, {
					fileName: binary.fileName,
					encoding: options.encoding,
					sheet: options.sheet || undefined,
					onProgress: (n) => this.logger.info(`SMD registry import: ${n} rows read`),
				});
				for (const id of report.patientRowIds) touched.push(id); // no spread: a 1M-element spread overflows the stack
				const max = options.maxErrors ?? 1000;
				const { patientRowIds, ...rest } = report;
				out.push({
					json: { ...rest, patients: patientRowIds.length, errors: report.errors.slice(0, max), warnings: report.warnings.slice(0, max), errorCount: report.errors.length, warningCount: report.warnings.length },
					pairedItem: { item: i },
				});
			} catch (error) {
				const message = `Item ${i + 1}: ${(error as Error).message}`;
				if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), message, { itemIndex: i });
				out.push({ json: itemErrorJson(onError, {}, message, i) as IDataObject, pairedItem: { item: i } });
			}
		}
		store.audit({ ...auditContext(this), operation: 'patient.importFile', patientRowIds: touched, detail: { files: items.length } });
		return [out];
	}

	if (operation === 'search') {
		for (let i = 0; i < items.length; i++) {
			const filters = this.getNodeParameter('filters', i, {}) as SearchFilter & { status?: ManagementStatus };
			const returnAll = this.getNodeParameter('returnAll', i, false) as boolean;
			const limit = returnAll ? 1_000_000 : (this.getNodeParameter('limit', i, 50) as number);
			if (filters.overdueAsOf && !/^\d{4}-\d{2}-\d{2}$/.test(filters.overdueAsOf)) {
				throw new NodeOperationError(this.getNode(), 'Follow-Up Overdue As Of must be a date written YYYY-MM-DD', { itemIndex: i });
			}
			const found = store.search({ ...filters, township: filters.township || undefined, overdueAsOf: filters.overdueAsOf || undefined, limit });
			for (const p of found) {
				touched.push(p.rowId);
				out.push({ json: patientToJson(p) as IDataObject, pairedItem: { item: i } });
			}
		}
		store.audit({ ...auditContext(this), operation: 'patient.search', patientRowIds: touched });
		return [out];
	}

	if (operation !== 'get' && operation !== 'upsert') throw new NodeOperationError(this.getNode(), `Unknown patient operation ${operation}`);
	for (let i = 0; i < items.length; i++) {
		try {
			if (operation === 'get') {
				const by = this.getNodeParameter('lookupBy', i) as 'patientNo' | 'idNumber';
				const value = String(this.getNodeParameter('lookupValue', i) ?? '').trim();
				let p;
				if (by === 'idNumber') {
					const id = parseIdNumber(value);
					if (!id.ok) throw new RowProblem(id.code, `身份证号 (idNumber): ${id.error}`, { field: 'idNumber' });
					const hit = store.getByIdNumber(id.id);
					p = hit && store.getById(hit.rowId);
				} else {
					p = value ? store.getByPatientNo(value) : undefined;
				}
				if (p) touched.push(p.rowId);
				out.push({ json: { ...items[i].json, patient: p ? (patientToJson(p) as IDataObject) : null }, pairedItem: { item: i } });
			} else {
				const values = Object.fromEntries(Object.entries(items[i].json).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
				const { fields, unknown } = mapHeaders(Object.keys(values));
				const { patient, warnings } = patientFromRow(values, fields, unknown.filter((k) => !['row', 'line'].includes(k)));
				const result = store.transaction(() => store.upsertPatient(patient, patientHash(patient)));
				touched.push(result.rowId);
				out.push({ json: { ...items[i].json, upsert: { outcome: result.outcome, patientNo: result.patientNo, warnings: warnings.map((w) => w.message) } }, pairedItem: { item: i } });
			}
		} catch (error) {
			const field = error instanceof RowProblem ? error.field : undefined;
			const message = `Row ${i + 1}: ${(error as Error).message}`;
			if (!this.continueOnFail()) {
				throw new NodeOperationError(this.getNode(), message, { itemIndex: i, description: field ? `Field: ${field}` : undefined });
			}
			out.push({ json: itemErrorJson(onError, items[i].json, message, i, field) as IDataObject, pairedItem: { item: i } });
		}
	}
	store.audit({ ...auditContext(this), operation: `patient.${operation}`, patientRowIds: touched });
	return [out];
}
