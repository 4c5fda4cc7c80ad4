/**
 * Every workflow in workflows/ imported into and executed by the real n8n (local-n8n/, n8n 2.40.7 on
 * Node 24; `npm test` installs it first, CI from scratch) with this package installed from its
 * `npm pack` tarball as n8n installs a community package. Runs on the synthetic demo county; the
 * outputs are the files the workflows write, compared with the engine path (`npm run demo`) row for
 * row and with the counts the README states.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { readTable } from '../../lib/tabular';
import { indicatorPeriod } from '../../lib/indicators';
import { registryIndicators } from '../../lib/registry/indicatorFacts';
import { RegistryStore } from '../../lib/registry/store';
import { DEMO_AS_OF, DEMO_SEED, DemoCounty, writeDemoFiles } from '../../scripts/demoCounty';
import { demoPopulation, writeFollowUpExport, writePopulationCsv } from '../../scripts/demoQuarterlyData';
import { startSmtpSink, type SmtpSink } from '../../scripts/smtpSink';
import {
	ensureN8n,
	executeWorkflow,
	importWorkflows,
	installPackage,
	instanceAt,
	n8nCli,
	packPackage,
	prepareWorkflow,
	workflowFiles,
	type ExecutionResult,
	type Instance,
} from '../../scripts/localN8n';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import type { WorkflowJson } from '../../scripts/workflowJson';

const CATEGORIES = ['managed', 'followup_overdue', 'lost', 'closed', 'new_clue', 'review', 'invalid'];

let tmp: string;
let instance: Instance;
let smd: string;
let out: string;
let workflows: WorkflowJson[];
let sink: SmtpSink;
const results: Record<string, ExecutionResult> = {};

beforeAll(async () => {
	tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-n8n-'));
	instance = instanceAt(path.join(tmp, 'n8n'));
	smd = path.join(instance.filesDir, 'smd');
	out = path.join(smd, 'out');
	mkdirSync(out, { recursive: true });
	await ensureN8n();
	await installPackage(instance, await packPackage(path.join(tmp, 'pack')));
	await writeDemoFiles(smd, { seed: DEMO_SEED, asOf: DEMO_AS_OF });
	copyFileSync(path.join(PACKAGE_ROOT, 'scripts', 'demo-data', 'follow-ups.csv'), path.join(smd, 'follow-ups.csv'));
	// The quarterly meeting's inputs where its Settings look (smd/in/), and an SMTP server on loopback with n8n's credential for it.
	const input = path.join(smd, 'in');
	mkdirSync(input);
	copyFileSync(path.join(smd, 'registry.csv'), path.join(input, 'registry.csv'));
	await writeFollowUpExport(path.join(input, 'follow-ups.csv'), new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF }));
	await writePopulationCsv(path.join(input, 'population.csv'), demoPopulation(3000));
	sink = await startSmtpSink();
	const credentials = path.join(tmp, 'credentials.json');
	writeFileSync(credentials, JSON.stringify([{ id: 'smdSmtp0000001', name: 'SMTP 精防办邮箱', type: 'smtp', data: sink.credential }]));
	await n8nCli(instance, ['import:credentials', `--input=${credentials}`]);
	rmSync(credentials);
	// As a user would: the shipped files, paths moved to this instance, the list's date and the quarter fixed.
	const settings = (f: string): Record<string, string> =>
		f.endsWith('police-list-triage.json') ? { asOf: DEMO_AS_OF } : f.endsWith('quarterly-joint-meeting.json') ? { quarter: '2026Q3', county: '演示县' } : {};
	workflows = workflowFiles().map((f) => prepareWorkflow(f, instance, settings(f)));
	await importWorkflows(instance, workflows);
	// The registry first: triage reads it; the quarterly meeting imports the same export again and its follow-ups.
	for (const id of ['smdRegistryImpt1', 'smdPoliceTriage1', 'smdFollowUpRisk1', 'smdQuarterlyMeeting1']) results[id] = await executeWorkflow(instance, id);
}, 900_000);
afterAll(async () => {
	await sink?.close();
	rmSync(tmp, { recursive: true, force: true });
});

test('every shipped workflow is covered here and ran without error in n8n', async () => {
	expect(workflows.map((w) => w.id).sort()).toEqual(Object.keys(results).sort());
	for (const [id, r] of Object.entries(results)) expect([id, r.ok, r.error]).toEqual([id, true, undefined]);
	// n8n itself lists them, by the ids in the files.
	const file = path.join(tmp, 'exported.json');
	await n8nCli(instance, ['export:workflow', '--all', `--output=${file}`]);
	const exported = JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson[];
	expect(exported.map((w) => w.id).sort()).toEqual(workflows.map((w) => w.id).sort());
	for (const w of exported) for (const n of w.nodes) expect(n.type).toMatch(/^(n8n-nodes-base|n8n-nodes-smd)\./);
});

describe('SMD registry import (n8n execute)', () => {
	test('imports every good row of the demo export, rejects the rest by row and field, and writes the report', async () => {
		const registryRows = (await readTable(readFileSync(path.join(smd, 'registry.csv')))).rows.length;
		const report = results.smdRegistryImpt1.nodes['Import 导入登记库'].outputs[0][0].json as Record<string, unknown>;
		expect(report.rows).toBe(registryRows);
		expect(Number(report.inserted) + Number(report.rejected)).toBe(registryRows);
		expect(report.inserted).toBe(3000);
		const written = JSON.parse(readFileSync(path.join(out, 'import-report.json'), 'utf8'));
		expect(written).toEqual([expect.objectContaining({ rows: registryRows, inserted: report.inserted, rejected: report.rejected })]);
		const db = new DatabaseSync(path.join(smd, 'registry.sqlite'), { readOnly: true });
		try {
			expect((db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n).toBe(3000);
		} finally {
			db.close();
		}
	});
});

describe('SMD police list triage (n8n execute)', () => {
	let rows: Array<{ row: number; category: string; priority: string }>;
	beforeAll(() => {
		rows = JSON.parse(readFileSync(path.join(out, 'triage.json'), 'utf8'));
	});

	test('triage.json: 600 rows in input order, the demo counts README states', () => {
		expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
		const counts = Object.fromEntries(CATEGORIES.map((c) => [c, rows.filter((r) => r.category === c).length]));
		expect(counts).toEqual({ managed: 318, followup_overdue: 34, lost: 30, closed: 26, new_clue: 78, review: 96, invalid: 18 });
		expect(rows.filter((r) => r.priority === 'high')).toHaveLength(53);
		const triageNode = results.smdPoliceTriage1.nodes['Triage 分类处置'];
		expect(triageNode.outputs.flat()).toHaveLength(600);
	});

	test('identical, row for row, to the same workflows run through n8n-core by `npm run demo`', () => {
		const engineOut = path.join(tmp, 'engine');
		execFileSync(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'scripts', 'demo.js'), '--registry', path.join(smd, 'registry.csv'), '--police-list', path.join(smd, 'police-list.csv'), '--as-of', DEMO_AS_OF, '--out', engineOut], { stdio: 'ignore' });
		expect(readFileSync(path.join(out, 'triage.json'), 'utf8')).toBe(readFileSync(path.join(engineOut, 'triage.json'), 'utf8'));
	});

	test('task lists per township, the masked police feedback list and the summary are written and add up', async () => {
		const files = readdirSync(out);
		const taskFiles = files.filter((f) => f.startsWith('任务清单_')).sort();
		expect(taskFiles).toEqual(['城关镇', '柳林乡', '河西乡', '石桥镇', '青山镇', '（未注明乡镇）'].map((t) => `任务清单_${t}_${DEMO_AS_OF}.xlsx`).filter((f) => files.includes(f)).sort());
		expect(taskFiles.length).toBeGreaterThanOrEqual(5);
		let tasks = 0;
		for (const f of taskFiles) tasks += (await readTable(readFileSync(path.join(out, f)))).rows.length;
		expect(tasks).toBe(600);
		const feedback = await readTable(readFileSync(path.join(out, `公安反馈清单_${DEMO_AS_OF}.xlsx`)));
		expect(feedback.rows).toHaveLength(600);
		for (const r of feedback.rows) expect(r.values['身份证号']).toMatch(/^$|\*/);
		const html = readFileSync(path.join(out, `处置汇总_${DEMO_AS_OF}.html`), 'utf8');
		expect(html).toContain('名单共 600 行');
		expect(html).toContain('核对：各乡镇合计与名单行数一致。');
	});
});

describe('SMD follow-up risk assessment (n8n execute)', () => {
	test('one XLSX per classification plus the rows in error; rows in = rows out', async () => {
		const counts = results.smdFollowUpRisk1.nodes['Risk Assessment 危险性评估'].outputs.map((o) => o.length);
		expect(counts).toEqual([5, 3, 2, 2]);
		const inputRows = (await readTable(readFileSync(path.join(smd, 'follow-ups.csv')))).rows.length;
		let total = 0;
		for (const [file, n] of [['unstable.xlsx', 5], ['basically_stable.xlsx', 3], ['stable.xlsx', 2], ['errors.xlsx', 2]] as const) {
			expect(existsSync(path.join(out, file))).toBe(true);
			const rows = (await readTable(readFileSync(path.join(out, file)))).rows;
			expect([file, rows.length]).toEqual([file, n]);
			total += rows.length;
		}
		expect(total).toBe(inputRows);
	});
});

describe('SMD quarterly joint meeting (n8n execute)', () => {
	test('the pack archived under out/2026Q3/, its figures those of the registry, mailed with every file through SMTP', () => {
		const r = results.smdQuarterlyMeeting1;
		const followUps = r.nodes['Import Follow-Ups 导入随访记录'].outputs[0][0].json as Record<string, unknown>;
		expect(followUps).toMatchObject({ rejected: 2, superseded: expect.any(Number) });
		expect(r.nodes['Import Registry 导入患者信息'].outputs[0][0].json).toMatchObject({ inserted: 0, rejected: 0 });
		const files = readdirSync(path.join(out, '2026Q3')).sort();
		expect(files).toEqual(
			['indicators.json', '季度联席会议材料_2026Q3.html', '季度联席会议材料_2026Q3.pdf', '乡镇排名表_2026Q3.html', '乡镇排名表_2026Q3.pdf', '乡镇排名_2026Q3.xlsx',
				'督办清单_2026Q3.html', '督办清单_2026Q3.pdf', '督办清单_2026Q3.xlsx', '百日攻坚整改计划_2026Q3.html', '百日攻坚整改计划_2026Q3.pdf'].sort(),
		);
		const json = JSON.parse(readFileSync(path.join(out, '2026Q3', 'indicators.json'), 'utf8'));
		const store = RegistryStore.open(path.join(smd, 'registry.sqlite'), { readOnly: true });
		try {
			const expected = registryIndicators(store, { period: indicatorPeriod({ quarter: '2026Q3' }), population: demoPopulation(3000) });
			expect(json.county.indicators).toEqual(expected.county.indicators);
			expect(json.areas.map((a: { township: string; rank: number }) => [a.township, a.rank])).toEqual(expected.areas.map((a) => [a.township, a.rank]));
		} finally {
			store.close();
		}
		expect(sink.received).toHaveLength(1);
		const mail = sink.received[0];
		expect(mail.parsed.subject).toBe('演示县 2026Q3 严重精神障碍患者管理季度联席会议材料');
		expect(mail.to).toEqual(['jingfangban@example.invalid', 'zongzhi@example.invalid']);
		expect(mail.parsed.attachments.map((a) => a.filename).sort()).toEqual(files);
		for (const a of mail.parsed.attachments) expect(a.content.equals(readFileSync(path.join(out, '2026Q3', a.filename!)))).toBe(true);
	});
});

test('a failed run in n8n reports the node and the reason, and writes nothing', async () => {
	const broken = prepareWorkflow(path.join(PACKAGE_ROOT, 'workflows', 'police-list-triage.json'), instance, { policeListFile: path.join(smd, 'missing.csv'), outputDir: path.join(tmp, 'broken-out') });
	broken.id = 'smdBrokenRun0001';
	await importWorkflows(instance, [broken]);
	const result = await executeWorkflow(instance, 'smdBrokenRun0001');
	expect(result).toMatchObject({ ok: false, error: { node: 'Read Police List 读取名单', message: 'No file(s) found' } });
	expect(Object.keys(result.nodes)).toEqual(['Start 开始', 'Settings 设置', 'Read Police List 读取名单']);
	expect(existsSync(path.join(tmp, 'broken-out'))).toBe(false);
});
