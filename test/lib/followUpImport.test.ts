/**
 * Follow-up import from the national system's export: row errors name row, line and field; the
 * later row of a patient and day wins; the recorded 病情分类 is kept and a disagreement warned;
 * idempotent; all or nothing; GBK CSV and XLSX.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { observationFromRecord } from '../../lib/forms';
import { importFollowUpFile } from '../../lib/registry/followUpImport';
import { assessRisk } from '../../lib/risk';
import { ImportFileError } from '../../lib/registry/import';
import { RegistryStore } from '../../lib/registry/store';
import { writeXlsx } from '../../lib/tabular';
import { encodeGbk } from '../../scripts/demoCounty';
import { addPatients, patient } from '../helpers';

const HEADER = '患者编号,随访日期,随访形式,危险性评估,危险行为,精神症状,自知力,社会功能,药物不良反应,躯体疾病,是否住院,服药情况,病情分类';
const OK = '0级,,基本消失,自知力完全,良好,无,无,否';
const csv = (lines: string[], header = HEADER) => Buffer.from([header, ...lines].join('\r\n') + '\r\n', 'utf8');

let dir: string;
let store: RegistryStore;
beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-fu-'));
	store = RegistryStore.open(path.join(dir, 'r.sqlite'));
	addPatients(store, [
		patient({ name: '测一', patientNo: 'P1', lastFollowUpDate: null, classification: null, riskLevel: null }),
		patient({ name: '测二', patientNo: 'P2', lastFollowUpDate: null, classification: null, riskLevel: null }),
	]);
});
afterEach(() => {
	store.close();
	rmSync(dir, { recursive: true, force: true });
});

const followUpCount = () => Number((store.internals.get('SELECT COUNT(*) AS n FROM follow_ups').get() as { n: number }).n);

describe('follow-up import', () => {
	test('rows are assessed and stored; the patient follows the latest follow-up', async () => {
		const r = await importFollowUpFile(store, csv([`P1,2026-03-01,家庭访视,${OK},规律服药,稳定`, `P1,2026-06-01,门诊,3级,打砸不能劝止,明显,缺失,较差,无,无,否,间断服药,`]));
		expect(r).toMatchObject({ format: 'csv', rows: 2, inserted: 2, updated: 0, unchanged: 0, rejected: 0, superseded: 0, errors: [] });
		expect(store.getByPatientNo('P1')).toMatchObject({ lastFollowUpDate: '2026-06-01', riskLevel: 3, classification: 'unstable', nextFollowUpDate: '2026-06-15', medication: 'intermittent' });
		expect(store.followUpsOf(store.getByPatientNo('P1')!.rowId).map((f) => [f.date, f.classification])).toEqual([
			['2026-03-01', 'stable'],
			['2026-06-01', 'unstable'],
		]);
		expect(r.patientRowIds).toEqual([store.getByPatientNo('P1')!.rowId]);
		// Stored as the assessment of that very row gives it: reasons with its own next date, the observation with its own day.
		const stored = store.internals.get('SELECT reasons, observation, actions FROM follow_ups WHERE follow_up_date = ?').get('2026-06-01') as Record<string, string>;
		const observation = observationFromRecord({ date: '2026-06-01', riskLevel: '3级', behaviours: '打砸不能劝止', symptoms: '明显', insight: '缺失', socialFunction: '较差', adverseReaction: '无', somaticDisease: '无', hospitalised: '否' });
		const assessed = assessRisk(observation);
		expect(JSON.parse(stored.reasons)).toEqual(assessed.reasons);
		expect(JSON.parse(stored.observation)).toEqual(observation);
		expect(JSON.parse(stored.actions)).toEqual(assessed.actions);
		expect(store.lastImport('followUps')).toMatchObject({ kind: 'followUps', rows: 2, inserted: 2 });
	});

	test('an optional 随访人员 column keeps who visited; a role not known is a row error naming the field; the same file again writes nothing', async () => {
		const header = `${HEADER},随访人员`;
		const file = csv([`P1,2026-03-01,家庭访视,${OK},规律服药,稳定,精神科医师、精防专干`, `P2,2026-03-01,家庭访视,${OK},规律服药,稳定,精防专干 民警`, `P2,2026-04-01,家庭访视,${OK},规律服药,稳定,村长`, `P1,2026-04-01,电话,${OK},规律服药,稳定,`], header);
		const r = await importFollowUpFile(store, file);
		expect(r).toMatchObject({ rows: 4, inserted: 3, rejected: 1 });
		expect(r.errors).toEqual([expect.objectContaining({ row: 3, field: 'visitors', message: expect.stringMatching(/^Row 3 \(line 4\): 随访人员 \(visitors\) must list roles such as 精神科医师/) })]);
		expect(store.followUpsOf(store.getByPatientNo('P1')!.rowId).map((f) => f.visitors)).toEqual([['specialist', 'mental_health_worker'], null]);
		expect(store.followUpsOf(store.getByPatientNo('P2')!.rowId).map((f) => f.visitors)).toEqual([['mental_health_worker', 'police']]);
		expect(await importFollowUpFile(store, file)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
		// An export without the column (or a blank cell) does not erase who visited, recorded before or by hand.
		const without = csv([`P2,2026-03-01,家庭访视,${OK},规律服药,稳定`]);
		expect(await importFollowUpFile(store, without)).toMatchObject({ updated: 1 });
		expect(store.followUpsOf(store.getByPatientNo('P2')!.rowId).map((f) => f.visitors)).toEqual([['mental_health_worker', 'police']]);
	});

	test('row errors name row, line and field and never the value; an unknown patient is a row error; the good rows load', async () => {
		const r = await importFollowUpFile(store, csv([
			`P1,2026-03-01,家庭访视,${OK},规律服药,稳定`,
			`NOBODY-7,2026-03-01,家庭访视,${OK},规律服药,稳定`,
			`P2,2026-02-30,家庭访视,${OK},规律服药,稳定`,
			`P2,2026-03-02,飞鸽传书,${OK},规律服药,稳定`,
			`P2,2026-03-03,门诊,0级,,基本消失,很好,良好,无,无,否,规律服药,稳定`,
			`P2,2026-03-04,门诊,${OK},规律服药,很稳`,
			`,2026-03-05,门诊,${OK},规律服药,稳定`,
		]));
		expect(r).toMatchObject({ rows: 7, inserted: 1, rejected: 6 });
		expect(r.errors.map((e) => [e.row, e.line, e.field, e.code])).toEqual([
			[2, 3, 'patientNo', 'unknown_patient'],
			[3, 4, 'date', 'invalid'],
			[4, 5, 'form', 'invalid'],
			[5, 6, 'insight', 'invalid'],
			[6, 7, 'classification', 'invalid'],
			[7, 8, 'patientNo', 'required'],
		]);
		expect(r.errors[0].message).toBe('Row 2 (line 3): 患者编号 (patientNo) is not in the registry; import the registry export first');
		expect(r.errors[2].message).toMatch(/^Row 4 \(line 5\): 随访形式 \(form\) must be 门诊\/家庭访视\/电话$/);
		for (const e of r.errors) expect(e.message).not.toMatch(/NOBODY|飞鸽|很好|很稳|02-30/);
	});

	test('two rows for one patient and day: the later row wins and the earlier is named', async () => {
		const r = await importFollowUpFile(store, csv([
			`P1,2026-04-01,门诊,3级,,明显,缺失,较差,无,无,否,不服药,不稳定`,
			`P2,2026-04-01,门诊,${OK},规律服药,稳定`,
			`P1,2026-04-01,门诊,${OK},规律服药,稳定`,
		]));
		expect(r).toMatchObject({ rows: 3, inserted: 2, superseded: 1 });
		expect(r.warnings).toEqual([expect.objectContaining({ row: 1, line: 2, field: 'date', code: 'duplicate', message: 'Row 1 (line 2): repeats the patient and 随访日期 of row 3; the later row wins' })]);
		expect(store.getByPatientNo('P1')).toMatchObject({ classification: 'stable', medication: 'regular' });
		expect(followUpCount()).toBe(2);
	});

	test('a recorded 病情分类 is kept; a disagreement with the assessment is a warning', async () => {
		const r = await importFollowUpFile(store, csv([`P1,2026-05-01,家庭访视,0级,,明显,自知力完全,良好,无,无,否,规律服药,基本稳定`]));
		expect(r.classificationDisagreements).toBe(1);
		expect(r.warnings[0]).toMatchObject({ row: 1, field: 'classification', code: 'classification_differs' });
		expect(r.warnings[0].message).toBe('Row 1 (line 2): 病情分类 (classification) recorded as 基本稳定, assessed as 不稳定; the recorded one is kept');
		// The recorded classification drives the patient's state and the next follow-up (2 weeks for 基本稳定).
		expect(store.getByPatientNo('P1')).toMatchObject({ classification: 'basically_stable', nextFollowUpDate: '2026-05-15' });
	});

	test('an export with 病情分类 and no assessment columns imports the recorded classification', async () => {
		const r = await importFollowUpFile(store, csv([`P1,2026-05-01,电话,2级,否,规律服药,稳定`], '患者编号,随访日期,随访形式,危险性评估,是否住院,服药情况,病情分类'));
		expect(r).toMatchObject({ inserted: 1, rejected: 0 });
		expect(store.getByPatientNo('P1')).toMatchObject({ classification: 'stable', riskLevel: 2, nextFollowUpDate: '2026-08-01' });
	});

	test('idempotent: the same file again writes nothing; a changed row is an update', async () => {
		const lines = [`P1,2026-03-01,家庭访视,${OK},规律服药,稳定`, `P2,2026-03-01,门诊,${OK},规律服药,稳定`, `P2,2026-03-01,门诊,${OK},间断服药,稳定`];
		await importFollowUpFile(store, csv(lines));
		const before = store.getByPatientNo('P2')!.updatedAt;
		const again = await importFollowUpFile(store, csv(lines));
		expect(again).toMatchObject({ rows: 3, inserted: 0, updated: 0, unchanged: 2, superseded: 1 });
		expect(again.patientRowIds).toEqual([]);
		expect(store.getByPatientNo('P2')!.updatedAt).toBe(before);
		const changed = await importFollowUpFile(store, csv([lines[0].replace('规律服药', '不服药')]));
		expect(changed).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
		expect(followUpCount()).toBe(2);
	});

	test('a file without a required column writes nothing and says which', async () => {
		await expect(importFollowUpFile(store, csv([`2026-03-01,门诊`], '随访日期,随访形式'))).rejects.toThrow('the follow-up file has no 患者编号 (patientNo) column');
		await expect(importFollowUpFile(store, csv([`P1,2026-03-01,明显`], '患者编号,随访日期,精神症状'))).rejects.toThrow(ImportFileError);
		expect(followUpCount()).toBe(0);
		expect(store.lastImport('followUps')).toBeNull();
	});

	test('all or nothing: a failure mid-way leaves no follow-up and no import record', async () => {
		const rows = Array.from({ length: 50 }, (_, i) => `P1,2026-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')},门诊,${OK},规律服药,稳定`);
		let calls = 0;
		await expect(
			importFollowUpFile(store, csv(rows), {
				progressEvery: 10,
				onProgress: () => {
					if (++calls === 3) throw new Error('disk full');
				},
			}),
		).rejects.toThrow('disk full');
		expect(followUpCount()).toBe(0);
		expect(store.lastImport('followUps')).toBeNull();
		expect(store.getByPatientNo('P1')!.lastFollowUpDate).toBeNull();
	});

	test('GBK CSV and XLSX read the same', async () => {
		const lines = [`P1,2026-03-01,家庭访视,${OK},规律服药,稳定`];
		const gbk = await importFollowUpFile(store, Buffer.from(encodeGbk([HEADER, ...lines].join('\r\n')).bytes), { fileName: 'f.csv' });
		expect(gbk).toMatchObject({ encoding: 'gb18030', inserted: 1 });
		const headers = HEADER.split(',');
		const cells = `P2,2026-03-01,家庭访视,${OK},规律服药,稳定`.split(',');
		const xlsx = await writeXlsx([{ name: '随访', columns: headers.map((h) => ({ header: h, key: h })), rows: [Object.fromEntries(headers.map((h, i) => [h, cells[i]]))] }]);
		const x = await importFollowUpFile(store, xlsx, { fileName: 'f.xlsx' });
		expect(x).toMatchObject({ format: 'xlsx', inserted: 1, rejected: 0 });
	});
});
