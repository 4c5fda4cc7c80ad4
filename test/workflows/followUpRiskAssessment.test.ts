/**
 * workflows/follow-up-risk-assessment.json executed through n8n-core with n8n's built-in file nodes
 * (Read/Write Files from Disk, Extract from File, Convert to File) and this package's node loaded
 * from dist/ as n8n loads a community package. It runs in a plain Node process (scripts/runWorkflow):
 * n8n's file helpers test `error instanceof Error`, which fails for Node's own errors inside jest's VM.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../../scripts/runWorkflow';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const XLSX = require('@e965/xlsx') as typeof import('@e965/xlsx');

const WORKFLOW = path.join(PACKAGE_ROOT, 'workflows', 'follow-up-risk-assessment.json');
const INPUT = path.join(PACKAGE_ROOT, 'scripts', 'demo-data', 'follow-ups.csv');
const RUNNER = path.join(PACKAGE_ROOT, 'dist', 'scripts', 'runWorkflow.js');

function sheetRows(file: string): Record<string, unknown>[] {
	const wb = XLSX.read(readFileSync(file));
	return XLSX.utils.sheet_to_json(wb.Sheets[wb.SheetNames[0]]);
}

function run(args: string[]): RunSummary {
	try {
		return JSON.parse(execFileSync(process.execPath, [RUNNER, WORKFLOW, ...args], { encoding: 'utf8' }));
	} catch (e) {
		const err = e as { status: number; stdout: string; stderr: string };
		if (err.status === 2) return JSON.parse(err.stdout); // the workflow ran and failed
		throw new Error(`runner failed (${err.status}): ${err.stderr}`);
	}
}

describe('follow-up risk assessment workflow', () => {
	let out: string;
	beforeEach(() => (out = mkdtempSync(path.join(os.tmpdir(), 'smd-wf-'))));
	afterEach(() => rmSync(out, { recursive: true, force: true }));

	test('assesses the example CSV and writes one XLSX per classification plus the rows in error', () => {
		const summary = run(['--set', `inputFile=${INPUT}`, '--set', `outputDir=${out}`, '--allow', path.dirname(INPUT), '--allow', out]);
		expect(summary.error).toBeUndefined();
		expect(summary.nodes['Risk Assessment 危险性评估']).toEqual([5, 3, 2, 2]);

		const unstable = sheetRows(path.join(out, 'unstable.xlsx'));
		const basic = sheetRows(path.join(out, 'basically_stable.xlsx'));
		const stable = sheetRows(path.join(out, 'stable.xlsx'));
		const errors = sheetRows(path.join(out, 'errors.xlsx'));
		const inputRows = readFileSync(INPUT, 'utf8').trim().split('\n').length - 1;

		// Rows in = rows out, and each input row lands exactly once.
		expect(unstable.length + basic.length + stable.length + errors.length).toBe(inputRows);
		const ids = [...unstable, ...basic, ...stable, ...errors].map((r) => r['患者编号']).sort();
		expect(ids).toEqual(Array.from({ length: inputRows }, (_, i) => `DEMO-${String(i + 1).padStart(4, '0')}`));

		expect(unstable.map((r) => r['患者编号']).sort()).toEqual(['DEMO-0004', 'DEMO-0006', 'DEMO-0007', 'DEMO-0008', 'DEMO-0009']);
		expect(basic.map((r) => r['患者编号']).sort()).toEqual(['DEMO-0002', 'DEMO-0003', 'DEMO-0005']);
		expect(stable.map((r) => r['患者编号']).sort()).toEqual(['DEMO-0001', 'DEMO-0010']);
		expect(errors.map((r) => [r['患者编号'], r['details.row'], r['details.field']])).toEqual([
			['DEMO-0011', 11, 'riskLevel'],
			['DEMO-0012', 12, 'insight'],
		]);

		const p8 = unstable.find((r) => r['患者编号'] === 'DEMO-0008')!;
		expect(p8).toMatchObject({ 评定危险性级别: 5, 病情分类: '不稳定', 下次随访日期: '2026-10-30' });
		expect(String(p8['处置措施']).split('；')[0]).toBe('启动应急处置（24小时内填报应急处置记录单）');
		expect(String(p8['评估依据'])).toContain('填报的危险性评估1级与所列危险行为（最高5级）不一致，按较高者5级评定');
		const p6 = unstable.find((r) => r['患者编号'] === 'DEMO-0006')!;
		expect(String(p6['处置措施'])).not.toContain('立即转诊上级医院'); // already in hospital
		expect(stable.find((r) => r['患者编号'] === 'DEMO-0010')).toMatchObject({ 下次随访日期: '2027-01-31' });
	});

	test('n8n file-access restriction applies: an output folder outside the allowed ones is refused', () => {
		const summary = run(['--set', `inputFile=${INPUT}`, '--set', `outputDir=${out}`, '--allow', path.dirname(INPUT)]);
		expect(summary.ok).toBe(false);
		expect(summary.error?.node).toMatch(/^Write /);
		expect(summary.error?.message).toMatch(/not allowed|access/i);
	});
});
