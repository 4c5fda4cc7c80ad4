/**
 * The quarterly indicators (docs/rules.md §10): the ten figures a city ranks its townships and
 * counties on, each published as numerator / denominator / value, with the counts behind them, the
 * composite score, the rank, and the change since the previous quarter.
 *
 * The computation is a fold over one "facts" record per registered patient (what the registry knows
 * of the patient and of the follow-ups in the window), so any store can feed it: the embedded registry
 * aggregates follow-ups in SQL (RegistryStore.forEachIndicatorFacts) and streams the facts here.
 */
import { z } from 'zod';
import { parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { parseOrThrow } from './policy';
import { compareTownships, UNASSIGNED_TOWNSHIP } from './townships';
import type { Classification, ManagementStatus, Medication } from './vocabulary';

export const INDICATOR_CODES = [
	'reportedPrevalence',
	'managementRate',
	'standardManagementRate',
	'faceToFaceRate',
	'medicationRate',
	'regularMedicationRate',
	'schizophreniaMedicationRate',
	'schizophreniaRegularMedicationRate',
	'stableRate',
	'healthCheckRate',
] as const;
export type IndicatorCode = (typeof INDICATOR_CODES)[number];

export const INDICATOR_LABELS: Record<IndicatorCode, string> = {
	reportedPrevalence: '报告患病率',
	managementRate: '在册患者管理率',
	standardManagementRate: '规范管理率',
	faceToFaceRate: '面访率',
	medicationRate: '服药率',
	regularMedicationRate: '规律服药率',
	schizophreniaMedicationRate: '精神分裂症服药率',
	schizophreniaRegularMedicationRate: '精神分裂症规律服药率',
	stableRate: '病情稳定率',
	healthCheckRate: '体检率',
};

/** Per mille for the prevalence, a fraction for the others. */
export const INDICATOR_UNITS: Record<IndicatorCode, '‰' | '%'> = Object.fromEntries(
	INDICATOR_CODES.map((c) => [c, c === 'reportedPrevalence' ? '‰' : '%']),
) as Record<IndicatorCode, '‰' | '%'>;

/** One published figure. `value` is null when the denominator is 0 (nothing to measure). */
export interface Figure {
	numerator: number;
	denominator: number;
	value: number | null;
}

/** The package's default targets (docs/rules.md §10 gives the source of each). Fractions; ‰ for the prevalence. */
export const DEFAULT_TARGETS: Record<IndicatorCode, number> = {
	reportedPrevalence: 4.5,
	managementRate: 0.8,
	standardManagementRate: 0.8,
	faceToFaceRate: 0.8,
	medicationRate: 0.7,
	regularMedicationRate: 0.6,
	schizophreniaMedicationRate: 0.8,
	schizophreniaRegularMedicationRate: 0.6,
	stableRate: 0.8,
	healthCheckRate: 0.6,
};

/** Equal weights by default: each indicator counts the same in the score. */
export const DEFAULT_WEIGHTS: Record<IndicatorCode, number> = Object.fromEntries(INDICATOR_CODES.map((c) => [c, 1])) as Record<IndicatorCode, number>;

export interface IndicatorConfig {
	targets: Record<IndicatorCode, number>;
	weights: Record<IndicatorCode, number>;
	/** 个案管理率 target (of unstable patients). Default 0.9 (seed plans). */
	caseManagementTarget: number;
	/** Indicators whose shortfall calls for a 100-day catch-up plan (百日攻坚). Default the follow-up management ones. */
	catchUpIndicators: IndicatorCode[];
	/** How many areas the meeting hears from at each end of the ranking. Default 3. */
	topBottom: number;
}

export const DEFAULT_INDICATOR_CONFIG: IndicatorConfig = {
	targets: DEFAULT_TARGETS,
	weights: DEFAULT_WEIGHTS,
	caseManagementTarget: 0.9,
	catchUpIndicators: ['managementRate', 'standardManagementRate', 'faceToFaceRate', 'medicationRate'],
	topBottom: 3,
};

export type IndicatorConfigInput = Partial<Omit<IndicatorConfig, 'targets' | 'weights'>> & {
	targets?: Partial<Record<IndicatorCode, number>>;
	weights?: Partial<Record<IndicatorCode, number>>;
};

const codeEnum = z.enum(INDICATOR_CODES);
const fraction = z.number().min(0, 'must be 0–1 (a fraction: 0.8 for 80%)').max(1, 'must be 0–1 (a fraction: 0.8 for 80%)');
const configSchema = z
	.object({
		targets: z.object(
			Object.fromEntries(INDICATOR_CODES.map((c) => [c, c === 'reportedPrevalence' ? z.number().min(0).max(1000) : fraction])) as Record<
				IndicatorCode,
				z.ZodNumber
			>,
		).strict(),
		weights: z.object(Object.fromEntries(INDICATOR_CODES.map((c) => [c, z.number().min(0).max(1000)])) as Record<IndicatorCode, z.ZodNumber>).strict(),
		caseManagementTarget: fraction,
		catchUpIndicators: z.array(codeEnum),
		topBottom: z.number().int().min(0).max(50),
	})
	.strict()
	.refine((c) => INDICATOR_CODES.some((k) => c.weights[k] > 0), { message: 'at least one weight must be above 0', path: ['weights'] });

/** Validate and complete a (partial) configuration. Throws SmdInputError naming the field (`config.targets.managementRate`). */
export function resolveIndicatorConfig(input: IndicatorConfigInput = {}): IndicatorConfig {
	if (input === null || typeof input !== 'object' || Array.isArray(input)) {
		throw new SmdInputError('invalid', 'config must be an object', { field: 'config' });
	}
	const merged = {
		...DEFAULT_INDICATOR_CONFIG,
		...input,
		targets: { ...DEFAULT_TARGETS, ...(input.targets ?? {}) },
		weights: { ...DEFAULT_WEIGHTS, ...(input.weights ?? {}) },
	};
	return parseOrThrow(configSchema, merged, { prefix: 'config.' }) as IndicatorConfig;
}

// ---------------------------------------------------------------------------------------------
// Periods

/** The period the indicators cover: window W = 1 January of the as-of year up to the as-of day. */
export interface IndicatorPeriod {
	/** '2026Q3' — the quarter the as-of day falls in. */
	quarter: string;
	year: number;
	/** 1–4: the quarter of the as-of day. */
	quarterNo: number;
	/** First day of the window ('YYYY-01-01'). */
	from: string;
	/** Last day of the window (the quarter's last day unless an as-of day is given). */
	asOf: string;
}

const QUARTER_END = ['03-31', '06-30', '09-30', '12-31'];

/**
 * A period from '2026Q3' / '2026-Q3' / '2026q3' / '2026年第3季度' (the quarter's last day is the
 * as-of day), or from an as-of day 'YYYY-MM-DD' (any day; the quarter is the one it falls in).
 */
export function indicatorPeriod(spec: { quarter?: string; asOf?: string }): IndicatorPeriod {
	if (spec.asOf) {
		const d = parseIsoDay(spec.asOf);
		if (!d) throw new SmdInputError('invalid', 'asOf must be a real date written YYYY-MM-DD', { field: 'asOf' });
		const year = d.getFullYear();
		const quarterNo = Math.floor(d.getMonth() / 3) + 1;
		if (spec.quarter && parseQuarter(spec.quarter).quarter !== `${year}Q${quarterNo}`) {
			throw new SmdInputError('invalid', 'asOf must fall in the quarter given', { field: 'asOf' });
		}
		return { quarter: `${year}Q${quarterNo}`, year, quarterNo, from: `${year}-01-01`, asOf: spec.asOf };
	}
	if (!spec.quarter) throw new SmdInputError('required', 'a quarter (2026Q3) or an as-of date is required', { field: 'quarter' });
	return parseQuarter(spec.quarter);
}

const CN_QUARTER: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4 };

function parseQuarter(text: string): IndicatorPeriod {
	const t = String(text).normalize('NFKC').replace(/\s+/g, '');
	const m = /^(\d{4})(?:-?[Qq]([1-4])|年?第([1-4一二三四])季度?)$/.exec(t);
	if (!m) throw new SmdInputError('invalid', 'quarter must be written like 2026Q3', { field: 'quarter' });
	const year = Number(m[1]);
	const quarterNo = m[2] ? Number(m[2]) : (CN_QUARTER[m[3]] ?? Number(m[3]));
	return { quarter: `${year}Q${quarterNo}`, year, quarterNo, from: `${year}-01-01`, asOf: `${year}-${QUARTER_END[quarterNo - 1]}` };
}

/** The quarter before: its last day as the as-of day (Q1's previous quarter is Q4 of the year before, window that whole year). */
export function previousPeriod(p: IndicatorPeriod): IndicatorPeriod {
	return p.quarterNo === 1 ? parseQuarter(`${p.year - 1}Q4`) : parseQuarter(`${p.year}Q${p.quarterNo - 1}`);
}

/** 1–4, the calendar quarter of a 'YYYY-MM-DD' day. */
export function quarterOf(day: string): number {
	return Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1;
}

// ---------------------------------------------------------------------------------------------
// Facts and the fold

/** What the indicators need of one patient: the registry's record and the follow-ups in the window. */
export interface PatientFacts {
	rowId: number;
	township: string | null;
	status: ManagementStatus;
	/** 建档日期, when the registry has it. */
	registeredOn: string | null;
	/** The disorder code (or text as recorded). */
	diagnosis: string | null;
	/** 末次体检日期. */
	lastHealthCheck: string | null;
	/** Follow-ups dated in the window: how many, the quarters covered (bit q-1 set for quarter q), any face to face. */
	followUps: number;
	quarterMask: number;
	faceToFace: boolean;
	/** The latest follow-up in the window (null when none). */
	last: null | {
		date: string;
		riskLevel: number;
		classification: Classification;
		medication: Medication | null;
		hospitalised: boolean;
	};
	/** Under case management (个案管理) at the as-of day; null where the registry keeps no such data. */
	caseManaged: boolean | null;
}

export interface AreaCounts {
	/** 在册: not deceased or moved out, registered by the as-of day. */
	registered: number;
	/** With at least one follow-up in the window. */
	managed: number;
	byStatus: Record<ManagementStatus, number>;
	/** By the risk level of the last follow-up in the window ('none' = not followed up). */
	byRiskLevel: Record<'0' | '1' | '2' | '3' | '4' | '5' | 'none', number>;
	/** By the classification of the last follow-up in the window ('none' = not followed up). */
	byClassification: Record<Classification | 'none', number>;
	/** Unstable at the last follow-up. */
	unstable: number;
	/** Unstable at the last follow-up with no case management on record (null where no case-management data is kept). */
	unstableWithoutCaseManagement: number | null;
	/** Registered patients with diagnosis 精神分裂症. */
	schizophrenia: number;
}

export interface AreaIndicators {
	township: string;
	population: number | null;
	indicators: Record<IndicatorCode, Figure>;
	/** 个案管理率: unstable patients under case management / unstable; null where no case-management data is kept. */
	caseManagementRate: Figure | null;
	counts: AreaCounts;
	/** 0–100 (docs/rules.md §10); null for the county and for patients of no township. */
	score: number | null;
	/** 1 = best; ties share a rank; null when not ranked. */
	rank: number | null;
	/** Value now minus value in the previous quarter (percentage points as a fraction, ‰ for the prevalence); null where either is missing. */
	change: Record<IndicatorCode, number | null> | null;
	scoreChange: number | null;
	/** Indicators whose value is below target. */
	belowTarget: IndicatorCode[];
}

export interface IndicatorResult {
	quarter: string;
	from: string;
	asOf: string;
	previous: { quarter: string; from: string; asOf: string } | null;
	config: IndicatorConfig;
	/** One per township: those in the population table and those patients are registered in, by name. */
	areas: AreaIndicators[];
	county: AreaIndicators;
	/** The best and worst ranked areas (ties at the edge included). */
	top: string[];
	bottom: string[];
	/** Areas with a catch-up indicator below target: they write a 100-day plan. */
	catchUp: Array<{ township: string; indicators: IndicatorCode[] }>;
	/** Facts read (patients in the registry, whether registered or not). */
	patientsRead: number;
	durationMs: number;
}

interface Tally {
	registered: number;
	managed: number;
	standard: number;
	faceToFace: number;
	medication: number;
	regular: number;
	schizophrenia: number;
	schizophreniaMedication: number;
	schizophreniaRegular: number;
	stable: number;
	healthCheck: number;
	unstable: number;
	unstableCaseManaged: number;
	unstableCaseKnown: number;
	byStatus: Record<ManagementStatus, number>;
	byRiskLevel: AreaCounts['byRiskLevel'];
	byClassification: AreaCounts['byClassification'];
}

function emptyTally(): Tally {
	return {
		registered: 0, managed: 0, standard: 0, faceToFace: 0, medication: 0, regular: 0, schizophrenia: 0, schizophreniaMedication: 0,
		schizophreniaRegular: 0, stable: 0, healthCheck: 0, unstable: 0, unstableCaseManaged: 0, unstableCaseKnown: 0,
		byStatus: { active: 0, lost: 0, deceased: 0, moved_out: 0, refused: 0 },
		byRiskLevel: { '0': 0, '1': 0, '2': 0, '3': 0, '4': 0, '5': 0, none: 0 },
		byClassification: { stable: 0, basically_stable: 0, unstable: 0, none: 0 },
	};
}

function isSchizophrenia(diagnosis: string | null): boolean {
	if (!diagnosis) return false;
	return diagnosis === 'schizophrenia' || /^F20/i.test(diagnosis.trim()) || diagnosis.includes('精神分裂症');
}

/**
 * Folds patient facts into per-township tallies for one period. Add every patient of the registry
 * (`add`), then `tallies()`.
 */
export class IndicatorAccumulator {
	private readonly byTownship = new Map<string, Tally>();
	/** Bits of the quarters a patient registered before this year must have a follow-up in. */
	private readonly requiredMask: number;
	read = 0;

	constructor(readonly period: IndicatorPeriod) {
		this.requiredMask = (1 << period.quarterNo) - 1;
	}

	add(f: PatientFacts): void {
		this.read++;
		const p = this.period;
		if (f.status === 'deceased' || f.status === 'moved_out') return;
		if (f.registeredOn && f.registeredOn > p.asOf) return;
		const township = f.township?.trim() || UNASSIGNED_TOWNSHIP;
		let t = this.byTownship.get(township);
		if (!t) this.byTownship.set(township, (t = emptyTally()));
		t.registered++;
		t.byStatus[f.status]++;
		const schizophrenia = isSchizophrenia(f.diagnosis);
		if (schizophrenia) t.schizophrenia++;
		if (f.lastHealthCheck && f.lastHealthCheck >= p.from && f.lastHealthCheck <= p.asOf) t.healthCheck++;
		const last = f.followUps > 0 ? f.last : null;
		if (!last) {
			t.byRiskLevel.none++;
			t.byClassification.none++;
			return;
		}
		t.managed++;
		// Quarters from the first of the year, or from the quarter of registration when that is this year.
		let required = this.requiredMask;
		if (f.registeredOn && f.registeredOn >= p.from) required &= ~((1 << (quarterOf(f.registeredOn) - 1)) - 1);
		if ((f.quarterMask & required) === required) t.standard++;
		if (f.faceToFace) t.faceToFace++;
		const taking = last.medication === 'regular' || last.medication === 'intermittent' || last.hospitalised;
		if (taking) t.medication++;
		if (last.medication === 'regular') t.regular++;
		if (schizophrenia) {
			if (taking) t.schizophreniaMedication++;
			if (last.medication === 'regular') t.schizophreniaRegular++;
		}
		if (last.classification === 'stable') t.stable++;
		t.byClassification[last.classification]++;
		t.byRiskLevel[String(Math.min(5, Math.max(0, last.riskLevel))) as '0']++;
		if (last.classification === 'unstable') {
			t.unstable++;
			if (f.caseManaged !== null) {
				t.unstableCaseKnown++;
				if (f.caseManaged) t.unstableCaseManaged++;
			}
		}
	}

	tallies(): Map<string, Tally> {
		return this.byTownship;
	}
}

function figure(numerator: number, denominator: number, scale = 1): Figure {
	return { numerator, denominator, value: denominator > 0 ? (numerator / denominator) * scale : null };
}

function sumTallies(list: Tally[]): Tally {
	const s = emptyTally();
	for (const t of list) {
		for (const k of Object.keys(t) as Array<keyof Tally>) {
			const v = t[k];
			if (typeof v === 'number') (s[k] as number) += v;
			else for (const [kk, n] of Object.entries(v)) (s[k] as Record<string, number>)[kk] += n;
		}
	}
	return s;
}

function areaOf(township: string, t: Tally, population: number | null, config: IndicatorConfig): AreaIndicators {
	const indicators: Record<IndicatorCode, Figure> = {
		reportedPrevalence: figure(t.registered, population ?? 0, 1000),
		managementRate: figure(t.managed, t.registered),
		standardManagementRate: figure(t.standard, t.registered),
		faceToFaceRate: figure(t.faceToFace, t.registered),
		medicationRate: figure(t.medication, t.registered),
		regularMedicationRate: figure(t.regular, t.registered),
		schizophreniaMedicationRate: figure(t.schizophreniaMedication, t.schizophrenia),
		schizophreniaRegularMedicationRate: figure(t.schizophreniaRegular, t.schizophrenia),
		stableRate: figure(t.stable, t.managed),
		healthCheckRate: figure(t.healthCheck, t.registered),
	};
	// Case management is reported only where the registry keeps case-management data for the area's unstable patients.
	const caseKnown = t.unstableCaseKnown > 0;
	return {
		township,
		population,
		indicators,
		caseManagementRate: caseKnown ? figure(t.unstableCaseManaged, t.unstableCaseKnown) : null,
		counts: {
			registered: t.registered,
			managed: t.managed,
			byStatus: t.byStatus,
			byRiskLevel: t.byRiskLevel,
			byClassification: t.byClassification,
			unstable: t.unstable,
			unstableWithoutCaseManagement: caseKnown ? t.unstableCaseKnown - t.unstableCaseManaged : null,
			schizophrenia: t.schizophrenia,
		},
		score: null,
		rank: null,
		change: null,
		scoreChange: null,
		belowTarget: INDICATOR_CODES.filter((c) => indicators[c].value !== null && (indicators[c].value as number) < config.targets[c] - 1e-12),
	};
}

/**
 * Composite score 0–100: 100 × Σ wᵢ·min(valueᵢ/targetᵢ, 1) / Σ wᵢ over the indicators that have a
 * value (an indicator with no denominator, such as prevalence without a population, is left out of
 * both sums); a target of 0 counts as met. Null when no weighted indicator has a value.
 */
export function compositeScore(indicators: Record<IndicatorCode, Figure>, config: Pick<IndicatorConfig, 'targets' | 'weights'>): number | null {
	let num = 0;
	let den = 0;
	for (const c of INDICATOR_CODES) {
		const w = config.weights[c];
		const v = indicators[c].value;
		if (w <= 0 || v === null) continue;
		const target = config.targets[c];
		num += w * (target <= 0 ? 1 : Math.min(v / target, 1));
		den += w;
	}
	return den > 0 ? Math.round(((100 * num) / den) * 100) / 100 : null;
}

/** Competition ranking ("1224"): equal scores share a rank, the next rank skips. Areas without a score get null. */
export function rankByScore<T extends { score: number | null; rank: number | null }>(areas: T[]): void {
	const scored = areas.filter((a) => a.score !== null).sort((a, b) => (b.score as number) - (a.score as number));
	let rank = 0;
	scored.forEach((a, i) => {
		if (i === 0 || a.score !== scored[i - 1].score) rank = i + 1;
		a.rank = rank;
	});
}

export interface ComputeInput {
	period: IndicatorPeriod;
	/** Resident population per township (常住人口). Townships listed here appear even with no patient. */
	population?: Map<string, number> | Record<string, number>;
	config?: IndicatorConfigInput;
}

/**
 * The indicators for one period from the tallies of an accumulator, with scores and ranks; the
 * previous period's tallies (when given) fill `change`.
 */
export function indicatorsFromTallies(
	current: IndicatorAccumulator,
	previous: IndicatorAccumulator | null,
	input: Omit<ComputeInput, 'period'>,
	startedAt = Date.now(),
): IndicatorResult {
	const config = resolveIndicatorConfig(input.config);
	const population = input.population instanceof Map ? input.population : new Map(Object.entries(input.population ?? {}));
	for (const [township, n] of population) {
		if (!Number.isFinite(n) || n < 0) throw new SmdInputError('invalid', `population of a township must be a number 0 or more`, { field: 'population' });
		if (!township.trim()) throw new SmdInputError('invalid', 'population has a row without a township name', { field: 'population' });
	}
	const build = (acc: IndicatorAccumulator) => {
		const tallies = acc.tallies();
		const names = new Set<string>([...population.keys(), ...tallies.keys()]);
		const areas = [...names]
			.sort(compareTownships)
			.map((name) => {
				const area = areaOf(name, tallies.get(name) ?? emptyTally(), population.has(name) ? (population.get(name) as number) : null, config);
				if (name !== UNASSIGNED_TOWNSHIP) area.score = compositeScore(area.indicators, config);
				return area;
			});
		rankByScore(areas);
		const totalPopulation = population.size > 0 ? [...population.values()].reduce((a, b) => a + b, 0) : null;
		const county = areaOf('全县', sumTallies([...tallies.values()]), totalPopulation, config);
		county.score = compositeScore(county.indicators, config);
		return { areas, county };
	};
	const now = build(current);
	if (previous) {
		const before = build(previous);
		const byName = new Map(before.areas.map((a) => [a.township, a]));
		const diff = (a: AreaIndicators, b: AreaIndicators | undefined) => {
			if (!b) return;
			a.change = Object.fromEntries(
				INDICATOR_CODES.map((c) => {
					const x = a.indicators[c].value;
					const y = b.indicators[c].value;
					return [c, x === null || y === null ? null : x - y];
				}),
			) as Record<IndicatorCode, number | null>;
			a.scoreChange = a.score === null || b.score === null ? null : Math.round((a.score - b.score) * 100) / 100;
		};
		for (const a of now.areas) diff(a, byName.get(a.township));
		diff(now.county, before.county);
	}
	const ranked = now.areas.filter((a) => a.rank !== null).sort((a, b) => (a.rank as number) - (b.rank as number));
	const n = config.topBottom;
	const top = n > 0 && ranked.length ? ranked.filter((a) => (a.rank as number) <= (ranked[Math.min(n, ranked.length) - 1].rank as number)) : [];
	const worstRanks = [...ranked].reverse();
	const bottomEdge = n > 0 && worstRanks.length ? (worstRanks[Math.min(n, worstRanks.length) - 1].rank as number) : Infinity;
	const bottom = worstRanks.filter((a) => (a.rank as number) >= bottomEdge);
	const catchUp = now.areas
		.filter((a) => a.township !== UNASSIGNED_TOWNSHIP)
		.map((a) => ({ township: a.township, indicators: a.belowTarget.filter((c) => config.catchUpIndicators.includes(c)) }))
		.filter((a) => a.indicators.length > 0);
	const p = current.period;
	return {
		quarter: p.quarter,
		from: p.from,
		asOf: p.asOf,
		previous: previous ? { quarter: previous.period.quarter, from: previous.period.from, asOf: previous.period.asOf } : null,
		config,
		areas: now.areas,
		county: now.county,
		top: top.map((a) => a.township),
		bottom: bottom.map((a) => a.township),
		catchUp,
		patientsRead: current.read,
		durationMs: Date.now() - startedAt,
	};
}

/** Indicators from an in-memory list of facts (the registry streams instead: RegistryStore.computeIndicators). */
export function computeIndicators(facts: Iterable<PatientFacts>, input: ComputeInput & { previousFacts?: Iterable<PatientFacts> }): IndicatorResult {
	const started = Date.now();
	const current = new IndicatorAccumulator(input.period);
	for (const f of facts) current.add(f);
	let previous: IndicatorAccumulator | null = null;
	if (input.previousFacts) {
		previous = new IndicatorAccumulator(previousPeriod(input.period));
		for (const f of input.previousFacts) previous.add(f);
	}
	return indicatorsFromTallies(current, previous, input, started);
}

/**
 * The indicators.json shape of `npm run demo:quarterly` (and of the SMD Indicators node's output):
 * `{ quarter, from, asOf, areas: [{ township, population, indicators, score, rank }], county }`,
 * with the rest of the result alongside.
 */
export function indicatorsJson(r: IndicatorResult): Record<string, unknown> {
	return {
		quarter: r.quarter,
		from: r.from,
		asOf: r.asOf,
		previous: r.previous,
		areas: r.areas.map((a) => ({
			township: a.township,
			population: a.population,
			indicators: a.indicators,
			score: a.score,
			rank: a.rank,
			caseManagementRate: a.caseManagementRate,
			counts: a.counts,
			change: a.change,
			scoreChange: a.scoreChange,
			belowTarget: a.belowTarget,
		})),
		county: {
			population: r.county.population,
			indicators: r.county.indicators,
			score: r.county.score,
			caseManagementRate: r.county.caseManagementRate,
			counts: r.county.counts,
			change: r.county.change,
			scoreChange: r.county.scoreChange,
			belowTarget: r.county.belowTarget,
		},
		top: r.top,
		bottom: r.bottom,
		catchUp: r.catchUp,
		config: r.config,
	};
}

// ---------------------------------------------------------------------------------------------
// The meeting's action list

export const ACTION_CATEGORIES = {
	followup_overdue: '随访逾期',
	lost: '失访',
	unstable_no_case_management: '病情不稳定未纳入个案管理',
} as const;
export type ActionCategory = keyof typeof ACTION_CATEGORIES;

/**
 * One patient the joint meeting must act on: follow-up overdue at the as-of day, lost to follow-up,
 * or unstable without case management. Carries the name and ID number as the registry holds them:
 * a renderer masks them unless full output is asked for (docs/rules.md §8).
 */
export interface ActionItem {
	township: string;
	category: ActionCategory;
	categoryLabel: string;
	patientNo: string;
	name: string;
	idNumber: string | null;
	riskLevel: number | null;
	classification: Classification | null;
	lastFollowUpDate: string | null;
	nextFollowUpDate: string | null;
	/** Days past the next follow-up date at the as-of day (overdue only). */
	daysOverdue: number | null;
	/** What is to be done (措施). */
	action: string;
	/** Who answers for it (责任人): the township's 精防专干 by configuration, else a blank to fill in at the meeting. */
	responsible: string;
	/** By when (完成时限). */
	dueDate: string;
}
