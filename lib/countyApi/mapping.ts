/**
 * What the SMD nodes output, as the county platform's push bodies (docs/county-api.openapi.yaml):
 * a recorded follow-up (SMD Registry → Follow-Up → Record), a triaged police-list row (→ Police List
 * → Triage), a referral (SMD Referral). An item already shaped as the push body passes as it is.
 * Each body is checked against the contract before it is sent, so a bad item is an error naming
 * its field and no request is made. The Idempotency-Key is derived from the body: the same record
 * sent again (a retry, a re-run workflow) is the same key, and the platform never stores it twice.
 */
import type { z } from 'zod';
import { SmdInputError } from '../errors';
import { describeIssue, followUpPushSchema, idempotencyKey, referralPushSchema, triageOutcomePushSchema, type FollowUpPush, type ReferralPush, type TriageOutcomePush } from './schemas';

export type PushKind = 'followUp' | 'triageOutcome' | 'referral';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

function checked<S extends z.ZodTypeAny>(schema: S, body: unknown, what: string): z.output<S> {
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	const { field, message } = describeIssue(parsed.error);
	throw new SmdInputError('invalid', `${what}: ${field} ${message}`, { field });
}

/** A follow-up as the platform records it, from a Follow-Up → Record output item (or a body as it is). */
export function followUpPushFrom(json: Json): FollowUpPush {
	const followUp = obj(json.followUp);
	const assessment = obj(json.assessment);
	const body =
		followUp && assessment
			? {
				patientNo: followUp.patientNo,
				followUpDate: followUp.date,
				riskLevel: assessment.riskLevel,
				classification: assessment.classification,
				medication: followUp.medication ?? null,
				nextFollowUpDate: assessment.nextFollowUpDate,
				actions: assessment.actions,
				form: followUp.form ?? null,
				visitors: followUp.visitors ?? null,
			}
			: json;
	return checked(followUpPushSchema, body, 'follow-up');
}

/** A triaged police-list row (→ Police List → Triage output), for the list `listId`. */
export function triageOutcomePushFrom(json: Json, listId: string): TriageOutcomePush {
	const body =
		'category' in json && 'matchStatus' in json
			? {
				listId,
				row: json.row,
				category: json.category,
				patientNo: json.patientId ?? null,
				township: json.township ?? null,
				priority: json.priority,
				dueDate: json.dueDate ?? null,
				action: json.action,
			}
			: { listId, ...json };
	return checked(triageOutcomePushSchema, body, 'triage outcome');
}

/** A referral (SMD Referral's `referral`), with the time it reached its status. */
export function referralPushFrom(json: Json): ReferralPush {
	const r = obj(json.referral) ?? json;
	const body =
		'fromInstitution' in r
			? {
				referralNo: r.referralNo,
				patientNo: r.patientNo,
				direction: r.direction,
				reasons: r.reasons,
				urgency: r.urgency,
				fromOrg: r.fromInstitution,
				toOrg: r.toInstitution,
				consentBy: r.consentBy,
				status: r.status,
				createdAt: r.createdAt,
				statusAt: ({ sent: r.sentAt, accepted: r.acceptedAt, completed: r.completedAt, rejected: r.rejectedAt, cancelled: r.cancelledAt } as Json)[r.status as string] ?? null,
				dueDate: (r.direction === 'up' ? r.responseDue : r.communityVisitDue) ?? null,
				dischargeDate: r.dischargeDate ?? null,
			}
			: r;
	return checked(referralPushSchema, body, 'referral');
}

/** The push body of an item and its Idempotency-Key (derived from the body, so stable across re-runs). */
export function pushBodyFrom(kind: PushKind, json: Json, options: { listId?: string } = {}): { body: FollowUpPush | TriageOutcomePush | ReferralPush; key: string } {
	const body = kind === 'followUp' ? followUpPushFrom(json) : kind === 'referral' ? referralPushFrom(json) : triageOutcomePushFrom(json, options.listId ?? '');
	return { body, key: idempotencyKey(kind, [body]) };
}
