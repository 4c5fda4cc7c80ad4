/**
 * Police-issued list triage (市公安局下发的纳管名单处置, docs/rules.md §7). Every row of the list ends in
 * exactly one of seven categories, in input order, with an action, the township responsible, a
 * priority and a due date from a configurable policy. Counts always reconcile with the input.
 */
import { z } from 'zod';
import { addInterval, normalizeDay, parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { intervalSchema, parseOrThrow } from './policy';
import { headerKey, matchColumns, normalizeHeader } from './tabular';
import { Matcher, type ListRecord, type MatchCandidate, type MatchResult, type MatchSource, type MatchStatus } from './matching';
import { DEFAULT_RISK_POLICY, nextFollowUpAfter } from './risk';
import type { Patient } from './model';
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

/** Default action per category (docs/rules.md §7), in Chinese for the task lists. */
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
	followUpIntervals: z.object({ stable: intervalSchema, basically_stable: intervalSchema, unstable: intervalSchema }),
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
	return parseOrThrow(policySchema, merged, { prefix: 'policy.' }) as TriagePolicy;
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
	/** Values of further ID-number columns (a list with both 身份证号 and 公民身份号码). */
	otherIdNumbers?: unknown[];
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
	return nextFollowUpAfter(p.lastFollowUpDate, p.classification, policy.followUpIntervals);
}

export interface TriageOptions {
	/** The day the list is triaged (YYYY-MM-DD): due dates and overdue status count from it. */
	asOf: string;
	policy?: TriagePolicyInput;
	/** Passed to the matcher (birth dates after this day are impossible); default asOf. */
	today?: string;
}

/** Why these triage options cannot be used (a message naming the setting), or null. */
export function triageOptionsProblem(options: Pick<TriageOptions, 'asOf' | 'policy'>): string | null {
	try {
		if (!parseIsoDay(options.asOf)) return 'asOf must be a real date written YYYY-MM-DD';
		resolveTriagePolicy(options.policy);
		return null;
	} catch (error) {
		return (error as Error).message;
	}
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
		if (!parseIsoDay(options.asOf)) throw new SmdInputError('invalid', 'asOf must be a real date written YYYY-MM-DD', { field: 'asOf' });
		this.asOf = options.asOf;
		this.policy = resolveTriagePolicy(options.policy);
		this.matcher = new Matcher(source, { today: options.today ?? options.asOf });
	}

	/** What the matcher is given for a row (a registry that reads ahead, matchCache.ts, reads for these). */
	static recordOf(input: PoliceListRow): ListRecord {
		const birthDate = input.birthDate === undefined ? null : normalizeDay(input.birthDate);
		return { name: input.name, idNumber: input.idNumber, otherIdNumbers: input.otherIdNumbers, birthDate };
	}

	/** Triage one row; call in input order so duplicates point at their first row. */
	triageRow(input: PoliceListRow): TriageResult {
		const m: MatchResult = this.matcher.matchRecord(Triage.recordOf(input));
		const reasons = [...m.reasons];
		if (m.patient) this.patientsRead.add(m.patient.rowId);
		for (const c of m.candidatePatients) this.patientsRead.add(c.rowId);
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
					// Not in the national list of categories: a refusing patient needs the police station too (docs/rules.md §7).
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
	name: ['姓名', '人员姓名', '患者姓名', '对象姓名', '名字', 'name'],
	idNumber: [
		'身份证号', '公民身份号码', '身份证号码', '证件号码', '身份证', '证件号', '身份证件号码', '居民身份证号码', '居民身份证号',
		'公民身份证号码', '公民身份证号', '身份号码', 'idNumber',
	],
	birthDate: ['出生日期', '出生年月日', 'birthDate'],
	township: ['所属乡镇', '乡镇', '乡镇（街道）', '乡镇(街道)', '所属街道', 'township'],
	policeStation: ['所属派出所', '派出所', '管辖派出所', 'policeStation'],
	policeCategory: ['人员类别', '类别', '列管类别', '风险类别', 'policeCategory'],
} as const;
export type PoliceField = keyof typeof POLICE_COLUMNS;

/**
 * Header words that make a column someone else's (a guardian's, an officer's, the household head's),
 * or not a number at all (the address printed on the ID card, its type or validity), never the
 * person's ID number or name.
 */
const NOT_THE_PERSON = /监护|联系人|民警|警员|警号|填报|经办|负责|家属|亲属|父|母|配偶|子女|报告人|审核|户主|代理人|责任人|网格员|医生|申请人|送诊|地址|住址|户籍地|类型|有效期|签发/;
/** Headers not in the lists above that still name the person's ID number or name. */
const ID_HEADER = /身份证|证件号|身份号码|公民身份/;
const NAME_HEADER = /姓名/;

export interface PoliceColumns {
	/** The header holding each field (the first accepted name present, else a recognised variant). */
	fields: Partial<Record<PoliceField, string>>;
	/** Every header that holds the person's ID number, the one in `fields.idNumber` first. */
	idColumns: string[];
	/** Fields found only through a variant header (e.g. 身份证件号 for 身份证号), for a warning. */
	guessed: Array<'name' | 'idNumber'>;
}

/**
 * Which headers of a police list hold which field. Exact names first (`POLICE_COLUMNS`, compared
 * by `headerKey`); a header that is not listed but says 身份证/证件号/姓名 — and is not a guardian's or
 * an officer's column — is taken as the ID or name column (and reported in `guessed`). Every ID
 * column is listed in `idColumns`, so a list with two of them can be checked row by row.
 */
export function mapPoliceColumns(headers: readonly string[]): PoliceColumns {
	const { fields, unknown } = matchColumns(headers, POLICE_COLUMNS);
	const guessed: PoliceColumns['guessed'] = [];
	const looksLike = (h: string, pattern: RegExp) => pattern.test(normalizeHeader(h)) && !NOT_THE_PERSON.test(normalizeHeader(h));
	if (!fields.idNumber) {
		const h = unknown.find((x) => looksLike(x, ID_HEADER));
		if (h !== undefined) {
			fields.idNumber = h;
			guessed.push('idNumber');
		}
	}
	if (!fields.name) {
		const h = unknown.find((x) => looksLike(x, NAME_HEADER) && x !== fields.idNumber);
		if (h !== undefined) {
			fields.name = h;
			guessed.push('name');
		}
	}
	// Further ID columns only by their exact names: a look-alike header (身份证地址) is not a number.
	const aliasKeys = new Set(POLICE_COLUMNS.idNumber.map(headerKey));
	const idColumns = fields.idNumber === undefined ? [] : [fields.idNumber];
	for (const h of headers) {
		if (h === fields.idNumber || Object.values(fields).includes(h)) continue;
		if (aliasKeys.has(headerKey(h))) idColumns.push(h);
	}
	return { fields, idColumns, guessed };
}

/** Which header of the file holds each police-list field (first accepted name present). */
export function mapPoliceHeaders(headers: string[]): Partial<Record<PoliceField, string>> {
	return mapPoliceColumns(headers).fields;
}

/**
 * Why a police list cannot be triaged at all, or null when it can: it needs a name or an ID column.
 * Without either, every row would come out "信息不足" and the police would be told to correct data
 * that is fine — the file's header is the problem (missing, or a data row taken for it). The
 * message lists the accepted headers and never the file's own (they may be data).
 */
export function policeListProblem(headerSets: ReadonlyArray<readonly string[]>): string | null {
	if (headerSets.some((headers) => {
		const { fields } = mapPoliceColumns(headers);
		return fields.name !== undefined || fields.idNumber !== undefined;
	})) return null;
	return (
		'The police list has no column for the name (姓名) or the ID number (身份证号), so it cannot be triaged. ' +
		`Accepted headers — name: ${POLICE_COLUMNS.name.join('、')}; ID number: ${POLICE_COLUMNS.idNumber.join('、')}. ` +
		'If the list has no header row, add one above the data / 公安名单中没有可识别的“姓名”或“身份证号”列，无法处置；请检查表头（缺少表头时请在数据上方加一行表头）'
	);
}

/** What a registry must show before a triage can trust "not found" (see `registryTriageProblem`). */
export interface RegistryHealthSource {
	countPatients(): number;
	lastImport(): { at: string; rows: number; rejected: number } | null;
}

/**
 * Why the registry cannot be trusted for a triage, or null. An empty registry, or one whose last
 * import rejected more than half of its rows, would make registered patients look unregistered:
 * townships would be sent to register people who are already registered.
 */
export function registryTriageProblem(source: RegistryHealthSource, maxRejectedShare = 0.5): string | null {
	const patients = source.countPatients();
	if (patients === 0) {
		return 'The registry is empty, so every row would come out as unregistered (未登记线索); import the registry export first (SMD Registry → Patient → Import File) / 登记库为空，请先导入登记库';
	}
	const last = source.lastImport();
	if (last && last.rows > 0 && last.rejected / last.rows > maxRejectedShare) {
		return (
			`The registry's last import (${last.at.slice(0, 16).replace('T', ' ')} UTC) rejected ${last.rejected} of ${last.rows} rows, so most patients may be missing ` +
			'and registered people would come out as unregistered (未登记线索); correct the export (see the import report\'s errors) and import it again, ' +
			'or turn on "Triage With Incomplete Registry" / 登记库最近一次导入拒收了大部分记录，请修正后重新导入'
		);
	}
	return null;
}

/** A police-list row from a record keyed by the file's headers (or by the English field names). */
export function policeRowFrom(
	values: Record<string, unknown>,
	row: number,
	line?: number,
	columns: Partial<Record<PoliceField, string>> | PoliceColumns = mapPoliceColumns(Object.keys(values)),
): PoliceListRow {
	const full: PoliceColumns = 'idColumns' in columns && Array.isArray(columns.idColumns) ? (columns as PoliceColumns) : { fields: columns as Partial<Record<PoliceField, string>>, idColumns: [], guessed: [] };
	const fields = full.fields;
	const get = (f: PoliceField) => (fields[f] !== undefined ? values[fields[f]!] : undefined);
	const out: PoliceListRow = {
		row,
		line,
		name: get('name'),
		idNumber: get('idNumber'),
		birthDate: get('birthDate'),
		township: get('township'),
		policeStation: get('policeStation'),
		policeCategory: get('policeCategory'),
	};
	const others = full.idColumns.slice(1).map((h) => values[h]).filter((v) => v !== undefined && v !== null && String(v).trim() !== '');
	if (others.length > 0) out.otherIdNumbers = others;
	return out;
}
