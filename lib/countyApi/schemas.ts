/**
 * The county platform API's bodies as zod schemas (docs/county-api.openapi.yaml is the contract in
 * words; this file is the same contract as code). The client validates every 2xx answer with them and
 * the reference server (scripts/countyApiServer.ts) every push, so both ends hold one definition.
 *
 * Answers are read leniently (unknown fields are dropped, a nullable field may be absent), because a
 * platform that adds a field must not stop every county's sync. Push bodies are strict (an unknown
 * field is refused), so a misspelt field is not lost silently.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseDisorder } from '../codes';
import { isCalendarDate } from '../dates';
import { SmdInputError } from '../errors';
import { parseIdNumber, readUnusableId } from '../idNumber';
import type { PatientInput } from '../model';
import { nameKey, normalizeName } from '../name';
import { codesOf, issueField, issueMessage } from '../policy';
import { CARE_ROLES, CONSENT_BY, REFERRAL_DIRECTIONS, REFERRAL_REASONS, REFERRAL_STATUSES, REFERRAL_URGENCY } from '../referrals';
import { TRIAGE_CATEGORIES } from '../triage';
import { ACTIONS, CLASSIFICATIONS, MANAGEMENT_STATUS, MEDICATION } from '../vocabulary';

/** The contract's version, reported by GET /health of the reference server. */
export const COUNTY_API_VERSION = '1.0.0';

/** An Idempotency-Key: 1–128 characters of [A-Za-z0-9._:-] (safe in a header and a log line). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** `limit` of GET /patients. */
export const PAGE_LIMIT = { min: 1, max: 1000, default: 200 } as const;

// ---- building blocks ---------------------------------------------------------------------------

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;

const isDay = (s: string) => {
	const m = DAY.exec(s);
	return !!m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
};
const isTimestamp = (s: string) => {
	const m = TIMESTAMP.exec(s);
	return !!m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
};

/** A calendar day, YYYY-MM-DD. */
export const daySchema = z.string().refine(isDay, 'must be a date written YYYY-MM-DD');
/** An ISO 8601 date and time with its offset (2026-11-29T09:30:00Z, 2026-11-29T17:30:00+08:00). */
export const timestampSchema = z.string().refine(isTimestamp, 'must be an ISO 8601 date and time with a time zone (e.g. 2026-11-29T09:30:00Z)');

const riskLevel = z.number().int('must be a whole number 0–5').min(0, 'must be 0–5').max(5, 'must be 0–5');
const code = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);
const maybe = <T extends z.ZodTypeAny>(schema: T) => schema.nullable().default(null);

// ---- answers ------------------------------------------------------------------------------------

export const healthSchema = z.object({
	status: z.literal('ok'),
	service: z.string(),
	version: z.string(),
	time: timestampSchema,
});

/** A patient as the platform holds it: one CountyPatient maps onto one PatientInput (patientInputFromCounty). */
export const countyPatientSchema = z.object({
	patientNo: code(64),
	name: z.string().min(1, 'is required'),
	sex: maybe(z.enum(['male', 'female'])),
	idNumber: maybe(z.string()),
	birthDate: maybe(daySchema),
	address: maybe(z.string()),
	township: maybe(z.string()),
	diagnosis: maybe(z.string()),
	status: z.enum(codesOf(MANAGEMENT_STATUS)),
	riskLevel: maybe(riskLevel),
	classification: maybe(z.enum(codesOf(CLASSIFICATIONS))),
	lastFollowUpDate: maybe(daySchema),
	nextFollowUpDate: maybe(daySchema),
	medication: maybe(z.enum(codesOf(MEDICATION))),
	guardian: maybe(z.string()),
	guardianPhone: maybe(z.string()),
	registeredOn: maybe(daySchema),
	lastHealthCheck: maybe(daySchema),
	/** When the platform last changed the record: the sync's order and cursor. */
	updatedAt: timestampSchema,
});

export const patientPageSchema = z
	.object({
		items: z.array(countyPatientSchema),
		nextCursor: z.string().min(1).nullable(),
		hasMore: z.boolean(),
	})
	.refine((p) => !p.hasMore || p.nextCursor !== null, { message: 'must be a cursor when hasMore is true', path: ['nextCursor'] });

export const pushResultSchema = z.object({
	id: z.string().min(1),
	status: z.enum(['created', 'duplicate']),
	receivedAt: timestampSchema,
});

export const errorBodySchema = z.object({
	error: z.object({
		code: z.string(),
		message: z.string(),
		field: z.string().optional(),
	}),
});

// ---- push bodies -------------------------------------------------------------------------------

/** A follow-up (随访) done by the township, as the platform records it. */
export const followUpPushSchema = z
	.object({
		patientNo: code(64),
		followUpDate: daySchema,
		riskLevel,
		classification: z.enum(codesOf(CLASSIFICATIONS)),
		medication: z.enum(codesOf(MEDICATION)).nullable(),
		nextFollowUpDate: daySchema,
		actions: z.array(z.enum(codesOf(ACTIONS))).max(20),
		/** 随访形式 as recorded (门诊/家庭访视/电话 or a code of FOLLOW_UP_FORMS). */
		form: z.string().trim().max(20, 'must be at most 20 characters').nullable(),
		/** Role codes of who visited (CARE_ROLES), never names. */
		visitors: z.array(z.enum(codesOf(CARE_ROLES))).max(20).nullable().default(null),
	})
	.strict();

/** What the county office did with one row of a police list (公安下发纳管名单). */
export const triageOutcomePushSchema = z
	.object({
		/** The list's id or file name, so the platform can tell the police which list the answer is for. */
		listId: code(200),
		row: z.number().int('must be a whole number').min(1, 'must be 1 or more'),
		category: z.enum(codesOf(TRIAGE_CATEGORIES)),
		/** The registry patient the row was linked to; null for a clue or an unusable row. */
		patientNo: code(64).nullable(),
		township: z.string().trim().max(50, 'must be at most 50 characters').nullable(),
		priority: z.enum(['high', 'normal']),
		dueDate: daySchema.nullable(),
		/** The action in words (TRIAGE_ACTIONS); no patient detail. */
		action: code(500),
	})
	.strict();

/**
 * A two-way referral (双向转诊) as the receiving system needs it: who, from where to where, why (codes),
 * how urgent, consent, and where it stands. No clinical free text and no patient detail beyond the
 * 患者编号: the receiving institution reads those on the printed 双向转诊单.
 */
export const referralPushSchema = z
	.object({
		referralNo: code(64),
		patientNo: code(64),
		/** 上转 (up) or 回转 (return). */
		direction: z.enum(codesOf(REFERRAL_DIRECTIONS)),
		reasons: z.array(z.enum(codesOf(REFERRAL_REASONS))).min(1, 'needs at least one reason').max(10),
		urgency: z.enum(codesOf(REFERRAL_URGENCY)),
		fromOrg: code(100),
		toOrg: code(100),
		consentBy: z.enum(codesOf(CONSENT_BY)),
		status: z.enum(codesOf(REFERRAL_STATUSES)),
		createdAt: timestampSchema,
		/** When the referral reached `status` (null while it is only created). */
		statusAt: timestampSchema.nullable().default(null),
		/** Upward: the day the receiving institution should answer by; return: the community-visit day. */
		dueDate: daySchema.nullable().default(null),
		/** Return only: the day of discharge. */
		dischargeDate: daySchema.nullable().default(null),
	})
	.strict();

export type Health = z.output<typeof healthSchema>;
export type CountyPatient = z.output<typeof countyPatientSchema>;
export type PatientPage = z.output<typeof patientPageSchema>;
export type PushResult = z.output<typeof pushResultSchema>;
export type ErrorBody = z.output<typeof errorBodySchema>;
export type FollowUpPush = z.input<typeof followUpPushSchema>;
export type TriageOutcomePush = z.output<typeof triageOutcomePushSchema>;
export type ReferralPush = z.input<typeof referralPushSchema>;

/** The three kinds of push, by endpoint path. */
export const PUSH_SCHEMAS = {
	'/follow-ups': followUpPushSchema,
	'/triage-outcomes': triageOutcomePushSchema,
	'/referrals': referralPushSchema,
} as const;
export type PushPath = keyof typeof PUSH_SCHEMAS;

// ---- helpers -----------------------------------------------------------------------------------

/**
 * The first problem of a zod failure as a field path (`items[3].township`) and words that never
 * quote the value: a failing value may be a name or an ID number.
 */
export function describeIssue(error: z.ZodError, fallback = 'body'): { field: string; message: string } {
	const issue = error.issues[0];
	if (issue.code === 'unrecognized_keys') {
		const base = issueField(issue, '');
		return { field: base ? `${base}.${issue.keys[0]}` : issue.keys[0], message: 'is not a field of this record' };
	}
	if (issue.code === 'invalid_union') return { field: issueField(issue, fallback), message: 'does not match any allowed form' };
	return { field: issueField(issue, fallback), message: issueMessage(issue) };
}

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function stableJson(value: unknown): string {
	return JSON.stringify(value, (_key, v: unknown) =>
		v && typeof v === 'object' && !Array.isArray(v)
			? Object.fromEntries(
					Object.keys(v)
						.sort()
						.map((k) => [k, (v as Record<string, unknown>)[k]]),
				)
			: v,
	);
}

/**
 * An Idempotency-Key derived from what the record is (`kind` plus identifying parts, e.g.
 * ['DEMO-000123', '2026-11-20']), not from when it is sent: re-running a workflow sends the same key,
 * so the platform answers `duplicate` instead of creating a second record.
 */
export function idempotencyKey(kind: string, parts: unknown[]): string {
	if (!/^[A-Za-z0-9._-]{1,80}$/.test(kind)) {
		throw new SmdInputError('invalid', 'kind must be 1–80 characters of A–Z, a–z, 0–9, ".", "_" or "-"', { field: 'kind' });
	}
	return `${kind}:${createHash('sha256').update(stableJson(parts), 'utf8').digest('hex').slice(0, 40)}`;
}

/**
 * A CountyPatient as the registry's PatientInput, normalised the way the registry import does
 * (lib/registry/import.ts patientFromRow): the name normalised and keyed (lib/name.ts); a valid ID
 * number normalised, and its sex and birth date win over the recorded ones; an invalid one kept as
 * recorded with `idValid: false` (the patient stays registered; someone corrects it at the source);
 * a diagnosis mapped to its disorder code when it is one of the six, else kept as text.
 * Throws SmdInputError (field 'name') when the name is not a usable name; never quotes values.
 */
export function patientInputFromCounty(p: CountyPatient, options: { today?: string } = {}): PatientInput {
	const name = normalizeName(p.name);
	if (!name) throw new SmdInputError('invalid', 'name is not a usable name', { field: 'name' });
	const idOptions = options.today ? { today: options.today } : {};
	let sex = p.sex;
	let birthDate = p.birthDate;
	let idNumber: string | null = null;
	let idValid = true;
	const rawId = p.idNumber?.trim() ?? '';
	if (rawId) {
		const id = parseIdNumber(rawId, idOptions);
		if (id.ok) {
			idNumber = id.id;
			sex = id.sex;
			birthDate = id.birthDate;
		} else {
			const readable = readUnusableId(rawId, idOptions);
			idNumber = readable.text || rawId;
			idValid = false;
			if (!birthDate && readable.birthDate) birthDate = readable.birthDate;
		}
	}
	const text = (v: string | null) => (v === null ? null : v.trim() || null);
	const rawDiagnosis = text(p.diagnosis);
	return {
		patientNo: p.patientNo.trim(),
		name,
		nameKey: nameKey(name),
		sex,
		idNumber,
		idValid,
		birthDate,
		address: text(p.address),
		township: text(p.township),
		diagnosis: rawDiagnosis === null ? null : (parseDisorder(rawDiagnosis) ?? rawDiagnosis),
		status: p.status,
		riskLevel: p.riskLevel,
		classification: p.classification,
		lastFollowUpDate: p.lastFollowUpDate,
		nextFollowUpDate: p.nextFollowUpDate,
		medication: p.medication,
		guardian: text(p.guardian),
		guardianPhone: text(p.guardianPhone),
		registeredOn: p.registeredOn,
		lastHealthCheck: p.lastHealthCheck,
		extra: {},
	};
}
