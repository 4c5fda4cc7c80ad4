/**
 * The registry interface (lib/registry/backend.ts) on both backends, with the same expected values:
 * writes, look-ups, follow-ups, the audit trail, migrations, pulled pages. The SQLite file's own
 * matters (WAL, busy timeout) stay in registryStore.test.ts. Last, PostgreSQL restarted in the middle
 * of an import.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Matcher } from '../../lib/matching';
import type { Registry } from '../../lib/registry/backend';
import { RegistryError } from '../../lib/registry/errors';
import { importRegistryFile, type ImportReport } from '../../lib/registry/import';
import { PG_MIGRATIONS } from '../../lib/registry/pgSchema';
import { MIGRATIONS } from '../../lib/registry/schema';
import { SqliteRegistry } from '../../lib/registry/sqliteBackend';
import { patientHash } from '../../lib/registry/store';
import { csvLine, generateRegistry, REGISTRY_HEADERS } from '../../scripts/demoCounty';
import { describeBackends } from '../backends';
import { makeId, patient } from '../helpers';

describeBackends('registry interface', (b) => {
	test('upsert: inserted, unchanged, updated; numbering of patients without 患者编号', async () => {
		const registry = await b.fresh();
		const a = patient({ name: '张伟', patientNo: 'P-1', idNumber: makeId('1980-05-06', 11), birthDate: '1980-05-06' });
		expect(await registry.upsertPatient(a, patientHash(a))).toEqual({ outcome: 'inserted', rowId: 1, patientNo: 'P-1' });
		expect((await registry.upsertPatient(a, patientHash(a))).outcome).toBe('unchanged');
		const moved = { ...a, township: '河西乡' };
		expect((await registry.upsertPatient(moved, patientHash(moved))).outcome).toBe('updated');
		expect((await registry.getByPatientNo('P-1'))?.township).toBe('河西乡');

		const noNo = patient({ name: '李娜', idNumber: makeId('1975-01-02', 22) });
		const r = await registry.upsertPatient(noNo, patientHash(noNo));
		expect(r).toEqual({ outcome: 'inserted', rowId: 2, patientNo: 'AUTO-000002' });
		expect(r.patientNo).not.toContain('1975');
		// Keyed by ID number the second time.
		expect(await registry.upsertPatient(noNo, patientHash(noNo))).toEqual({ outcome: 'unchanged', rowId: 2, patientNo: 'AUTO-000002' });
		expect(await registry.countPatients()).toBe(2);
	});

	test('an ID number held by another 患者编号 is a conflict and writes nothing', async () => {
		const registry = await b.fresh();
		const id = makeId('1980-05-06', 11);
		await b.addPatients(registry, [patient({ name: '张伟', patientNo: 'P-1', idNumber: id })]);
		const clash = patient({ name: '张伟', patientNo: 'P-2', idNumber: id });
		await expect(registry.upsertPatient(clash, patientHash(clash))).rejects.toMatchObject({ code: 'conflict', message: '身份证号 is already registered under 患者编号 P-1' });
		expect(await registry.countPatients()).toBe(1);
		expect(await registry.getByPatientNo('P-2')).toBeUndefined();
	});

	test('a transaction that throws rolls back every write in it', async () => {
		const registry = await b.fresh();
		await b.addPatients(registry, [patient({ name: '丙', patientNo: 'C' })]);
		const now = new Date().toISOString();
		await expect(
			registry.importTransaction(async (tx) => {
				for (const p of [patient({ name: '甲', patientNo: 'A' }), patient({ name: '乙', patientNo: 'B' }), patient({ name: '丙', patientNo: 'C', township: '河西乡' })]) {
					await tx.upsertPatient(p, patientHash(p), now);
				}
				// The import record is written after the rows (on PostgreSQL, the rows waiting in the batch first).
				await tx.recordImport({ at: now, kind: 'patients', rows: 3, inserted: 2, updated: 1, unchanged: 0, rejected: 0, invalidIds: 0 });
				throw new Error('boom');
			}),
		).rejects.toThrow('boom');
		expect(await registry.countPatients()).toBe(1);
		expect((await registry.getByPatientNo('C'))?.township).toBe('城关镇');
		expect(await registry.lastImport()).toBeNull();
	});

	test('look-ups by ID number and patient number, search filters and order', async () => {
		const registry = await b.fresh();
		await b.addPatients(registry, [
			patient({ name: '王芳', patientNo: 'P-1', idNumber: makeId('1990-01-01', 2), birthDate: '1990-01-01', riskLevel: 3, classification: 'unstable', lastFollowUpDate: '2026-10-01', nextFollowUpDate: '2026-10-15' }),
			patient({ name: '王芳', patientNo: 'P-2', idNumber: makeId('1991-02-02', 4), birthDate: '1991-02-02', township: '河西乡' }),
			patient({ name: '赵敏', patientNo: 'P-3', birthDate: '1985-03-03', status: 'lost' }),
			// Lower case sorts after upper case in byte order (SQLite's), whatever the server's locale would say.
			patient({ name: '钱七', patientNo: 'p-0', birthDate: '1986-04-04' }),
		]);
		expect((await registry.getByIdNumber(makeId('1990-01-01', 2)))?.patientNo).toBe('P-1');
		expect(await registry.getByIdNumber(makeId('1999-09-09', 9))).toBeUndefined();
		expect((await registry.getById(2))?.patientNo).toBe('P-2');
		expect((await registry.search({ township: '城关镇' })).map((p) => p.patientNo)).toEqual(['P-1', 'P-3', 'p-0']);
		expect((await registry.search()).map((p) => p.patientNo)).toEqual(['P-1', 'P-3', 'p-0', 'P-2']);
		expect((await registry.search({ limit: 2, offset: 1 })).map((p) => p.patientNo)).toEqual(['P-3', 'p-0']);
		expect((await registry.search({ status: 'lost' })).map((p) => p.patientNo)).toEqual(['P-3']);
		expect((await registry.search({ minRiskLevel: 3 })).map((p) => p.patientNo)).toEqual(['P-1']);
		expect((await registry.search({ overdueAsOf: '2026-11-01' })).map((p) => p.patientNo)).toEqual(['P-1']); // P-2: last 10-01, stable → next 2027-01-01
		expect((await registry.getByPatientNo('P-2'))?.nextFollowUpDate).toBe('2027-01-01');
		// Namesakes found through the match source the registry gives.
		const source = await registry.matchSourceFor([{ name: '王芳' }], '2026-11-20');
		const m = new Matcher(source, { today: '2026-11-20' }).match({ name: '王芳' });
		expect(m).toMatchObject({ matchStatus: 'ambiguous', candidates: [{ patientId: 'P-1', reason: 'name_match' }, { patientId: 'P-2', reason: 'name_match' }] });
	});

	test('follow-ups: stored, idempotent per day, the latest one sets the patient state', async () => {
		const registry = await b.fresh();
		await b.addPatients(registry, [patient({ name: '王芳', patientNo: 'P-1' })]);
		const id = (await registry.getByPatientNo('P-1'))!.rowId;
		const base = { patientRowId: id, form: 'home', medication: 'regular' as const, actions: ['continue_plan'], reasons: ['x'], observation: {} };
		expect((await registry.recordFollowUp({ ...base, date: '2026-11-01', riskLevel: 0, classification: 'stable', nextFollowUpDate: '2027-02-01' })).outcome).toBe('inserted');
		expect((await registry.recordFollowUp({ ...base, date: '2026-10-01', riskLevel: 3, classification: 'unstable', nextFollowUpDate: '2026-10-15' })).outcome).toBe('inserted');
		expect((await registry.recordFollowUp({ ...base, date: '2026-11-01', riskLevel: 1, classification: 'basically_stable', nextFollowUpDate: '2026-11-15' })).outcome).toBe('replaced');
		expect((await registry.followUpsOf(id)).map((f) => [f.date, f.riskLevel])).toEqual([['2026-10-01', 3], ['2026-11-01', 1]]);
		const p = (await registry.getByPatientNo('P-1'))!;
		expect([p.lastFollowUpDate, p.riskLevel, p.classification, p.nextFollowUpDate]).toEqual(['2026-11-01', 1, 'basically_stable', '2026-11-15']);
		// The export row imported again writes nothing, and the follow-up's state stays.
		const again = patient({ name: '王芳', patientNo: 'P-1' });
		expect((await registry.upsertPatient(again, patientHash(again))).outcome).toBe('unchanged');
		// A changed export row older than the follow-up: its other fields are taken, the follow-up still decides the state.
		const moved = patient({ name: '王芳', patientNo: 'P-1', township: '河西乡' });
		expect((await registry.upsertPatient(moved, patientHash(moved))).outcome).toBe('updated');
		expect(await registry.getByPatientNo('P-1')).toMatchObject({ township: '河西乡', lastFollowUpDate: '2026-11-01', riskLevel: 1, classification: 'basically_stable', nextFollowUpDate: '2026-11-15' });
	});

	test('audit trail records workflow, execution, node, operation, patient ids and time — no identifiers', async () => {
		const registry = await b.fresh();
		await b.addPatients(registry, [patient({ name: '王芳', patientNo: 'P-1', idNumber: makeId('1990-01-01', 2) })]);
		const pid = (await registry.getByPatientNo('P-1'))!.rowId;
		await registry.audit({ workflowId: 'wf1', executionId: '42', node: 'Triage', operation: 'list.triage', patientRowIds: [pid, pid], detail: { rows: 3 } });
		const [entry] = await registry.auditTrail(1);
		expect(entry).toMatchObject({ workflowId: 'wf1', executionId: '42', node: 'Triage', operation: 'list.triage', patientRowIds: [pid], detail: { rows: 3 } });
		expect(entry.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
		expect(JSON.stringify(entry)).not.toContain('王芳');
		expect(JSON.stringify(entry)).not.toContain(makeId('1990-01-01', 2));
	});

	describe('migrations', () => {
		const migrations = () => (b.kind === 'sqlite' ? MIGRATIONS : PG_MIGRATIONS);

		test('reopening applies nothing and keeps the data', async () => {
			const place = await b.place();
			const first = await b.open(place);
			await b.addPatients(first, [patient({ name: '王芳', patientNo: 'P-1' })]);
			const version = await first.schemaVersion();
			expect(version).toBe(migrations()[migrations().length - 1].version);
			await first.close();
			const applied = await b.sql(place, 'SELECT version, applied_at FROM schema_migrations ORDER BY version');
			expect(applied.length).toBe(migrations().length);
			const again = await b.open(place);
			expect(await again.schemaVersion()).toBe(version);
			expect(await again.countPatients()).toBe(1);
			expect(await b.sql(place, 'SELECT version, applied_at FROM schema_migrations ORDER BY version')).toEqual(applied);
		});

		test('a newer schema version is refused', async () => {
			const place = await b.place();
			await (await b.open(place)).close();
			await b.sql(place, "INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')");
			await expect(b.open(place)).rejects.toMatchObject({ code: 'schema', message: expect.stringMatching(/schema version 99, newer than/) });
		});

		test('a foreign schema is refused and left unchanged', async () => {
			const place = await b.place();
			if (b.kind === 'sqlite') {
				const db = new DatabaseSync(place);
				db.exec("CREATE TABLE something (x); INSERT INTO something VALUES ('kept')");
				db.close();
				const before = readFileSync(place);
				await expect(b.open(place)).rejects.toMatchObject({ code: 'not_registry', message: expect.stringMatching(/not an SMD registry/) });
				expect(readFileSync(place).equals(before)).toBe(true);
				const junk = await b.place();
				writeFileSync(junk, 'this is not a database at all, just text '.repeat(100));
				await expect(b.open(junk)).rejects.toBeInstanceOf(RegistryError);
			} else {
				await b.sql('public', `CREATE SCHEMA ${place}; CREATE TABLE ${place}.something (x TEXT); INSERT INTO ${place}.something VALUES ('kept')`);
				await expect(b.open(place)).rejects.toMatchObject({ code: 'not_registry', message: expect.stringMatching(/holds other tables and no SMD registry; it was left unchanged/) });
				const tables = await b.sql('public', `SELECT table_name FROM information_schema.tables WHERE table_schema = '${place}'`);
				expect(tables).toEqual([{ table_name: 'something' }]);
				expect(await b.sql(place, 'SELECT x FROM something')).toEqual([{ x: 'kept' }]);
			}
		});

		test('two registries opening one new registry at once migrate it once', async () => {
			const place = await b.place();
			const [one, two] = await Promise.all([b.open(place), b.open(place)]);
			expect(await one.schemaVersion()).toBe(await two.schemaVersion());
			const [counts] = await b.sql(place, 'SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS d FROM schema_migrations');
			expect(Number(counts.n)).toBe(migrations().length);
			expect(Number(counts.d)).toBe(migrations().length);
			await b.addPatients(one, [patient({ name: '王芳', patientNo: 'P-1' })]);
			expect(await two.countPatients()).toBe(1);
		});
	});

	describe('pulled pages (applySyncPage)', () => {
		const A = makeId('1980-05-06', 11);
		const entry = (over: Parameters<typeof patient>[0]) => {
			const input = patient(over);
			return { input, hash: patientHash(input) };
		};

		test('a page is written with its cursor; a patient the registry cannot take is rejected by index and field', async () => {
			const registry = await b.fresh();
			expect(await registry.syncCursor('county')).toBeNull();
			const first = await registry.applySyncPage(
				'county',
				[entry({ name: '张伟', patientNo: 'S-1', idNumber: A }), entry({ name: '王芳', patientNo: 'S-2' }), { error: { field: 'name', message: 'name is required' }, patientNo: 'S-3' }],
				'c1',
				'2026-11-20T00:00:00.000Z',
			);
			expect(first).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, rejected: [{ index: 2, patientNo: 'S-3', field: 'name', message: 'name is required' }] });
			expect(first.patientRowIds).toHaveLength(2);
			expect(await registry.syncCursor('county')).toEqual({ source: 'county', cursor: 'c1', pulled: 3, updatedAt: '2026-11-20T00:00:00.000Z' });

			const second = await registry.applySyncPage(
				'county',
				[entry({ name: '李四', patientNo: 'S-4', idNumber: A }), entry({ name: '张伟', patientNo: 'S-1', idNumber: A, township: '河西乡' }), entry({ name: '王芳', patientNo: 'S-2' })],
				'c2',
				'2026-11-21T00:00:00.000Z',
			);
			expect(second).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, rejected: [{ index: 0, patientNo: 'S-4', field: 'idNumber' }] });
			expect(second.rejected[0].message).toBe('身份证号 is already registered under 患者编号 S-1');
			expect(JSON.stringify(second.rejected)).not.toContain(A);
			expect(await registry.syncCursor('county')).toMatchObject({ cursor: 'c2', pulled: 6 });
			expect(await registry.countPatients()).toBe(2);
			expect(await registry.getByPatientNo('S-4')).toBeUndefined();
		});

		test('a page that fails writes nothing, and the cursor stays where it was', async () => {
			const registry = await b.fresh();
			await registry.applySyncPage('county', [entry({ name: '张伟', patientNo: 'S-1' })], 'c1');
			// A risk level the table's check refuses: the database itself fails the page.
			const broken = entry({ name: '王芳', patientNo: 'S-3', riskLevel: 9 });
			await expect(registry.applySyncPage('county', [entry({ name: '李四', patientNo: 'S-2' }), broken, entry({ name: '张伟', patientNo: 'S-1', township: '河西乡' })], 'c2')).rejects.toBeInstanceOf(RegistryError);
			expect(await registry.syncCursor('county')).toMatchObject({ cursor: 'c1', pulled: 1 });
			expect(await registry.countPatients()).toBe(1);
			expect((await registry.getByPatientNo('S-1'))?.township).toBe('城关镇');
		});
	});
});

type ExportRow = Record<(typeof REGISTRY_HEADERS)[number], string>;

const exportOf = (rows: ExportRow[]) => Buffer.from('\ufeff' + csvLine(REGISTRY_HEADERS) + rows.map((r) => csvLine(REGISTRY_HEADERS.map((h) => r[h]))).join(''), 'utf8');

/** What an import reported and left in the registry, without the times (which differ run by run). */
async function outcome(registry: Registry, report: ImportReport) {
	const patients = (await registry.search({ limit: 1_000_000 })).map((p) => ({ ...p, updatedAt: undefined }));
	const last = await registry.lastImport();
	return { report: { ...report, durationMs: undefined }, patients, last: last && { ...last, at: undefined } };
}

describeBackends(
	'the PostgreSQL import, read ahead and written in batches, answers as the SQLite file does',
	(b) => {
		test('same reports, same rows, same row ids: changes, swapped ID numbers, repeats across chunks, patients without 患者编号', async () => {
			const demo = [...generateRegistry({ seed: 7, patients: 2500 })] as ExportRow[];
			const fresh = (i: number, over: Partial<ExportRow> = {}): ExportRow => ({
				...demo[i],
				患者编号: '',
				姓名: `新${'甲乙丙丁戊'[i % 5]}${i}`,
				身份证号: makeId('2001-03-04', i % 1000),
				出生日期: '',
				...over,
			});
			const changed: ExportRow[] = demo.map((r, i) => (i % 7 === 3 ? { ...r, 现住址: `${r.现住址}（新）` } : { ...r }));
			// Two patients swap their ID numbers (each held by the other until the end of the file).
			[changed[10].身份证号, changed[11].身份证号] = [changed[11].身份证号, changed[10].身份证号];
			// One claims an ID number that another patient keeps: rejected at the end.
			changed[20].身份证号 = changed[30].身份证号;
			// Some rows without 患者编号: keyed by the ID number.
			for (let i = 40; i < 45; i++) changed[i].患者编号 = '';
			// A new patient twice in one chunk; a patient without 患者编号 on a chunk boundary and again later.
			changed[500] = { ...changed[500] };
			const extra = [
				{ at: 600, row: { ...demo[0], 患者编号: 'NEW-1', 姓名: '新一', 身份证号: makeId('2002-01-01', 1) } },
				{ at: 700, row: { ...demo[0], 患者编号: 'NEW-1', 姓名: '新一', 身份证号: makeId('2002-01-01', 1), 现住址: '新址' } },
				{ at: 999, row: fresh(1) },
				{ at: 1000, row: { ...demo[995], 现住址: '重复（改）' } },
				{ at: 1001, row: { ...demo[996] } },
				{ at: 2100, row: fresh(1, { 现住址: '又改' }) },
				{ at: 2200, row: fresh(2) },
				// Twice in the last chunk: an id drawn for it is left over, and given back.
				{ at: 2400, row: { ...demo[0], 患者编号: 'NEW-2', 姓名: '新二' } },
				{ at: 2450, row: { ...demo[0], 患者编号: 'NEW-2', 姓名: '新二', 现住址: '新址' } },
			];
			for (const e of extra.sort((x, y) => y.at - x.at)) changed.splice(e.at, 0, e.row);

			const reference = SqliteRegistry.open(':memory:');
			const registry = await b.fresh();
			try {
				const later = [demo[5], fresh(3), { ...demo[6], 患者编号: 'NEW-3' }];
				for (const [step, file] of [demo, changed, changed, demo, later].map((rows) => exportOf(rows)).entries()) {
					const expected = await outcome(reference, await importRegistryFile(reference, file, { today: '2026-11-20' }));
					const got = await outcome(registry, await importRegistryFile(registry, file, { today: '2026-11-20' }));
					expect({ step, ...got }).toEqual({ step, ...expected });
					if (step === 1) {
						expect(expected.report.updated).toBeGreaterThan(300);
						expect(expected.report.inserted).toBeGreaterThanOrEqual(3);
						expect(expected.report.errors.map((e) => e.code)).toContain('conflict');
						expect(expected.patients.some((p) => p.patientNo.startsWith('AUTO-'))).toBe(true);
					}
				}
			} finally {
				await reference.close();
			}
		}, 120_000);
	},
	['postgres'],
);

/** A registry export of the first `patients` demo patients (synthetic, fixed seed), as a UTF-8 CSV. */
function demoExport(patients: number): Buffer {
	let text = '\ufeff' + csvLine(REGISTRY_HEADERS);
	for (const r of generateRegistry({ seed: 7, patients })) text += csvLine(REGISTRY_HEADERS.map((h) => r[h]));
	return Buffer.from(text, 'utf8');
}

describeBackends(
	'server restarted in the middle of an import',
	(b) => {
		test('the import fails as unavailable and writes nothing; run again, it completes', async () => {
			const registry = await b.fresh();
			const cluster = await b.cluster();
			const rows = 40_000;
			const file = demoExport(rows);
			// Some patients are there before: the failed import must leave them as they were.
			const before = await importRegistryFile(registry, demoExport(3000), { today: '2026-11-20' });
			expect(before.inserted).toBeGreaterThan(2900);
			const count = await registry.countPatients();

			let restarted: Promise<void> | null = null;
			const failed = await importRegistryFile(registry, file, {
				today: '2026-11-20',
				progressEvery: 5000,
				onProgress: (n) => {
					if (n < rows) restarted ??= cluster.restart();
				},
			}).catch((e: unknown) => e);
			expect(restarted).not.toBeNull();
			await restarted;
			expect(failed).toBeInstanceOf(RegistryError);
			expect(failed).toMatchObject({ code: 'unavailable' });
			expect((failed as Error).message).toMatch(/nothing of it was written — run it again/);
			expect(await registry.countPatients()).toBe(count);

			const done: ImportReport = await importRegistryFile(registry, file, { today: '2026-11-20' });
			expect(done.rows).toBe(rows);
			expect(done.inserted + done.updated + done.unchanged + done.rejected).toBe(done.rows);
			expect(done.unchanged).toBeGreaterThanOrEqual(before.inserted);
			const total = await registry.countPatients();
			expect(total).toBe(count + done.inserted);
			const [distinct] = await b.sql(placeOf(registry), 'SELECT COUNT(DISTINCT patient_no) AS n, COUNT(*) AS c FROM patients');
			expect(Number(distinct.n)).toBe(total);
			expect(Number(distinct.c)).toBe(total);
		}, 120_000);
	},
	['postgres'],
);

/** The schema of a PostgreSQL registry, from its location (postgres://user@host:port/database#schema). */
function placeOf(registry: Registry): string {
	return registry.location.slice(registry.location.lastIndexOf('#') + 1);
}
