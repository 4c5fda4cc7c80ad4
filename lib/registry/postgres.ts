/**
 * The registry on PostgreSQL (through `pg`), for n8n in queue mode with workers on several hosts.
 * Same interface and rules as the embedded file (backend.ts, docs/rules.md §14):
 *
 * - Its own schema (default `smd`) with versioned migrations, applied under an advisory lock so two
 *   workers opening at once migrate once. A newer schema, or a schema holding other tables, is
 *   refused before anything is written.
 * - Writers to the patient table (an import, an upsert, a pulled page) take one advisory lock for
 *   their transaction, as SQLite's BEGIN IMMEDIATE takes the file's write lock: imports never
 *   interleave, and readers (a triage) are never blocked.
 * - An import is one transaction: a connection lost midway (the server restarted) rolls it back on
 *   the server, and running it again completes it.
 *
 * Connection details come from n8n's own Postgres credential; no message carries a password.
 */
import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import type { AuditEntry, FollowUpInput, ImportRecord, Patient, PatientInput, SearchFilter } from '../model';
import type { ListRecord, MatchSource } from '../matching';
import type { AuditRecord, ImportTx, Registry, SyncCursor, SyncPageResult, UpsertResult } from './backend';
import { RegistryError } from './errors';
import { FOLLOW_UPS_OF, storedFollowUpOf, type StoredFollowUp } from './followUps';
import { prefetchMatchSource, type BatchLookups } from './matchCache';
import { withNextFollowUp } from './patients';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pgSchema';
import { importRecordOf } from './imports';
import { MATCH_COLUMNS, matchPatient, PATIENT_COLUMNS, searchQuery, toPatient, type Row } from './schema';
import { writeSyncPage, type SyncEntry } from './sync';

export { PG_SCHEMA_VERSION } from './pgSchema';

export interface PostgresConfig {
	host: string;
	port?: number;
	database: string;
	user: string;
	password?: string;
	/** TLS: false (default), true, or pg's options (e.g. `{ rejectUnauthorized: false }`). */
	ssl?: PoolConfig['ssl'];
	/** The PostgreSQL schema holding the registry's tables; default `smd`. */
	schema?: string;
	/** Connections this process keeps at most; default 4. */
	maxConnections?: number;
	/** Milliseconds to wait for a connection; default 10000. */
	connectTimeoutMs?: number;
}

type Client = Pick<PoolClient, 'query'>;

/**
 * Whether the connection itself was lost: the server ended the session (a restart or stop: 57P01,
 * 57P02, 08xxx), the socket closed (ECONNRESET, EPIPE), or `pg` refuses a client it saw fail
 * ("Connection terminated unexpectedly", "... is not queryable").
 */
function connectionLost(error: unknown): boolean {
	const e = error as { code?: string; message?: string } | null;
	const code = e?.code ?? '';
	return (
		code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08') || code === 'ECONNRESET' || code === 'EPIPE' ||
		/Connection terminated|terminating connection|not queryable|ECONNRESET|EPIPE|socket hang up/i.test(e?.message ?? '')
	);
}

/** What an SQL error code means for the user (the rest are reported by code). */
function explainPgError(error: unknown, where: string): unknown {
	if (error instanceof RegistryError) return error;
	const e = error as { code?: string; message?: string } | null;
	const code = e?.code ?? '';
	const message = e?.message ?? '';
	if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || /timeout expired|connection timeout/i.test(message)) {
		return new RegistryError('open', `Cannot reach the PostgreSQL registry at ${where} (${code || 'timeout'}); check the Postgres credential's host and port and that the server runs / 无法连接 PostgreSQL 登记库，请检查凭据中的主机、端口及数据库服务`);
	}
	if (code === '28P01' || code === '28000') {
		return new RegistryError('open', `PostgreSQL refused the credential's user or password for ${where}; check the Postgres credential / PostgreSQL 拒绝了凭据中的用户名或密码`);
	}
	if (code === '3D000') return new RegistryError('open', `The database of ${where} does not exist; create it or correct the Postgres credential / 数据库不存在`);
	if (code === '42501') return new RegistryError('read_only', `The Postgres credential's user may not create or write the registry tables at ${where}; grant it rights on the schema / 该用户无权在此模式中建表或写入`);
	if (connectionLost(error)) {
		return new RegistryError('unavailable', `The PostgreSQL registry at ${where} closed the connection (server restarted or stopped); this transaction was rolled back and nothing of it was written — run it again / PostgreSQL 连接中断，本次事务已回滚、未写入任何数据，请重新运行`);
	}
	if (code === '40001' || code === '40P01') return new RegistryError('locked', `The PostgreSQL registry at ${where} aborted a transaction that met another writer (${code}); nothing of it was written — run it again / 与其他写入冲突，未写入，请重试`);
	if (code === '53100') return new RegistryError('disk_full', `The PostgreSQL server of ${where} is out of disk space / PostgreSQL 服务器磁盘已满`);
	if (/^[0-9A-Z]{5}$/.test(code)) return new RegistryError('postgres', `The PostgreSQL registry at ${where} reported error ${code}; nothing of this transaction was written / PostgreSQL 返回错误 ${code}，本次事务未写入`);
	return error;
}

/** `?` placeholders (the SQLite statements' style) as PostgreSQL's `$n`. */
function dollars(sql: string): string {
	let n = 0;
	return sql.replace(/\?/g, () => `$${++n}`);
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** A patient row as a writer knows it: its keys and fingerprint, with the transaction's own pending writes. */
interface Known {
	id: number;
	patientNo: string;
	rowHash: string;
	idNumber: string | null;
	idValid: boolean;
}

const byId = (a: Known, b: Known) => a.id - b.id;

/**
 * Every patient row holding one of some 患者编号 and ID numbers, read at once and kept up to date
 * with the transaction's own writes: for those keys it answers what the per-row queries would.
 */
class KeyCache {
	readonly byNo = new Map<string, Known>();
	private readonly byIdNumber = new Map<string, Known[]>();

	constructor(
		private readonly nos: Set<string>,
		private readonly idNumbers: Set<string>,
	) {}

	covers(p: PatientInput): boolean {
		return (!p.patientNo || this.nos.has(p.patientNo)) && (!p.idNumber || this.idNumbers.has(p.idNumber));
	}

	/** Rows holding this ID number (valid or as recorded), in row-id order. */
	holding(idNumber: string): Known[] {
		return (this.byIdNumber.get(idNumber) ?? []).slice().sort(byId);
	}

	add(k: Known): void {
		this.byNo.set(k.patientNo, k);
		if (k.idNumber !== null) this.index(k);
	}

	setIdNumber(k: Known, idNumber: string | null, idValid: boolean): void {
		if (k.idNumber !== null) {
			const list = this.byIdNumber.get(k.idNumber)?.filter((x) => x !== k) ?? [];
			if (list.length > 0) this.byIdNumber.set(k.idNumber, list);
			else this.byIdNumber.delete(k.idNumber);
		}
		k.idNumber = idNumber;
		k.idValid = idValid;
		if (idNumber !== null) this.index(k);
	}

	private index(k: Known): void {
		const list = this.byIdNumber.get(k.idNumber as string);
		if (list) list.push(k);
		else this.byIdNumber.set(k.idNumber as string, [k]);
	}
}

/** The columns an upsert writes, in the order of its values, with their PostgreSQL array types. */
const VALUE_COLUMNS: Array<[string, 'text' | 'int']> = [
	['name', 'text'], ['name_key', 'text'], ['sex', 'text'], ['id_number', 'text'], ['id_valid', 'int'], ['birth_date', 'text'],
	['address', 'text'], ['township', 'text'], ['diagnosis', 'text'], ['status', 'text'], ['risk_level', 'int'], ['classification', 'text'],
	['last_follow_up_date', 'text'], ['next_follow_up_date', 'text'], ['medication', 'text'], ['guardian', 'text'], ['guardian_phone', 'text'],
	['registered_on', 'text'], ['last_health_check', 'text'], ['extra', 'text'], ['row_hash', 'text'],
];

function unnestOf(columns: Array<[string, 'text' | 'int']>): string {
	return `unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
}

const INSERT_COLUMNS: Array<[string, 'text' | 'int']> = [['id', 'int'], ['patient_no', 'text'], ...VALUE_COLUMNS, ['created_at', 'text'], ['updated_at', 'text']];
const INSERT_MANY = `INSERT INTO patients (${INSERT_COLUMNS.map(([c]) => c).join(', ')}) SELECT * FROM ${unnestOf(INSERT_COLUMNS)}`;

const FROM_FOLLOW_UP = new Set(['risk_level', 'classification', 'last_follow_up_date', 'next_follow_up_date', 'medication']);
const UPDATE_COLUMNS: Array<[string, 'text' | 'int']> = [['id', 'int'], ...VALUE_COLUMNS, ['updated_at', 'text']];
/**
 * A follow-up on or after the export's 末次随访日期 is newer than the export's summary: the latest
 * follow-up decides the current state (store.ts does the same with REFRESH_PATIENT).
 */
const UPDATE_MANY = `UPDATE patients p SET
	${UPDATE_COLUMNS.filter(([c]) => c !== 'id' && !FROM_FOLLOW_UP.has(c)).map(([c]) => `${c} = v.${c}`).join(', ')},
	risk_level = CASE WHEN f.id IS NULL THEN v.risk_level ELSE f.risk_level END,
	classification = CASE WHEN f.id IS NULL THEN v.classification ELSE COALESCE(f.recorded_classification, f.classification) END,
	last_follow_up_date = CASE WHEN f.id IS NULL THEN v.last_follow_up_date ELSE f.follow_up_date END,
	next_follow_up_date = CASE WHEN f.id IS NULL THEN v.next_follow_up_date ELSE f.next_follow_up_date END,
	medication = CASE WHEN f.id IS NULL THEN v.medication ELSE COALESCE(f.medication, v.medication) END
FROM ${unnestOf(UPDATE_COLUMNS)} AS v (${UPDATE_COLUMNS.map(([c]) => c).join(', ')})
LEFT JOIN LATERAL (
	SELECT id, risk_level, classification, recorded_classification, follow_up_date, next_follow_up_date, medication
	FROM follow_ups WHERE patient_id = v.id ORDER BY follow_up_date DESC LIMIT 1
) f ON f.follow_up_date >= COALESCE(v.last_follow_up_date, '')
WHERE p.id = v.id`;

/** Rows waiting to be written at most, before they are written without waiting for a reason. */
const MAX_PENDING = 5000;

/** Columns of row arrays: the parameters of an unnest statement. */
function transpose(rows: unknown[][], width: number): unknown[][] {
	const out = Array.from({ length: width }, () => new Array<unknown>(rows.length));
	for (let r = 0; r < rows.length; r++) for (let c = 0; c < width; c++) out[c][r] = rows[r][c];
	return out;
}

/**
 * The write operations of one transaction's connection (the import's ImportTx, a pulled page, one
 * upsert). A round trip per row made an import of a million rows take many minutes, so it reads
 * ahead and writes in batches: `prefetch` reads every row a chunk's patients may touch in one query
 * (an unchanged row then costs no round trip), inserts and updates wait and are written as
 * multi-row statements, and new rows take ids drawn beforehand from the identity sequence, so an
 * upsert still returns the row id (and the AUTO- number) at once. Whatever must see the writes
 * (the ID-number checks, a savepoint, the import record, the commit) writes them first. A patient
 * outside what was read is read on its own, as before.
 */
class PgWriter implements ImportTx {
	private cache: KeyCache | null = null;
	private readonly inserts = new Map<number, unknown[]>();
	private readonly updates = new Map<number, unknown[]>();
	/** Row ids drawn from the sequence and not used yet, ascending. */
	private ids: number[] = [];
	/** Ids drawn while a savepoint is open: a rollback to it frees them again. */
	private drawnInSavepoint: number[] | null = null;
	/** The batch being written in the background, if any (flushInBackground). */
	private underWay: Promise<void> | null = null;
	/** Upserts still to come for the patients of the last prefetch: at 0 their batch is written. */
	private leftInChunk = 0;

	constructor(private readonly c: Client) {}

	private async q(name: string | null, text: string, values: unknown[]): Promise<Row[]> {
		return (await this.c.query(name ? { name, text, values } : { text, values })).rows as Row[];
	}

	async prefetch(patients: PatientInput[]): Promise<void> {
		await this.flush();
		const nos = new Set<string>();
		const idNumbers = new Set<string>();
		for (const p of patients) {
			if (p.patientNo) nos.add(p.patientNo);
			if (p.idNumber) idNumbers.add(p.idNumber);
		}
		const cache = new KeyCache(nos, idNumbers);
		const rows = await this.q(
			'smd_prefetch',
			'SELECT id, patient_no, row_hash, id_number, id_valid FROM patients WHERE patient_no = ANY($1::text[]) OR id_number = ANY($2::text[])',
			[[...nos], [...idNumbers]],
		);
		for (const r of rows) {
			cache.add({ id: Number(r.id), patientNo: r.patient_no as string, rowHash: r.row_hash as string, idNumber: (r.id_number as string | null) ?? null, idValid: Number(r.id_valid) === 1 });
		}
		this.cache = cache;
		this.leftInChunk = patients.length;
		// Ids for the rows that may be new (none when an unchanged file is imported again).
		let maybeNew = 0;
		for (const p of patients) {
			const valid = p.idValid !== false;
			if (p.patientNo ? !cache.byNo.has(p.patientNo) : !!p.idNumber && !cache.holding(p.idNumber).some((k) => k.idValid === valid)) maybeNew++;
		}
		if (maybeNew > this.ids.length) await this.draw(maybeNew - this.ids.length);
	}

	private async draw(n: number): Promise<void> {
		const rows = await this.q('smd_draw_ids', "SELECT nextval(pg_get_serial_sequence('patients', 'id'))::int AS id FROM generate_series(1, $1::int)", [n]);
		const drawn = rows.map((r) => Number(r.id));
		this.drawnInSavepoint?.push(...drawn);
		this.ids = [...this.ids, ...drawn].sort((a, b) => a - b);
	}

	async upsertOrDefer(input: PatientInput, rowHash: string, now: string, onIdHeld: 'write' | 'throw' | 'defer'): Promise<UpsertResult | null> {
		try {
			return await this.upsert(input, rowHash, now, onIdHeld);
		} finally {
			// The chunk's last patient: write its batch while the caller reads on.
			if (this.leftInChunk > 0 && --this.leftInChunk === 0 && this.inserts.size + this.updates.size > 0) this.flushInBackground();
		}
	}

	private async upsert(input: PatientInput, rowHash: string, now: string, onIdHeld: 'write' | 'throw' | 'defer'): Promise<UpsertResult | null> {
		const p = withNextFollowUp(input);
		if (!p.patientNo && !p.idNumber) throw new RegistryError('key_required', 'a patient needs 患者编号 or 身份证号');
		if (!this.cache?.covers(p)) await this.prefetch([p]);
		const cache = this.cache as KeyCache;
		const idValid = p.idNumber ? p.idValid !== false : true;
		let existing: Known | undefined;
		if (p.patientNo) {
			existing = cache.byNo.get(p.patientNo);
		} else {
			const found = cache.holding(p.idNumber as string).filter((k) => k.idValid === idValid);
			if (found.length > 1) throw new RegistryError('conflict', 'several patients hold this ID number as recorded; give the row its 患者编号 (patientNo)');
			existing = found[0];
		}
		if (existing && existing.rowHash === rowHash) return { outcome: 'unchanged', rowId: existing.id, patientNo: existing.patientNo };
		if (p.idNumber && idValid && onIdHeld !== 'write') {
			const except = existing?.patientNo ?? p.patientNo;
			const holder = cache.holding(p.idNumber).find((k) => k.idValid && k.patientNo !== except);
			if (holder) {
				if (onIdHeld === 'defer') return null;
				throw new RegistryError('conflict', `身份证号 is already registered under 患者编号 ${holder.patientNo}`);
			}
		}
		const values = [
			p.name, p.nameKey, p.sex, p.idNumber, idValid ? 1 : 0, p.birthDate, p.address, p.township, p.diagnosis, p.status, p.riskLevel,
			p.classification, p.lastFollowUpDate, p.nextFollowUpDate, p.medication, p.guardian, p.guardianPhone,
			p.registeredOn ?? null, p.lastHealthCheck ?? null, JSON.stringify(p.extra ?? {}), rowHash,
		];
		let result: UpsertResult;
		if (existing) {
			const pendingInsert = this.inserts.get(existing.id);
			// A row inserted earlier in this transaction and not written yet is inserted with its latest values.
			if (pendingInsert) this.inserts.set(existing.id, [existing.id, existing.patientNo, ...values, pendingInsert[INSERT_COLUMNS.length - 2], now]);
			else this.updates.set(existing.id, [existing.id, ...values, now]);
			existing.rowHash = rowHash;
			cache.setIdNumber(existing, p.idNumber, idValid);
			result = { outcome: 'updated', rowId: existing.id, patientNo: existing.patientNo };
		} else {
			if (this.ids.length === 0) await this.draw(1);
			const id = this.ids.shift() as number;
			// Patients that arrive without 患者编号 are numbered AUTO- + row id (never derived from the ID number).
			const patientNo = p.patientNo ?? `AUTO-${String(id).padStart(6, '0')}`;
			this.inserts.set(id, [id, patientNo, ...values, now, now]);
			cache.add({ id, patientNo, rowHash, idNumber: p.idNumber, idValid });
			result = { outcome: 'inserted', rowId: id, patientNo };
		}
		if (this.inserts.size + this.updates.size >= MAX_PENDING) await this.flush();
		return result;
	}

	async upsertPatient(input: PatientInput, rowHash: string, now: string, options: { allowIdConflict?: boolean } = {}): Promise<UpsertResult> {
		const r = await this.upsertOrDefer(input, rowHash, now, options.allowIdConflict ? 'write' : 'throw');
		if (r === null) throw new RegistryError('conflict', 'unreachable: nothing deferred when conflicts throw');
		return r;
	}

	/** Write what waits (after the writes already under way), as two statements at most. */
	async flush(): Promise<void> {
		const underWay = this.underWay;
		this.underWay = null;
		await underWay;
		await this.send(this.takeBatch());
	}

	/**
	 * Start writing what waits and go on without waiting: the import parses its next chunk while the
	 * server writes this one. Statements on one connection run in the order they were sent, so what
	 * is sent later sees these writes; a failure surfaces at the next flush.
	 */
	private flushInBackground(): void {
		const previous = this.underWay;
		const batch = this.takeBatch();
		const started = (async () => {
			await previous;
			await this.send(batch);
		})();
		started.catch(() => undefined); // awaited, and so thrown, by the next flush
		this.underWay = started;
	}

	private takeBatch(): { inserts: unknown[][]; updates: unknown[][] } {
		const batch = { inserts: [...this.inserts.values()], updates: [...this.updates.values()] };
		this.inserts.clear();
		this.updates.clear();
		return batch;
	}

	private async send(batch: { inserts: unknown[][]; updates: unknown[][] }): Promise<void> {
		if (batch.inserts.length > 0) await this.q('smd_insert_many', INSERT_MANY, transpose(batch.inserts, INSERT_COLUMNS.length));
		if (batch.updates.length > 0) await this.q('smd_update_many', UPDATE_MANY, transpose(batch.updates, UPDATE_COLUMNS.length));
	}

	/** Before the commit: write what waits, and give back the ids drawn and not used, so row ids stay dense. */
	async finish(): Promise<void> {
		await this.flush();
		const ids = this.ids;
		if (ids.length === 0 || ids[ids.length - 1] - ids[0] !== ids.length - 1) return;
		// Only when no one drew from the sequence since (writers hold the writer lock).
		await this.q(
			'smd_give_back_ids',
			"SELECT setval(s, $1::bigint, false) FROM (SELECT pg_get_serial_sequence('patients', 'id')::regclass AS s) q WHERE pg_sequence_last_value(s) = $2::bigint",
			[ids[0], ids[ids.length - 1]],
		);
		this.ids = [];
	}

	async savepoint<T>(name: string, inner: () => Promise<T>): Promise<T> {
		await this.flush();
		this.cache = null;
		const idsBefore = [...this.ids];
		this.drawnInSavepoint = [];
		await this.c.query(`SAVEPOINT ${name}`);
		try {
			const result = await inner();
			await this.flush();
			await this.c.query(`RELEASE SAVEPOINT ${name}`);
			return result;
		} catch (error) {
			// What was read or drawn since the savepoint no longer holds: the rows it wrote are gone.
			const underWay = this.underWay;
			this.underWay = null;
			await underWay?.catch(() => undefined);
			this.inserts.clear();
			this.updates.clear();
			this.cache = null;
			this.leftInChunk = 0;
			this.ids = [...new Set([...idsBefore, ...this.drawnInSavepoint])].sort((a, b) => a - b);
			await this.c.query(`ROLLBACK TO SAVEPOINT ${name}`);
			await this.c.query(`RELEASE SAVEPOINT ${name}`);
			throw error;
		} finally {
			this.drawnInSavepoint = null;
		}
	}

	async validIdHolder(idNumber: string, exceptPatientNo: string | null): Promise<string | null> {
		await this.flush();
		const r = await this.q('smd_holder', 'SELECT patient_no FROM patients WHERE id_number = $1 AND id_valid = 1 AND patient_no IS DISTINCT FROM $2 ORDER BY id LIMIT 1', [idNumber, exceptPatientNo]);
		return (r[0]?.patient_no as string | undefined) ?? null;
	}

	async duplicateValidIds(ids: string[]): Promise<Map<string, string[]>> {
		await this.flush();
		const rows = await this.q(
			null,
			`SELECT id_number, array_agg(patient_no ORDER BY id) AS holders FROM patients
			WHERE id_valid = 1 AND id_number = ANY($1::text[]) GROUP BY id_number HAVING COUNT(*) > 1`,
			[[...new Set(ids)]],
		);
		return new Map(rows.map((r) => [r.id_number as string, r.holders as string[]]));
	}

	async recordImport(r: ImportRecord): Promise<number> {
		await this.flush();
		const rows = await this.q(
			null,
			'INSERT INTO imports (at, kind, rows, inserted, updated, unchanged, rejected, invalid_ids, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id',
			[r.at, r.kind, r.rows, r.inserted, r.updated, r.unchanged, r.rejected, r.invalidIds, r.detail ? JSON.stringify(r.detail) : null],
		);
		return Number(rows[0].id);
	}

	async writeCursor(source: string, cursor: string | null, pulled: number, now: string): Promise<void> {
		await this.flush();
		await this.q(
			null,
			`INSERT INTO sync_cursors (source, cursor, pulled, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, pulled = sync_cursors.pulled + excluded.pulled, updated_at = excluded.updated_at`,
			[source, cursor, pulled, now],
		);
	}
}

export class PostgresRegistry implements Registry {
	readonly backend = 'postgres' as const;
	readonly location: string;
	private readonly writerLock: string;
	private closed = false;

	private constructor(
		private readonly pool: Pool,
		readonly schema: string,
		config: PostgresConfig,
	) {
		this.location = `postgres://${config.user}@${config.host}:${config.port ?? 5432}/${config.database}#${schema}`;
		this.writerLock = `hashtext('n8n-nodes-smd:writer:${schema}')`;
	}

	/** Connect, check the schema is an SMD registry (or empty), bring it up to date. */
	static async open(config: PostgresConfig): Promise<PostgresRegistry> {
		const schema = config.schema?.trim() || 'smd';
		if (!IDENT.test(schema)) throw new RegistryError('open', `The registry schema name must be lower-case letters, digits and _ (got a name of ${schema.length} characters)`);
		const pool = new Pool({
			host: config.host,
			port: config.port ?? 5432,
			database: config.database,
			user: config.user,
			password: config.password,
			ssl: config.ssl,
			max: config.maxConnections ?? 4,
			connectionTimeoutMillis: config.connectTimeoutMs ?? 10_000,
			options: `-c search_path=${schema}`,
			application_name: 'n8n-nodes-smd',
		});
		// An idle connection the server drops (a restart) must not crash the process.
		pool.on('error', () => undefined);
		const registry = new PostgresRegistry(pool, schema, config);
		try {
			await registry.migrate();
		} catch (error) {
			await pool.end().catch(() => undefined);
			throw explainPgError(error, registry.location);
		}
		return registry;
	}

	private async migrate(): Promise<void> {
		await this.withTransaction(async (c) => {
			await c.query(`SELECT pg_advisory_xact_lock(hashtext('n8n-nodes-smd:migrate:${this.schema}'))`);
			const tables = (await c.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [this.schema])).rows.map((r) => r.table_name as string);
			if (tables.length > 0 && !tables.includes('schema_migrations')) {
				throw new RegistryError('not_registry', `The PostgreSQL schema ${this.schema} of ${this.location} holds other tables and no SMD registry; it was left unchanged — choose another Registry Schema`);
			}
			if (tables.includes('schema_migrations')) {
				const columns = (await c.query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [this.schema, 'schema_migrations'])).rows.map((r) => r.column_name as string);
				if (!['version', 'description', 'applied_at'].every((col) => columns.includes(col))) {
					throw new RegistryError('not_registry', `The PostgreSQL schema ${this.schema} of ${this.location} has a schema_migrations table that is not an SMD registry's; it was left unchanged`);
				}
			} else {
				await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
				await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
			}
			const current = Number((await c.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0].v);
			if (current > PG_SCHEMA_VERSION) {
				throw new RegistryError('schema', `${this.location} has schema version ${current}, newer than this n8n-nodes-smd understands (${PG_SCHEMA_VERSION}); upgrade the package`);
			}
			for (const m of PG_MIGRATIONS.filter((x) => x.version > current)) {
				await c.query(m.sql);
				await c.query('INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)', [m.version, m.description, new Date().toISOString()]);
			}
		});
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end();
	}

	/**
	 * One transaction on one connection; rolled back when `fn` throws or the connection is lost. A
	 * pooled connection the server dropped while it was idle (a restart) fails at BEGIN, before
	 * anything ran: the transaction then starts once more on a new connection.
	 */
	private async withTransaction<T>(fn: (c: PoolClient) => Promise<T>, options: { writer?: boolean; readOnly?: boolean } = {}): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			let client: PoolClient;
			try {
				client = await this.pool.connect();
			} catch (error) {
				throw explainPgError(error, this.location);
			}
			let broken: Error | undefined;
			const lost = (e: Error) => (broken = e);
			client.on('error', lost);
			let begun = false;
			try {
				await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
				begun = true;
				if (options.writer) await client.query(`SELECT pg_advisory_xact_lock(${this.writerLock})`);
				const result = await fn(client);
				await client.query('COMMIT');
				return result;
			} catch (error) {
				// A lost connection goes back to the pool as broken, so the pool closes it.
				if (connectionLost(error)) broken ??= error as Error;
				if (!begun && attempt === 1 && broken) continue;
				await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
				throw explainPgError(error, this.location);
			} finally {
				client.off('error', lost);
				client.release(broken);
			}
		}
	}

	/** A query on any pooled connection, errors explained. */
	private async query<R extends QueryResultRow = Row>(sql: string, values: unknown[] = []): Promise<R[]> {
		try {
			return (await this.pool.query<R>(sql, values)).rows;
		} catch (error) {
			throw explainPgError(error, this.location);
		}
	}

	async schemaVersion(): Promise<number> {
		return Number((await this.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations'))[0].v);
	}

	async countPatients(): Promise<number> {
		return Number((await this.query('SELECT COUNT(*) AS n FROM patients'))[0].n);
	}

	async getById(id: number): Promise<Patient | undefined> {
		const r = (await this.query(`SELECT ${PATIENT_COLUMNS} FROM patients WHERE id = $1`, [id]))[0];
		return r && toPatient(r);
	}

	async getByPatientNo(patientNo: string): Promise<Patient | undefined> {
		const r = (await this.query(`SELECT ${PATIENT_COLUMNS} FROM patients WHERE patient_no = $1`, [patientNo]))[0];
		return r && toPatient(r);
	}

	async getByIdNumber(idNumber: string): Promise<Patient | undefined> {
		return (await this.arrays(this.pool, `SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number = $1 AND id_valid = 1 ORDER BY id LIMIT 1`, [idNumber]))[0];
	}

	private async arrays(c: Client, sql: string, values: unknown[]): Promise<Patient[]> {
		try {
			return (await c.query({ text: sql, values, rowMode: 'array' })).rows.map((a) => matchPatient(a as unknown[]));
		} catch (error) {
			throw explainPgError(error, this.location);
		}
	}

	async search(filter: SearchFilter = {}): Promise<Patient[]> {
		const { sql, args } = searchQuery(filter, ' COLLATE "C"');
		return (await this.query(dollars(sql), args)).map(toPatient);
	}

	async lastImport(kind = 'patients'): Promise<ImportRecord | null> {
		const r = (await this.query('SELECT * FROM imports WHERE kind = $1 ORDER BY id DESC LIMIT 1', [kind]))[0];
		return r ? importRecordOf(r) : null;
	}

	/** `fn` with a writer on one transaction's connection; what it leaves waiting is written before the commit. */
	private write<T>(fn: (w: PgWriter) => Promise<T>): Promise<T> {
		return this.withTransaction(
			async (c) => {
				const w = new PgWriter(c);
				const result = await fn(w);
				await w.finish();
				return result;
			},
			{ writer: true },
		);
	}

	importTransaction<T>(fn: (tx: ImportTx) => Promise<T>): Promise<T> {
		return this.write(fn);
	}

	async upsertPatient(input: PatientInput, rowHash: string, now = new Date().toISOString(), options?: { allowIdConflict?: boolean }): Promise<UpsertResult> {
		return await this.write((w) => w.upsertPatient(input, rowHash, now, options));
	}

	async recordFollowUp(f: FollowUpInput, now = new Date().toISOString()): Promise<{ outcome: 'inserted' | 'replaced'; followUpId: number }> {
		return await this.withTransaction(
			async (c) => {
				const prior = (await c.query('SELECT id FROM follow_ups WHERE patient_id = $1 AND follow_up_date = $2', [f.patientRowId, f.date])).rows[0];
				const hospitalised = f.hospitalised === undefined || f.hospitalised === null ? null : f.hospitalised ? 1 : 0;
				const args = [
					f.form, f.riskLevel, f.classification, f.medication, f.nextFollowUpDate, JSON.stringify(f.actions), JSON.stringify(f.reasons),
					JSON.stringify(f.observation ?? null), hospitalised, f.recordedClassification ?? null, f.visitors ? JSON.stringify(f.visitors) : null, now,
				];
				let followUpId: number;
				if (prior) {
					followUpId = Number(prior.id);
					await c.query(
						`UPDATE follow_ups SET form = $1, risk_level = $2, classification = $3, medication = $4, next_follow_up_date = $5, actions = $6,
						reasons = $7, observation = $8, hospitalised = $9, recorded_classification = $10, visitors = COALESCE($11, visitors), created_at = $12,
						row_hash = NULL, import_id = NULL, import_row = NULL WHERE id = $13`,
						[...args, followUpId],
					);
				} else {
					followUpId = Number(
						(
							await c.query(
								`INSERT INTO follow_ups (form, risk_level, classification, medication, next_follow_up_date, actions, reasons, observation,
								hospitalised, recorded_classification, visitors, created_at, patient_id, follow_up_date)
								VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
								[...args, f.patientRowId, f.date],
							)
						).rows[0].id,
					);
				}
				await c.query(
					`UPDATE patients SET (last_follow_up_date, risk_level, classification, medication, next_follow_up_date) = (
						SELECT f.follow_up_date, f.risk_level, COALESCE(f.recorded_classification, f.classification), COALESCE(f.medication, patients.medication),
							f.next_follow_up_date FROM follow_ups f WHERE f.patient_id = patients.id ORDER BY f.follow_up_date DESC LIMIT 1),
					updated_at = $1 WHERE id = $2`,
					[now, f.patientRowId],
				);
				return { outcome: prior ? 'replaced' : 'inserted', followUpId };
			},
			{ writer: true },
		);
	}

	async followUpsOf(patientRowId: number): Promise<StoredFollowUp[]> {
		return (await this.query(dollars(FOLLOW_UPS_OF), [patientRowId])).map(storedFollowUpOf);
	}

	/** Audit entries need no writer lock: they never wait for an import. */
	async audit(entry: AuditEntry, at = new Date().toISOString()): Promise<number | null> {
		const unique = [...new Set(entry.patientRowIds)];
		return await this.withTransaction(async (c) => {
			const id = Number(
				(
					await c.query(
						'INSERT INTO audit_log (at, workflow_id, execution_id, node, operation, patient_count, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
						[at, entry.workflowId ?? null, entry.executionId ?? null, entry.node ?? null, entry.operation, unique.length, entry.detail ? JSON.stringify(entry.detail) : null],
					)
				).rows[0].id,
			);
			if (unique.length > 0) await c.query('INSERT INTO audit_patients (audit_id, patient_id) SELECT $1, unnest($2::int[])', [id, unique]);
			return id;
		});
	}

	async auditTrail(limit = 100): Promise<AuditRecord[]> {
		const rows = await this.query(
			`SELECT l.*, COALESCE((SELECT array_agg(patient_id ORDER BY patient_id) FROM audit_patients WHERE audit_id = l.id), '{}') AS patients
			FROM audit_log l ORDER BY id DESC LIMIT $1`,
			[limit],
		);
		return rows.map((r) => ({
			id: Number(r.id),
			at: r.at as string,
			workflowId: (r.workflow_id as string) ?? null,
			executionId: (r.execution_id as string) ?? null,
			node: (r.node as string) ?? null,
			operation: r.operation as string,
			patientRowIds: (r.patients as number[]).map(Number),
			detail: r.detail ? JSON.parse(r.detail as string) : null,
		}));
	}

	/** Every look-up of the list read ahead in one snapshot, a few batched queries per round (matchCache.ts). */
	async matchSourceFor(records: ListRecord[], today?: string): Promise<MatchSource> {
		return await this.withTransaction(
			async (c) => {
				const lookups: BatchLookups = {
					byValidIds: (ids) => this.arrays(c, `SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number = ANY($1::text[]) AND id_valid = 1 ORDER BY id`, [ids]),
					byRecordedIds: (texts) => this.arrays(c, `SELECT ${MATCH_COLUMNS} FROM patients WHERE id_number = ANY($1::text[]) AND id_valid = 0 ORDER BY id`, [texts]),
					byNameKeyAndBirth: (pairs) =>
						this.arrays(
							c,
							`SELECT ${MATCH_COLUMNS} FROM patients WHERE (name_key, birth_date) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY id`,
							[pairs.map((p) => p[0]), pairs.map((p) => p[1])],
						),
					byNameKeys: (keys, limit, withoutValidId) =>
						this.arrays(
							c,
							`SELECT ${MATCH_COLUMNS} FROM (
								SELECT *, row_number() OVER (PARTITION BY name_key ORDER BY id) AS rn FROM patients
								WHERE name_key = ANY($1::text[]) ${withoutValidId ? 'AND (id_number IS NULL OR id_valid = 0)' : ''}
							) t WHERE rn <= $2 ORDER BY id`,
							[keys, limit],
						),
				};
				return await prefetchMatchSource(lookups, records, { today });
			},
			{ readOnly: true },
		);
	}

	/** The source from matchSourceFor already holds its snapshot: nothing to lock. */
	async read<T>(fn: () => T): Promise<T> {
		return fn();
	}

	async syncCursor(source: string): Promise<SyncCursor | null> {
		const r = (await this.query('SELECT source, cursor, pulled, updated_at FROM sync_cursors WHERE source = $1', [source]))[0];
		return r ? { source, cursor: (r.cursor as string) ?? null, pulled: Number(r.pulled), updatedAt: r.updated_at as string } : null;
	}

	async applySyncPage(source: string, entries: SyncEntry[], nextCursor: string | null, now = new Date().toISOString()): Promise<SyncPageResult> {
		return await this.write((w) => writeSyncPage(w, source, entries, nextCursor, now));
	}
}
