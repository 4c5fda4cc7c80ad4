/**
 * The embedded SMD patient registry on node:sqlite (Node >= 22.5; no native build).
 *
 * One file, by default inside the n8n user folder. WAL journal and a busy timeout so several n8n
 * executions can share it; versioned schema migrations; every write inside a transaction; an
 * audit trail of every read and write a node makes (docs/rules.md §8).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SmdError } from '../errors';
import type { AuditEntry, FollowUpInput, Patient, PatientInput, SearchFilter } from '../model';
import { nextFollowUpAfter } from '../risk';
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

export type { Patient, PatientInput, FollowUpInput, AuditEntry, SearchFilter } from '../model';

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
	{
		version: 2,
		description: 'keep invalid ID numbers as recorded (id_valid); ID uniqueness checked per import, not per row; import history',
		// SQLite cannot drop a UNIQUE column constraint: the table is rebuilt (foreign keys are switched
		// off around migrations, as SQLite's ALTER TABLE procedure prescribes). Valid ID numbers stay
		// unique, but the import checks that at the end of its transaction, so an export that swaps
		// two patients' numbers imports.
		sql: `
			CREATE TABLE patients_v2 (
				id INTEGER PRIMARY KEY,
				patient_no TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL,
				name_key TEXT NOT NULL,
				sex TEXT CHECK (sex IN ('male', 'female')),
				id_number TEXT,
				id_valid INTEGER NOT NULL DEFAULT 1 CHECK (id_valid IN (0, 1)),
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
			INSERT INTO patients_v2 (id, patient_no, name, name_key, sex, id_number, id_valid, birth_date, address, township, diagnosis,
				status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, extra,
				row_hash, created_at, updated_at)
			SELECT id, patient_no, name, name_key, sex, id_number, 1, birth_date, address, township, diagnosis,
				status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, extra,
				row_hash, created_at, updated_at FROM patients;
			DROP TABLE patients;
			ALTER TABLE patients_v2 RENAME TO patients;
			CREATE INDEX patients_id_number ON patients (id_number);
			CREATE INDEX patients_name_birth ON patients (name_key, birth_date);
			CREATE INDEX patients_township_status ON patients (township, status);
			CREATE INDEX patients_name_no_valid_id ON patients (name_key) WHERE id_number IS NULL OR id_valid = 0;
			CREATE TABLE imports (
				id INTEGER PRIMARY KEY,
				at TEXT NOT NULL,
				kind TEXT NOT NULL,
				rows INTEGER NOT NULL,
				inserted INTEGER NOT NULL,
				updated INTEGER NOT NULL,
				unchanged INTEGER NOT NULL,
				rejected INTEGER NOT NULL,
				invalid_ids INTEGER NOT NULL,
				detail TEXT
			);
		`,
	},
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Columns matching and triage need: no address, guardian or extra (less to read and build per probe). */
const MATCH_COLUMNS = `id, patient_no, name, name_key, sex, id_number, birth_date, township, status, risk_level, classification,
	last_follow_up_date, next_follow_up_date, updated_at, id_valid`;

/** A Patient from a MATCH_COLUMNS array row; fields not read are null. */
function matchPatient(a: unknown[]): Patient {
	const str = (v: unknown) => (v === null || v === undefined ? null : (v as string));
	return {
		rowId: Number(a[0]),
		patientNo: a[1] as string,
		name: a[2] as string,
		nameKey: a[3] as string,
		sex: str(a[4]) as Patient['sex'],
		idNumber: str(a[5]),
		idValid: a[14] === undefined || a[14] === null ? true : Number(a[14]) === 1,
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

const PATIENT_COLUMNS = `id, patient_no, name, name_key, sex, id_number, id_valid, birth_date, address, township, diagnosis,
	status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian,
	guardian_phone, extra, updated_at`;

type Row = Record<string, unknown>;

function toPatient(r: Row): Patient {
	return {
		rowId: Number(r.id),
		patientNo: r.patient_no as string,
		name: r.name as string,
		nameKey: r.name_key as string,
		sex: (r.sex as Patient['sex']) ?? null,
		idNumber: (r.id_number as string) ?? null,
		idValid: r.id_valid === undefined || r.id_valid === null ? true : Number(r.id_valid) === 1,
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

export type RegistryErrorCode =
	| 'open'
	| 'not_registry'
	| 'schema'
	| 'locked'
	| 'corrupt'
	| 'read_only'
	| 'disk_full'
	| 'io'
	| 'conflict'
	| 'key_required'
	| 'not_allowed'
	| 'sqlite';

/** A problem with the registry file or a write to it; `code` says which (see RegistryErrorCode). */
export class RegistryError extends SmdError<RegistryErrorCode> {}

/** SQLite's primary result codes that get their own explanation (extended codes are reduced to these). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** The SQLite result code of an error from node:sqlite, or null when it is not one. */
export function sqliteCode(error: unknown): number | null {
	const e = error as { code?: unknown; errcode?: unknown } | null;
	if (!e || e.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') return null;
	return e.errcode & 0xff;
}

/**
 * SQLite's own error, explained: which registry file, what happened, what to do. Returns the error
 * unchanged when it is not an SQLite error (or is already a RegistryError). SQLite's messages name
 * no data, but its text is not passed on either: "database is locked" means nothing to county staff.
 */
export function explainSqliteError(error: unknown, file: string): unknown {
	if (error instanceof RegistryError) return error;
	const code = sqliteCode(error);
	if (code === null) return error;
	switch (code) {
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			return new RegistryError('locked', `The registry file ${file} is locked by another writer (a registry import or another workflow may be running); wait until it has finished and run this again / 登记库文件正被其他任务写入（可能正在导入登记库），请待其完成后重试`);
		case SQLITE_CORRUPT:
			return new RegistryError('corrupt', `The registry file ${file} is damaged (SQLite: malformed); restore it from a backup, or import the registry export into a new Registry File / 登记库文件已损坏，请从备份恢复，或将登记库导出文件导入到新的登记库文件`);
		case SQLITE_NOTADB:
			return new RegistryError('not_registry', `${file} is not an SQLite file, so it cannot be the registry; check the Registry File setting / 该文件不是 SQLite 数据库，不能作为登记库，请检查“登记库文件”设置`);
		case SQLITE_READONLY:
			return new RegistryError('read_only', `The registry file ${file} is read-only for n8n; give the n8n user write access to the file and its folder / 登记库文件只读，请授予 n8n 运行用户对该文件及其文件夹的写权限`);
		case SQLITE_FULL:
			return new RegistryError('disk_full', `The disk holding the registry file ${file} is full; free space and run again / 登记库所在磁盘已满，请清理空间后重试`);
		case SQLITE_CANTOPEN:
			return new RegistryError('open', `The registry file ${file} cannot be opened; check that its folder exists and n8n may write there / 无法打开登记库文件，请检查文件夹是否存在、n8n 是否有写权限`);
		case SQLITE_IOERR:
			return new RegistryError('io', `Reading or writing the registry file ${file} failed (I/O error); check the disk and that the file is not on a network share / 登记库文件读写失败（I/O 错误），请检查磁盘，且不要放在网络共享上`);
		default:
			return new RegistryError('sqlite', `The registry file ${file} reported SQLite error ${code}; run again, and if it persists restore the file from a backup / 登记库文件返回 SQLite 错误 ${code}`);
	}
}

export interface OpenOptions {
	/** Open read-only (no migrations; the file must exist and be current). */
	readOnly?: boolean;
	/** Milliseconds to wait for another writer. Default 5000. */
	busyTimeoutMs?: number;
	/** SQLite page cache in KiB. Default 65536 (64 MiB). */
	cacheSizeKb?: number;
	/**
	 * Milliseconds an audit entry waits for the write lock before it is queued in the side file
	 * (`<registry>-audit-queue.jsonl`) instead. Default 2000.
	 */
	auditWaitMs?: number;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

/** What one import did, kept in the registry (`imports` table) so triage can tell a healthy registry. */
export interface ImportRecord {
	at: string;
	kind: string;
	rows: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
	invalidIds: number;
	detail?: Record<string, unknown>;
}

export class RegistryStore {
	readonly path: string;
	private readonly db: DatabaseSync;
	private readonly statements = new Map<string, StatementSync>();
	private depth = 0;
	private busyTimeoutMs = 5000;
	private auditWaitMs = 2000;

	private constructor(file: string, db: DatabaseSync) {
		this.path = file;
		this.db = db;
	}

	/**
	 * Open (creating the file and folder if needed) and bring the schema up to date. A file that is
	 * not an SMD registry is refused before anything is written to it: it stays byte for byte as it was.
	 */
	static open(file: string = defaultRegistryPath(), options: OpenOptions = {}): RegistryStore {
		const resolved = file === ':memory:' ? file : path.resolve(file);
		if (resolved !== ':memory:' && !options.readOnly) {
			try {
				mkdirSync(path.dirname(resolved), { recursive: true });
			} catch {
				throw new RegistryError('open', `cannot create the folder of the registry file ${resolved}: a file is in the way or it is not writable`);
			}
		}
		let db: DatabaseSync;
		try {
			db = new DatabaseSync(resolved, { readOnly: options.readOnly ?? false });
		} catch (error) {
			throw new RegistryError('open', `cannot open the registry file ${resolved}: ${((error as Error).message || '').replace(/\b(EEXIST|ENOENT|EACCES|ENOTDIR)\b:?\s*/g, '')}`);
		}
		const store = new RegistryStore(resolved, db);
		try {
			store.busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
			store.auditWaitMs = Math.max(0, Math.floor(options.auditWaitMs ?? 2000));
			db.exec(`PRAGMA busy_timeout = ${store.busyTimeoutMs}`);
			db.exec('PRAGMA foreign_keys = ON');
			// A 1M-patient registry is ~400 MB; SQLite's default 2 MB page cache makes every random
			// index probe a cache miss. 64 MB keeps the ID and name indexes' upper levels resident.
			db.exec(`PRAGMA cache_size = -${Math.max(2048, Math.floor(options.cacheSizeKb ?? 65536))}`);
			// Identify the file before anything can write to it (journal mode, migrations).
			store.checkIdentity(options.readOnly ?? false);
			if (!options.readOnly) {
				if (resolved !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
				db.exec('PRAGMA synchronous = NORMAL');
				db.exec('PRAGMA temp_store = MEMORY');
			}
			store.migrate(options.readOnly ?? false);
		} catch (error) {
			db.close();
			const explained = explainSqliteError(error, resolved);
			if (explained instanceof RegistryError) throw explained;
			throw new RegistryError('not_registry', `${resolved} is not a usable registry: ${(error as Error).message}`);
		}
		if (!options.readOnly && resolved !== ':memory:') store.drainAuditQueue();
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

	/** Refuses a file that holds tables but is not an SMD registry, without writing to it. */
	private checkIdentity(readOnly: boolean): void {
		const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
		if (hasTable) return;
		const others = this.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as Row;
		if (Number(others.n) > 0) {
			throw new RegistryError('not_registry', `${this.path} is an SQLite file but not an SMD registry; it was left unchanged — choose another Registry File`);
		}
		if (readOnly) throw new RegistryError('schema', `${this.path} is empty; open it writable once to create the registry`);
	}

	private migrate(readOnly: boolean): void {
		const hasTable = this.db
			.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
			.get();
		if (!hasTable) {
			this.db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
		}
		const current = this.schemaVersion();
		if (current > SCHEMA_VERSION) {
			throw new RegistryError('schema', `${this.path} has schema version ${current}, newer than this n8n-nodes-smd understands (${SCHEMA_VERSION}); upgrade the package`);
		}
		const pending = MIGRATIONS.filter((m) => m.version > current);
		if (pending.length === 0) return;
		if (readOnly) throw new RegistryError('schema', `${this.path} needs schema migration ${pending[0].version}; open it writable once`);
		// Table rebuilds (SQLite's ALTER TABLE procedure) need foreign keys off, which cannot change inside a transaction.
		this.db.exec('PRAGMA foreign_keys = OFF');
		try {
			for (const m of pending) {
				this.transaction(() => {
					this.db.exec(m.sql);
					const broken = this.db.prepare('PRAGMA foreign_key_check').all();
					if (broken.length > 0) throw new RegistryError('schema', `schema migration ${m.version} would break ${broken.length} references; nothing was changed`);
					this.db
						.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)')
						.run(m.version, m.description, new Date().toISOString());
				});
			}
		} finally {
			this.db.exec('PRAGMA foreign_keys = ON');
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

	/** BEGIN IMMEDIATE, with SQLite's "database is locked" explained. */
	private begin(): void {
		try {
			this.db.exec('BEGIN IMMEDIATE');
		} catch (error) {
			throw explainSqliteError(error, this.path);
		}
	}

	/**
	 * Run `fn` in one transaction (BEGIN IMMEDIATE: the write lock is taken at once, so concurrent
	 * writers wait on the busy timeout instead of failing mid-way). Nested calls join the outer one.
	 * Any exception rolls everything back; SQLite's own errors come out explained (RegistryError).
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
		this.begin();
		this.depth = 1;
		try {
			const result = fn();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.db.isTransaction) this.db.exec('ROLLBACK');
			throw explainSqliteError(error, this.path);
		} finally {
			this.depth = 0;
		}
	}

	/**
	 * Run many reads as one snapshot (a deferred read transaction). Outside a transaction SQLite takes
	 * and drops the WAL read lock on every statement, which costs more than the look-up itself.
	 * Readers are never blocked by a writer (WAL): a triage runs while an import holds the write lock.
	 */
	read<T>(fn: () => T): T {
		if (this.depth > 0 || this.db.isTransaction) return fn();
		this.db.exec('BEGIN DEFERRED');
		this.depth = 1;
		try {
			return fn();
		} catch (error) {
			throw explainSqliteError(error, this.path);
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
		if (this.depth > 0) throw new RegistryError('sqlite', 'transactionAsync cannot be nested');
		this.begin();
		this.depth = 1;
		try {
			const result = await fn();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.db.isTransaction) this.db.exec('ROLLBACK');
			throw explainSqliteError(error, this.path);
		} finally {
			this.depth = 0;
		}
	}

	/** A named savepoint inside the current transaction: `fn`'s writes are undone if it throws. */
	savepoint<T>(name: string, fn: () => T): T {
		if (this.depth === 0) throw new RegistryError('sqlite', 'savepoint needs an open transaction');
		this.db.exec(`SAVEPOINT ${name}`);
		try {
			const result = fn();
			this.db.exec(`RELEASE ${name}`);
			return result;
		} catch (error) {
			this.db.exec(`ROLLBACK TO ${name}`);
			this.db.exec(`RELEASE ${name}`);
			throw error;
		}
	}

	// ---- reads ---------------------------------------------------------------------------------

	countPatients(): number {
		return Number((this.stmt('SELECT COUNT(*) AS n FROM patients').get() as Row).n);
	}

	/** Patients whose ID number is kept as recorded because it is not valid. */
	countInvalidIds(): number {
		return Number((this.stmt('SELECT COUNT(*) AS n FROM patients WHERE id_valid = 0').get() as Row).n);
	}

	getById(id: number): Patient | undefined {
		const r = this.stmt(`SELECT ${PATIENT_COLUMNS} FROM patients WHERE id = ?`).get(id) as Row | undefined;
		return r && toPatient(r);
	}

	getByPatientNo(patientNo: string): Patient | undefined {
		const r = this.stmt(`SELECT ${PATIENT_COLUMNS} FROM patients WHERE patient_no = ?`).get(patientNo) as Row | undefined;
		return r && toPatient(r);
	}

	/** By valid ID number: the matching columns only (address, guardian and extra are not read). */
	getByIdNumber(idNumber: string): Patient | undefined {
		const r = this.arrayStmt(`SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number = ? AND id_valid = 1 ORDER BY id LIMIT 1`).get(idNumber) as
			| unknown[]
			| undefined;
		return r && matchPatient(r);
	}

	/** Patients whose valid ID number is any of `ids` (one query). */
	findByIdNumbers(ids: string[]): Patient[] {
		if (ids.length === 0) return [];
		const placeholders = ids.map(() => '?').join(',');
		const st = this.db.prepare(`SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number IN (${placeholders}) AND id_valid = 1`);
		st.setReturnArrays(true);
		return (st.all(...ids) as unknown as unknown[][]).map(matchPatient);
	}

	/** Patients whose ID number is kept as recorded (invalid) and equals `text` (normalised). */
	findByRecordedId(text: string): Patient[] {
		return (this.arrayStmt(`SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number = ? AND id_valid = 0 ORDER BY id`).all(text) as unknown as unknown[][]).map(
			matchPatient,
		);
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

	/** Patients of this name with no valid ID number (none recorded, or one kept as recorded). */
	findByNameKeyWithoutValidId(nameKey: string, limit = 50): Patient[] {
		return (this.arrayStmt(
			`SELECT ${MATCH_COLUMNS} FROM patients WHERE name_key = ? AND (id_number IS NULL OR id_valid = 0) ORDER BY id LIMIT ?`,
		).all(nameKey, limit) as unknown as unknown[][]).map(matchPatient);
	}

	search(filter: SearchFilter = {}): Patient[] {
		try {
			return this.searchUnguarded(filter);
		} catch (error) {
			throw explainSqliteError(error, this.path);
		}
	}

	private searchUnguarded(filter: SearchFilter): Patient[] {
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

	/** The most recent import recorded in this registry, or null. */
	lastImport(kind = 'patients'): ImportRecord | null {
		const r = this.stmt('SELECT * FROM imports WHERE kind = ? ORDER BY id DESC LIMIT 1').get(kind) as Row | undefined;
		if (!r) return null;
		return {
			at: r.at as string,
			kind: r.kind as string,
			rows: Number(r.rows),
			inserted: Number(r.inserted),
			updated: Number(r.updated),
			unchanged: Number(r.unchanged),
			rejected: Number(r.rejected),
			invalidIds: Number(r.invalid_ids),
			detail: r.detail ? (JSON.parse(r.detail as string) as Record<string, unknown>) : undefined,
		};
	}

	/** The 患者编号 of another patient holding this valid ID number, or null. */
	validIdHolder(idNumber: string, exceptPatientNo: string | null): string | null {
		const r = this.stmt('SELECT patient_no FROM patients WHERE id_number = ? AND id_valid = 1 AND patient_no IS NOT ? LIMIT 1').get(
			idNumber,
			exceptPatientNo,
		) as Row | undefined;
		return r ? (r.patient_no as string) : null;
	}

	/** Valid ID numbers held by more than one patient, among `ids` (all when omitted), with their holders. */
	duplicateValidIds(ids?: Iterable<string>): Map<string, string[]> {
		const out = new Map<string, string[]>();
		if (ids) {
			const st = this.stmt('SELECT patient_no FROM patients WHERE id_number = ? AND id_valid = 1 ORDER BY id');
			for (const id of new Set(ids)) {
				const holders = (st.all(id) as Row[]).map((r) => r.patient_no as string);
				if (holders.length > 1) out.set(id, holders);
			}
			return out;
		}
		const rows = this.stmt(
			`SELECT id_number, group_concat(patient_no, char(1)) AS holders FROM patients WHERE id_valid = 1 AND id_number IS NOT NULL
			GROUP BY id_number HAVING COUNT(*) > 1`,
		).all() as Row[];
		for (const r of rows) out.set(r.id_number as string, String(r.holders).split('\u0001'));
		return out;
	}

	// ---- writes --------------------------------------------------------------------------------

	/**
	 * Insert or update one patient, keyed by 患者编号 when given, else by ID number (a valid one, or
	 * the number as recorded when it is the only identifier). Returns what happened; 'unchanged'
	 * writes nothing. A valid ID number held by another patient is a RegistryError('conflict') unless
	 * `allowIdConflict` (the import checks uniqueness once, at the end of its transaction). Call
	 * inside `transaction` for batches.
	 */
	upsertPatient(
		input: PatientInput,
		rowHash: string,
		now = new Date().toISOString(),
		options: { allowIdConflict?: boolean } = {},
	): { outcome: UpsertOutcome; rowId: number; patientNo: string } {
		const result = this.upsertOrDefer(input, rowHash, now, options.allowIdConflict ? 'write' : 'throw');
		if (result === null) throw new RegistryError('conflict', 'unreachable: nothing deferred when conflicts throw');
		return result;
	}

	/**
	 * `upsertPatient` for the import: a row whose valid ID number another patient holds is written
	 * ('write'), refused ('throw'), or left for later ('defer': returns null and writes nothing). An
	 * unchanged row is never checked — it is what the registry already holds.
	 */
	upsertOrDefer(
		input: PatientInput,
		rowHash: string,
		now: string,
		onIdHeld: 'write' | 'throw' | 'defer',
	): { outcome: UpsertOutcome; rowId: number; patientNo: string } | null {
		const p = withNextFollowUp(input);
		const idValid = p.idNumber ? p.idValid !== false : true;
		let existing: Row | undefined;
		if (p.patientNo) {
			existing = this.stmt('SELECT id, patient_no, row_hash FROM patients WHERE patient_no = ?').get(p.patientNo) as Row | undefined;
		} else if (p.idNumber) {
			const found = this.stmt('SELECT id, patient_no, row_hash FROM patients WHERE id_number = ? AND id_valid = ? ORDER BY id LIMIT 2').all(
				p.idNumber,
				idValid ? 1 : 0,
			) as Row[];
			if (found.length > 1) {
				throw new RegistryError('conflict', 'several patients hold this ID number as recorded; give the row its 患者编号 (patientNo)');
			}
			existing = found[0];
		} else {
			throw new RegistryError('key_required', 'a patient needs 患者编号 or 身份证号');
		}
		if (existing && existing.row_hash === rowHash) return { outcome: 'unchanged', rowId: Number(existing.id), patientNo: existing.patient_no as string };
		if (p.idNumber && idValid && onIdHeld !== 'write') {
			const holder = this.validIdHolder(p.idNumber, (existing?.patient_no as string | undefined) ?? p.patientNo);
			if (holder !== null) {
				if (onIdHeld === 'defer') return null;
				throw new RegistryError('conflict', `身份证号 is already registered under 患者编号 ${holder}`);
			}
		}
		const values = [
			p.name, p.nameKey, p.sex, p.idNumber, idValid ? 1 : 0, p.birthDate, p.address, p.township, p.diagnosis, p.status, p.riskLevel,
			p.classification, p.lastFollowUpDate, p.nextFollowUpDate, p.medication, p.guardian, p.guardianPhone,
			JSON.stringify(p.extra ?? {}), rowHash,
		];
		if (existing) {
			const id = Number(existing.id);
			this.stmt(
				`UPDATE patients SET name = ?, name_key = ?, sex = ?, id_number = ?, id_valid = ?, birth_date = ?, address = ?, township = ?,
				diagnosis = ?, status = ?, risk_level = ?, classification = ?, last_follow_up_date = ?, next_follow_up_date = ?,
				medication = ?, guardian = ?, guardian_phone = ?, extra = ?, row_hash = ?, updated_at = ? WHERE id = ?`,
			).run(...(values as Array<string | number | null>), now, id);
			return { outcome: 'updated', rowId: id, patientNo: existing.patient_no as string };
		}
		const id = Number(
			this.stmt(
				`INSERT INTO patients (name, name_key, sex, id_number, id_valid, birth_date, address, township, diagnosis, status, risk_level,
				classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, extra, row_hash,
				created_at, updated_at, patient_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			).run(...(values as Array<string | number | null>), now, now, p.patientNo ?? `pending-${randomUUID()}`).lastInsertRowid,
		);
		let patientNo = p.patientNo;
		if (!patientNo) {
			// Number patients that arrive without one: AUTO- + row id (never derived from the ID number).
			patientNo = `AUTO-${String(id).padStart(6, '0')}`;
			this.stmt('UPDATE patients SET patient_no = ? WHERE id = ?').run(patientNo, id);
		}
		return { outcome: 'inserted', rowId: id, patientNo };
	}

	/** Record what an import did (call inside the import's transaction, so it commits with the rows). */
	recordImport(r: ImportRecord): void {
		this.stmt(
			'INSERT INTO imports (at, kind, rows, inserted, updated, unchanged, rejected, invalid_ids, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
		).run(r.at, r.kind, r.rows, r.inserted, r.updated, r.unchanged, r.rejected, r.invalidIds, r.detail ? JSON.stringify(r.detail) : null);
	}

	/**
	 * Store a follow-up and bring the patient's current risk, classification and follow-up dates up
	 * to date. Idempotent per (patient, date): recording the same day again replaces that record.
	 */
	recordFollowUp(f: FollowUpInput, now = new Date().toISOString()): { outcome: 'inserted' | 'replaced'; followUpId: number } {
		return this.transaction(() => {
			const prior = this.stmt('SELECT id FROM follow_ups WHERE patient_id = ? AND follow_up_date = ?').get(f.patientRowId, f.date) as
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
					).run(...(args as Array<string | number | null>), now, f.patientRowId, f.date).lastInsertRowid,
				);
			}
			// The patient's current state follows the latest follow-up by date.
			const latest = this.stmt(
				`SELECT follow_up_date, risk_level, classification, medication, next_follow_up_date FROM follow_ups
				WHERE patient_id = ? ORDER BY follow_up_date DESC LIMIT 1`,
			).get(f.patientRowId) as Row;
			this.stmt(
				`UPDATE patients SET last_follow_up_date = ?, risk_level = ?, classification = ?, medication = COALESCE(?, medication),
				next_follow_up_date = ?, updated_at = ?, row_hash = 'follow-up:' || ? WHERE id = ?`,
			).run(
				latest.follow_up_date as string, latest.risk_level as number, latest.classification as string, (latest.medication as string) ?? null,
				latest.next_follow_up_date as string, now, now, f.patientRowId,
			);
			return { outcome: prior ? 'replaced' : 'inserted', followUpId };
		});
	}

	followUpsOf(patientRowId: number): Array<{ date: string; riskLevel: number; classification: string; nextFollowUpDate: string; actions: string[] }> {
		return (this.stmt(
			'SELECT follow_up_date, risk_level, classification, next_follow_up_date, actions FROM follow_ups WHERE patient_id = ? ORDER BY follow_up_date',
		).all(patientRowId) as Row[]).map((r) => ({
			date: r.follow_up_date as string,
			riskLevel: Number(r.risk_level),
			classification: r.classification as string,
			nextFollowUpDate: r.next_follow_up_date as string,
			actions: JSON.parse(r.actions as string) as string[],
		}));
	}

	/**
	 * Record who read or wrote which patients. Patient ids only: no names or ID numbers. Returns the
	 * audit entry's id, or null when the entry was queued: a node whose work is done must not fail
	 * because another writer (a long import) holds the write lock, so after `auditWaitMs` the entry
	 * goes to the queue file beside the registry and is written by the next registry write or open.
	 */
	audit(entry: AuditEntry, at = new Date().toISOString()): number | null {
		const unique = [...new Set(entry.patientRowIds)];
		if (this.depth > 0) return this.writeAudit(entry, unique, at);
		this.db.exec(`PRAGMA busy_timeout = ${this.auditWaitMs}`);
		let id: number;
		try {
			id = this.transaction(() => this.writeAudit(entry, unique, at));
		} catch (error) {
			if (error instanceof RegistryError && error.code === 'locked' && this.path !== ':memory:') {
				this.queueAudit(entry, unique, at);
				return null;
			}
			throw error;
		} finally {
			this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
		}
		this.drainAuditQueue();
		return id;
	}

	private writeAudit(entry: AuditEntry, unique: number[], at: string): number {
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
	}

	/** The side file where audit entries wait while another writer holds the lock. */
	get auditQueuePath(): string {
		return `${this.path}-audit-queue.jsonl`;
	}

	private queueAudit(entry: AuditEntry, unique: number[], at: string): void {
		const line = JSON.stringify({ at, workflowId: entry.workflowId ?? null, executionId: entry.executionId ?? null, node: entry.node ?? null, operation: entry.operation, patientRowIds: unique, detail: entry.detail ?? null });
		appendFileSync(this.auditQueuePath, line + '\n', { mode: 0o600 });
	}

	/**
	 * Write queued audit entries into the audit trail, if the write lock is free now (it never waits).
	 * Each process claims the queue file by renaming it, so two processes never write an entry twice;
	 * a claimed file left by a crashed process is taken over after a minute. Returns entries written.
	 */
	drainAuditQueue(): number {
		if (this.path === ':memory:' || this.depth > 0 || this.db.isTransaction) return 0;
		const queue = this.auditQueuePath;
		const dir = path.dirname(queue);
		const base = path.basename(queue);
		let names: string[];
		try {
			names = readdirSync(dir).filter((n) => n === base || n.startsWith(`${base}.claimed-`));
		} catch {
			return 0;
		}
		let written = 0;
		for (const name of names) {
			const from = path.join(dir, name);
			if (name !== base) {
				try {
					if (Date.now() - statSync(from).mtimeMs < 60_000) continue;
				} catch {
					continue;
				}
			}
			const claimed = `${queue}.claimed-${process.pid}-${randomUUID()}`;
			try {
				renameSync(from, claimed);
			} catch {
				continue; // another process claimed it first
			}
			const entries: Array<AuditEntry & { at: string }> = [];
			for (const line of readFileSync(claimed, 'utf8').split('\n')) {
				if (line.trim() === '') continue;
				try {
					entries.push(JSON.parse(line) as AuditEntry & { at: string });
				} catch {
					// A line cut short by a crash mid-append: nothing in it can be trusted.
				}
			}
			this.db.exec('PRAGMA busy_timeout = 0');
			try {
				this.transaction(() => {
					for (const e of entries) this.writeAudit(e, [...new Set(e.patientRowIds)], e.at);
				});
				written += entries.length;
				unlinkSync(claimed);
			} catch (error) {
				// Still locked (or failing): give the entries back to the queue for the next writer.
				appendFileSync(queue, readFileSync(claimed), { mode: 0o600 });
				unlinkSync(claimed);
				if (!(error instanceof RegistryError && error.code === 'locked')) throw error;
				break;
			} finally {
				this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
			}
		}
		return written;
	}

	auditTrail(limit = 100): Array<{ id: number; at: string; workflowId: string | null; executionId: string | null; node: string | null; operation: string; patientRowIds: number[]; detail: unknown }> {
		const rows = this.stmt('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Row[];
		const patients = this.stmt('SELECT patient_id FROM audit_patients WHERE audit_id = ? ORDER BY patient_id');
		return rows.map((r) => ({
			id: Number(r.id),
			at: r.at as string,
			workflowId: (r.workflow_id as string) ?? null,
			executionId: (r.execution_id as string) ?? null,
			node: (r.node as string) ?? null,
			operation: r.operation as string,
			patientRowIds: (patients.all(Number(r.id)) as Row[]).map((p) => Number(p.patient_id)),
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
		idValid: p.idValid,
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
	// Only an invalid number adds a part, so fingerprints written before id_valid existed stay equal.
	if (p.idNumber && p.idValid === false) parts.push('id-invalid');
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
	return { ...p, nextFollowUpDate: nextFollowUpAfter(p.lastFollowUpDate, p.classification) };
}
