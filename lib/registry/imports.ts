/**
 * The registry's record of its imports (the `imports` table): what each import read, wrote and
 * rejected, so a triage can tell a registry that is empty or mostly rejected (docs/rules.md §7).
 */
import type { ImportRecord } from '../model';
import type { Statements } from './followUps';
import type { Row } from './schema';

/** The most recent import recorded in this registry, or null. */
export function readLastImport(sql: Statements, kind: string): ImportRecord | null {
	const r = sql.get('SELECT * FROM imports WHERE kind = ? ORDER BY id DESC LIMIT 1').get(kind) as Row | undefined;
	return r ? importRecordOf(r) : null;
}

/** An `imports` row as an ImportRecord (either backend). */
export function importRecordOf(r: Row): ImportRecord {
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

/** Record what an import did (call inside the import's transaction, so it commits with the rows); returns its id. */
export function writeImportRecord(sql: Statements, r: ImportRecord): number {
	return Number(
		sql.get(
			'INSERT INTO imports (at, kind, rows, inserted, updated, unchanged, rejected, invalid_ids, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
		).run(r.at, r.kind, r.rows, r.inserted, r.updated, r.unchanged, r.rejected, r.invalidIds, r.detail ? JSON.stringify(r.detail) : null)
			.lastInsertRowid,
	);
}

/** Fill in the counts of an import recorded when it began (the follow-up import records first, to stamp its rows). */
export function updateImportCounts(sql: Statements, id: number, c: Pick<ImportRecord, 'rows' | 'inserted' | 'updated' | 'unchanged' | 'rejected'>): void {
	sql.get('UPDATE imports SET rows = ?, inserted = ?, updated = ?, unchanged = ?, rejected = ? WHERE id = ?').run(
		c.rows, c.inserted, c.updated, c.unchanged, c.rejected, id,
	);
}
