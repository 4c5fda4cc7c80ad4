/**
 * What the quarterly indicators and the meeting's action list read from the embedded registry: the
 * patients and their follow-ups in one merged pass (the follow-ups from a covering index), the
 * per-patient facts streaming into the fold of lib/indicators.ts, for a quarter and the one before at once.
 */
import { addInterval } from '../dates';
import {
	ACTION_CATEGORIES,
	IndicatorAccumulator,
	indicatorsFromTallies,
	previousPeriod,
	type ActionCategory,
	type ActionItem,
	type ComputeInput,
	type IndicatorPeriod,
	type IndicatorResult,
	type PatientFacts,
} from '../indicators';
import { compareTownships, UNASSIGNED_TOWNSHIP } from '../townships';
import type { Classification, ManagementStatus, Medication } from '../vocabulary';
import { inForce, planIntervals } from './casePlans';
import type { RegistryStore } from './store';

/** The patients, in row-id order: what the indicators need of each. */
const PATIENTS_SQL = 'SELECT id, township, status, registered_on, diagnosis, last_health_check FROM patients ORDER BY id';

/**
 * The follow-ups of the windows, in patient and date order: the follow_ups_facts index holds every
 * column read here in that order, so this is one sequential scan of the index, no table row touched.
 */
const FOLLOW_UPS_SQL = `SELECT patient_id, follow_up_date, form, risk_level, COALESCE(recorded_classification, classification), medication, hospitalised
	FROM follow_ups INDEXED BY follow_ups_facts WHERE follow_up_date >= ? AND follow_up_date <= ? ORDER BY patient_id, follow_up_date`;

export interface FactsWindow {
	from: string;
	asOf: string;
}

/**
 * Call `fn(k, facts)` for every patient of the registry and each window k: one pass over the
 * patients and one over the follow-ups of all the windows (a quarter and the one before share most of
 * them), merged by patient. The follow-ups of a patient arrive in date order, so the last one seen in
 * a window is its latest there.
 */
export function forEachIndicatorFactsOf(store: RegistryStore, windows: FactsWindow[], fn: (window: number, f: PatientFacts) => void): void {
	if (windows.length === 0) return;
	const from = windows.reduce((m, w) => (w.from < m ? w.from : m), windows[0].from);
	const to = windows.reduce((m, w) => (w.asOf > m ? w.asOf : m), windows[0].asOf);
	store.read(() => {
		// Null when the registry has never had a case-management plan: the rate is then unknown, not 0.
		const plans = planIntervals(store);
		const followUps = (store.internals.arrays(FOLLOW_UPS_SQL).iterate(from, to) as IterableIterator<unknown[]>)[Symbol.iterator]();
		let next = followUps.next();
		const facts = windows.map(() => ({ n: 0, mask: 0, f2f: false, last: null as unknown[] | null }));
		for (const p of store.internals.arrays(PATIENTS_SQL).iterate() as Iterable<unknown[]>) {
			const id = Number(p[0]);
			for (const f of facts) {
				f.n = 0;
				f.mask = 0;
				f.f2f = false;
				f.last = null;
			}
			// Follow-ups of patients no longer in the registry cannot exist (a foreign key), but skip any before this id.
			while (!next.done && Number(next.value[0]) < id) next = followUps.next();
			while (!next.done && Number(next.value[0]) === id) {
				const r = next.value;
				const day = r[1] as string;
				for (let k = 0; k < windows.length; k++) {
					if (day < windows[k].from || day > windows[k].asOf) continue;
					const f = facts[k];
					f.n++;
					f.mask |= 1 << (Math.floor((Number(day.slice(5, 7)) - 1) / 3));
					if (r[2] === 'clinic' || r[2] === 'home') f.f2f = true;
					f.last = r;
				}
				next = followUps.next();
			}
			for (let k = 0; k < windows.length; k++) {
				const f = facts[k];
				const last = f.last;
				fn(k, {
					rowId: id,
					township: p[1] as string | null,
					status: p[2] as ManagementStatus,
					registeredOn: p[3] as string | null,
					diagnosis: p[4] as string | null,
					lastHealthCheck: p[5] as string | null,
					followUps: f.n,
					quarterMask: f.mask,
					faceToFace: f.f2f,
					last: last
						? {
								date: last[1] as string,
								riskLevel: Number(last[3]),
								classification: last[4] as Classification,
								medication: last[5] as Medication | null,
								hospitalised: Number(last[6] ?? 0) === 1,
							}
						: null,
					caseManaged: plans === null ? null : inForce(plans.get(id), windows[k].asOf),
				});
			}
		}
	});
}

/** Call `fn` with the facts of every patient in the registry for the window `from`..`asOf`. */
export function forEachIndicatorFacts(store: RegistryStore, from: string, asOf: string, fn: (f: PatientFacts) => void): void {
	forEachIndicatorFactsOf(store, [{ from, asOf }], (_k, f) => fn(f));
}

/**
 * The indicators of a period from the registry, with the previous quarter's figures for the change
 * (unless `previous: false`).
 */
export function registryIndicators(store: RegistryStore, input: ComputeInput & { previous?: boolean }): IndicatorResult {
	const started = Date.now();
	const current = new IndicatorAccumulator(input.period);
	const previous = input.previous === false ? null : new IndicatorAccumulator(previousPeriod(input.period));
	const folds = previous ? [current, previous] : [current];
	forEachIndicatorFactsOf(store, folds.map((a) => ({ from: a.period.from, asOf: a.period.asOf })), (k, f) => folds[k].add(f));
	return indicatorsFromTallies(current, previous, input, started);
}

/** Earlier quarters of the same kind, oldest first: for the trend chart. */
export function registryIndicatorHistory(store: RegistryStore, period: IndicatorPeriod, quarters: number, input: Omit<ComputeInput, 'period'>): IndicatorResult[] {
	const out: IndicatorResult[] = [];
	let p = period;
	for (let i = 0; i < quarters; i++) {
		p = previousPeriod(p);
		out.unshift(registryIndicators(store, { ...input, period: p, previous: false }));
	}
	return out;
}

export interface ActionListOptions {
	/** 责任人 per township (the township's 精防专干); missing townships get an empty cell to fill in at the meeting. */
	responsibles?: Record<string, string>;
	/** Days from the as-of day to the due date, per category. Defaults: overdue 7, lost 30, unstable without case management 14. */
	dueDays?: Partial<Record<ActionCategory, number>>;
	/** Patients listed per township (all are counted in `summary`). Default 500. */
	maxPerTownship?: number;
}

export const DEFAULT_ACTION_DUE_DAYS: Record<ActionCategory, number> = { followup_overdue: 7, lost: 30, unstable_no_case_management: 14 };

export const ACTION_TEXT: Record<ActionCategory, string> = {
	followup_overdue: '补做随访（面访为主），完成危险性评估和病情分类',
	lost: '会同派出所、村（居）委会查找下落，核实去向后更新管理状态',
	unstable_no_case_management: '纳入个案管理，由乡镇精防专干、民警、村干部和监护人组成管理小组，制订个案管理计划',
};

export interface ActionList {
	items: ActionItem[];
	/** Per township: how many patients each category holds (all of them) and how many are listed. */
	summary: Array<{ township: string } & Record<ActionCategory, number> & { listed: number }>;
	/** Internal row ids of the patients listed (for the audit trail: the list names them). */
	patientRowIds: number[];
}

const DAY_MS = 86_400_000;

/**
 * The meeting's action list from the registry at `asOf`: active patients whose next follow-up is
 * before the as-of day (or who were never followed up), lost patients, and unstable patients without
 * a case-management plan in force on the as-of day (every unstable patient while the registry has
 * never had a plan). One entry per patient, its most pressing category (unstable, then overdue, then lost),
 * ordered by township, category, due date and days overdue.
 */
export function registryActionList(store: RegistryStore, asOf: string, options: ActionListOptions = {}): ActionList {
	const due = { ...DEFAULT_ACTION_DUE_DAYS, ...(options.dueDays ?? {}) };
	const max = options.maxPerTownship ?? 500;
	const { rows, plans } = store.read(() => ({
		rows: store.internals
			.arrays(`SELECT patient_no, name, id_number, township, status, risk_level, classification, last_follow_up_date, next_follow_up_date, id
				FROM patients WHERE (status = 'active' AND (classification = 'unstable' OR next_follow_up_date IS NULL OR next_follow_up_date < ?))
					OR status = 'lost'`)
			.all(asOf) as unknown as unknown[][],
		plans: planIntervals(store),
	}));
	const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
	const rowIdOf = new Map<ActionItem, number>();
	const items: ActionItem[] = [];
	for (const r of rows) {
		const status = r[4] as ManagementStatus;
		const classification = r[6] as Classification | null;
		const next = r[8] as string | null;
		const overdue = next === null || next < asOf;
		// An unstable patient with a case-management plan in force is listed only when overdue.
		const managed = classification === 'unstable' && plans !== null && inForce(plans.get(Number(r[9])), asOf);
		if (status !== 'lost' && managed && !overdue) continue;
		const category: ActionCategory = status === 'lost' ? 'lost' : classification === 'unstable' && !managed ? 'unstable_no_case_management' : 'followup_overdue';
		const township = (r[3] as string | null)?.trim() || UNASSIGNED_TOWNSHIP;
		const item: ActionItem = {
			township,
			category,
			categoryLabel: ACTION_CATEGORIES[category],
			patientNo: r[0] as string,
			name: r[1] as string,
			idNumber: r[2] as string | null,
			riskLevel: r[5] === null ? null : Number(r[5]),
			classification,
			lastFollowUpDate: r[7] as string | null,
			nextFollowUpDate: next,
			daysOverdue: category !== 'lost' && next && next < asOf ? Math.round((asOfMs - Date.parse(`${next}T00:00:00Z`)) / DAY_MS) : null,
			action: ACTION_TEXT[category],
			responsible: options.responsibles?.[township] ?? '',
			dueDate: addInterval(asOf, { days: due[category] }),
		};
		rowIdOf.set(item, Number(r[9]));
		items.push(item);
	}
	const order: ActionCategory[] = ['unstable_no_case_management', 'followup_overdue', 'lost'];
	items.sort(
		(a, b) =>
			compareTownships(a.township, b.township) ||
			order.indexOf(a.category) - order.indexOf(b.category) ||
			(a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0) ||
			(b.daysOverdue ?? 0) - (a.daysOverdue ?? 0) ||
			(a.patientNo < b.patientNo ? -1 : 1),
	);
	const summary = new Map<string, ActionList['summary'][number]>();
	const listed: ActionItem[] = [];
	for (const item of items) {
		let s = summary.get(item.township);
		if (!s) summary.set(item.township, (s = { township: item.township, followup_overdue: 0, lost: 0, unstable_no_case_management: 0, listed: 0 }));
		s[item.category]++;
		if (s.listed < max) {
			s.listed++;
			listed.push(item);
		}
	}
	return { items: listed, summary: [...summary.values()], patientRowIds: listed.map((i) => rowIdOf.get(i) as number) };
}
