import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { EMERGENCY_ROLES, EmergencyError, importRoster, onDuty, readRosterTable, rosterBetween, type EmergencyRole, type RegistryStore } from '../../../lib';
import { runItems } from '../../shared/itemRunner';
import { binaryInputProperty, csvEncodingOption, sheetOption } from '../../SmdRegistry/actions/common.descriptions';
import { auditContext } from '../../SmdRegistry/helpers/registry';

const show = (operation: string[]) => ({ resource: ['roster'], operation });

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['roster'] } },
	options: [
		{ name: 'Import', value: 'import', action: 'Import the on call roster', description: 'A roster spreadsheet (CSV or XLSX): its shifts replace those of the same period' },
		{ name: 'List Shifts', value: 'list', action: 'List roster shifts', description: 'The shifts in a period' },
		{ name: 'Who Is On Duty', value: 'onDuty', action: 'Find who is on duty', description: 'The person on duty for a township and role at a time' },
	],
	default: 'onDuty',
};

export const description: INodeProperties[] = [
	{ ...binaryInputProperty('Binary field holding the roster: 乡镇 (or 全县), 角色, 姓名, 电话, 邮箱, 群机器人, 机器人类型, 开始时间, 结束时间'), displayOptions: { show: show(['import']) } },
	{
		displayName: 'Options',
		name: 'rosterOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: show(['import']) },
		options: [
			csvEncodingOption,
			sheetOption,
			{ displayName: 'UTC Offset of the Times', name: 'utcOffset', type: 'string', default: '+08:00', description: 'The roster’s times are local; China is +08:00' },
		],
	},
	{ displayName: 'Township 乡镇', name: 'township', type: 'string', default: '', required: true, displayOptions: { show: show(['onDuty']) } },
	{ displayName: 'Role', name: 'role', type: 'options', options: Object.entries(EMERGENCY_ROLES).map(([value, name]) => ({ name, value })), default: 'township_staff', displayOptions: { show: show(['onDuty']) } },
	{ displayName: 'At 时间', name: 'at', type: 'dateTime', default: '', displayOptions: { show: show(['onDuty']) }, description: 'Default now' },
	{ displayName: 'From', name: 'from', type: 'dateTime', default: '', required: true, displayOptions: { show: show(['list']) } },
	{ displayName: 'To', name: 'to', type: 'dateTime', default: '', required: true, displayOptions: { show: show(['list']) } },
];

const iso = (v: string, field: string): string => {
	const t = Date.parse(v);
	if (Number.isNaN(t)) throw new EmergencyError('invalid', `${field} must be a date and time`, { field });
	return new Date(t).toISOString();
};

export async function execute(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	try {
		return await runItems.call(this, { label: 'Item', keepInput: operation !== 'import' }, async (_item, i) => {
			if (operation === 'import') {
				const prop = this.getNodeParameter('binaryPropertyName', i) as string;
				const binary = this.helpers.assertBinaryData(i, prop);
				const o = this.getNodeParameter('rosterOptions', i, {}) as { encoding?: 'auto' | 'utf-8' | 'gb18030'; sheet?: string; utcOffset?: string };
				const entries = await readRosterTable(await this.helpers.getBinaryDataBuffer(i, prop), { fileName: binary.fileName, encoding: o.encoding, sheet: o.sheet || undefined, utcOffset: o.utcOffset || '+08:00' });
				const result = importRoster(store, entries);
				const starts = entries.map((e) => e.startsAt).sort();
				return { json: { fileName: binary.fileName ?? null, shifts: result.inserted, replaced: result.replaced, from: starts[0], to: starts[starts.length - 1], townships: [...new Set(entries.map((e) => e.township))].length } };
			}
			if (operation === 'onDuty') {
				const at = String(this.getNodeParameter('at', i, '') ?? '').trim();
				const township = String(this.getNodeParameter('township', i, '') ?? '').trim();
				if (!township) throw new EmergencyError('invalid', 'Township is required', { field: 'township' });
				const entry = onDuty(store, township, this.getNodeParameter('role', i) as EmergencyRole, at ? iso(at, 'at') : new Date().toISOString());
				return { json: { township, found: entry !== null, ...(entry ? (entry as unknown as IDataObject) : {}) } };
			}
			if (i > 0) return undefined;
			const shifts = rosterBetween(store, iso(String(this.getNodeParameter('from', i)), 'from'), iso(String(this.getNodeParameter('to', i)), 'to'));
			return shifts.map((s) => ({ json: s as unknown as IDataObject }));
		});
	} finally {
		store.audit({ ...auditContext(this), operation: `roster.${operation}`, patientRowIds: [] });
	}
}
