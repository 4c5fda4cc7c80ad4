/**
 * The demo county's inputs for the quarterly joint meeting: a year of follow-ups as the national
 * system exports them (one row per follow-up, with 病情分类) and the resident population per township.
 * Derived from (seed, patient index) like the registry (scripts/demoCounty.ts): the same options give
 * byte-identical files, and nothing is a real person.
 *
 * Each patient's follow-ups run back from the registry's 末次随访日期 at the interval its
 * classification calls for (stable about 3 months, basically stable about a month, unstable about two
 * weeks), no earlier than a year before the as-of day or the patient's 建档日期. The last follow-up
 * agrees with the registry (risk level, classification, medication). Planted for the demo to show: a
 * same-day correction now and then (the later row wins), and two rows of patients the registry does
 * not hold (row errors).
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { CLASSIFICATIONS, MEDICATION, type Classification } from '../lib/vocabulary';
import { DEMO_TOWNSHIPS, DemoCounty, hash3, Rng, STREAM, type DemoOptions } from './demoCounty';

export const FOLLOW_UP_EXPORT_HEADERS = [
	'患者编号', '随访日期', '随访形式', '危险性评估', '危险行为', '精神症状', '自知力', '社会功能', '药物不良反应', '躯体疾病', '是否住院', '服药情况', '病情分类',
] as const;

/** Reported prevalence per demo township (‰): the population follows from the registry's size. */
const PREVALENCE: Record<string, number> = { 城关镇: 4.8, 河西乡: 3.9, 青山镇: 5.2, 柳林乡: 4.1, 石桥镇: 4.6 };
const TOWNSHIP_SHARE: Record<string, number> = { 城关镇: 0.3, 河西乡: 0.18, 青山镇: 0.2, 柳林乡: 0.14, 石桥镇: 0.18 };

const DAY_MS = 86_400_000;
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The observation columns for a classification, as the form writes them. */
const OBSERVED: Record<Classification, string[]> = {
	stable: ['基本消失', '自知力完全', '良好', '无', '无'],
	basically_stable: ['部分存在', '自知力不全', '一般', '无', '无'],
	unstable: ['明显', '缺失', '较差', '无', '无'],
};
const INTERVAL: Record<Classification, [number, number]> = { stable: [80, 100], basically_stable: [25, 35], unstable: [12, 16] };

export interface FollowUpExportOptions extends DemoOptions {
	/** At most this many follow-ups per patient (the benchmark keeps 4 a year). Default no limit. */
	maxPerPatient?: number;
	/** Township of patient i instead of the registry's (the benchmark spreads patients over 200 townships). */
	townshipOf?: (i: number) => string;
}

/** CSV text of one row (fields quoted when they need it). */
function csvLine(cells: string[]): string {
	return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',') + '\r\n';
}

/** The follow-up export rows of patient i, oldest first. */
export function followUpRowsOf(county: DemoCounty, i: number, options: FollowUpExportOptions = {}): string[][] {
	const p = county.personAt(i);
	const r = new Rng(hash3(county.seed, STREAM.followUp, i));
	const windowStart = Math.max(dayMs(county.asOf) - 364 * DAY_MS, p.registeredOn ? dayMs(p.registeredOn) : 0);
	const dates: number[] = [];
	for (let t = dayMs(p.lastFollowUpDate); t >= windowStart; ) {
		dates.unshift(t);
		const [lo, hi] = INTERVAL[dates.length === 1 ? p.classification : r.chance(0.8) ? p.classification : 'stable'];
		t -= r.range(lo, hi) * DAY_MS;
	}
	const kept = options.maxPerPatient ? dates.slice(-options.maxPerPatient) : dates;
	const rows: string[][] = [];
	kept.forEach((t, k) => {
		const last = k === kept.length - 1;
		const cls: Classification = last ? p.classification : r.chance(0.85) ? p.classification : 'stable';
		const level = last ? p.riskLevel : cls === 'unstable' ? r.range(0, 3) : cls === 'basically_stable' ? r.range(0, 2) : 0;
		const u = r.float();
		const form = cls === 'stable' ? (u < 0.6 ? '家庭访视' : u < 0.85 ? '门诊' : '电话') : u < 0.7 ? '家庭访视' : '门诊';
		const hospitalised = cls === 'unstable' && r.chance(0.25) ? '是' : '否';
		const day = isoDay(t);
		const written = r.chance(0.05) ? `${Number(day.slice(0, 4))}/${Number(day.slice(5, 7))}/${Number(day.slice(8, 10))}` : day;
		const row = [
			p.patientNo, written, form, `${level}级`, level >= 3 ? '明显打砸' : level >= 1 ? '口头威胁' : '', ...OBSERVED[cls], hospitalised, MEDICATION[p.medication], CLASSIFICATIONS[cls],
		];
		// Now and then a same-day correction: a first row with the wrong medication, then the right one.
		if (last && i % 397 === 5) rows.push(row.map((c, j) => (j === 11 ? MEDICATION.none : c)));
		rows.push(row);
	});
	return rows;
}

export interface FollowUpExportCounts {
	rows: number;
	patients: number;
	corrections: number;
	unknownPatients: number;
}

/** Write the follow-up export (UTF-8 with BOM, CRLF) of every registry patient, streamed. */
export async function writeFollowUpExport(file: string, county: DemoCounty, options: FollowUpExportOptions = {}): Promise<FollowUpExportCounts> {
	const out = createWriteStream(file);
	const counts: FollowUpExportCounts = { rows: 0, patients: 0, corrections: 0, unknownPatients: 0 };
	const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve)));
	await write('\uFEFF' + csvLine([...FOLLOW_UP_EXPORT_HEADERS]));
	let chunk = '';
	for (let i = 0; i < county.patients; i++) {
		const rows = followUpRowsOf(county, i, options);
		if (rows.length) counts.patients++;
		for (let k = 0; k < rows.length; k++) {
			if (k > 0 && rows[k][1] === rows[k - 1][1]) counts.corrections++;
			chunk += csvLine(rows[k]);
		}
		counts.rows += rows.length;
		if (chunk.length > 1 << 20) {
			await write(chunk);
			chunk = '';
		}
	}
	// Two rows for patients the registry does not hold: the import reports them as row errors.
	for (const no of ['DEMO-X00001', 'DEMO-X00002']) {
		chunk += csvLine([no, isoDay(dayMs(county.asOf) - 30 * DAY_MS), '门诊', '0级', '', ...OBSERVED.stable, '否', MEDICATION.regular, CLASSIFICATIONS.stable]);
		counts.rows++;
		counts.unknownPatients++;
	}
	await write(chunk);
	await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
	return counts;
}

/** The resident population per demo township, sized so that the registry gives the prevalence in PREVALENCE. */
export function demoPopulation(patients: number, townships: readonly string[] = DEMO_TOWNSHIPS): Map<string, number> {
	return new Map(townships.map((t) => [t, Math.round((patients * (TOWNSHIP_SHARE[t] ?? 1 / townships.length)) / ((PREVALENCE[t] ?? 4.5) / 1000))]));
}

export async function writePopulationCsv(file: string, population: Map<string, number>): Promise<void> {
	await writeFile(file, '\uFEFF' + csvLine(['乡镇', '常住人口']) + [...population].map(([t, n]) => csvLine([t, String(n)])).join(''), 'utf8');
}
