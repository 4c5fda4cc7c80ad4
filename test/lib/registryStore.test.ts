import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { defaultRegistryPath, patientHash, RegistryError, RegistryStore, SCHEMA_VERSION } from '../../lib/registry/store';
import { addPatients, makeId, patient } from '../helpers';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'smd-store-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('registry store on node:sqlite', () => {
	test('creates the file, applies migrations, uses WAL and a busy timeout', () => {
		const file = path.join(dir, 'sub', 'registry.sqlite');
		const store = RegistryStore.open(file);
		expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
		store.close();
		const db = new DatabaseSync(file);
		expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
		const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
		expect(tables).toEqual(['audit_log', 'audit_patients', 'case_plan_reviews', 'case_plans', 'emergency_events', 'emergency_log', 'emergency_steps', 'follow_ups', 'imports', 'on_call_roster', 'patients', 'referral_agreements', 'referral_events', 'referrals', 'schema_migrations', 'sync_cursors']);
		const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((t) => t.name);
		expect(indexes).toEqual(expect.arrayContaining(['patients_name_birth', 'patients_township_status', 'audit_patients_patient']));
		db.close();
		// Re-opening applies nothing new and keeps the data.
		const again = RegistryStore.open(file);
		expect(again.schemaVersion()).toBe(SCHEMA_VERSION);
		again.close();
	});

	test('refuses a newer schema and a foreign SQLite file, with clear errors', () => {
		const newer = path.join(dir, 'newer.sqlite');
		RegistryStore.open(newer).close();
		const db = new DatabaseSync(newer);
		db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')").run();
		db.close();
		expect(() => RegistryStore.open(newer)).toThrow(/schema version 99, newer than/);

		const foreign = path.join(dir, 'foreign.sqlite');
		const f = new DatabaseSync(foreign);
		f.exec('CREATE TABLE something (x)');
		f.close();
		expect(() => RegistryStore.open(foreign)).toThrow(/not an SMD registry/);

		const junk = path.join(dir, 'junk.sqlite');
		writeFileSync(junk, 'this is not a database at all, just text '.repeat(100));
		expect(() => RegistryStore.open(junk)).toThrow(RegistryError);
	});

	test('default path: $SMD_REGISTRY_PATH, else the n8n user folder', () => {
		expect(defaultRegistryPath({ SMD_REGISTRY_PATH: '/data/r.sqlite' })).toBe('/data/r.sqlite');
		expect(defaultRegistryPath({ N8N_USER_FOLDER: '/srv/n8n' })).toBe('/srv/n8n/.n8n/smd/registry.sqlite');
	});

	test('upsert: inserted, unchanged, updated; numbering of patients without 患者编号', () => {
		const store = RegistryStore.open(':memory:');
		const a = patient({ name: '张伟', patientNo: 'P-1', idNumber: makeId('1980-05-06', 11), birthDate: '1980-05-06' });
		const first = store.transaction(() => store.upsertPatient(a, patientHash(a)));
		expect(first.outcome).toBe('inserted');
		expect(store.transaction(() => store.upsertPatient(a, patientHash(a))).outcome).toBe('unchanged');
		const moved = { ...a, township: '河西乡' };
		expect(store.transaction(() => store.upsertPatient(moved, patientHash(moved))).outcome).toBe('updated');
		expect(store.getByPatientNo('P-1')?.township).toBe('河西乡');

		const noNo = patient({ name: '李娜', idNumber: makeId('1975-01-02', 22) });
		const r = store.transaction(() => store.upsertPatient(noNo, patientHash(noNo)));
		expect(r.patientNo).toMatch(/^AUTO-\d{6}$/);
		expect(r.patientNo).not.toContain('1975');
		// Keyed by ID number the second time.
		expect(store.transaction(() => store.upsertPatient(noNo, patientHash(noNo))).outcome).toBe('unchanged');
		expect(store.countPatients()).toBe(2);
		store.close();
	});

	test('an ID number held by another 患者编号 is a conflict and writes nothing', () => {
		const store = RegistryStore.open(':memory:');
		const id = makeId('1980-05-06', 11);
		addPatients(store, [patient({ name: '张伟', patientNo: 'P-1', idNumber: id })]);
		const clash = patient({ name: '张伟', patientNo: 'P-2', idNumber: id });
		expect(() => store.transaction(() => store.upsertPatient(clash, patientHash(clash)))).toThrow('身份证号 is already registered under 患者编号 P-1');
		expect(store.countPatients()).toBe(1);
		store.close();
	});

	test('a transaction that throws rolls back every write in it', () => {
		const store = RegistryStore.open(':memory:');
		expect(() =>
			store.transaction(() => {
				addPatients(store, [patient({ name: '甲', patientNo: 'A' }), patient({ name: '乙', patientNo: 'B' })]);
				throw new Error('boom');
			}),
		).toThrow('boom');
		expect(store.countPatients()).toBe(0);
		store.close();
	});

	test('look-ups by ID, name and birth date, search filters', () => {
		const store = RegistryStore.open(':memory:');
		addPatients(store, [
			patient({ name: '王芳', patientNo: 'P-1', idNumber: makeId('1990-01-01', 2), birthDate: '1990-01-01', riskLevel: 3, classification: 'unstable', lastFollowUpDate: '2026-10-01', nextFollowUpDate: '2026-10-15' }),
			patient({ name: '王芳', patientNo: 'P-2', idNumber: makeId('1991-02-02', 4), birthDate: '1991-02-02', township: '河西乡' }),
			patient({ name: '赵敏', patientNo: 'P-3', birthDate: '1985-03-03', status: 'lost' }),
		]);
		expect(store.getByIdNumber(makeId('1990-01-01', 2))?.patientNo).toBe('P-1');
		expect(store.findByNameKeyAndBirth('王芳', '1991-02-02').map((p) => p.patientNo)).toEqual(['P-2']);
		expect(store.findByNameKey('王芳').map((p) => p.patientNo)).toEqual(['P-1', 'P-2']);
		expect(store.findByIdNumbers([makeId('1990-01-01', 2), makeId('1991-02-02', 4), '000']).length).toBe(2);
		expect(store.search({ township: '城关镇' }).map((p) => p.patientNo)).toEqual(['P-1', 'P-3']);
		expect(store.search({ status: 'lost' }).map((p) => p.patientNo)).toEqual(['P-3']);
		expect(store.search({ minRiskLevel: 3 }).map((p) => p.patientNo)).toEqual(['P-1']);
		expect(store.search({ overdueAsOf: '2026-11-01' }).map((p) => p.patientNo)).toEqual(['P-1']); // P-2: last 10-01, stable → next 2027-01-01
		expect(store.getByPatientNo('P-2')?.nextFollowUpDate).toBe('2027-01-01');
		store.close();
	});

	test('follow-ups: stored, idempotent per day, the latest one sets the patient state', () => {
		const store = RegistryStore.open(':memory:');
		addPatients(store, [patient({ name: '王芳', patientNo: 'P-1' })]);
		const id = store.getByPatientNo('P-1')!.rowId;
		const base = { patientRowId: id, form: 'home', medication: 'regular' as const, actions: ['continue_plan'], reasons: ['x'], observation: {} };
		expect(store.recordFollowUp({ ...base, date: '2026-11-01', riskLevel: 0, classification: 'stable', nextFollowUpDate: '2027-02-01' }).outcome).toBe('inserted');
		expect(store.recordFollowUp({ ...base, date: '2026-10-01', riskLevel: 3, classification: 'unstable', nextFollowUpDate: '2026-10-15' }).outcome).toBe('inserted');
		expect(store.recordFollowUp({ ...base, date: '2026-11-01', riskLevel: 1, classification: 'basically_stable', nextFollowUpDate: '2026-11-15' }).outcome).toBe('replaced');
		expect(store.followUpsOf(id).map((f) => [f.date, f.riskLevel])).toEqual([['2026-10-01', 3], ['2026-11-01', 1]]);
		const p = store.getByPatientNo('P-1')!;
		expect([p.lastFollowUpDate, p.riskLevel, p.classification, p.nextFollowUpDate]).toEqual(['2026-11-01', 1, 'basically_stable', '2026-11-15']);
		store.close();
	});

	test('audit trail records workflow, execution, node, operation, patient ids and time — no identifiers', () => {
		const store = RegistryStore.open(':memory:');
		addPatients(store, [patient({ name: '王芳', patientNo: 'P-1', idNumber: makeId('1990-01-01', 2) })]);
		const pid = store.getByPatientNo('P-1')!.rowId;
		store.audit({ workflowId: 'wf1', executionId: '42', node: 'Triage', operation: 'list.triage', patientRowIds: [pid, pid], detail: { rows: 3 } });
		const [entry] = store.auditTrail(1);
		expect(entry).toMatchObject({ workflowId: 'wf1', executionId: '42', node: 'Triage', operation: 'list.triage', patientRowIds: [pid], detail: { rows: 3 } });
		expect(entry.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
		expect(JSON.stringify(entry)).not.toContain('王芳');
		store.close();
	});

	test('two connections share the file: a writer waits for the other (busy timeout), nothing is lost', () => {
		const file = path.join(dir, 'shared.sqlite');
		const a = RegistryStore.open(file);
		const b = RegistryStore.open(file, { busyTimeoutMs: 50 });
		a.transaction(() => {
			addPatients(a, [patient({ name: '甲', patientNo: 'A' })]);
			// b cannot take the write lock while a holds it.
			expect(() => addPatients(b, [patient({ name: '乙', patientNo: 'B' })])).toThrow(/locked|busy/i);
		});
		addPatients(b, [patient({ name: '乙', patientNo: 'B' })]);
		expect(a.countPatients()).toBe(2);
		a.close();
		b.close();
	});
});
