import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';
import { MANAGEMENT_STATUS, patientToJson, SmdInputError, type ManagementStatus, type Registry, type SearchFilter } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		displayOptions: { show: { returnAll: [false] } },
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
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
];

const displayOptions = { show: { resource: ['patient'], operation: ['search'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One output item per patient found, for each input item's filters. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	// One search per input item; a bad filter follows On Error like any other per-item problem.
	try {
		return await runItems.call(this, { label: 'Item', keepInput: true }, async (_item, i) => {
			const filters = this.getNodeParameter('filters', i, {}) as SearchFilter & { status?: ManagementStatus };
			const returnAll = this.getNodeParameter('returnAll', i, false) as boolean;
			const limit = returnAll ? 1_000_000 : (this.getNodeParameter('limit', i, 50) as number);
			if (filters.overdueAsOf && !/^\d{4}-\d{2}-\d{2}$/.test(filters.overdueAsOf)) {
				throw new SmdInputError('invalid', 'Follow-Up Overdue As Of must be a date written YYYY-MM-DD', { field: 'overdueAsOf' });
			}
			const found = await registry.search({ ...filters, township: filters.township || undefined, overdueAsOf: filters.overdueAsOf || undefined, limit });
			for (const p of found) touched.push(p.rowId);
			return found.map((p) => ({ json: patientToJson(p) as IDataObject }));
		});
	} finally {
		await registry.audit({ ...auditContext(this), operation: 'patient.search', patientRowIds: touched });
	}
}
