/**
 * What the quarterly indicators and the meeting's action list read from the embedded registry.
 * Follow-ups are aggregated per patient in SQL (one pass over the window's follow-ups), and the
 * per-patient facts stream into the fold of lib/indicators.ts.
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
import { UNASSIGNED_TOWNSHIP } from '../reports';
import type { Classification, ManagementStatus, Medication } from '../vocabulary';
import type { RegistryStore } from './store';

/**
 * Bare columns next to the one MAX() take their values from the row holding the maximum (SQLite's
 * documented rule for a query with a single min/max aggregate): the last follow-up's fields. The
 * quarters covered are a bit mask (bit q-1 for quarter q). The follow_ups_facts index holds every
 * column read here, so the scan touches no table row.
 */
const FACTS_SQL = `SELECT p.id, p.township, p.status, p.registered_on, p.diagnosis, p.last_health_check,
		f.n, f.quarters, f.f2f, f.last_date, f.risk_level, f.cls, f.medication, f.hospitalised
	FROM patients p LEFT JOIN (
		SELECT patient_id, COUNT(*) AS n,
			(SUM(substr(follow_up_date, 6, 2) <= '03') > 0) + 2 * (SUM(substr(follow_up_date, 6, 2) BETWEEN '04' AND '06') > 0)
				+ 4 * (SUM(substr(follow_up_date, 6, 2) BETWEEN '07' AND '09') > 0) + 8 * (SUM(substr(follow_up_date, 6, 2) >= '10') > 0) AS quarters,
			SUM(form IN ('clinic', 'home')) AS f2f,
			MAX(follow_up_date) AS last_date, risk_level, COALESCE(recorded_classification, classification) AS cls, medication, hospitalised
		FROM follow_ups WHERE follow_up_date >= ? AND follow_up_date <= ? GROUP BY patient_id
	) f ON f.patient_id = p.id`;

/** Call `fn` with the facts of every patient in the registry for the window `from`..`asOf`. */
export function forEachIndicatorFacts(store: RegistryStore, from: string, asOf: string, fn: (f: PatientFacts) => void): void {
	store.read(() => {
		const st = store.internals.arrays(FACTS_SQL);
		for (const r of st.iterate(from, asOf) as Iterable<unknown[]>) {
			const n = r[6] === null ? 0 : Number(r[6]);
			fn({
				rowId: Number(r[0]),
				township: r[1] as string | null,
				status: r[2] as ManagementStatus,
				registeredOn: r[3] as string | null,
				diagnosis: r[4] as string | null,
				lastHealthCheck: r[5] as string | null,
				followUps: n,
				quarterMask: n ? Number(r[7]) : 0,
				faceToFace: n ? Number(r[8]) > 0 : false,
				last: n
					? {
							date: r[9] as string,
							riskLevel: Number(r[10]),
							classification: r[11] as Classification,
							medication: r[12] as Medication | null,
							hospitalised: Number(r[13] ?? 0) === 1,
						}
					: null,
				// The registry keeps no case-management plans yet: unknown, never "none".
				caseManaged: null,
			});
		}
	});
}

/**
 * The indicators of a period from the registry, with the previous quarter's figures for the change
 * (unless `previous: false`).
 */
export function registryIndicators(store: RegistryStore, input: ComputeInput & { previous?: boolean }): IndicatorResult {
	const started = Date.now();
	const current = new IndicatorAccumulator(input.period);
	forEachIndicatorFacts(store, input.period.from, input.period.asOf, (f) => current.add(f));
	let previous: IndicatorAccumulator | null = null;
	if (input.previous !== false) {
		previous = new IndicatorAccumulator(previousPeriod(input.period));
		forEachIndicatorFacts(store, previous.period.from, previous.period.asOf, (f) => previous!.add(f));
	}
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
 * case management (the registry keeps no case-management plans yet, so every unstable patient is
 * listed). One entry per patient, its most pressing category (unstable, then overdue, then lost),
 * ordered by township, category, due date and days overdue.
 */
export function registryActionList(store: RegistryStore, asOf: string, options: ActionListOptions = {}): ActionList {
	const due = { ...DEFAULT_ACTION_DUE_DAYS, ...(options.dueDays ?? {}) };
	const max = options.maxPerTownship ?? 500;
	const rows = store.read(
		() =>
			store.internals
				.arrays(`SELECT patient_no, name, id_number, township, status, risk_level, classification, last_follow_up_date, next_follow_up_date, id
				FROM patients WHERE (status = 'active' AND (classification = 'unstable' OR next_follow_up_date IS NULL OR next_follow_up_date < ?))
					OR status = 'lost'`)
				.all(asOf) as unknown as unknown[][],
	);
	const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
	const rowIdOf = new Map<ActionItem, number>();
	const items: ActionItem[] = rows.map((r) => {
		const status = r[4] as ManagementStatus;
		const classification = r[6] as Classification | null;
		const next = r[8] as string | null;
		const category: ActionCategory = status === 'lost' ? 'lost' : classification === 'unstable' ? 'unstable_no_case_management' : 'followup_overdue';
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
		return item;
	});
	const order: ActionCategory[] = ['unstable_no_case_management', 'followup_overdue', 'lost'];
	items.sort(
		(a, b) =>
			(a.township === b.township ? 0 : a.township === UNASSIGNED_TOWNSHIP ? 1 : b.township === UNASSIGNED_TOWNSHIP ? -1 : a.township.localeCompare(b.township, 'zh')) ||
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
