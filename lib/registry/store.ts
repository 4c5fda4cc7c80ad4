/**
 * The embedded SMD patient registry on node:sqlite (Node >= 22.5; no native build).
 *
 * One file, by default inside the n8n user folder. WAL journal and a busy timeout so several n8n
 * executions can share it; versioned schema migrations (schema.ts); every write inside a
 * transaction; an audit trail of every read and write a node makes (docs/rules.md §8), with a
 * queue for entries that meet another writer's lock (auditQueue.ts).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultRegistryPath } from '../paths';
import type { AuditEntry, FollowUpInput, ImportRecord, Patient, PatientInput, SearchFilter } from '../model';
import { claimQueuedAudits, queueAuditEntry, releaseClaim, returnClaim } from './auditQueue';
import { explainSqliteError, RegistryError } from './errors';
import { followUpsOf, recordFollowUp, REFRESH_PATIENT, type StoredFollowUp } from './followUps';
import { readLastImport, updateImportCounts, writeImportRecord } from './imports';
import { withNextFollowUp } from './patients';
import type { ImportTx } from './backend';
import { MATCH_COLUMNS, matchPatient, MIGRATIONS, PATIENT_COLUMNS, SCHEMA_VERSION, searchQuery, toPatient, type Row } from './schema';

export { explainSqliteError, RegistryError, sqliteCode, type RegistryErrorCode } from './errors';
export { patientHash, patientToJson, withNextFollowUp } from './patients';
export { MIGRATIONS, SCHEMA_VERSION } from './schema';
export { defaultRegistryPath, REGISTRY_FILE_ENV } from '../paths';
export type { Patient, PatientInput, FollowUpInput, AuditEntry, SearchFilter, ImportRecord } from '../model';


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
			this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
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
					// Another process opening the same file may have applied it while this one waited for the lock.
					if (this.schemaVersion() >= m.version) return;
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

	/** The store's prepared statements, for the modules that keep its tables (followUps.ts). */
	private readonly sql = { get: (text: string): StatementSync => this.stmt(text) };

	private stmt(sql: string): StatementSync {
		let s = this.statements.get(sql);
		if (!s) {
			s = this.db.prepare(sql);
			this.statements.set(sql, s);
		}
		return s;
	}

	/** BEGIN IMMEDIATE (SQLite's "database is locked" explained); the store is then in a transaction. */
	private begin(): void {
		try {
			this.db.exec('BEGIN IMMEDIATE');
		} catch (error) {
			throw explainSqliteError(error, this.path);
		}
		this.depth = 1;
	}

	/** COMMIT and leave the transaction. */
	private commit(): void {
		this.db.exec('COMMIT');
		this.depth = 0;
	}

	/** Roll back and leave the transaction; returns the error to throw, explained. */
	private abort(error: unknown): unknown {
		if (this.db.isTransaction) this.db.exec('ROLLBACK');
		this.depth = 0;
		return explainSqliteError(error, this.path);
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
		try {
			const result = fn();
			this.commit();
			return result;
		} catch (error) {
			throw this.abort(error);
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
		try {
			const result = await fn();
			this.commit();
			return result;
		} catch (error) {
			throw this.abort(error);
		}
	}

	/** The registry import's transaction (import.ts): this store, with a savepoint that awaits. */
	async importTransaction<T>(fn: (tx: ImportTx) => Promise<T>): Promise<T> {
		const tx: ImportTx = {
			upsertOrDefer: (p, hash, now, onIdHeld) => this.upsertOrDefer(p, hash, now, onIdHeld),
			upsertPatient: (p, hash, now, options) => this.upsertPatient(p, hash, now, options),
			duplicateValidIds: (ids) => this.duplicateValidIds(ids),
			validIdHolder: (id, except) => this.validIdHolder(id, except),
			recordImport: (r) => this.recordImport(r),
			savepoint: async (name, inner) => {
				this.db.exec(`SAVEPOINT ${name}`);
				try {
					const result = await inner();
					this.db.exec(`RELEASE ${name}`);
					return result;
				} catch (error) {
					this.db.exec(`ROLLBACK TO ${name}`);
					this.db.exec(`RELEASE ${name}`);
					throw error;
				}
			},
		};
		return await this.transactionAsync(() => fn(tx));
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
		const st = this.db.prepare(`SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number IN (${placeholders}) AND id_valid = 1 ORDER BY id`);
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
		const { sql, args } = searchQuery(filter);
		return (this.db.prepare(sql).all(...args) as Row[]).map(toPatient);
	}


	/** The most recent import recorded in this registry, or null. */
	lastImport(kind = 'patients'): ImportRecord | null {
		return readLastImport(this.sql, kind);
	}

	/** Record what an import did (call inside the import's transaction, so it commits with the rows); returns its id. */
	recordImport(r: ImportRecord): number {
		return writeImportRecord(this.sql, r);
	}

	updateImportRecord(id: number, counts: Parameters<typeof updateImportCounts>[2]): void {
		updateImportCounts(this.sql, id, counts);
	}

	/**
	 * For the registry's own modules that work in bulk SQL (followUpImport.ts, indicatorFacts.ts):
	 * prepared statements (objects or arrays per row) and plain SQL, on this store's connection.
	 * Not a public API: the tables may change with any schema version.
	 */
	get internals(): { get(sql: string): StatementSync; arrays(sql: string): StatementSync; exec(sql: string): void } {
		return { get: (q) => this.stmt(q), arrays: (q) => this.arrayStmt(q), exec: (q) => this.db.exec(q) };
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
			p.registeredOn ?? null, p.lastHealthCheck ?? null, JSON.stringify(p.extra ?? {}), rowHash,
		];
		if (existing) {
			const id = Number(existing.id);
			this.stmt(
				`UPDATE patients SET name = ?, name_key = ?, sex = ?, id_number = ?, id_valid = ?, birth_date = ?, address = ?, township = ?,
				diagnosis = ?, status = ?, risk_level = ?, classification = ?, last_follow_up_date = ?, next_follow_up_date = ?,
				medication = ?, guardian = ?, guardian_phone = ?, registered_on = ?, last_health_check = ?, extra = ?, row_hash = ?,
				updated_at = ? WHERE id = ?`,
			).run(...(values as Array<string | number | null>), now, id);
			// A follow-up on or after the export's 末次随访日期 is newer than the export's summary: it decides the current state.
			this.stmt(`${REFRESH_PATIENT} WHERE id = ? AND EXISTS (SELECT 1 FROM follow_ups WHERE patient_id = ? AND follow_up_date >= ?)`).run(
				now, id, id, p.lastFollowUpDate ?? '',
			);
			return { outcome: 'updated', rowId: id, patientNo: existing.patient_no as string };
		}
		const id = Number(
			this.stmt(
				`INSERT INTO patients (name, name_key, sex, id_number, id_valid, birth_date, address, township, diagnosis, status, risk_level,
				classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, registered_on,
				last_health_check, extra, row_hash, created_at, updated_at, patient_no)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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


	/**
	 * Store a follow-up and bring the patient's current risk, classification and follow-up dates up
	 * to date. Idempotent per (patient, date): recording the same day again replaces that record.
	 */
	recordFollowUp(f: FollowUpInput, now = new Date().toISOString()): { outcome: 'inserted' | 'replaced'; followUpId: number } {
		return this.transaction(() => recordFollowUp(this.sql, f, now));
	}

	followUpsOf(patientRowId: number): StoredFollowUp[] {
		return followUpsOf(this.sql, patientRowId);
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
				queueAuditEntry(this.auditQueuePath, { ...entry, patientRowIds: unique }, at);
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

	/**
	 * Write queued audit entries into the audit trail, if the write lock is free now (it never waits).
	 * See auditQueue.ts for how a queue file is claimed. Returns the entries written.
	 */
	drainAuditQueue(): number {
		if (this.path === ':memory:' || this.depth > 0 || this.db.isTransaction) return 0;
		let written = 0;
		const claims = claimQueuedAudits(this.auditQueuePath);
		for (const [index, claim] of claims.entries()) {
			this.db.exec('PRAGMA busy_timeout = 0');
			try {
				this.transaction(() => {
					for (const e of claim.entries) this.writeAudit(e, [...new Set(e.patientRowIds)], e.at);
				});
				written += claim.entries.length;
				releaseClaim(claim);
			} catch {
				// Still locked (or failing): give the entries back to the queue for the next writer. A
				// drain never fails the caller: its own work is done, and the entries stay queued.
				for (const left of claims.slice(index)) returnClaim(left, this.auditQueuePath);
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
