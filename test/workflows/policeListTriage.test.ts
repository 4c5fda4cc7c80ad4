/**
 * The main job end to end: `npm run demo -- --registry R --police-list P --as-of D --out DIR` on the
 * synthetic demo county. It imports R with workflows/registry-import.json and runs
 * workflows/police-list-triage.json through n8n-core with n8n's built-in file nodes, in a plain Node
 * process. Outputs are checked against the generator's ground truth.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../scripts/nodeTypes';
import { writeDemoFiles, type PoliceTruth } from '../../scripts/demoCounty';
import { readTable } from '../../lib/tabular';

const DEMO = path.join(PACKAGE_ROOT, 'dist', 'scripts', 'demo.js');
const AS_OF = '2026-11-20';

interface TriageRow {
	row: number;
	category: string;
	matchStatus: string;
	patientId: string | null;
	candidates: Array<{ patientId: string; reason: string }>;
	duplicateOfRow: number | null;
	priority: string;
	dueDate: string;
	reasons: string[];
}

let dir: string;
let out: string;
let rows: TriageRow[];
let truth: PoliceTruth[];
let stdout: string;
let inputRows: Array<Record<string, string>>;

beforeAll(async () => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-triage-'));
	out = path.join(dir, 'out');
	const demo = await writeDemoFiles(path.join(dir, 'data'), { seed: 424242, patients: 1500, policeRows: 400, asOf: AS_OF });
	truth = JSON.parse(readFileSync(demo.truthJson, 'utf8')).truth;
	stdout = execFileSync(process.execPath, [DEMO, '--registry', demo.registryCsv, '--police-list', demo.policeCsv, '--as-of', AS_OF, '--out', out], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	rows = JSON.parse(readFileSync(path.join(out, 'triage.json'), 'utf8'));
	inputRows = (await readTable(readFileSync(demo.policeCsv))).rows.map((r) => r.values);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('police list triage workflow (npm run demo on user files)', () => {
	test('triage.json: one object per input row, in input order, with exactly the documented keys', () => {
		expect(rows).toHaveLength(400);
		expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
		for (const r of rows) {
			expect(Object.keys(r)).toEqual(['row', 'category', 'matchStatus', 'patientId', 'candidates', 'duplicateOfRow', 'priority', 'dueDate', 'reasons']);
			expect(['managed', 'followup_overdue', 'lost', 'closed', 'new_clue', 'review', 'invalid']).toContain(r.category);
			expect(r.dueDate).toMatch(/^2026-1[12]-\d{2}$/);
		}
	});

	test('no wrong automatic link: every linked row is the person the truth says', () => {
		let linked = 0;
		for (const t of truth) {
			const r = rows[t.row - 1];
			if (r.patientId !== null) {
				linked++;
				expect([t.row, r.patientId]).toEqual([t.row, t.patientNo]);
			}
		}
		expect(linked).toBeGreaterThan(200);
	});

	test('each noise kind lands where it should', () => {
		const expectKind = (kinds: string[], check: (r: TriageRow, t: PoliceTruth) => void) => {
			const subset = truth.filter((t) => kinds.includes(t.kind));
			expect(subset.length).toBeGreaterThan(0);
			for (const t of subset) check(rows[t.row - 1], t);
		};
		// Noise that normalisation removes: linked to the right patient.
		expectKind(['exact', 'fullwidth', 'lowercase_x', 'spaces_hyphens', 'traditional', 'minority_separator', 'id15', 'name_spaces'], (r, t) => {
			expect(r.matchStatus).toBe('matched');
			expect(r.patientId).toBe(t.patientNo);
		});
		// Possible but unconfirmed links: review, with the right patient among the candidates.
		expectKind(['id_typo', 'id_transposition', 'bad_check_only', 'name_differs', 'name_only'], (r, t) => {
			expect(r.category).toBe('review');
			expect(r.patientId).toBeNull();
			expect(r.candidates.map((c) => c.patientId)).toContain(t.patientNo);
		});
		expectKind(['namesake'], (r) => {
			expect(r).toMatchObject({ category: 'review', matchStatus: 'ambiguous' });
			expect(r.candidates.length).toBeGreaterThan(1);
		});
		expectKind(['not_in_registry'], (r) => expect(r).toMatchObject({ category: 'new_clue', matchStatus: 'unmatched', patientId: null }));
		expectKind(['junk'], (r) => expect(r).toMatchObject({ category: 'invalid', matchStatus: 'invalid' }));
		expectKind(['duplicate'], (r, t) => expect(r.duplicateOfRow).toBe(t.duplicateOfRow));
	});

	test('priority: 肇事肇祸 rows are high', () => {
		inputRows.forEach((input, i) => {
			if (input['人员类别'] === '肇事肇祸') expect(rows[i].priority).toBe('high');
		});
	});

	test('counts reconcile: the printed table, the task lists and the feedback list all add up to the rows', async () => {
		const counts: Record<string, number> = {};
		for (const r of rows) counts[r.category] = (counts[r.category] ?? 0) + 1;
		for (const [c, n] of Object.entries(counts)) expect(stdout).toContain(`| ${c} | ${n} |`);
		expect(stdout).toContain('| **total** | 400 |');

		const taskFiles = readdirSync(out).filter((f) => f.startsWith('任务清单_'));
		expect(taskFiles.length).toBeGreaterThanOrEqual(5);
		let tasks = 0;
		for (const f of taskFiles) {
			const t = await readTable(readFileSync(path.join(out, f)));
			expect(t.headers.slice(0, 7)).toEqual(['序号', '优先级', '处置类别', '处置措施', '完成时限', '姓名', '身份证号']);
			tasks += t.rows.length;
			// High priority first, then the earliest due date.
			const order = t.rows.map((r) => `${r.values['优先级'] === '高' ? 0 : 1}${r.values['完成时限']}`);
			expect(order).toEqual([...order].sort());
		}
		expect(tasks).toBe(400);

		const feedback = await readTable(readFileSync(path.join(out, `公安反馈清单_${AS_OF}.xlsx`)));
		expect(feedback.rows.map((r) => Number(r.values['序号']))).toEqual(rows.map((r) => r.row));
		for (const [i, r] of feedback.rows.entries()) {
			const id = String(inputRows[i]['身份证号'] ?? '').trim();
			if (id.length >= 15) expect(r.values['身份证号']).not.toBe(id); // masked
			expect(r.values['身份证号']).toMatch(/^$|\*/);
			if (r.values['姓名']) expect(r.values['姓名']).toMatch(/^.\*$/u);
		}
	});

	test('summary page: counts per category and township, reconciled, names masked', () => {
		const html = readFileSync(path.join(out, `处置汇总_${AS_OF}.html`), 'utf8');
		expect(html).toContain('<title>公安下发纳管名单处置汇总（2026-11-20）</title>');
		expect(html).toContain('名单共 400 行');
		expect(html).toContain('核对：各乡镇合计与名单行数一致。');
		for (const t of ['城关镇', '河西乡', '青山镇', '柳林乡', '石桥镇']) expect(html).toContain(t);
		for (const input of inputRows.slice(0, 50)) {
			const name = String(input['姓名'] ?? '').trim();
			if ([...name].length >= 3) expect(html).not.toContain(name);
		}
	});

	test('the registry import report is written next to the results', () => {
		const report = JSON.parse(readFileSync(path.join(out, 'import-report.json'), 'utf8'));
		expect(report[0]).toMatchObject({ rows: 1500, inserted: 1500, rejected: 0 });
	});
});
