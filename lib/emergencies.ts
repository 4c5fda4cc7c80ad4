/**
 * Emergency response (应急处置): the vocabulary, the report payload, the hand-off chain and its
 * deadlines, the lifecycle, and the notification texts. The registry side (storing, acknowledging,
 * escalating) is lib/registry/emergencies.ts; the rules and their sources are docs/rules.md §13.
 *
 * Sources: 严重精神障碍管理治疗工作规范（2018年版） 第七章 应急处置 and 附件 应急处置记录单; the
 * chain and the 24-hour record follow it. The plans say only "及时" for each hand-off: the
 * acknowledgement deadlines here are local policy, configurable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SmdInputError } from './errors';
import { codesOf, issueField, issueMessage } from './policy';
import { BEHAVIOURS, EMERGENCY_TRIGGERS, type BehaviourCode, type EmergencyTrigger } from './vocabulary';

export class EmergencyError extends SmdInputError {}

/** Who reported, through which channel. */
export const EMERGENCY_CHANNELS = {
	police_110: '公安110指挥中心',
	family: '家属/监护人',
	village_doctor: '村医',
	township_staff: '乡镇精防专干',
	hospital: '医疗机构',
	public: '群众/村（居）委会',
	other: '其他',
} as const;
export type EmergencyChannel = keyof typeof EMERGENCY_CHANNELS;

/** The people of the hand-off chain. */
export const EMERGENCY_ROLES = {
	township_staff: '乡镇精防专干',
	psychiatrist: '值班精神科医师',
	police: '公安（辖区派出所）',
	county_office: '县精防办值班人员',
	health_commission: '县卫生健康委',
	zongzhi: '综治中心',
} as const;
export type EmergencyRole = keyof typeof EMERGENCY_ROLES;

/** Where an unacknowledged step goes next (township → county 精防办 → health commission). */
export const ESCALATES_TO: Record<EmergencyRole, EmergencyRole | null> = {
	township_staff: 'county_office',
	psychiatrist: 'county_office',
	police: 'county_office',
	county_office: 'health_commission',
	health_commission: null,
	zongzhi: null,
};

/** How the event ended on site (处置结果). */
export const DISPOSITIONS = {
	on_site: '现场处置',
	observation: '留观',
	admission: '住院',
	referral: '转诊',
	compulsory: '强制医疗（公安机关决定）',
} as const;
export type Disposition = keyof typeof DISPOSITIONS;

/** 处置措施 of the 应急处置记录单. */
export const EMERGENCY_MEASURES = {
	crisis_intervention: '心理危机干预',
	oral_medication: '口服药物',
	injection: '注射镇静药物',
	restraint: '保护性约束',
	police_control: '公安现场控制',
	escort: '护送就医',
	other: '其他',
} as const;
export type EmergencyMeasure = keyof typeof EMERGENCY_MEASURES;

/** Management measures a 肇事肇祸 review can find missed. */
export const MISSED_MEASURES = {
	follow_up: '未按要求随访',
	medication: '未落实服药管理',
	risk_assessment: '危险性评估不准确或未评估',
	referral: '应转诊未转诊',
	case_management: '未纳入个案管理',
	guardian: '监护责任未落实',
	police_notice: '未通报公安',
	none: '未发现管理缺失',
} as const;
export type MissedMeasure = keyof typeof MISSED_MEASURES;

export const EMERGENCY_STATUSES = {
	open: '待响应',
	handling: '处置中',
	disposed: '已处置',
	closed: '已结案',
	cancelled: '已撤销',
} as const;
export type EmergencyStatus = keyof typeof EMERGENCY_STATUSES;

/** The lifecycle: each status and the statuses it may move to. */
export const EMERGENCY_TRANSITIONS: Record<EmergencyStatus, EmergencyStatus[]> = {
	open: ['handling', 'disposed', 'cancelled'],
	handling: ['disposed', 'cancelled'],
	disposed: ['closed'],
	closed: [],
	cancelled: [],
};

export const MATCH_STATES = { linked: '已关联登记库', unsure: '疑似，待核实', unidentified: '身份未明' } as const;
export type MatchState = keyof typeof MATCH_STATES;

export interface EmergencyPolicy {
	/** Minutes each role has to acknowledge (local policy: the plans say 及时). */
	ackMinutes: Record<EmergencyRole, number>;
	/** The 应急处置记录单 is due this many hours after the report (规范 2018: 24). */
	recordHours: number;
	/** The psychiatrist is reminded this many minutes before the record falls due. */
	recordReminderMinutes: number;
	/** The follow-up after the emergency, days after the disposition (规范 2018: 2 weeks). */
	followUpDays: number;
	/** From this risk level the police are part of the chain (规范 2018: 3). */
	policeMinLevel: number;
}

export const DEFAULT_EMERGENCY_POLICY: EmergencyPolicy = {
	ackMinutes: { township_staff: 15, psychiatrist: 15, police: 10, county_office: 15, health_commission: 30, zongzhi: 0 },
	recordHours: 24,
	recordReminderMinutes: 120,
	followUpDays: 14,
	policeMinLevel: 3,
};

// ---- the report payload ------------------------------------------------------------------------

const triggerCodes = codesOf(EMERGENCY_TRIGGERS);
const behaviourCodes = Object.keys(BEHAVIOURS) as [BehaviourCode, ...BehaviourCode[]];
const timestamp = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time (ISO 8601, e.g. 2026-11-29T14:03:00+08:00)');
const shortText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** The report as the webhook receives it (JSON). Unknown fields are refused, so a typo is not lost silently. */
export const emergencyReportSchema = z
	.object({
		reportId: shortText(100).min(1).optional(),
		occurredAt: timestamp.optional(),
		channel: z.enum(codesOf(EMERGENCY_CHANNELS)),
		reporter: z.object({ role: shortText(40).optional(), name: shortText(40).optional(), phone: shortText(40).optional() }).strict().optional(),
		township: shortText(40).min(1, 'is required'),
		place: shortText(200).optional(),
		triggers: z.array(z.enum(triggerCodes)).min(1, 'needs at least one trigger'),
		riskLevel: z.number().int('must be a whole number 0–5').min(0, 'must be 0–5').max(5, 'must be 0–5').optional(),
		behaviours: z.array(z.enum(behaviourCodes)).optional(),
		publicSafety: z.boolean().optional(),
		incident: z.boolean().optional(),
		patient: z
			.object({
				patientNo: shortText(40).optional(),
				idNumber: shortText(40).optional(),
				name: shortText(40).optional(),
				sex: z.enum(['male', 'female']).optional(),
				age: z.number().int().min(0).max(130).optional(),
			})
			.strict()
			.optional(),
		description: shortText(2000).optional(),
	})
	.strict()
	.refine((r) => r.riskLevel !== undefined || (r.behaviours?.length ?? 0) > 0, { message: 'riskLevel or behaviours is required', path: ['riskLevel'] });

export type EmergencyReport = z.infer<typeof emergencyReportSchema>;

/**
 * The first problem of a report or an update as an EmergencyError naming the field (`triggers[0]`,
 * `patient.nme` for a field that does not exist), never the value.
 */
export function emergencyInputError(error: z.ZodError, what: string, actions?: readonly string[]): EmergencyError {
	const issue = error.issues[0];
	if (issue.code === 'invalid_union_discriminator' && actions) return new EmergencyError('invalid', `action: must be one of ${actions.join(', ')}`, { field: 'action' });
	if (issue.code === 'unrecognized_keys') {
		const field = issue.path.length ? `${issueField(issue)}.${issue.keys[0]}` : issue.keys[0];
		return new EmergencyError('invalid', `${field}: is not a field of ${what}`, { field });
	}
	const field = issueField(issue, 'body');
	return new EmergencyError('invalid', `${field}: ${issueMessage(issue)}`, { field });
}

/** Validate a report. A bad one is an EmergencyError naming the field (e.g. `triggers[0]`), never the value. */
export function parseEmergencyReport(json: unknown): EmergencyReport {
	const parsed = emergencyReportSchema.safeParse(json);
	if (parsed.success) return parsed.data;
	throw emergencyInputError(parsed.error, 'the report');
}

/** The risk level of a report: the level given or the highest its behaviours imply. */
export function reportRiskLevel(report: Pick<EmergencyReport, 'riskLevel' | 'behaviours'>): number {
	let level = report.riskLevel ?? 0;
	for (const b of report.behaviours ?? []) level = Math.max(level, BEHAVIOURS[b].level);
	return level;
}

/** Whether the event carries 肇事肇祸 risk: flagged, or harm to others / public safety. */
export function isIncident(report: Pick<EmergencyReport, 'incident' | 'triggers' | 'publicSafety'>): boolean {
	return report.incident === true || report.triggers.includes('incident_risk');
}

/**
 * The idempotency key of a report: the caller's (Idempotency-Key header or reportId), else a hash of
 * what identifies the report, so a retried delivery of the same body finds the first event.
 */
export function reportKey(report: EmergencyReport, headerKey?: string | null): string {
	const given = (headerKey ?? '').trim() || report.reportId;
	if (given) return given;
	return `auto:${requestHash(report).slice(0, 32)}`;
}

/** The canonical hash of a report (field order and trigger order do not matter). */
export function requestHash(report: EmergencyReport): string {
	const canonical = {
		occurredAt: report.occurredAt ? new Date(report.occurredAt).toISOString() : null,
		channel: report.channel,
		reporter: report.reporter ?? null,
		township: report.township,
		place: report.place ?? null,
		triggers: [...report.triggers].sort(),
		riskLevel: report.riskLevel ?? null,
		behaviours: [...(report.behaviours ?? [])].sort(),
		publicSafety: report.publicSafety ?? false,
		incident: report.incident ?? false,
		patient: report.patient ?? null,
		description: report.description ?? null,
	};
	return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

// ---- the chain ---------------------------------------------------------------------------------

export interface ChainStep {
	role: EmergencyRole;
	/** Whether the step waits for an acknowledgement (综治 is informed only). */
	needsAck: boolean;
	why: string;
}

/**
 * Who is notified when an event opens: the township 精防专干 (on-site handling) and the on-call
 * psychiatrist always; the police from the policy's level (3) or when public safety is at stake;
 * 综治 informed for 肇事肇祸 events.
 */
export function openingChain(riskLevel: number, publicSafety: boolean, incident: boolean, policy: EmergencyPolicy = DEFAULT_EMERGENCY_POLICY): ChainStep[] {
	const steps: ChainStep[] = [
		{ role: 'township_staff', needsAck: true, why: '乡镇卫生院现场医疗处置' },
		{ role: 'psychiatrist', needsAck: true, why: '精神科医师指导处置、决定是否住院' },
	];
	if (riskLevel >= policy.policeMinLevel || publicSafety) {
		steps.push({ role: 'police', needsAck: true, why: riskLevel >= policy.policeMinLevel ? `危险性${riskLevel}级：公安现场控制、协助送医` : '危害公共安全：公安现场控制' });
	}
	if (incident) steps.push({ role: 'zongzhi', needsAck: false, why: '肇事肇祸风险：通报综治中心' });
	return steps;
}

export function checkEmergencyTransition(from: EmergencyStatus, to: EmergencyStatus, what: string): void {
	if (!EMERGENCY_TRANSITIONS[from].includes(to)) {
		const allowed = EMERGENCY_TRANSITIONS[from];
		throw new EmergencyError(
			'transition',
			`${what} is not allowed: the event is ${from} (${EMERGENCY_STATUSES[from]}); from ${from} it can go to ${allowed.length ? allowed.join(', ') : 'nothing (final)'}`,
			{ field: 'status' },
		);
	}
}

/** The event number: YJ + day + a 4-digit sequence of that day (YJ20261129-0001). */
export function emergencyNumber(day: string, seq: number): string {
	return `YJ${day.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
}

/** A fresh acknowledgement token (what the link carries) and its hash (what the registry keeps). */
export function newAckToken(): { token: string; hash: string } {
	const token = randomBytes(18).toString('base64url');
	return { token, hash: hashToken(token) };
}
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function addMinutes(iso: string, minutes: number): string {
	return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

// ---- notifications -----------------------------------------------------------------------------

export type RobotFormat = 'wecom' | 'dingtalk';
export const ROBOT_FORMATS: Record<RobotFormat, string> = { wecom: '企业微信群机器人', dingtalk: '钉钉群机器人' };

export type NotificationKind = 'opened' | 'handoff' | 'escalation' | 'record_reminder';
const KIND_TITLES: Record<NotificationKind, string> = {
	opened: '应急处置通知',
	handoff: '应急处置移交',
	escalation: '应急处置升级：未按时确认',
	record_reminder: '应急处置记录单即将到期',
};

/** What a message may say about an event: no patient name, ID number, address or place. */
export interface MessageFacts {
	eventNo: string;
	township: string;
	riskLevel: number;
	triggers: EmergencyTrigger[];
	incident: boolean;
	matchState: MatchState;
	reportedAt: string;
}

export interface Notification {
	kind: NotificationKind;
	eventNo: string;
	township: string;
	riskLevel: number;
	stepSeq: number | null;
	role: EmergencyRole;
	roleLabel: string;
	/** The on-duty person's name (staff, not the patient) or null when the roster has nobody. */
	person: string | null;
	channel: 'email' | 'robot';
	/** email: the address; robot: the webhook URL. */
	to: string;
	subject: string;
	text: string;
	/** robot: the JSON body in the group robot's format. */
	robotBody?: Record<string, unknown>;
	ackUrl: string | null;
	eventUrl: string | null;
	ackDue: string | null;
}

export interface Recipient {
	role: EmergencyRole;
	person: string | null;
	email: string | null;
	robotUrl: string | null;
	robotFormat: RobotFormat;
}

export interface MessageOptions {
	/** The acknowledgement webhook, e.g. https://n8n.county.local/webhook/smd-emergency-ack. */
	ackBaseUrl?: string | null;
	/** A link to the event in a county system; `{eventNo}` is replaced. */
	eventUrlTemplate?: string | null;
	/** IANA zone the times are written in (default Asia/Shanghai). */
	timeZone?: string;
}

/** 'MM-DD HH:mm' of an ISO timestamp in the zone. */
export function shortTime(iso: string, timeZone = 'Asia/Shanghai'): string {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-CA', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
			.formatToParts(new Date(iso))
			.map((p) => [p.type, p.value]),
	);
	return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export function ackUrlOf(base: string | null | undefined, eventNo: string, seq: number, token: string): string | null {
	if (!base) return null;
	const u = new URL(base);
	u.searchParams.set('event', eventNo);
	u.searchParams.set('step', String(seq));
	u.searchParams.set('token', token);
	return u.toString();
}

/**
 * The notifications for one recipient: an e-mail and/or a group-robot message, each with the event
 * number, township, risk level, triggers and links, and nothing that identifies the patient.
 */
export function notificationsFor(
	kind: NotificationKind,
	facts: MessageFacts,
	recipient: Recipient,
	step: { seq: number | null; ackDue: string | null; token: string | null; note?: string | null },
	options: MessageOptions = {},
): Notification[] {
	const tz = options.timeZone ?? 'Asia/Shanghai';
	const ackUrl = step.seq !== null && step.token ? ackUrlOf(options.ackBaseUrl, facts.eventNo, step.seq, step.token) : null;
	const eventUrl = options.eventUrlTemplate ? options.eventUrlTemplate.replaceAll('{eventNo}', encodeURIComponent(facts.eventNo)) : null;
	const roleLabel = EMERGENCY_ROLES[recipient.role];
	const subject = `【${KIND_TITLES[kind]}】${facts.eventNo} ${facts.township} 危险性${facts.riskLevel}级`;
	const lines = [
		subject,
		`事件：${facts.triggers.map((t) => EMERGENCY_TRIGGERS[t]).join('、')}${facts.incident ? '（肇事肇祸风险）' : ''}`,
		`乡镇：${facts.township}\u3000危险性评估：${facts.riskLevel}级\u3000患者：${MATCH_STATES[facts.matchState]}`,
		`报告时间：${shortTime(facts.reportedAt, tz)}`,
		`接收人：${roleLabel}${recipient.person ? ` ${recipient.person}` : ''}`,
	];
	if (step.note) lines.push(`说明：${step.note}`);
	if (kind === 'record_reminder') lines.push(step.ackDue ? `应急处置记录单应于 ${shortTime(step.ackDue, tz)} 前填报（24小时内）。` : '请尽快填报应急处置记录单。');
	else if (step.ackDue) lines.push(`请于 ${shortTime(step.ackDue, tz)} 前确认接手${ackUrl ? `：${ackUrl}` : '。'}`);
	if (eventUrl) lines.push(`详情：${eventUrl}`);
	lines.push('（本消息不含患者姓名、身份证号和住址；详情请登录系统查看。）');
	const text = lines.join('\n');
	const base = { kind, eventNo: facts.eventNo, township: facts.township, riskLevel: facts.riskLevel, stepSeq: step.seq, role: recipient.role, roleLabel, person: recipient.person, subject, text, ackUrl, eventUrl, ackDue: step.ackDue };
	const out: Notification[] = [];
	if (recipient.email) out.push({ ...base, channel: 'email', to: recipient.email });
	if (recipient.robotUrl) out.push({ ...base, channel: 'robot', to: recipient.robotUrl, robotBody: robotBody(recipient.robotFormat, subject, text) });
	return out;
}

/** The group robot's message body, as markdown (the links are clickable in the group). */
export function robotBody(format: RobotFormat, subject: string, text: string): Record<string, unknown> {
	const [, ...rest] = text.split('\n');
	const markdown = `**${subject}**\n\n${rest.join('\n\n')}`;
	// 钉钉: {msgtype, markdown: {title, text}}; 企业微信: {msgtype, markdown: {content}}.
	if (format === 'dingtalk') return { msgtype: 'markdown', markdown: { title: subject, text: markdown } };
	return { msgtype: 'markdown', markdown: { content: markdown } };
}

/** The upward referral's reasons (lib/referrals.ts) for an admission after an emergency. */
export const REFERRAL_REASON_OF_TRIGGER: Record<EmergencyTrigger, string> = {
	relapse: 'relapse',
	acute_change: 'acute_episode',
	harm_to_others: 'violence_self_harm',
	self_harm: 'violence_self_harm',
	incident_risk: 'violence_self_harm',
	overdose: 'acute_toxicity',
	somatic_disease: 'unstable',
};

export function referralReasonsFor(triggers: EmergencyTrigger[]): string[] {
	return [...new Set(triggers.map((t) => REFERRAL_REASON_OF_TRIGGER[t]))];
}
