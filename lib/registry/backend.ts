/**
 * One registry interface, two backends: the embedded SQLite file (sqliteBackend.ts, the default)
 * and PostgreSQL (postgres.ts), for n8n in queue mode with workers on several hosts, which cannot
 * share one SQLite file. Both keep the same tables and rules: versioned migrations that refuse a
 * newer or foreign schema, all-or-nothing imports, the audit trail, the same matching results
 * (docs/rules.md §14).
 *
 * The interface is asynchronous because PostgreSQL is; the SQLite backend answers at once.
 */
import type { AuditEntry, FollowUpInput, ImportRecord, Patient, PatientInput, SearchFilter } from '../model';
import type { ListRecord, MatchSource } from '../matching';
import type { StoredFollowUp } from './followUps';
import type { UpsertOutcome } from './store';

export type BackendKind = 'sqlite' | 'postgres';

export type Awaitable<T> = T | Promise<T>;

export interface UpsertResult {
	outcome: UpsertOutcome;
	rowId: number;
	patientNo: string;
}

/** What the registry import needs inside its one transaction (import.ts). */
export interface ImportTx {
	upsertOrDefer(input: PatientInput, rowHash: string, now: string, onIdHeld: 'write' | 'throw' | 'defer'): Awaitable<UpsertResult | null>;
	upsertPatient(input: PatientInput, rowHash: string, now: string, options?: { allowIdConflict?: boolean }): Awaitable<UpsertResult>;
	/** `fn`'s writes are undone if it throws (the transaction goes on). */
	savepoint<T>(name: string, fn: () => Promise<T>): Promise<T>;
	duplicateValidIds(ids: string[]): Awaitable<Map<string, string[]>>;
	validIdHolder(idNumber: string, exceptPatientNo: string | null): Awaitable<string | null>;
	recordImport(r: ImportRecord): Awaitable<number>;
	/**
	 * Optional: read ahead what upserting these patients needs (a backend that waits per query,
	 * PostgreSQL, reads them in one query and writes in batches). The import calls it per chunk of
	 * rows, before upserting them; a backend without it is asked row by row.
	 */
	prefetch?(patients: PatientInput[]): Promise<void>;
}

/** Something an import can write to: one transaction, committed when `fn` resolves, rolled back if it throws. */
export interface ImportTarget {
	importTransaction<T>(fn: (tx: ImportTx) => Promise<T>): Promise<T>;
}

/** A page of patients from another system, written with where to resume (county sync, lib/countyApi). */
export interface SyncPageResult {
	inserted: number;
	updated: number;
	unchanged: number;
	/** Patients not written, by their index in the page, with the field and why (no values). */
	rejected: Array<{ index: number; patientNo: string | null; field: string; message: string }>;
	patientRowIds: number[];
}

export interface SyncCursor {
	source: string;
	cursor: string | null;
	pulled: number;
	updatedAt: string;
}

export interface AuditRecord {
	id: number;
	at: string;
	workflowId: string | null;
	executionId: string | null;
	node: string | null;
	operation: string;
	patientRowIds: number[];
	detail: unknown;
}

/** The registry as nodes and workflows use it, on either backend. */
export interface Registry extends ImportTarget {
	readonly backend: BackendKind;
	/** The file, or postgres://user@host:port/database#schema (never a password): for messages. */
	readonly location: string;
	close(): Promise<void>;
	schemaVersion(): Promise<number>;
	countPatients(): Promise<number>;
	getById(id: number): Promise<Patient | undefined>;
	getByPatientNo(patientNo: string): Promise<Patient | undefined>;
	getByIdNumber(idNumber: string): Promise<Patient | undefined>;
	search(filter?: SearchFilter): Promise<Patient[]>;
	lastImport(kind?: string): Promise<ImportRecord | null>;
	/** One patient, in its own transaction (see RegistryStore.upsertPatient). */
	upsertPatient(input: PatientInput, rowHash: string, now?: string, options?: { allowIdConflict?: boolean }): Promise<UpsertResult>;
	recordFollowUp(f: FollowUpInput, now?: string): Promise<{ outcome: 'inserted' | 'replaced'; followUpId: number }>;
	followUpsOf(patientRowId: number): Promise<StoredFollowUp[]>;
	audit(entry: AuditEntry, at?: string): Promise<number | null>;
	auditTrail(limit?: number): Promise<AuditRecord[]>;
	/**
	 * A match source answering every look-up the matcher makes for these records, read in a few
	 * queries (one snapshot): matching and triage then run on it without waiting per row.
	 */
	matchSourceFor(records: ListRecord[], today?: string): Promise<MatchSource>;
	/**
	 * Run synchronous reads (on a source from matchSourceFor) as one snapshot: SQLite takes its read
	 * lock once instead of per look-up; PostgreSQL's source already holds everything it read.
	 */
	read<T>(fn: () => T): Promise<T>;
	/** Where a pull from `source` resumes, or null before the first page. */
	syncCursor(source: string): Promise<SyncCursor | null>;
	/**
	 * Write one pulled page and move the cursor, in one transaction: a page is written with its
	 * cursor or not at all, so a pull that stops resumes where it stopped and writes nothing twice.
	 */
	applySyncPage(source: string, patients: Array<{ input: PatientInput; hash: string } | { error: { field: string; message: string }; patientNo: string | null }>, nextCursor: string | null, now?: string): Promise<SyncPageResult>;
}
