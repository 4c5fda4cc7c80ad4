/**
 * Emergency events in the registry (schema v5): open (idempotent by key), acknowledge, hand off,
 * escalate, record the disposition, file the 应急处置记录单, review a 肇事肇祸 event, close, cancel,
 * link the patient later; the on-call roster. A refused step writes nothing; every step is logged in
 * emergency_log. The rules are in lib/emergencies.ts and docs/rules.md §13.
 */
import { z } from 'zod';
import { addInterval, parseIsoDay } from '../dates';
import { codesOf } from '../policy';
import {
	addMinutes,
	checkEmergencyTransition,
	DEFAULT_EMERGENCY_POLICY,
	DISPOSITIONS,
	EMERGENCY_MEASURES,
	EMERGENCY_ROLES,
	EmergencyError,
	emergencyInputError,
	emergencyNumber,
	ESCALATES_TO,
	hashToken,
	isIncident,
	MISSED_MEASURES,
	newAckToken,
	notificationsFor,
	openingChain,
	reportRiskLevel,
	requestHash,
	type Disposition,
	type EmergencyChannel,
	type EmergencyMeasure,
	type EmergencyPolicy,
	type EmergencyReport,
	type EmergencyRole,
	type EmergencyStatus,
	type MatchState,
	type MessageFacts,
	type MessageOptions,
	type MissedMeasure,
	type Notification,
	type NotificationKind,
	type RobotFormat,
} from '../emergencies';
import { Matcher, usableNameKey } from '../matching';
import type { Patient } from '../model';
import type { EmergencyTrigger } from '../vocabulary';
import type { Row } from './schema';
import type { RegistryStore } from './store';

// ---- roster ------------------------------------------------------------------------------------

export interface RosterEntry {
	/** A township, or '*' for the whole county. */
	township: string;
	role: EmergencyRole;
	person: string;
	phone: string | null;
	email: string | null;
	robotUrl: string | null;
	robotFormat: RobotFormat;
	/** ISO timestamps; the shift is [startsAt, endsAt). */
	startsAt: string;
	endsAt: string;
}

/**
 * Import roster shifts in one transaction. The shifts already held for the same townships (全县 counts
 * as one) that start within the file's period are replaced, so importing a file again changes
 * nothing and one township's file leaves the others' shifts alone.
 */
export function importRoster(store: RegistryStore, entries: RosterEntry[], now = new Date().toISOString()): { inserted: number; replaced: number } {
	if (entries.length === 0) return { inserted: 0, replaced: 0 };
	const from = entries.reduce((m, e) => (e.startsAt < m ? e.startsAt : m), entries[0].startsAt);
	const to = entries.reduce((m, e) => (e.startsAt > m ? e.startsAt : m), entries[0].startsAt);
	const townships = [...new Set(entries.map((e) => e.township))];
	return store.transaction(() => {
		const remove = store.internals.get('DELETE FROM on_call_roster WHERE township = ? AND starts_at >= ? AND starts_at <= ?');
		let replaced = 0;
		for (const t of townships) replaced += Number(remove.run(t, from, to).changes);
		const insert = store.internals.get(
			'INSERT OR REPLACE INTO on_call_roster (township, role, person, phone, email, robot_url, robot_format, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
		);
		for (const e of entries) insert.run(e.township, e.role, e.person, e.phone, e.email, e.robotUrl, e.robotFormat, e.startsAt, e.endsAt, now);
		return { inserted: entries.length, replaced };
	});
}

function toRoster(r: Row): RosterEntry {
	return {
		township: r.township as string,
		role: r.role as EmergencyRole,
		person: r.person as string,
		phone: (r.phone as string) ?? null,
		email: (r.email as string) ?? null,
		robotUrl: (r.robot_url as string) ?? null,
		robotFormat: r.robot_format as RobotFormat,
		startsAt: r.starts_at as string,
		endsAt: r.ends_at as string,
	};
}

/** Who is on duty for the township and role at `at`: the township's own entry before the county-wide one. */
export function onDuty(store: RegistryStore, township: string, role: EmergencyRole, at: string): RosterEntry | null {
	const r = store.internals
		.get(
			`SELECT * FROM on_call_roster WHERE role = ? AND township IN (?, '*') AND starts_at <= ? AND ends_at > ?
			ORDER BY township = '*', starts_at DESC LIMIT 1`,
		)
		.get(role, township, at, at) as Row | undefined;
	return r ? toRoster(r) : null;
}

/** Roster shifts overlapping [from, to) for a township (and county-wide ones when asked). */
export function rosterBetween(store: RegistryStore, from: string, to: string, township?: string): RosterEntry[] {
	const rows = township
		? store.internals.get("SELECT * FROM on_call_roster WHERE township IN (?, '*') AND starts_at < ? AND ends_at > ? ORDER BY starts_at, role").all(township, to, from)
		: store.internals.get('SELECT * FROM on_call_roster WHERE starts_at < ? AND ends_at > ? ORDER BY starts_at, township, role').all(to, from);
	return (rows as Row[]).map(toRoster);
}

// ---- events ------------------------------------------------------------------------------------

export interface EmergencyStep {
	seq: number;
	role: EmergencyRole;
	roleLabel: string;
	kind: 'opened' | 'handoff' | 'escalation';
	person: string | null;
	needsAck: boolean;
	note: string | null;
	notifiedAt: string;
	ackDue: string | null;
	acknowledgedAt: string | null;
	acknowledgedBy: string | null;
	escalatedAt: string | null;
	escalatedTo: number | null;
}

export interface EmergencyRecord {
	measures: EmergencyMeasure[];
	participants: EmergencyRole[];
	summary: string;
	medication: string | null;
	doctor: string;
	doctorPhone: string | null;
	filedBy: string | null;
}

export interface EmergencyReview {
	missed: MissedMeasure[];
	responsibility: string | null;
	reportedUp: boolean;
	major: boolean;
	note: string | null;
}

/** An event as nodes and agents see it: no patient identifiers, no place, no free text from the caller. */
export interface EmergencyEvent {
	eventNo: string;
	status: EmergencyStatus;
	township: string;
	channel: EmergencyChannel;
	reportedAt: string;
	reportedOn: string;
	occurredAt: string | null;
	triggers: EmergencyTrigger[];
	riskLevel: number;
	publicSafety: boolean;
	incident: boolean;
	major: boolean;
	matchState: MatchState;
	/** 患者编号 when linked. */
	patientNo: string | null;
	/** 患者编号 of the registry patients it may be (unsure match): for a person to decide. */
	candidates: string[];
	disposition: Disposition | null;
	dispositionAt: string | null;
	dispositionBy: string | null;
	recordDue: string;
	recordFiledAt: string | null;
	followUpDue: string | null;
	/** The first follow-up on or after the disposition day, if any. */
	followUpDate: string | null;
	review: EmergencyReview | null;
	closedAt: string | null;
	statusNote: string | null;
	steps: EmergencyStep[];
}

/** What the caller said about the place and person: for the record form and a person linking it, not for messages. */
export interface EmergencyDetails {
	place: string | null;
	description: string | null;
	reporter: Record<string, string>;
	person: Record<string, unknown>;
	record: EmergencyRecord | null;
	dispositionNote: string | null;
}

export interface EmergencyOptions {
	policy?: EmergencyPolicy;
	/** Timestamp of the step (ISO); default now. */
	now?: string;
	/** The county's time zone, for calendar days (default Asia/Shanghai). */
	timeZone?: string;
	message?: MessageOptions;
}

/** The calendar day of an ISO timestamp in the zone. */
export function dayIn(iso: string, timeZone = 'Asia/Shanghai'): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

function toStep(r: Row): EmergencyStep {
	const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
	return {
		seq: Number(r.seq),
		role: r.role as EmergencyRole,
		roleLabel: EMERGENCY_ROLES[r.role as EmergencyRole] ?? String(r.role),
		kind: r.kind as EmergencyStep['kind'],
		person: str(r.person),
		needsAck: Number(r.needs_ack) === 1,
		note: str(r.note),
		notifiedAt: r.notified_at as string,
		ackDue: str(r.ack_due),
		acknowledgedAt: str(r.acknowledged_at),
		acknowledgedBy: str(r.acknowledged_by),
		escalatedAt: str(r.escalated_at),
		escalatedTo: r.escalated_to === null || r.escalated_to === undefined ? null : Number(r.escalated_to),
	};
}

interface EventRow {
	row: Row;
	id: number;
}

function loadRow(store: RegistryStore, eventNo: string): EventRow {
	const no = String(eventNo ?? '').trim();
	if (!no) throw new EmergencyError('invalid', 'eventNo (事件编号) is required', { field: 'eventNo' });
	const row = store.internals.get('SELECT e.*, p.patient_no FROM emergency_events e LEFT JOIN patients p ON p.id = e.patient_id WHERE e.event_no = ?').get(no) as Row | undefined;
	if (!row) throw new EmergencyError('not_found', 'eventNo (事件编号) is not in the registry', { field: 'eventNo' });
	return { row, id: Number(row.id) };
}

function toEvent(store: RegistryStore, r: Row): EmergencyEvent {
	const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
	const id = Number(r.id);
	const steps = (store.internals.get('SELECT * FROM emergency_steps WHERE event_id = ? ORDER BY seq').all(id) as Row[]).map(toStep);
	let followUpDate: string | null = null;
	if (r.patient_id !== null && r.disposition_at) {
		const f = store.internals.get('SELECT MIN(follow_up_date) AS d FROM follow_ups WHERE patient_id = ? AND follow_up_date >= ?').get(Number(r.patient_id), dayIn(r.disposition_at as string)) as Row;
		followUpDate = str(f.d);
	}
	return {
		eventNo: r.event_no as string,
		status: r.status as EmergencyStatus,
		township: r.township as string,
		channel: r.channel as EmergencyChannel,
		reportedAt: r.reported_at as string,
		reportedOn: r.reported_on as string,
		occurredAt: str(r.occurred_at),
		triggers: JSON.parse(r.triggers as string) as EmergencyTrigger[],
		riskLevel: Number(r.risk_level),
		publicSafety: Number(r.public_safety) === 1,
		incident: Number(r.incident) === 1,
		major: Number(r.major) === 1,
		matchState: r.match_state as MatchState,
		patientNo: str(r.patient_no),
		candidates: JSON.parse(r.candidates as string) as string[],
		disposition: (str(r.disposition) as Disposition | null) ?? null,
		dispositionAt: str(r.disposition_at),
		dispositionBy: str(r.disposition_by),
		recordDue: r.record_due as string,
		recordFiledAt: str(r.record_filed_at),
		followUpDue: str(r.follow_up_due),
		followUpDate,
		review: r.review ? (JSON.parse(r.review as string) as EmergencyReview) : null,
		closedAt: str(r.closed_at),
		statusNote: str(r.status_note),
		steps,
	};
}

function detailsOf(r: Row): EmergencyDetails {
	return {
		place: (r.place as string) ?? null,
		description: (r.description as string) ?? null,
		reporter: JSON.parse((r.reporter as string) || '{}') as Record<string, string>,
		person: JSON.parse((r.person as string) || '{}') as Record<string, unknown>,
		record: r.record ? (JSON.parse(r.record as string) as EmergencyRecord) : null,
		dispositionNote: (r.disposition_note as string) ?? null,
	};
}

function log(store: RegistryStore, eventId: number, at: string, action: string, from: EmergencyStatus | null, to: EmergencyStatus, by: string | null, note: string | null): void {
	store.internals.get('INSERT INTO emergency_log (event_id, at, action, from_status, to_status, by, note) VALUES (?, ?, ?, ?, ?, ?, ?)').run(eventId, at, action, from, to, by, note);
}

function factsOf(r: Row): MessageFacts {
	return {
		eventNo: r.event_no as string,
		township: r.township as string,
		riskLevel: Number(r.risk_level),
		triggers: JSON.parse(r.triggers as string) as EmergencyTrigger[],
		incident: Number(r.incident) === 1,
		matchState: r.match_state as MatchState,
		reportedAt: r.reported_at as string,
	};
}

export interface PatientMatch {
	state: MatchState;
	patient: Patient | null;
	candidates: string[];
}

/**
 * Find the patient a report names: by 患者编号, or by ID number and name through the registry's
 * matching rules (lib/matching.ts: only an ID number and a name that agree link), or by name within
 * the township. Anything less than sure is `unsure` with its candidates, never linked.
 */
export function matchReportPatient(store: RegistryStore, report: EmergencyReport): PatientMatch {
	const given = report.patient;
	if (!given) return { state: 'unidentified', patient: null, candidates: [] };
	if (given.patientNo) {
		const p = store.getByPatientNo(given.patientNo);
		if (p) return { state: 'linked', patient: p, candidates: [] };
	}
	if (given.idNumber || given.name) {
		const result = new Matcher(store).match({ name: given.name, idNumber: given.idNumber });
		if (result.matchStatus === 'matched' && result.patient) return { state: 'linked', patient: result.patient, candidates: [] };
		const candidates = result.candidates.map((c) => c.patientId);
		if (!given.idNumber && given.name) {
			const key = usableNameKey(given.name);
			if (key) for (const p of store.findByNameKey(key, 20)) if (p.township === report.township && !candidates.includes(p.patientNo)) candidates.push(p.patientNo);
		}
		if (candidates.length) return { state: 'unsure', patient: null, candidates };
	}
	return { state: 'unidentified', patient: null, candidates: [] };
}

export interface OpenResult {
	outcome: 'created' | 'existing';
	event: EmergencyEvent;
	/** Messages to send now (none for a repeated delivery). */
	notifications: Notification[];
	warnings: string[];
	patientRowIds: number[];
}

interface StepPlan {
	role: EmergencyRole;
	needsAck: boolean;
	kind: 'opened' | 'handoff' | 'escalation';
	note: string | null;
}

/** Insert steps (roster looked up at `now`) and return their notifications. */
function addSteps(store: RegistryStore, eventRow: Row, plans: StepPlan[], now: string, policy: EmergencyPolicy, options: EmergencyOptions, warnings: string[]): { notifications: Notification[]; seqs: number[] } {
	const eventId = Number(eventRow.id);
	let seq = Number((store.internals.get('SELECT COALESCE(MAX(seq), 0) AS n FROM emergency_steps WHERE event_id = ?').get(eventId) as Row).n);
	const notifications: Notification[] = [];
	const seqs: number[] = [];
	const facts = factsOf(eventRow);
	for (const plan of plans) {
		seq += 1;
		const duty = onDuty(store, eventRow.township as string, plan.role, now);
		if (!duty) warnings.push(`nobody on duty in the roster for ${EMERGENCY_ROLES[plan.role]} (${plan.role}) in ${eventRow.township as string} at ${now}`);
		else if (!duty.email && !duty.robotUrl) warnings.push(`the roster gives ${EMERGENCY_ROLES[plan.role]} (${plan.role}) no e-mail or group robot: notify by phone`);
		const ackDue = plan.needsAck ? addMinutes(now, policy.ackMinutes[plan.role]) : null;
		const token = plan.needsAck ? newAckToken() : null;
		store.internals
			.get(
				`INSERT INTO emergency_steps (event_id, seq, role, kind, person, email, robot_url, robot_format, needs_ack, note, notified_at, ack_due, ack_token_hash)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			)
			.run(eventId, seq, plan.role, plan.kind, duty?.person ?? null, duty?.email ?? null, duty?.robotUrl ?? null, duty?.robotFormat ?? null, plan.needsAck ? 1 : 0, plan.note, now, ackDue, token?.hash ?? null);
		seqs.push(seq);
		const kind: NotificationKind = plan.kind;
		notifications.push(
			...notificationsFor(
				kind,
				facts,
				{ role: plan.role, person: duty?.person ?? null, email: duty?.email ?? null, robotUrl: duty?.robotUrl ?? null, robotFormat: duty?.robotFormat ?? 'wecom' },
				{ seq, ackDue, token: token?.token ?? null, note: plan.note },
				{ timeZone: options.timeZone, ...options.message },
			),
		);
	}
	return { notifications, seqs };
}

/**
 * Open an event from a validated report under an idempotency key: the key seen before returns the
 * event made then, writes nothing and sends nothing; the same key with a different report is refused.
 */
export function openEmergency(store: RegistryStore, report: EmergencyReport, key: string, options: EmergencyOptions = {}): OpenResult {
	const policy = options.policy ?? DEFAULT_EMERGENCY_POLICY;
	const now = options.now ?? new Date().toISOString();
	const tz = options.timeZone ?? 'Asia/Shanghai';
	const k = String(key ?? '').trim();
	if (!k) throw new EmergencyError('invalid', 'idempotency key is required', { field: 'idempotencyKey' });
	const hash = requestHash(report);
	return store.transaction(() => {
		const prior = store.internals.get('SELECT * FROM emergency_events WHERE idempotency_key = ?').get(k) as Row | undefined;
		if (prior) {
			if (prior.request_hash !== hash) throw new EmergencyError('conflict', 'the idempotency key was already used for a different report; use a new key for a new report', { field: 'idempotencyKey' });
			const event = toEvent(store, loadRow(store, prior.event_no as string).row);
			return { outcome: 'existing' as const, event, notifications: [], warnings: [], patientRowIds: prior.patient_id === null ? [] : [Number(prior.patient_id)] };
		}
		const warnings: string[] = [];
		const match = matchReportPatient(store, report);
		if (match.state === 'unsure') warnings.push(`the person may be one of ${match.candidates.length} registry patient(s): not linked; link the event once identity is confirmed`);
		const riskLevel = reportRiskLevel(report);
		const incident = isIncident(report);
		const publicSafety = report.publicSafety === true || report.triggers.includes('harm_to_others');
		const today = dayIn(now, tz);
		const prefix = emergencyNumber(today, 0).slice(0, -4);
		const seq = Number((store.internals.get('SELECT COUNT(*) AS n FROM emergency_events WHERE event_no >= ? AND event_no < ?').get(prefix, `${prefix.slice(0, -1)}.`) as Row).n) + 1;
		const eventNo = emergencyNumber(today, seq);
		const person = match.state === 'linked' ? {} : (report.patient ?? {});
		store.internals
			.get(
				`INSERT INTO emergency_events (event_no, idempotency_key, request_hash, reported_at, reported_on, occurred_at, channel, reporter, township, place, description,
				triggers, behaviours, risk_level, public_safety, incident, patient_id, match_state, candidates, person, status, record_due, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
			)
			.run(
				eventNo, k, hash, now, today, report.occurredAt ? new Date(report.occurredAt).toISOString() : null, report.channel, JSON.stringify(report.reporter ?? {}),
				report.township, report.place ?? null, report.description ?? null, JSON.stringify(report.triggers), JSON.stringify(report.behaviours ?? []), riskLevel,
				publicSafety ? 1 : 0, incident ? 1 : 0, match.patient?.rowId ?? null, match.state, JSON.stringify(match.candidates), JSON.stringify(person),
				addMinutes(now, policy.recordHours * 60), now, now,
			);
		const { row, id } = loadRow(store, eventNo);
		log(store, id, now, 'opened', null, 'open', report.channel, null);
		const chain = openingChain(riskLevel, publicSafety, incident, policy).map((c) => ({ role: c.role, needsAck: c.needsAck, kind: 'opened' as const, note: c.why }));
		const { notifications } = addSteps(store, row, chain, now, policy, options, warnings);
		const event = toEvent(store, loadRow(store, eventNo).row);
		return { outcome: 'created' as const, event, notifications, warnings, patientRowIds: match.patient ? [match.patient.rowId] : [] };
	});
}

export interface StepOutcome {
	outcome: 'updated' | 'unchanged';
	event: EmergencyEvent;
	notifications: Notification[];
	warnings: string[];
	patientRowIds: number[];
}

const rowIds = (r: Row): number[] => (r.patient_id === null || r.patient_id === undefined ? [] : [Number(r.patient_id)]);

function checkTime(value: string | null | undefined, field: string, fallback: string): string {
	if (value === undefined || value === null || String(value).trim() === '') return fallback;
	const t = Date.parse(value);
	if (Number.isNaN(t)) throw new EmergencyError('invalid', `${field} must be a date and time (ISO 8601)`, { field });
	return new Date(t).toISOString();
}

const FINAL: EmergencyStatus[] = ['closed', 'cancelled'];

/**
 * Acknowledge a step. With `token`, it must be the step's (the link in its message); without one,
 * only when the caller allows it (a person recording a phone call in the editor). Acknowledging an
 * acknowledged step changes nothing.
 */
export function acknowledgeStep(
	store: RegistryStore,
	input: { eventNo: string; seq: number; token?: string | null; by?: string | null; at?: string | null; requireToken?: boolean },
	options: EmergencyOptions = {},
): StepOutcome {
	const now = options.now ?? new Date().toISOString();
	const at = checkTime(input.at, 'at', now);
	if (!Number.isInteger(input.seq) || input.seq < 1) throw new EmergencyError('invalid', 'step must be a step number 1 or more', { field: 'step' });
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const step = store.internals.get('SELECT * FROM emergency_steps WHERE event_id = ? AND seq = ?').get(id, input.seq) as Row | undefined;
		if (!step) throw new EmergencyError('not_found', 'step is not a step of this event', { field: 'step' });
		const token = String(input.token ?? '').trim();
		if (token ? hashToken(token) !== step.ack_token_hash : input.requireToken !== false) {
			throw new EmergencyError('forbidden', 'token does not match this step: use the link in the message', { field: 'token' });
		}
		if (Number(step.needs_ack) !== 1) throw new EmergencyError('invalid', 'this step is for information and takes no acknowledgement', { field: 'step' });
		if (step.acknowledged_at) return { outcome: 'unchanged' as const, event: toEvent(store, row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
		const status = row.status as EmergencyStatus;
		if (FINAL.includes(status)) throw new EmergencyError('transition', `acknowledging is not allowed: the event is ${status} (${status === 'closed' ? '已结案' : '已撤销'})`, { field: 'status' });
		const by = String(input.by ?? '').trim() || (step.person as string | null) || EMERGENCY_ROLES[step.role as EmergencyRole];
		store.internals.get('UPDATE emergency_steps SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?').run(at, by, Number(step.id));
		const next: EmergencyStatus = status === 'open' ? 'handling' : status;
		store.internals.get('UPDATE emergency_events SET status = ?, updated_at = ? WHERE id = ?').run(next, now, id);
		const late = step.ack_due && at > (step.ack_due as string) ? '（超时确认）' : '';
		log(store, id, at, `acknowledged step ${input.seq} (${step.role as string})${late}`, status, next, by, null);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
	});
}

/** Hand the event to another role (e.g. the police, or the county office): a new step, notified. */
export function handOff(store: RegistryStore, input: { eventNo: string; role: EmergencyRole; note?: string | null; needsAck?: boolean; by?: string | null }, options: EmergencyOptions = {}): StepOutcome {
	const policy = options.policy ?? DEFAULT_EMERGENCY_POLICY;
	const now = options.now ?? new Date().toISOString();
	if (!Object.hasOwn(EMERGENCY_ROLES, input.role)) throw new EmergencyError('invalid', `role must be one of: ${Object.keys(EMERGENCY_ROLES).join(', ')}`, { field: 'role' });
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const status = row.status as EmergencyStatus;
		if (FINAL.includes(status)) throw new EmergencyError('transition', `handing off is not allowed: the event is ${status}`, { field: 'status' });
		const warnings: string[] = [];
		const { notifications, seqs } = addSteps(store, row, [{ role: input.role, needsAck: input.needsAck ?? input.role !== 'zongzhi', kind: 'handoff', note: input.note ?? null }], now, policy, options, warnings);
		log(store, id, now, `handed off to ${input.role} (step ${seqs[0]})`, status, status, input.by ?? null, input.note ?? null);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications, warnings, patientRowIds: rowIds(row) };
	});
}

/** Record how the event ended on site; the post-emergency follow-up falls due `followUpDays` later. */
export function recordDisposition(
	store: RegistryStore,
	input: { eventNo: string; disposition: Disposition; at?: string | null; by?: string | null; note?: string | null },
	options: EmergencyOptions = {},
): StepOutcome {
	const policy = options.policy ?? DEFAULT_EMERGENCY_POLICY;
	const now = options.now ?? new Date().toISOString();
	const at = checkTime(input.at, 'at', now);
	if (!Object.hasOwn(DISPOSITIONS, input.disposition)) throw new EmergencyError('invalid', `disposition must be one of: ${Object.entries(DISPOSITIONS).map(([c, l]) => `${c} ${l}`).join(', ')}`, { field: 'disposition' });
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const status = row.status as EmergencyStatus;
		if (status === 'disposed' && row.disposition === input.disposition) return { outcome: 'unchanged' as const, event: toEvent(store, row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
		checkEmergencyTransition(status, 'disposed', 'recording a disposition');
		const by = String(input.by ?? '').trim() || null;
		const followUpDue = addInterval(dayIn(at, options.timeZone), { days: policy.followUpDays });
		store.internals
			.get("UPDATE emergency_events SET status = 'disposed', disposition = ?, disposition_at = ?, disposition_by = ?, disposition_note = ?, follow_up_due = ?, updated_at = ? WHERE id = ?")
			.run(input.disposition, at, by, input.note ?? null, followUpDue, now, id);
		log(store, id, at, `disposition: ${input.disposition}`, status, 'disposed', by, input.note ?? null);
		const warnings: string[] = [];
		if (input.disposition === 'admission' && row.patient_id === null) warnings.push('admission of a person not linked to the registry: link the event to create the upward referral');
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings, patientRowIds: rowIds(row) };
	});
}

/** File the 应急处置记录单 (the psychiatrist, within 24 hours). Needs the disposition. */
export function fileRecord(store: RegistryStore, input: { eventNo: string; record: Omit<EmergencyRecord, 'filedBy'> & { filedBy?: string | null }; at?: string | null }, options: EmergencyOptions = {}): StepOutcome {
	const now = options.now ?? new Date().toISOString();
	const at = checkTime(input.at, 'at', now);
	const r = input.record;
	for (const m of r.measures ?? []) if (!Object.hasOwn(EMERGENCY_MEASURES, m)) throw new EmergencyError('invalid', `measures must be among: ${Object.keys(EMERGENCY_MEASURES).join(', ')}`, { field: 'measures' });
	for (const p of r.participants ?? []) if (!Object.hasOwn(EMERGENCY_ROLES, p)) throw new EmergencyError('invalid', `participants must be among: ${Object.keys(EMERGENCY_ROLES).join(', ')}`, { field: 'participants' });
	if (!r.measures?.length) throw new EmergencyError('invalid', 'measures (处置措施) needs at least one measure', { field: 'measures' });
	if (!String(r.summary ?? '').trim()) throw new EmergencyError('invalid', 'summary (处置经过) is required', { field: 'summary' });
	if (!String(r.doctor ?? '').trim()) throw new EmergencyError('invalid', 'doctor (处置医师) is required', { field: 'doctor' });
	const record: EmergencyRecord = {
		measures: r.measures,
		participants: r.participants ?? [],
		summary: String(r.summary).trim(),
		medication: String(r.medication ?? '').trim() || null,
		doctor: String(r.doctor).trim(),
		doctorPhone: String(r.doctorPhone ?? '').trim() || null,
		filedBy: String(r.filedBy ?? '').trim() || null,
	};
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const status = row.status as EmergencyStatus;
		if (status !== 'disposed' && status !== 'closed') {
			throw new EmergencyError('transition', `filing the record is not allowed: the event is ${status}; record the disposition (处置结果) first`, { field: 'status' });
		}
		if (row.record_filed_at) {
			if (row.record === JSON.stringify(record)) return { outcome: 'unchanged' as const, event: toEvent(store, row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
			throw new EmergencyError('conflict', 'the record was already filed with other content; it is kept as filed', { field: 'record' });
		}
		store.internals.get('UPDATE emergency_events SET record = ?, record_filed_at = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(record), at, now, id);
		const late = at > (row.record_due as string) ? '（逾期填报）' : '';
		log(store, id, at, `record filed${late}`, status, status, record.doctor, null);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings: late ? ['the record was filed after its 24-hour deadline'] : [], patientRowIds: rowIds(row) };
	});
}

/** The review after a 肇事肇祸 event: which measures were missed, who was responsible, reported up, major or not. */
export function reviewIncident(store: RegistryStore, input: { eventNo: string; review: EmergencyReview; by?: string | null }, options: EmergencyOptions = {}): StepOutcome {
	const now = options.now ?? new Date().toISOString();
	const review = input.review;
	if (!review.missed?.length) throw new EmergencyError('invalid', 'missed (管理措施落实情况) needs at least one entry (none: 未发现管理缺失)', { field: 'missed' });
	for (const m of review.missed) if (!Object.hasOwn(MISSED_MEASURES, m)) throw new EmergencyError('invalid', `missed must be among: ${Object.keys(MISSED_MEASURES).join(', ')}`, { field: 'missed' });
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		if (Number(row.incident) !== 1) throw new EmergencyError('invalid', 'a review is for 肇事肇祸 events; this event is not flagged as one', { field: 'incident' });
		const status = row.status as EmergencyStatus;
		if (status === 'cancelled') throw new EmergencyError('transition', 'reviewing is not allowed: the event is cancelled', { field: 'status' });
		const clean: EmergencyReview = { missed: review.missed, responsibility: review.responsibility || null, reportedUp: !!review.reportedUp, major: !!review.major, note: review.note || null };
		store.internals.get('UPDATE emergency_events SET review = ?, reviewed_at = ?, major = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(clean), now, clean.major ? 1 : 0, now, id);
		log(store, id, now, `incident review${clean.major ? ' (重大事件)' : ''}`, status, status, input.by ?? null, clean.note);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
	});
}

/**
 * Close an event: needs the disposition and the filed record; a 肇事肇祸 event needs its review; a
 * patient handled in the community (on site, observation) needs the post-emergency follow-up done.
 */
export function closeEmergency(store: RegistryStore, input: { eventNo: string; note?: string | null; by?: string | null }, options: EmergencyOptions = {}): StepOutcome {
	const now = options.now ?? new Date().toISOString();
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const status = row.status as EmergencyStatus;
		if (status === 'closed') return { outcome: 'unchanged' as const, event: toEvent(store, row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
		checkEmergencyTransition(status, 'closed', 'closing');
		const event = toEvent(store, row);
		const missing: string[] = [];
		if (!event.recordFiledAt) missing.push('the 应急处置记录单 is not filed');
		if (event.incident && !event.review) missing.push('the 肇事肇祸 review is not recorded');
		const community = event.disposition === 'on_site' || event.disposition === 'observation';
		if (community && event.patientNo && !event.followUpDate) missing.push(`the post-emergency follow-up (due ${event.followUpDue}) is not recorded`);
		if (missing.length) throw new EmergencyError('incomplete', `closing is not allowed: ${missing.join('; ')}`, { field: 'status' });
		store.internals.get("UPDATE emergency_events SET status = 'closed', closed_at = ?, status_note = ?, updated_at = ? WHERE id = ?").run(now, input.note ?? null, now, id);
		log(store, id, now, 'closed', status, 'closed', input.by ?? null, input.note ?? null);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
	});
}

/** Cancel an event reported in error (a false alarm, a duplicate report): needs a reason. */
export function cancelEmergency(store: RegistryStore, input: { eventNo: string; reason: string; by?: string | null }, options: EmergencyOptions = {}): StepOutcome {
	const now = options.now ?? new Date().toISOString();
	const reason = String(input.reason ?? '').trim();
	if (!reason) throw new EmergencyError('invalid', 'reason (撤销原因) is required to cancel', { field: 'reason' });
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const status = row.status as EmergencyStatus;
		if (status === 'cancelled') return { outcome: 'unchanged' as const, event: toEvent(store, row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
		checkEmergencyTransition(status, 'cancelled', 'cancelling');
		store.internals.get("UPDATE emergency_events SET status = 'cancelled', status_note = ?, updated_at = ? WHERE id = ?").run(reason, now, id);
		log(store, id, now, 'cancelled', status, 'cancelled', input.by ?? null, reason);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings: [], patientRowIds: rowIds(row) };
	});
}

/** Link an event opened for an unidentified or unsure person to the registry patient, once identity is confirmed. */
export function linkPatient(store: RegistryStore, input: { eventNo: string; patientNo: string; by?: string | null }, options: EmergencyOptions = {}): StepOutcome {
	const now = options.now ?? new Date().toISOString();
	return store.transaction(() => {
		const { row, id } = loadRow(store, input.eventNo);
		const patient = store.getByPatientNo(String(input.patientNo ?? '').trim());
		if (!patient) throw new EmergencyError('not_found', 'patientNo (患者编号) is not in the registry', { field: 'patientNo' });
		if (row.patient_id !== null && Number(row.patient_id) === patient.rowId) return { outcome: 'unchanged' as const, event: toEvent(store, row), notifications: [], warnings: [], patientRowIds: [patient.rowId] };
		if (row.patient_id !== null) throw new EmergencyError('conflict', 'the event is already linked to another patient', { field: 'patientNo' });
		const status = row.status as EmergencyStatus;
		store.internals.get("UPDATE emergency_events SET patient_id = ?, match_state = 'linked', person = '{}', updated_at = ? WHERE id = ?").run(patient.rowId, now, id);
		log(store, id, now, 'patient linked', status, status, input.by ?? null, null);
		return { outcome: 'updated' as const, event: toEvent(store, loadRow(store, input.eventNo).row), notifications: [], warnings: [], patientRowIds: [patient.rowId] };
	});
}

export interface EventWithDetails {
	event: EmergencyEvent;
	details: EmergencyDetails;
	log: Array<{ at: string; action: string; fromStatus: string | null; toStatus: string; by: string | null; note: string | null }>;
	/** Referrals made for the event (emergency_ref). */
	referrals: string[];
	patientRowId: number | null;
}

export function getEmergency(store: RegistryStore, eventNo: string): EventWithDetails {
	const { row, id } = loadRow(store, eventNo);
	const entries = (store.internals.get('SELECT * FROM emergency_log WHERE event_id = ? ORDER BY id').all(id) as Row[]).map((l) => ({
		at: l.at as string,
		action: l.action as string,
		fromStatus: (l.from_status as string) ?? null,
		toStatus: l.to_status as string,
		by: (l.by as string) ?? null,
		note: (l.note as string) ?? null,
	}));
	const referrals = (store.internals.get('SELECT referral_no FROM referrals WHERE emergency_ref = ? ORDER BY id').all(row.event_no as string) as Row[]).map((r) => r.referral_no as string);
	return { event: toEvent(store, row), details: detailsOf(row), log: entries, referrals, patientRowId: row.patient_id === null ? null : Number(row.patient_id) };
}

export type EmergencyListFilter = 'open' | 'unacknowledged' | 'record_overdue' | 'follow_up_overdue' | 'all';

/** Events by filter: open (not closed or cancelled), with a step unacknowledged past its deadline, record overdue, follow-up overdue. */
export function listEmergencies(store: RegistryStore, filter: EmergencyListFilter, options: { now?: string; township?: string; timeZone?: string; from?: string; to?: string } = {}): EmergencyEvent[] {
	const now = options.now ?? new Date().toISOString();
	const where: string[] = [];
	const args: Array<string | number> = [];
	if (options.township) {
		where.push('e.township = ?');
		args.push(options.township);
	}
	if (options.from) {
		where.push('e.reported_on >= ?');
		args.push(options.from);
	}
	if (options.to) {
		where.push('e.reported_on <= ?');
		args.push(options.to);
	}
	if (filter === 'open') where.push("e.status NOT IN ('closed', 'cancelled')");
	if (filter === 'unacknowledged') {
		where.push("e.status IN ('open', 'handling') AND EXISTS (SELECT 1 FROM emergency_steps s WHERE s.event_id = e.id AND s.needs_ack = 1 AND s.acknowledged_at IS NULL AND s.ack_due <= ?)");
		args.push(now);
	}
	if (filter === 'record_overdue') {
		where.push("e.status != 'cancelled' AND e.record_filed_at IS NULL AND e.record_due <= ?");
		args.push(now);
	}
	if (filter === 'follow_up_overdue') {
		// Done when a follow-up is recorded on or after the disposition's local day (toEvent's followUpDate).
		where.push(`e.status = 'disposed' AND e.disposition IN ('on_site', 'observation') AND e.patient_id IS NOT NULL AND e.follow_up_due < ?`);
		args.push(dayIn(now, options.timeZone));
	}
	const rows = store.internals.get(`SELECT e.*, p.patient_no FROM emergency_events e LEFT JOIN patients p ON p.id = e.patient_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.reported_at`).all(...args) as Row[];
	const events = rows.map((r) => toEvent(store, r));
	return filter === 'follow_up_overdue' ? events.filter((e) => e.followUpDate === null) : events;
}

export interface EscalationResult {
	escalated: Array<{ eventNo: string; fromSeq: number; fromRole: EmergencyRole; toSeq: number | null; toRole: EmergencyRole | null }>;
	reminders: string[];
	notifications: Notification[];
	warnings: string[];
	patientRowIds: number[];
}

/**
 * One escalation round (the scheduled workflow runs it every few minutes), in one transaction:
 * every step still unacknowledged at its deadline, of an event not yet disposed, goes to the next
 * level (township → county 精防办 → health commission); the top level stays overdue, listed. The
 * psychiatrist and the county office are reminded once before the 24-hour record falls due.
 */
export function escalateOverdue(store: RegistryStore, options: EmergencyOptions = {}): EscalationResult {
	const policy = options.policy ?? DEFAULT_EMERGENCY_POLICY;
	const now = options.now ?? new Date().toISOString();
	return store.transaction(() => {
		const result: EscalationResult = { escalated: [], reminders: [], notifications: [], warnings: [], patientRowIds: [] };
		const due = store.internals
			.get(
				`SELECT s.*, e.event_no FROM emergency_steps s JOIN emergency_events e ON e.id = s.event_id
				WHERE s.needs_ack = 1 AND s.acknowledged_at IS NULL AND s.escalated_at IS NULL AND s.ack_due <= ? AND e.status IN ('open', 'handling')
				ORDER BY s.ack_due, s.event_id, s.seq`,
			)
			.all(now) as Row[];
		for (const step of due) {
			const { row } = loadRow(store, step.event_no as string);
			const fromRole = step.role as EmergencyRole;
			const toRole = ESCALATES_TO[fromRole];
			let toSeq: number | null = null;
			if (toRole) {
				// One waiting step per role: a second overdue step escalates to the one already added.
				const waiting = store.internals
					.get('SELECT seq FROM emergency_steps WHERE event_id = ? AND role = ? AND acknowledged_at IS NULL AND escalated_at IS NULL AND kind = ? AND ack_due > ?')
					.get(Number(row.id), toRole, 'escalation', now) as Row | undefined;
				if (waiting) toSeq = Number(waiting.seq);
				else {
					const note = `${EMERGENCY_ROLES[fromRole]}${step.person ? ` ${step.person as string}` : ''}未在时限内确认（第${step.seq as number}步）`;
					const added = addSteps(store, row, [{ role: toRole, needsAck: true, kind: 'escalation', note }], now, policy, options, result.warnings);
					toSeq = added.seqs[0];
					result.notifications.push(...added.notifications);
				}
			}
			store.internals.get('UPDATE emergency_steps SET escalated_at = ?, escalated_to = ? WHERE id = ?').run(now, toSeq, Number(step.id));
			log(store, Number(row.id), now, toRole ? `step ${step.seq as number} (${fromRole}) not acknowledged: escalated to ${toRole} (step ${toSeq})` : `step ${step.seq as number} (${fromRole}) not acknowledged: no higher level`, row.status as EmergencyStatus, row.status as EmergencyStatus, null, null);
			result.escalated.push({ eventNo: row.event_no as string, fromSeq: Number(step.seq), fromRole, toSeq, toRole });
			result.patientRowIds.push(...rowIds(row));
		}
		const remindAt = addMinutes(now, policy.recordReminderMinutes);
		const reminders = store.internals
			.get("SELECT * FROM emergency_events WHERE status NOT IN ('closed', 'cancelled') AND record_filed_at IS NULL AND record_reminded_at IS NULL AND record_due <= ? ORDER BY record_due")
			.all(remindAt) as Row[];
		for (const ev of reminders) {
			const facts = factsOf(ev);
			for (const role of ['psychiatrist', 'county_office'] as EmergencyRole[]) {
				// The psychiatrist who took the event, else the one on duty now.
				const step = store.internals.get('SELECT * FROM emergency_steps WHERE event_id = ? AND role = ? ORDER BY acknowledged_at IS NULL, seq LIMIT 1').get(Number(ev.id), role) as Row | undefined;
				const duty = step?.person ? null : onDuty(store, ev.township as string, role, now);
				const recipient = step?.person
					? { role, person: step.person as string, email: (step.email as string) ?? null, robotUrl: (step.robot_url as string) ?? null, robotFormat: ((step.robot_format as RobotFormat) ?? 'wecom') }
					: { role, person: duty?.person ?? null, email: duty?.email ?? null, robotUrl: duty?.robotUrl ?? null, robotFormat: duty?.robotFormat ?? 'wecom' };
				result.notifications.push(...notificationsFor('record_reminder', facts, recipient, { seq: null, ackDue: ev.record_due as string, token: null }, { timeZone: options.timeZone, ...options.message }));
			}
			store.internals.get('UPDATE emergency_events SET record_reminded_at = ? WHERE id = ?').run(now, Number(ev.id));
			log(store, Number(ev.id), now, 'record reminder sent', ev.status as EmergencyStatus, ev.status as EmergencyStatus, null, null);
			result.reminders.push(ev.event_no as string);
			result.patientRowIds.push(...rowIds(ev));
		}
		return result;
	});
}

// ---- holiday and major-event watch ------------------------------------------------------------

export interface WatchPatient {
	patientNo: string;
	name: string;
	sex: 'male' | 'female' | null;
	age: number | null;
	riskLevel: number | null;
	classification: string | null;
	lastFollowUpDate: string | null;
	guardian: string | null;
	guardianPhone: string | null;
	/** Emergencies reported in the last 90 days. */
	recentEmergencies: number;
}

export interface TownshipWatchList {
	township: string;
	period: { name: string; from: string; to: string };
	patients: WatchPatient[];
	/** Who is on duty for the township during the period (township staff, police; county-wide included). */
	staff: Array<{ role: EmergencyRole; roleLabel: string; person: string; phone: string | null; startsAt: string; endsAt: string }>;
	patientRowIds: number[];
}

/**
 * The watch list for a holiday or major event: per township, the patients in management at risk ≥
 * `minRisk` (3) or unstable, with guardian and the staff on duty. Townships with none are listed
 * empty, so each township confirms it has no one to watch.
 */
export function watchLists(
	store: RegistryStore,
	period: { name: string; from: string; to: string },
	/** townships: listed even with nobody to watch. */
	options: { minRisk?: number; townships?: string[]; utcOffset?: string } = {},
): TownshipWatchList[] {
	const minRisk = options.minRisk ?? 3;
	const rows = store.internals
		.get(
			`SELECT p.*, (SELECT COUNT(*) FROM emergency_events e WHERE e.patient_id = p.id AND e.reported_on >= ?) AS recent
			FROM patients p WHERE p.status = 'active' AND (p.risk_level >= ? OR p.classification = 'unstable') ORDER BY p.township, p.risk_level DESC, p.patient_no`,
		)
		.all(addInterval(period.from, { days: -90 }), minRisk) as Row[];
	const byTownship = new Map<string, TownshipWatchList>();
	const offset = options.utcOffset ?? '+08:00';
	const from = new Date(`${period.from}T00:00:00${offset}`).toISOString();
	const to = new Date(`${addInterval(period.to, { days: 1 })}T00:00:00${offset}`).toISOString();
	const ensure = (t: string) => {
		let w = byTownship.get(t);
		if (!w) {
			const staff = rosterBetween(store, from, to, t)
				.filter((r) => r.role === 'township_staff' || r.role === 'police' || r.role === 'psychiatrist')
				.map((r) => ({ role: r.role, roleLabel: EMERGENCY_ROLES[r.role], person: r.person, phone: r.phone, startsAt: r.startsAt, endsAt: r.endsAt }));
			w = { township: t, period, patients: [], staff, patientRowIds: [] };
			byTownship.set(t, w);
		}
		return w;
	};
	for (const t of options.townships ?? []) ensure(t);
	for (const r of rows) {
		const t = (r.township as string) || '（未填乡镇）';
		const birth = (r.birth_date as string) ?? null;
		const age = birth ? Number(period.from.slice(0, 4)) - Number(birth.slice(0, 4)) - (period.from.slice(5) < birth.slice(5) ? 1 : 0) : null;
		const w = ensure(t);
		w.patients.push({
			patientNo: r.patient_no as string,
			name: r.name as string,
			sex: (r.sex as 'male' | 'female') ?? null,
			age,
			riskLevel: r.risk_level === null ? null : Number(r.risk_level),
			classification: (r.classification as string) ?? null,
			lastFollowUpDate: (r.last_follow_up_date as string) ?? null,
			guardian: (r.guardian as string) ?? null,
			guardianPhone: (r.guardian_phone as string) ?? null,
			recentEmergencies: Number(r.recent),
		});
		w.patientRowIds.push(Number(r.id));
	}
	return [...byTownship.values()].sort((a, b) => a.township.localeCompare(b.township, 'zh-CN'));
}

/** Record-overdue events per township on `day` (for the daily work list's emergency_record_late). */
export function lateRecordsByTownship(store: RegistryStore, now: string): Map<string, Array<{ eventNo: string; patientNo: string | null; recordDue: string }>> {
	const out = new Map<string, Array<{ eventNo: string; patientNo: string | null; recordDue: string }>>();
	for (const e of listEmergencies(store, 'record_overdue', { now })) {
		const list = out.get(e.township) ?? [];
		list.push({ eventNo: e.eventNo, patientNo: e.patientNo, recordDue: e.recordDue });
		out.set(e.township, list);
	}
	return out;
}


// ---- updates from county systems (the update webhook) -----------------------------------------

const enumOf = <T extends Record<string, string>>(table: T) => z.enum(codesOf(table));
const when = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time (ISO 8601)').optional();
const txt = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** One update to an event, as a county system posts it: `action` says which step. */
export const emergencyUpdateSchema = z.discriminatedUnion('action', [
	z.object({ action: z.literal('acknowledge'), eventNo: txt(40), step: z.number().int().min(1), token: txt(100), by: txt(40).optional(), at: when }).strict(),
	z.object({ action: z.literal('handoff'), eventNo: txt(40), role: enumOf(EMERGENCY_ROLES), note: txt(500).optional(), by: txt(40).optional() }).strict(),
	z.object({ action: z.literal('disposition'), eventNo: txt(40), disposition: enumOf(DISPOSITIONS), at: when, by: txt(40).optional(), note: txt(1000).optional() }).strict(),
	z
		.object({
			action: z.literal('record'),
			eventNo: txt(40),
			measures: z.array(enumOf(EMERGENCY_MEASURES)).min(1, 'needs at least one measure'),
			participants: z.array(enumOf(EMERGENCY_ROLES)).default([]),
			summary: txt(4000).min(1, 'is required'),
			medication: txt(500).optional(),
			doctor: txt(40).min(1, 'is required'),
			doctorPhone: txt(40).optional(),
			at: when,
		})
		.strict(),
	z
		.object({
			action: z.literal('review'),
			eventNo: txt(40),
			missed: z.array(enumOf(MISSED_MEASURES)).min(1, 'needs at least one entry'),
			responsibility: txt(500).optional(),
			reportedUp: z.boolean().default(false),
			major: z.boolean().default(false),
			note: txt(1000).optional(),
			by: txt(40).optional(),
		})
		.strict(),
	z.object({ action: z.literal('close'), eventNo: txt(40), note: txt(1000).optional(), by: txt(40).optional() }).strict(),
	z.object({ action: z.literal('cancel'), eventNo: txt(40), reason: txt(500).min(1, 'is required'), by: txt(40).optional() }).strict(),
	z.object({ action: z.literal('link'), eventNo: txt(40), patientNo: txt(40).min(1, 'is required'), by: txt(40).optional() }).strict(),
]);
export type EmergencyUpdate = z.infer<typeof emergencyUpdateSchema>;
export const EMERGENCY_UPDATE_ACTIONS = ['acknowledge', 'handoff', 'disposition', 'record', 'review', 'close', 'cancel', 'link'] as const;

/** Validate an update; a bad one is an EmergencyError naming the field. */
export function parseEmergencyUpdate(json: unknown): EmergencyUpdate {
	const parsed = emergencyUpdateSchema.safeParse(json);
	if (parsed.success) return parsed.data;
	const action = (json as { action?: unknown } | null)?.action;
	// The action is named only when it is one of ours (it is then not the caller's free text).
	const what = EMERGENCY_UPDATE_ACTIONS.includes(action as never) ? `a ${String(action)} update` : 'the update';
	throw emergencyInputError(parsed.error, what, EMERGENCY_UPDATE_ACTIONS);
}

/** Apply one validated update. */
export function applyEmergencyUpdate(store: RegistryStore, u: EmergencyUpdate, options: EmergencyOptions = {}): StepOutcome {
	switch (u.action) {
		case 'acknowledge':
			return acknowledgeStep(store, { eventNo: u.eventNo, seq: u.step, token: u.token, by: u.by, at: u.at }, options);
		case 'handoff':
			return handOff(store, { eventNo: u.eventNo, role: u.role, note: u.note, by: u.by }, options);
		case 'disposition':
			return recordDisposition(store, { eventNo: u.eventNo, disposition: u.disposition, at: u.at, by: u.by, note: u.note }, options);
		case 'record':
			return fileRecord(store, { eventNo: u.eventNo, at: u.at, record: { measures: u.measures, participants: u.participants, summary: u.summary, medication: u.medication ?? null, doctor: u.doctor, doctorPhone: u.doctorPhone ?? null } }, options);
		case 'review':
			return reviewIncident(store, { eventNo: u.eventNo, by: u.by, review: { missed: u.missed, responsibility: u.responsibility ?? null, reportedUp: u.reportedUp, major: u.major, note: u.note ?? null } }, options);
		case 'close':
			return closeEmergency(store, { eventNo: u.eventNo, note: u.note, by: u.by }, options);
		case 'cancel':
			return cancelEmergency(store, { eventNo: u.eventNo, reason: u.reason, by: u.by }, options);
		case 'link':
			return linkPatient(store, { eventNo: u.eventNo, patientNo: u.patientNo, by: u.by }, options);
	}
}

export interface WatchPeriod {
	name: string;
	from: string;
	to: string;
}

/** Check watch periods (name, from, to as YYYY-MM-DD, to not before from); a bad one names its number and field. */
export function parseWatchPeriods(raw: Array<Partial<Record<keyof WatchPeriod, unknown>>>): WatchPeriod[] {
	return raw.map((p, i) => {
		const name = String(p.name ?? '').trim();
		const from = String(p.from ?? '').trim();
		const to = String(p.to ?? '').trim();
		if (!name) throw new EmergencyError('invalid', `Period ${i + 1}: Name is empty`, { field: 'periods.name' });
		if (!parseIsoDay(from) || !parseIsoDay(to)) throw new EmergencyError('invalid', `Period ${i + 1}: From and To must be days written YYYY-MM-DD`, { field: 'periods.from' });
		if (to < from) throw new EmergencyError('invalid', `Period ${i + 1}: To is before From`, { field: 'periods.to' });
		return { name, from, to };
	});
}

/**
 * The periods whose watch lists are built on `day`: those starting `daysBefore` days later, or, with
 * `everyPeriodNow` (a run by hand), every period not over.
 */
export function duePeriods(periods: WatchPeriod[], day: string, options: { daysBefore: number; everyPeriodNow?: boolean }): WatchPeriod[] {
	return periods.filter((p) => (options.everyPeriodNow ? p.to >= day : addInterval(p.from, { days: -options.daysBefore }) === day));
}
