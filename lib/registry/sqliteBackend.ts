/**
 * The embedded backend of the registry interface (backend.ts): the SQLite file of store.ts, as it
 * always was. Every method answers at once; `store` is there for the operations only the embedded
 * registry has (referrals, emergencies, case plans, indicators, work lists).
 */
import type { AuditEntry, FollowUpInput, ImportRecord, Patient, PatientInput, SearchFilter } from '../model';
import type { MatchSource } from '../matching';
import type { AuditRecord, ImportTx, Registry, SyncCursor, SyncPageResult, UpsertResult } from './backend';
import type { StoredFollowUp } from './followUps';
import { RegistryStore, type OpenOptions } from './store';
import { writeSyncPage, type SyncEntry } from './sync';
import type { Row } from './schema';

export class SqliteRegistry implements Registry {
	readonly backend = 'sqlite' as const;

	constructor(readonly store: RegistryStore) {}

	static open(file?: string, options?: OpenOptions): SqliteRegistry {
		return new SqliteRegistry(RegistryStore.open(file, options));
	}

	get location(): string {
		return this.store.path;
	}

	async close(): Promise<void> {
		this.store.close();
	}

	async schemaVersion(): Promise<number> {
		return this.store.schemaVersion();
	}

	async countPatients(): Promise<number> {
		return this.store.countPatients();
	}

	async getById(id: number): Promise<Patient | undefined> {
		return this.store.getById(id);
	}

	async getByPatientNo(patientNo: string): Promise<Patient | undefined> {
		return this.store.getByPatientNo(patientNo);
	}

	async getByIdNumber(idNumber: string): Promise<Patient | undefined> {
		return this.store.getByIdNumber(idNumber);
	}

	async search(filter?: SearchFilter): Promise<Patient[]> {
		return this.store.search(filter);
	}

	async lastImport(kind?: string): Promise<ImportRecord | null> {
		return this.store.lastImport(kind);
	}

	async upsertPatient(input: PatientInput, rowHash: string, now?: string, options?: { allowIdConflict?: boolean }): Promise<UpsertResult> {
		return this.store.transaction(() => this.store.upsertPatient(input, rowHash, now, options));
	}

	async recordFollowUp(f: FollowUpInput, now?: string): Promise<{ outcome: 'inserted' | 'replaced'; followUpId: number }> {
		return this.store.recordFollowUp(f, now);
	}

	async followUpsOf(patientRowId: number): Promise<StoredFollowUp[]> {
		return this.store.followUpsOf(patientRowId);
	}

	async audit(entry: AuditEntry, at?: string): Promise<number | null> {
		return this.store.audit(entry, at);
	}

	async auditTrail(limit?: number): Promise<AuditRecord[]> {
		return this.store.auditTrail(limit);
	}

	importTransaction<T>(fn: (tx: ImportTx) => Promise<T>): Promise<T> {
		return this.store.importTransaction(fn);
	}

	/** The file itself: SQLite answers each look-up in microseconds, so nothing is read ahead. */
	async matchSourceFor(): Promise<MatchSource> {
		return this.store;
	}

	async read<T>(fn: () => T): Promise<T> {
		return this.store.read(fn);
	}

	async syncCursor(source: string): Promise<SyncCursor | null> {
		const r = this.store.internals.get('SELECT source, cursor, pulled, updated_at FROM sync_cursors WHERE source = ?').get(source) as Row | undefined;
		return r ? { source, cursor: (r.cursor as string) ?? null, pulled: Number(r.pulled), updatedAt: r.updated_at as string } : null;
	}

	async applySyncPage(source: string, entries: SyncEntry[], nextCursor: string | null, now = new Date().toISOString()): Promise<SyncPageResult> {
		const upsert = this.store.internals.get(
			`INSERT INTO sync_cursors (source, cursor, pulled, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, pulled = sync_cursors.pulled + excluded.pulled, updated_at = excluded.updated_at`,
		);
		return await this.store.transactionAsync(() =>
			writeSyncPage(
				{
					upsertPatient: (p, hash, at, options) => this.store.upsertPatient(p, hash, at, options),
					writeCursor: (s, cursor, pulled, at) => void upsert.run(s, cursor, pulled, at),
				},
				source,
				entries,
				nextCursor,
				now,
			),
		);
	}
}
