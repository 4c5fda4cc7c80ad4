/**
 * Benchmark of referrals, case management and the daily work list at county-city scale: a registry of
 * 1,000,000 patients in 200 townships (the synthetic demo county), then referrals created and stepped one
 * request at a time (as the SMD Referral node does, each its own transaction), case-management tasks and
 * plans, the daily work lists of every township built from the registry, and their files rendered.
 *
 *   npm run bench:worklist [-- --patients 1000000 --townships 200 --referrals 20000 --plans 50000]
 *
 * No target in the issue; prints a table.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importRegistryFile } from '../lib/registry/import';
import { createPlanTask, openPlan } from '../lib/registry/casePlans';
import { createReferral, listLateReferrals, stepReferral } from '../lib/registry/referrals';
import { RegistryStore } from '../lib/registry/store';
import { buildWorkLists } from '../lib/registry/workListFacts';
import { workListFiles } from '../lib/workListReports';
import { readArgs } from '../scripts/cliArgs';
import { DemoCounty } from '../scripts/demoCounty';
import { benchTownship, mb, Steps, writeRegistryExport } from './common';

const { values: v } = readArgs(process.argv.slice(2), {
	patients: { type: 'string' },
	townships: { type: 'string' },
	referrals: { type: 'string' },
	plans: { type: 'string' },
});
const PATIENTS = Number(v.patients ?? 1_000_000);
const TOWNSHIPS = Number(v.townships ?? 200);
const REFERRALS = Number(v.referrals ?? 20_000);
const PLANS = Number(v.plans ?? 50_000);
const townshipOf = benchTownship(TOWNSHIPS);
const DAY = '2026-11-30';
const steps = new Steps();
const step = steps.step.bind(steps);
const rate = (n: number, ms: number) => `${n} = ${Math.round(n / (ms / 1000))}/s`;

async function main(): Promise<void> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-bench-w-'));
	try {
		const county = new DemoCounty({ patients: PATIENTS });
		const registryCsv = path.join(dir, 'registry.csv');
		await step(`registry export written (${PATIENTS} patients, ${TOWNSHIPS} townships)`, () => writeRegistryExport(registryCsv, county, PATIENTS, townshipOf));
		const store = RegistryStore.open(path.join(dir, 'registry.sqlite'));
		try {
			await step('registry import (lib)', () => importRegistryFile(store, readFileSync(registryCsv)), (r, ms) => `${r.inserted} patients, ${Math.round(r.rows / (ms / 1000))} rows/s`);
			const active = (store.internals.arrays("SELECT patient_no FROM patients WHERE status = 'active' ORDER BY id").all() as unknown as string[][]).map((r) => r[0]);
			const at = (k: number) => active[(k * 7919) % active.length];
			const made = await step(
				'referrals created, one request and transaction each (half upward, half returns)',
				() => {
					const nos: string[] = [];
					for (let k = 0; k < REFERRALS; k++) {
						const up = k % 2 === 0;
						const r = createReferral(
							store,
							{
								patientNo: at(k),
								direction: up ? 'up' : 'return',
								fromInstitution: up ? `${townshipOf(k)}卫生院` : '县精神卫生中心',
								toInstitution: up ? '县精神卫生中心' : `${townshipOf(k)}卫生院`,
								reasons: [up ? 'violence_self_harm' : 'stable_return'],
								urgency: up ? 'urgent' : 'routine',
								consentBy: 'guardian',
								consentAt: '2026-11-01T02:00:00Z',
								dischargeDate: up ? null : '2026-10-20',
								idempotencyKey: `bench-${k}`,
							},
							// Spread over October, as a county's referrals are (each day numbers its own).
							{ now: `2026-10-${String((k % 30) + 1).padStart(2, '0')}T02:00:00Z` },
						);
						nos.push(r.referral.referralNo);
					}
					return nos;
				},
				(nos, ms) => rate(nos.length, ms),
			);
			await step('the same requests again (idempotency keys: nothing written)', () => {
				for (let k = 0; k < Math.min(REFERRALS, 5000); k++) {
					const up = k % 2 === 0;
					createReferral(store, {
						patientNo: at(k), direction: up ? 'up' : 'return', fromInstitution: up ? `${townshipOf(k)}卫生院` : '县精神卫生中心',
						toInstitution: up ? '县精神卫生中心' : `${townshipOf(k)}卫生院`, reasons: [up ? 'violence_self_harm' : 'stable_return'],
						urgency: up ? 'urgent' : 'routine', consentBy: 'guardian', consentAt: '2026-11-01T02:00:00Z', dischargeDate: up ? null : '2026-10-20', idempotencyKey: `bench-${k}`,
					}, { now: `2026-10-${String((k % 30) + 1).padStart(2, '0')}T02:00:00Z` });
				}
				return Math.min(REFERRALS, 5000);
			}, (n, ms) => rate(n, ms));
			await step('upward referrals sent (a step each, with its event)', () => {
				let n = 0;
				for (let k = 0; k < made.length; k += 2) {
					stepReferral(store, { referralNo: made[k], step: 'sent', at: '2026-11-02T03:00:00Z' });
					n++;
				}
				return n;
			}, (n, ms) => rate(n, ms));
			await step('case-management tasks, then plans opened for half of them', () => {
				const team = [{ role: 'mental_health_worker' as const, name: '专干' }, { role: 'police' as const, name: '民警' }, { role: 'guardian' as const, name: '监护人' }];
				for (let k = 0; k < PLANS; k++) createPlanTask(store, { patientNo: active[(k * 104729) % active.length], reason: 'bench' }, { today: `2026-10-${String((k % 30) + 1).padStart(2, '0')}` });
				for (let k = 0; k < PLANS; k += 2) openPlan(store, { patientNo: active[(k * 104729) % active.length], team, goals: ['规律服药'], openedOn: '2026-11-10' }, { today: '2026-11-10' });
				return PLANS + PLANS / 2;
			}, (n, ms) => rate(n, ms));
			await step('referrals late on the day', () => listLateReferrals(store, DAY), (l) => `${l.length} late`);
			const lists = await step('daily work lists, every township and the county', () => buildWorkLists(store, DAY), (l) => `${l.townships.length} townships, ${l.townships.reduce((n, t) => n + t.rows.length, 0)} rows, ${l.county.patients} patients, ${mb()}`);
			await step('rendered: HTML + XLSX per township and the summary', async () => {
				let bytes = 0;
				for (const item of [...lists.townships, lists.county]) {
					for (const f of (await workListFiles(item, { formats: ['html', 'xlsx'] })).files) bytes += f.data.length;
				}
				return bytes;
			}, (b) => `${(b / 1048576).toFixed(1)} MB, ${mb()}`);
		} finally {
			store.close();
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	steps.print(`Referral and work-list benchmark: ${PATIENTS} patients, ${TOWNSHIPS} townships (${os.cpus().length} cores, Node ${process.version})`);
}

main().catch((error: Error) => {
	console.error(`bench:worklist: ${error.stack}`);
	process.exitCode = 1;
});
