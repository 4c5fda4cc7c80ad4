/**
 * `npm start` as a user runs it (dist/scripts/start.js, into a fresh data folder), then the editor
 * looked at in Debian's headless Chromium, then the second run. Needs the n8n that `npm test`
 * installs into local-n8n/ and /usr/bin/chromium (.ci/run installs both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { lastCompletedQuarter } from '../../lib/workdays';
import { checkEditor, EXPECT_NODES, startsByWebhook, type EditorReport } from '../../scripts/editorCheck';
import { DEMO_OWNER, freePort, instanceAt, login, prepareWorkflow, workflowFiles } from '../../scripts/localN8n';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import { startSmtpSink, type SmtpSink } from '../../scripts/smtpSink';

const START = path.join(PACKAGE_ROOT, 'dist', 'scripts', 'start.js');

interface Started {
	child: ChildProcess;
	stdout: string;
	stderr: string;
	readyMs: number;
}

function npmStart(data: string, port: number): Promise<Started> {
	const t0 = Date.now();
	const smtp = `${sink.user}:${sink.password}@${sink.host}:${sink.port}`;
	const child = spawn(process.execPath, [START, '--data', data, '--port', String(port), '--smtp', smtp], { stdio: ['ignore', 'pipe', 'pipe'] });
	const started: Started = { child, stdout: '', stderr: '', readyMs: 0 };
	return new Promise((resolve, reject) => {
		child.stderr!.on('data', (c: Buffer) => (started.stderr += c.toString()));
		child.stdout!.on('data', (c: Buffer) => {
			started.stdout += c.toString();
			if (started.stdout.includes('Ctrl-C stops n8n.')) {
				started.readyMs = Date.now() - t0;
				resolve(started);
			}
		});
		child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${started.stderr.slice(-3000)}`)));
	});
}

async function stop(s: Started | undefined): Promise<void> {
	if (!s || s.child.exitCode !== null) return;
	const exited = new Promise((r) => s.child.once('exit', r));
	s.child.kill('SIGINT');
	await exited;
}

async function api<T>(url: string, cookie: string, init: RequestInit = {}): Promise<T> {
	const res = await fetch(url, { ...init, headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) } });
	if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status}`);
	return (await res.json()) as T;
}

const registryPatients = (file: string) => {
	const db = new DatabaseSync(file, { readOnly: true });
	try {
		return (db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n;
	} finally {
		db.close();
	}
};

let tmp: string;
let data: string;
let port: number;
let url: string;
let first: Started | undefined;
let second: Started | undefined;
/** The mail server the quarterly workflow sends to (npm start --smtp). */
let sink: SmtpSink;
const instance = () => instanceAt(data);
const shots = path.join(PACKAGE_ROOT, 'out', 'editor-check');

beforeAll(async () => {
	tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-start-'));
	data = path.join(tmp, 'data');
	port = await freePort();
	url = `http://localhost:${port}`;
	sink = await startSmtpSink();
	first = await npmStart(data, port);
}, 900_000);
afterAll(async () => {
	await stop(first);
	await stop(second);
	await sink?.close();
	rmSync(tmp, { recursive: true, force: true });
}, 60_000);

test('first run: the package installed as a community package, demo seeded, workflows imported, owner can log in', async () => {
	expect(first!.stdout).toContain(`${url}/workflow/smdPoliceTriage1`);
	expect(first!.stdout).toContain(`log in:    ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`);
	expect(first!.stderr).toContain('created the owner account');
	expect(first!.stderr).toContain('registry: 3000 patients inserted, 0 rows rejected');

	// Installed as n8n's installer leaves it: recorded in .n8n/nodes/package.json, no dev/peer deps.
	const nodesDir = path.join(data, '.n8n', 'nodes');
	expect(JSON.parse(readFileSync(path.join(nodesDir, 'package.json'), 'utf8')).dependencies).toEqual({ 'n8n-nodes-smd': '0.1.0' });
	const installed = JSON.parse(readFileSync(path.join(nodesDir, 'node_modules', 'n8n-nodes-smd', 'package.json'), 'utf8'));
	expect([installed.devDependencies, installed.peerDependencies]).toEqual([undefined, undefined]);

	const cookie = await login(url);
	const types = await api<Array<{ name: string }>>(`${url}/types/nodes.json`, cookie);
	const ours = types.map((t) => t.name).filter((n) => n.startsWith('n8n-nodes-smd.'));
	// Each node, and (usableAsTool) its AI-agent tool variant.
	expect([...new Set(ours)].sort()).toEqual(['CountyApi', 'CountyApiTool', 'Emergency', 'EmergencyTool', 'Indicators', 'IndicatorsTool', 'Referral', 'ReferralTool', 'Registry', 'RegistryTool', 'Report', 'ReportTool', 'RiskAssessment', 'RiskAssessmentTool'].map((n) => `n8n-nodes-smd.smd${n}`));
	const list = await api<{ data: Array<{ id: string }> }>(`${url}/rest/workflows`, cookie);
	expect(list.data.map((w) => w.id).sort()).toEqual([
		'smdCountySync01',
		'smdDailyWorkList1',
		'smdEmergencyEsc1',
		'smdEmergencyIn01',
		'smdFollowUpRisk1',
		'smdHolidayWatch1',
		'smdOnCallRoster1',
		'smdPoliceTriage1',
		'smdQuarterlyMeeting1',
		'smdReferralVisit1',
		'smdRegistryImpt1',
	]);
	// The emergency webhook answers (published by npm start): without the printed token it refuses.
	expect((await fetch(`${url}/webhook/smd-emergency`, { method: 'POST' })).status).toBe(403);
	expect(first!.stdout).toMatch(/emergency: curl -X POST http:\/\/localhost:\d+\/webhook\/smd-emergency -H 'X-SMD-Token: [\w-]{24}'/);
	expect(registryPatients(path.join(instance().filesDir, 'smd', 'registry.sqlite'))).toBe(3000);
});

describe('the editor in headless Chromium', () => {
	let report: EditorReport;
	const workflows = () => workflowFiles().map((f) => prepareWorkflow(f, instance()));
	beforeAll(async () => {
		rmSync(shots, { recursive: true, force: true });
		report = await checkEditor(url, DEMO_OWNER, workflows(), shots, { execute: true, expectNodes: EXPECT_NODES });
	}, 600_000);

	test('no problems: every node known, every parameter panel rendered, every workflow ran from the button', () => {
		expect(report.problems).toEqual([]);
		process.stderr.write(`npm start instance, run from the editor: ${Object.entries(report.executed).map(([id, ms]) => `${id} ${ms} ms`).join(', ')}\n`);
		for (const w of workflows()) {
			expect([w.id, report.canvasNodes[w.id as string]]).toEqual([w.id, w.nodes.length]);
			// The webhook-driven hand-off is run by calling its webhooks (test/n8n/emergency.test.ts).
			if (startsByWebhook(w)) expect(report.executed[w.id as string]).toBeUndefined();
			else expect(report.executed[w.id as string]).toBeGreaterThan(0);
		}
	});

	test('each node of this package in each workflow was opened and shows its parameters', () => {
		const expected = workflows().flatMap((w) => w.nodes.filter((n) => n.type.startsWith('n8n-nodes-smd.')).map((n) => `${w.id} ${n.name}`));
		expect(expected).toHaveLength(39);
		expect(report.nodes.map((n) => `${n.workflow} ${n.node}`)).toEqual(expected);
		for (const n of report.nodes) {
			expect(n.title).toBe(n.node);
			expect(n.parameterInputs).toBeGreaterThanOrEqual(3);
		}
	});

	test('the check fails on a node type n8n does not know', async () => {
		const cookie = await login(url);
		const broken = {
			name: 'broken',
			nodes: [
				{ id: 'b1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{ id: 'b2', name: 'Gone', type: 'n8n-nodes-smd.smdNoSuchNode', typeVersion: 1, position: [220, 0], parameters: {} },
			],
			connections: { Start: { main: [[{ node: 'Gone', type: 'main', index: 0 }]] } },
			settings: {},
		};
		const created = await api<{ data: { id: string } }>(`${url}/rest/workflows`, cookie, { method: 'POST', body: JSON.stringify(broken) });
		const bad = await checkEditor(url, DEMO_OWNER, [{ ...broken, id: created.data.id } as never], path.join(tmp, 'broken-shots'));
		expect(bad.problems).toEqual(expect.arrayContaining([expect.stringMatching(/Gone|smdNoSuchNode/)]));
		expect(bad.problems.join('\n')).toMatch(/not installed|did not render|no parameters/);
		await api(`${url}/rest/workflows/${created.data.id}`, cookie, { method: 'DELETE' }).catch(() => undefined);
	}, 180_000);

	test('a screenshot of each workflow and each node, and the runs wrote their files', () => {
		expect(report.shots).toHaveLength(11 + 39);
		for (const s of report.shots) expect(statSync(s.file).size).toBeGreaterThan(20_000);
		const out = path.join(instance().filesDir, 'smd', 'out');
		// Run from the editor with the Settings as shipped: the list is triaged as of today.
		const triage = JSON.parse(readFileSync(path.join(out, 'triage.json'), 'utf8')) as unknown[];
		expect(triage).toHaveLength(600);
		for (const f of ['unstable.xlsx', 'basically_stable.xlsx', 'stable.xlsx', 'errors.xlsx', 'import-report.json']) expect(existsSync(path.join(out, f))).toBe(true);
		// The quarterly meeting, run today: the last completed quarter archived and mailed through the credential npm start set up.
		const quarter = lastCompletedQuarter(new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }));
		expect(existsSync(path.join(out, quarter, 'indicators.json'))).toBe(true);
		// The daily work lists (four townships with an address and the county summary, HTML and XLSX each),
		// the quarterly pack (11 files) and the 双向转诊单 of the visits with consent signed (PDF and HTML).
		const byRecipient = sink.received.map((m) => `${m.to.join(',')} ${m.parsed.attachments.length}`).sort();
		expect(byRecipient).toEqual(
			[
				...['chengguan-jf', 'hexi-jf', 'jingfangban', 'liulin-jf', 'qingshan-jf'].map((n) => `${n}@example.invalid 2`),
				'jingfangban@example.invalid,zongzhi@example.invalid 11',
				...Array.from({ length: 5 }, () => 'zhuanke@example.invalid 2'),
				// The holiday watch lists of the three example periods, HTML and XLSX, to each township with an address.
				...['chengguan-jf', 'hexi-jf', 'liulin-jf', 'qingshan-jf'].flatMap((n) => Array.from({ length: 3 }, () => `${n}@example.invalid 2`)),
			].sort(),
		);
	});
});

test('second run: nothing reinstalled or re-imported, an edit made in the editor kept, same login', async () => {
	// An edit a user makes in the editor: rename a workflow.
	const cookie = await login(url);
	const wf = await api<{ data: { name: string; versionId: string } }>(`${url}/rest/workflows/smdFollowUpRisk1`, cookie);
	await api(`${url}/rest/workflows/smdFollowUpRisk1`, cookie, { method: 'PATCH', body: JSON.stringify({ name: `${wf.data.name} (edited)`, versionId: wf.data.versionId }) });
	await stop(first);

	second = await npmStart(data, port);
	for (const step of ['into local-n8n/', 'as a community package', 'seeding', 'importing', 'created the owner account']) expect([step, second.stderr.includes(step)]).toEqual([step, false]);
	const again = await login(url);
	const after = await api<{ data: { name: string } }>(`${url}/rest/workflows/smdFollowUpRisk1`, again);
	expect(after.data.name).toBe(`${wf.data.name} (edited)`);
	expect(registryPatients(path.join(instance().filesDir, 'smd', 'registry.sqlite'))).toBe(3000);
	// Reported, not asserted as a speed target: the first and second start-up times.
	process.stderr.write(`npm start: first run ready in ${(first!.readyMs / 1000).toFixed(1)} s, second in ${(second.readyMs / 1000).toFixed(1)} s\n`);
}, 600_000);
