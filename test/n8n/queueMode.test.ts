/**
 * n8n queue mode, as README "Running at scale" describes it: PostgreSQL (n8n's own database and the
 * SMD registry) and Redis (the queue) from Debian's packages on loopback, one main and two workers
 * sharing the user folder where this package is installed.
 *
 * 1. The shipped workflows on the embedded registry, run from the editor (Chromium) with manual
 *    executions offloaded to the workers, and their outputs checked.
 * 2. The registry on PostgreSQL (n8n's Postgres credential): a registry import and two police lists
 *    started at the same moment through production webhooks, run by the two workers at once;
 *    afterwards no write is lost or duplicated and every count reconciles.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importRegistryFile } from '../../lib/registry/import';
import { RegistryStore } from '../../lib/registry/store';
import { Triage, countByCategory, policeRowFrom } from '../../lib/triage';
import { readTable } from '../../lib/tabular';
import { csvLine, DEMO_AS_OF, DEMO_SEED, generatePoliceList, generateRegistry, POLICE_HEADERS, REGISTRY_HEADERS, writeDemoFiles } from '../../scripts/demoCounty';
import { checkEditor, type EditorReport } from '../../scripts/editorCheck';
import { DEMO_OWNER, ensureN8n, ensureOwner, freePort, importWorkflows, installPackage, instanceAt, n8nCli, packPackage, prepareWorkflow, workflowFiles, type Instance } from '../../scripts/localN8n';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import { startQueueStack, type QueueStack } from '../../scripts/queueMode';
import type { WorkflowJson } from '../../scripts/workflowJson';

let tmp: string;
let instance: Instance;
let stack: QueueStack | undefined;
let report: EditorReport;
let smd: string;

const psql = (sql: string, db = 'n8n') =>
	execFileSync('psql', ['-h', '127.0.0.1', '-p', String(stack!.postgres.port), '-U', 'postgres', '-d', db, '-Atc', sql], { encoding: 'utf8' }).trim();
const registrySql = (sql: string) => psql(sql, 'smd');

/** The PostgreSQL registry's credential (n8n's own Postgres type) and the workflows run against it. */
const PG_CREDENTIAL = { id: 'smdPgRegistry01', name: 'SMD 登记库 PostgreSQL' };
const PG_RUNS = {
	seed: { id: 'smdQPgImport001', hook: 'q-registry-seed' },
	import: { id: 'smdQPgImport002', hook: 'q-registry-import' },
	listA: { id: 'smdQPgTriageA01', hook: 'q-triage-a' },
	listB: { id: 'smdQPgTriageB01', hook: 'q-triage-b' },
} as const;
const LIST_B_ROWS = 400;
const NEW_PATIENTS = 200;
const MOVED = 300;

/** A shipped workflow started by a production webhook and using the PostgreSQL registry. */
function onPostgres(file: string, run: { id: string; hook: string }, settings: Record<string, string>): WorkflowJson {
	const w = prepareWorkflow(path.join(PACKAGE_ROOT, 'workflows', file), instance, settings);
	w.id = run.id;
	w.name = `${w.name} (PostgreSQL, ${run.hook})`;
	for (const n of w.nodes) {
		if (n.type === 'n8n-nodes-base.manualTrigger') {
			// Same name, so the connections stay: answered at once, the run goes to a worker.
			Object.assign(n, { type: 'n8n-nodes-base.webhook', typeVersion: 2, webhookId: `0b5e2c1a-0000-4000-8000-${run.id.slice(-12).padStart(12, '0')}`, parameters: { httpMethod: 'POST', path: run.hook, responseMode: 'onReceived', options: {} } });
		}
		if (n.type === 'n8n-nodes-smd.smdRegistry') {
			n.parameters = { ...n.parameters, backend: 'postgres', pgSchema: 'smd' };
			delete (n.parameters as Record<string, unknown>).registryFile;
			(n as { credentials?: unknown }).credentials = { postgres: PG_CREDENTIAL };
		}
	}
	return w;
}

const writeCsv = (file: string, headers: readonly string[], rows: Array<Record<string, string>>) =>
	writeFileSync(file, '\ufeff' + csvLine(headers) + rows.map((r) => csvLine(headers.map((h) => r[h] ?? ''))).join(''));

/** Start a production webhook's run and wait until n8n records it finished (it runs on a worker). */
async function runByWebhook(hook: string, workflowId: string): Promise<string> {
	const before = Number(psql(`SELECT count(*) FROM execution_entity WHERE "workflowId" = '${workflowId}'`));
	const res = await fetch(`${stack!.main.url}/webhook/${hook}`, { method: 'POST' });
	if (res.status !== 200) throw new Error(`webhook ${hook}: HTTP ${res.status}`);
	const deadline = Date.now() + 300_000;
	while (Date.now() < deadline) {
		const rows = psql(`SELECT status FROM execution_entity WHERE "workflowId" = '${workflowId}' ORDER BY id`).split('\n').filter(Boolean);
		if (rows.length > before && !['new', 'running', 'waiting'].includes(rows[rows.length - 1])) return rows[rows.length - 1];
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error(`${workflowId} did not finish within 300 s`);
}

/** The categories of a triage.json the workflow wrote. */
const countsIn = (file: string) => {
	const rows = JSON.parse(readFileSync(file, 'utf8')) as Array<{ category: string }>;
	const counts: Record<string, number> = {};
	for (const r of rows) counts[r.category] = (counts[r.category] ?? 0) + 1;
	return { rows: rows.length, counts };
};

let concurrent: { statuses: string[]; ms: number };
let expectedB: Record<string, number>;

beforeAll(async () => {
	tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-queue-'));
	instance = instanceAt(path.join(tmp, 'n8n'));
	smd = path.join(instance.filesDir, 'smd');
	await ensureN8n();
	await installPackage(instance, await packPackage(path.join(tmp, 'pack')));
	await writeDemoFiles(smd, { seed: DEMO_SEED, asOf: DEMO_AS_OF });
	copyFileSync(path.join(PACKAGE_ROOT, 'scripts', 'demo-data', 'follow-ups.csv'), path.join(smd, 'follow-ups.csv'));
	// n8n's Write File node does not create folders: the output folders must exist.
	for (const d of ['out', 'out-a', 'out-b', 'out-import']) mkdirSync(path.join(smd, d));

	// The PostgreSQL runs' inputs: the next registry export (300 patients moved house, 200 new ones
	// numbered NEW-…, from another seed) and a second police list of 400 rows.
	const registry = [...generateRegistry({ seed: DEMO_SEED, asOf: DEMO_AS_OF })];
	const newcomers = [...generateRegistry({ seed: 99, asOf: DEMO_AS_OF, patients: NEW_PATIENTS })].map((r, i) => ({ ...r, 患者编号: `NEW-${String(i + 1).padStart(4, '0')}` }));
	const next = registry.map((r, i) => (i % 10 === 0 ? { ...r, 现住址: `${r['所属乡镇'] ?? ''}新居${i}号` } : r));
	writeCsv(path.join(smd, 'registry-next.csv'), REGISTRY_HEADERS, [...next, ...newcomers]);
	const listB = generatePoliceList(registry, { seed: 77, asOf: DEMO_AS_OF, policeRows: LIST_B_ROWS });
	writeCsv(path.join(smd, 'police-list-b.csv'), POLICE_HEADERS, listB.rows);
	// What the package gives for list B on the embedded registry (the engine path): PostgreSQL must agree.
	const store = RegistryStore.open(path.join(tmp, 'expected.sqlite'));
	try {
		await importRegistryFile(store, readFileSync(path.join(smd, 'registry.csv')), { today: DEMO_AS_OF });
		const table = await readTable(readFileSync(path.join(smd, 'police-list-b.csv')));
		const triage = new Triage(store, { asOf: DEMO_AS_OF });
		const counts = countByCategory(table.rows.map((r) => triage.triageRow(policeRowFrom(r.values, r.row, r.line))));
		expectedB = Object.fromEntries(Object.entries(counts).filter(([k, n]) => k !== 'total' && n > 0));
	} finally {
		store.close();
	}

	const t0 = Date.now();
	const byId: Record<string, WorkflowJson> = Object.fromEntries(workflowFiles().map((f) => prepareWorkflow(f, instance, f.endsWith('police-list-triage.json') ? { asOf: DEMO_AS_OF } : {})).map((w) => [w.id, w]));
	const pgWorkflows = [
		onPostgres('registry-import.json', PG_RUNS.seed, {}),
		onPostgres('registry-import.json', PG_RUNS.import, { registryExportFile: path.join(smd, 'registry-next.csv'), outputDir: path.join(smd, 'out-import') }),
		onPostgres('police-list-triage.json', PG_RUNS.listA, { asOf: DEMO_AS_OF, outputDir: path.join(smd, 'out-a') }),
		onPostgres('police-list-triage.json', PG_RUNS.listB, { asOf: DEMO_AS_OF, policeListFile: path.join(smd, 'police-list-b.csv'), outputDir: path.join(smd, 'out-b') }),
	];
	stack = await startQueueStack(instance, path.join(tmp, 'services'), {
		port: await freePort(),
		workers: 2,
		// Before main starts: the registry's database, the Postgres credential, the workflows (into
		// n8n's PostgreSQL, through the CLI with main's settings) and the webhook ones published.
		beforeMain: async (env, postgres) => {
			execFileSync('createdb', ['-h', '127.0.0.1', '-p', String(postgres.port), '-U', 'postgres', 'smd']);
			const credentials = path.join(tmp, 'pg-credential.json');
			const data = { host: '127.0.0.1', port: postgres.port, database: 'smd', user: 'postgres', password: '', ssl: 'disable', allowUnauthorizedCerts: false, sshTunnel: false, maxConnections: 10 };
			writeFileSync(credentials, JSON.stringify([{ ...PG_CREDENTIAL, type: 'postgres', data }]));
			await n8nCli(instance, ['import:credentials', `--input=${credentials}`], { extra: env });
			rmSync(credentials);
			await importWorkflows(instance, [...Object.values(byId), ...pgWorkflows], { extra: env });
			for (const w of pgWorkflows) await n8nCli(instance, ['publish:workflow', `--id=${w.id}`], { extra: env });
		},
	});
	process.stderr.write(`queue mode: PostgreSQL, Redis, main and 2 workers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
	await ensureOwner(stack.main.url);
	// The registry first: triage reads it.
	const ordered = ['smdRegistryImpt1', 'smdPoliceTriage1', 'smdFollowUpRisk1'].map((id) => byId[id]);
	report = await checkEditor(stack.main.url, DEMO_OWNER, ordered, path.join(tmp, 'shots'), { execute: true });

	// The PostgreSQL registry: seeded with the demo export, then the next export and two police lists at once.
	const deadline = Date.now() + 60_000;
	while ((await fetch(`${stack.main.url}/webhook/${PG_RUNS.seed.hook}`, { method: 'HEAD' })).status === 404 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
	expect(await runByWebhook(PG_RUNS.seed.hook, PG_RUNS.seed.id)).toBe('success');
	const t1 = Date.now();
	const statuses = await Promise.all([PG_RUNS.import, PG_RUNS.listA, PG_RUNS.listB].map((r) => runByWebhook(r.hook, r.id)));
	concurrent = { statuses, ms: Date.now() - t1 };
	process.stderr.write(`queue mode, PostgreSQL registry: import of 3,200 + two police lists (600 and ${LIST_B_ROWS} rows) at once on 2 workers in ${(concurrent.ms / 1000).toFixed(1)} s\n`);
}, 1_500_000);
afterAll(async () => {
	await stack?.stop();
	rmSync(tmp, { recursive: true, force: true });
}, 120_000);

const workerStarts = (s: QueueStack) => s.workers.map((w) => (w.output().match(/Worker started execution \d+/g) ?? []).length);

test('the editor ran every workflow and found no problem', () => {
	expect(report.problems).toEqual([]);
	process.stderr.write(`queue mode, run from the editor by the workers: ${Object.entries(report.executed).map(([id, ms]) => `${id} ${ms} ms`).join(', ')}\n`);
	expect(Object.keys(report.executed).sort()).toEqual(['smdFollowUpRisk1', 'smdPoliceTriage1', 'smdRegistryImpt1']);
});

test('the workers ran every execution, both of them, never main; n8n stored them in PostgreSQL', () => {
	// 3 from the editor, the seed import, then the import and the two lists at once.
	const starts = workerStarts(stack!);
	expect(starts.reduce((a, b) => a + b, 0)).toBe(7);
	// Three runs at once on workers that take two each: the second worker had to take one.
	for (const n of starts) expect(n).toBeGreaterThan(0);
	expect(stack!.main.output()).not.toMatch(/Worker started execution/);
	expect(psql("SELECT status || ':' || count(*) FROM execution_entity GROUP BY status")).toBe('success:7');
	expect(concurrent.statuses).toEqual(['success', 'success', 'success']);
	// In queue mode n8n keeps binary data (here: the lists and reports) in its database by default.
	expect(Number(psql('SELECT count(*) FROM binary_data'))).toBeGreaterThan(0);
});

test('the outputs are those of the single-process n8n: triage counts and files', () => {
	const out = path.join(smd, 'out');
	expect(countsIn(path.join(out, 'triage.json')).counts).toEqual({ managed: 318, followup_overdue: 34, lost: 30, closed: 26, new_clue: 78, review: 96, invalid: 18 });
	const files = readdirSync(out);
	expect(files.filter((f) => f.startsWith('任务清单_')).length).toBeGreaterThanOrEqual(5);
	for (const f of [`公安反馈清单_${DEMO_AS_OF}.xlsx`, `处置汇总_${DEMO_AS_OF}.html`, 'import-report.json', 'unstable.xlsx', 'errors.xlsx']) expect(files).toContain(f);
});

describe('the registry on PostgreSQL, an import and two police lists at once on two workers', () => {
	test('no write lost or duplicated: every patient once, every import recorded once, its rows reconciled', () => {
		expect(Number(registrySql('SELECT count(*) FROM smd.patients'))).toBe(3000 + NEW_PATIENTS);
		expect(Number(registrySql('SELECT count(DISTINCT patient_no) FROM smd.patients'))).toBe(3000 + NEW_PATIENTS);
		expect(registrySql('SELECT count(*) FROM (SELECT id_number FROM smd.patients WHERE id_valid = 1 GROUP BY id_number HAVING count(*) > 1) d')).toBe('0');
		expect(Number(registrySql("SELECT count(*) FROM smd.patients WHERE patient_no LIKE 'NEW-%'"))).toBe(NEW_PATIENTS);
		expect(Number(registrySql("SELECT count(*) FROM smd.patients WHERE address LIKE '%新居%'"))).toBe(MOVED);
		const imports = registrySql("SELECT rows || ' ' || inserted || ' ' || updated || ' ' || unchanged || ' ' || rejected FROM smd.imports ORDER BY id").split('\n');
		expect(imports).toHaveLength(2);
		const [seed, next] = imports.map((l) => l.split(' ').map(Number));
		expect(seed).toEqual([3000, 3000, 0, 0, 0]);
		expect(next).toEqual([3000 + NEW_PATIENTS, NEW_PATIENTS, MOVED, 3000 - MOVED, 0]);
		const written = JSON.parse(readFileSync(path.join(smd, 'out-import', 'import-report.json'), 'utf8')) as Array<{ rows: number; inserted: number; updated: number; unchanged: number; rejected: number }>;
		const r = Array.isArray(written) ? written[0] : (written as never);
		expect(r.inserted + r.updated + r.unchanged + r.rejected).toBe(r.rows);
	});

	test('each list triaged in full, with the same categories as the embedded registry gives', () => {
		const a = countsIn(path.join(smd, 'out-a', 'triage.json'));
		expect(a).toEqual({ rows: 600, counts: { managed: 318, followup_overdue: 34, lost: 30, closed: 26, new_clue: 78, review: 96, invalid: 18 } });
		const b = countsIn(path.join(smd, 'out-b', 'triage.json'));
		expect(b.rows).toBe(LIST_B_ROWS);
		expect(b.counts).toEqual(expectedB);
	});

	test('the audit trail holds each run once: two imports, two triages; no identifiers', () => {
		const ops = registrySql("SELECT operation || ':' || count(*) FROM smd.audit_log GROUP BY operation ORDER BY operation").split('\n');
		expect(ops).toEqual(['list.triage:2', 'patient.importFile:2']);
		const detail = registrySql('SELECT string_agg(coalesce(detail, \'\'), \' \') FROM smd.audit_log');
		expect(detail).not.toMatch(/\d{17}[\dX]/);
	});
});
