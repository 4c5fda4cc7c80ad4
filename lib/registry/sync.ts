/**
 * Writing a page pulled from another system (the county platform, lib/countyApi) into either
 * backend: each patient upserted by its 患者编号, a patient the registry cannot take (its valid ID
 * number is another patient's) reported by index and field, and the cursor moved in the same
 * transaction, so a page is written with its cursor or not at all.
 */
import type { PatientInput } from '../model';
import type { Awaitable, ImportTx, SyncPageResult } from './backend';
import { RegistryError } from './errors';

export type SyncEntry = { input: PatientInput; hash: string } | { error: { field: string; message: string }; patientNo: string | null };

export interface SyncTx extends Pick<ImportTx, 'upsertPatient' | 'prefetch'> {
	writeCursor(source: string, cursor: string | null, pulled: number, now: string): Awaitable<void>;
}

export async function writeSyncPage(tx: SyncTx, source: string, entries: SyncEntry[], nextCursor: string | null, now: string): Promise<SyncPageResult> {
	const result: SyncPageResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [], patientRowIds: [] };
	// A backend that reads ahead (PostgreSQL) reads what the whole page needs in one query.
	await tx.prefetch?.(entries.flatMap((e) => ('input' in e ? [e.input] : [])));
	for (const [index, entry] of entries.entries()) {
		if ('error' in entry) {
			result.rejected.push({ index, patientNo: entry.patientNo, ...entry.error });
			continue;
		}
		try {
			// upsertPatient checks before it writes: a refused patient leaves nothing behind.
			const written = await tx.upsertPatient(entry.input, entry.hash, now);
			result[written.outcome]++;
			result.patientRowIds.push(written.rowId);
		} catch (error) {
			if (!(error instanceof RegistryError) || (error.code !== 'conflict' && error.code !== 'key_required')) throw error;
			result.rejected.push({ index, patientNo: entry.input.patientNo, field: error.code === 'conflict' ? 'idNumber' : 'patientNo', message: error.message });
		}
	}
	await tx.writeCursor(source, nextCursor, entries.length, now);
	return result;
}
