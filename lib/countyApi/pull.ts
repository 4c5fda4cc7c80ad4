/**
 * Pulling the patients changed on the county platform into the registry (docs/rules.md §14): page
 * by page from the cursor the registry keeps, each page written with its cursor in one transaction,
 * so a pull the platform stops keeps what it wrote and the next one resumes after it.
 */
import type { Registry } from '../registry/backend';
import type { SyncEntry } from '../registry/sync';
import { patientHash } from '../registry/patients';
import { SmdError } from '../errors';
import { CountyApiError, type CountyApiClient } from './client';
import { patientInputFromCounty } from './schemas';

export interface PullOptions {
	/** Name the registry keeps the cursor under (one per platform). */
	source: string;
	pageSize: number;
	/** Pages at most in this run; 0 for all. */
	maxPages?: number;
	/** The county's day, for reading ID numbers (no birth after it). */
	today?: string;
}

export interface PullSummary {
	source: string;
	backend: Registry['backend'];
	pages: number;
	received: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
	/** The first 1,000 patients not written: page, index, 患者编号, field, why (no values). */
	rejections: Array<{ page: number; index: number; patientNo: string | null; field: string; message: string }>;
	cursor: string | null;
	hasMore: boolean;
	durationMs: number;
}

/**
 * Pull until the platform has no more (or `maxPages`). A CountyApiError ends the pull and comes back
 * with what was written before it (`error`); any other error is thrown. `patientRowIds` lists every
 * patient written, for the audit trail.
 */
export async function pullPatients(client: CountyApiClient, registry: Registry, options: PullOptions): Promise<{ summary: PullSummary; patientRowIds: number[]; error?: CountyApiError }> {
	const started = Date.now();
	const { source } = options;
	const summary: PullSummary = { source, backend: registry.backend, pages: 0, received: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [], cursor: null, hasMore: false, durationMs: 0 };
	const patientRowIds: number[] = [];
	let cursor = (await registry.syncCursor(source))?.cursor ?? null;
	let error: CountyApiError | undefined;
	try {
		for (;;) {
			const page = await client.pullPatients(cursor, options.pageSize);
			const entries: SyncEntry[] = page.items.map((p) => {
				try {
					const input = patientInputFromCounty(p, { today: options.today });
					return { input, hash: patientHash(input) };
				} catch (e) {
					if (!(e instanceof SmdError)) throw e;
					return { error: { field: e.field ?? 'patient', message: e.message }, patientNo: p.patientNo };
				}
			});
			const next = page.nextCursor ?? cursor;
			// A platform that says hasMore without moving the cursor would be asked for the same page for ever.
			if (page.hasMore && next === cursor) {
				throw new CountyApiError('malformed', 'GET /patients: the platform said hasMore but did not move the cursor; stopped to avoid a loop', {
					request: 'GET /patients',
					status: 200,
					attempts: 1,
					field: 'nextCursor',
				});
			}
			const written = await registry.applySyncPage(source, entries, next);
			summary.pages++;
			summary.received += page.items.length;
			summary.inserted += written.inserted;
			summary.updated += written.updated;
			summary.unchanged += written.unchanged;
			summary.rejected += written.rejected.length;
			for (const r of written.rejected) if (summary.rejections.length < 1000) summary.rejections.push({ page: summary.pages, ...r });
			for (const id of written.patientRowIds) patientRowIds.push(id);
			cursor = next;
			summary.hasMore = page.hasMore;
			if (!page.hasMore || ((options.maxPages ?? 0) > 0 && summary.pages >= options.maxPages!)) break;
		}
	} catch (e) {
		if (!(e instanceof CountyApiError)) throw e;
		error = e;
	}
	summary.cursor = cursor;
	summary.durationMs = Date.now() - started;
	return { summary, patientRowIds, ...(error ? { error } : {}) };
}

/**
 * What a stopped pull's message says to do: a platform that was down comes back, a wrong credential
 * or an answer outside the contract has to be corrected first.
 */
export function pullStoppedMessage(error: CountyApiError, summary: Pick<PullSummary, 'pages' | 'received'>): string {
	const next =
		error.code === 'auth'
			? 'correct the credential, then run again to resume'
			: ['schema', 'malformed', 'client', 'conflict'].includes(error.code)
				? 'the platform must correct its answer first; the next run resumes from there'
				: 'run again to resume';
	return `${error.message}; ${summary.pages} page(s) with ${summary.received} patients were written before it and the cursor saved; ${next}`;
}
