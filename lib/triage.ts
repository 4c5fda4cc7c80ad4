/**
 * Police-issued list triage (市公安局下发的纳管名单处置, DESIGN.md §6). Every row of the list ends in
 * exactly one of seven categories, in input order, with an action, the township responsible, a
 * priority and a due date from a configurable policy. Counts always reconcile with the input.
 */
import { z } from 'zod';
import { addInterval, normalizeDay, parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { matchColumns } from './tabular';
import { Matcher, type MatchCandidate, type MatchResult, type MatchSource, type MatchStatus } from './matching';
import { DEFAULT_RISK_POLICY } from './risk';
import type { Patient } from './registry/store';
import type { Classification } from './vocabulary';

export const TRIAGE_CATEGORIES = {
	managed: '在管',
	followup_overdue: '随访逾期',
	lost: '失访',
	closed: '死亡/迁出',
	new_clue: '未登记线索',
	review: '人工核对',
	invalid: '信息不足',
} as const;
export type TriageCategory = keyof typeof TRIAGE_CATEGORIES;

/** Default action per category (DESIGN.md §6), in Chinese for the task lists. */
export const TRIAGE_ACTIONS: Record<TriageCategory, string> = {
	managed: '确认在管，向公安反馈“已在管”',
	followup_overdue: '乡镇精防专干限期完成随访（含危险性评估）',
	lost: '与辖区派出所联合查找，落实管理',
	closed: '向公安反馈死亡/迁出状态',
	new_clue: '开展线索调查，由精神科医师复核诊断',
	review: '人工核对身份后再归类',
	invalid: '退回公安补正姓名和身份证号',
};

export type Priority = 'high' | 'normal';

export interface TriagePolicy {
	/** Days from the as-of date to the due date, per category and priority. */
	dueDays: Record<TriageCategory, { high: number; normal: number }>;
	/** Police categories (人员类别) that make a row high priority. */
	highPriorityPoliceCategories: string[];
	/** Registry risk level from which a row is high priority. */
	highPriorityMinRiskLevel: number;
	/** Follow-up interval by classification, to find overdue patients without a stored next date. */
	followUpIntervals: Record<Classification, { days?: number; months?: number }>;
	/** Grace days after the next follow-up date before a patient counts as overdue. */
	overdueGraceDays: number;
}

export const DEFAULT_TRIAGE_POLICY: TriagePolicy = {
	dueDays: {
		managed: { high: 7, normal: 30 },
		followup_overdue: { high: 3, normal: 14 },
		lost: { high: 3, normal: 7 },
		closed: { high: 7, normal: 15 },
		new_clue: { high: 3, normal: 14 },
		review: { high: 2, normal: 7 },
		invalid: { high: 3, normal: 7 },
	},
	highPriorityPoliceCategories: ['肇事肇祸'],
	highPriorityMinRiskLevel: 3,
	followUpIntervals: DEFAULT_RISK_POLICY.intervals,
	overdueGraceDays: 0,
};

const days = z.number().int().min(0).max(365);
const policySchema = z.object({
	dueDays: z.object(
		Object.fromEntries(Object.keys(TRIAGE_CATEGORIES).map((c) => [c, z.object({ high: days, normal: days })])) as Record<
			TriageCategory,
			z.ZodObject<{ high: typeof days; normal: typeof days }>
		>,
	),
	highPriorityPoliceCategories: z.array(z.string()),
	highPriorityMinRiskLevel: z.number().int().min(0).max(6),
	followUpIntervals: z.object({
		stable: z.object({ days: days.optional(), months: z.number().int().min(0).max(12).optional() }),
		basically_stable: z.object({ days: days.optional(), months: z.number().int().min(0).max(12).optional() }),
		unstable: z.object({ days: days.optional(), months: z.number().int().min(0).max(12).optional() }),
	}),
	overdueGraceDays: days,
});

export type TriagePolicyInput = Partial<Omit<TriagePolicy, 'dueDays'>> & { dueDays?: Partial<TriagePolicy['dueDays']> };

export function resolveTriagePolicy(input: TriagePolicyInput = {}): TriagePolicy {
	const merged = {
		...DEFAULT_TRIAGE_POLICY,
		...input,
		dueDays: { ...DEFAULT_TRIAGE_POLICY.dueDays, ...(input.dueDays ?? {}) },
		followUpIntervals: { ...DEFAULT_TRIAGE_POLICY.followUpIntervals, ...(input.followUpIntervals ?? {}) },
	};
	const parsed = policySchema.safeParse(merged);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const field = `policy.${issue.path.join('.')}`;
		throw new SmdInputError(field, `${field} ${issue.message}`);
	}
	return parsed.data as TriagePolicy;
}

/** One row of the police list, as read from the file. */
export interface PoliceListRow {
	/** 1-based data row (input order). */
	row: number;
	/** Line in the source file, where known. */
	line?: number;
	name?: unknown;
	idNumber?: unknown;
	birthDate?: unknown;
	township?: unknown;
	policeStation?: unknown;
	/** 人员类别, e.g. 肇事肇祸. */
	policeCategory?: unknown;
}

export interface TriageResult {
	row: number;
	line: number | null;
	category: TriageCategory;
	categoryLabel: string;
	action: string;
	matchStatus: MatchStatus;
	/** Registry 患者编号 when linked, else null. */
	patientId: string | null;
	candidates: MatchCandidate[];
	/** The earlier row of the same person in this list, or null. */
	duplicateOfRow: number | null;
	priority: Priority;
	dueDate: string;
	township: string | null;
	policeStation: string | null;
	policeCategory: string | null;
	/** Registry facts used (linked patient only): status, risk, next follow-up. */
	registryStatus: string | null;
	registryRiskLevel: number | null;
	nextFollowUpDate: string | null;
	reasons: string[];
}

function text(v: unknown): string | null {
	if (v === undefined || v === null) return null;
	const s = String(v).normalize('NFKC').trim();
	return s === '' ? null : s;
}

/** The day a patient's next follow-up is due: stored, else last + interval by classification. */
export function nextFollowUpDue(p: Patient, policy: TriagePolicy): string | null {
	if (p.nextFollowUpDate) return p.nextFollowUpDate;
	if (!p.lastFollowUpDate) return null;
	const interval = policy.followUpIntervals[p.classification ?? 'stable'];
	return addInterval(p.lastFollowUpDate, interval);
}

export interface TriageOptions {
	/** The day the list is triaged (YYYY-MM-DD): due dates and overdue status count from it. */
	asOf: string;
	policy?: TriagePolicyInput;
	/** Passed to the matcher (birth dates after this day are impossible); default asOf. */
	today?: string;
}

/**
 * Triage a police list against a registry. Rows come back in input order, one result per row; a
 * bad row is category `invalid`, never an exception.
 */
export class Triage {
	readonly policy: TriagePolicy;
	private readonly matcher: Matcher;
	private readonly asOf: string;
	private readonly seen = new Map<string, number>();
	/** Internal ids of every registry patient this triage read (matched or listed as candidate), for the audit trail. */
	readonly patientsRead = new Set<number>();

	constructor(source: MatchSource, options: TriageOptions) {
		if (!parseIsoDay(options.asOf)) throw new SmdInputError('asOf', 'asOf must be a real date written YYYY-MM-DD');
		this.asOf = options.asOf;
		this.policy = resolveTriagePolicy(options.policy);
		this.matcher = new Matcher(source, { today: options.today ?? options.asOf });
	}

	/** Triage one row; call in input order so duplicates point at their first row. */
	triageRow(input: PoliceListRow): TriageResult {
		const birthDate = input.birthDate === undefined ? null : normalizeDay(input.birthDate);
		const m: MatchResult = this.matcher.match({ name: input.name, idNumber: input.idNumber, birthDate });
		const reasons = [...m.reasons];
		if (m.patient) this.patientsRead.add(m.patient.id);
		for (const c of m.candidatePatients) this.patientsRead.add(c.id);
		const policeCategory = text(input.policeCategory);
		const policeStation = text(input.policeStation);

		// Duplicates: the same valid ID, else the same usable name and birth date, else the same name alone.
		const keys: string[] = [];
		if (m.idNumber) keys.push(`id:${m.idNumber}`);
		if (m.nameKey && m.birthDate) keys.push(`nb:${m.nameKey}:${m.birthDate}`);
		if (m.nameKey && !m.idNumber && !m.birthDate) keys.push(`n:${m.nameKey}`);
		let duplicateOfRow: number | null = null;
		for (const k of keys) {
			const first = this.seen.get(k);
			if (first !== undefined && duplicateOfRow === null) duplicateOfRow = first;
		}
		for (const k of keys) if (!this.seen.has(k)) this.seen.set(k, input.row);
		if (duplicateOfRow !== null) reasons.push(`与第${duplicateOfRow}行为同一人员（名单内重复）`);

		let category: TriageCategory;
		let nextDue: string | null = null;
		const p = m.patient;
		if (m.matchStatus === 'matched' && p) {
			switch (p.status) {
				case 'active': {
					nextDue = nextFollowUpDue(p, this.policy);
					const overdueFrom = nextDue ? addInterval(nextDue, { days: this.policy.overdueGraceDays }) : null;
					if (!overdueFrom || overdueFrom < this.asOf) {
						category = 'followup_overdue';
						reasons.push(nextDue ? `应于${nextDue}随访，截至${this.asOf}已逾期` : '登记库中无随访记录');
					} else {
						category = 'managed';
						reasons.push(`在管，下次随访${nextDue}`);
					}
					break;
				}
				case 'lost':
					category = 'lost';
					reasons.push('登记库中为失访患者');
					break;
				case 'refused':
					// Not one of DESIGN.md's rows: a refusing patient needs the police station too.
					category = 'lost';
					reasons.push('登记库中为拒绝管理患者：与派出所联合上门落实管理');
					break;
				case 'deceased':
					category = 'closed';
					reasons.push('登记库中已死亡');
					break;
				case 'moved_out':
					category = 'closed';
					reasons.push('登记库中已迁出');
					break;
			}
		} else if (m.matchStatus === 'probable' || m.matchStatus === 'ambiguous') {
			category = 'review';
		} else if (m.matchStatus === 'unmatched') {
			category = 'new_clue';
		} else {
			category = 'invalid';
		}

		const riskSource = p ?? (m.candidatePatients.length === 1 ? m.candidatePatients[0] : null);
		const risk = riskSource?.riskLevel ?? null;
		const highByPolice = policeCategory !== null && this.policy.highPriorityPoliceCategories.includes(policeCategory);
		const highByRisk = risk !== null && risk >= this.policy.highPriorityMinRiskLevel;
		const priority: Priority = highByPolice || highByRisk ? 'high' : 'normal';
		if (highByPolice) reasons.push(`公安人员类别为${policeCategory}：优先处置`);
		if (highByRisk) reasons.push(`登记库危险性评估${risk}级：优先处置`);

		const dueDate = addInterval(this.asOf, { days: this.policy.dueDays[category][priority] });
		return {
			row: input.row,
			line: input.line ?? null,
			category,
			categoryLabel: TRIAGE_CATEGORIES[category],
			action: TRIAGE_ACTIONS[category],
			matchStatus: m.matchStatus,
			patientId: m.patientId,
			candidates: m.candidates,
			duplicateOfRow,
			priority,
			dueDate,
			township: p?.township ?? text(input.township),
			policeStation,
			policeCategory,
			registryStatus: p?.status ?? null,
			registryRiskLevel: p?.riskLevel ?? null,
			nextFollowUpDate: nextDue,
			reasons,
		};
	}
}

/** Counts per category, checked to add up to the number of rows. */
export function countByCategory(results: Array<Pick<TriageResult, 'category'>>): Record<TriageCategory, number> & { total: number } {
	const counts = Object.fromEntries(Object.keys(TRIAGE_CATEGORIES).map((c) => [c, 0])) as Record<TriageCategory, number>;
	for (const r of results) counts[r.category]++;
	const total = Object.values(counts).reduce((a, b) => a + b, 0);
	if (total !== results.length) throw new Error(`triage counts do not reconcile: ${total} ≠ ${results.length}`);
	return { ...counts, total };
}

/** Columns of a police list: the usual header first, then accepted aliases. */
export const POLICE_COLUMNS = {
	name: ['姓名', '人员姓名', 'name'],
	idNumber: ['身份证号', '公民身份号码', '身份证号码', '证件号码', 'idNumber'],
	birthDate: ['出生日期', 'birthDate'],
	township: ['所属乡镇', '乡镇', '乡镇（街道）', '乡镇(街道)', '所属街道', 'township'],
	policeStation: ['所属派出所', '派出所', '管辖派出所', 'policeStation'],
	policeCategory: ['人员类别', '类别', '列管类别', '风险类别', 'policeCategory'],
} as const;
export type PoliceField = keyof typeof POLICE_COLUMNS;

/** Which header of the file holds each police-list field (first accepted name present). */
export function mapPoliceHeaders(headers: string[]): Partial<Record<PoliceField, string>> {
	return matchColumns(headers, POLICE_COLUMNS).fields;
}

/** A police-list row from a record keyed by the file's headers (or by the English field names). */
export function policeRowFrom(
	values: Record<string, unknown>,
	row: number,
	line?: number,
	fields: Partial<Record<PoliceField, string>> = mapPoliceHeaders(Object.keys(values)),
): PoliceListRow {
	const get = (f: PoliceField) => (fields[f] !== undefined ? values[fields[f]!] : undefined);
	return {
		row,
		line,
		name: get('name'),
		idNumber: get('idNumber'),
		birthDate: get('birthDate'),
		township: get('township'),
		policeStation: get('policeStation'),
		policeCategory: get('policeCategory'),
	};
}
