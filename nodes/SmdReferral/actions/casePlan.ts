import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { CARE_ROLES, closePlan, listMissingPlans, maskName, openPlan, reviewPlan, type CarePlanMember, type RegistryStore } from '../../../lib';
import { runItems } from '../../shared/itemRunner';
import { auditContext } from '../../SmdRegistry/helpers/registry';
import { text, todayIn } from './common';

const show = (operation: string[]) => ({ resource: ['casePlan'], operation });

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['casePlan'] } },
	options: [
		{ name: 'Close', value: 'close', action: 'Close a case management plan', description: 'Close the plan (结案) with its reason' },
		{ name: 'List Missing', value: 'listMissing', action: 'List patients without case management', description: 'Unstable patients (and optionally level ≥ 3) with no plan in force' },
		{ name: 'Open Plan', value: 'open', action: 'Open a case management plan', description: 'The team by role, goals and review date; a pending task of the patient becomes this plan' },
		{ name: 'Review', value: 'review', action: 'Review a case management plan', description: 'Record a review and the next review date' },
	],
	default: 'open',
};

const planRef: INodeProperties = {
	displayName: 'Plan 计划编号或患者编号',
	name: 'plan',
	type: 'string',
	required: true,
	default: '={{ $json.plan?.planNo ?? $json["计划编号"] ?? $json["患者编号"] ?? $json.patientNo }}',
	description: 'The plan number (GA…), or the 患者编号 of a patient with an open plan',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Patient No. 患者编号',
		name: 'patientNo',
		type: 'string',
		required: true,
		default: '={{ $json["患者编号"] ?? $json.patientNo }}',
		displayOptions: { show: show(['open']) },
	},
	{
		displayName: 'Team 管理小组',
		name: 'team',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Member',
		default: {},
		displayOptions: { show: show(['open']) },
		description: 'Township doctor, 精防专干, police officer of the area, village cadre, guardian (规范 2018 个案管理)',
		options: [
			{
				displayName: 'Member',
				name: 'members',
				values: [
					{ displayName: 'Role', name: 'role', type: 'options', options: Object.entries(CARE_ROLES).map(([value, name]) => ({ name, value })), default: 'mental_health_worker' },
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Phone', name: 'phone', type: 'string', default: '' },
				],
			},
		],
	},
	{
		displayName: 'Goals 管理目标',
		name: 'goals',
		type: 'string',
		typeOptions: { rows: 3 },
		required: true,
		default: '',
		displayOptions: { show: show(['open']) },
		description: 'One goal per line',
	},
	{
		displayName: 'Options',
		name: 'openOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: show(['open']) },
		options: [
			{ displayName: 'Opened On 建立日期', name: 'openedOn', type: 'string', default: '', placeholder: 'YYYY-MM-DD', description: 'Default today' },
			{ displayName: 'Review Due 复核日期', name: 'reviewDue', type: 'string', default: '', placeholder: 'YYYY-MM-DD', description: 'Default 3 months after opening' },
			{ displayName: 'Reason 纳入原因', name: 'reason', type: 'string', default: '' },
			{ displayName: 'Idempotency Key', name: 'idempotencyKey', type: 'string', default: '' },
		],
	},
	{ ...planRef, displayOptions: { show: show(['review', 'close']) } },
	{
		displayName: 'Reviewed On 复核日期',
		name: 'reviewedOn',
		type: 'string',
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		displayOptions: { show: show(['review']) },
	},
	{
		displayName: 'Options',
		name: 'reviewOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: show(['review']) },
		options: [
			{ displayName: 'Note 复核意见', name: 'note', type: 'string', default: '' },
			{ displayName: 'Next Review 下次复核', name: 'nextReview', type: 'string', default: '', placeholder: 'YYYY-MM-DD', description: 'Default 3 months on' },
			{ displayName: 'New Goals 调整目标', name: 'goals', type: 'string', typeOptions: { rows: 3 }, default: '', description: 'One per line; empty keeps the goals' },
			{ displayName: 'Idempotency Key', name: 'idempotencyKey', type: 'string', default: '' },
		],
	},
	{
		displayName: 'Reason 结案原因',
		name: 'closeReason',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: show(['close']) },
	},
	{
		displayName: 'Closed On 结案日期',
		name: 'closedOn',
		type: 'string',
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		displayOptions: { show: show(['close']) },
	},
	{
		displayName: 'Township 乡镇',
		name: 'township',
		type: 'string',
		default: '',
		displayOptions: { show: show(['listMissing']) },
		description: 'Only this township; empty for all',
	},
	{
		displayName: 'Also Risk Level ≥',
		name: 'minRiskLevel',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 5 },
		default: 0,
		displayOptions: { show: show(['listMissing']) },
		description: 'Also list patients at this risk level or above (e.g. 3); 0 lists unstable patients only',
	},
];

const lines = (v: unknown) =>
	String(v ?? '')
		.split(/\r?\n/)
		.map((s) => s.trim())
		.filter((s) => s !== '');

export async function execute(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	const today = todayIn(this);
	try {
		return await runItems.call(this, { label: 'Item' }, (item, i) => {
			if (operation === 'listMissing') {
				// Once, whatever the number of input items.
				if (i > 0) return undefined;
				const min = this.getNodeParameter('minRiskLevel', i, 0) as number;
				const missing = listMissingPlans(store, { township: text(this, 'township', i) ?? undefined, minRiskLevel: min > 0 ? min : null });
				for (const m of missing) touched.push(m.patientRowId);
				return missing.map(({ patientRowId, name, ...m }) => (void patientRowId, { json: { ...m, name: maskName(name) } as IDataObject }));
			}
			let result;
			if (operation === 'open') {
				const o = this.getNodeParameter('openOptions', i, {}) as Record<string, string>;
				const members = ((this.getNodeParameter('team', i, {}) as { members?: CarePlanMember[] }).members ?? []).map((m) => ({ ...m, phone: m.phone || undefined }));
				result = openPlan(
					store,
					{ patientNo: text(this, 'patientNo', i) ?? '', team: members, goals: lines(this.getNodeParameter('goals', i, '')), openedOn: o.openedOn || null, reviewDue: o.reviewDue || null, reason: o.reason || null, idempotencyKey: o.idempotencyKey || null },
					{ today },
				);
			} else if (operation === 'review') {
				const o = this.getNodeParameter('reviewOptions', i, {}) as Record<string, string>;
				result = reviewPlan(
					store,
					{ plan: text(this, 'plan', i) ?? '', reviewedOn: text(this, 'reviewedOn', i), note: o.note || null, nextReview: o.nextReview || null, goals: lines(o.goals), idempotencyKey: o.idempotencyKey || null },
					{ today },
				);
			} else {
				result = closePlan(store, { plan: text(this, 'plan', i) ?? '', closedOn: text(this, 'closedOn', i), reason: text(this, 'closeReason', i) ?? '' }, { today });
			}
			touched.push(result.patientRowId);
			return { json: { ...item.json, outcome: result.outcome, plan: result.plan as unknown as IDataObject, warnings: result.warnings } };
		});
	} finally {
		store.audit({ ...auditContext(this), operation: `casePlan.${operation}`, patientRowIds: touched });
	}
}
