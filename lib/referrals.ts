/**
 * Two-way referral (双向转诊) between a township health centre and the specialist institution, and
 * case management (个案管理): the vocabulary, the lifecycle with its allowed transitions, and the
 * deadlines (docs/rules.md §11). Storage is in registry/referrals.ts; this module has no I/O.
 *
 * Sources: 严重精神障碍管理治疗工作规范（2018年版） (双向转诊, 出院信息 within 10 working days, a
 * community visit within 2 weeks of discharge, 个案管理); 国家基本公共卫生服务规范（第三版） 双向转诊单.
 */
import { addDays } from 'date-fns';
import { formatIsoDay, parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { isWorkingDay, type WorkCalendar } from './workdays';

/** 上转: township → specialist institution. 回转: specialist institution → township, once stable. */
export const REFERRAL_DIRECTIONS = { up: '上转', return: '回转' } as const;
export type ReferralDirection = keyof typeof REFERRAL_DIRECTIONS;

export const REFERRAL_STATUSES = {
	created: '已创建',
	sent: '已发送',
	accepted: '已接收',
	completed: '已完成',
	rejected: '已拒收',
	cancelled: '已撤销',
} as const;
export type ReferralStatus = keyof typeof REFERRAL_STATUSES;

/**
 * The allowed steps: created → sent → accepted → completed; sent → rejected; anything not yet final
 * → cancelled. Completed, rejected and cancelled are final.
 */
export const REFERRAL_TRANSITIONS: Record<ReferralStatus, ReferralStatus[]> = {
	created: ['sent', 'cancelled'],
	sent: ['accepted', 'rejected', 'cancelled'],
	accepted: ['completed', 'cancelled'],
	completed: [],
	rejected: [],
	cancelled: [],
};

export const FINAL_REFERRAL_STATUSES: ReferralStatus[] = ['completed', 'rejected', 'cancelled'];

/** Reasons for an upward referral (规范 2018 双向转诊: 上转) and for a return (回转). */
export const REFERRAL_REASONS = {
	acute_episode: '急性发作或病情急剧变化',
	violence_self_harm: '有暴力行为或自伤、自杀行为',
	unclear_diagnosis: '诊断不明确',
	acute_toxicity: '急性药物中毒或严重药物不良反应',
	relapse: '病情复发或有复发倾向',
	no_supervision: '家属无法监护',
	locked_up: '被关锁在家',
	unstable: '病情不稳定，需上级医院诊治',
	stable_return: '病情稳定，回社区维持治疗',
	rehabilitation: '转社区康复',
} as const;
export type ReferralReason = keyof typeof REFERRAL_REASONS;

export const REFERRAL_URGENCY = { routine: '普通', urgent: '紧急', emergency: '急诊' } as const;
export type ReferralUrgency = keyof typeof REFERRAL_URGENCY;

/**
 * Who gave informed consent (知情同意). `pending`: a referral drafted by the risk assessment, whose
 * consent is still to be signed; it cannot be sent until consent is recorded.
 */
export const CONSENT_BY = { patient: '患者本人', guardian: '监护人', none: '未取得（紧急情况）', pending: '待签署' } as const;
export type ConsentBy = keyof typeof CONSENT_BY;

/** Roles of the people who visit a patient at a follow-up and of a case-management team. */
export const CARE_ROLES = {
	specialist: '精神科医师',
	mental_health_worker: '精防专干',
	township_doctor: '乡镇（社区）医生',
	police: '民警',
	village_cadre: '村（居）委会干部',
	guardian: '监护人',
	social_worker: '社工',
	disability_federation: '残联专干',
} as const;
export type CareRole = keyof typeof CARE_ROLES;

/** A member of a case-management team (管理小组). */
export interface CarePlanMember {
	role: CareRole;
	name: string;
	phone?: string;
}

export const CASE_PLAN_STATUSES = { pending: '待组建', active: '管理中', closed: '已结案' } as const;
export type CasePlanStatus = keyof typeof CASE_PLAN_STATUSES;

/** Clinical text printed on the 双向转诊单 and the 出院信息单; every field optional. */
export interface ReferralClinical {
	/** 初步印象 / 诊断结果 */
	impression?: string;
	/** 主要现病史（转出原因） */
	presentIllness?: string;
	/** 主要既往史 */
	pastHistory?: string;
	/** 治疗经过 */
	treatment?: string;
	/** 主要检查结果 */
	examinations?: string;
	/** 下一步治疗方案及康复建议 */
	plan?: string;
	/** 住院病案号 */
	inpatientNo?: string;
	/** 入院日期 */
	admissionDate?: string;
	/** 出院诊断 */
	dischargeDiagnosis?: string;
	/** 出院时用药（药名、剂量、用法） */
	medications?: string;
	/** 接诊科室 */
	department?: string;
	/** 转诊医生 */
	doctor?: string;
	/** 联系电话 */
	doctorPhone?: string;
}

export interface Referral {
	referralNo: string;
	patientNo: string;
	direction: ReferralDirection;
	fromInstitution: string;
	toInstitution: string;
	reasons: ReferralReason[];
	urgency: ReferralUrgency;
	consentBy: ConsentBy;
	consentAt: string | null;
	/** The follow-up that called for it (患者编号's follow-up of this day), if any. */
	followUpDate: string | null;
	/** The emergency event it arose from (its number), if any. */
	emergencyRef: string | null;
	status: ReferralStatus;
	createdAt: string;
	/** The day it was made in the county's time zone: the day of its number and of its deadlines. */
	createdOn: string;
	sentAt: string | null;
	acceptedAt: string | null;
	completedAt: string | null;
	rejectedAt: string | null;
	cancelledAt: string | null;
	/** Why it was rejected or cancelled. */
	statusNote: string | null;
	/** Return only: the day of discharge, from which both deadlines run. */
	dischargeDate: string | null;
	/** Return only: 出院信息 due (10 working days after discharge). */
	dischargeInfoDue: string | null;
	dischargeInfoSentAt: string | null;
	/** Return only: the township's community visit due (2 weeks after discharge). */
	communityVisitDue: string | null;
	/** Return only: the first follow-up on or after the discharge day, if any. */
	communityVisitDate: string | null;
	/** Upward only: the day by which the receiving institution should accept or reject (local policy). */
	responseDue: string | null;
	clinical: ReferralClinical;
	/** A warning when no valid referral agreement covers the two parties on the referral's day. */
	agreementWarning: string | null;
	agreementNo: string | null;
}

export interface ReferralPolicy {
	/** Working days from discharge to the discharge information (规范 2018: 10). */
	dischargeInfoWorkingDays: number;
	/** Calendar days from discharge to the community visit (规范 2018: 2 weeks). */
	communityVisitDays: number;
	/**
	 * Local policy: working days from sending to the receiving institution's answer, by urgency
	 * (the plans say only 及时). 0 = the same day. Defaults: emergency 0, urgent 1, routine 3.
	 */
	responseWorkingDays: Record<ReferralUrgency, number>;
}

export const DEFAULT_REFERRAL_POLICY: ReferralPolicy = {
	dischargeInfoWorkingDays: 10,
	communityVisitDays: 14,
	responseWorkingDays: { emergency: 0, urgent: 1, routine: 3 },
};

/** An invalid referral or plan step: `code` 'transition' (refused, nothing written), 'invalid', 'not_found', 'conflict'. */
export class ReferralError extends SmdInputError {}

/**
 * `day` + n working days (`n` = 0: the day itself if it is a working day, else the next one). A
 * deadline of 10 working days after a Friday discharge before 国庆 skips the weekend and the holiday.
 */
export function addWorkingDays(day: string, n: number, calendar: WorkCalendar = {}): string {
	const d = parseIsoDay(day);
	if (!d) throw new SmdInputError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	if (!Number.isInteger(n) || n < 0) throw new SmdInputError('invalid', 'working days must be a whole number ≥ 0', { field: 'workingDays' });
	let cur = d;
	if (n === 0) {
		while (!isWorkingDay(formatIsoDay(cur), calendar)) cur = addDays(cur, 1);
		return formatIsoDay(cur);
	}
	let left = n;
	while (left > 0) {
		cur = addDays(cur, 1);
		if (isWorkingDay(formatIsoDay(cur), calendar)) left--;
	}
	return formatIsoDay(cur);
}

/** Throws ReferralError('transition') unless `to` may follow `from`. */
export function checkTransition(from: ReferralStatus, to: ReferralStatus): void {
	if (!REFERRAL_TRANSITIONS[from].includes(to)) {
		const allowed = REFERRAL_TRANSITIONS[from].map((s) => `${s} ${REFERRAL_STATUSES[s]}`).join(', ');
		throw new ReferralError(
			'transition',
			`a referral that is ${from} (${REFERRAL_STATUSES[from]}) cannot become ${to} (${REFERRAL_STATUSES[to]})${allowed ? `; allowed: ${allowed}` : '; it is final'}`,
			{ field: 'status' },
		);
	}
}

/** The return's two deadlines from its discharge day. */
export function returnDeadlines(dischargeDate: string, policy: ReferralPolicy = DEFAULT_REFERRAL_POLICY, calendar: WorkCalendar = {}) {
	const d = parseIsoDay(dischargeDate);
	if (!d) throw new ReferralError('invalid', 'dischargeDate (出院日期) must be written YYYY-MM-DD', { field: 'dischargeDate' });
	return {
		dischargeInfoDue: addWorkingDays(dischargeDate, policy.dischargeInfoWorkingDays, calendar),
		communityVisitDue: formatIsoDay(addDays(d, policy.communityVisitDays)),
	};
}

/** What is late on a referral as of `today` (a calendar day); empty when nothing is. */
export interface ReferralLate {
	kind: 'not_sent' | 'response' | 'discharge_info' | 'community_visit';
	label: string;
	due: string;
}

export function lateItems(r: Referral, today: string): ReferralLate[] {
	const out: ReferralLate[] = [];
	if (r.status === 'cancelled' || r.status === 'rejected') return out;
	if (r.direction === 'up') {
		// To be sent the day it is made; late from the next day.
		if (r.status === 'created' && r.createdOn < today) out.push({ kind: 'not_sent', label: r.consentBy === 'pending' ? '上转单已创建未发出（待签署知情同意）' : '上转单已创建未发出', due: r.createdOn });
		if (r.status === 'sent' && r.responseDue && r.responseDue < today) out.push({ kind: 'response', label: '上转单发出后接收机构逾期未答复', due: r.responseDue });
		return out;
	}
	if (r.dischargeInfoDue && !r.dischargeInfoSentAt && r.dischargeInfoDue < today) {
		out.push({ kind: 'discharge_info', label: '出院信息逾期未送达（出院后10个工作日）', due: r.dischargeInfoDue });
	}
	if (r.communityVisitDue && !r.communityVisitDate && r.communityVisitDue < today) {
		out.push({ kind: 'community_visit', label: '回转后逾期未随访（出院后2周）', due: r.communityVisitDue });
	}
	return out;
}

/**
 * The default idempotency key of a referral: 患者编号/direction/what it arose from (follow-up date,
 * emergency event or the day)/receiving institution — one referral per patient, occasion and place.
 */
export function referralKey(patientNo: string, direction: ReferralDirection, occasion: string, toInstitution: string): string {
	return `${patientNo}/${direction}/${occasion}/${toInstitution}`;
}

/** The calendar day of an ISO timestamp in the server's time zone. */
export function dayOfTimestamp(iso: string): string {
	return formatIsoDay(new Date(iso));
}

/** A day written YYYY-MM-DD, or null when empty; anything else is a ReferralError naming the field. */
export function optionalDay(value: string | null | undefined, field: string): string | null {
	if (value === undefined || value === null || value === '') return null;
	if (!parseIsoDay(value)) throw new ReferralError('invalid', `${field} must be a day written YYYY-MM-DD`, { field });
	return value;
}

/** The referral number: ZZ + day + a 4-digit sequence of that day (ZZ20261129-0001). */
export function referralNumber(day: string, seq: number): string {
	return `ZZ${day.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
}

/** The case-management plan number: GA + day + sequence (GA20261129-0001). */
export function casePlanNumber(day: string, seq: number): string {
	return `GA${day.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
}

/** Read a code or its Chinese label (or a label's start) from a table; throws naming the field. */
export function parseCode<T extends Record<string, string>>(table: T, value: unknown, field: string): keyof T & string {
	const text = String(value ?? '').normalize('NFKC').trim();
	if (text !== '') {
		if (Object.hasOwn(table, text)) return text as keyof T & string;
		// Labels compared in the same NFKC form as the text: （社区） typed either way matches.
		const hit = Object.entries(table).find(([, l]) => {
			const label = l.normalize('NFKC');
			return label === text || label.startsWith(text);
		});
		if (hit) return hit[0] as keyof T & string;
	}
	throw new ReferralError('invalid', `${field} must be one of: ${Object.entries(table).map(([c, l]) => `${c} ${l}`).join(', ')}`, { field });
}

/** A list of codes written as an array or as text separated by 、，,;； or spaces. */
export function parseCodeList<T extends Record<string, string>>(table: T, value: unknown, field: string): Array<keyof T & string> {
	const parts = Array.isArray(value) ? value : String(value ?? '').split(/[、,，;；\s]+/);
	const out: Array<keyof T & string> = [];
	for (const p of parts) {
		if (String(p ?? '').trim() === '') continue;
		const code = parseCode(table, p, field);
		if (!out.includes(code)) out.push(code);
	}
	return out;
}

/**
 * The patient as the forms print them (the referral forms are clinical records that go to the
 * receiving institution: they carry the full name; the work lists and summaries do not).
 */
export interface ReferralPatient {
	patientNo: string;
	name: string;
	sex: 'male' | 'female' | null;
	birthDate: string | null;
	idNumber: string | null;
	address: string | null;
	township: string | null;
	diagnosis: string | null;
	guardian: string | null;
	guardianPhone: string | null;
}
