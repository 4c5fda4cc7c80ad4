import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import {
	acknowledgeStep,
	applyEmergencyUpdate,
	cancelEmergency,
	closeEmergency,
	DEFAULT_EMERGENCY_POLICY,
	DISPOSITIONS,
	EMERGENCY_MEASURES,
	EMERGENCY_ROLES,
	EmergencyError,
	escalateOverdue,
	fileRecord,
	getEmergency,
	handOff,
	jsonValue,
	linkPatient,
	listEmergencies,
	MISSED_MEASURES,
	openEmergency,
	parseCode,
	parseCodeList,
	parseEmergencyReport,
	parseEmergencyUpdate,
	recordDisposition,
	referralPatient,
	referralReasonsFor,
	reportKey,
	reviewIncident,
	type Disposition,
	type EmergencyListFilter,
	type EmergencyOptions,
	type EmergencyPolicy,
	type EmergencyRole,
	type RegistryStore,
	type StepOutcome,
} from '../../../lib';
import { runItems } from '../../shared/itemRunner';
import { auditContext } from '../../SmdRegistry/helpers/registry';

const show = (operation: string[]) => ({ resource: ['event'], operation });
const EVENT_OPS = ['acknowledge', 'handOff', 'recordDisposition', 'fileRecord', 'review', 'close', 'cancel', 'linkPatient', 'get'];
const NOTIFYING = ['open', 'update', 'handOff', 'escalate'];
const options = <T extends Record<string, string>>(table: T) => Object.entries(table).map(([value, name]) => ({ name, value }));

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['event'] } },
	options: [
		{ name: 'Acknowledge', value: 'acknowledge', action: 'Acknowledge a hand off step', description: 'The person notified takes the event (the link in the message carries the step’s token)' },
		{ name: 'Apply Update', value: 'update', action: 'Apply an update from a county system', description: 'One JSON update (action: acknowledge, handoff, disposition, record, review, close, cancel, link), validated; for the update webhook' },
		{ name: 'Cancel', value: 'cancel', action: 'Cancel an event', description: 'An event reported in error; needs a reason' },
		{ name: 'Close', value: 'close', action: 'Close an event', description: 'Needs the disposition, the filed record, the 肇事肇祸 review and the follow-up after a community disposition' },
		{ name: 'Escalate Overdue', value: 'escalate', action: 'Escalate unacknowledged steps', description: 'Every step not acknowledged by its deadline goes to the next level; reminders before the 24-hour record falls due' },
		{ name: 'File Record', value: 'fileRecord', action: 'File the emergency record', description: '应急处置记录单, due 24 hours after the report' },
		{ name: 'Get', value: 'get', action: 'Get an event', description: 'An event with its steps, its log and the referrals made for it' },
		{ name: 'Hand Off', value: 'handOff', action: 'Hand an event off', description: 'Bring in another role (police, county office, 综治); notified with its own deadline' },
		{ name: 'Link Patient', value: 'linkPatient', action: 'Link an event to a registry patient', description: 'Once the identity of an unidentified or unsure person is confirmed' },
		{ name: 'List', value: 'list', action: 'List events', description: 'Open, unacknowledged past the deadline, record overdue, follow-up overdue, or all' },
		{ name: 'Open', value: 'open', action: 'Open an emergency event', description: 'From a report (JSON): validated, the patient looked up, the chain notified; a repeated delivery opens nothing' },
		{ name: 'Record Disposition', value: 'recordDisposition', action: 'Record the disposition', description: '现场处置 / 留观 / 住院 / 转诊 / 强制医疗; the follow-up falls due 2 weeks later' },
		{ name: 'Review Incident', value: 'review', action: 'Review a 肇事肇祸 event', description: 'Which management measures were missed, responsibility, reported up, major event' },
	],
	default: 'open',
};

const messageOptions: INodeProperties = {
	displayName: 'Messages',
	name: 'messages',
	type: 'collection',
	placeholder: 'Add Message Setting',
	default: {},
	displayOptions: { show: { resource: ['event'], operation: NOTIFYING } },
	options: [
		{
			displayName: 'Acknowledge URL',
			name: 'ackBaseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://n8n.county.local/webhook/smd-emergency-ack',
			description: 'The acknowledgement webhook; each message links it with the event, the step and the step’s token',
		},
		{ displayName: 'Event Link', name: 'eventUrlTemplate', type: 'string', default: '', placeholder: 'https://county.example/emergency/{eventNo}', description: 'A link to the event in a county system; {eventNo} is replaced' },
	],
};

const policyOptions: INodeProperties = {
	displayName: 'Deadlines',
	name: 'policy',
	type: 'collection',
	placeholder: 'Add Deadline',
	default: {},
	displayOptions: { show: { resource: ['event'], operation: [...NOTIFYING, 'recordDisposition'] } },
	description: 'Local policy: the plans say 及时 for each hand-off',
	options: [
		...(Object.keys(EMERGENCY_ROLES) as EmergencyRole[])
			.filter((r) => r !== 'zongzhi')
			.map((role) => ({
				displayName: `${EMERGENCY_ROLES[role]}: Minutes to Acknowledge`,
				name: `ack_${role}`,
				type: 'number' as const,
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: DEFAULT_EMERGENCY_POLICY.ackMinutes[role],
			})),
		{ displayName: 'Follow-Up After (Days)', name: 'followUpDays', type: 'number', typeOptions: { minValue: 0 }, default: 14, description: '规范 2018: the township follows the patient up within 2 weeks' },
		{ displayName: 'Police From Risk Level', name: 'policeMinLevel', type: 'number', typeOptions: { minValue: 0, maxValue: 5 }, default: 3, description: '规范 2018: level 3 and above' },
		{ displayName: 'Record Due (Hours)', name: 'recordHours', type: 'number', typeOptions: { minValue: 0, numberPrecision: 2 }, default: 24, description: '规范 2018: the 应急处置记录单 within 24 hours' },
		{ displayName: 'Record Reminder Before (Minutes)', name: 'recordReminderMinutes', type: 'number', typeOptions: { minValue: 0 }, default: 120 },
	],
};

export const description: INodeProperties[] = [
	{
		displayName: 'Report',
		name: 'report',
		type: 'json',
		default: '={{ $json.body ?? $json }}',
		required: true,
		displayOptions: { show: show(['open']) },
		description: 'The report (JSON): channel, township, triggers, riskLevel or behaviours, patient {patientNo | idNumber + name | name}, place, occurredAt, description; see README',
	},
	{
		displayName: 'Idempotency Key',
		name: 'idempotencyKey',
		type: 'string',
		default: '={{ $json.headers?.["idempotency-key"] ?? "" }}',
		displayOptions: { show: show(['open']) },
		description: 'The same key again returns the first event and sends nothing. Empty: the report’s reportId, else a hash of the report.',
	},
	{
		displayName: 'Update',
		name: 'update',
		type: 'json',
		default: '={{ $json.body ?? $json }}',
		required: true,
		displayOptions: { show: show(['update']) },
		description: 'One update (JSON) with eventNo and action; see README for the fields of each action',
	},
	{
		displayName: 'Event No. 事件编号',
		name: 'eventNo',
		type: 'string',
		required: true,
		default: '={{ $json.event?.eventNo ?? $json.eventNo ?? $json.query?.event }}',
		displayOptions: { show: show(EVENT_OPS) },
	},
	{
		displayName: 'Step',
		name: 'step',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		displayOptions: { show: show(['acknowledge']) },
		description: 'The hand-off step acknowledged (the number in the link)',
	},
	{
		displayName: 'Token',
		name: 'token',
		type: 'string',
		typeOptions: { password: true },
		default: '={{ $json.query?.token ?? "" }}',
		displayOptions: { show: show(['acknowledge']) },
		description: 'The step’s token from the link in its message',
	},
	{
		displayName: 'Require Token',
		name: 'requireToken',
		type: 'boolean',
		default: true,
		displayOptions: { show: show(['acknowledge']) },
		description: 'Whether only the link’s token acknowledges. Off: a person in the editor records an acknowledgement given by phone (By is then required).',
	},
	{
		displayName: 'Role',
		name: 'role',
		type: 'options',
		options: options(EMERGENCY_ROLES),
		default: 'police',
		displayOptions: { show: show(['handOff']) },
	},
	{
		displayName: 'Needs Acknowledgement',
		name: 'needsAck',
		type: 'boolean',
		default: true,
		displayOptions: { show: show(['handOff']) },
		description: 'Whether the step waits for an acknowledgement and escalates without one (off: informed only)',
	},
	{
		displayName: 'Disposition 处置结果',
		name: 'disposition',
		type: 'options',
		options: options(DISPOSITIONS),
		default: 'on_site',
		displayOptions: { show: show(['recordDisposition']) },
	},
	{
		displayName: 'Measures 处置措施',
		name: 'measures',
		type: 'multiOptions',
		options: options(EMERGENCY_MEASURES),
		default: [],
		required: true,
		displayOptions: { show: show(['fileRecord']) },
	},
	{
		displayName: 'Participants 参与处置人员',
		name: 'participants',
		type: 'multiOptions',
		options: options(EMERGENCY_ROLES),
		default: [],
		displayOptions: { show: show(['fileRecord']) },
	},
	{ displayName: 'Summary 处置经过', name: 'summary', type: 'string', typeOptions: { rows: 4 }, default: '', required: true, displayOptions: { show: show(['fileRecord']) } },
	{ displayName: 'Medication 用药情况', name: 'medication', type: 'string', default: '', displayOptions: { show: show(['fileRecord']) } },
	{ displayName: 'Doctor 处置医师', name: 'doctor', type: 'string', default: '', required: true, displayOptions: { show: show(['fileRecord']) } },
	{ displayName: 'Doctor Phone 医师电话', name: 'doctorPhone', type: 'string', default: '', displayOptions: { show: show(['fileRecord']) } },
	{
		displayName: 'Missed Measures 管理措施缺失',
		name: 'missed',
		type: 'multiOptions',
		options: options(MISSED_MEASURES),
		default: [],
		required: true,
		displayOptions: { show: show(['review']) },
	},
	{ displayName: 'Responsibility 责任认定', name: 'responsibility', type: 'string', default: '', displayOptions: { show: show(['review']) } },
	{ displayName: 'Reported Up 已逐级上报', name: 'reportedUp', type: 'boolean', default: false, displayOptions: { show: show(['review']) } },
	{ displayName: 'Major Event 重大事件', name: 'major', type: 'boolean', default: false, displayOptions: { show: show(['review']) }, description: 'Whether it counts as a major (重大) 肇事肇祸 event (target 0)' },
	{ displayName: 'Reason 撤销原因', name: 'reason', type: 'string', default: '', required: true, displayOptions: { show: show(['cancel']) } },
	{ displayName: 'Patient No. 患者编号', name: 'patientNo', type: 'string', default: '', required: true, displayOptions: { show: show(['linkPatient']) } },
	{
		displayName: 'Note 备注',
		name: 'note',
		type: 'string',
		default: '',
		displayOptions: { show: show(['handOff', 'recordDisposition', 'review', 'close']) },
	},
	{
		displayName: 'By 操作人',
		name: 'by',
		type: 'string',
		default: '',
		displayOptions: { show: show(['acknowledge', 'handOff', 'recordDisposition', 'review', 'close', 'cancel', 'linkPatient']) },
		description: 'Who did it (staff name or role); acknowledgements default to the person on the roster',
	},
	{
		displayName: 'At 时间',
		name: 'at',
		type: 'dateTime',
		default: '',
		displayOptions: { show: show(['acknowledge', 'recordDisposition', 'fileRecord']) },
		description: 'When it happened (default now)',
	},
	{
		displayName: 'Include Details',
		name: 'includeDetails',
		type: 'boolean',
		default: false,
		displayOptions: { show: show(['get']) },
		description:
			'Whether the item carries the place, the caller’s description, the filed record and the patient’s name, ID number, address and guardian, as the 应急处置记录单 needs (SMD Report → Emergency Record). Off: only 患者编号 — what an AI agent or a log should see.',
	},
	{
		displayName: 'Filter',
		name: 'filter',
		type: 'options',
		options: [
			{ name: 'All', value: 'all' },
			{ name: 'Follow-Up Overdue 随访逾期', value: 'follow_up_overdue' },
			{ name: 'Open 未结案', value: 'open' },
			{ name: 'Record Overdue 记录单逾期', value: 'record_overdue' },
			{ name: 'Unacknowledged Past Deadline 超时未确认', value: 'unacknowledged' },
		],
		default: 'open',
		displayOptions: { show: show(['list']) },
	},
	{ displayName: 'Township 乡镇', name: 'township', type: 'string', default: '', displayOptions: { show: show(['list']) }, description: 'Only this township; empty for all' },
	{ displayName: 'Reported From', name: 'from', type: 'string', default: '', placeholder: 'YYYY-MM-DD', displayOptions: { show: show(['list']) } },
	{ displayName: 'Reported To', name: 'to', type: 'string', default: '', placeholder: 'YYYY-MM-DD', displayOptions: { show: show(['list']) } },
	messageOptions,
	policyOptions,
];

function policyOf(ctx: IExecuteFunctions, i: number): EmergencyPolicy {
	const p = ctx.getNodeParameter('policy', i, {}) as Record<string, number>;
	const d = DEFAULT_EMERGENCY_POLICY;
	const n = (v: unknown, fallback: number, field: string) => {
		if (v === undefined) return fallback;
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new EmergencyError('invalid', `${field} must be a number 0 or more`, { field });
		return v;
	};
	const ackMinutes = { ...d.ackMinutes };
	for (const role of Object.keys(ackMinutes) as EmergencyRole[]) ackMinutes[role] = n(p[`ack_${role}`], d.ackMinutes[role], `ack_${role}`);
	return {
		ackMinutes,
		recordHours: n(p.recordHours, d.recordHours, 'recordHours'),
		recordReminderMinutes: n(p.recordReminderMinutes, d.recordReminderMinutes, 'recordReminderMinutes'),
		followUpDays: n(p.followUpDays, d.followUpDays, 'followUpDays'),
		policeMinLevel: n(p.policeMinLevel, d.policeMinLevel, 'policeMinLevel'),
	};
}

function optionsOf(ctx: IExecuteFunctions, i: number, operation: string): EmergencyOptions {
	const m = NOTIFYING.includes(operation) ? (ctx.getNodeParameter('messages', i, {}) as { ackBaseUrl?: string; eventUrlTemplate?: string }) : {};
	if (m.ackBaseUrl && !/^https?:\/\/\S+$/.test(m.ackBaseUrl.trim())) throw new EmergencyError('invalid', 'Acknowledge URL must be an http(s) address', { field: 'ackBaseUrl' });
	return {
		policy: NOTIFYING.includes(operation) || operation === 'recordDisposition' ? policyOf(ctx, i) : undefined,
		timeZone: ctx.getTimezone(),
		message: { ackBaseUrl: m.ackBaseUrl?.trim() || null, eventUrlTemplate: m.eventUrlTemplate?.trim() || null, timeZone: ctx.getTimezone() },
	};
}

/** A JSON parameter as an object (n8n hands a json parameter over as text or as the object). */
function jsonParam(ctx: IExecuteFunctions, name: string, i: number): unknown {
	return jsonValue(ctx.getNodeParameter(name, i) as unknown, name);
}

const str = (ctx: IExecuteFunctions, name: string, i: number): string => String(ctx.getNodeParameter(name, i, '') ?? '').trim();

/** The item of a step that changed (or did not) an event: what a webhook answers with. */
function stepItem(result: StepOutcome, extra: IDataObject = {}): IDataObject {
	return {
		outcome: result.outcome,
		eventNo: result.event.eventNo,
		status: result.event.status,
		event: result.event as unknown as IDataObject,
		notifications: result.notifications as unknown as IDataObject[],
		warnings: result.warnings,
		...extra,
	};
}

export async function execute(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	try {
		return await runItems.call(this, { label: 'Item' }, (item, i) => {
			if (operation === 'list' || operation === 'escalate') {
				if (i > 0) return undefined;
			}
			const o = optionsOf(this, i, operation);
			const eventNo = () => str(this, 'eventNo', i);
			const by = () => str(this, 'by', i) || null;
			const note = () => str(this, 'note', i) || null;
			const at = () => str(this, 'at', i) || null;
			let r: StepOutcome;
			switch (operation) {
				case 'open': {
					const report = parseEmergencyReport(jsonParam(this, 'report', i));
					const key = reportKey(report, str(this, 'idempotencyKey', i));
					const opened = openEmergency(store, report, key, o);
					touched.push(...opened.patientRowIds);
					return {
						json: {
							...stepItem({ ...opened, outcome: opened.outcome === 'created' ? 'updated' : 'unchanged' }),
							outcome: opened.outcome,
							// What the caller is answered: 201 for a new event, 200 for a repeated delivery.
							statusCode: opened.outcome === 'created' ? 201 : 200,
							response: { eventNo: opened.event.eventNo, status: opened.event.status, duplicate: opened.outcome === 'existing', matchState: opened.event.matchState, riskLevel: opened.event.riskLevel },
						},
					};
				}
				case 'update': {
					const update = parseEmergencyUpdate(jsonParam(this, 'update', i));
					r = applyEmergencyUpdate(store, update, o);
					touched.push(...r.patientRowIds);
					const admission = update.action === 'disposition' && update.disposition === 'admission' && r.outcome === 'updated';
					return {
						json: stepItem(r, {
							action: update.action,
							statusCode: 200,
							// The upward referral an admission calls for (SMD Referral → Create, next in the workflow).
							referralNeeded: admission && r.event.patientNo !== null,
							referralReasons: referralReasonsFor(r.event.triggers),
							response: { eventNo: r.event.eventNo, status: r.event.status, outcome: r.outcome, warnings: r.warnings },
						}),
					};
				}
				case 'acknowledge': {
					const requireToken = this.getNodeParameter('requireToken', i, true) as boolean;
					if (!requireToken && !by()) throw new EmergencyError('invalid', 'By is required to acknowledge without the link’s token', { field: 'by' });
					r = acknowledgeStep(store, { eventNo: eventNo(), seq: Number(this.getNodeParameter('step', i)), token: str(this, 'token', i) || null, by: by(), at: at(), requireToken }, o);
					break;
				}
				case 'handOff':
					r = handOff(store, { eventNo: eventNo(), role: this.getNodeParameter('role', i) as EmergencyRole, note: note(), needsAck: this.getNodeParameter('needsAck', i, true) as boolean, by: by() }, o);
					break;
				case 'recordDisposition':
					r = recordDisposition(store, { eventNo: eventNo(), disposition: parseCode(DISPOSITIONS, this.getNodeParameter('disposition', i), 'disposition') as Disposition, at: at(), by: by(), note: note() }, o);
					break;
				case 'fileRecord':
					r = fileRecord(
						store,
						{
							eventNo: eventNo(),
							at: at(),
							record: {
								measures: parseCodeList(EMERGENCY_MEASURES, this.getNodeParameter('measures', i, []), 'measures'),
								participants: parseCodeList(EMERGENCY_ROLES, this.getNodeParameter('participants', i, []), 'participants'),
								summary: str(this, 'summary', i),
								medication: str(this, 'medication', i) || null,
								doctor: str(this, 'doctor', i),
								doctorPhone: str(this, 'doctorPhone', i) || null,
							},
						},
						o,
					);
					break;
				case 'review':
					r = reviewIncident(
						store,
						{
							eventNo: eventNo(),
							by: by(),
							review: {
								missed: parseCodeList(MISSED_MEASURES, this.getNodeParameter('missed', i, []), 'missed'),
								responsibility: str(this, 'responsibility', i) || null,
								reportedUp: this.getNodeParameter('reportedUp', i, false) as boolean,
								major: this.getNodeParameter('major', i, false) as boolean,
								note: note(),
							},
						},
						o,
					);
					break;
				case 'close':
					r = closeEmergency(store, { eventNo: eventNo(), note: note(), by: by() }, o);
					break;
				case 'cancel':
					r = cancelEmergency(store, { eventNo: eventNo(), reason: str(this, 'reason', i), by: by() }, o);
					break;
				case 'linkPatient':
					r = linkPatient(store, { eventNo: eventNo(), patientNo: str(this, 'patientNo', i), by: by() }, o);
					break;
				case 'get': {
					const found = getEmergency(store, eventNo());
					if (found.patientRowId !== null) touched.push(found.patientRowId);
					const json: IDataObject = { event: found.event as unknown as IDataObject, log: found.log as unknown as IDataObject[], referrals: found.referrals };
					if (this.getNodeParameter('includeDetails', i, false)) {
						json.details = found.details as unknown as IDataObject;
						const p = found.patientRowId !== null ? store.getById(found.patientRowId) : undefined;
						json.patient = p ? (referralPatient(p) as unknown as IDataObject) : null;
					}
					return { json };
				}
				case 'list': {
					const township = str(this, 'township', i) || undefined;
					const events = listEmergencies(store, this.getNodeParameter('filter', i) as EmergencyListFilter, { township, from: str(this, 'from', i) || undefined, to: str(this, 'to', i) || undefined, timeZone: this.getTimezone() });
					return events.map((e) => ({ json: e as unknown as IDataObject }));
				}
				case 'escalate': {
					const result = escalateOverdue(store, o);
					touched.push(...result.patientRowIds);
					return { json: { escalated: result.escalated as unknown as IDataObject[], reminders: result.reminders, notifications: result.notifications as unknown as IDataObject[], warnings: result.warnings } };
				}
				default:
					throw new NodeOperationError(this.getNode(), `Unknown event operation ${operation}`, { itemIndex: i });
			}
			touched.push(...r.patientRowIds);
			return { json: stepItem(r) };
		});
	} finally {
		store.audit({ ...auditContext(this), operation: `emergency.${operation}`, patientRowIds: touched });
	}
}
