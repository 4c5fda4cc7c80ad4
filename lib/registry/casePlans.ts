/**
 * Case management (个案管理) in the registry (schema v4): a plan per patient, made by a team (roles of
 * lib/referrals.ts CARE_ROLES), with goals and a review date; a task waiting for its team ('pending',
 * what a risk assessment creates), the plan in force ('active'), closed. At most one plan not closed
 * per patient. docs/rules.md §11.
 */
import { addInterval } from '../dates';
import type { Patient } from '../model';
import { CARE_ROLES, CASE_PLAN_STATUSES, casePlanNumber, dayOfTimestamp, optionalDay, ReferralError, type CarePlanMember, type CasePlanStatus } from '../referrals';
import { compareTownships, UNASSIGNED_TOWNSHIP } from '../townships';
import type { Row } from './schema';
import type { RegistryStore } from './store';

export interface CasePlan {
	planNo: string;
	patientNo: string;
	status: CasePlanStatus;
	reason: string | null;
	createdOn: string;
	/** Pending: the day by which the team should be formed. */
	dueOn: string | null;
	openedOn: string | null;
	team: CarePlanMember[];
	goals: string[];
	reviewDue: string | null;
	lastReviewedOn: string | null;
	closedOn: string | null;
	closeReason: string | null;
	followUpDate: string | null;
}

export interface OpenPlanInput {
	patientNo: string;
	team: CarePlanMember[];
	goals: string[];
	/** The day the team met and the plan took force (default today). */
	openedOn?: string | null;
	/** The first review (default: 3 months after opening). */
	reviewDue?: string | null;
	reason?: string | null;
	idempotencyKey?: string | null;
}

export interface PlanTaskInput {
	patientNo: string;
	reason: string;
	/** The day by which the team should be formed (default today + 14 days). */
	dueOn?: string | null;
	followUpDate?: string | null;
	idempotencyKey?: string | null;
}

export interface PlanOptions {
	now?: string;
	today?: string;
}

const PLAN_SELECT = 'SELECT c.*, p.patient_no FROM case_plans c JOIN patients p ON p.id = c.patient_id';

const dayOf = dayOfTimestamp;
const checkDay = optionalDay;
// date-fns's month arithmetic: 31 January + 1 month = the last day of February.
const plusDays = (day: string, days: number) => addInterval(day, { days });
const plusMonths = (day: string, months: number) => addInterval(day, { months });

function toPlan(r: Row): CasePlan {
	const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
	return {
		planNo: r.plan_no as string,
		patientNo: r.patient_no as string,
		status: r.status as CasePlanStatus,
		reason: str(r.reason),
		createdOn: r.created_on as string,
		dueOn: str(r.due_on),
		openedOn: str(r.opened_on),
		team: JSON.parse(r.team as string) as CarePlanMember[],
		goals: JSON.parse(r.goals as string) as string[],
		reviewDue: str(r.review_due),
		lastReviewedOn: str(r.last_reviewed_on),
		closedOn: str(r.closed_on),
		closeReason: str(r.close_reason),
		followUpDate: str(r.follow_up_date),
	};
}

function validTeam(team: CarePlanMember[]): CarePlanMember[] {
	if (!Array.isArray(team) || team.length === 0) throw new ReferralError('invalid', 'team (管理小组) needs at least one member', { field: 'team' });
	return team.map((m, i) => {
		if (!m || !Object.hasOwn(CARE_ROLES, m.role)) {
			throw new ReferralError('invalid', `team member ${i + 1}: role must be one of ${Object.entries(CARE_ROLES).map(([c, l]) => `${c} ${l}`).join(', ')}`, { field: 'team' });
		}
		const name = String(m.name ?? '').trim();
		if (!name) throw new ReferralError('invalid', `team member ${i + 1}: name is required`, { field: 'team' });
		return { role: m.role, name, phone: m.phone ? String(m.phone).trim() : undefined };
	});
}

function validGoals(goals: string[]): string[] {
	const out = (Array.isArray(goals) ? goals : []).map((g) => String(g ?? '').trim()).filter((g) => g !== '');
	if (out.length === 0) throw new ReferralError('invalid', 'goals (管理目标) needs at least one goal', { field: 'goals' });
	return out;
}

function patientOf(store: RegistryStore, patientNo: string): Patient {
	const no = String(patientNo ?? '').trim();
	if (!no) throw new ReferralError('invalid', 'patientNo (患者编号) is required', { field: 'patientNo' });
	const p = store.getByPatientNo(no);
	if (!p) throw new ReferralError('not_found', 'patientNo (患者编号) is not in the registry', { field: 'patientNo' });
	return p;
}

function nextPlanNo(store: RegistryStore, today: string): string {
	const prefix = casePlanNumber(today, 0).slice(0, -4);
	const seq = Number((store.internals.get('SELECT COUNT(*) AS n FROM case_plans WHERE plan_no >= ? AND plan_no < ?').get(prefix, `${prefix.slice(0, -1)}.`) as Row).n) + 1;
	return casePlanNumber(today, seq);
}

/** The plan an earlier request with this idempotency key made, if any; a key used for another patient is refused. */
function keyed(store: RegistryStore, key: string | null, patientRowId: number): CasePlan | null {
	if (!key) return null;
	const prior = store.internals.get(`${PLAN_SELECT} WHERE c.idempotency_key = ?`).get(key) as Row | undefined;
	if (!prior) return null;
	if (Number(prior.patient_id) !== patientRowId) {
		throw new ReferralError('conflict', 'idempotencyKey was already used for another patient’s plan; use a new key', { field: 'idempotencyKey' });
	}
	return toPlan(prior);
}

export interface PlanResult {
	outcome: 'created' | 'activated' | 'existing' | 'updated' | 'unchanged';
	plan: CasePlan;
	patientRowId: number;
	warnings: string[];
}

/**
 * Open a plan with its team and goals. A pending task of the patient becomes this plan; a plan already
 * in force is returned unchanged ('existing') with a warning. A patient neither unstable nor at level ≥ 3
 * gets the plan and a warning.
 */
export function openPlan(store: RegistryStore, input: OpenPlanInput, options: PlanOptions = {}): PlanResult {
	const now = options.now ?? new Date().toISOString();
	const today = options.today ?? dayOf(now);
	const team = validTeam(input.team);
	const goals = validGoals(input.goals);
	const openedOn = checkDay(input.openedOn, 'openedOn') ?? today;
	const reviewDue = checkDay(input.reviewDue, 'reviewDue') ?? plusMonths(openedOn, 3);
	if (reviewDue < openedOn) throw new ReferralError('invalid', 'reviewDue (复核日期) is before openedOn', { field: 'reviewDue' });
	const key = input.idempotencyKey?.trim() || null;
	return store.transaction(() => {
		const patient = patientOf(store, input.patientNo);
		const again = keyed(store, key, patient.rowId);
		if (again) return { outcome: 'existing' as const, plan: again, patientRowId: patient.rowId, warnings: [] };
		const warnings: string[] = [];
		if (patient.classification !== 'unstable' && (patient.riskLevel ?? 0) < 3) {
			warnings.push('the patient is neither unstable nor at risk level 3 or above: case management is not required / 患者非病情不稳定且危险性低于3级');
		}
		const open = store.internals.get(`${PLAN_SELECT} WHERE c.patient_id = ? AND c.status != 'closed'`).get(patient.rowId) as Row | undefined;
		if (open && open.status === 'active') {
			warnings.push(`the patient already has a plan in force (${open.plan_no as string}); review it instead`);
			return { outcome: 'existing' as const, plan: toPlan(open), patientRowId: patient.rowId, warnings };
		}
		const memberRoles = new Set(team.map((m) => m.role));
		for (const role of ['mental_health_worker', 'police', 'guardian'] as const) {
			if (!memberRoles.has(role)) warnings.push(`the team has no ${CARE_ROLES[role]} (${role})`);
		}
		if (open) {
			store.internals
				.get(
					`UPDATE case_plans SET status = 'active', opened_on = ?, team = ?, goals = ?, review_due = ?, reason = COALESCE(?, reason),
					idempotency_key = COALESCE(?, idempotency_key), updated_at = ? WHERE id = ?`,
				)
				.run(openedOn, JSON.stringify(team), JSON.stringify(goals), reviewDue, input.reason ?? null, key, now, Number(open.id));
			return { outcome: 'activated' as const, plan: toPlan(store.internals.get(`${PLAN_SELECT} WHERE c.id = ?`).get(Number(open.id)) as Row), patientRowId: patient.rowId, warnings };
		}
		const planNo = nextPlanNo(store, today);
		store.internals
			.get(
				`INSERT INTO case_plans (plan_no, idempotency_key, patient_id, status, reason, created_on, opened_on, team, goals, review_due, created_at, updated_at)
				VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?)`,
			)
			.run(planNo, key, patient.rowId, input.reason ?? null, today, openedOn, JSON.stringify(team), JSON.stringify(goals), reviewDue, now, now);
		return { outcome: 'created' as const, plan: toPlan(store.internals.get(`${PLAN_SELECT} WHERE c.plan_no = ?`).get(planNo) as Row), patientRowId: patient.rowId, warnings };
	});
}

/**
 * The task a risk assessment calls for: a pending plan, due in 14 days, unless the patient has a plan
 * not closed already ('existing').
 */
export function createPlanTask(store: RegistryStore, input: PlanTaskInput, options: PlanOptions = {}): PlanResult {
	const now = options.now ?? new Date().toISOString();
	const today = options.today ?? dayOf(now);
	const dueOn = checkDay(input.dueOn, 'dueOn') ?? plusDays(today, 14);
	const followUpDate = checkDay(input.followUpDate, 'followUpDate');
	const key = input.idempotencyKey?.trim() || null;
	return store.transaction(() => {
		const patient = patientOf(store, input.patientNo);
		const again = keyed(store, key, patient.rowId);
		if (again) return { outcome: 'existing' as const, plan: again, patientRowId: patient.rowId, warnings: [] };
		const open = store.internals.get(`${PLAN_SELECT} WHERE c.patient_id = ? AND c.status != 'closed'`).get(patient.rowId) as Row | undefined;
		if (open) return { outcome: 'existing' as const, plan: toPlan(open), patientRowId: patient.rowId, warnings: [] };
		const planNo = nextPlanNo(store, today);
		store.internals
			.get(
				`INSERT INTO case_plans (plan_no, idempotency_key, patient_id, status, reason, created_on, due_on, follow_up_date, created_at, updated_at)
				VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
			)
			.run(planNo, key, patient.rowId, input.reason, today, dueOn, followUpDate, now, now);
		return { outcome: 'created' as const, plan: toPlan(store.internals.get(`${PLAN_SELECT} WHERE c.plan_no = ?`).get(planNo) as Row), patientRowId: patient.rowId, warnings: [] };
	});
}

/** A plan by its number, or the open plan of a 患者编号 (with `orLastClosed`, else the patient's last closed one). */
function planByRef(store: RegistryStore, ref: string, orLastClosed = false): Row {
	const text = String(ref ?? '').trim();
	if (!text) throw new ReferralError('invalid', 'plan (个案管理计划编号 or 患者编号) is required', { field: 'plan' });
	const row = (store.internals.get(`${PLAN_SELECT} WHERE c.plan_no = ?`).get(text) ??
		store.internals.get(`${PLAN_SELECT} WHERE p.patient_no = ? AND c.status != 'closed'`).get(text) ??
		(orLastClosed ? store.internals.get(`${PLAN_SELECT} WHERE p.patient_no = ? AND c.status = 'closed' ORDER BY c.closed_on DESC, c.id DESC LIMIT 1`).get(text) : undefined)) as
		| Row
		| undefined;
	if (!row) throw new ReferralError('not_found', 'plan (个案管理计划) is not in the registry: no plan of that number, and no open plan of that 患者编号', { field: 'plan' });
	return row;
}

export interface ReviewInput {
	plan: string;
	reviewedOn?: string | null;
	note?: string | null;
	/** The next review (default 3 months after this one). */
	nextReview?: string | null;
	goals?: string[] | null;
	team?: CarePlanMember[] | null;
	idempotencyKey?: string | null;
}

/** Record a review of a plan in force: its next review date, and new goals or team if given. */
export function reviewPlan(store: RegistryStore, input: ReviewInput, options: PlanOptions = {}): PlanResult {
	const now = options.now ?? new Date().toISOString();
	const today = options.today ?? dayOf(now);
	const reviewedOn = checkDay(input.reviewedOn, 'reviewedOn') ?? today;
	const nextReview = checkDay(input.nextReview, 'nextReview') ?? plusMonths(reviewedOn, 3);
	if (nextReview <= reviewedOn) throw new ReferralError('invalid', 'nextReview (下次复核日期) must be after reviewedOn', { field: 'nextReview' });
	const goals = input.goals && input.goals.length ? validGoals(input.goals) : null;
	const team = input.team && input.team.length ? validTeam(input.team) : null;
	const key = input.idempotencyKey?.trim() || null;
	return store.transaction(() => {
		const row = planByRef(store, input.plan);
		const id = Number(row.id);
		if (key) {
			const seen = store.internals.get('SELECT plan_id FROM case_plan_reviews WHERE idempotency_key = ?').get(key) as Row | undefined;
			if (seen) {
				if (Number(seen.plan_id) !== id) throw new ReferralError('conflict', 'idempotencyKey was already used for another plan’s review', { field: 'idempotencyKey' });
				return { outcome: 'unchanged' as const, plan: toPlan(row), patientRowId: Number(row.patient_id), warnings: [] };
			}
		}
		if (row.status !== 'active') {
			throw new ReferralError('transition', `a plan that is ${row.status as string} (${CASE_PLAN_STATUSES[row.status as CasePlanStatus]}) cannot be reviewed; ${row.status === 'pending' ? 'open it with its team first' : 'open a new plan'}`, { field: 'plan' });
		}
		if (row.opened_on && reviewedOn < (row.opened_on as string)) throw new ReferralError('invalid', 'reviewedOn (复核日期) is before the plan was opened', { field: 'reviewedOn' });
		store.internals
			.get('INSERT INTO case_plan_reviews (plan_id, reviewed_on, note, next_review, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?)')
			.run(id, reviewedOn, input.note ?? null, nextReview, key, now);
		store.internals
			.get('UPDATE case_plans SET last_reviewed_on = ?, review_due = ?, goals = COALESCE(?, goals), team = COALESCE(?, team), updated_at = ? WHERE id = ?')
			.run(reviewedOn, nextReview, goals ? JSON.stringify(goals) : null, team ? JSON.stringify(team) : null, now, id);
		return { outcome: 'updated' as const, plan: toPlan(store.internals.get(`${PLAN_SELECT} WHERE c.id = ?`).get(id) as Row), patientRowId: Number(row.patient_id), warnings: [] };
	});
}

/** Close a plan (or a pending task). Closing a closed plan again changes nothing. */
export function closePlan(store: RegistryStore, input: { plan: string; closedOn?: string | null; reason: string }, options: PlanOptions = {}): PlanResult {
	const now = options.now ?? new Date().toISOString();
	const today = options.today ?? dayOf(now);
	const closedOn = checkDay(input.closedOn, 'closedOn') ?? today;
	const reason = String(input.reason ?? '').trim();
	if (!reason) throw new ReferralError('invalid', 'reason (结案原因) is required', { field: 'reason' });
	return store.transaction(() => {
		// A retried Close by 患者编号 finds the plan it closed: unchanged, not "not found".
		const row = planByRef(store, input.plan, true);
		const id = Number(row.id);
		if (row.status === 'closed') return { outcome: 'unchanged' as const, plan: toPlan(row), patientRowId: Number(row.patient_id), warnings: [] };
		if (row.opened_on && closedOn < (row.opened_on as string)) throw new ReferralError('invalid', 'closedOn (结案日期) is before the plan was opened', { field: 'closedOn' });
		store.internals.get("UPDATE case_plans SET status = 'closed', closed_on = ?, close_reason = ?, updated_at = ? WHERE id = ?").run(closedOn, reason, now, id);
		return { outcome: 'updated' as const, plan: toPlan(store.internals.get(`${PLAN_SELECT} WHERE c.id = ?`).get(id) as Row), patientRowId: Number(row.patient_id), warnings: [] };
	});
}

/** Plans of a patient, newest first. */
export function plansOf(store: RegistryStore, patientRowId: number): CasePlan[] {
	return (store.internals.get(`${PLAN_SELECT} WHERE c.patient_id = ? ORDER BY c.created_at DESC, c.id DESC`).all(patientRowId) as Row[]).map(toPlan);
}

export interface MissingPlan {
	patientNo: string;
	patientRowId: number;
	name: string;
	township: string;
	riskLevel: number | null;
	classification: string | null;
	lastFollowUpDate: string | null;
	nextFollowUpDate: string | null;
	/** A pending task waiting for its team, if any. */
	pendingPlanNo: string | null;
	pendingDueOn: string | null;
}

/**
 * Active patients who are unstable (or, with `minRiskLevel`, at that level or above) and have no plan in
 * force: a pending task does not count. Township order, then 患者编号.
 */
export function listMissingPlans(store: RegistryStore, filter: { township?: string; minRiskLevel?: number | null } = {}): MissingPlan[] {
	const args: Array<string | number> = [];
	let where = "p.status = 'active' AND (p.classification = 'unstable'";
	if (filter.minRiskLevel !== undefined && filter.minRiskLevel !== null) {
		where += ' OR p.risk_level >= ?';
		args.push(filter.minRiskLevel);
	}
	where += ')';
	if (filter.township) {
		where += ' AND p.township = ?';
		args.push(filter.township);
	}
	const rows = store.read(
		() =>
			store.internals
				.get(
					`SELECT p.id, p.patient_no, p.name, p.township, p.risk_level, p.classification, p.last_follow_up_date, p.next_follow_up_date,
					c.plan_no AS pending_no, c.due_on AS pending_due
					FROM patients p LEFT JOIN case_plans c ON c.patient_id = p.id AND c.status = 'pending'
					WHERE ${where} AND NOT EXISTS (SELECT 1 FROM case_plans a WHERE a.patient_id = p.id AND a.status = 'active')`,
				)
				.all(...args) as Row[],
	);
	return rows
		.map((r) => ({
			patientNo: r.patient_no as string,
			patientRowId: Number(r.id),
			name: r.name as string,
			township: (r.township as string | null)?.trim() || UNASSIGNED_TOWNSHIP,
			riskLevel: r.risk_level === null ? null : Number(r.risk_level),
			classification: (r.classification as string) ?? null,
			lastFollowUpDate: (r.last_follow_up_date as string) ?? null,
			nextFollowUpDate: (r.next_follow_up_date as string) ?? null,
			pendingPlanNo: (r.pending_no as string) ?? null,
			pendingDueOn: (r.pending_due as string) ?? null,
		}))
		.sort((a, b) => compareTownships(a.township, b.township) || (a.patientNo < b.patientNo ? -1 : a.patientNo > b.patientNo ? 1 : 0));
}

/**
 * Whether the registry keeps case management at all, and the days each patient's plans were in force:
 * patient row id → [opened, closed or null] intervals. Null when no plan was ever opened (the
 * 个案管理率 is then unknown, not 0).
 */
export function planIntervals(store: RegistryStore): Map<number, Array<[string, string | null]>> | null {
	const rows = store.internals.arrays("SELECT patient_id, opened_on, closed_on FROM case_plans WHERE opened_on IS NOT NULL").all() as unknown as unknown[][];
	if (rows.length === 0) return null;
	const out = new Map<number, Array<[string, string | null]>>();
	for (const r of rows) {
		const id = Number(r[0]);
		let list = out.get(id);
		if (!list) out.set(id, (list = []));
		list.push([r[1] as string, (r[2] as string) ?? null]);
	}
	return out;
}

/** In force on `day`: opened on or before it and not closed by then. */
export function inForce(intervals: Array<[string, string | null]> | undefined, day: string): boolean {
	return !!intervals?.some(([opened, closed]) => opened <= day && (closed === null || closed > day));
}
