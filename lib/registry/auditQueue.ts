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
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
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
		} catch {
			continue; // another process claimed it first
		}
		const entries: QueuedAudit[] = [];
		for (const line of readFileSync(file, 'utf8').split('\n')) {
			if (line.trim() === '') continue;
			try {
				entries.push(JSON.parse(line) as QueuedAudit);
			} catch {
				// A line cut short by a crash mid-append: nothing in it can be trusted.
			}
		}
		claims.push({ file, entries });
	}
	return claims;
}

/** The claim's entries are in the audit trail: drop its file. */
export function releaseClaim(claim: AuditClaim): void {
	unlinkSync(claim.file);
}

/** The claim could not be written: its entries go back to the queue. */
export function returnClaim(claim: AuditClaim, queue: string): void {
	appendFileSync(queue, readFileSync(claim.file), { mode: 0o600 });
	unlinkSync(claim.file);
}
