/**
 * Benchmark of the quarterly joint meeting at county-city scale: a registry of 1,000,000 patients in
 * 200 townships with 4,000,000 follow-ups (the synthetic demo county, patients spread over 200
 * townships, 4 follow-ups a year each): the follow-up import, the indicators (with the previous
 * quarter), the action list, and the pack rendered (HTML and XLSX; PDF timed apart).
 *
 *   npm run bench:quarterly [-- --patients 1000000 --townships 200 --per-patient 4 --pdf]
 *
 * Targets (issue): indicators ≤ 10 s, the pack ≤ 5 s, follow-up import ≥ 100,000 rows/s. Prints a table.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indicatorPeriod } from '../lib/indicators';
import { htmlToPdf, chromiumAvailable } from '../lib/pdf';
import { quarterlyReportFiles, renderQuarterlyHtml, parseQuarterlyInput, type QuarterlyReportKind } from '../lib/quarterlyReports';
import { importFollowUpFile } from '../lib/registry/followUpImport';
import { registryActionList, registryIndicators } from '../lib/registry/indicatorFacts';
import { importRegistryFile } from '../lib/registry/import';
import { RegistryStore } from '../lib/registry/store';
import { readArgs } from '../scripts/cliArgs';
import { DemoCounty } from '../scripts/demoCounty';
import { benchTownship, mb, Steps, writeRegistryExport } from './common';
import { writeFollowUpExport } from '../scripts/demoQuarterlyData';

const { values: v } = readArgs(process.argv.slice(2), {
	patients: { type: 'string' },
	townships: { type: 'string' },
	'per-patient': { type: 'string' },
	pdf: { type: 'boolean' },
});
const PATIENTS = Number(v.patients ?? 1_000_000);
const TOWNSHIPS = Number(v.townships ?? 200);
const PER_PATIENT = Number(v['per-patient'] ?? 4);
const townshipOf = benchTownship(TOWNSHIPS);
const steps = new Steps();
const step = steps.step.bind(steps);

async function main(): Promise<void> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-bench-q-'));
	try {
		const county = new DemoCounty({ patients: PATIENTS });
		const registryCsv = path.join(dir, 'registry.csv');
		await step(`registry export written (${PATIENTS} patients, ${TOWNSHIPS} townships)`, () => writeRegistryExport(registryCsv, county, PATIENTS, townshipOf));
		const followUps = path.join(dir, 'follow-ups.csv');
		const written = await step('follow-up export written', () => writeFollowUpExport(followUps, county, { maxPerPatient: PER_PATIENT }), (c) => `${c.rows} rows, ${(statSync(followUps).size / 1048576).toFixed(0)} MB`);

		const store = RegistryStore.open(path.join(dir, 'registry.sqlite'));
		try {
			await step('registry import', async () => importRegistryFile(store, readFileSync(registryCsv)), (r, ms) => `${r.inserted} patients, ${Math.round(r.rows / (ms / 1000))} rows/s`);
			const data = readFileSync(followUps);
			const fu = await step('follow-up import (target ≥ 100,000 rows/s)', () => importFollowUpFile(store, data, { fileName: 'follow-ups.csv' }), (r, ms) => `${r.inserted} written, ${Math.round(r.rows / (ms / 1000))} rows/s, ${mb()}`);
			if (fu.rows !== written.rows || fu.inserted + fu.superseded + fu.rejected !== fu.rows) throw new Error('follow-up rows do not reconcile');
			await step('follow-up import again (nothing to write)', () => importFollowUpFile(store, data, { fileName: 'follow-ups.csv' }), (r, ms) => `${r.unchanged} unchanged, ${Math.round(r.rows / (ms / 1000))} rows/s`);

			const period = indicatorPeriod({ quarter: '2026Q3' });
			const population = new Map(Array.from({ length: TOWNSHIPS }, (_, k) => [`第${String(k + 1).padStart(3, '0')}乡镇`, Math.round(PATIENTS / TOWNSHIPS / 0.0045)]));
			const result = await step('indicators, 2026Q3 and 2026Q2 (target ≤ 10 s)', () => registryIndicators(store, { period, population }), (r) => `${r.areas.length} areas, ${r.patientsRead} patients, ${mb()}`);
			const actions = await step('action list (500 per township)', () => registryActionList(store, period.asOf), (a) => `${a.items.length} listed of ${a.summary.reduce((s, x) => s + x.followup_overdue + x.lost + x.unstable_no_case_management, 0)}`);
			const input = { ...result, actionList: actions.items, actionSummary: actions.summary };
			const kinds: QuarterlyReportKind[] = ['quarterlyPack', 'rankingTable', 'actionList', 'catchUpPlan'];
			await step('pack rendered: HTML + XLSX of the four reports (target ≤ 5 s)', async () => {
				let bytes = 0;
				const each: string[] = [];
				for (const k of kinds) {
					const t = Date.now();
					for (const f of (await quarterlyReportFiles(k, input, { pdf: false, county: '基准县' })).files) bytes += f.data.length;
					each.push(`${k} ${((Date.now() - t) / 1000).toFixed(1)} s`);
				}
				return { bytes, each };
			}, (r) => `${(r.bytes / 1048576).toFixed(1)} MB; ${r.each.join(', ')}`);
			if (v.pdf && chromiumAvailable()) {
				const html = renderQuarterlyHtml('quarterlyPack', parseQuarterlyInput(input), { county: '基准县' });
				await step('pack PDF through Chromium', () => htmlToPdf(html, { timeoutMs: 600_000 }), (pdf) => `${(pdf.length / 1048576).toFixed(1)} MB`);
			}
		} finally {
			store.close();
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	steps.print(`Quarterly benchmark: ${PATIENTS} patients, ${TOWNSHIPS} townships, ≤ ${PER_PATIENT} follow-ups each (${os.cpus().length} cores, Node ${process.version})`);
}

main().catch((error: Error) => {
	console.error(`bench:quarterly: ${error.stack}`);
	process.exitCode = 1;
});
