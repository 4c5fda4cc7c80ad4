/**
 * The printed pack of the quarterly joint meeting (综合管理小组: 综治, 公安, 民政, 卫生健康, 残联) and
 * the files around it, all from one SMD Indicators output (an `IndicatorResult` with its action
 * list): the meeting pack 季度联席会议材料, the township ranking 乡镇排名表, the action list
 * 会议督办清单 and the 100-day catch-up plans 百日攻坚整改计划 — each an A4 HTML page set (inline
 * CSS and SVG, nothing fetched) that Chromium turns into a PDF (lib/pdf.ts) — and the ranking and
 * action list as XLSX.
 *
 * These go to other departments, so patients' names and ID numbers are masked by default
 * (docs/rules.md §8); `mask: false` gives full output where a statutory duty requires it.
 *
 * Templates: Handlebars files in templates/ rendered by `renderTemplate` (HTML escaping on). The
 * models hold display text only (numbers already formatted), so templates need no helpers. Two
 * values are inserted unescaped with a triple-stash: `css` (the `quarterly-style` template, a
 * file of the same trust as the template itself) and each chart's `svg`, built by lib/charts.ts,
 * where every user value (township names, quarter labels) is escaped by `escapeXml`.
 */
import { z } from 'zod';
import { formatIndicatorValue, indicatorChartFor, riskDistributionChart, trendChart, type TrendPoint, type RiskRow } from './charts';
import { SmdInputError } from './errors';
import { safeFileNamePart } from './fileNames';
import {
	ACTION_CATEGORIES,
	DEFAULT_INDICATOR_CONFIG,
	INDICATOR_CODES,
	INDICATOR_LABELS,
	INDICATOR_UNITS,
	type ActionCategory,
	type IndicatorCode,
} from './indicators';
import { maskIdNumber, maskName } from './mask';
import { chromiumAvailable, htmlToPdf, type PdfOptions } from './pdf';
import { zodInputError } from './policy';
import { renderTemplate } from './reports';
import { compareTownships as zhCompare, UNASSIGNED_TOWNSHIP } from './townships';
import { writeXlsx, type WriteSheet } from './tabular';
import { CLASSIFICATIONS } from './vocabulary';
import { clip, localStamp } from './printText';

// ---------------------------------------------------------------------------------------------
// Input: what the SMD Indicators node puts in its item's json

const codeEnum = z.enum(INDICATOR_CODES);
const figureSchema = z.object({ numerator: z.number(), denominator: z.number(), value: z.number().nullable() });
const indicatorsSchema = z.object(Object.fromEntries(INDICATOR_CODES.map((c) => [c, figureSchema])) as Record<IndicatorCode, typeof figureSchema>);
const countsSchema = z.object({
	registered: z.number(),
	managed: z.number(),
	byRiskLevel: z.object({ '0': z.number(), '1': z.number(), '2': z.number(), '3': z.number(), '4': z.number(), '5': z.number(), none: z.number() }),
	byClassification: z.object({ stable: z.number(), basically_stable: z.number(), unstable: z.number(), none: z.number() }),
	unstable: z.number(),
	unstableWithoutCaseManagement: z.number().nullable(),
});
const areaSchema = z.object({
	township: z.string(),
	indicators: indicatorsSchema,
	caseManagementRate: figureSchema.nullable().optional(),
	counts: countsSchema,
	score: z.number().nullable(),
	rank: z.number().nullable().optional(),
	change: z.record(codeEnum, z.number().nullable()).nullable().optional(),
	scoreChange: z.number().nullable().optional(),
	belowTarget: z.array(codeEnum),
});
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
const quarter = z.string().regex(/^\d{4}Q[1-4]$/, 'must be a quarter written like 2026Q3');
const actionItemSchema = z.object({
	township: z.string(),
	category: z.enum(Object.keys(ACTION_CATEGORIES) as [ActionCategory, ...ActionCategory[]]),
	patientNo: z.string(),
	name: z.string(),
	idNumber: z.string().nullable(),
	riskLevel: z.number().nullable(),
	classification: z.enum(Object.keys(CLASSIFICATIONS) as [keyof typeof CLASSIFICATIONS, ...Array<keyof typeof CLASSIFICATIONS>]).nullable(),
	lastFollowUpDate: z.string().nullable(),
	nextFollowUpDate: z.string().nullable(),
	daysOverdue: z.number().nullable(),
	action: z.string(),
	responsible: z.string(),
	dueDate: z.string(),
});

export const quarterlyInputSchema = z.object({
	quarter,
	from: day,
	asOf: day,
	previous: z.object({ quarter, from: day, asOf: day }).nullable().optional(),
	config: z.object({
		targets: z.object(Object.fromEntries(INDICATOR_CODES.map((c) => [c, z.number()])) as Record<IndicatorCode, z.ZodNumber>),
		catchUpIndicators: z.array(codeEnum).optional(),
		caseManagementTarget: z.number().optional(),
	}),
	areas: z.array(areaSchema),
	county: areaSchema.extend({ township: z.string().optional() }),
	top: z.array(z.string()),
	bottom: z.array(z.string()),
	catchUp: z.array(z.object({ township: z.string(), indicators: z.array(codeEnum) })),
	actionList: z.array(actionItemSchema),
	/**
	 * Per township, every patient in each category (SMD Indicators lists at most a set number per
	 * township in `actionList`): the summary counts come from here when it is given.
	 */
	actionSummary: z
		.array(z.object({ township: z.string(), followup_overdue: z.number(), lost: z.number(), unstable_no_case_management: z.number(), listed: z.number() }))
		.optional(),
	/** Earlier quarters, oldest first, for the trend chart. */
	history: z.array(z.object({ quarter: z.string(), county: z.object({ indicators: z.record(codeEnum, figureSchema) }) })).optional(),
});

/** An SMD Indicators output: `IndicatorResult` (or its `indicatorsJson` form) with `actionList` and optional `history`. */
export type QuarterlyInput = z.infer<typeof quarterlyInputSchema>;
type Area = QuarterlyInput['areas'][number];
type County = QuarterlyInput['county'];
type ActionRecord = QuarterlyInput['actionList'][number];

/**
 * The input of the quarterly reports, checked. Throws SmdInputError naming the first missing or
 * wrong field (`areas.0.indicators.managementRate`), never its value.
 */
export function parseQuarterlyInput(json: unknown): QuarterlyInput {
	const parsed = quarterlyInputSchema.safeParse(json);
	if (parsed.success) return parsed.data;
	const e = zodInputError(parsed.error, { fallback: 'json' });
	throw new SmdInputError(e.code, `the input is not an SMD Indicators output: ${e.message}`, { field: e.field });
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** '+2.1' percentage points for a rate, '+0.12‰' for the prevalence, '—' for none. */
export function formatChange(change: number | null | undefined, unit: '%' | '‰'): string {
	if (change === null || change === undefined || !Number.isFinite(change)) return '—';
	const v = unit === '‰' ? change : change * 100;
	const digits = unit === '‰' ? 2 : 1;
	const rounded = Number(v.toFixed(digits));
	const textValue = Math.abs(rounded).toFixed(digits);
	if (rounded === 0) return `±${textValue}${unit === '‰' ? '‰' : ''}`;
	return `${rounded > 0 ? '+' : '−'}${textValue}${unit === '‰' ? '‰' : ''}`;
}

function formatScore(score: number | null | undefined): string {
	return score === null || score === undefined ? '—' : score.toFixed(1);
}

function formatScoreChange(change: number | null | undefined): string {
	if (change === null || change === undefined) return '—';
	const r = Number(change.toFixed(1));
	return r === 0 ? '±0.0' : `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(1)}`;
}

/** '2026年第3季度' from '2026Q3'. */
export function quarterLabel(q: string): string {
	const m = /^(\d{4})Q([1-4])$/.exec(q);
	return m ? `${m[1]}年第${m[2]}季度` : q;
}



// ---------------------------------------------------------------------------------------------
// Models

export interface QuarterlyOptions {
	/** The county's name, on titles and covers. Default '本县'. */
	county?: string;
	/** Replaces the report's default title. */
	title?: string;
	/** Mask patients' names and ID numbers (default true: these reports leave the health department). */
	mask?: boolean;
	/** The time printed as "generated at" (default now). */
	now?: Date;
	/** Indicators drawn as per-township bar charts in the pack (default the catch-up indicators). */
	chartIndicators?: IndicatorCode[];
	/** Indicators of the trend chart (default charts.DEFAULT_TREND_CODES). */
	trendIndicators?: IndicatorCode[];
	/**
	 * Patients the pack prints per township, the most pressing first (default 20): a meeting reads the
	 * counts and the urgent cases; the action list report holds every patient.
	 */
	packActionsPerTownship?: number;
}

export type QuarterlyReportKind = 'quarterlyPack' | 'rankingTable' | 'actionList' | 'catchUpPlan';

const DEFAULT_TITLES: Record<QuarterlyReportKind, string> = {
	quarterlyPack: '严重精神障碍患者管理工作季度联席会议材料',
	rankingTable: '严重精神障碍患者管理指标乡镇排名表',
	actionList: '严重精神障碍患者管理会议督办清单',
	catchUpPlan: '严重精神障碍患者管理百日攻坚整改计划',
};

export interface ReportHeader {
	title: string;
	county: string;
	quarter: string;
	quarterLabel: string;
	from: string;
	asOf: string;
	previousQuarter: string | null;
	generatedAt: string;
	masked: boolean;
}

function header(kind: QuarterlyReportKind, input: QuarterlyInput, options: QuarterlyOptions): ReportHeader {
	const county = clip(options.county?.trim() || '本县', 40);
	return {
		title: clip(options.title?.trim() || `${county}${DEFAULT_TITLES[kind]}`, 120),
		county,
		quarter: input.quarter,
		quarterLabel: quarterLabel(input.quarter),
		from: input.from,
		asOf: input.asOf,
		previousQuarter: input.previous ? quarterLabel(input.previous.quarter) : null,
		generatedAt: localStamp(options.now ?? new Date()),
		masked: options.mask !== false,
	};
}

export interface ValueCell {
	text: string;
	below: boolean;
}

function valueCell(area: Area | County, code: IndicatorCode, targets: Record<IndicatorCode, number>): ValueCell {
	const v = area.indicators[code].value;
	return { text: formatIndicatorValue(v, INDICATOR_UNITS[code]), below: v !== null && v < targets[code] - 1e-12 };
}

const INDICATOR_HEADERS = INDICATOR_CODES.map((c) => ({ code: c, label: INDICATOR_LABELS[c], unit: INDICATOR_UNITS[c] }));

export interface RankingRow {
	rank: string;
	township: string;
	score: string;
	scoreChange: string;
	cells: ValueCell[];
	belowCount: number;
	top: boolean;
	bottom: boolean;
}

/** Areas in rank order, unranked ones (no township, no score) last by name. */
function rankedAreas(input: QuarterlyInput): Area[] {
	return [...input.areas].sort((a, b) => {
		const ra = a.rank ?? null;
		const rb = b.rank ?? null;
		if (ra !== rb) return ra === null ? 1 : rb === null ? -1 : ra - rb;
		return zhCompare(a.township, b.township);
	});
}

function rankingRows(input: QuarterlyInput): RankingRow[] {
	const top = new Set(input.top);
	const bottom = new Set(input.bottom);
	return rankedAreas(input).map((a) => ({
		rank: a.rank === null || a.rank === undefined ? '—' : String(a.rank),
		township: clip(a.township, 40),
		score: formatScore(a.score),
		scoreChange: formatScoreChange(a.scoreChange),
		cells: INDICATOR_CODES.map((c) => valueCell(a, c, input.config.targets)),
		belowCount: a.belowTarget.length,
		top: top.has(a.township),
		bottom: bottom.has(a.township),
	}));
}

export interface ActionRow {
	no: number;
	township: string;
	category: string;
	patientNo: string;
	name: string;
	idNumber: string;
	riskLevel: string;
	classification: string;
	lastFollowUpDate: string;
	nextFollowUpDate: string;
	daysOverdue: string;
	action: string;
	responsible: string;
	dueDate: string;
}

const CATEGORY_ORDER = Object.keys(ACTION_CATEGORIES) as ActionCategory[];

/** The action list in meeting order: township, category, due date, patient number. */
export function sortActions(list: ActionRecord[]): ActionRecord[] {
	return [...list].sort(
		(a, b) =>
			zhCompare(a.township, b.township) ||
			CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) ||
			(a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0) ||
			(a.patientNo < b.patientNo ? -1 : a.patientNo > b.patientNo ? 1 : 0),
	);
}

/** An action item with identifiers masked unless `mask` is false; `clipText` shortens text for print. */
function actionRow(a: ActionRecord, no: number, mask: boolean, clipText: boolean): ActionRow {
	const c = (t: string | null, max: number) => (clipText ? clip(t, max) : (t ?? ''));
	return {
		no,
		township: c(a.township, 40),
		category: ACTION_CATEGORIES[a.category],
		patientNo: c(a.patientNo, 30),
		name: mask ? maskName(a.name) : c(a.name, 30),
		idNumber: (mask ? maskIdNumber(a.idNumber ?? '') : c(a.idNumber, 30)) || '—',
		riskLevel: a.riskLevel === null ? '—' : `${a.riskLevel}级`,
		classification: a.classification ? CLASSIFICATIONS[a.classification] : '—',
		lastFollowUpDate: c(a.lastFollowUpDate, 10) || '—',
		nextFollowUpDate: c(a.nextFollowUpDate, 10) || '—',
		daysOverdue: a.daysOverdue === null ? '' : String(a.daysOverdue),
		action: c(a.action, 160),
		responsible: c(a.responsible, 30),
		dueDate: c(a.dueDate, 10),
	};
}

export interface ActionGroup {
	township: string;
	counts: number[];
	total: number;
	rows: ActionRow[];
}

function actionGroups(input: QuarterlyInput, mask: boolean): ActionGroup[] {
	const groups = new Map<string, ActionRecord[]>();
	for (const a of sortActions(input.actionList)) {
		if (!groups.has(a.township)) groups.set(a.township, []);
		groups.get(a.township)!.push(a);
	}
	let no = 0;
	return [...groups].map(([township, list]) => ({
		township: clip(township, 40),
		counts: CATEGORY_ORDER.map((c) => list.filter((a) => a.category === c).length),
		total: list.length,
		rows: list.map((a) => actionRow(a, ++no, mask, true)),
	}));
}

/** Counts per township for every area of the result (zeros included, so the meeting sees who has nothing pending). */
function actionSummary(input: QuarterlyInput, groups: ActionGroup[]): ActionGroup[] {
	const byTownship = new Map(groups.map((g) => [g.township, g]));
	// The full counts, where SMD Indicators listed only part of a township's patients.
	for (const s of input.actionSummary ?? []) {
		const township = clip(s.township, 40);
		const counts = CATEGORY_ORDER.map((c) => s[c]);
		byTownship.set(township, { township, counts, total: counts.reduce((a, b) => a + b, 0), rows: byTownship.get(township)?.rows ?? [] });
	}
	const names = [...new Set([...input.areas.map((a) => clip(a.township, 40)), ...byTownship.keys()])].sort(zhCompare);
	return names.map((township) => byTownship.get(township) ?? { township, counts: CATEGORY_ORDER.map(() => 0), total: 0, rows: [] });
}

function actionTotals(groups: ActionGroup[]): { counts: number[]; total: number } {
	return { counts: CATEGORY_ORDER.map((_, i) => groups.reduce((s, g) => s + g.counts[i], 0)), total: groups.reduce((s, g) => s + g.total, 0) };
}

/** The county's points for the trend chart: history (oldest first) and this quarter, else previous and this quarter. */
export function trendPoints(input: QuarterlyInput): TrendPoint[] {
	const now: TrendPoint = { quarter: input.quarter, values: Object.fromEntries(INDICATOR_CODES.map((c) => [c, input.county.indicators[c].value])) };
	if (input.history?.length) {
		const earlier = input.history
			.filter((h) => h.quarter !== input.quarter)
			.map((h) => ({ quarter: h.quarter, values: Object.fromEntries(INDICATOR_CODES.map((c) => [c, h.county.indicators[c]?.value ?? null])) }));
		return [...earlier, now];
	}
	const change = input.county.change;
	if (input.previous && change) {
		const before = Object.fromEntries(
			INDICATOR_CODES.map((c) => {
				const v = input.county.indicators[c].value;
				const d = change[c];
				return [c, v === null || d === null || d === undefined ? null : v - d];
			}),
		);
		return [{ quarter: input.previous.quarter, values: before }, now];
	}
	return [now];
}

function riskRows(input: QuarterlyInput): RiskRow[] {
	return [
		{ label: '全县', counts: input.county.counts.byRiskLevel, total: true },
		...[...input.areas].sort((a, b) => zhCompare(a.township, b.township)).map((a) => ({ label: a.township, counts: a.counts.byRiskLevel })),
	];
}

export interface SummaryRow {
	label: string;
	unit: string;
	numerator: number;
	denominator: number;
	value: string;
	target: string;
	change: string;
	status: string;
	below: boolean;
}

function summaryRows(input: QuarterlyInput): SummaryRow[] {
	const c = input.county;
	return INDICATOR_CODES.map((code) => {
		const unit = INDICATOR_UNITS[code];
		const f = c.indicators[code];
		const below = f.value !== null && f.value < input.config.targets[code] - 1e-12;
		return {
			label: INDICATOR_LABELS[code],
			unit,
			numerator: f.numerator,
			denominator: f.denominator,
			value: formatIndicatorValue(f.value, unit),
			target: formatIndicatorValue(input.config.targets[code], unit),
			change: formatChange(c.change?.[code], unit),
			status: f.value === null ? '—' : below ? '未达标' : '达标',
			below,
		};
	});
}

export interface CountsRow {
	township: string;
	registered: number;
	managed: number;
	risk: number[];
	classification: number[];
	unstable: number;
	unstableWithoutCaseManagement: string;
	total: boolean;
}

function countsRow(township: string, a: Area | County, total: boolean): CountsRow {
	const k = a.counts;
	return {
		township: clip(township, 40),
		registered: k.registered,
		managed: k.managed,
		risk: (['0', '1', '2', '3', '4', '5', 'none'] as const).map((r) => k.byRiskLevel[r]),
		classification: (['stable', 'basically_stable', 'unstable', 'none'] as const).map((r) => k.byClassification[r]),
		unstable: k.unstable,
		unstableWithoutCaseManagement: k.unstableWithoutCaseManagement === null ? '—' : String(k.unstableWithoutCaseManagement),
		total,
	};
}

export interface QuarterlyPackModel extends ReportHeader {
	countyScore: string;
	countyScoreChange: string;
	registered: number;
	managed: number;
	townshipCount: number;
	belowTargetAreas: number;
	summary: SummaryRow[];
	caseManagement: null | { numerator: number; denominator: number; value: string; target: string; below: boolean };
	indicatorHeaders: typeof INDICATOR_HEADERS;
	ranking: RankingRow[];
	top: Array<{ township: string; rank: string; score: string }>;
	bottom: Array<{ township: string; rank: string; score: string; belowTarget: string }>;
	charts: { indicators: Array<{ svg: string }>; risk: string; trend: string };
	counts: CountsRow[];
	belowTarget: Array<{ township: string; items: Array<{ label: string; value: string; target: string }> }>;
	catchUp: Array<{ no: number; township: string; indicators: string }>;
	actionCategories: string[];
	actionSummary: ActionGroup[];
	actionTotals: { counts: number[]; total: number };
	actionGroups: Array<ActionGroup & { more: number }>;
}

/** Everything the joint-meeting pack prints, formatted, identifiers masked unless `mask` is false. */
export function quarterlyPackModel(input: QuarterlyInput, options: QuarterlyOptions = {}): QuarterlyPackModel {
	const h = header('quarterlyPack', input, options);
	const targets = input.config.targets;
	const byName = new Map(input.areas.map((a) => [a.township, a]));
	const townships = input.areas.filter((a) => a.township !== UNASSIGNED_TOWNSHIP);
	const configured = options.chartIndicators ?? input.config.catchUpIndicators;
	const chartCodes = configured?.length ? configured : DEFAULT_INDICATOR_CONFIG.catchUpIndicators;
	const cm = input.county.caseManagementRate ?? null;
	const cmTarget = input.config.caseManagementTarget ?? DEFAULT_INDICATOR_CONFIG.caseManagementTarget;
	const groups = actionGroups(input, h.masked);
	const edge = (names: string[]) =>
		names.map((t) => {
			const a = byName.get(t);
			return {
				township: clip(t, 40),
				rank: a?.rank === null || a?.rank === undefined ? '—' : String(a.rank),
				score: formatScore(a?.score),
				belowTarget: (a?.belowTarget ?? []).map((c) => INDICATOR_LABELS[c]).join('、') || '无',
			};
		});
	return {
		...h,
		countyScore: formatScore(input.county.score),
		countyScoreChange: formatScoreChange(input.county.scoreChange),
		registered: input.county.counts.registered,
		managed: input.county.counts.managed,
		townshipCount: townships.length,
		belowTargetAreas: townships.filter((a) => a.belowTarget.length > 0).length,
		summary: summaryRows(input),
		caseManagement: cm
			? {
					numerator: cm.numerator,
					denominator: cm.denominator,
					value: formatIndicatorValue(cm.value, '%'),
					target: formatIndicatorValue(cmTarget, '%'),
					below: cm.value !== null && cm.value < cmTarget - 1e-12,
				}
			: null,
		indicatorHeaders: INDICATOR_HEADERS,
		ranking: rankingRows(input),
		top: edge(input.top),
		bottom: edge(input.bottom),
		charts: {
			indicators: chartCodes.map((code) => ({ svg: indicatorChartFor(townships, input.county, code, targets[code]) })),
			risk: riskDistributionChart(riskRows(input)),
			trend: trendChart(trendPoints(input), { codes: options.trendIndicators }),
		},
		counts: [...input.areas.map((a) => countsRow(a.township, a, false)), countsRow('全县', input.county, true)],
		belowTarget: rankedAreas(input)
			.filter((a) => a.belowTarget.length > 0)
			.map((a) => ({
				township: clip(a.township, 40),
				items: a.belowTarget.map((c) => ({
					label: INDICATOR_LABELS[c],
					value: formatIndicatorValue(a.indicators[c].value, INDICATOR_UNITS[c]),
					target: formatIndicatorValue(targets[c], INDICATOR_UNITS[c]),
				})),
			})),
		catchUp: input.catchUp.map((c, i) => ({ no: i + 1, township: clip(c.township, 40), indicators: c.indicators.map((k) => INDICATOR_LABELS[k]).join('、') })),
		actionCategories: CATEGORY_ORDER.map((c) => ACTION_CATEGORIES[c]),
		actionSummary: actionSummary(input, groups),
		actionTotals: actionTotals(actionSummary(input, groups)),
		actionGroups: groups.map((g) => {
			const shown = options.packActionsPerTownship ?? 20;
			return { ...g, rows: g.rows.slice(0, shown), more: Math.max(0, g.rows.length - shown) };
		}),
	};
}

export interface RankingTableModel extends ReportHeader {
	indicatorHeaders: typeof INDICATOR_HEADERS;
	rows: RankingRow[];
	countyRow: { score: string; scoreChange: string; cells: ValueCell[] };
	targets: string[];
}

export function rankingTableModel(input: QuarterlyInput, options: QuarterlyOptions = {}): RankingTableModel {
	return {
		...header('rankingTable', input, options),
		indicatorHeaders: INDICATOR_HEADERS,
		rows: rankingRows(input),
		countyRow: {
			score: formatScore(input.county.score),
			scoreChange: formatScoreChange(input.county.scoreChange),
			cells: INDICATOR_CODES.map((c) => valueCell(input.county, c, input.config.targets)),
		},
		targets: INDICATOR_CODES.map((c) => formatIndicatorValue(input.config.targets[c], INDICATOR_UNITS[c])),
	};
}

export interface ActionListModel extends ReportHeader {
	categories: string[];
	/** Every township's counts, zeros included. */
	summary: ActionGroup[];
	/** Townships with patients listed. */
	groups: ActionGroup[];
	totals: { counts: number[]; total: number };
}

export function actionListModel(input: QuarterlyInput, options: QuarterlyOptions = {}): ActionListModel {
	const h = header('actionList', input, options);
	const groups = actionGroups(input, h.masked);
	const summary = actionSummary(input, groups);
	return { ...h, categories: CATEGORY_ORDER.map((c) => ACTION_CATEGORIES[c]), summary, groups, totals: actionTotals(summary) };
}

export interface Shortfall {
	label: string;
	numerator: number;
	denominator: number;
	value: string;
	target: string;
	/** Patients more the numerator needs to reach the target: ceil(target × denominator − numerator). */
	gap: number;
}

/**
 * How many more patients the numerator needs to reach the target. The product is rounded to 9
 * decimals first: 0.8 × 100 is 80.00000000000001 in binary floating point, and must need 80, not 81.
 * The prevalence target is per mille of the population.
 */
export function shortfallPatients(target: number, numerator: number, denominator: number, unit: '%' | '‰'): number {
	const needed = Math.round((unit === '‰' ? target / 1000 : target) * denominator * 1e9) / 1e9;
	return Math.max(0, Math.ceil(needed - numerator));
}

export interface CatchUpArea {
	township: string;
	rank: string;
	score: string;
	shortfalls: Shortfall[];
	otherBelow: string;
}

export interface CatchUpPlanModel extends ReportHeader {
	areas: CatchUpArea[];
	measureRows: number[];
	milestones: Array<{ day: number; label: string }>;
}

export function catchUpPlanModel(input: QuarterlyInput, options: QuarterlyOptions = {}): CatchUpPlanModel {
	const byName = new Map(input.areas.map((a) => [a.township, a]));
	const areas = input.catchUp.flatMap((c) => {
		const a = byName.get(c.township);
		if (!a) return [];
		return [
			{
				township: clip(a.township, 40),
				rank: a.rank === null || a.rank === undefined ? '—' : String(a.rank),
				score: formatScore(a.score),
				shortfalls: c.indicators.map((code) => {
					const f = a.indicators[code];
					const unit = INDICATOR_UNITS[code];
					const target = input.config.targets[code];
					return {
						label: INDICATOR_LABELS[code],
						numerator: f.numerator,
						denominator: f.denominator,
						value: formatIndicatorValue(f.value, unit),
						target: formatIndicatorValue(target, unit),
						gap: shortfallPatients(target, f.numerator, f.denominator, unit),
					};
				}),
				otherBelow: a.belowTarget.filter((code) => !c.indicators.includes(code)).map((code) => INDICATOR_LABELS[code]).join('、'),
			},
		];
	});
	return {
		...header('catchUpPlan', input, options),
		areas,
		measureRows: [1, 2, 3, 4, 5],
		milestones: [
			{ day: 30, label: '第30天' },
			{ day: 60, label: '第60天' },
			{ day: 100, label: '第100天' },
		],
	};
}

// ---------------------------------------------------------------------------------------------
// HTML

const TEMPLATES: Record<QuarterlyReportKind, string> = {
	quarterlyPack: 'quarterly-pack',
	rankingTable: 'ranking-table',
	actionList: 'action-list',
	catchUpPlan: 'catch-up-plan',
};

/** The shared print style sheet (template `quarterly-style`, overridable in a templates folder like the others). */
export const QUARTERLY_STYLE_TEMPLATE = 'quarterly-style';

export interface RenderOptions extends QuarterlyOptions {
	/** Folders of the county's own templates, searched before the package's (see resolveTemplate). */
	templateDirs?: string[];
}

/** The model of one report. */
export function quarterlyModel(kind: QuarterlyReportKind, input: QuarterlyInput, options: QuarterlyOptions = {}): ReportHeader {
	switch (kind) {
		case 'quarterlyPack':
			return quarterlyPackModel(input, options);
		case 'rankingTable':
			return rankingTableModel(input, options);
		case 'actionList':
			return actionListModel(input, options);
		case 'catchUpPlan':
			return catchUpPlanModel(input, options);
	}
}

/** One report as a self-contained A4 HTML document. */
export function renderQuarterlyHtml(kind: QuarterlyReportKind, input: QuarterlyInput, options: RenderOptions = {}): string {
	const dirs = options.templateDirs ?? [];
	const css = renderTemplate(QUARTERLY_STYLE_TEMPLATE, {}, dirs);
	return renderTemplate(TEMPLATES[kind], { ...quarterlyModel(kind, input, options), css }, dirs);
}

// ---------------------------------------------------------------------------------------------
// XLSX

/** A rate as a number in percent with one decimal (85.3), the prevalence in ‰ with two: sortable in Excel. */
function sheetNumber(value: number | null, unit: '%' | '‰'): number | null {
	if (value === null) return null;
	return unit === '‰' ? Math.round(value * 100) / 100 : Math.round(value * 1000) / 10;
}

function sheetTitles(what: string, input: QuarterlyInput, options: QuarterlyOptions): { title: string; subtitle: string } {
	const county = options.county?.trim() || '本县';
	return {
		title: `${county} ${quarterLabel(input.quarter)} ${what}`,
		subtitle: `统计区间 ${input.from} 至 ${input.asOf}${options.mask !== false ? ' · 患者姓名、身份证号已脱敏' : ''}`,
	};
}

/** The ranking sheet (one row per township, all ten indicators) and the indicator detail sheet. */
export function rankingSheets(input: QuarterlyInput, options: QuarterlyOptions = {}): WriteSheet[] {
	const valueColumns = INDICATOR_CODES.map((c) => ({ header: `${INDICATOR_LABELS[c]}(${INDICATOR_UNITS[c]})`, key: c, width: 12 }));
	const row = (township: string, a: Area | County, rank: string | number) => ({
		rank,
		township,
		score: a.score,
		scoreChange: a.scoreChange ?? null,
		...Object.fromEntries(INDICATOR_CODES.map((c) => [c, sheetNumber(a.indicators[c].value, INDICATOR_UNITS[c])])),
		belowTarget: a.belowTarget.map((c) => INDICATOR_LABELS[c]).join('、'),
	});
	const ranking: WriteSheet = {
		name: '乡镇排名',
		...sheetTitles('严重精神障碍患者管理指标排名', input, options),
		columns: [
			{ header: '排名', key: 'rank', width: 6 },
			{ header: '乡镇', key: 'township', width: 14 },
			{ header: '综合得分', key: 'score', width: 9 },
			{ header: '得分较上季度', key: 'scoreChange', width: 9 },
			...valueColumns,
			{ header: '未达标指标', key: 'belowTarget', width: 30 },
		],
		rows: [...rankedAreas(input).map((a) => row(a.township, a, a.rank ?? '')), row('全县', input.county, '')],
	};
	const areas: Array<[string, Area | County]> = [...input.areas.map((a): [string, Area] => [a.township, a]), ['全县', input.county]];
	const detail: WriteSheet = {
		name: '指标明细',
		...sheetTitles('严重精神障碍患者管理指标明细（分子/分母/数值/目标）', input, options),
		orientation: 'portrait',
		columns: [
			{ header: '地区', key: 'area', width: 14 },
			{ header: '指标', key: 'indicator', width: 20 },
			{ header: '分子', key: 'numerator', width: 8 },
			{ header: '分母', key: 'denominator', width: 8 },
			{ header: '数值', key: 'value', width: 8 },
			{ header: '目标', key: 'target', width: 8 },
			{ header: '单位', key: 'unit', width: 5 },
			{ header: '是否达标', key: 'met', width: 8 },
			{ header: '较上季度', key: 'change', width: 9 },
		],
		rows: areas.flatMap(([area, a]) =>
			INDICATOR_CODES.map((c) => {
				const unit = INDICATOR_UNITS[c];
				const f = a.indicators[c];
				const target = input.config.targets[c];
				const change = a.change?.[c];
				return {
					area,
					indicator: INDICATOR_LABELS[c],
					numerator: f.numerator,
					denominator: f.denominator,
					value: sheetNumber(f.value, unit),
					target: sheetNumber(target, unit),
					unit,
					met: f.value === null ? '' : f.value < target - 1e-12 ? '否' : '是',
					change: change === null || change === undefined ? null : sheetNumber(change, unit),
				};
			}),
		),
	};
	return [ranking, detail];
}

/** The action list as one sheet, sorted by township, category and due date. */
export function actionListSheet(input: QuarterlyInput, options: QuarterlyOptions = {}): WriteSheet {
	const mask = options.mask !== false;
	return {
		name: '督办清单',
		...sheetTitles(`严重精神障碍患者管理会议督办清单（共 ${input.actionList.length} 人次）`, input, options),
		columns: [
			{ header: '序号', key: 'no', width: 6 },
			{ header: '乡镇', key: 'township', width: 12 },
			{ header: '督办类别', key: 'category', width: 14 },
			{ header: '患者编号', key: 'patientNo', width: 12 },
			{ header: '姓名', key: 'name', width: 8 },
			{ header: '身份证号', key: 'idNumber', width: 20 },
			{ header: '危险性级别', key: 'riskLevel', width: 7 },
			{ header: '病情分类', key: 'classification', width: 8 },
			{ header: '末次随访日期', key: 'lastFollowUpDate', width: 11 },
			{ header: '应随访日期', key: 'nextFollowUpDate', width: 11 },
			{ header: '逾期天数', key: 'daysOverdue', width: 7 },
			{ header: '措施', key: 'action', width: 30 },
			{ header: '责任人', key: 'responsible', width: 10 },
			{ header: '完成时限', key: 'dueDate', width: 11 },
			{ header: '落实情况', key: 'outcome', width: 16 },
		],
		rows: sortActions(input.actionList).map((a, i) => {
			const r = actionRow(a, i + 1, mask, false);
			return { ...r, daysOverdue: a.daysOverdue, outcome: '' };
		}),
	};
}

// ---------------------------------------------------------------------------------------------
// Files

export const HTML_MIME = 'text/html';
export const PDF_MIME = 'application/pdf';
export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface ReportFile {
	/** 'html', 'pdf' or 'xlsx': the node names the binary `<prefix><report>_<kind>`. */
	kind: 'html' | 'pdf' | 'xlsx';
	fileName: string;
	mimeType: string;
	data: Buffer;
}

export interface ReportFilesOptions extends RenderOptions {
	/** Render a PDF through Chromium where it is installed (default true). */
	pdf?: boolean;
	/** Where Chromium is, and how long a conversion may take (lib/pdf.ts). */
	pdfOptions?: PdfOptions;
}

export interface ReportFilesResult {
	files: ReportFile[];
	/** 'rendered', 'off', or 'skipped: <why>' when Chromium is not installed. */
	pdf: string;
	/** Milliseconds spent on the HTML, the PDF and the XLSX. */
	timings: { htmlMs: number; pdfMs: number | null; xlsxMs: number | null };
}

/** Short names for binary properties and the stem of the file names. */
export const REPORT_FILES: Record<QuarterlyReportKind, { binary: string; html: string; xlsx?: string }> = {
	quarterlyPack: { binary: 'pack', html: '季度联席会议材料' },
	rankingTable: { binary: 'ranking', html: '乡镇排名表', xlsx: '乡镇排名' },
	actionList: { binary: 'actions', html: '督办清单', xlsx: '督办清单' },
	catchUpPlan: { binary: 'catchup', html: '百日攻坚整改计划' },
};

export const PDF_SKIPPED_NO_CHROMIUM = 'skipped: Chromium not found (set SMD_CHROMIUM_PATH)';

/**
 * The files of one report from an SMD Indicators output (checked here: see parseQuarterlyInput):
 * HTML always, the PDF when asked for and Chromium is installed (otherwise `pdf` says it was
 * skipped), and the XLSX of the ranking and the action list.
 */
export async function quarterlyReportFiles(kind: QuarterlyReportKind, json: unknown, options: ReportFilesOptions = {}): Promise<ReportFilesResult> {
	const input = parseQuarterlyInput(json);
	const names = REPORT_FILES[kind];
	const stem = (s: string) => `${s}_${safeFileNamePart(input.quarter, 20)}`;
	let t = Date.now();
	const html = renderQuarterlyHtml(kind, input, options);
	const timings: ReportFilesResult['timings'] = { htmlMs: Date.now() - t, pdfMs: null, xlsxMs: null };
	const files: ReportFile[] = [{ kind: 'html', fileName: `${stem(names.html)}.html`, mimeType: HTML_MIME, data: Buffer.from(html, 'utf8') }];
	let pdf = 'off';
	if (options.pdf !== false) {
		if (!chromiumAvailable(options.pdfOptions)) {
			pdf = PDF_SKIPPED_NO_CHROMIUM;
		} else {
			t = Date.now();
			files.push({ kind: 'pdf', fileName: `${stem(names.html)}.pdf`, mimeType: PDF_MIME, data: await htmlToPdf(html, options.pdfOptions) });
			timings.pdfMs = Date.now() - t;
			pdf = 'rendered';
		}
	}
	if (names.xlsx) {
		t = Date.now();
		const sheets = kind === 'rankingTable' ? rankingSheets(input, options) : [actionListSheet(input, options)];
		files.push({ kind: 'xlsx', fileName: `${stem(names.xlsx)}.xlsx`, mimeType: XLSX_MIME, data: await writeXlsx(sheets) });
		timings.xlsxMs = Date.now() - t;
	}
	return { files, pdf, timings };
}
