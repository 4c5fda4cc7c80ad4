/**
 * Real county files through the two shipped workflows (`npm run demo -- --registry R --police-list P`),
 * in n8n-core's engine with n8n's own file nodes, in a plain Node process: an XLSX registry export
 * with a title row and invalid ID numbers, a GBK police list with a title row, a 40,000-character
 * cell, township names that are not file names, a list with only a header, and a list without one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import { encodeGbk } from '../../scripts/demoCounty';
import { readTable } from '../../lib/tabular';
import { makeId } from '../helpers';

const DEMO = path.join(PACKAGE_ROOT, 'dist', 'scripts', 'demo.js');
const AS_OF = '2026-11-20';
const VALID = makeId('1975-04-12', 31);
const BAD_CHECK = (() => {
	const id = makeId('1968-02-03', 17);
	return id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
})();

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-county-wf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function registryXlsx(file: string): Promise<void> {
	const wb = new ExcelJS.Workbook();
	const ws = wb.addWorksheet('在册患者');
	ws.addRow(['XX县严重精神障碍患者信息']);
	ws.addRow(['患者编号', '姓名', '性别', '身份证号', '所属乡镇', '管理状态', '末次随访日期', '病情分类']);
	ws.addRow(['G-1', '陈一', '男', VALID, '城关镇', '在管', '2026-11-01', '稳定']);
	ws.addRow(['G-2', '陈二', '女', BAD_CHECK, '河西乡', '在管', '2026-11-01', '稳定']);
	await wb.xlsx.writeFile(file);
}

function demo(registry: string, list: string, out: string) {
	return spawnSync(process.execPath, [DEMO, '--registry', registry, '--police-list', list, '--as-of', AS_OF, '--out', out], { encoding: 'utf8', timeout: 120_000 });
}

describe('the police-list workflow on real county files', () => {
	test('XLSX registry with invalid IDs, GBK list with a title row, a 40,000-character cell and unsafe township names: every output written', async () => {
		const registry = path.join(dir, 'registry.xlsx');
		await registryXlsx(registry);
		const towns = ['城关/镇', '城关_镇', '../../etc', '镇'.repeat(200)];
		const lines = [
			'XX县公安局纳管名单',
			'序号,人员姓名,公民身份号码,乡镇,现住址,人员类别',
			`1,陈一,${VALID},,${'长'.repeat(40_000)},一般关注`,
			`2,陈二,${BAD_CHECK},,,肇事肇祸`,
			...towns.map((t, i) => `${i + 3},新人${i},${makeId('1999-09-09', 11 + i * 2)},${t},,一般关注`),
		];
		const list = path.join(dir, 'list.csv');
		writeFileSync(list, encodeGbk(lines.join('\r\n') + '\r\n').bytes);
		const out = path.join(dir, 'out-a');
		const run = demo(registry, list, out);
		expect([run.status, run.stderr.includes('demo failed')]).toEqual([0, false]);
		const report = JSON.parse(readFileSync(path.join(out, 'import-report.json'), 'utf8'))[0];
		expect(report).toMatchObject({ rows: 2, inserted: 2, rejected: 0, invalidIds: 1 });
		const rows = JSON.parse(readFileSync(path.join(out, 'triage.json'), 'utf8')) as Array<{ row: number; category: string; patientId: string | null; candidates: Array<{ patientId: string }> }>;
		expect(rows.map((r) => [r.row, r.category, r.patientId])).toEqual([
			[1, 'managed', 'G-1'],
			[2, 'review', null],
			[3, 'new_clue', null],
			[4, 'new_clue', null],
			[5, 'new_clue', null],
			[6, 'new_clue', null],
		]);
		expect(rows[1].candidates.map((c) => c.patientId)).toEqual(['G-2']);
		const files = readdirSync(out);
		const taskLists = files.filter((f) => f.startsWith('任务清单_'));
		expect(taskLists).toHaveLength(6); // 城关镇, 河西乡 and the four unsafe names
		for (const f of taskLists) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
		const cityList = await readTable(readFileSync(path.join(out, `任务清单_城关镇_${AS_OF}.xlsx`)), { maxCellLength: 40_000 });
		expect(cityList.rows[0].values['现住址']).toMatch(/truncated, 40000 characters】$/);
		expect(files).toEqual(expect.arrayContaining([`公安反馈清单_${AS_OF}.xlsx`, `处置汇总_${AS_OF}.html`]));
	});

	test('a list with only a header: an empty triage with all its outputs', async () => {
		const registry = path.join(dir, 'registry.xlsx');
		const list = path.join(dir, 'header-only.csv');
		writeFileSync(list, '序号,姓名,身份证号\r\n');
		const out = path.join(dir, 'out-b');
		const run = demo(registry, list, out);
		expect(run.stderr).not.toContain('demo failed');
		expect(run.status).toBe(0);
		expect(readFileSync(path.join(out, 'triage.json'), 'utf8')).toBe('[]');
		expect(run.stdout).toContain('| **total** | 0 |');
		const feedback = await readTable(readFileSync(path.join(out, `公安反馈清单_${AS_OF}.xlsx`)));
		expect(feedback.rows).toHaveLength(0);
		expect(readFileSync(path.join(out, `处置汇总_${AS_OF}.html`), 'utf8')).toContain('名单共 0 行');
	});

	test('a list without a header row fails loudly, naming the accepted headers, and writes no results', () => {
		const registry = path.join(dir, 'registry.xlsx');
		const list = path.join(dir, 'no-header.csv');
		writeFileSync(list, `陈一,${VALID},城关镇\r\n陈二,${BAD_CHECK},河西乡\r\n`);
		const out = path.join(dir, 'out-c');
		const run = demo(registry, list, out);
		expect(run.status).toBe(1);
		expect(run.stderr).toMatch(/demo failed: Triage 分类处置: The police list has no column for the name \(姓名\) or the ID number \(身份证号\)/);
		for (const secret of ['陈一', VALID, BAD_CHECK]) expect(run.stderr + run.stdout).not.toContain(secret);
		expect(existsSync(path.join(out, 'triage.json'))).toBe(false);
	});
});
