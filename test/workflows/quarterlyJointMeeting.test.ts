/**
 * workflows/quarterly-joint-meeting.json executed through n8n-core (scripts/runWorkflow, in a plain
 * Node process) on a small synthetic county: imports the exports, computes, renders the pack with
 * PDFs through Chromium, archives it under <out>/<quarter>/ and mails it with n8n's Send Email node
 * to a real SMTP server on loopback (scripts/smtpSink.ts), whose message and attachments are read back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ExcelJS from 'exceljs';
import { indicatorPeriod } from '../../lib/indicators';
import { registryIndicators } from '../../lib/registry/indicatorFacts';
import { RegistryStore } from '../../lib/registry/store';
import { DemoCounty, writeDemoFiles } from '../../scripts/demoCounty';
import { demoPopulation, writeFollowUpExport, writePopulationCsv } from '../../scripts/demoQuarterlyData';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import type { RunSummary } from '../../scripts/runWorkflow';
import { startSmtpSink, type SmtpSink } from '../../scripts/smtpSink';

const WORKFLOW = path.join(PACKAGE_ROOT, 'workflows', 'quarterly-joint-meeting.json');
const RUNNER = path.join(PACKAGE_ROOT, 'dist', 'scripts', 'runWorkflow.js');
const PATIENTS = 600;
const FILES = [
	'indicators.json',
	'季度联席会议材料_2026Q3.html',
	'季度联席会议材料_2026Q3.pdf',
	'乡镇排名表_2026Q3.html',
	'乡镇排名表_2026Q3.pdf',
	'乡镇排名_2026Q3.xlsx',
	'督办清单_2026Q3.html',
	'督办清单_2026Q3.pdf',
	'督办清单_2026Q3.xlsx',
	'百日攻坚整改计划_2026Q3.html',
	'百日攻坚整改计划_2026Q3.pdf',
];

let dir: string;
let sink: SmtpSink;
let settings: string[];
let credentials: string;

async function run(): Promise<RunSummary> {
	// Asynchronously: the SMTP server answers from this process while the workflow runs in another.
	const { stdout } = await promisify(execFile)(process.execPath, [RUNNER, WORKFLOW, ...settings, '--credentials', credentials, '--allow', dir], {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	}).catch((e: { code: number; stdout: string; stderr: string }) => {
		if (e.code === 2) return { stdout: e.stdout }; // the workflow ran and failed
		throw new Error(`runner failed (${e.code}): ${e.stderr}`);
	});
	return JSON.parse(stdout) as RunSummary;
}

beforeAll(async () => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-quarterly-'));
	const data = path.join(dir, 'in');
	const demo = await writeDemoFiles(data, { patients: PATIENTS, policeRows: 10 });
	await writeFollowUpExport(path.join(data, 'follow-ups.csv'), new DemoCounty({ patients: PATIENTS }));
	await writePopulationCsv(path.join(data, 'population.csv'), demoPopulation(PATIENTS));
	sink = await startSmtpSink();
	credentials = path.join(dir, 'credentials.json');
	writeFileSync(credentials, JSON.stringify({ smtp: sink.credential }));
	settings = Object.entries({
		registryFiles: demo.registryCsv,
		followUpFiles: path.join(data, 'follow-ups*.csv'),
		populationFile: path.join(data, 'population.csv'),
		registryFile: path.join(dir, 'registry.sqlite'),
		outputDir: path.join(dir, 'out'),
		quarter: '2026Q3',
		county: '演示县',
		mailTo: 'a@example.invalid, b@example.invalid',
	}).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}, 120_000);
afterAll(async () => {
	await sink.close();
	rmSync(dir, { recursive: true, force: true });
});

describe('quarterly joint meeting workflow', () => {
	let first: RunSummary;
	beforeAll(async () => {
		first = await run();
	}, 180_000);

	test('imports, computes, renders, archives under <out>/<quarter>/ and mails', () => {
		expect(first.error).toBeUndefined();
		expect(first.nodes['Compute Indicators 计算指标']).toEqual([1]);
		expect(first.nodes['Mail Participants 发送参会单位']).toEqual([1]);
		expect(readdirSync(path.join(dir, 'out', '2026Q3')).sort()).toEqual([...FILES].sort());
	});

	test('indicators.json holds the figures the registry gives for the quarter, and no patient', () => {
		const json = JSON.parse(readFileSync(path.join(dir, 'out', '2026Q3', 'indicators.json'), 'utf8'));
		const store = RegistryStore.open(path.join(dir, 'registry.sqlite'), { readOnly: true });
		try {
			const expected = registryIndicators(store, { period: indicatorPeriod({ quarter: '2026Q3' }), population: demoPopulation(PATIENTS) });
			expect(json).toMatchObject({ quarter: '2026Q3', from: '2026-01-01', asOf: '2026-09-30' });
			expect(json.areas.map((a: { township: string; score: number; rank: number }) => [a.township, a.score, a.rank])).toEqual(
				expected.areas.map((a) => [a.township, a.score, a.rank]),
			);
			expect(json.county.indicators).toEqual(expected.county.indicators);
			expect(json.areas.every((a: { population: number }) => a.population > 0)).toBe(true);
			expect(JSON.stringify(json)).not.toMatch(/43990\d{12}|DEMO-\d/);
		} finally {
			store.close();
		}
	});

	test('one mail to every participant with all eleven files; masked — no full name or ID number anywhere', async () => {
		expect(sink.received).toHaveLength(1);
		const mail = sink.received[0];
		expect(mail.to).toEqual(['a@example.invalid', 'b@example.invalid']);
		expect(mail.parsed.subject).toBe('演示县 2026Q3 严重精神障碍患者管理季度联席会议材料');
		expect(mail.parsed.text).toMatch(/全县在册患者 \d+ 人，在册患者管理率 \d+\.\d%/);
		expect(mail.parsed.attachments.map((a) => a.filename).sort()).toEqual([...FILES].sort());
		for (const a of mail.parsed.attachments) {
			expect(a.content.equals(readFileSync(path.join(dir, 'out', '2026Q3', a.filename!)))).toBe(true);
			if (a.filename!.endsWith('.pdf')) expect(a.content.subarray(0, 5).toString()).toBe('%PDF-');
		}
		// The patients of the action list, with their full names and ID numbers from the registry.
		const store = RegistryStore.open(path.join(dir, 'registry.sqlite'), { readOnly: true });
		const listed = store.search({ status: 'lost', limit: 10_000 }).concat(store.search({ status: 'active', limit: 10_000 }).filter((p) => p.classification === 'unstable'));
		store.close();
		expect(listed.length).toBeGreaterThan(20);
		const texts = [mail.parsed.text ?? ''];
		for (const a of mail.parsed.attachments) {
			if (/\.(html|json)$/.test(a.filename!)) texts.push(a.content.toString('utf8'));
			if (a.filename!.endsWith('.xlsx')) {
				const wb = new ExcelJS.Workbook();
				await wb.xlsx.load(a.content as unknown as ArrayBuffer);
				wb.eachSheet((ws) => ws.eachRow((row) => texts.push(JSON.stringify(row.values))));
			}
		}
		const all = texts.join('\n');
		const actions = readFileSync(path.join(dir, 'out', '2026Q3', '督办清单_2026Q3.html'), 'utf8');
		expect(actions).toContain(listed[0].patientNo); // the list is there, by 患者编号
		for (const p of listed) {
			if ([...p.name].length > 1) expect(all.includes(p.name)).toBe(false);
			if (p.idNumber) expect(all.includes(p.idNumber)).toBe(false);
		}
	});

	test('run again: nothing imported twice, the archive replaced, a second mail', async () => {
		const again = await run();
		expect(again.error).toBeUndefined();
		expect(again.nodes['Import Registry 导入患者信息']).toEqual([1]);
		expect(readdirSync(path.join(dir, 'out', '2026Q3')).sort()).toEqual([...FILES].sort());
		const store = RegistryStore.open(path.join(dir, 'registry.sqlite'), { readOnly: true });
		try {
			expect(store.lastImport('patients')).toMatchObject({ inserted: 0, updated: 0, unchanged: PATIENTS });
			expect(store.lastImport('followUps')).toMatchObject({ inserted: 0, updated: 0 });
		} finally {
			store.close();
		}
		expect(sink.received).toHaveLength(2);
	}, 180_000);
});
