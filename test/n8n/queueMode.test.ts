/**
 * n8n queue mode, as README "Running at scale" describes it: PostgreSQL (n8n's own database) and
 * Redis (the queue) from Debian's packages on loopback, one main and one worker sharing the user
 * folder where this package is installed. The workflows are run from the editor (Chromium) with
 * manual executions offloaded to the worker, and their outputs checked.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_AS_OF, DEMO_SEED, writeDemoFiles } from '../../scripts/demoCounty';
import { checkEditor, type EditorReport } from '../../scripts/editorCheck';
import { DEMO_OWNER, ensureN8n, ensureOwner, freePort, importWorkflows, installPackage, instanceAt, packPackage, prepareWorkflow, workflowFiles, type Instance } from '../../scripts/localN8n';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import { startQueueStack, type QueueStack } from '../../scripts/queueMode';

let tmp: string;
let instance: Instance;
let stack: QueueStack | undefined;
let report: EditorReport;

const psql = (sql: string) =>
	execFileSync('psql', ['-h', '127.0.0.1', '-p', String(stack!.postgres.port), '-U', 'postgres', '-d', 'n8n', '-Atc', sql], { encoding: 'utf8' }).trim();

beforeAll(async () => {
	tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-queue-'));
	instance = instanceAt(path.join(tmp, 'n8n'));
	const smd = path.join(instance.filesDir, 'smd');
	await ensureN8n();
	await installPackage(instance, await packPackage(path.join(tmp, 'pack')));
	await writeDemoFiles(smd, { seed: DEMO_SEED, asOf: DEMO_AS_OF });
	copyFileSync(path.join(PACKAGE_ROOT, 'scripts', 'demo-data', 'follow-ups.csv'), path.join(smd, 'follow-ups.csv'));
	// n8n's Write File node does not create folders: the output folder must exist.
	mkdirSync(path.join(smd, 'out'));

	const t0 = Date.now();
	stack = await startQueueStack(instance, path.join(tmp, 'services'), { port: await freePort() });
	process.stderr.write(`queue mode: PostgreSQL, Redis, main and worker ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
	const byId = Object.fromEntries(workflowFiles().map((f) => prepareWorkflow(f, instance, f.endsWith('police-list-triage.json') ? { asOf: DEMO_AS_OF } : {})).map((w) => [w.id, w]));
	// Into PostgreSQL, through the CLI with the same database settings as main and worker.
	await importWorkflows(instance, Object.values(byId), { extra: stack.env });
	await ensureOwner(stack.main.url);
	// The registry first: triage reads it.
	const ordered = ['smdRegistryImpt1', 'smdPoliceTriage1', 'smdFollowUpRisk1'].map((id) => byId[id]);
	report = await checkEditor(stack.main.url, DEMO_OWNER, ordered, path.join(tmp, 'shots'), { execute: true });
}, 900_000);
afterAll(async () => {
	await stack?.stop();
	rmSync(tmp, { recursive: true, force: true });
}, 120_000);

test('the editor ran every workflow and found no problem', () => {
	expect(report.problems).toEqual([]);
	process.stderr.write(`queue mode, run from the editor by the worker: ${Object.entries(report.executed).map(([id, ms]) => `${id} ${ms} ms`).join(', ')}\n`);
	expect(Object.keys(report.executed).sort()).toEqual(['smdFollowUpRisk1', 'smdPoliceTriage1', 'smdRegistryImpt1']);
});

test('the worker ran the executions; n8n stored them in PostgreSQL', () => {
	const started = stack!.worker.output().match(/Worker started execution \d+/g) ?? [];
	expect(started).toHaveLength(3);
	expect(stack!.main.output()).not.toMatch(/Worker started execution/);
	expect(psql("SELECT status || ':' || count(*) FROM execution_entity GROUP BY status")).toBe('success:3');
	// In queue mode n8n keeps binary data (here: the lists and reports) in its database by default.
	expect(Number(psql('SELECT count(*) FROM binary_data'))).toBeGreaterThan(0);
});

test('the outputs are those of the single-process n8n: triage counts and files', () => {
	const out = path.join(instance.filesDir, 'smd', 'out');
	const rows = JSON.parse(readFileSync(path.join(out, 'triage.json'), 'utf8')) as Array<{ category: string }>;
	const counts: Record<string, number> = {};
	for (const r of rows) counts[r.category] = (counts[r.category] ?? 0) + 1;
	expect(counts).toEqual({ managed: 318, followup_overdue: 34, lost: 30, closed: 26, new_clue: 78, review: 96, invalid: 18 });
	const files = readdirSync(out);
	expect(files.filter((f) => f.startsWith('任务清单_')).length).toBeGreaterThanOrEqual(5);
	for (const f of [`公安反馈清单_${DEMO_AS_OF}.xlsx`, `处置汇总_${DEMO_AS_OF}.html`, 'import-report.json', 'unstable.xlsx', 'errors.xlsx']) expect(files).toContain(f);
});
