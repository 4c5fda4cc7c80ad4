/**
 * Referrals and referral agreements in the registry (schema v4): create (idempotent by key), step
 * through the lifecycle (refused steps write nothing), read, and list what is late. The rules are in
 * lib/referrals.ts and docs/rules.md §11.
 */
import { createHash } from 'node:crypto';
import { parseIsoDay } from '../dates';
import type { Patient } from '../model';
import {
	addWorkingDays,
	checkTransition,
	dayOfTimestamp,
	optionalDay,
	CONSENT_BY,
	DEFAULT_REFERRAL_POLICY,
	lateItems,
	REFERRAL_STATUSES,
	ReferralError,
	referralNumber,
	returnDeadlines,
	type ConsentBy,
	type Referral,
	type ReferralClinical,
	type ReferralDirection,
	type ReferralLate,
	type ReferralPatient,
	type ReferralPolicy,
	type ReferralReason,
	type ReferralStatus,
	type ReferralUrgency,
} from '../referrals';
import type { WorkCalendar } from '../workdays';
import type { Row } from './schema';
import type { RegistryStore } from './store';

export interface AgreementInput {
	agreementNo: string;
	/** The specialist institution (精神卫生专业机构). */
	institution: string;
	/** The other party: the township health centre (乡镇卫生院 / 社区卫生服务中心). */
	partner: string;
	signedOn: string;
	validFrom?: string | null;
	/** Last valid day; null = until revoked. */
	validUntil?: string | null;
	note?: string | null;
}

export interface Agreement extends Required<Omit<AgreementInput, 'note' | 'validFrom'>> {
	validFrom: string;
	note: string | null;
}

export interface ReferralInput {
	patientNo: string;
	direction: ReferralDirection;
	fromInstitution: string;
	toInstitution: string;
	reasons: ReferralReason[];
	urgency?: ReferralUrgency;
	consentBy: ConsentBy;
	consentAt?: string | null;
	followUpDate?: string | null;
	emergencyRef?: string | null;
	/** Return: the discharge day (default: the day it is created). */
	dischargeDate?: string | null;
	clinical?: ReferralClinical;
	/** The same key again returns the referral made the first time (a retried delivery writes nothing). */
	idempotencyKey?: string | null;
}

export interface ReferralOptions {
	policy?: ReferralPolicy;
	calendar?: WorkCalendar;
	/** Timestamp of the step (ISO); default now. */
	now?: string;
	/** The calendar day of the step in the county's time (YYYY-MM-DD); default the local day of `now`. */
	today?: string;
}

export interface StepInput {
	referralNo: string;
	/** The new status, or `discharge_info_sent` (a return's discharge information reached the township). */
	step: ReferralStatus | 'discharge_info_sent';
	note?: string | null;
	/** When it happened (ISO timestamp); default now. */
	at?: string | null;
	idempotencyKey?: string | null;
	/** Sending: informed consent, when the referral was drafted with consent pending. */
	consentBy?: ConsentBy | null;
	consentAt?: string | null;
}

const REFERRAL_SELECT = `SELECT r.*, p.patient_no,
	(SELECT MIN(f.follow_up_date) FROM follow_ups f WHERE f.patient_id = r.patient_id AND r.discharge_date IS NOT NULL AND f.follow_up_date >= r.discharge_date) AS community_visit_date
	FROM referrals r JOIN patients p ON p.id = r.patient_id`;

const dayOf = dayOfTimestamp;
const checkDay = optionalDay;

function checkTimestamp(value: string | null | undefined, field: string): string | null {
	if (value === undefined || value === null || value === '') return null;
	const t = Date.parse(value);
	if (Number.isNaN(t)) throw new ReferralError('invalid', `${field} must be a date and time (ISO 8601)`, { field });
	return new Date(t).toISOString();
}

function toReferral(r: Row): Referral {
	const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
	return {
		referralNo: r.referral_no as string,
		patientNo: r.patient_no as string,
		direction: r.direction as ReferralDirection,
		fromInstitution: r.from_institution as string,
		toInstitution: r.to_institution as string,
		reasons: JSON.parse(r.reasons as string) as ReferralReason[],
		urgency: r.urgency as ReferralUrgency,
		consentBy: r.consent_by as ConsentBy,
		consentAt: str(r.consent_at),
		followUpDate: str(r.follow_up_date),
		emergencyRef: str(r.emergency_ref),
		status: r.status as ReferralStatus,
		createdAt: r.created_at as string,
		createdOn: r.created_on as string,
		sentAt: str(r.sent_at),
		acceptedAt: str(r.accepted_at),
		completedAt: str(r.completed_at),
		rejectedAt: str(r.rejected_at),
		cancelledAt: str(r.cancelled_at),
		statusNote: str(r.status_note),
		dischargeDate: str(r.discharge_date),
		dischargeInfoDue: str(r.discharge_info_due),
		dischargeInfoSentAt: str(r.discharge_info_sent_at),
		communityVisitDue: str(r.community_visit_due),
		communityVisitDate: str(r.community_visit_date),
		responseDue: str(r.response_due),
		clinical: JSON.parse((r.clinical as string) || '{}') as ReferralClinical,
		agreementWarning: str(r.agreement_warning),
		agreementNo: str(r.agreement_no),
	};
}

export function referralPatient(p: Patient): ReferralPatient {
	return {
		patientNo: p.patientNo,
		name: p.name,
		sex: p.sex,
		birthDate: p.birthDate,
		idNumber: p.idNumber,
		address: p.address,
		township: p.township,
		diagnosis: p.diagnosis,
		guardian: p.guardian,
		guardianPhone: p.guardianPhone,
	};
}

// ---- agreements ---------------------------------------------------------------------------------

/** Insert or replace an agreement by its number. */
export function upsertAgreement(store: RegistryStore, input: AgreementInput, now = new Date().toISOString()): { outcome: 'inserted' | 'updated' | 'unchanged'; agreement: Agreement } {
	const no = String(input.agreementNo ?? '').trim();
	if (!no) throw new ReferralError('invalid', 'agreementNo (协议编号) is required', { field: 'agreementNo' });
	const institution = String(input.institution ?? '').trim();
	const partner = String(input.partner ?? '').trim();
	if (!institution) throw new ReferralError('invalid', 'institution (专科机构) is required', { field: 'institution' });
	if (!partner) throw new ReferralError('invalid', 'partner (签约机构) is required', { field: 'partner' });
	const signedOn = checkDay(input.signedOn, 'signedOn');
	if (!signedOn) throw new ReferralError('invalid', 'signedOn (签订日期) is required', { field: 'signedOn' });
	const validFrom = checkDay(input.validFrom, 'validFrom') ?? signedOn;
	const validUntil = checkDay(input.validUntil, 'validUntil');
	if (validUntil && validUntil < validFrom) throw new ReferralError('invalid', 'validUntil (有效期至) is before validFrom', { field: 'validUntil' });
	const agreement: Agreement = { agreementNo: no, institution, partner, signedOn, validFrom, validUntil, note: input.note ?? null };
	return store.transaction(() => {
		const prior = store.internals.get('SELECT * FROM referral_agreements WHERE agreement_no = ?').get(no) as Row | undefined;
		// A note not given keeps the one on file.
		if (input.note === undefined && prior) agreement.note = (prior.note as string) ?? null;
		const values = [institution, partner, signedOn, validFrom, validUntil, agreement.note];
		if (prior) {
			const same = [prior.institution, prior.partner, prior.signed_on, prior.valid_from, prior.valid_until, prior.note].every((v, i) => (v ?? null) === values[i]);
			if (same) return { outcome: 'unchanged' as const, agreement };
			store.internals
				.get('UPDATE referral_agreements SET institution = ?, partner = ?, signed_on = ?, valid_from = ?, valid_until = ?, note = ?, updated_at = ? WHERE agreement_no = ?')
				.run(...values, now, no);
			return { outcome: 'updated' as const, agreement };
		}
		store.internals
			.get('INSERT INTO referral_agreements (institution, partner, signed_on, valid_from, valid_until, note, created_at, updated_at, agreement_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
			.run(...values, now, now, no);
		return { outcome: 'inserted' as const, agreement };
	});
}

function toAgreement(r: Row): Agreement {
	return {
		agreementNo: r.agreement_no as string,
		institution: r.institution as string,
		partner: r.partner as string,
		signedOn: r.signed_on as string,
		validFrom: r.valid_from as string,
		validUntil: (r.valid_until as string) ?? null,
		note: (r.note as string) ?? null,
	};
}

export function listAgreements(store: RegistryStore): Agreement[] {
	return (store.internals.get('SELECT * FROM referral_agreements ORDER BY institution, partner, valid_from').all() as Row[]).map(toAgreement);
}

/** The agreement between the two parties valid on `day` (either may be named first), or null. */
export function findAgreement(store: RegistryStore, a: string, b: string, day: string): Agreement | null {
	const r = store.internals
		.get(
			`SELECT * FROM referral_agreements WHERE ((institution = ? AND partner = ?) OR (institution = ? AND partner = ?))
			AND valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?) ORDER BY valid_from DESC LIMIT 1`,
		)
		.get(a, b, b, a, day, day) as Row | undefined;
	return r ? toAgreement(r) : null;
}

// ---- referrals ----------------------------------------------------------------------------------

function requestHash(input: ReferralInput): string {
	const canonical = {
		patientNo: input.patientNo,
		direction: input.direction,
		from: input.fromInstitution,
		to: input.toInstitution,
		reasons: [...input.reasons].sort(),
		urgency: input.urgency ?? 'routine',
		followUpDate: input.followUpDate ?? null,
		emergencyRef: input.emergencyRef ?? null,
		dischargeDate: input.dischargeDate ?? null,
	};
	return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

export interface CreateResult {
	outcome: 'created' | 'existing';
	referral: Referral;
	patient: ReferralPatient;
	patientRowId: number;
	warnings: string[];
}

/**
 * Create a referral (status created). With an idempotency key used before, the referral made then is
 * returned and nothing is written; the same key with a different request is refused. Warnings: no
 * valid agreement between the parties; another open referral of the patient in the same direction.
 */
export function createReferral(store: RegistryStore, input: ReferralInput, options: ReferralOptions = {}): CreateResult {
	const policy = options.policy ?? DEFAULT_REFERRAL_POLICY;
	const now = options.now ?? new Date().toISOString();
	const today = options.today ?? dayOf(now);
	const patientNo = String(input.patientNo ?? '').trim();
	if (!patientNo) throw new ReferralError('invalid', 'patientNo (患者编号) is required', { field: 'patientNo' });
	if (input.direction !== 'up' && input.direction !== 'return') throw new ReferralError('invalid', 'direction must be up (上转) or return (回转)', { field: 'direction' });
	const from = String(input.fromInstitution ?? '').trim();
	const to = String(input.toInstitution ?? '').trim();
	if (!from) throw new ReferralError('invalid', 'fromInstitution (转出机构) is required', { field: 'fromInstitution' });
	if (!to) throw new ReferralError('invalid', 'toInstitution (接收机构) is required', { field: 'toInstitution' });
	if (from === to) throw new ReferralError('invalid', 'toInstitution (接收机构) must differ from fromInstitution', { field: 'toInstitution' });
	if (!input.reasons?.length) throw new ReferralError('invalid', 'reasons (转诊原因) needs at least one reason', { field: 'reasons' });
	const consentAt = checkTimestamp(input.consentAt, 'consentAt');
	if (!Object.hasOwn(CONSENT_BY, input.consentBy)) throw new ReferralError('invalid', `consentBy (知情同意) must be one of: ${Object.keys(CONSENT_BY).join(', ')}`, { field: 'consentBy' });
	if ((input.consentBy === 'patient' || input.consentBy === 'guardian') && !consentAt) {
		throw new ReferralError('invalid', 'consentAt (知情同意时间) is required when consent was given', { field: 'consentAt' });
	}
	const followUpDate = checkDay(input.followUpDate, 'followUpDate');
	const dischargeDate = input.direction === 'return' ? (checkDay(input.dischargeDate, 'dischargeDate') ?? today) : null;
	const key = input.idempotencyKey?.trim() || null;
	// Consent is not part of the request's identity: a draft made while it was pending takes it later.
	const hash = requestHash({ ...input, patientNo, fromInstitution: from, toInstitution: to, followUpDate, dischargeDate: checkDay(input.dischargeDate, 'dischargeDate') });

	return store.transaction(() => {
		if (key) {
			const prior = store.internals.get(`${REFERRAL_SELECT} WHERE r.idempotency_key = ?`).get(key) as Row | undefined;
			if (prior) {
				if (prior.request_hash !== hash) {
					throw new ReferralError('conflict', 'idempotencyKey was already used for a different referral; use a new key for a new referral', { field: 'idempotencyKey' });
				}
				const p = store.getByPatientNo(patientNo) as Patient;
				// A draft whose consent was pending takes the consent this request brings (kept as an event).
				if (prior.consent_by === 'pending' && input.consentBy !== 'pending') {
					store.internals.get('UPDATE referrals SET consent_by = ?, consent_at = ?, updated_at = ? WHERE id = ?').run(input.consentBy, consentAt, now, Number(prior.id));
					store.internals
						.get("INSERT INTO referral_events (referral_id, at, event, from_status, to_status, note, idempotency_key) VALUES (?, ?, 'consent', ?, ?, ?, NULL)")
						.run(Number(prior.id), now, prior.status as string, prior.status as string, `知情同意：${CONSENT_BY[input.consentBy]}`);
					const updated = store.internals.get(`${REFERRAL_SELECT} WHERE r.id = ?`).get(Number(prior.id)) as Row;
					return { outcome: 'existing' as const, referral: toReferral(updated), patient: referralPatient(p), patientRowId: p.rowId, warnings: [] };
				}
				return { outcome: 'existing' as const, referral: toReferral(prior), patient: referralPatient(p), patientRowId: p.rowId, warnings: [] };
			}
		}
		const patient = store.getByPatientNo(patientNo);
		if (!patient) throw new ReferralError('not_found', 'patientNo (患者编号) is not in the registry', { field: 'patientNo' });
		const warnings: string[] = [];
		const agreementDay = dischargeDate ?? today;
		const agreement = findAgreement(store, from, to, agreementDay);
		const agreementWarning = agreement ? null : `no valid referral agreement (协议书) between ${from} and ${to} on ${agreementDay} / 双方无有效转诊协议`;
		if (agreementWarning) warnings.push(agreementWarning);
		const open = store.internals
			.get("SELECT referral_no FROM referrals WHERE patient_id = ? AND direction = ? AND status NOT IN ('completed', 'rejected', 'cancelled') LIMIT 1")
			.get(patient.rowId, input.direction) as Row | undefined;
		if (open) warnings.push(`the patient already has an open ${input.direction === 'up' ? '上转' : '回转'} referral ${open.referral_no as string}`);
		const deadlines = dischargeDate ? returnDeadlines(dischargeDate, policy, options.calendar) : null;
		// The day's numbers so far, counted on the unique index ('-' is followed by '.' in code order).
		const prefix = referralNumber(today, 0).slice(0, -4);
		const seq = Number((store.internals.get('SELECT COUNT(*) AS n FROM referrals WHERE referral_no >= ? AND referral_no < ?').get(prefix, `${prefix.slice(0, -1)}.`) as Row).n) + 1;
		const referralNo = referralNumber(today, seq);
		store.internals
			.get(
				`INSERT INTO referrals (referral_no, idempotency_key, request_hash, patient_id, direction, from_institution, to_institution, reasons, urgency,
				consent_by, consent_at, follow_up_date, emergency_ref, status, created_at, created_on, discharge_date, discharge_info_due, community_visit_due,
				clinical, agreement_no, agreement_warning, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			)
			.run(
				referralNo, key, hash, patient.rowId, input.direction, from, to, JSON.stringify(input.reasons), input.urgency ?? 'routine',
				input.consentBy, consentAt, followUpDate, input.emergencyRef ?? null, now, today, dischargeDate, deadlines?.dischargeInfoDue ?? null,
				deadlines?.communityVisitDue ?? null, JSON.stringify(input.clinical ?? {}), agreement?.agreementNo ?? null, agreementWarning, now,
			);
		const id = Number((store.internals.get('SELECT id FROM referrals WHERE referral_no = ?').get(referralNo) as Row).id);
		store.internals.get("INSERT INTO referral_events (referral_id, at, event, from_status, to_status, note, idempotency_key) VALUES (?, ?, 'created', NULL, 'created', NULL, NULL)").run(id, now);
		const referral = toReferral(store.internals.get(`${REFERRAL_SELECT} WHERE r.id = ?`).get(id) as Row);
		return { outcome: 'created' as const, referral, patient: referralPatient(patient), patientRowId: patient.rowId, warnings };
	});
}

export interface StepResult {
	outcome: 'updated' | 'unchanged';
	referral: Referral;
	patientRowId: number;
}

const STATUS_COLUMN: Partial<Record<ReferralStatus, string>> = {
	sent: 'sent_at',
	accepted: 'accepted_at',
	completed: 'completed_at',
	rejected: 'rejected_at',
	cancelled: 'cancelled_at',
};

/**
 * Take a referral one step: a status (checked against the lifecycle; a refused step writes nothing)
 * or `discharge_info_sent` for a return. A step whose idempotency key was seen before, or a request for
 * the status the referral already has, changes nothing ('unchanged'): a retried delivery is harmless.
 */
export function stepReferral(store: RegistryStore, input: StepInput, options: ReferralOptions = {}): StepResult {
	const policy = options.policy ?? DEFAULT_REFERRAL_POLICY;
	const at = checkTimestamp(input.at, 'at') ?? options.now ?? new Date().toISOString();
	const key = input.idempotencyKey?.trim() || null;
	const referralNo = String(input.referralNo ?? '').trim();
	if (!referralNo) throw new ReferralError('invalid', 'referralNo (转诊单号) is required', { field: 'referralNo' });
	const step = input.step;
	if (step !== 'discharge_info_sent' && !Object.hasOwn(REFERRAL_STATUSES, step)) {
		throw new ReferralError('invalid', `status must be one of: ${Object.keys(REFERRAL_STATUSES).join(', ')}, discharge_info_sent`, { field: 'status' });
	}
	return store.transaction(() => {
		const row = store.internals.get(`${REFERRAL_SELECT} WHERE r.referral_no = ?`).get(referralNo) as Row | undefined;
		if (!row) throw new ReferralError('not_found', 'referralNo (转诊单号) is not in the registry', { field: 'referralNo' });
		const id = Number(row.id);
		const patientRowId = Number(row.patient_id);
		const current = toReferral(row);
		if (key) {
			const seen = store.internals.get('SELECT referral_id, to_status, event FROM referral_events WHERE idempotency_key = ?').get(key) as Row | undefined;
			if (seen) {
				if (Number(seen.referral_id) !== id || seen.event !== step) {
					throw new ReferralError('conflict', 'idempotencyKey was already used for another step; use a new key for a new step', { field: 'idempotencyKey' });
				}
				return { outcome: 'unchanged' as const, referral: current, patientRowId };
			}
		}
		if (step === 'discharge_info_sent') {
			if (current.direction !== 'return') throw new ReferralError('transition', 'discharge information (出院信息) belongs to a return (回转) referral', { field: 'status' });
			if (current.status === 'cancelled' || current.status === 'rejected') {
				throw new ReferralError('transition', `a referral that is ${current.status} (${REFERRAL_STATUSES[current.status]}) takes no further step`, { field: 'status' });
			}
			if (current.dischargeInfoSentAt) return { outcome: 'unchanged' as const, referral: current, patientRowId };
			store.internals.get('UPDATE referrals SET discharge_info_sent_at = ?, updated_at = ? WHERE id = ?').run(at, at, id);
		} else {
			if (current.status === step) return { outcome: 'unchanged' as const, referral: current, patientRowId };
			checkTransition(current.status, step);
			if ((step === 'rejected' || step === 'cancelled') && !String(input.note ?? '').trim()) {
				throw new ReferralError('invalid', `note (原因) is required to mark a referral ${step}`, { field: 'note' });
			}
			if (step === 'sent') {
				const consentBy = input.consentBy ?? null;
				if (consentBy !== null && consentBy !== 'pending') {
					if (!Object.hasOwn(CONSENT_BY, consentBy)) throw new ReferralError('invalid', `consentBy (知情同意) must be one of: ${Object.keys(CONSENT_BY).join(', ')}`, { field: 'consentBy' });
					const consentAt = checkTimestamp(input.consentAt, 'consentAt');
					if (consentBy !== 'none' && !consentAt) throw new ReferralError('invalid', 'consentAt (知情同意时间) is required when consent was given', { field: 'consentAt' });
					store.internals.get('UPDATE referrals SET consent_by = ?, consent_at = ? WHERE id = ?').run(consentBy, consentAt, id);
				} else if (current.consentBy === 'pending') {
					throw new ReferralError('transition', 'informed consent (知情同意) is still to be signed: record consentBy and consentAt to send the referral', { field: 'consentBy' });
				}
			}
			const column = STATUS_COLUMN[step] as string;
			// From the day it was sent: the time given, or the county's day (options.today) when none was.
			const sentDay = input.at ? dayOf(at) : (options.today ?? dayOf(at));
			const responseDue = step === 'sent' && current.direction === 'up' ? addWorkingDays(sentDay, policy.responseWorkingDays[current.urgency], options.calendar) : null;
			store.internals
				.get(`UPDATE referrals SET status = ?, ${column} = ?, status_note = COALESCE(?, status_note), response_due = COALESCE(?, response_due), updated_at = ? WHERE id = ?`)
				.run(step, at, input.note?.trim() || null, responseDue, at, id);
		}
		store.internals
			.get('INSERT INTO referral_events (referral_id, at, event, from_status, to_status, note, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?)')
			.run(id, at, step, current.status, step === 'discharge_info_sent' ? current.status : step, input.note?.trim() || null, key);
		return { outcome: 'updated' as const, referral: toReferral(store.internals.get(`${REFERRAL_SELECT} WHERE r.id = ?`).get(id) as Row), patientRowId };
	});
}

export interface ReferralEvent {
	at: string;
	event: string;
	fromStatus: string | null;
	toStatus: string;
	note: string | null;
}

/** A referral with its patient and every step taken, or null. */
export function getReferral(store: RegistryStore, referralNo: string): { referral: Referral; patient: ReferralPatient; patientRowId: number; events: ReferralEvent[] } | null {
	return store.read(() => {
		const row = store.internals.get(`${REFERRAL_SELECT} WHERE r.referral_no = ?`).get(String(referralNo ?? '').trim()) as Row | undefined;
		if (!row) return null;
		const patient = store.getById(Number(row.patient_id)) as Patient;
		const events = (store.internals.get('SELECT at, event, from_status, to_status, note FROM referral_events WHERE referral_id = ? ORDER BY id').all(Number(row.id)) as Row[]).map((e) => ({
			at: e.at as string,
			event: e.event as string,
			fromStatus: (e.from_status as string) ?? null,
			toStatus: e.to_status as string,
			note: (e.note as string) ?? null,
		}));
		return { referral: toReferral(row), patient: referralPatient(patient), patientRowId: patient.rowId, events };
	});
}

export interface LateReferral {
	referral: Referral;
	township: string | null;
	patientRowId: number;
	/** Full name (for the work list, which masks it). */
	name: string;
	late: ReferralLate[];
}

/**
 * Referrals with a step past its deadline on `today`: upward ones not sent by the day after they were
 * made, or unanswered past their response day; returns without discharge information or community visit.
 */
export function listLateReferrals(store: RegistryStore, today: string, filter: { township?: string } = {}): LateReferral[] {
	if (!parseIsoDay(today)) throw new ReferralError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	return store.read(() => {
		const rows = store.internals
			.get(
				`${REFERRAL_SELECT.replace('SELECT r.*, p.patient_no,', 'SELECT r.*, p.patient_no, p.township, p.name,')}
				WHERE r.status NOT IN ('rejected', 'cancelled') AND ((r.direction = 'up' AND ((r.status = 'sent' AND r.response_due < ?) OR r.status = 'created'))
					OR (r.direction = 'return' AND ((r.discharge_info_sent_at IS NULL AND r.discharge_info_due < ?) OR r.community_visit_due < ?)))
				${filter.township ? 'AND p.township = ?' : ''} ORDER BY p.township, r.referral_no`,
			)
			.all(...[today, today, today, ...(filter.township ? [filter.township] : [])]) as Row[];
		const out: LateReferral[] = [];
		for (const r of rows) {
			const referral = toReferral(r);
			const late = lateItems(referral, today);
			if (late.length) out.push({ referral, township: (r.township as string) ?? null, patientRowId: Number(r.patient_id), name: r.name as string, late });
		}
		return out;
	});
}

/** Referrals of a patient, newest first. */
export function referralsOf(store: RegistryStore, patientRowId: number): Referral[] {
	return (store.internals.get(`${REFERRAL_SELECT} WHERE r.patient_id = ? ORDER BY r.created_at DESC, r.id DESC`).all(patientRowId) as Row[]).map(toReferral);
}
