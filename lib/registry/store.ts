/**
 * The embedded SMD patient registry on node:sqlite (Node >= 22.5; no native build).
 *
 * One file, by default inside the n8n user folder. WAL journal and a busy timeout so several n8n
 * executions can share it; versioned schema migrations; every write inside a transaction; an
 * audit trail of every read and write a node makes (DESIGN.md §9).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addInterval } from '../dates';
import { DEFAULT_RISK_POLICY } from '../risk';
import {
	CLASSIFICATIONS,
	DISORDERS,
	MANAGEMENT_STATUS,
	MEDICATION,
	type Classification,
	type ManagementStatus,
	type Medication,
} from '../vocabulary';

export const REGISTRY_FILE_ENV = 'SMD_REGISTRY_PATH';

/**
 * Default registry file: $SMD_REGISTRY_PATH, else `<n8n user folder>/.n8n/smd/registry.sqlite`
 * (n8n keeps its own data in `$N8N_USER_FOLDER/.n8n`, default the home folder).
 */
export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
	if (env[REGISTRY_FILE_ENV]) return path.resolve(env[REGISTRY_FILE_ENV]!);
	return path.join(env.N8N_USER_FOLDER || os.homedir(), '.n8n', 'smd', 'registry.sqlite');
}

/** A patient as stored. Codes in English (DESIGN.md §3). */
export interface Patient {
	id: number;
	patientNo: string;
	name: string;
	nameKey: string;
	sex: 'male' | 'female' | null;
	idNumber: string | null;
	birthDate: string | null;
	address: string | null;
	township: string | null;
	diagnosis: string | null;
	status: ManagementStatus;
	riskLevel: number | null;
	classification: Classification | null;
	lastFollowUpDate: string | null;
	nextFollowUpDate: string | null;
	medication: Medication | null;
	guardian: string | null;
	guardianPhone: string | null;
	extra: Record<string, string>;
	updatedAt: string;
}

/** What an import or upsert provides; `patientNo` null lets the store number a new patient. */
export type PatientInput = Omit<Patient, 'id' | 'updatedAt' | 'patientNo'> & { patientNo: string | null };

export interface FollowUpInput {
	patientId: number;
	date: string;
	form: string | null;
	riskLevel: number;
	classification: Classification;
	medication: Medication | null;
	nextFollowUpDate: string;
	actions: string[];
	reasons: string[];
	observation: unknown;
}

export interface AuditEntry {
	workflowId?: string | null;
	executionId?: string | null;
	node?: string | null;
	operation: string;
	patientIds: number[];
	detail?: Record<string, unknown>;
}

export interface SearchFilter {
	township?: string;
	status?: ManagementStatus;
	minRiskLevel?: number;
	/** Only patients whose next follow-up is before this day (or who were never followed up). */
	overdueAsOf?: string;
	limit?: number;
	offset?: number;
}

interface Migration {
	version: number;
	description: string;
	sql: string;
}

/** Schema versions, applied in order, each in its own transaction. Never edit a released one. */
export const MIGRATIONS: Migration[] = [
	{
		version: 1,
		description: 'patients, follow-ups, audit trail',
		sql: `
			CREATE TABLE patients (
				id INTEGER PRIMARY KEY,
				patient_no TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL,
				name_key TEXT NOT NULL,
				sex TEXT CHECK (sex IN ('male', 'female')),
				id_number TEXT UNIQUE,
				birth_date TEXT,
				address TEXT,
				township TEXT,
				diagnosis TEXT,
				status TEXT NOT NULL DEFAULT 'active'
					CHECK (status IN ('active', 'lost', 'deceased', 'moved_out', 'refused')),
				risk_level INTEGER CHECK (risk_level BETWEEN 0 AND 5),
				classification TEXT CHECK (classification IN ('stable', 'basically_stable', 'unstable')),
				last_follow_up_date TEXT,
				next_follow_up_date TEXT,
				medication TEXT,
				guardian TEXT,
				guardian_phone TEXT,
				extra TEXT NOT NULL DEFAULT '{}',
				row_hash TEXT NOT NULL,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			);
			CREATE INDEX patients_name_birth ON patients (name_key, birth_date);
			CREATE INDEX patients_township_status ON patients (township, status);
			CREATE TABLE follow_ups (
				id INTEGER PRIMARY KEY,
				patient_id INTEGER NOT NULL REFERENCES patients (id),
				follow_up_date TEXT NOT NULL,
				form TEXT,
				risk_level INTEGER NOT NULL,
				classification TEXT NOT NULL,
				medication TEXT,
				next_follow_up_date TEXT NOT NULL,
				actions TEXT NOT NULL,
				reasons TEXT NOT NULL,
				observation TEXT NOT NULL,
				created_at TEXT NOT NULL,
				UNIQUE (patient_id, follow_up_date)
			);
			CREATE TABLE audit_log (
				id INTEGER PRIMARY KEY,
				at TEXT NOT NULL,
				workflow_id TEXT,
				execution_id TEXT,
				node TEXT,
				operation TEXT NOT NULL,
				patient_count INTEGER NOT NULL,
				detail TEXT
			);
			CREATE TABLE audit_patients (
				audit_id INTEGER NOT NULL REFERENCES audit_log (id),
				patient_id INTEGER NOT NULL,
				PRIMARY KEY (audit_id, patient_id)
			) WITHOUT ROWID;
			CREATE INDEX audit_patients_patient ON audit_patients (patient_id);
		`,
	},
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Columns matching and triage need: no address, guardian or extra (less to read and build per probe). */
const MATCH_COLUMNS = `id, patient_no, name, name_key, sex, id_number, birth_date, township, status, risk_level, classification,
	last_follow_up_date, next_follow_up_date, updated_at`;

/** A Patient from a MATCH_COLUMNS array row; fields not read are null. */
function matchPatient(a: unknown[]): Patient {
	const str = (v: unknown) => (v === null || v === undefined ? null : (v as string));
	return {
		id: Number(a[0]),
		patientNo: a[1] as string,
		name: a[2] as string,
		nameKey: a[3] as string,
		sex: str(a[4]) as Patient['sex'],
		idNumber: str(a[5]),
		birthDate: str(a[6]),
		address: null,
		township: str(a[7]),
		diagnosis: null,
		status: a[8] as ManagementStatus,
		riskLevel: a[9] === null || a[9] === undefined ? null : Number(a[9]),
		classification: str(a[10]) as Classification | null,
		lastFollowUpDate: str(a[11]),
		nextFollowUpDate: str(a[12]),
		medication: null,
		guardian: null,
		guardianPhone: null,
		extra: {},
		updatedAt: a[13] as string,
	};
}

const PATIENT_COLUMNS = `id, patient_no, name, name_key, sex, id_number, birth_date, address, township, diagnosis,
	status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian,
	guardian_phone, extra, updated_at`;

type Row = Record<string, unknown>;

function toPatient(r: Row): Patient {
	return {
		id: Number(r.id),
		patientNo: r.patient_no as string,
		name: r.name as string,
		nameKey: r.name_key as string,
		sex: (r.sex as Patient['sex']) ?? null,
		idNumber: (r.id_number as string) ?? null,
		birthDate: (r.birth_date as string) ?? null,
		address: (r.address as string) ?? null,
		township: (r.township as string) ?? null,
		diagnosis: (r.diagnosis as string) ?? null,
		status: r.status as ManagementStatus,
		riskLevel: r.risk_level === null || r.risk_level === undefined ? null : Number(r.risk_level),
		classification: (r.classification as Classification) ?? null,
		lastFollowUpDate: (r.last_follow_up_date as string) ?? null,
		nextFollowUpDate: (r.next_follow_up_date as string) ?? null,
		medication: (r.medication as Medication) ?? null,
		guardian: (r.guardian as string) ?? null,
		guardianPhone: (r.guardian_phone as string) ?? null,
		extra: r.extra ? (JSON.parse(r.extra as string) as Record<string, string>) : {},
		updatedAt: r.updated_at as string,
	};
}

export class RegistryError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RegistryError';
	}
}

export interface OpenOptions {
	/** Open read-only (no migrations; the file must exist and be current). */
	readOnly?: boolean;
	/** Milliseconds to wait for another writer. Default 5000. */
	busyTimeoutMs?: number;
	/** SQLite page cache in KiB. Default 65536 (64 MiB). */
	cacheSizeKb?: number;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export class RegistryStore {
	readonly path: string;
	private readonly db: DatabaseSync;
	private readonly statements = new Map<string, StatementSync>();
	private depth = 0;

	private constructor(file: string, db: DatabaseSync) {
		this.path = file;
		this.db = db;
	}

	/** Open (creating the file and folder if needed) and bring the schema up to date. */
	static open(file: string = defaultRegistryPath(), options: OpenOptions = {}): RegistryStore {
		const resolved = file === ':memory:' ? file : path.resolve(file);
		if (resolved !== ':memory:' && !options.readOnly) {
			try {
				mkdirSync(path.dirname(resolved), { recursive: true });
			} catch {
				throw new RegistryError(`cannot create the folder of the registry file ${resolved}: a file is in the way or it is not writable`);
			}
		}
		let db: DatabaseSync;
		try {
			db = new DatabaseSync(resolved, { readOnly: options.readOnly ?? false });
		} catch (error) {
			throw new RegistryError(`cannot open the registry file ${resolved}: ${((error as Error).message || '').replace(/\b(EEXIST|ENOENT|EACCES|ENOTDIR)\b:?\s*/g, '')}`);
		}
		const store = new RegistryStore(resolved, db);
		try {
			db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
			db.exec('PRAGMA foreign_keys = ON');
			// A 1M-patient registry is ~400 MB; SQLite's default 2 MB page cache makes every random
			// index probe a cache miss. 64 MB keeps the ID and name indexes' upper levels resident.
			db.exec(`PRAGMA cache_size = -${Math.max(2048, Math.floor(options.cacheSizeKb ?? 65536))}`);
			if (!options.readOnly) {
				if (resolved !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
				db.exec('PRAGMA synchronous = NORMAL');
				db.exec('PRAGMA temp_store = MEMORY');
			}
			store.migrate(options.readOnly ?? false);
		} catch (error) {
			db.close();
			if (error instanceof RegistryError) throw error;
			throw new RegistryError(`${resolved} is not a usable registry: ${(error as Error).message}`);
		}
		return store;
	}

	close(): void {
		if (this.db.isOpen) this.db.close();
	}

	/** Schema version of the open file. */
	schemaVersion(): number {
		const r = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as Row | undefined;
		return Number(r?.v ?? 0);
	}

	private migrate(readOnly: boolean): void {
		const hasTable = this.db
			.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
			.get();
		if (!hasTable) {
			const others = this.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as Row;
			if (Number(others.n) > 0) throw new RegistryError(`${this.path} is an SQLite file but not an SMD registry`);
			if (readOnly) throw new RegistryError(`${this.path} is empty; open it writable once to create the registry`);
			this.db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
		}
		const current = this.schemaVersion();
		if (current > SCHEMA_VERSION) {
			throw new RegistryError(
				`${this.path} has schema version ${current}, newer than this n8n-nodes-smd understands (${SCHEMA_VERSION}); upgrade the package`,
			);
		}
		for (const m of MIGRATIONS) {
			if (m.version <= current) continue;
			if (readOnly) throw new RegistryError(`${this.path} needs schema migration ${m.version}; open it writable once`);
			this.transaction(() => {
				this.db.exec(m.sql);
				this.db
					.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)')
					.run(m.version, m.description, new Date().toISOString());
			});
		}
	}

	/** Statements that return arrays (faster to build than objects), for the matching probes. */
	private readonly arrayStatements = new Map<string, StatementSync>();
	private arrayStmt(sql: string): StatementSync {
		let st = this.arrayStatements.get(sql);
		if (!st) {
			st = this.db.prepare(sql);
			st.setReturnArrays(true);
			this.arrayStatements.set(sql, st);
		}
		return st;
	}

	private stmt(sql: string): StatementSync {
		let s = this.statements.get(sql);
		if (!s) {
			s = this.db.prepare(sql);
			this.statements.set(sql, s);
		}
		return s;
	}

	/**
	 * Run `fn` in one transaction (BEGIN IMMEDIATE: the write lock is taken at once, so concurrent
	 * writers wait on the busy timeout instead of failing mid-way). Nested calls join the outer one.
	 * Any exception rolls everything back.
	 */
	transaction<T>(fn: () => T): T {
		if (this.depth > 0) {
			this.depth++;
			try {
				return fn();
			} finally {
				this.depth--;
			}
		}
		this.db.exec('BEGIN IMMEDIATE');
		this.depth = 1;
		try {
			const result = fn();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.db.isTransaction) this.db.exec('ROLLBACK');
			throw error;
		} finally {
			this.depth = 0;
		}
	}

	/**
	 * Run many reads as one snapshot (a deferred read transaction). Outside a transaction SQLite takes
	 * and drops the WAL read lock on every statement, which costs more than the look-up itself.
	 */
	read<T>(fn: () => T): T {
		if (this.depth > 0 || this.db.isTransaction) return fn();
		this.db.exec('BEGIN DEFERRED');
		this.depth = 1;
		try {
			return fn();
		} finally {
			this.depth = 0;
			if (this.db.isTransaction) this.db.exec('COMMIT');
		}
	}

	/**
	 * `transaction` for work that awaits in between (streaming a large file): the caller must not
	 * use this store from elsewhere until it settles. Commits when `fn` resolves, rolls back if it throws.
	 */
	async transactionAsync<T>(fn: () => Promise<T>): Promise<T> {
		if (this.depth > 0) throw new RegistryError('transactionAsync cannot be nested');
		this.db.exec('BEGIN IMMEDIATE');
		this.depth = 1;
		try {
			const result = await fn();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.db.isTransaction) this.db.exec('ROLLBACK');
			throw error;
		} finally {
			this.depth = 0;
		}
	}

	// ---- reads ---------------------------------------------------------------------------------

	countPatients(): number {
		return Number((this.stmt('SELECT COUNT(*) AS n FROM patients').get() as Row).n);
	}

	getById(id: number): Patient | undefined {
		const r = this.stmt(`SELECT ${PATIENT_COLUMNS} FROM patients WHERE id = ?`).get(id) as Row | undefined;
		return r && toPatient(r);
	}

	getByPatientNo(patientNo: string): Patient | undefined {
		const r = this.stmt(`SELECT ${PATIENT_COLUMNS} FROM patients WHERE patient_no = ?`).get(patientNo) as Row | undefined;
		return r && toPatient(r);
	}

	/** By ID number: the matching columns only (address, guardian and extra are not read). */
	getByIdNumber(idNumber: string): Patient | undefined {
		const r = this.arrayStmt(`SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number = ?`).get(idNumber) as unknown[] | undefined;
		return r && matchPatient(r);
	}

	/** Patients whose ID number is any of `ids` (one query). */
	findByIdNumbers(ids: string[]): Patient[] {
		if (ids.length === 0) return [];
		const placeholders = ids.map(() => '?').join(',');
		const st = this.db.prepare(`SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number IN (${placeholders})`);
		st.setReturnArrays(true);
		return (st.all(...ids) as unknown as unknown[][]).map(matchPatient);
	}

	findByNameKeyAndBirth(nameKey: string, birthDate: string): Patient[] {
		return (this.arrayStmt(`SELECT ${MATCH_COLUMNS} FROM patients WHERE name_key = ? AND birth_date = ? ORDER BY id`).all(
			nameKey,
			birthDate,
		) as unknown as unknown[][]).map(matchPatient);
	}

	findByNameKey(nameKey: string, limit = 50): Patient[] {
		return (this.arrayStmt(`SELECT ${MATCH_COLUMNS} FROM patients WHERE name_key = ? ORDER BY id LIMIT ?`).all(nameKey, limit) as unknown as unknown[][]).map(
			matchPatient,
		);
	}

	search(filter: SearchFilter = {}): Patient[] {
		const where: string[] = [];
		const args: Array<string | number> = [];
		if (filter.township) {
			where.push('township = ?');
			args.push(filter.township);
		}
		if (filter.status) {
			where.push('status = ?');
			args.push(filter.status);
		}
		if (filter.minRiskLevel !== undefined) {
			where.push('risk_level >= ?');
			args.push(filter.minRiskLevel);
		}
		if (filter.overdueAsOf) {
			where.push("status = 'active' AND (next_follow_up_date IS NULL OR next_follow_up_date < ?)");
			args.push(filter.overdueAsOf);
		}
		const sql = `SELECT ${PATIENT_COLUMNS} FROM patients ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
			ORDER BY township, patient_no LIMIT ? OFFSET ?`;
		args.push(filter.limit ?? 1000, filter.offset ?? 0);
		return (this.db.prepare(sql).all(...args) as Row[]).map(toPatient);
	}

	// ---- writes --------------------------------------------------------------------------------

	/**
	 * Insert or update one patient, keyed by 患者编号 when given, else by ID number. Returns what
	 * happened; 'unchanged' writes nothing. Throws RegistryError on a key conflict (an ID number held
	 * by another 患者编号). Call inside `transaction` for batches.
	 */
	upsertPatient(input: PatientInput, rowHash: string, now = new Date().toISOString()): { outcome: UpsertOutcome; id: number; patientNo: string } {
		const p = withNextFollowUp(input);
		let existing: Row | undefined;
		if (p.patientNo) {
			existing = this.stmt('SELECT id, patient_no, row_hash, id_number FROM patients WHERE patient_no = ?').get(p.patientNo) as Row | undefined;
		} else if (p.idNumber) {
			existing = this.stmt('SELECT id, patient_no, row_hash, id_number FROM patients WHERE id_number = ?').get(p.idNumber) as Row | undefined;
		} else {
			throw new RegistryError('a patient needs 患者编号 or 身份证号');
		}
		// An ID number held by another patient fails the UNIQUE index; only then look up who holds it.
		const idConflict = (error: unknown): never => {
			if (p.idNumber && /UNIQUE constraint failed: patients\.id_number/.test((error as Error).message)) {
				const holder = this.stmt('SELECT patient_no FROM patients WHERE id_number = ?').get(p.idNumber) as Row | undefined;
				throw new RegistryError(`身份证号 is already registered under 患者编号 ${String(holder?.patient_no)}`);
			}
			throw error;
		};
		const values = [
			p.name, p.nameKey, p.sex, p.idNumber, p.birthDate, p.address, p.township, p.diagnosis, p.status, p.riskLevel,
			p.classification, p.lastFollowUpDate, p.nextFollowUpDate, p.medication, p.guardian, p.guardianPhone,
			JSON.stringify(p.extra ?? {}), rowHash,
		];
		if (existing) {
			const id = Number(existing.id);
			if (existing.row_hash === rowHash) return { outcome: 'unchanged', id, patientNo: existing.patient_no as string };
			try {
				this.stmt(
					`UPDATE patients SET name = ?, name_key = ?, sex = ?, id_number = ?, birth_date = ?, address = ?, township = ?,
					diagnosis = ?, status = ?, risk_level = ?, classification = ?, last_follow_up_date = ?, next_follow_up_date = ?,
					medication = ?, guardian = ?, guardian_phone = ?, extra = ?, row_hash = ?, updated_at = ? WHERE id = ?`,
				).run(...(values as Array<string | number | null>), now, id);
			} catch (error) {
				idConflict(error);
			}
			return { outcome: 'updated', id, patientNo: existing.patient_no as string };
		}
		let id = 0;
		try {
			id = Number(
				this.stmt(
					`INSERT INTO patients (name, name_key, sex, id_number, birth_date, address, township, diagnosis, status, risk_level,
					classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, extra, row_hash,
					created_at, updated_at, patient_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				).run(...(values as Array<string | number | null>), now, now, p.patientNo ?? `pending-${randomUUID()}`).lastInsertRowid,
			);
		} catch (error) {
			idConflict(error);
		}
		let patientNo = p.patientNo;
		if (!patientNo) {
			// Number patients that arrive without one: AUTO- + row id (never derived from the ID number).
			patientNo = `AUTO-${String(id).padStart(6, '0')}`;
			this.stmt('UPDATE patients SET patient_no = ? WHERE id = ?').run(patientNo, id);
		}
		return { outcome: 'inserted', id, patientNo };
	}

	/**
	 * Store a follow-up and bring the patient's current risk, classification and follow-up dates up
	 * to date. Idempotent per (patient, date): recording the same day again replaces that record.
	 */
	recordFollowUp(f: FollowUpInput, now = new Date().toISOString()): { outcome: 'inserted' | 'replaced'; followUpId: number } {
		return this.transaction(() => {
			const prior = this.stmt('SELECT id FROM follow_ups WHERE patient_id = ? AND follow_up_date = ?').get(f.patientId, f.date) as
				| Row
				| undefined;
			const args = [
				f.form, f.riskLevel, f.classification, f.medication, f.nextFollowUpDate, JSON.stringify(f.actions),
				JSON.stringify(f.reasons), JSON.stringify(f.observation ?? null),
			];
			let followUpId: number;
			if (prior) {
				followUpId = Number(prior.id);
				this.stmt(
					`UPDATE follow_ups SET form = ?, risk_level = ?, classification = ?, medication = ?, next_follow_up_date = ?,
					actions = ?, reasons = ?, observation = ?, created_at = ? WHERE id = ?`,
				).run(...(args as Array<string | number | null>), now, followUpId);
			} else {
				followUpId = Number(
					this.stmt(
						`INSERT INTO follow_ups (form, risk_level, classification, medication, next_follow_up_date, actions, reasons,
						observation, created_at, patient_id, follow_up_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					).run(...(args as Array<string | number | null>), now, f.patientId, f.date).lastInsertRowid,
				);
			}
			// The patient's current state follows the latest follow-up by date.
			const latest = this.stmt(
				`SELECT follow_up_date, risk_level, classification, medication, next_follow_up_date FROM follow_ups
				WHERE patient_id = ? ORDER BY follow_up_date DESC LIMIT 1`,
			).get(f.patientId) as Row;
			this.stmt(
				`UPDATE patients SET last_follow_up_date = ?, risk_level = ?, classification = ?, medication = COALESCE(?, medication),
				next_follow_up_date = ?, updated_at = ?, row_hash = 'follow-up:' || ? WHERE id = ?`,
			).run(
				latest.follow_up_date as string, latest.risk_level as number, latest.classification as string, (latest.medication as string) ?? null,
				latest.next_follow_up_date as string, now, now, f.patientId,
			);
			return { outcome: prior ? 'replaced' : 'inserted', followUpId };
		});
	}

	followUpsOf(patientId: number): Array<{ date: string; riskLevel: number; classification: string; nextFollowUpDate: string; actions: string[] }> {
		return (this.stmt(
			'SELECT follow_up_date, risk_level, classification, next_follow_up_date, actions FROM follow_ups WHERE patient_id = ? ORDER BY follow_up_date',
		).all(patientId) as Row[]).map((r) => ({
			date: r.follow_up_date as string,
			riskLevel: Number(r.risk_level),
			classification: r.classification as string,
			nextFollowUpDate: r.next_follow_up_date as string,
			actions: JSON.parse(r.actions as string) as string[],
		}));
	}

	/** Record who read or wrote which patients. Patient ids only: no names or ID numbers. */
	audit(entry: AuditEntry, at = new Date().toISOString()): number {
		return this.transaction(() => {
			const unique = [...new Set(entry.patientIds)];
			const auditId = Number(
				this.stmt(
					'INSERT INTO audit_log (at, workflow_id, execution_id, node, operation, patient_count, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
				).run(
					at, entry.workflowId ?? null, entry.executionId ?? null, entry.node ?? null, entry.operation, unique.length,
					entry.detail ? JSON.stringify(entry.detail) : null,
				).lastInsertRowid,
			);
			const insert = this.stmt('INSERT INTO audit_patients (audit_id, patient_id) VALUES (?, ?)');
			for (const id of unique) insert.run(auditId, id);
			return auditId;
		});
	}

	auditTrail(limit = 100): Array<{ id: number; at: string; workflowId: string | null; executionId: string | null; node: string | null; operation: string; patientIds: number[]; detail: unknown }> {
		const rows = this.stmt('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Row[];
		const patients = this.stmt('SELECT patient_id FROM audit_patients WHERE audit_id = ? ORDER BY patient_id');
		return rows.map((r) => ({
			id: Number(r.id),
			at: r.at as string,
			workflowId: (r.workflow_id as string) ?? null,
			executionId: (r.execution_id as string) ?? null,
			node: (r.node as string) ?? null,
			operation: r.operation as string,
			patientIds: (patients.all(Number(r.id)) as Row[]).map((p) => Number(p.patient_id)),
			detail: r.detail ? JSON.parse(r.detail as string) : null,
		}));
	}
}

/** A patient for output: English codes with Chinese labels beside them. */
export function patientToJson(p: Patient): Record<string, unknown> {
	return {
		patientNo: p.patientNo,
		name: p.name,
		sex: p.sex,
		idNumber: p.idNumber,
		birthDate: p.birthDate,
		address: p.address,
		township: p.township,
		diagnosis: p.diagnosis,
		diagnosisLabel: p.diagnosis ? ((DISORDERS as Record<string, string>)[p.diagnosis] ?? p.diagnosis) : null,
		status: p.status,
		statusLabel: MANAGEMENT_STATUS[p.status],
		riskLevel: p.riskLevel,
		classification: p.classification,
		classificationLabel: p.classification ? CLASSIFICATIONS[p.classification] : null,
		lastFollowUpDate: p.lastFollowUpDate,
		nextFollowUpDate: p.nextFollowUpDate,
		medication: p.medication,
		medicationLabel: p.medication ? MEDICATION[p.medication] : null,
		guardian: p.guardian,
		guardianPhone: p.guardianPhone,
		extra: p.extra,
		updatedAt: p.updatedAt,
	};
}

/** A stable fingerprint of what a patient row stores: equal fingerprints mean nothing to write. */
export function patientHash(p: PatientInput): string {
	const parts = [
		p.patientNo, p.name, p.sex, p.idNumber, p.birthDate, p.address, p.township, p.diagnosis, p.status, p.riskLevel,
		p.classification, p.lastFollowUpDate, p.nextFollowUpDate, p.medication, p.guardian, p.guardianPhone,
		JSON.stringify(p.extra, Object.keys(p.extra).sort()),
	];
	return createHash('sha1')
		.update(parts.map((x) => (x === null || x === undefined ? '\u0000' : String(x))).join('\u0001'))
		.digest('base64');
}

/**
 * A patient with its next follow-up date filled in when only the last one is known: last + the
 * national interval for its classification (3 months stable, else 2 weeks), so searches and triage agree.
 */
export function withNextFollowUp(p: PatientInput): PatientInput {
	if (p.nextFollowUpDate || !p.lastFollowUpDate) return p;
	return { ...p, nextFollowUpDate: addInterval(p.lastFollowUpDate, DEFAULT_RISK_POLICY.intervals[p.classification ?? 'stable']) };
}
