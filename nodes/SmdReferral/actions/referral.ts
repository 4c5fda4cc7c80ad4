import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import {
	CONSENT_BY,
	createReferral,
	DEFAULT_REFERRAL_POLICY,
	getReferral,
	listLateReferrals,
	parseCodeList,
	referralKey,
	REFERRAL_REASONS,
	REFERRAL_URGENCY,
	ReferralError,
	stepReferral,
	type ConsentBy,
	type ReferralClinical,
	type ReferralDirection,
	type ReferralPatient,
	type ReferralPolicy,
	type ReferralUrgency,
	type RegistryStore,
} from '../../../lib';
import { runItems } from '../../shared/itemRunner';
import { auditContext } from '../../SmdRegistry/helpers/registry';
import { calendarOf, calendarProperty, text, todayIn } from './common';

const show = (operation: string[]) => ({ resource: ['referral'], operation });

const CLINICAL_FIELDS: Array<[keyof ReferralClinical, string, string]> = [
	['impression', 'Impression 初步印象/诊断结果', ''],
	['presentIllness', 'Present Illness 主要现病史（转出原因）', ''],
	['pastHistory', 'Past History 主要既往史', ''],
	['treatment', 'Treatment 治疗经过', ''],
	['examinations', 'Examinations 主要检查结果', ''],
	['plan', 'Plan 下一步治疗方案及康复建议', ''],
	['inpatientNo', 'Inpatient No. 住院病案号', ''],
	['admissionDate', 'Admission Date 入院日期', 'YYYY-MM-DD'],
	['dischargeDiagnosis', 'Discharge Diagnosis 出院诊断', ''],
	['medications', 'Medications 出院时用药', ''],
	['department', 'Department 接诊科室', ''],
	['doctor', 'Doctor 转诊医生', ''],
	['doctorPhone', 'Doctor Phone 联系电话', ''],
];

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['referral'] } },
	options: [
		{ name: 'Create', value: 'create', action: 'Create a referral', description: 'Create an upward (上转) or return (回转) referral; the same idempotency key again returns the first one' },
		{ name: 'Get', value: 'get', action: 'Get a referral', description: 'A referral with its patient and every step taken' },
		{ name: 'List Overdue', value: 'listOverdue', action: 'List overdue referrals', description: 'Referrals past a deadline: not sent, unanswered, discharge information or community visit late' },
		{ name: 'Update Status', value: 'updateStatus', action: 'Update a referral status', description: 'Send, accept, reject, complete or cancel; a step the lifecycle does not allow is refused and nothing is written' },
	],
	default: 'create',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Patient No. 患者编号',
		name: 'patientNo',
		type: 'string',
		required: true,
		default: '={{ $json["患者编号"] ?? $json.patientNo }}',
		displayOptions: { show: show(['create']) },
	},
	{
		displayName: 'Direction',
		name: 'direction',
		type: 'options',
		options: [
			{ name: 'Upward 上转', value: 'up', description: 'Township health centre → specialist institution' },
			{ name: 'Return 回转', value: 'return', description: 'Specialist institution → township, once stable' },
		],
		default: 'up',
		displayOptions: { show: show(['create']) },
	},
	{
		displayName: 'From Institution 转出机构',
		name: 'fromInstitution',
		type: 'string',
		required: true,
		default: '',
		placeholder: '城关镇卫生院',
		displayOptions: { show: show(['create']) },
	},
	{
		displayName: 'To Institution 接收机构',
		name: 'toInstitution',
		type: 'string',
		required: true,
		default: '',
		placeholder: '县精神卫生中心',
		displayOptions: { show: show(['create']) },
	},
	{
		displayName: 'Reasons 转诊原因',
		name: 'reasons',
		type: 'multiOptions',
		required: true,
		options: Object.entries(REFERRAL_REASONS).map(([value, name]) => ({ name, value })),
		default: [],
		displayOptions: { show: show(['create']) },
	},
	{
		displayName: 'Urgency 紧急程度',
		name: 'urgency',
		type: 'options',
		options: Object.entries(REFERRAL_URGENCY).map(([value, name]) => ({ name, value })),
		default: 'routine',
		displayOptions: { show: show(['create']) },
	},
	{
		displayName: 'Informed Consent 知情同意',
		name: 'consentBy',
		type: 'options',
		options: Object.entries(CONSENT_BY).map(([value, name]) => ({ name, value })),
		default: 'guardian',
		displayOptions: { show: show(['create']) },
		description: 'Who consented; 待签署 drafts the referral, which cannot be sent until consent is recorded',
	},
	{
		displayName: 'Consent Time 知情同意时间',
		name: 'consentAt',
		type: 'dateTime',
		default: '',
		displayOptions: { show: { ...show(['create']), consentBy: ['patient', 'guardian'] } },
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: show(['create']) },
		options: [
			{ displayName: 'Discharge Date 出院日期', name: 'dischargeDate', type: 'string', default: '', placeholder: 'YYYY-MM-DD', description: 'Return: the discharge day the deadlines run from (default today)' },
			{ displayName: 'Emergency Event 应急事件编号', name: 'emergencyRef', type: 'string', default: '' },
			{ displayName: 'Follow-Up Date 随访日期', name: 'followUpDate', type: 'string', default: '', placeholder: 'YYYY-MM-DD', description: 'The follow-up (assessment) that called for the referral' },
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description:
					'The same key again returns the referral made the first time (a retried delivery writes nothing). Empty: 患者编号/direction/follow-up date, emergency event or today/to institution.',
			},
			...CLINICAL_FIELDS.map(([name, displayName, placeholder]) => ({ displayName, name, type: 'string' as const, default: '', placeholder, typeOptions: name === 'presentIllness' || name === 'treatment' || name === 'plan' ? { rows: 3 } : undefined })),
		],
	},
	{
		displayName: 'Referral No. 转诊单号',
		name: 'referralNo',
		type: 'string',
		required: true,
		default: '={{ $json.referral?.referralNo ?? $json["转诊单号"] ?? $json.referralNo }}',
		displayOptions: { show: show(['get', 'updateStatus']) },
	},
	{
		displayName: 'Status',
		name: 'step',
		type: 'options',
		options: [
			{ name: 'Accepted 已接收', value: 'accepted' },
			{ name: 'Cancelled 已撤销', value: 'cancelled' },
			{ name: 'Completed 已完成', value: 'completed' },
			{ name: 'Discharge Information Sent 出院信息已送达', value: 'discharge_info_sent', description: 'Return only: the hospital’s discharge information reached the township' },
			{ name: 'Rejected 已拒收', value: 'rejected' },
			{ name: 'Sent 已发送', value: 'sent' },
		],
		default: 'sent',
		displayOptions: { show: show(['updateStatus']) },
	},
	{
		displayName: 'Note 原因/备注',
		name: 'note',
		type: 'string',
		default: '',
		displayOptions: { show: show(['updateStatus']) },
		description: 'Required to reject or cancel',
	},
	{
		displayName: 'Options',
		name: 'stepOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: show(['updateStatus']) },
		options: [
			{ displayName: 'At 时间', name: 'at', type: 'dateTime', default: '', description: 'When it happened (default now)' },
			{
				displayName: 'Consent 知情同意',
				name: 'consentBy',
				type: 'options',
				options: Object.entries(CONSENT_BY).filter(([v]) => v !== 'pending').map(([value, name]) => ({ name, value })),
				default: 'guardian',
				description: 'Sending a draft whose consent is pending: who consented',
			},
			{ displayName: 'Consent Time 知情同意时间', name: 'consentAt', type: 'dateTime', default: '' },
			{ displayName: 'Idempotency Key', name: 'idempotencyKey', type: 'string', default: '', description: 'The same key again changes nothing (a retried delivery)' },
		],
	},
	{
		displayName: 'Include Patient Details',
		name: 'includePatient',
		type: 'boolean',
		default: false,
		displayOptions: { show: show(['create', 'get']) },
		description:
			'Whether the item carries the patient’s name, ID number, address and guardian, as the 双向转诊单 needs (SMD Report → Referral Form). Off: only 患者编号 and township — what an AI agent or a log should see.',
	},
	{
		displayName: 'Day',
		name: 'day',
		type: 'string',
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		displayOptions: { show: show(['listOverdue']) },
		description: 'The day the deadlines are checked against (YYYY-MM-DD)',
	},
	{
		displayName: 'Township 乡镇',
		name: 'township',
		type: 'string',
		default: '',
		displayOptions: { show: show(['listOverdue']) },
		description: 'Only this township; empty for all',
	},
	calendarProperty(show(['create', 'updateStatus'])),
	{
		displayName: 'Deadlines',
		name: 'policy',
		type: 'collection',
		placeholder: 'Add Deadline',
		default: {},
		displayOptions: { show: show(['create', 'updateStatus']) },
		options: [
			{ displayName: 'Answer to a Routine Referral (Working Days)', name: 'routine', type: 'number', typeOptions: { minValue: 0 }, default: 3, description: 'Local policy' },
			{ displayName: 'Answer to an Emergency Referral (Working Days)', name: 'emergency', type: 'number', typeOptions: { minValue: 0 }, default: 0, description: 'Local policy; 0 = the same day' },
			{ displayName: 'Answer to an Urgent Referral (Working Days)', name: 'urgent', type: 'number', typeOptions: { minValue: 0 }, default: 1, description: 'Local policy' },
			{ displayName: 'Community Visit (Days)', name: 'communityVisitDays', type: 'number', typeOptions: { minValue: 0 }, default: 14, description: '规范 2018: within 2 weeks of discharge' },
			{ displayName: 'Discharge Information (Working Days)', name: 'dischargeInfoWorkingDays', type: 'number', typeOptions: { minValue: 0 }, default: 10, description: '规范 2018: 10 working days after discharge' },
		],
	},
];

/** The patient on the item: in full only when Include Patient Details is on. */
function patientOut(ctx: IExecuteFunctions, i: number, p: ReferralPatient): IDataObject {
	if (ctx.getNodeParameter('includePatient', i, false)) return p as unknown as IDataObject;
	return { patientNo: p.patientNo, township: p.township };
}

function policyOf(ctx: IExecuteFunctions, i: number): ReferralPolicy {
	const p = ctx.getNodeParameter('policy', i, {}) as Record<string, number>;
	const n = (v: unknown, d: number, field: string) => {
		if (v === undefined) return d;
		if (!Number.isInteger(v) || (v as number) < 0) throw new ReferralError('invalid', `${field} must be a whole number 0 or more`, { field });
		return v as number;
	};
	const d = DEFAULT_REFERRAL_POLICY;
	return {
		dischargeInfoWorkingDays: n(p.dischargeInfoWorkingDays, d.dischargeInfoWorkingDays, 'dischargeInfoWorkingDays'),
		communityVisitDays: n(p.communityVisitDays, d.communityVisitDays, 'communityVisitDays'),
		responseWorkingDays: {
			emergency: n(p.emergency, d.responseWorkingDays.emergency, 'emergency'),
			urgent: n(p.urgent, d.responseWorkingDays.urgent, 'urgent'),
			routine: n(p.routine, d.responseWorkingDays.routine, 'routine'),
		},
	};
}

/** Create, Update Status, Get, List Overdue: each item one request; audited with the patients touched. */
export async function execute(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	const today = todayIn(this);
	try {
		return await runItems.call(this, { label: 'Item' }, (item, i) => {
			if (operation === 'create') {
				const extra = this.getNodeParameter('additionalFields', i, {}) as Record<string, string>;
				const patientNo = text(this, 'patientNo', i) ?? '';
				const direction = this.getNodeParameter('direction', i) as ReferralDirection;
				const to = text(this, 'toInstitution', i) ?? '';
				const clinical: ReferralClinical = {};
				for (const [name] of CLINICAL_FIELDS) if (String(extra[name] ?? '').trim()) clinical[name] = String(extra[name]).trim();
				const followUpDate = String(extra.followUpDate ?? '').trim() || null;
				const emergencyRef = String(extra.emergencyRef ?? '').trim() || null;
				const key = String(extra.idempotencyKey ?? '').trim() || referralKey(patientNo, direction, followUpDate ?? emergencyRef ?? today, to);
				const consentBy = this.getNodeParameter('consentBy', i) as ConsentBy;
				const result = createReferral(
					store,
					{
						patientNo,
						direction,
						fromInstitution: text(this, 'fromInstitution', i) ?? '',
						toInstitution: to,
						reasons: parseCodeList(REFERRAL_REASONS, this.getNodeParameter('reasons', i, []), 'reasons'),
						urgency: this.getNodeParameter('urgency', i) as ReferralUrgency,
						consentBy,
						consentAt: consentBy === 'patient' || consentBy === 'guardian' ? text(this, 'consentAt', i) : null,
						followUpDate,
						emergencyRef,
						dischargeDate: String(extra.dischargeDate ?? '').trim() || null,
						clinical,
						idempotencyKey: key,
					},
					{ policy: policyOf(this, i), calendar: calendarOf(this, i), today },
				);
				touched.push(result.patientRowId);
				return { json: { outcome: result.outcome, referral: result.referral as unknown as IDataObject, patient: patientOut(this, i, result.patient), warnings: result.warnings } };
			}
			if (operation === 'updateStatus') {
				const o = this.getNodeParameter('stepOptions', i, {}) as { at?: string; consentBy?: ConsentBy; consentAt?: string; idempotencyKey?: string };
				const result = stepReferral(
					store,
					{
						referralNo: text(this, 'referralNo', i) ?? '',
						step: this.getNodeParameter('step', i) as 'sent',
						note: text(this, 'note', i),
						at: o.at || null,
						consentBy: o.consentBy ?? null,
						consentAt: o.consentAt || null,
						idempotencyKey: o.idempotencyKey || null,
					},
					{ policy: policyOf(this, i), calendar: calendarOf(this, i), today },
				);
				touched.push(result.patientRowId);
				return { json: { ...item.json, outcome: result.outcome, referral: result.referral as unknown as IDataObject } };
			}
			if (operation === 'get') {
				const found = getReferral(store, text(this, 'referralNo', i) ?? '');
				if (!found) throw new ReferralError('not_found', 'referralNo (转诊单号) is not in the registry', { field: 'referralNo' });
				touched.push(found.patientRowId);
				return { json: { referral: found.referral as unknown as IDataObject, patient: patientOut(this, i, found.patient), events: found.events as unknown as IDataObject[] } };
			}
			// listOverdue, once whatever the number of input items: one item per late referral; no patient name.
			if (i > 0) return undefined;
			const day = text(this, 'day', i) ?? today;
			const late = listLateReferrals(store, day, { township: text(this, 'township', i) ?? undefined });
			for (const l of late) touched.push(l.patientRowId);
			return late.map((l) => ({
				json: {
					day,
					referralNo: l.referral.referralNo,
					patientNo: l.referral.patientNo,
					township: l.township,
					direction: l.referral.direction,
					status: l.referral.status,
					late: l.late as unknown as IDataObject[],
				},
			}));
		});
	} finally {
		store.audit({ ...auditContext(this), operation: `referral.${operation}`, patientRowIds: touched });
	}
}
