/**
 * Real county files (issue: keep every registered patient, never lose a row to one bad cell, fail
 * loudly on files that cannot be triaged): the registry and matching side, in lib.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as ExcelJS from 'exceljs';
import { idCheckChar, oneEditApart, readUnusableId } from '../../lib/idNumber';
import { importRegistryFile } from '../../lib/registry/import';
import { MIGRATIONS, RegistryError, RegistryStore } from '../../lib/registry/store';
import { claimQueuedAudits, releaseClaim } from '../../lib/registry/auditQueue';
import { mapPoliceColumns, policeListProblem, policeRowFrom, registryTriageProblem, Triage } from '../../lib/triage';
import { safeFileNamePart, uniqueFileNames } from '../../lib/fileNames';
import { isFileAccessAllowed } from '../../lib/paths';
import { makeId } from '../helpers';

const TODAY = '2026-11-20';
const HEADER = '患者编号,姓名,性别,身份证号,出生日期,现住址,所属乡镇,诊断,管理状态';

/** An 18-character number whose check character is wrong (the body is a real person's). */
function badCheck(id: string): string {
	const right = id[17];
	const wrong = '0123456789X'.split('').find((c) => c !== right)!;
	return id.slice(0, 17) + wrong;
}

let dir: string;
beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-county-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const csv = (...lines: string[]) => Buffer.from([HEADER, ...lines].join('\r\n') + '\r\n', 'utf8');

describe('every registered patient is kept', () => {
	// One number of each flaw, each for its own patient.
	const valid = makeId('1975-04-12', 31);
	const flawed = {
		bad_check: badCheck(makeId('1968-02-03', 17)),
		bad_date: '439901' + '19681332' + '0171',
		bad_length: makeId('1979-09-09', 5).slice(0, 17),
		bad_characters: '43990119790909O05' + 'X',
	};

	async function xlsxRegistry(): Promise<Buffer> {
		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('在册患者');
		ws.addRow(['XX县严重精神障碍患者登记表']);
		ws.addRow(['导出时间：2026-11-19']);
		ws.addRow(HEADER.split(','));
		ws.addRow(['R-1', '陈一', '男', valid, '', '', '城关镇', '精神分裂症', '在管']);
		ws.addRow(['R-2', '陈二', '女', flawed.bad_check, '', '', '城关镇', '精神分裂症', '在管']);
		ws.addRow(['R-3', '陈三', '男', flawed.bad_date, '1968-03-12', '', '河西乡', '双相情感障碍', '在管']);
		ws.addRow(['R-4', '陈四', '男', flawed.bad_length, '', '', '河西乡', '精神分裂症', '失访']);
		ws.addRow(['R-5', '陈五', '女', flawed.bad_characters, '', '', '青山镇', '精神分裂症', '在管']);
		ws.addRow(['R-6', '', '女', makeId('1990-01-01', 2), '', '', '青山镇', '精神分裂症', '在管']); // no name: rejected
		ws.addRow(['', '陈七', '女', '', '', '', '青山镇', '精神分裂症', '在管']); // no identifier: rejected
		return Buffer.from(await wb.xlsx.writeBuffer());
	}

	test('an XLSX export with a title row: invalid ID numbers imported as recorded, flagged, warned by row and field; no name or no identifier still rejected', async () => {
		const store = RegistryStore.open(path.join(dir, 'r.sqlite'));
		const report = await importRegistryFile(store, await xlsxRegistry(), { fileName: 'export.xlsx', today: TODAY });
		expect(report).toMatchObject({ format: 'xlsx', rows: 7, inserted: 5, rejected: 2, invalidIds: 4 });
		expect(report.errors.map((e) => [e.row, e.line, e.field, e.code])).toEqual([
			[6, 9, 'name', 'required'],
			[7, 10, 'patientNo', 'required'],
		]);
		expect(report.warnings.filter((w) => w.field === 'idNumber').map((w) => [w.row, w.line, w.code])).toEqual([
			[2, 5, 'id_bad_check'],
			[3, 6, 'id_bad_date'],
			[4, 7, 'id_bad_length'],
			[5, 8, 'id_bad_characters'],
		]);
		for (const w of report.warnings) expect(w.message).toMatch(/^Row \d+ \(line \d+\): 身份证号 \(idNumber\) is not a valid ID number .*flagged idValid=false/);
		const text = JSON.stringify([report.errors, report.warnings]);
		for (const secret of [valid, ...Object.values(flawed), '陈']) expect(text).not.toContain(secret);
		expect(store.getByPatientNo('R-1')).toMatchObject({ idNumber: valid, idValid: true });
		expect(store.getByPatientNo('R-2')).toMatchObject({ idNumber: flawed.bad_check, idValid: false, birthDate: '1968-02-03' });
		expect(store.getByPatientNo('R-3')).toMatchObject({ idNumber: flawed.bad_date, idValid: false, birthDate: '1968-03-12' });
		expect(store.getByPatientNo('R-4')).toMatchObject({ idNumber: flawed.bad_length, idValid: false, status: 'lost' });
		expect(store.getByPatientNo('R-5')).toMatchObject({ idNumber: flawed.bad_characters, idValid: false });
		expect(store.lastImport()).toMatchObject({ rows: 7, inserted: 5, rejected: 2, invalidIds: 4 });
		// Idempotent: the same file again writes nothing.
		const again = await importRegistryFile(store, await xlsxRegistry(), { fileName: 'export.xlsx', today: TODAY });
		expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 5, rejected: 2 });
		store.close();
	});

	test('police rows about a patient kept with an invalid number end in review with that patient, never new_clue, never a link', async () => {
		const store = RegistryStore.open(':memory:');
		const real = makeId('1968-02-03', 17); // the person's valid number
		const recorded = badCheck(real); // what the registry holds
		await importRegistryFile(store, csv(`R-2,陈二,女,${recorded},,,城关镇,精神分裂症,在管`, `R-9,李九,男,${makeId('1950-05-05', 9)},,,城关镇,精神分裂症,在管`), { today: TODAY });
		const swapped = recorded.slice(0, 8) + recorded[9] + recorded[8] + recorded.slice(10);
		const oneDigit = recorded.slice(0, 15) + ((Number(recorded[15]) + 1) % 10) + recorded.slice(16);
		const t = new Triage(store, { asOf: TODAY });
		const rows = [
			{ row: 1, name: '陈二', idNumber: recorded }, // the same string, names agree
			{ row: 2, name: '陳二', idNumber: swapped }, // a transposition of it (traditional name form)
			{ row: 3, name: '陈二', idNumber: oneDigit }, // one digit off
			{ row: 4, name: '陈二', idNumber: real }, // the person's valid number: same name and birth date
			{ row: 5, name: '陈二', idNumber: makeId('1968-02-03', 18) }, // another valid number, same name and birth date
			{ row: 6, name: '王五', idNumber: recorded }, // the same string, another name
		];
		const results = rows.map((r) => t.triageRow(r));
		for (const r of results) {
			expect([r.row, r.category, r.patientId]).toEqual([r.row, 'review', null]);
			expect(r.candidates.map((c) => c.patientId)).toEqual(['R-2']);
		}
		expect(results.map((r) => r.candidates[0].reason)).toEqual([
			'recorded_id_same_name_agrees',
			'recorded_id_one_edit_name_agrees',
			'recorded_id_one_edit_name_agrees',
			'recorded_id_one_edit_name_agrees', // the valid number differs from the recorded one in the check character only
			'name_birth_match_id_differs',
			'recorded_id_same_name_differs',
		]);
		// The valid number one edit from the recorded one, on a person whose birth date is unknown to the registry.
		const store2 = RegistryStore.open(':memory:');
		const bad = '4399011968023' + '1X17' + '9'; // 18 characters, an X in the body: bad characters, no birth date read
		await importRegistryFile(store2, Buffer.from(`患者编号,姓名,身份证号\r\nQ-1,孙二,${bad}\r\n`), { today: TODAY });
		const near = bad.slice(0, 14) + '1' + bad.slice(15);
		const body = near.slice(0, 17);
		const validNear = body + idCheckChar(body);
		const r = new Triage(store2, { asOf: TODAY }).triageRow({ row: 1, name: '孙二', idNumber: validNear });
		expect(oneEditApart(bad, validNear)).toBe(true);
		expect(r).toMatchObject({ category: 'review', patientId: null, candidates: [{ patientId: 'Q-1', reason: 'recorded_id_one_edit_name_agrees' }] });
		store.close();
		store2.close();
	});

	test('an export that swaps two patients\u2019 ID numbers imports; a number still held by someone else is a row error', async () => {
		const store = RegistryStore.open(':memory:');
		const a = makeId('1980-01-01', 1);
		const b = makeId('1981-01-01', 3);
		const c = makeId('1982-01-01', 5);
		await importRegistryFile(store, csv(`S-1,赵一,男,${a},,,城关镇,,在管`, `S-2,赵二,男,${b},,,城关镇,,在管`, `S-3,赵三,男,${c},,,城关镇,,在管`), { today: TODAY });
		const swap = await importRegistryFile(store, csv(`S-1,赵一,男,${b},,,城关镇,,在管`, `S-2,赵二,男,${a},,,城关镇,,在管`), { today: TODAY });
		expect(swap).toMatchObject({ rows: 2, updated: 2, rejected: 0 });
		expect(store.getByPatientNo('S-1')?.idNumber).toBe(b);
		expect(store.getByPatientNo('S-2')?.idNumber).toBe(a);
		// A chain: S-1 takes S-3's number, S-3 moves on to a new one further down the file.
		const d = makeId('1983-01-01', 7);
		const chain = await importRegistryFile(store, csv(`S-1,赵一,男,${c},,,城关镇,,在管`, `S-3,赵三,男,${d},,,城关镇,,在管`), { today: TODAY });
		expect(chain).toMatchObject({ updated: 2, rejected: 0 });
		// A genuine conflict: S-2 keeps its number, the row claiming it is rejected; the rest of the file loads.
		const conflict = await importRegistryFile(store, csv(`S-4,赵四,男,${a},,,城关镇,,在管`, `S-5,赵五,男,${makeId('1984-01-01', 9)},,,城关镇,,在管`), { today: TODAY });
		expect(conflict).toMatchObject({ inserted: 1, rejected: 1 });
		expect(conflict.errors[0]).toMatchObject({ row: 1, field: 'idNumber', code: 'conflict', message: 'Row 1 (line 2): 身份证号 (idNumber) is already registered under 患者编号 S-2' });
		expect(store.getByPatientNo('S-4')).toBeUndefined();
		expect(store.duplicateValidIds().size).toBe(0);
		store.close();
	});
});

describe('an unusable ID on a police row is treated as missing, whatever made it unusable', () => {
	const id = makeId('1987-10-18', 123);
	let store: RegistryStore;
	beforeAll(async () => {
		store = RegistryStore.open(':memory:');
		await importRegistryFile(
			store,
			csv(`U-1,钱多多,男,${id},,,城关镇,,在管`, `U-2,孙少少,女,${makeId('1960-06-06', 20)},,,城关镇,,在管`, `U-3,孙少少,女,${makeId('1961-07-07', 22)},,,城关镇,,在管`),
			{ today: TODAY },
		);
	});
	afterAll(() => store.close());

	test('readable leading digits: trusted only where they are (Excel numbers keep 15 significant digits)', () => {
		const sci = `${id[0]}.${id.slice(1, 15)}E+17`;
		expect(readUnusableId(sci)).toMatchObject({ text: sci, trustedDigits: id.slice(0, 14), birthDate: '1987-10-18' });
		expect(readUnusableId(Number(id.slice(0, 17)) * 10)).toMatchObject({ trustedDigits: id.slice(0, 14), birthDate: '1987-10-18' });
		expect(readUnusableId(badCheck(id))).toMatchObject({ birthDate: '1987-10-18' });
		expect(readUnusableId('4.39901E+17')).toMatchObject({ trustedDigits: '43990', birthDate: null });
		// A legacy 15-digit number as Excel shows it: YYMMDD (19YY) at positions 7–12.
		expect(readUnusableId('1.10105191201234E+14')).toMatchObject({ trustedDigits: '11010519120123', birthDate: '1919-12-01' });
		expect(readUnusableId(id.slice(0, 16))).toMatchObject({ trustedDigits: '', birthDate: null });
		expect(readUnusableId(`${id.slice(0, 10)}A${id.slice(11)}`)).toMatchObject({ trustedDigits: '', birthDate: null });
	});

	test('each kind of unusable ID gives review with the candidate, or new_clue when nobody fits — never invalid, never a link', () => {
		const t = new Triage(store, { asOf: TODAY });
		const forms: unknown[] = [
			`${id[0]}.${id.slice(1, 15)}E+17`, // an XLSX number cell as read
			Number(id.slice(0, 17)) * 10, // a number that lost precision
			`${id.slice(0, 10)}A${id.slice(11)}`, // illegal character
			id.slice(0, 16), // wrong length
			id.slice(0, 6) + '19871340' + id.slice(14), // impossible date
		];
		forms.forEach((form, i) => {
			const r = t.triageRow({ row: i + 1, name: '钱多多', idNumber: form });
			expect([i, r.category, r.matchStatus, r.patientId]).toEqual([i, 'review', 'probable', null]);
			expect(r.candidates.map((c) => c.patientId)).toEqual(['U-1']);
			expect(r.reasons[0]).toMatch(/^身份证号无效：.*按缺失处理，以姓名/);
			expect(JSON.stringify(r)).not.toContain(id.slice(6, 14));
		});
		// Nobody of that name: a new clue, for every kind.
		forms.forEach((form, i) => expect([i, t.triageRow({ row: 10 + i, name: '郑新', idNumber: form }).category]).toEqual([i, 'new_clue']));
		// Namesakes born on other days are other people once a birth date can be read...
		const sci = t.triageRow({ row: 20, name: '孙少少', idNumber: `${id[0]}.${id.slice(1, 15)}E+17` });
		expect(sci.category).toBe('new_clue');
		// ...and all candidates when it cannot.
		const junk = t.triageRow({ row: 21, name: '孙少少', idNumber: 'ABC' });
		expect(junk).toMatchObject({ category: 'review', matchStatus: 'ambiguous' });
		expect(junk.candidates.map((c) => c.patientId)).toEqual(['U-2', 'U-3']);
	});
});

describe('files that cannot be triaged fail loudly', () => {
	test('a list with no name or ID column is refused with the accepted headers; unknown variants of the ID header are accepted', () => {
		const problem = policeListProblem([['序号', '张三', '110101199003071234', '城关镇']]);
		expect(problem).toMatch(/no column for the name \(姓名\) or the ID number \(身份证号\)/);
		expect(problem).toContain('身份证号、公民身份号码');
		expect(problem).not.toContain('张三');
		expect(problem).not.toContain('110101199003071234');
		expect(policeListProblem([['序号', '姓名']])).toBeNull();
		for (const h of ['身份证', '证件号', '身份证件号', '证件号码（身份证）']) {
			expect([h, mapPoliceColumns(['序号', h, '乡镇']).fields.idNumber]).toEqual([h, h]);
		}
		// A guardian's or an officer's columns are never the person's.
		expect(mapPoliceColumns(['序号', '监护人身份证号', '监护人姓名', '民警姓名']).fields).toEqual({});
		expect(mapPoliceColumns(['被管控人姓名', '身份证件号']).guessed).toEqual(['idNumber', 'name']);
	});

	test('two ID columns that disagree: a warning on the row and no automatic link', () => {
		const store = RegistryStore.open(':memory:');
		const a = makeId('1970-03-03', 11);
		const b = makeId('1971-03-03', 13);
		store.transaction(() => {
			for (const [no, name, id] of [['T-1', '周一', a], ['T-2', '周二', b]]) {
				store.upsertPatient({ patientNo: no, name, nameKey: name, sex: 'male', idNumber: id, birthDate: null, address: null, township: '城关镇', diagnosis: null, status: 'active', riskLevel: 0, classification: 'stable', lastFollowUpDate: '2026-11-01', nextFollowUpDate: null, medication: null, guardian: null, guardianPhone: null, extra: {} }, no);
			}
		});
		const columns = mapPoliceColumns(['姓名', '身份证号', '公民身份号码']);
		expect(columns.idColumns).toEqual(['身份证号', '公民身份号码']);
		const t = new Triage(store, { asOf: TODAY });
		const agree = t.triageRow(policeRowFrom({ 姓名: '周一', 身份证号: a, 公民身份号码: a.slice(0, 6) + ' ' + a.slice(6) }, 1, 2, columns));
		expect(agree).toMatchObject({ category: 'managed', patientId: 'T-1' });
		const differ = t.triageRow(policeRowFrom({ 姓名: '周一', 身份证号: a, 公民身份号码: b }, 2, 3, columns));
		expect(differ).toMatchObject({ category: 'review', patientId: null });
		expect(differ.candidates).toEqual([{ patientId: 'T-1', reason: 'id_columns_disagree' }, { patientId: 'T-2', reason: 'id_match_name_differs' }]);
		expect(differ.reasons).toContain('名单中两列身份证号不一致：不自动关联，需人工核对');
		expect(differ.reasons).not.toContain('身份证号一致且姓名一致：自动关联');
		const secondOnly = t.triageRow(policeRowFrom({ 姓名: '周二', 身份证号: '', 公民身份号码: b }, 3, 4, columns));
		expect(secondOnly).toMatchObject({ category: 'managed', patientId: 'T-2' });
		store.close();
	});

	test('an empty registry, or one whose last import rejected most rows, is not trusted for triage', async () => {
		const store = RegistryStore.open(':memory:');
		expect(registryTriageProblem(store)).toMatch(/^The registry is empty/);
		const lines = [`V-1,吴一,男,${makeId('1970-01-01', 1)},,,城关镇,,在管`, ...Array.from({ length: 3 }, (_, i) => `V-${i + 2},,男,,,,城关镇,,在管`)];
		await importRegistryFile(store, csv(...lines), { today: TODAY });
		expect(registryTriageProblem(store)).toMatch(/last import \(.* UTC\) rejected 3 of 4 rows/);
		await importRegistryFile(store, csv(lines[0]), { today: TODAY });
		expect(registryTriageProblem(store)).toBeNull();
		store.close();
	});
});

describe('file names from data are safe and unique', () => {
	test('"/", "..", reserved names and 200 characters give valid, distinct names that can all be written', () => {
		const townships = ['城关/镇', '城关_镇', '../../etc/passwd', '..', 'CON', '镇'.repeat(200), `${'镇'.repeat(199)}乡`, 'a'.repeat(300), '河西乡', 'x\u0000y'];
		const names = uniqueFileNames(townships.map((t) => `任务清单_${safeFileNamePart(t)}_2026-11-20.xlsx`));
		expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(townships.length);
		expect(names[8]).toBe('任务清单_河西乡_2026-11-20.xlsx');
		for (const n of names) {
			expect(n.includes('\u0000') || /[/\\]|\.\./.test(n)).toBe(false);
			expect(Buffer.byteLength(n)).toBeLessThanOrEqual(255);
			writeFileSync(path.join(dir, n), 'x');
		}
		expect(safeFileNamePart('城关/镇')).not.toBe(safeFileNamePart('城关_镇'));
		expect(uniqueFileNames(['a.xlsx', 'A.xlsx', 'a.xlsx'])).toEqual(['a.xlsx', 'A (2).xlsx', 'a (3).xlsx']);
	});
});

describe('the registry file', () => {
	test('a foreign SQLite file is refused and left byte for byte unchanged', () => {
		const file = path.join(dir, 'other.sqlite');
		const db = new DatabaseSync(file);
		db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5)");
		db.close();
		const before = createHash('sha256').update(readFileSync(file)).digest('hex');
		expect(() => RegistryStore.open(file)).toThrow(/is an SQLite file but not an SMD registry; it was left unchanged/);
		expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
		expect(existsSync(`${file}-wal`)).toBe(false);
		expect(existsSync(`${file}-shm`)).toBe(false);
		const junk = path.join(dir, 'junk.sqlite');
		writeFileSync(junk, Buffer.alloc(8192, 7));
		expect(() => RegistryStore.open(junk)).toThrow(expect.objectContaining({ code: 'not_registry' }));
		expect(readFileSync(junk).equals(Buffer.alloc(8192, 7))).toBe(true);
	});

	test('a registry written before id_valid existed is migrated in place: patients, follow-ups and audit kept', () => {
		const file = path.join(dir, 'v1.sqlite');
		const db = new DatabaseSync(file);
		// Build a version-1 file with the version-1 migration only.
		db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
		db.exec(MIGRATIONS[0].sql);
		db.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run(MIGRATIONS[0].description, TODAY);
		db.prepare(
			"INSERT INTO patients (patient_no, name, name_key, id_number, status, row_hash, created_at, updated_at) VALUES ('M-1', '吴一', '吴一', ?, 'active', 'h', ?, ?)",
		).run(makeId('1970-01-01', 1), TODAY, TODAY);
		db.prepare("INSERT INTO follow_ups (patient_id, follow_up_date, risk_level, classification, next_follow_up_date, actions, reasons, observation, created_at) VALUES (1, '2026-10-01', 0, 'stable', '2027-01-01', '[]', '[]', 'null', ?)").run(TODAY);
		db.close();
		const store = RegistryStore.open(file);
		expect(store.schemaVersion()).toBe(6); // v1 → v2 → … → v6, each in its own transaction
		expect(store.followUpsOf(1).map((f) => f.visitors)).toEqual([null]);
		expect(store.internals.get('SELECT COUNT(*) AS n FROM referrals').get()).toEqual({ n: 0 });
		expect(store.internals.get('SELECT COUNT(*) AS n FROM emergency_events').get()).toEqual({ n: 0 });
		expect(store.getByPatientNo('M-1')).toMatchObject({ idValid: true, idNumber: makeId('1970-01-01', 1) });
		expect(store.followUpsOf(1)).toHaveLength(1);
		expect(() => store.transaction(() => store.upsertPatient({ patientNo: 'M-2', name: '吴二', nameKey: '吴二', sex: null, idNumber: makeId('1970-01-01', 1), birthDate: null, address: null, township: null, diagnosis: null, status: 'active', riskLevel: null, classification: null, lastFollowUpDate: null, nextFollowUpDate: null, medication: null, guardian: null, guardianPhone: null, extra: {} }, 'x'))).toThrow(/already registered under 患者编号 M-1/);
		store.close();
	});

	test('N8N_RESTRICT_FILE_ACCESS_TO is honoured as n8n\u2019s file nodes do: real paths, links followed', () => {
		const allowed = path.join(dir, 'allowed');
		const outside = path.join(dir, 'outside');
		for (const d of [allowed, outside]) mkdirSync(d);
		const env = { N8N_RESTRICT_FILE_ACCESS_TO: `${allowed}; /nonexistent` };
		expect(isFileAccessAllowed(path.join(allowed, 'smd', 'registry.sqlite'), env)).toBe(true);
		expect(isFileAccessAllowed(path.join(outside, 'registry.sqlite'), env)).toBe(false);
		expect(isFileAccessAllowed(path.join(allowed, '..', 'outside', 'registry.sqlite'), env)).toBe(false);
		symlinkSync(outside, path.join(allowed, 'link'));
		expect(isFileAccessAllowed(path.join(allowed, 'link', 'registry.sqlite'), env)).toBe(false);
		expect(isFileAccessAllowed(path.join(outside, 'registry.sqlite'), {})).toBe(true);
	});

	test('SQLite\u2019s own errors come out naming the file and what to do', async () => {
		const file = path.join(dir, 'r.sqlite');
		const writer = RegistryStore.open(file);
		const reader = RegistryStore.open(file, { busyTimeoutMs: 50 });
		let release!: () => void;
		const held = writer.transactionAsync(() => new Promise<void>((resolve) => (release = resolve)));
		let locked: unknown;
		try {
			reader.transaction(() => undefined);
		} catch (error) {
			locked = error;
		}
		expect(locked).toBeInstanceOf(RegistryError);
		expect(locked).toMatchObject({ code: 'locked' });
		expect((locked as Error).message).toContain(file);
		expect((locked as Error).message).toMatch(/locked by another writer .* wait until it has finished/);
		release();
		await held;
		reader.close();
		writer.close();

		// Damage the file's pages: SQLite says "malformed"; the store says what to do.
		const store = RegistryStore.open(file);
		store.transaction(() => {
			for (let i = 0; i < 2000; i++) {
				store.upsertPatient({ patientNo: `C-${i}`, name: '测试', nameKey: '测试', sex: null, idNumber: null, birthDate: null, address: 'x'.repeat(200), township: null, diagnosis: null, status: 'active', riskLevel: null, classification: null, lastFollowUpDate: null, nextFollowUpDate: null, medication: null, guardian: null, guardianPhone: null, extra: {} }, `h${i}`);
			}
		});
		store.close();
		const bytes = readFileSync(file);
		for (let o = 8192; o < bytes.length - 4096; o += 4096) bytes.fill(0xa5, o + 16, o + 400);
		writeFileSync(file, bytes);
		let damaged: unknown;
		try {
			const s = RegistryStore.open(file);
			try {
				s.search({ limit: 5000 });
			} finally {
				s.close();
			}
		} catch (error) {
			damaged = error;
		}
		expect(damaged).toBeInstanceOf(RegistryError);
		expect((damaged as Error).message).toMatch(/is damaged \(SQLite: malformed\); restore it from a backup/);
	});
});

describe('concurrency', () => {
	test('a triage that runs while an import holds the write lock completes; its audit entry is queued, then written by the next writer', async () => {
		const file = path.join(dir, 'r.sqlite');
		const setup = RegistryStore.open(file);
		await importRegistryFile(setup, csv(`W-1,冯一,男,${makeId('1970-01-01', 1)},,,城关镇,,在管`), { today: TODAY });
		setup.close();

		const importer = RegistryStore.open(file);
		let release!: () => void;
		const importing = importer.transactionAsync(async () => {
			importer.upsertPatient({ patientNo: 'W-2', name: '冯二', nameKey: '冯二', sex: null, idNumber: null, birthDate: null, address: null, township: null, diagnosis: null, status: 'active', riskLevel: null, classification: null, lastFollowUpDate: null, nextFollowUpDate: null, medication: null, guardian: null, guardianPhone: null, extra: {} }, 'w2');
			await new Promise<void>((resolve) => (release = resolve));
		});

		const triager = RegistryStore.open(file, { busyTimeoutMs: 100, auditWaitMs: 100 });
		const t = new Triage(triager, { asOf: TODAY });
		const result = triager.read(() => t.triageRow({ row: 1, name: '冯一', idNumber: makeId('1970-01-01', 1) }));
		expect(result).toMatchObject({ category: 'followup_overdue', patientId: 'W-1' });
		const auditId = triager.audit({ operation: 'list.triage', patientRowIds: [...t.patientsRead], detail: { rows: 1 } });
		expect(auditId).toBeNull();
		expect(existsSync(triager.auditQueuePath)).toBe(true);
		expect(readFileSync(triager.auditQueuePath, 'utf8')).not.toContain('冯一');
		triager.close();

		release();
		await importing;
		importer.close();
		const next = RegistryStore.open(file); // the next writer drains the queue
		expect(existsSync(next.auditQueuePath)).toBe(false);
		expect(next.auditTrail(5).map((e) => e.operation)).toContain('list.triage');
		expect(next.getByPatientNo('W-2')).toBeDefined();
		next.close();
	});
});

describe('found in review', () => {
	test('an ID-card address column (身份证地址) or the household head\u2019s number is never taken as the person\u2019s ID', () => {
		const columns = mapPoliceColumns(['姓名', '身份证号', '身份证地址', '户主身份证号', '户主姓名']);
		expect(columns.fields).toMatchObject({ name: '姓名', idNumber: '身份证号' });
		expect(columns.idColumns).toEqual(['身份证号']);
		expect(mapPoliceColumns(['户主姓名', '身份证住址', '包保责任人姓名']).fields).toEqual({});
	});

	test('the 15- and 18-digit forms of one number do not count as two disagreeing ID columns', () => {
		const store = RegistryStore.open(':memory:');
		const id18 = '11010519491231002X';
		store.transaction(() => store.upsertPatient({ patientNo: 'F-1', name: '吴一', nameKey: '吴一', sex: 'female', idNumber: id18, birthDate: '1949-12-31', address: null, township: '城关镇', diagnosis: null, status: 'active', riskLevel: 0, classification: 'stable', lastFollowUpDate: '2026-11-01', nextFollowUpDate: null, medication: null, guardian: null, guardianPhone: null, extra: {} }, 'f1'));
		const columns = mapPoliceColumns(['姓名', '身份证号', '公民身份号码']);
		const r = new Triage(store, { asOf: TODAY }).triageRow(policeRowFrom({ 姓名: '吴一', 身份证号: id18, 公民身份号码: '110105491231002' }, 1, 2, columns));
		expect(r).toMatchObject({ category: 'managed', patientId: 'F-1' });
		store.close();
	});

	test('rows in = rows out when a row waiting for its ID number is superseded by a later row of the same patient', async () => {
		const store = RegistryStore.open(':memory:');
		const x = makeId('1980-01-01', 1);
		const y = makeId('1981-01-01', 3);
		await importRegistryFile(store, csv(`S-2,赵二,男,${x},,,城关镇,,在管`), { today: TODAY });
		const r = await importRegistryFile(store, csv(`S-1,赵一,男,${x},,,城关镇,,在管`, `S-1,赵一,男,${y},,,城关镇,,在管`, `S-2,赵二,男,${x},,,城关镇,,在管`), { today: TODAY });
		expect(r.rows).toBe(3);
		expect(r.inserted + r.updated + r.unchanged + r.rejected).toBe(3);
		expect(store.getByPatientNo('S-1')?.idNumber).toBe(y);
		store.close();
	});

	test('a wrong check character whose digits give a birth date no namesake has still lists the namesakes', async () => {
		const store = RegistryStore.open(':memory:');
		await importRegistryFile(store, Buffer.from('患者编号,姓名,身份证号\r\nN-1,何一\r\n'), { today: TODAY });
		const typo = badCheck(makeId('1971-07-07', 5));
		const r = new Triage(store, { asOf: TODAY }).triageRow({ row: 1, name: '何一', idNumber: typo });
		expect(r).toMatchObject({ category: 'review', candidates: [{ patientId: 'N-1' }] });
		store.close();
	});

	test('the audit queue: a claim is stamped when taken (never taken over twice), and an entry that cannot be written never blocks a writer', async () => {
		const file = path.join(dir, 'q.sqlite');
		const store = RegistryStore.open(file);
		const queue = store.auditQueuePath;
		const old = new Date(Date.now() - 10 * 60_000);
		writeFileSync(queue, JSON.stringify({ at: TODAY, operation: 'list.triage', patientRowIds: [1] }) + '\n' + JSON.stringify({ at: TODAY, patientRowIds: null }) + '\n{"cut short\n');
		utimesSync(queue, old, old);
		const first = claimQueuedAudits(queue);
		expect(first.map((c) => c.entries.length)).toEqual([1]); // the malformed lines are dropped
		expect(claimQueuedAudits(queue)).toEqual([]); // a fresh claim is not stale
		releaseClaim(first[0]);
		releaseClaim(first[0]); // gone already: no error
		writeFileSync(queue, JSON.stringify({ at: TODAY, operation: 'list.triage', patientRowIds: [2] }) + '\n');
		expect(store.audit({ operation: 'patient.search', patientRowIds: [] })).toEqual(expect.any(Number));
		expect(store.auditTrail(5).map((e) => e.operation)).toEqual(['list.triage', 'patient.search']);
		store.close();
	});
});
