/**
 * The quarterly indicators (docs/rules.md §10) against figures worked out by hand, through the real
 * path: a registry export and a follow-up export imported into a registry file, then computed.
 * The county is test/fixtures/quarterly.ts: each patient covers one edge of a definition.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	compositeScore,
	computeIndicators,
	DEFAULT_INDICATOR_CONFIG,
	indicatorPeriod,
	previousPeriod,
	rankByScore,
	resolveIndicatorConfig,
	type IndicatorResult,
	type PatientFacts,
} from '../../lib/indicators';
import { importFollowUpFile } from '../../lib/registry/followUpImport';
import { importRegistryFile } from '../../lib/registry/import';
import { registryActionList, registryIndicators } from '../../lib/registry/indicatorFacts';
import { RegistryStore } from '../../lib/registry/store';
import { SmdInputError } from '../../lib/errors';
import { csv, FOLLOW_UP_HEADER, followUps, POPULATION, REGISTRY_HEADER, registry } from '../fixtures/quarterly';


let dir: string;
let store: RegistryStore;
let result: IndicatorResult;
beforeAll(async () => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-indicators-'));
	store = RegistryStore.open(path.join(dir, 'r.sqlite'));
	const r = await importRegistryFile(store, csv(REGISTRY_HEADER, registry), { today: '2026-11-20' });
	expect(r.rejected).toBe(0);
	const f = await importFollowUpFile(store, csv(FOLLOW_UP_HEADER, followUps));
	expect(f).toMatchObject({ rows: 15, rejected: 0, superseded: 1 });
	result = registryIndicators(store, { period: indicatorPeriod({ quarter: '2026Q3' }), population: POPULATION });
});
afterAll(() => {
	store.close();
	rmSync(dir, { recursive: true, force: true });
});

const area = (t: string) => result.areas.find((a) => a.township === t)!;
const fig = (numerator: number, denominator: number) => ({ numerator, denominator, value: denominator ? numerator / denominator : null });

describe('indicators by hand (2026Q3: window 2026-01-01 to 2026-09-30)', () => {
	test('the period', () => {
		expect(result).toMatchObject({ quarter: '2026Q3', from: '2026-01-01', asOf: '2026-09-30', previous: { quarter: '2026Q2', asOf: '2026-06-30' } });
	});

	test('甲镇: registered A1 A2 A4 A5 A6; each figure with its numerator and denominator', () => {
		const a = area('甲镇');
		expect(a.counts).toMatchObject({ registered: 5, managed: 4, schizophrenia: 4, unstable: 1, unstableWithoutCaseManagement: null });
		expect(a.indicators.reportedPrevalence).toEqual({ numerator: 5, denominator: 2000, value: 2.5 });
		expect(a.indicators.managementRate).toEqual(fig(4, 5)); // A4's follow-ups fall outside the window
		expect(a.indicators.standardManagementRate).toEqual(fig(3, 5)); // A1 Q1–Q3; A2 Q3 only (registered in Q3); A6; not A5 (Q2 only)
		expect(a.indicators.faceToFaceRate).toEqual(fig(3, 5)); // A2 was phoned only
		expect(a.indicators.medicationRate).toEqual(fig(4, 5)); // A1 A5 regular, A2 intermittent, A6 in hospital
		expect(a.indicators.regularMedicationRate).toEqual(fig(2, 5)); // A1, A5 (the later row of the day)
		expect(a.indicators.schizophreniaMedicationRate).toEqual(fig(3, 4)); // A1 A5 A6 of A1 A4 A5 A6 (F20.0 counts)
		expect(a.indicators.schizophreniaRegularMedicationRate).toEqual(fig(2, 4));
		expect(a.indicators.stableRate).toEqual(fig(2, 4)); // of the managed: A1, A5
		expect(a.indicators.healthCheckRate).toEqual(fig(1, 5)); // A1 in the window; A4's was last year
		expect(a.counts.byClassification).toEqual({ stable: 2, basically_stable: 1, unstable: 1, none: 1 });
		expect(a.counts.byRiskLevel).toMatchObject({ '0': 3, '1': 1, none: 1 });
		expect(a.counts.byStatus).toMatchObject({ active: 5, deceased: 0 });
	});

	test('乙乡: B2 registered after the as-of day and B4 moved out are not counted; 医嘱勿需服药 is in the denominator only', () => {
		const b = area('乙乡');
		expect(b.counts).toMatchObject({ registered: 2, managed: 1, schizophrenia: 0 });
		expect(b.counts.byStatus).toMatchObject({ active: 1, lost: 1 });
		expect(b.indicators.reportedPrevalence).toEqual({ numerator: 2, denominator: 1000, value: 2 });
		expect(b.indicators.medicationRate).toEqual(fig(0, 2));
		expect(b.indicators.standardManagementRate).toEqual(fig(1, 2));
		expect(b.indicators.schizophreniaMedicationRate).toEqual({ numerator: 0, denominator: 0, value: null });
		expect(b.indicators.stableRate).toEqual(fig(1, 1));
		expect(b.indicators.healthCheckRate).toEqual(fig(1, 2)); // on the as-of day counts
	});

	test('a township with a population and no patient is listed; the county sums numerators and denominators', () => {
		expect(area('丙村')).toMatchObject({ counts: { registered: 0 }, indicators: { reportedPrevalence: { numerator: 0, denominator: 500, value: 0 } } });
		expect(result.county.population).toBe(3500);
		expect(result.county.indicators.managementRate).toEqual(fig(5, 7));
		expect(result.county.indicators.reportedPrevalence).toEqual({ numerator: 7, denominator: 3500, value: 2 });
	});

	test('score = 100 × Σ w·min(value/target, 1) / Σ w over the indicators with a value; rank by score', () => {
		// 甲镇: 2.5/4.5, 1, .6/.8, .6/.8, 1, .4/.6, .75/.8, .5/.6, .5/.8, .2/.6
		const a = (5 / 9 + 1 + 0.75 + 0.75 + 1 + 2 / 3 + 0.9375 + 5 / 6 + 0.625 + 1 / 3) * 10;
		// 乙乡: the two schizophrenia figures have no denominator and are left out: 8 indicators
		const b = ((2 / 4.5 + 0.625 * 3 + 0 + 0 + 1 + 0.5 / 0.6) / 8) * 100;
		expect(area('甲镇').score).toBeCloseTo(a, 2);
		expect(area('乙乡').score).toBeCloseTo(b, 2);
		expect(area('甲镇').rank).toBe(1);
		expect(area('乙乡').rank).toBe(2);
		// 丙村 has no patient: only the prevalence (0‰) has a denominator, so it scores 0 and ranks last
		expect(area('丙村')).toMatchObject({ score: 0, rank: 3 });
		expect(result.bottom).toEqual(['丙村', '乙乡', '甲镇']);
		expect(result.top[0]).toBe('甲镇');
	});

	test('change since the previous quarter (2026Q2: A2 not yet registered; A1 A5 A6 followed up)', () => {
		expect(area('甲镇').change!.managementRate).toBeCloseTo(4 / 5 - 3 / 4, 10);
		expect(result.county.change).not.toBeNull();
	});

	test('areas below target on the catch-up indicators', () => {
		const plan = result.catchUp.find((c) => c.township === '甲镇')!;
		expect(plan.indicators).toEqual(['standardManagementRate', 'faceToFaceRate']);
		expect(result.catchUp.find((c) => c.township === '乙乡')!.indicators).toEqual(['managementRate', 'standardManagementRate', 'faceToFaceRate', 'medicationRate']);
	});

	test('action list: lost, unstable and overdue patients, each once, with due dates', () => {
		const list = registryActionList(store, '2026-09-30', { responsibles: { 甲镇: '甲镇精防专干' } });
		const byNo = Object.fromEntries(list.items.map((i) => [i.patientNo, i]));
		expect(byNo.A6).toMatchObject({ category: 'unstable_no_case_management', responsible: '甲镇精防专干', dueDate: '2026-10-14' });
		expect(byNo.B3).toMatchObject({ category: 'lost', responsible: '', dueDate: '2026-10-30' });
		expect(byNo.A3).toBeUndefined(); // deceased
		expect(list.summary.find((s) => s.township === '乙乡')).toMatchObject({ lost: 1 });
		expect(new Set(list.items.map((i) => i.patientNo)).size).toBe(list.items.length);
	});
});

describe('periods, configuration, ranking', () => {
	test('quarters and as-of days', () => {
		expect(indicatorPeriod({ quarter: '2026年第三季度' })).toMatchObject({ quarter: '2026Q3', asOf: '2026-09-30' });
		expect(indicatorPeriod({ quarter: '2026-q1' })).toMatchObject({ from: '2026-01-01', asOf: '2026-03-31' });
		expect(indicatorPeriod({ asOf: '2026-05-17' })).toMatchObject({ quarter: '2026Q2', quarterNo: 2, from: '2026-01-01', asOf: '2026-05-17' });
		expect(previousPeriod(indicatorPeriod({ quarter: '2026Q1' }))).toMatchObject({ quarter: '2025Q4', from: '2025-01-01', asOf: '2025-12-31' });
		expect(() => indicatorPeriod({ quarter: '2026Q5' })).toThrow('quarter must be written like 2026Q3');
		expect(() => indicatorPeriod({ asOf: '2026-02-30' })).toThrow(SmdInputError);
		expect(() => indicatorPeriod({ quarter: '2026Q1', asOf: '2026-05-01' })).toThrow('asOf must fall in the quarter given');
	});

	test('targets and weights are validated, naming the field', () => {
		expect(resolveIndicatorConfig({ targets: { managementRate: 0.9 } }).targets).toMatchObject({ managementRate: 0.9, medicationRate: 0.7 });
		expect(() => resolveIndicatorConfig({ targets: { managementRate: 80 } })).toThrow('config.targets.managementRate must be 0–1');
		expect(() => resolveIndicatorConfig({ weights: { nope: 1 } as never })).toThrow(/config\.weights/);
		expect(() => resolveIndicatorConfig({ weights: Object.fromEntries(Object.keys(DEFAULT_INDICATOR_CONFIG.weights).map((k) => [k, 0])) })).toThrow('at least one weight');
	});

	test('ties share a rank and the next rank is skipped', () => {
		const areas = [{ score: 90, rank: null }, { score: 80, rank: null }, { score: 90, rank: null }, { score: null, rank: null }, { score: 70, rank: null }];
		rankByScore(areas);
		expect(areas.map((a) => a.rank)).toEqual([1, 3, 1, null, 4]);
	});

	test('a weight of 0 leaves an indicator out; a met target counts 1 however far above', () => {
		const facts: PatientFacts[] = [
			{ rowId: 1, township: '甲', status: 'active', registeredOn: null, diagnosis: null, lastHealthCheck: null, followUps: 0, quarterMask: 0, faceToFace: false, last: null, caseManaged: null },
		];
		const r = computeIndicators(facts, { period: indicatorPeriod({ quarter: '2026Q1' }), population: { 甲: 100 } });
		// prevalence 10‰ ≥ 4.5 counts 1; six rates over the registered count 0; the stable rate (no one managed)
		// and the schizophrenia pair have no denominator → 1 of 7
		expect(r.areas[0].score).toBeCloseTo(100 / 7, 2);
		const onlyPrevalence = compositeScore(r.areas[0].indicators, {
			targets: DEFAULT_INDICATOR_CONFIG.targets,
			weights: { ...Object.fromEntries(Object.keys(DEFAULT_INDICATOR_CONFIG.weights).map((k) => [k, 0])), reportedPrevalence: 1 } as never,
		});
		expect(onlyPrevalence).toBe(100);
	});
});
