/**
 * Validating configuration and records with zod, one way for every module: the first problem becomes
 * an SmdInputError whose field is the path (`policy.dueDays.lost.high`) and whose message names that
 * field in words — never the value given (it may be patient data).
 */
import { z } from 'zod';
import { SmdInputError } from './errors';

/** A follow-up or due interval: days and/or months, at least one day in all. */
export const intervalSchema = z
	.object({ days: z.number().int().min(0).max(366).optional(), months: z.number().int().min(0).max(12).optional() })
	.refine((i) => (i.days ?? 0) + (i.months ?? 0) > 0, 'interval must be at least one day');

/** The codes of a vocabulary table ({code: label}) as the tuple z.enum takes. */
export const codesOf = <T extends Record<string, string>>(table: T) => Object.keys(table) as [keyof T & string, ...Array<keyof T & string>];

/** A zod issue's path as a field name: `patient.idNumber`, `triggers[0]`; `fallback` when empty. */
export function issueField(issue: z.ZodIssue, fallback = 'value'): string {
	return issue.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || fallback;
}

/** A zod issue in words that do not quote the value. */
export function issueMessage(issue: z.ZodIssue): string {
	if (issue.code === 'invalid_enum_value') return `must be one of ${issue.options.join(', ')}`;
	if (issue.code === 'invalid_type') {
		if (issue.received === 'undefined') return 'is required';
		const expected = String(issue.expected);
		if (expected.includes('|')) return `must be one of ${expected.replace(/'/g, '').split(' | ').join(', ')}`;
		if (expected === 'integer') return 'must be a whole number';
		return `must be ${expected}, got ${issue.received}`;
	}
	if (issue.code === 'invalid_union') return 'must be true/false or an emergency trigger code';
	return issue.message;
}

/**
 * The first issue of a zod failure as an SmdInputError: field `prefix + path` (`fallback` when the
 * path is empty), with the label of the field when `labels` has one (e.g. "riskLevel (危险性评估)").
 */
export function zodInputError(
	error: z.ZodError,
	options: { prefix?: string; fallback?: string; labels?: Record<string, string>; namesOnly?: boolean } = {},
): SmdInputError {
	const issue = error.issues[0];
	// namesOnly: an element of a list is named by the list ("behaviours", not "behaviours.1").
	const path = (options.namesOnly ? issue.path.filter((p) => typeof p === 'string') : issue.path).map(String).join('.');
	const field = (options.prefix ?? '') + (path || options.fallback || 'value');
	const label = options.labels && path in options.labels ? ` (${options.labels[path]})` : '';
	return new SmdInputError(issue.code, `${field}${label} ${issueMessage(issue)}`, { field });
}

/** Parse `value` with `schema`, or throw the first problem as an SmdInputError (see zodInputError). */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, options: Parameters<typeof zodInputError>[1] = {}): T {
	const parsed = schema.safeParse(value);
	if (!parsed.success) throw zodInputError(parsed.error, options);
	return parsed.data;
}

/** A JSON value given as text (an n8n JSON parameter, a webhook body kept as text) or already parsed. */
export function jsonValue(value: unknown, field: string): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value);
	} catch {
		throw new SmdInputError('invalid', `${field} is not valid JSON`, { field });
	}
}
