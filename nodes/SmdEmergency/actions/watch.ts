import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { duePeriods, EmergencyError, parseIsoDay, parseWatchPeriods, SmdError, watchLists, type RegistryStore, type WatchPeriod } from '../../../lib';
import { readRecipients, recipientsProperties } from '../../shared/recipients';
import { todayIn } from '../../shared/today';
import { auditContext } from '../../SmdRegistry/helpers/registry';

const show = { resource: ['watch'], operation: ['build'] };

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['watch'] } },
	options: [
		{
			name: 'Build',
			value: 'build',
			action: 'Build the holiday watch lists',
			description: 'Per township, the patients at risk ≥ 3 or unstable with their guardians and the staff on duty, for each configured period that starts soon',
		},
	],
	default: 'build',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Periods 节日/重大活动',
		name: 'periods',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Period',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Period',
				name: 'values',
				values: [
					{ displayName: 'Name 名称', name: 'name', type: 'string', default: '', placeholder: '春节' },
					{ displayName: 'From 开始', name: 'from', type: 'string', default: '', placeholder: 'YYYY-MM-DD' },
					{ displayName: 'To 结束', name: 'to', type: 'string', default: '', placeholder: 'YYYY-MM-DD' },
				],
			},
		],
	},
	{
		displayName: 'Send Days Before',
		name: 'daysBefore',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 3,
		displayOptions: { show },
		description: 'A period’s lists are built this many days before it starts (the workflow runs daily)',
	},
	{
		displayName: 'Day',
		name: 'day',
		type: 'string',
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		displayOptions: { show },
		description: 'Today, in the workflow’s time zone (YYYY-MM-DD)',
	},
	{
		displayName: 'Every Period Now',
		name: 'force',
		type: 'boolean',
		default: false,
		displayOptions: { show },
		description: 'Whether to build the lists of every period not yet over, whatever the day (a manual run)',
	},
	{ displayName: 'Minimum Risk Level', name: 'minRisk', type: 'number', typeOptions: { minValue: 0, maxValue: 5 }, default: 3, displayOptions: { show }, description: 'Patients at this level or above are on the list; unstable patients always' },
	{ displayName: 'Townships 乡镇', name: 'townships', type: 'string', default: '', displayOptions: { show }, description: 'Townships listed even with nobody to watch (comma-separated), beside those of the Recipients' },
	...recipientsProperties(show),
];


export async function execute(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	const fail = (error: unknown): never => {
		if (error instanceof SmdError) throw new NodeOperationError(this.getNode(), error.message, { description: error.field ? `Check ${error.field}` : undefined });
		throw error;
	};
	const readTable = await readRecipients(this);
	let emails: Record<string, string> = {};
	const periods: WatchPeriod[] = [];
	let day = '';
	try {
		emails = await readTable();
		day = String(this.getNodeParameter('day', 0, '') ?? '').trim() || todayIn(this);
		if (!parseIsoDay(day)) throw new EmergencyError('invalid', 'Day must be a day written YYYY-MM-DD', { field: 'day' });
		const raw = (this.getNodeParameter('periods', 0, {}) as { values?: Array<Partial<Record<keyof WatchPeriod, unknown>>> }).values ?? [];
		periods.push(...parseWatchPeriods(raw));
	} catch (error) {
		return fail(error);
	}
	const due = duePeriods(periods, day, { daysBefore: Number(this.getNodeParameter('daysBefore', 0, 3)), everyPeriodNow: this.getNodeParameter('force', 0, false) as boolean });
	const listed = String(this.getNodeParameter('townships', 0, '') ?? '')
		.split(/[,，、\s]+/)
		.filter((t) => t !== '');
	const townships = [...new Set([...listed, ...Object.keys(emails)])];
	const items: INodeExecutionData[] = [];
	const touched: number[] = [];
	for (const period of due) {
		for (const list of watchLists(store, period, { minRisk: Number(this.getNodeParameter('minRisk', 0, 3)), townships })) {
			touched.push(...list.patientRowIds);
			const json: IDataObject = { township: list.township, period: list.period as unknown as IDataObject, patients: list.patients as unknown as IDataObject[], staff: list.staff as unknown as IDataObject[] };
			items.push({ json: { ...json, email: emails[list.township] ?? null, patientCount: list.patients.length }, pairedItem: { item: 0 } });
		}
	}
	store.audit({ ...auditContext(this), operation: 'watch.build', patientRowIds: touched, detail: { day, periods: due.map((p) => p.name) } });
	return [items];
}
