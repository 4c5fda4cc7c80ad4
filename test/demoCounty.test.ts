/**
 * The synthetic demo county (scripts/demoCounty.ts): deterministic, valid fictitious IDs, the
 * specified distributions, and a police list whose every row really carries the noise its truth
 * entry names.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { parse } from 'csv-parse/sync';
import { normalizeIdText, parseIdNumber, upgradeId15 } from '../lib/idNumber';
import { nameKey, normalizeName } from '../lib/name';
import { CLASSIFICATIONS, MANAGEMENT_STATUS } from '../lib/vocabulary';
import {
	DEMO_AS_OF,
	DEMO_TOWNSHIPS,
	demoCounty,
	generatePoliceList,
	generateRegistry,
	NOISE_KINDS,
	NOISE_SHARES,
	patientAt,
	POLICE_HEADERS,
	REGISTRY_HEADERS,
	writeDemoFiles,
	type NoiseKind,
	type PoliceTruth,
} from '../scripts/demoCounty';
import { parseArgs } from '../scripts/generateDemo';

type Row = Record<string, string>;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-demo-county-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readCsv(file: string): { text: string; rows: Row[]; headers: string[] } {
	const text = readFileSync(file, 'utf8');
	const rows = parse(text, { bom: true, columns: true, skip_empty_lines: false }) as Row[];
	const headers = (parse(text, { bom: true, to_line: 1 }) as string[][])[0];
	return { text, rows, headers };
}

// One default-size county (3000 patients, 600 list rows) shared by the tests below.
let files: Awaited<ReturnType<typeof writeDemoFiles>>;
let registry: Row[];
let police: Row[];
let truth: PoliceTruth[];
let byNo: Map<string, Row>;
let byId: Map<string, Row>;
let holders: Map<string, Row[]>;

beforeAll(async () => {
	files = await writeDemoFiles(path.join(tmp, 'a'), { gbk: true, xlsx: true });
	registry = readCsv(files.registryCsv).rows;
	police = readCsv(files.policeCsv).rows;
	truth = (JSON.parse(readFileSync(files.truthJson, 'utf8')) as { truth: PoliceTruth[] }).truth;
	byNo = new Map(registry.map((r) => [r['患者编号'], r]));
	byId = new Map(registry.map((r) => [r['身份证号'], r]));
	holders = new Map();
	for (const r of registry) {
		const k = nameKey(r['姓名']);
		holders.set(k, [...(holders.get(k) ?? []), r]);
	}
});

const share = (n: number, total: number) => n / total;

describe('files', () => {
	test('same seed gives byte-identical files, another seed different ones', async () => {
		const again = await writeDemoFiles(path.join(tmp, 'b'), { gbk: true, xlsx: true });
		for (const key of ['registryCsv', 'policeCsv', 'truthJson', 'policeGbkCsv', 'policeXlsx'] as const) {
			expect(readFileSync(again[key]!).equals(readFileSync(files[key]!))).toBe(true);
		}
		const other = await writeDemoFiles(path.join(tmp, 'c'), { seed: 7 });
		expect(readFileSync(other.registryCsv).equals(readFileSync(files.registryCsv))).toBe(false);
		expect(readFileSync(other.policeCsv).equals(readFileSync(files.policeCsv))).toBe(false);
	});

	test('UTF-8 with BOM, Chinese headers, CRLF, the default sizes', () => {
		for (const [file, headers] of [
			[files.registryCsv, REGISTRY_HEADERS],
			[files.policeCsv, POLICE_HEADERS],
		] as const) {
			const bytes = readFileSync(file);
			expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
			const { headers: got, text } = readCsv(file);
			expect(got).toEqual([...headers]);
			expect(text.split('\n').every((line, k, all) => k === all.length - 1 || line.endsWith('\r'))).toBe(true);
		}
		expect(registry).toHaveLength(3000);
		expect(police).toHaveLength(600);
		expect(police.map((r) => r['序号'])).toEqual(police.map((_, k) => String(k + 1)));
		expect(truth.map((t) => t.row)).toEqual(police.map((_, k) => k + 1));
	});

	test('GBK copy decodes to the same list (• and ・ written as ·)', () => {
		const gbk = new TextDecoder('gbk').decode(readFileSync(files.policeGbkCsv!));
		const utf8 = readFileSync(files.policeCsv, 'utf8').slice(1);
		expect(gbk).toBe(utf8.replace(/[•・]/g, '·'));
		expect(files.counts.gbkSubstitutions).toBe((utf8.match(/[•・]/g) ?? []).length);
	});

	test('XLSX copy holds the same rows, IDs as text', async () => {
		const { Workbook } = await import('exceljs');
		const wb = new Workbook();
		await wb.xlsx.readFile(files.policeXlsx!);
		const ws = wb.worksheets[0];
		expect(ws.rowCount).toBe(601);
		for (const k of [1, 17, 600]) {
			const values = (ws.getRow(k + 1).values as unknown[]).slice(1).map((v) => (v === undefined || v === null ? '' : v));
			expect(values).toEqual(POLICE_HEADERS.map((h) => police[k - 1][h]));
		}
	});

	test('the CLI parses its arguments', () => {
		expect(parseArgs(['--out', 'x', '--seed', '5', '--patients', '1_000_000', '--police-rows', '50000', '--as-of', '2026-01-31', '--gbk'])).toEqual({
			out: path.resolve('x'),
			seed: 5,
			patients: 1_000_000,
			policeRows: 50000,
			asOf: '2026-01-31',
			gbk: true,
		});
		expect(parseArgs(['--help'])).toBeNull();
		expect(() => parseArgs(['--seed', '5'])).toThrow('--out');
		expect(() => parseArgs(['--out', 'x', '--police-rows', '50001'])).toThrow('--police-rows');
		expect(() => parseArgs(['--out', 'x', '--bogus', '1'])).toThrow('unknown argument');
	});
});

describe('registry', () => {
	test('every ID is a valid fictitious 4399 number matching 出生日期 and 性别; IDs and 患者编号 unique', () => {
		const wrong: string[] = [];
		for (const r of registry) {
			const id = parseIdNumber(r['身份证号'], { today: DEMO_AS_OF });
			if (!id.ok) wrong.push(`${r['患者编号']}: ${id.error}`);
			else if (
				id.id !== r['身份证号'] ||
				!id.id.startsWith('4399') ||
				id.birthDate !== r['出生日期'] ||
				id.sex !== (r['性别'] === '男' ? 'male' : 'female') ||
				id.birthDate < '1940-01-01' ||
				id.birthDate > '2006-12-31'
			) {
				wrong.push(`${r['患者编号']}: ID, 出生日期 or 性别 disagree`);
			}
		}
		expect(wrong).toEqual([]);
		expect(new Set(registry.map((r) => r['患者编号'])).size).toBe(registry.length);
		expect(new Set(registry.map((r) => r['身份证号'])).size).toBe(registry.length);
		expect(registry[0]['患者编号']).toBe('DEMO-000001');
		expect(share(registry.filter((r) => r['身份证号'].startsWith('439901')).length, registry.length)).toBeGreaterThan(0.7);
	});

	test('status, risk, classification, follow-up dates as specified', () => {
		const n = registry.length;
		const count = (f: (r: Row) => boolean) => registry.filter(f).length;
		const status = (s: keyof typeof MANAGEMENT_STATUS) => share(count((r) => r['管理状态'] === MANAGEMENT_STATUS[s]), n);
		expect(status('active')).toBeGreaterThan(0.83);
		expect(status('active')).toBeLessThan(0.89);
		expect(status('lost')).toBeGreaterThan(0.035);
		expect(status('lost')).toBeLessThan(0.065);
		expect(status('deceased')).toBeGreaterThan(0.025);
		expect(status('deceased')).toBeLessThan(0.055);
		expect(status('moved_out')).toBeGreaterThan(0.015);
		expect(status('moved_out')).toBeLessThan(0.045);
		expect(status('refused')).toBeGreaterThan(0.01);
		expect(status('refused')).toBeLessThan(0.03);
		expect(new Set(registry.map((r) => r['管理状态']))).toEqual(new Set(Object.values(MANAGEMENT_STATUS)));

		const level = (r: Row) => Number(/^([0-5])级$/.exec(r['危险性评估'])![1]);
		expect(share(count((r) => level(r) <= 1), n)).toBeGreaterThan(0.85);
		expect(share(count((r) => level(r) >= 3), n)).toBeGreaterThan(0.02);
		expect(share(count((r) => level(r) >= 3), n)).toBeLessThan(0.045);
		const wrong: string[] = [];
		const check = (ok: boolean, r: Row, what: string) => ok || wrong.push(`${r['患者编号']}: ${what}`);
		for (const r of registry) {
			check((Object.values(CLASSIFICATIONS) as string[]).includes(r['病情分类']), r, '病情分类');
			check(level(r) < 3 || r['病情分类'] === '不稳定', r, 'level >= 3 must be 不稳定');
			check(level(r) < 1 || r['病情分类'] !== '稳定', r, 'level >= 1 cannot be 稳定');
			check((DEMO_TOWNSHIPS as readonly string[]).includes(r['所属乡镇']), r, '所属乡镇');
			check(r['现住址'].startsWith(r['所属乡镇']) && /^.+村\d+组\d+号$/.test(r['现住址']), r, '现住址');
			check(/^1[012]\d{9}$/.test(r['监护人电话']), r, '监护人电话');
			check(r['监护人'].length >= 2, r, '监护人');
			check(r['末次随访日期'] <= DEMO_AS_OF, r, '末次随访日期');
		}
		expect(wrong).toEqual([]);

		// ~10% of active patients overdue: stable > 3 months, others > 2 weeks.
		const asOf = Date.parse(DEMO_AS_OF);
		const active = registry.filter((r) => r['管理状态'] === '在管');
		const overdue = active.filter((r) => {
			const days = (asOf - Date.parse(r['末次随访日期'])) / 86400000;
			return r['病情分类'] === '稳定' ? days > 92 : days > 14;
		});
		expect(share(overdue.length, active.length)).toBeGreaterThan(0.07);
		expect(share(overdue.length, active.length)).toBeLessThan(0.13);
		const closed = registry.filter((r) => r['管理状态'] === '死亡' || r['管理状态'] === '迁出');
		expect(closed.every((r) => asOf - Date.parse(r['末次随访日期']) >= 180 * 86400000)).toBe(true);
	});

	test('namesakes (~1%, different ID and birth date) and minority names (~3%) are planted', () => {
		const shared = [...holders.values()].filter((g) => g.length >= 2);
		const inGroups = shared.reduce((s, g) => s + g.length, 0);
		expect(share(inGroups, registry.length)).toBeGreaterThan(0.006);
		expect(share(inGroups, registry.length)).toBeLessThan(0.02);
		for (const g of shared) {
			expect(new Set(g.map((r) => r['身份证号'])).size).toBe(g.length);
			expect(new Set(g.map((r) => r['出生日期'])).size).toBe(g.length);
		}
		const minority = registry.filter((r) => r['姓名'].includes('·'));
		expect(share(minority.length, registry.length)).toBeGreaterThan(0.02);
		expect(share(minority.length, registry.length)).toBeLessThan(0.045);
		for (const r of minority) expect(r['姓名']).toMatch(/^\p{Script=Han}{2,4}·\p{Script=Han}{2,4}$/u);
		expect(files.counts.registry.plantedNamesakes).toBeGreaterThan(0);
	});

	test('patientAt(i) is row i; a smaller registry is a prefix of a larger one; generateRegistry yields the same', () => {
		for (const i of [0, 1, 1234, 2999]) expect(patientAt(i)).toEqual(registry[i]);
		const small = [...generateRegistry({ patients: 50 })];
		expect(small).toEqual(registry.slice(0, 50));
		const big = demoCounty({ patients: 1_000_000 });
		expect(big.patientAt(2999)).toEqual(registry[2999]);
		const late = big.patientAt(999_999);
		expect(late['患者编号']).toBe('DEMO-1000000');
		expect(parseIdNumber(late['身份证号'], { today: DEMO_AS_OF }).ok).toBe(true);
		expect(() => patientAt(3000)).toThrow('out of range');
	});

	test('IDs stay unique far into a large registry', () => {
		const county = demoCounty({ patients: 1_000_000 });
		const seen = new Set<string>();
		for (let i = 0; i < 100_000; i++) seen.add(county.personAt(i).idNumber);
		expect(seen.size).toBe(100_000);
	});
});

describe('police list', () => {
	const rowsOf = (kind: NoiseKind) => truth.filter((t) => t.kind === kind).map((t) => ({ t, row: police[t.row - 1], patient: t.patientNo ? byNo.get(t.patientNo)! : null }));

	test('counts per kind follow the shares (exactly at the default size) and reconcile', () => {
		const counts = Object.fromEntries(NOISE_KINDS.map((k) => [k, truth.filter((t) => t.kind === k).length]));
		for (const [kind, s] of NOISE_SHARES) expect(Math.abs(counts[kind] - s * 600)).toBeLessThanOrEqual(1);
		expect(counts).toEqual(files.counts.police.byKind);
		expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(600);
		expect(files.counts.police.shortfalls).toEqual({});
	});

	test('人员类别, 派出所 and rows about lost, deceased and moved-out patients', () => {
		const riot = police.filter((r) => r['人员类别'] === '肇事肇祸').length;
		expect(share(riot, police.length)).toBeGreaterThan(0.05);
		expect(share(riot, police.length)).toBeLessThan(0.12);
		expect(new Set(police.map((r) => r['人员类别']))).toEqual(new Set(['肇事肇祸', '重点关注', '一般关注']));
		for (const r of police) if (r['所属乡镇']) expect(r['所属派出所']).toBe(`${r['所属乡镇']}派出所`);
		const statuses = truth.filter((t) => t.patientNo).map((t) => byNo.get(t.patientNo!)!['管理状态']);
		for (const s of ['失访', '死亡', '迁出']) expect(statuses.filter((x) => x === s).length).toBeGreaterThanOrEqual(3);
	});

	test('every patientNo exists; IDs in the list are all under 4399', () => {
		for (const t of truth) if (t.patientNo) expect(byNo.has(t.patientNo)).toBe(true);
		for (const { row } of NOISE_KINDS.filter((k) => k !== 'junk').flatMap(rowsOf)) {
			const id = normalizeIdText(row['身份证号'])!;
			if (id) expect(id.startsWith('4399')).toBe(true);
		}
	});

	test('exact, fullwidth, lowercase_x, spaces_hyphens: the ID normalises to the registry ID', () => {
		for (const kind of ['exact', 'fullwidth', 'lowercase_x', 'spaces_hyphens'] as const) {
			for (const { row, patient } of rowsOf(kind)) {
				expect(row['姓名']).toBe(patient!['姓名']);
				expect(normalizeIdText(row['身份证号'])).toBe(patient!['身份证号']);
				if (kind === 'exact') expect(row['身份证号']).toBe(patient!['身份证号']);
				if (kind === 'fullwidth') expect(row['身份证号']).toMatch(/^[０-９Ｘ]{18}$/);
				if (kind === 'lowercase_x') expect(row['身份证号']).toMatch(/^\d{17}x$/);
				if (kind === 'spaces_hyphens') expect(row['身份证号']).toMatch(/^\d[\d\s-]*[\dX]$/);
				if (kind === 'spaces_hyphens') expect(row['身份证号']).toMatch(/[\s-]/);
			}
		}
	});

	test('traditional, minority_separator, name_spaces: the name differs but normalises to the registry name', () => {
		for (const kind of ['traditional', 'minority_separator', 'name_spaces'] as const) {
			for (const { row, patient } of rowsOf(kind)) {
				expect(row['身份证号']).toBe(patient!['身份证号']);
				expect(row['姓名']).not.toBe(patient!['姓名']);
				expect(nameKey(row['姓名'])).toBe(nameKey(patient!['姓名']));
				if (kind !== 'minority_separator') expect(normalizeName(row['姓名'])).toBe(patient!['姓名']);
				if (kind === 'minority_separator') {
					expect(patient!['姓名']).toContain('·');
					expect(row['姓名']).not.toContain('·');
				}
				if (kind === 'name_spaces') expect(row['姓名']).toMatch(/[ \u3000]/);
			}
		}
	});

	test('id_typo, id_transposition, bad_check_only: the check fails, one keystroke from the registry ID', () => {
		for (const kind of ['id_typo', 'id_transposition', 'bad_check_only'] as const) {
			for (const { row, patient } of rowsOf(kind)) {
				const got = row['身份证号'];
				const want = patient!['身份证号'];
				const parsed = parseIdNumber(got, { today: DEMO_AS_OF });
				expect(parsed.ok ? 'ok' : parsed.code).toBe('bad_check');
				expect(row['姓名']).toBe(patient!['姓名']);
				const diff = [...got].map((c, k) => (c === want[k] ? -1 : k)).filter((k) => k >= 0);
				if (kind === 'id_typo') {
					expect(diff).toHaveLength(1);
					expect(diff[0]).toBeGreaterThanOrEqual(4);
					expect(diff[0]).toBeLessThan(17);
				}
				if (kind === 'id_transposition') {
					expect(diff).toHaveLength(2);
					expect(diff[1]).toBe(diff[0] + 1);
					expect(diff[1]).toBeLessThan(17);
					expect(got[diff[0]]).toBe(want[diff[1]]);
					expect(got[diff[1]]).toBe(want[diff[0]]);
				}
				if (kind === 'bad_check_only') expect(diff).toEqual([17]);
			}
		}
	});

	test('id15: 15 digits that upgrade to the registry ID', () => {
		const rows = rowsOf('id15');
		expect(rows.length).toBeGreaterThan(0);
		for (const { row, patient } of rows) {
			expect(row['身份证号']).toMatch(/^\d{15}$/);
			expect(upgradeId15(row['身份证号'])).toBe(patient!['身份证号']);
			expect(patient!['出生日期'] < '2000').toBe(true);
		}
	});

	test('name_differs: a registry ID with a name that does not agree (another patient’s)', () => {
		for (const { t, row, patient } of rowsOf('name_differs')) {
			expect(byId.get(row['身份证号'])).toBe(patient);
			expect(nameKey(row['姓名'])).not.toBe(nameKey(patient!['姓名']));
			expect(row['姓名']).toBe(byNo.get(t.namePatientNo!)!['姓名']);
		}
	});

	test('namesake and name_only: no ID; the name is shared by several patients / exactly one', () => {
		for (const { t, row, patient } of rowsOf('namesake')) {
			expect(row['身份证号']).toBe('');
			const group = holders.get(nameKey(row['姓名']))!;
			expect(group.length).toBeGreaterThanOrEqual(2);
			expect(group).toContain(patient);
			expect(t.namesakes).toEqual(group.map((r) => r['患者编号']).sort());
		}
		for (const { row, patient } of rowsOf('name_only')) {
			expect(row['身份证号']).toBe('');
			expect(holders.get(nameKey(row['姓名']))).toEqual([patient]);
		}
	});

	test('duplicates come after the row of the same person', () => {
		const dups = rowsOf('duplicate');
		expect(dups.length).toBe(30);
		const personKey = (r: Row) => {
			const id = normalizeIdText(r['身份证号'])!;
			return `${nameKey(r['姓名'])}|${id.length === 15 ? upgradeId15(id) : id}`;
		};
		for (const { t, row } of dups) {
			expect(t.duplicateOfRow).toBeLessThan(t.row);
			const original = truth[t.duplicateOfRow! - 1];
			expect(original.kind).not.toBe('duplicate');
			expect(original.patientNo).toBe(t.patientNo);
			expect(personKey(row)).toBe(personKey(police[t.duplicateOfRow! - 1]));
		}
	});

	test('not_in_registry: a valid fictitious ID and a name no patient has', () => {
		const rows = rowsOf('not_in_registry');
		expect(rows).toHaveLength(72);
		for (const { t, row } of rows) {
			expect(t.patientNo).toBeNull();
			const id = parseIdNumber(row['身份证号'], { today: DEMO_AS_OF });
			expect(id.ok && id.id.startsWith('4399')).toBe(true);
			expect(byId.has(row['身份证号'])).toBe(false);
			expect(holders.has(nameKey(row['姓名']))).toBe(false);
		}
	});

	test('junk: neither a usable name nor a usable ID', () => {
		const placeholders = new Set(['合计', '不详', '无', '']);
		for (const { t, row } of rowsOf('junk')) {
			expect(t.patientNo).toBeNull();
			const key = nameKey(row['姓名']);
			expect(placeholders.has(key) || /^[\p{P}\p{S}\d]*$/u.test(key)).toBe(true);
			expect(parseIdNumber(row['身份证号'], { today: DEMO_AS_OF }).ok).toBe(false);
		}
	});

	test('from an in-memory registry array, also a tiny one: counts still reconcile', () => {
		const list = generatePoliceList(registry.slice(0, 400), { policeRows: 120, seed: 3 });
		expect(list.rows).toHaveLength(120);
		expect(list.truth.map((t) => t.row)).toEqual(list.rows.map((_, k) => k + 1));
		const ids = new Set(registry.slice(0, 400).map((r) => r['身份证号']));
		for (const t of list.truth) {
			if (t.kind === 'not_in_registry') expect(ids.has(list.rows[t.row - 1]['身份证号'])).toBe(false);
			if (t.patientNo) expect(Number(t.patientNo.slice(5))).toBeLessThanOrEqual(400);
		}
		const tiny = generatePoliceList(registry.slice(0, 3), { policeRows: 40 });
		expect(tiny.rows).toHaveLength(40);
		expect(Object.values(tiny.counts.byKind).reduce((a, b) => a + b, 0)).toBe(40);
		expect(Object.keys(tiny.counts.shortfalls).length).toBeGreaterThan(0);
		expect(generatePoliceList([], { policeRows: 10 }).rows).toHaveLength(10);
	});
});
