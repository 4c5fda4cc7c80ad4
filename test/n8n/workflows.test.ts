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
import { DEMO_TOWNSHIP_EMAILS, visitRows, writeTownshipContactsCsv, writeVisitsCsv } from '../../scripts/demoReferralData';
import { writeRosterCsv } from '../../scripts/demoEmergencyData';
import { watchLists } from '../../lib/registry/emergencies';
import { buildWorkLists } from '../../lib/registry/workListFacts';
import { startSmtpSink, type SmtpSink } from '../../scripts/smtpSink';
import { startCountyApiServer, type CountyApiServer } from '../../scripts/countyApiServer';
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
/** The county platform the county-sync workflow pulls from (the reference server, on loopback). */
let platform: CountyApiServer;
const PLATFORM_APP = { appKey: 'smd-test-county', appSecret: 'test-secret-not-for-production' };
const pullOf = (r: ExecutionResult) => r.nodes['Pull Changed Patients 拉取变更患者']?.outputs[0]?.[0]?.json as Record<string, number> | undefined;
const syncRuns: ExecutionResult[] = [];
const results: Record<string, ExecutionResult> = {};
let referralRerun: ExecutionResult;
let mailsAfterRerun: number;
let mailsAfterWorkList: number;
/** Tomorrow in the county's time zone: the referrals made today by the workflow are then a day old. */
/** The day the holiday watch workflow runs as (three days before 元旦 2027 in the shipped periods). */
const WATCH_DAY = '2026-12-29';
const workListDay = new Date(Date.now() + 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const mailsAbout = (subject: string) => sink.received.filter((m) => (m.parsed.subject ?? '').includes(subject));

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
	// The referral workflow's visits and the daily work list's township addresses.
	await writeVisitsCsv(path.join(input, 'visits.csv'), new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF }));
	await writeTownshipContactsCsv(path.join(input, 'township-contacts.csv'));
	// The emergency workflows' on-call roster, covering the days the test runs.
	await writeRosterCsv(path.join(input, 'on-call-roster.csv'), { from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), days: 3 });
	sink = await startSmtpSink();
	platform = await startCountyApiServer({ credentials: { apps: { [PLATFORM_APP.appKey]: PLATFORM_APP.appSecret } }, demoPatientCount: 300 });
	const credentials = path.join(tmp, 'credentials.json');
	writeFileSync(
		credentials,
		JSON.stringify([
			{ id: 'smdSmtp0000001', name: 'SMTP 精防办邮箱', type: 'smtp', data: sink.credential },
			{ id: 'smdCountyApi001', name: 'SMD 区域平台接口', type: 'smdCountyApi', data: { baseUrl: platform.url, authType: 'hmac', ...PLATFORM_APP } },
		]),
	);
	await n8nCli(instance, ['import:credentials', `--input=${credentials}`]);
	rmSync(credentials);
	// As a user would: the shipped files, paths moved to this instance, the list's date and the quarter fixed.
	const settings = (f: string): Record<string, string> =>
		f.endsWith('police-list-triage.json')
			? { asOf: DEMO_AS_OF }
			: f.endsWith('quarterly-joint-meeting.json')
				? { quarter: '2026Q3', county: '演示县' }
				: f.endsWith('daily-work-list.json')
					? { day: workListDay, county: '演示县' }
					: f.endsWith('holiday-watch.json')
						? { day: WATCH_DAY, county: '演示县' }
						: {};
	workflows = workflowFiles().map((f) => prepareWorkflow(f, instance, settings(f)));
	await importWorkflows(instance, workflows);
	// The registry first: triage reads it; the quarterly meeting imports the same export again and its follow-ups.
	for (const id of ['smdRegistryImpt1', 'smdPoliceTriage1', 'smdFollowUpRisk1', 'smdQuarterlyMeeting1', 'smdReferralVisit1']) results[id] = await executeWorkflow(instance, id);
	// The county platform sync: a full pull, a pull with the platform down after its second page
	// (500 on every request), the pull that resumes, and one after three patients changed there.
	results.smdCountySync01 = await executeWorkflow(instance, 'smdCountySync01');
	platform.inject({ path: '/patients', kind: 'status', status: 500, times: 1000 });
	syncRuns.push(await executeWorkflow(instance, 'smdCountySync01'));
	platform.clearFaults();
	syncRuns.push(await executeWorkflow(instance, 'smdCountySync01'));
	// Three patients changed on the platform (a new guardian phone), stamped after the cursor.
	const changed = platform.patients().slice(0, 3).map((p) => p.patientNo);
	platform.setPatients(platform.patients().map((p) => (changed.includes(p.patientNo) ? { ...p, guardianPhone: '13900000000' } : p)));
	platform.touchPatients(changed);
	syncRuns.push(await executeWorkflow(instance, 'smdCountySync01'));
	// The same visits delivered again: nothing new may be created or sent.
	referralRerun = await executeWorkflow(instance, 'smdReferralVisit1');
	mailsAfterRerun = sink.received.length;
	// The daily work list the next day, when the drafts still waiting for consent are late.
	results.smdDailyWorkList1 = await executeWorkflow(instance, 'smdDailyWorkList1');
	mailsAfterWorkList = sink.received.length;
	// The emergency module's scheduled and by-hand workflows (the webhooks: test/n8n/emergency.test.ts).
	for (const id of ['smdOnCallRoster1', 'smdEmergencyEsc1', 'smdHolidayWatch1']) results[id] = await executeWorkflow(instance, id);
}, 900_000);
afterAll(async () => {
	await sink?.close();
	await platform?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

test('every shipped workflow is covered here and ran without error in n8n', async () => {
	// The webhook-driven emergency hand-off runs in a served n8n: test/n8n/emergency.test.ts.
	expect(workflows.map((w) => w.id).sort()).toEqual([...Object.keys(results), 'smdEmergencyIn01'].sort());
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
		expect(mailsAbout('季度联席会议材料')).toHaveLength(1);
		const mail = mailsAbout('季度联席会议材料')[0];
		expect(mail.parsed.subject).toBe('演示县 2026Q3 严重精神障碍患者管理季度联席会议材料');
		expect(mail.to).toEqual(['jingfangban@example.invalid', 'zongzhi@example.invalid']);
		expect(mail.parsed.attachments.map((a) => a.filename).sort()).toEqual(files);
		for (const a of mail.parsed.attachments) expect(a.content.equals(readFileSync(path.join(out, '2026Q3', a.filename!)))).toBe(true);
	});
});

describe('SMD referral from follow-up visits (n8n execute)', () => {
	const visits = visitRows(new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF }));
	const unstable = visits.filter((v) => v.危险性评估 === '3级' || v.危险性评估 === '4级');
	const consented = unstable.filter((v) => v.知情同意 !== '');
	const db = () => new DatabaseSync(path.join(smd, 'registry.sqlite'), { readOnly: true });
	const all = (sql: string) => {
		const d = db();
		try {
			return d.prepare(sql).all() as Array<Record<string, unknown>>;
		} finally {
			d.close();
		}
	};

	test('each visit recorded with who visited; a level ≥ 3 visit without a 精神科医师 flagged', () => {
		const recorded = results.smdReferralVisit1.nodes['Record Follow-Up 记录随访'].outputs[0].map((i) => i.json as { followUp: { jointFollowUpMissing: boolean } });
		expect(recorded).toHaveLength(visits.length);
		expect(recorded.filter((r) => r.followUp.jointFollowUpMissing)).toHaveLength(unstable.filter((v) => !v.随访人员.includes('精神科医师')).length);
		expect(all(`SELECT COUNT(*) AS n FROM follow_ups WHERE visitors IS NOT NULL AND follow_up_date = '${visits[0].随访日期}'`)).toEqual([{ n: visits.length }]);
	});

	test('every unstable visit drafted a referral and a case-management task; those with consent were mailed with the form and marked sent', () => {
		const referrals = all('SELECT r.status, r.consent_by, p.patient_no FROM referrals r JOIN patients p ON p.id = r.patient_id ORDER BY p.patient_no');
		expect(referrals.map((r) => r.patient_no)).toEqual(unstable.map((v) => v.患者编号).sort());
		expect(referrals.filter((r) => r.status === 'sent').map((r) => r.patient_no)).toEqual(consented.map((v) => v.患者编号).sort());
		expect(referrals.filter((r) => r.status === 'created').every((r) => r.consent_by === 'pending')).toBe(true);
		expect(all("SELECT status, COUNT(*) AS n FROM case_plans GROUP BY status")).toEqual([{ status: 'pending', n: unstable.length }]);
		const mails = mailsAbout('双向转诊（转出）单');
		expect(mails).toHaveLength(consented.length);
		const archived = readdirSync(path.join(out, '转诊单'));
		for (const m of mails) {
			expect(m.to).toEqual(['zhuanke@example.invalid']);
			const pdf = m.parsed.attachments.find((a) => a.filename?.endsWith('.pdf'));
			expect(pdf?.filename).toMatch(/^双向转诊单_ZZ\d{8}-\d{4}\.pdf$/);
			expect(archived).toContain(pdf!.filename);
			expect(pdf!.content.subarray(0, 5).toString()).toBe('%PDF-');
		}
		// The mail's own text carries the referral and patient numbers, never a name or an ID number.
		const county = new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF });
		const people = unstable.map((v) => county.personAt(Number(v.患者编号.slice(5)) - 1));
		for (const m of mails) for (const p of people) expect([p.patientNo, m.parsed.text?.includes(p.name), m.parsed.text?.includes(p.idNumber)]).toEqual([p.patientNo, false, false]);
	});

	test('the same visits again: nothing new created, nothing mailed again', () => {
		expect(referralRerun.ok).toBe(true);
		const again = referralRerun.nodes['Assess and Create Work 评估并派发任务'].outputs[0].map((i) => i.json.work as { referral: { outcome: string } | null; casePlan: { outcome: string } | null });
		expect(again.filter((w) => w.referral).map((w) => w.referral!.outcome)).toEqual(unstable.map(() => 'existing'));
		expect(again.filter((w) => w.casePlan).every((w) => w.casePlan!.outcome === 'existing')).toBe(true);
		expect(referralRerun.nodes['Ready to Send 可发送'].outputs[0]).toHaveLength(0);
		expect(referralRerun.nodes['Mark Sent 标记已发送']).toBeUndefined();
		expect(mailsAbout('双向转诊（转出）单')).toHaveLength(consented.length);
		expect(all('SELECT COUNT(*) AS n FROM referrals')).toEqual([{ n: unstable.length }]);
		expect(all("SELECT COUNT(*) AS n FROM referral_events WHERE event = 'sent'")).toEqual([{ n: consented.length }]);
	});
});

describe('SMD daily work list (n8n execute)', () => {
	test('one mail per township with an address and the county summary; the lists are the registry’s, masked', async () => {
		expect(mailsAfterRerun).toBe(mailsAfterWorkList - 5);
		const store = RegistryStore.open(path.join(smd, 'registry.sqlite'), { readOnly: true });
		let expected;
		try {
			expected = buildWorkLists(store, workListDay, { townshipEmails: DEMO_TOWNSHIP_EMAILS });
		} finally {
			store.close();
		}
		const mails = mailsAbout('每日工作清单');
		expect(mails.map((m) => m.to[0]).sort()).toEqual([...Object.values(DEMO_TOWNSHIP_EMAILS), 'jingfangban@example.invalid'].sort());
		const county = new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF });
		for (const list of expected.townships.filter((t) => t.email)) {
			const mail = mails.find((m) => m.to[0] === list.email)!;
			expect(mail.parsed.subject).toBe(`演示县${list.township} 严重精神障碍患者管理每日工作清单 ${workListDay}`);
			expect(mail.parsed.attachments.map((a) => a.filename).sort()).toEqual([`工作清单_${list.township}_${workListDay}.html`, `工作清单_${list.township}_${workListDay}.xlsx`]);
			const xlsx = mail.parsed.attachments.find((a) => a.filename!.endsWith('.xlsx'))!;
			const rows = (await readTable(xlsx.content)).rows.map((r) => r.values);
			expect(rows.map((r) => r['患者编号'])).toEqual(expect.arrayContaining(list.rows.map((r) => r.patientNo)));
			expect(rows).toHaveLength(list.rows.length);
			expect(mail.parsed.text).toContain(`转诊、回转逾期 ${list.counts.referral_late} 项`);
			// Masked: no full name of anyone listed, in the XLSX or the HTML.
			const html = mail.parsed.attachments.find((a) => a.filename!.endsWith('.html'))!.content.toString('utf8');
			const cells = JSON.stringify(rows);
			for (const r of list.rows.slice(0, 200)) {
				const p = county.personAt(Number(r.patientNo.slice(5)) - 1);
				if (p.name.length < 2) continue;
				expect([r.patientNo, html.includes(p.name), cells.includes(p.name), html.includes(p.idNumber)]).toEqual([r.patientNo, false, false, false]);
			}
		}
		// The drafts that still wait for consent are a day late: each is on its township's list.
		const late = expected.townships.flatMap((t) => t.rows).filter((r) => r.section === 'referral_late');
		expect(late.length).toBeGreaterThanOrEqual(unstableWithoutConsent());
		const summary = mails.find((m) => m.to[0] === 'jingfangban@example.invalid')!;
		expect(summary.parsed.subject).toBe(`演示县 严重精神障碍患者管理每日工作清单汇总 ${workListDay}`);
		expect(summary.parsed.text).toContain('以下乡镇未配置邮箱，清单未发送：石桥镇。');
		expect(summary.parsed.text).toContain(`共涉及患者 ${expected.county.patients} 人`);
	});
});

function unstableWithoutConsent(): number {
	return visitRows(new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF })).filter((v) => (v.危险性评估 === '3级' || v.危险性评估 === '4级') && v.知情同意 === '').length;
}

describe('emergency roster, escalation and holiday watch (n8n execute)', () => {
	test('the roster import reads every shift; an escalation round with no event sends nothing', () => {
		expect(results.smdOnCallRoster1.nodes['Import Roster 导入值班表'].outputs[0][0].json).toMatchObject({ shifts: 3 * (5 * 2 + 4), replaced: 0, townships: 6 });
		expect(results.smdEmergencyEsc1.nodes['Escalate 超时升级'].outputs[0][0].json).toMatchObject({ escalated: [], reminders: [], notifications: [] });
		expect(mailsAbout('应急处置')).toHaveLength(0);
	});

	test('the watch lists of every period not over, per township, with full names, mailed to the townships with an address', async () => {
		const items = results.smdHolidayWatch1.nodes['Build Watch Lists 生成重点管控名单'].outputs[0].map((i) => i.json as { township: string; period: { name: string }; patientCount: number; email: string | null });
		const periods = ['元旦', '春节', '全国两会'];
		expect(items).toHaveLength(periods.length * 5);
		const store = RegistryStore.open(path.join(smd, 'registry.sqlite'), { readOnly: true });
		let expected;
		try {
			expected = watchLists(store, { name: '元旦', from: '2027-01-01', to: '2027-01-03' }, { townships: Object.keys(DEMO_TOWNSHIP_EMAILS) });
		} finally {
			store.close();
		}
		const newYear = items.filter((i) => i.period.name === '元旦');
		expect(newYear.map((i) => [i.township, i.patientCount]).sort()).toEqual(expected.map((l) => [l.township, l.patients.length]).sort());
		expect(expected.reduce((n, l) => n + l.patients.length, 0)).toBeGreaterThan(50);
		const mails = mailsAbout('重点管控名单');
		expect(mails).toHaveLength(periods.length * Object.keys(DEMO_TOWNSHIP_EMAILS).length);
		const cg = mails.find((m) => m.to[0] === DEMO_TOWNSHIP_EMAILS['城关镇'] && (m.parsed.subject ?? '').includes('元旦'))!;
		expect(cg.parsed.subject).toBe('演示县城关镇 元旦期间重点管控名单（2027-01-01至2027-01-03）');
		expect(cg.parsed.attachments.map((a) => a.filename).sort()).toEqual(['重点管控名单_城关镇_元旦.html', '重点管控名单_城关镇_元旦.xlsx']);
		const xlsx = cg.parsed.attachments.find((a) => a.filename!.endsWith('.xlsx'))!;
		const rows = (await readTable(xlsx.content)).rows.map((r) => r.values);
		const list = expected.find((l) => l.township === '城关镇')!;
		expect(rows.map((r) => r['患者编号']).sort()).toEqual(list.patients.map((p) => p.patientNo).sort());
		// Full names: the township staff must know whom to watch.
		expect(JSON.stringify(rows)).toContain(list.patients[0].name);
	});
});

describe('SMD county platform sync (n8n execute)', () => {
	test('the pull brings the platform\'s patients into the registry, page by page, and the counts reconcile', () => {
		const pull = pullOf(results.smdCountySync01)!;
		expect(pull).toMatchObject({ source: 'county-platform', backend: 'sqlite', pages: 2, received: 300, rejected: 0, hasMore: false });
		expect(pull.inserted + pull.updated + pull.unchanged + pull.rejected).toBe(pull.received);
		// The platform serves the demo county's own patients (same 患者编号): nobody is added twice.
		const store = RegistryStore.open(path.join(smd, 'registry.sqlite'), { readOnly: true });
		try {
			expect(store.countPatients()).toBe(3000 + pull.inserted);
			expect(store.auditTrail(50).some((a) => a.operation === 'county.pullPatients' && a.patientRowIds.length === 300)).toBe(true);
		} finally {
			store.close();
		}
	});

	test('the platform down: the run fails naming the request; the next run resumes from the saved cursor and writes nothing twice', () => {
		const [down, resumed, touched] = syncRuns;
		expect(down.ok).toBe(false);
		expect(down.error?.node).toBe('Pull Changed Patients 拉取变更患者');
		expect(down.error?.message).toMatch(/GET \/patients: the county API answered 500.*0 page\(s\) with 0 patients were written before it.*run again to resume/s);
		// Nothing changed on the platform since the first pull: the cursor is at its end.
		expect(pullOf(resumed)).toMatchObject({ pages: 1, received: 0, inserted: 0, updated: 0 });
		expect(pullOf(touched)).toMatchObject({ pages: 1, received: 3, inserted: 0, updated: 3, unchanged: 0, rejected: 0 });
		for (const r of [down, resumed, touched]) expect(JSON.stringify(r.error ?? '')).not.toMatch(/\d{17}[\dX]/);
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
