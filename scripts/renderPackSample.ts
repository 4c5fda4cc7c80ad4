/**
 * A synthetic county's quarterly indicators (never real people) and the four quarterly reports
 * rendered from it: the fixture of the quarterly-report tests and the source of
 * docs/screenshots/quarterly-pack.png.
 *
 *   npm run build && node dist/scripts/renderPackSample.js --out out/quarterly-sample [--screenshot docs/screenshots/quarterly-pack.png]
 *
 * Writes the HTML, PDF (where Chromium is installed) and XLSX files of every report into --out and,
 * with --screenshot, page 1 of the pack's PDF as a PNG (poppler's pdftoppm).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readArgs } from './cliArgs';
import { idCheckChar } from '../lib/idNumber';
import { ACTION_CATEGORIES, computeIndicators, indicatorPeriod, type ActionCategory, type ActionItem, type IndicatorResult, type PatientFacts } from '../lib/indicators';
import { quarterlyReportFiles, type QuarterlyReportKind } from '../lib/quarterlyReports';

export const SAMPLE_TOWNSHIPS = ['城关镇', '东关镇', '西河乡', '南山镇', '北坡乡', '清水镇', '石桥乡', '柳林镇', '白杨乡', '红旗街道'];

const SURNAMES = ['赵', '钱', '孙', '李', '周', '吴', '郑', '王', '冯', '陈'];
const GIVEN = ['测一', '测二', '样三', '样四', '例五', '例六', '试七', '试八'];

/** A deterministic pseudo-random sequence (mulberry32): the same seed, the same county. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A valid ID number under prefecture 4399, which GB/T 2260 assigns to no area. */
export function sampleIdNumber(seq: number): string {
	const birth = `19${String(60 + (seq % 35)).padStart(2, '0')}0${1 + (seq % 9)}1${seq % 10}`;
	const body = `439901${birth}${String(seq % 1000).padStart(3, '0')}`;
	return body + idCheckChar(body);
}

export interface SampleOptions {
	townships?: string[];
	/** Patient names for the action list, used in turn; default synthetic two- and three-character names. */
	names?: string[];
	seed?: number;
	/** Patients per township (default 40). */
	patientsPerTownship?: number;
	/** Give earlier quarters as `history` (default true); false leaves previous/change only. */
	history?: boolean;
}

export type SampleInput = IndicatorResult & { actionList: ActionItem[]; history?: IndicatorResult[] };

interface SamplePatient {
	rowId: number;
	township: string;
	quality: number;
	schizophrenia: boolean;
	risk: number;
	lost: boolean;
	caseManaged: boolean;
}

/** Facts of the patients for a quarter of 2026: how well each township works varies with `quality`. */
function factsFor(patients: SamplePatient[], quarterNo: number, lift: number, rnd: () => number): PatientFacts[] {
	const asOf = ['2026-03-31', '2026-06-30', '2026-09-30', '2026-12-31'][quarterNo - 1];
	const full = (1 << quarterNo) - 1;
	return patients.map((p) => {
		const q = Math.min(0.99, p.quality + lift);
		const managed = !p.lost && rnd() < q + 0.05;
		const classification = p.risk >= 3 ? 'unstable' : p.risk >= 1 ? 'basically_stable' : 'stable';
		const m = rnd();
		return {
			rowId: p.rowId,
			township: p.township,
			status: p.lost ? 'lost' : 'active',
			registeredOn: '2024-05-01',
			diagnosis: p.schizophrenia ? 'schizophrenia' : 'bipolar',
			lastHealthCheck: rnd() < q * 0.8 ? `2026-0${quarterNo}-15` : '2025-06-01',
			followUps: managed ? quarterNo + 1 : 0,
			quarterMask: managed ? (rnd() < q ? full : full >> 1) : 0,
			faceToFace: managed && rnd() < q,
			last: managed
				? {
						date: asOf.slice(0, 8) + '10',
						riskLevel: p.risk,
						classification,
						medication: m < q * 0.75 ? 'regular' : m < q ? 'intermittent' : 'none',
						hospitalised: false,
					}
				: null,
			caseManaged: classification === 'unstable' ? p.caseManaged : null,
		} satisfies PatientFacts;
	});
}

/**
 * The indicators of 2026Q3 for a synthetic county (with Q2 as the previous quarter and, unless
 * `history: false`, Q1 and Q2 as history) and an action list of synthetic patients.
 */
export function sampleQuarterlyInput(options: SampleOptions = {}): SampleInput {
	const townships = options.townships ?? SAMPLE_TOWNSHIPS;
	const rnd = random(options.seed ?? 20260930);
	const perTownship = options.patientsPerTownship ?? 40;
	const patients: SamplePatient[] = [];
	const population: Record<string, number> = {};
	townships.forEach((township, t) => {
		const quality = 0.62 + (0.38 * ((t * 7) % townships.length)) / Math.max(1, townships.length - 1);
		population[township] = 8000 + ((t * 1733) % 5000);
		for (let i = 0; i < perTownship; i++) {
			const r = rnd();
			patients.push({
				rowId: patients.length + 1,
				township,
				quality,
				schizophrenia: rnd() < 0.6,
				risk: r < 0.8 ? 0 : r < 0.88 ? 1 : r < 0.93 ? 2 : r < 0.97 ? 3 : r < 0.99 ? 4 : 5,
				lost: rnd() < (1 - quality) * 0.1,
				caseManaged: rnd() < quality,
			});
		}
	});
	const period = (q: number) => indicatorPeriod({ quarter: `2026Q${q}` });
	const q1 = factsFor(patients, 1, -0.12, rnd);
	const q2 = factsFor(patients, 2, -0.06, rnd);
	const q3 = factsFor(patients, 3, 0, rnd);
	const result = computeIndicators(q3, { period: period(3), population, previousFacts: q2 });
	const history = [computeIndicators(q1, { period: period(1), population }), computeIndicators(q2, { period: period(2), population })];
	const names = options.names ?? SURNAMES.flatMap((s) => GIVEN.map((g) => s + g));
	const actionList: ActionItem[] = [];
	const lastOf = new Map(q3.map((f) => [f.rowId, f]));
	for (const p of patients) {
		const f = lastOf.get(p.rowId)!;
		let category: ActionCategory | null = null;
		if (p.lost) category = 'lost';
		else if (f.last?.classification === 'unstable' && !p.caseManaged) category = 'unstable_no_case_management';
		else if (!f.last && p.rowId % 2 === 0) category = 'followup_overdue';
		if (!category) continue;
		const seq = actionList.length;
		actionList.push({
			township: p.township,
			category,
			categoryLabel: ACTION_CATEGORIES[category],
			patientNo: `P${String(p.rowId).padStart(5, '0')}`,
			name: names[seq % names.length],
			idNumber: sampleIdNumber(seq + 1),
			riskLevel: f.last?.riskLevel ?? p.risk,
			classification: f.last?.classification ?? null,
			lastFollowUpDate: f.last?.date ?? '2026-03-02',
			nextFollowUpDate: category === 'followup_overdue' ? '2026-09-02' : null,
			daysOverdue: category === 'followup_overdue' ? 28 : null,
			action: category === 'lost' ? '会同派出所、村（居）委会查找下落' : category === 'unstable_no_case_management' ? '纳入个案管理，制订个案管理计划' : '补做随访（面访为主）',
			responsible: `${p.township.slice(0, 1)}精防专干`,
			dueDate: category === 'lost' ? '2026-10-30' : category === 'followup_overdue' ? '2026-10-07' : '2026-10-14',
		});
	}
	// Through JSON, as an n8n item carries it.
	const json = JSON.parse(JSON.stringify({ ...result, actionList, ...(options.history === false ? {} : { history }) })) as SampleInput;
	return json;
}

const KINDS: QuarterlyReportKind[] = ['quarterlyPack', 'rankingTable', 'actionList', 'catchUpPlan'];

async function main(argv: string[]): Promise<void> {
	const { values } = readArgs(argv, { out: { type: 'string' }, screenshot: { type: 'string' } });
	const out = path.resolve(values.out ?? 'out/quarterly-sample');
	mkdirSync(out, { recursive: true });
	const input = sampleQuarterlyInput();
	for (const kind of KINDS) {
		const started = Date.now();
		const { files, pdf, timings } = await quarterlyReportFiles(kind, input, { county: '示例县', now: new Date(2026, 9, 8, 9, 30) });
		for (const f of files) writeFileSync(path.join(out, f.fileName), f.data);
		console.log(`${kind}: ${files.map((f) => f.fileName).join(', ')} (pdf ${pdf}; html ${timings.htmlMs} ms, pdf ${timings.pdfMs ?? '—'} ms, xlsx ${timings.xlsxMs ?? '—'} ms, all ${Date.now() - started} ms)`);
		if (kind === 'quarterlyPack' && values.screenshot) {
			const pdfFile = files.find((f) => f.kind === 'pdf');
			if (!pdfFile) throw new Error('no PDF to take the screenshot from (Chromium not found)');
			const dir = mkdtempSync(path.join(tmpdir(), 'smd-shot-'));
			try {
				writeFileSync(path.join(dir, 'pack.pdf'), pdfFile.data);
				execFileSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', path.join(dir, 'pack.pdf'), path.join(dir, 'page')]);
				writeFileSync(path.resolve(values.screenshot), readFileSync(path.join(dir, 'page.png')));
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		}
	}
}

if (require.main === module) {
	main(process.argv.slice(2)).catch((error) => {
		console.error((error as Error).message);
		process.exitCode = 1;
	});
}
