/**
 * The audit queue: a side file beside the registry (`<registry>-audit-queue.jsonl`, one JSON entry a
 * line, internal patient row ids only) where an audit entry waits when another writer holds the
 * registry's lock, so a node whose work is done never fails for it. The next registry write or open
 * moves the entries into the audit trail.
 *
 * A process claims the queue by renaming it to a name of its own, so two processes never write an
 * entry twice; a claimed file left by a crashed process is taken over after a minute.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import type { AuditEntry } from '../model';

export type QueuedAudit = AuditEntry & { at: string };

/** A claimed queue file and its entries. */
export interface AuditClaim {
	file: string;
	entries: QueuedAudit[];
}

const STALE_CLAIM_MS = 60_000;

export function queueAuditEntry(queue: string, entry: AuditEntry, at: string): void {
	const line = JSON.stringify({
		at,
		workflowId: entry.workflowId ?? null,
		executionId: entry.executionId ?? null,
		node: entry.node ?? null,
		operation: entry.operation,
		patientRowIds: entry.patientRowIds,
		detail: entry.detail ?? null,
	});
	appendFileSync(queue, line + '\n', { mode: 0o600 });
}

/** Claims the queue file (and stale claims of crashed processes) and reads their entries. */
export function claimQueuedAudits(queue: string): AuditClaim[] {
	const dir = path.dirname(queue);
	const base = path.basename(queue);
	let names: string[];
	try {
		names = readdirSync(dir).filter((n) => n === base || n.startsWith(`${base}.claimed-`));
	} catch {
		return [];
	}
	const claims: AuditClaim[] = [];
	for (const name of names) {
		const from = path.join(dir, name);
		if (name !== base) {
			try {
				if (Date.now() - statSync(from).mtimeMs < STALE_CLAIM_MS) continue;
			} catch {
				continue;
			}
		}
		const file = `${queue}.claimed-${process.pid}-${randomUUID()}`;
		try {
			renameSync(from, file);
			// A rename keeps the old modification time: stamp the claim, or it would look stale at once.
			const now = new Date();
			utimesSync(file, now, now);
		} catch {
			continue; // another process claimed it first
		}
		const entries: QueuedAudit[] = [];
		let text: string;
		try {
			text = readFileSync(file, 'utf8');
		} catch {
			continue;
		}
		for (const line of text.split('\n')) {
			if (line.trim() === '') continue;
			try {
				const entry = JSON.parse(line) as QueuedAudit;
				// Only well-formed entries: one that cannot be written would block every later drain.
				if (isQueuedAudit(entry)) entries.push(entry);
			} catch {
				// A line cut short by a crash mid-append: nothing in it can be trusted.
			}
		}
		claims.push({ file, entries });
	}
	return claims;
}

function isQueuedAudit(e: unknown): e is QueuedAudit {
	const x = e as Partial<QueuedAudit> | null;
	return (
		!!x &&
		typeof x === 'object' &&
		typeof x.at === 'string' &&
		typeof x.operation === 'string' &&
		Array.isArray(x.patientRowIds) &&
		x.patientRowIds.every((id) => Number.isSafeInteger(id))
	);
}

/** The claim's entries are in the audit trail: drop its file (gone already if another process took it over). */
export function releaseClaim(claim: AuditClaim): void {
	try {
		unlinkSync(claim.file);
	} catch {
		// Taken over as stale by another process, which wrote nothing twice: it found our entries written.
	}
}

/** The claim could not be written: its entries go back to the queue. */
export function returnClaim(claim: AuditClaim, queue: string): void {
	const lines = claim.entries.map((e) => JSON.stringify(e)).join('\n');
	if (lines) appendFileSync(queue, lines + '\n', { mode: 0o600 });
	try {
		unlinkSync(claim.file);
	} catch {
		// Already taken over: its entries are back in the queue above.
	}
}
