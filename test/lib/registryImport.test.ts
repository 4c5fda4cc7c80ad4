import type { Registry } from '../../lib/registry/backend';
import { importRegistryFile, ImportFileError } from '../../lib/registry/import';
import { TableError, writeXlsx } from '../../lib/tabular';
import { encodeGbk } from '../../scripts/demoCounty';
import { describeBackends } from '../backends';
import { makeId } from '../helpers';

const HEADER = '患者编号,姓名,性别,身份证号,出生日期,现住址,所属乡镇,诊断,管理状态,危险性评估,病情分类,末次随访日期,服药情况,监护人,监护人电话,备注';
const ID1 = makeId('1980-05-06', 11);
const ID2 = makeId('1975-12-01', 22);
const ID3 = makeId('1990-02-03', 33);
const good = [
	`D-1,张伟,男,${ID1},1980-05-06,城关镇一村1号,城关镇,F20 精神分裂症,在管,0级,稳定,2026-10-01,规律服药,张某,13000000000,第一行`,
	`D-2,王芳,女,${ID2},,河西乡二村2号,河西乡,双相情感障碍,失访,3级,不稳定,2026/9/1,间断服药,,,`,
	`D-3,買買提·艾力,男,${ID3},,青山镇,青山镇,偏执性精神病,在管,1,基本稳定,2026年11月1日,不服药,,,`,
];
const csv = (...lines: string[]) => Buffer.from('\ufeff' + [HEADER, ...lines].join('\r\n') + '\r\n', 'utf8');

describeBackends('registry import', (b) => {
	let registry: Registry;
	beforeEach(async () => {
		registry = await b.fresh();
	});

	test('UTF-8 CSV with Chinese headers: codes from labels, ICD codes and aliases; unknown columns kept', async () => {
		const r = await importRegistryFile(registry, csv(...good), { fileName: 'r.csv', today: '2026-11-20' });
		expect(r).toMatchObject({ format: 'csv', encoding: 'utf-8', rows: 3, inserted: 3, updated: 0, unchanged: 0, rejected: 0, errors: [] });
		const p = (await registry.getByPatientNo('D-1'))!;
		expect(p).toMatchObject({ name: '张伟', sex: 'male', idNumber: ID1, birthDate: '1980-05-06', diagnosis: 'schizophrenia', status: 'active', riskLevel: 0, classification: 'stable', lastFollowUpDate: '2026-10-01', nextFollowUpDate: '2027-01-01', medication: 'regular', extra: { 备注: '第一行' } });
		expect(await registry.getByPatientNo('D-2')).toMatchObject({ diagnosis: 'bipolar', status: 'lost', riskLevel: 3, classification: 'unstable', lastFollowUpDate: '2026-09-01', nextFollowUpDate: '2026-09-15', medication: 'intermittent' });
		expect(await registry.getByPatientNo('D-3')).toMatchObject({ name: '买买提·艾力', nameKey: '买买提艾力', diagnosis: 'delusional', lastFollowUpDate: '2026-11-01' });
	});

	test('idempotent: the same file again writes nothing; a changed row is an update', async () => {
		await importRegistryFile(registry, csv(...good), { today: '2026-11-20' });
		const again = await importRegistryFile(registry, csv(...good), { today: '2026-11-20' });
		expect(again).toMatchObject({ rows: 3, inserted: 0, updated: 0, unchanged: 3, rejected: 0 });
		const changed = await importRegistryFile(registry, csv(good[0].replace('城关镇一村1号', '城关镇三村3号'), good[1], good[2]), { today: '2026-11-20' });
		expect(changed).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
		expect(await registry.countPatients()).toBe(3);
	});

	test('GBK CSV is detected and imports the same', async () => {
		const { bytes } = encodeGbk('\ufeff'.slice(1) + [HEADER, ...good].join('\r\n'));
		const r = await importRegistryFile(registry, bytes, { fileName: 'r.csv', today: '2026-11-20' });
		expect(r).toMatchObject({ encoding: 'gb18030', inserted: 3, rejected: 0 });
		expect((await registry.getByPatientNo('D-3'))?.name).toBe('买买提·艾力');
	});

	test('XLSX export imports the same', async () => {
		const headers = HEADER.split(',');
		const rows = good.map((l) => Object.fromEntries(l.split(',').map((v, i) => [headers[i], v])));
		const xlsx = await writeXlsx([{ name: '患者', columns: headers.map((h) => ({ header: h, key: h })), rows }]);
		const r = await importRegistryFile(registry, xlsx, { fileName: 'r.xlsx', today: '2026-11-20' });
		expect(r).toMatchObject({ format: 'xlsx', inserted: 3, rejected: 0 });
	});

	test('bad rows are reported by row, line and field, never by value; good rows load; rows reconcile', async () => {
		const long = 'x'.repeat(10_000);
		const lines = [
			good[0],
			`D-4,=cmd|' /C calc'!A0,男,${makeId('1981-01-01', 1)},,,城关镇,,在管,,,,,,,`,
			`D-5,李四,男,110105194912310021,,,城关镇,,在管,,,,,,,`,
			`D-6,赵六,男,${makeId('1982-01-01', 3)},,${long},城关镇,,在管,,,,,,,`,
			`D-7,钱七,男,${makeId('1983-01-01', 5)},,,城关镇,,在管,9级,,,,,,`,
			`D-8,孙八,男,${makeId('1984-01-01', 7)},,,城关镇,,已出院,,,,,,,`,
			`,,男,,,,城关镇,,在管,,,,,,,`,
			`D-9,周九,男,${ID1},,,城关镇,,在管,,,,,,,`,
			`D-10,吴十,男,${makeId('1985-01-01', 9)},,,城关镇,,在管,,,2026-02-30,,,,`,
			good[1],
		];
		const r = await importRegistryFile(registry, csv(...lines), { today: '2026-11-20' });
		expect(r.rows).toBe(10);
		expect(r.inserted + r.updated + r.unchanged + r.rejected).toBe(r.rows);
		// An invalid ID number and an over-long address no longer cost the patient (see the next tests).
		expect(r).toMatchObject({ inserted: 4, rejected: 6, invalidIds: 1 });
		expect(r.errors.map((e) => [e.row, e.line, e.field, e.code])).toEqual([
			[2, 3, 'name', 'formula'],
			[5, 6, 'riskLevel', 'invalid'],
			[6, 7, 'status', 'invalid'],
			[7, 8, 'name', 'required'],
			[8, 9, 'idNumber', 'conflict'],
			[9, 10, 'lastFollowUpDate', 'invalid'],
		]);
		expect(r.warnings.map((w) => [w.row, w.line, w.field, w.code])).toEqual([
			[3, 4, 'idNumber', 'id_bad_check'],
			[4, 5, 'address', 'truncated'],
		]);
		expect(r.errors[0].message).toBe('Row 2 (line 3): 姓名 (name) looks like a spreadsheet formula, not a value');
		expect(r.errors[4].message).toBe('Row 8 (line 9): 身份证号 (idNumber) is already registered under 患者编号 D-1');
		const all = JSON.stringify([r.errors, r.warnings]);
		for (const secret of ['cmd', '110105194912310021', 'xxxxxxxx', '孙八', '周九', '李四', '赵六']) expect(all).not.toContain(secret);
		expect(await registry.countPatients()).toBe(4);
	});

	test('file-level problems throw a clear error and write nothing', async () => {
		await expect(importRegistryFile(registry, Buffer.from(''), {})).rejects.toThrow(TableError);
		await expect(importRegistryFile(registry, Buffer.from('患者编号,性别\r\nD-1,男\r\n'), {})).rejects.toThrow(ImportFileError);
		await expect(importRegistryFile(registry, Buffer.from('姓名,性别\r\n张伟,男\r\n'), {})).rejects.toThrow(/neither a 患者编号 \(patientNo\) nor a 身份证号 \(idNumber\) column/);
		const { bytes } = encodeGbk([HEADER, ...good].join('\r\n'));
		await expect(importRegistryFile(registry, bytes, { encoding: 'utf-8' })).rejects.toMatchObject({ code: 'bad_encoding' });
		await expect(importRegistryFile(registry, Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 0, 9]), {})).rejects.toThrow(TableError);
		expect(await registry.countPatients()).toBe(0);
	});

	test('never half-imported: a failure part-way rolls back every row of the file', async () => {
		// An unclosed quote after good rows makes the reader throw mid-file.
		const body = Buffer.from([HEADER, ...good, 'D-9,"周九,男'].join('\r\n') + '\r\n' + 'D-10,吴十\r\n'.repeat(2000), 'utf8');
		await expect(importRegistryFile(registry, body, { today: '2026-11-20' })).rejects.toThrow();
		expect(await registry.countPatients()).toBe(0);
	});
});
