/**
 * The county platform API client (docs/county-api.openapi.yaml): pull patients changed since a
 * cursor, push follow-ups, triage outcomes and referrals. Built on axios, with no n8n import, so a
 * county integrator uses it as the nodes do.
 *
 * What it guarantees:
 * - every attempt has a deadline (axios `timeout` and an AbortSignal, which also bounds a server that
 *   trickles its answer);
 * - connection failures, timeouts, 5xx and 429 are retried with exponential back-off; 429 and 503
 *   wait what Retry-After asks (up to `maxRetryAfterMs`); other 4xx are not retried;
 * - every push carries an Idempotency-Key and every retry reuses it, so a push that reached the
 *   platform before its answer was lost is not recorded twice;
 * - every 2xx body is validated against the contract (lib/countyApi/schemas.ts);
 * - error messages name the request and the attempts, never a value: answers carry names and ID
 *   numbers (精神卫生法 第四条). The axios error is not attached as `cause` either: its config holds
 *   the Authorization header.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { SmdError, SmdInputError } from '../errors';
import {
	describeIssue,
	errorBodySchema,
	healthSchema,
	IDEMPOTENCY_KEY_PATTERN,
	PAGE_LIMIT,
	patientPageSchema,
	pushResultSchema,
	type FollowUpPush,
	type Health,
	type PatientPage,
	type PushResult,
	type ReferralPush,
	type TriageOutcomePush,
} from './schemas';
import { signRequest } from './signing';

export type CountyApiAuth = { type: 'bearer'; token: string } | { type: 'hmac'; appKey: string; appSecret: string };

export interface RetryInfo {
	/** 'GET /patients', 'POST /follow-ups'. */
	request: string;
	/** The attempt that failed (1 = the first). */
	attempt: number;
	/** How long the client waits before the next attempt. */
	waitMs: number;
	/** Why, in words without values: 'answered 503', 'timeout after 10000 ms', 'connection refused'. */
	reason: string;
}

export interface CountyApiOptions {
	/** The API's base URL including its path prefix, e.g. http://127.0.0.1:8640/api/v1. */
	baseUrl: string;
	auth: CountyApiAuth;
	/** Deadline of each attempt, default 10000 ms. */
	timeoutMs?: number;
	/** Retries after the first attempt, default 3. */
	retries?: number;
	/** First back-off, doubled per retry (backoffMs·2^(n-1)), default 500 ms. */
	backoffMs?: number;
	/** Longest back-off, default 30000 ms. */
	maxBackoffMs?: number;
	/** A Retry-After longer than this fails at once, default 60000 ms: a workflow should not hang for an hour. */
	maxRetryAfterMs?: number;
	onRetry?: (info: RetryInfo) => void;
	/** How to wait between attempts (tests inject one that records and returns at once). */
	sleep?: (ms: number) => Promise<void>;
	/** The clock that signs requests, ms since the epoch (default Date.now; tests set it to a skewed clock). */
	clock?: () => number;
}

export type CountyApiErrorCode = 'unreachable' | 'timeout' | 'rate_limited' | 'server' | 'client' | 'auth' | 'conflict' | 'malformed' | 'schema';

/** A failed call of the county API: what (`request`), how it ended (`code`, `status`), after how many attempts. */
export class CountyApiError extends SmdError<CountyApiErrorCode> {
	/** 'GET /patients', 'POST /follow-ups': method and path below the base URL, no query. */
	readonly request: string;
	/** The last HTTP status, or null when no answer came (refused, reset, timeout). */
	readonly status: number | null;
	readonly attempts: number;
	/** The error code of the platform's error body (`unauthorized`, `invalid`, …), when it sent one. */
	declare readonly serverCode?: string;
	/** The Retry-After the platform asked for, in ms, when it was refused as too long. */
	declare readonly retryAfterMs?: number;

	constructor(
		code: CountyApiErrorCode,
		message: string,
		details: { request: string; status: number | null; attempts: number; field?: string; serverCode?: string; retryAfterMs?: number },
	) {
		super(code, message, details.field === undefined ? {} : { field: details.field });
		this.request = details.request;
		this.status = details.status;
		this.attempts = details.attempts;
		if (details.serverCode !== undefined) this.serverCode = details.serverCode;
		if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
	}
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Error codes of a connection that failed or broke: worth another attempt. */
const NETWORK_CODES: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	EPIPE: 'connection reset',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	ENETDOWN: 'network down',
	ERR_SOCKET_CONNECTION_TIMEOUT: 'connection timed out',
};

/** One attempt's outcome, before the retry policy decides. */
type Outcome =
	| { kind: 'answer'; response: AxiosResponse<string> }
	| { kind: 'timeout' }
	| { kind: 'network'; reason: string }
	| { kind: 'unsendable'; reason: string };

/** An error code (`invalid_cursor`) and a field path (`items[3].township`, `Idempotency-Key`); never a value. */
const SERVER_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,59}$/;
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_.[\]-]{0,99}$/;

const plural = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/** Retry-After (delta seconds or an HTTP-date) in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const text = value.trim();
	if (/^\d+$/.test(text)) return Number(text) * 1000;
	const at = Date.parse(text);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function wholeOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
	if (value === undefined) return fallback;
	if (!Number.isFinite(value) || value < min || value > max) throw new SmdInputError('invalid', `${name} must be ${min}–${max}`, { field: name });
	return value;
}

export class CountyApiClient {
	private readonly http: AxiosInstance;
	private readonly origin: string;
	/** The base URL's path without a trailing slash ('/api/v1'), signed as part of pathAndQuery. */
	private readonly prefix: string;
	private readonly auth: CountyApiAuth;
	private readonly timeoutMs: number;
	private readonly retries: number;
	private readonly backoffMs: number;
	private readonly maxBackoffMs: number;
	private readonly maxRetryAfterMs: number;
	private readonly onRetry?: (info: RetryInfo) => void;
	private readonly sleep: (ms: number) => Promise<void>;
	private readonly clock: () => number;

	constructor(options: CountyApiOptions) {
		let url: URL;
		try {
			url = new URL(options.baseUrl);
		} catch {
			throw new SmdInputError('invalid', 'baseUrl is not a URL (e.g. https://platform.example/api/v1)', { field: 'baseUrl' });
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SmdInputError('invalid', 'baseUrl must start with http:// or https://', { field: 'baseUrl' });
		if (url.search || url.hash) throw new SmdInputError('invalid', 'baseUrl must not have a query or fragment', { field: 'baseUrl' });
		this.origin = url.origin;
		this.prefix = url.pathname.replace(/\/+$/, '');
		const auth = options.auth;
		const headerSafe = (v: unknown) => typeof v === 'string' && v.trim() !== '' && !/[\r\n]/.test(v);
		if (auth?.type === 'bearer') {
			if (!headerSafe(auth.token)) throw new SmdInputError('invalid', 'the bearer token is empty or has a line break', { field: 'token' });
		} else if (auth?.type === 'hmac') {
			if (!headerSafe(auth.appKey)) throw new SmdInputError('invalid', 'the app key is empty or has a line break', { field: 'appKey' });
			if (typeof auth.appSecret !== 'string' || auth.appSecret === '') throw new SmdInputError('invalid', 'the app secret is empty', { field: 'appSecret' });
		} else {
			throw new SmdInputError('invalid', "auth.type must be 'bearer' or 'hmac'", { field: 'auth' });
		}
		this.auth = auth;
		this.timeoutMs = wholeOption('timeoutMs', options.timeoutMs, 10_000, 1, 600_000);
		this.retries = Math.floor(wholeOption('retries', options.retries, 3, 0, 20));
		this.backoffMs = wholeOption('backoffMs', options.backoffMs, 500, 0, 600_000);
		this.maxBackoffMs = wholeOption('maxBackoffMs', options.maxBackoffMs, 30_000, 0, 3_600_000);
		this.maxRetryAfterMs = wholeOption('maxRetryAfterMs', options.maxRetryAfterMs, 60_000, 0, 86_400_000);
		this.onRetry = options.onRetry;
		this.sleep = options.sleep ?? defaultSleep;
		this.clock = options.clock ?? Date.now;
		this.http = axios.create({
			timeout: this.timeoutMs,
			// Text, parsed here: axios would hand back a broken JSON body as a string without a word.
			responseType: 'text',
			transformResponse: [(data: unknown) => data],
			transformRequest: [(data: unknown) => data],
			// Every status is an answer to judge here; a redirect is not followed (the signature covers
			// the path, and a bearer token must not travel to another host).
			validateStatus: () => true,
			maxRedirects: 0,
			maxContentLength: 100 * 1024 * 1024,
		});
	}

	/** GET /health: proves the base URL and the credential (the platform checks auth on it too). */
	async health(): Promise<Health> {
		return this.call('GET', '/health', '', null, healthSchema);
	}

	/**
	 * GET /patients: one page of patients changed after `cursor` (null: from the beginning), in
	 * (updatedAt, patientNo) order. Keep `nextCursor` — also from the last page — for the next sync.
	 */
	async pullPatients(cursor: string | null, limit: number = PAGE_LIMIT.default): Promise<PatientPage> {
		if (!Number.isInteger(limit) || limit < PAGE_LIMIT.min || limit > PAGE_LIMIT.max) {
			throw new SmdInputError('invalid', `limit must be a whole number ${PAGE_LIMIT.min}–${PAGE_LIMIT.max}`, { field: 'limit' });
		}
		const query = new URLSearchParams();
		if (cursor !== null && cursor !== '') query.set('since', cursor);
		query.set('limit', String(limit));
		return this.call('GET', '/patients', `?${query.toString()}`, null, patientPageSchema);
	}

	/**
	 * Every page after `cursor`, one at a time; the last page's `nextCursor` is where the next sync
	 * resumes. Stops with a 'malformed' error if the platform says hasMore without moving the cursor
	 * (it would loop for ever).
	 */
	async *pages(cursor: string | null, limit: number = PAGE_LIMIT.default): AsyncGenerator<PatientPage> {
		let since = cursor;
		for (;;) {
			const page = await this.pullPatients(since, limit);
			yield page;
			if (!page.hasMore) return;
			if (page.nextCursor === since) {
				throw new CountyApiError('malformed', 'GET /patients: the platform said hasMore but did not move the cursor; stopped to avoid a loop', {
					request: 'GET /patients',
					status: 200,
					attempts: 1,
					field: 'nextCursor',
				});
			}
			since = page.nextCursor;
		}
	}

	async pushFollowUp(body: FollowUpPush, idempotencyKey: string): Promise<PushResult> {
		return this.push('/follow-ups', body, idempotencyKey);
	}

	async pushTriageOutcome(body: TriageOutcomePush, idempotencyKey: string): Promise<PushResult> {
		return this.push('/triage-outcomes', body, idempotencyKey);
	}

	async pushReferral(body: ReferralPush, idempotencyKey: string): Promise<PushResult> {
		return this.push('/referrals', body, idempotencyKey);
	}

	// The body is not validated here: the platform is the authority (its contract may be newer than
	// this package) and answers 422 naming the field, which surfaces as a 'client' error.
	private async push(path: string, body: unknown, idempotencyKey: string): Promise<PushResult> {
		if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
			throw new SmdInputError('invalid', 'the idempotency key must be 1–128 characters of A–Z, a–z, 0–9, ".", "_", ":" or "-"', { field: 'idempotencyKey' });
		}
		let json: string;
		try {
			json = JSON.stringify(body);
		} catch {
			throw new SmdInputError('invalid', `the body of POST ${path} cannot be written as JSON`, { field: 'body' });
		}
		if (json === undefined) throw new SmdInputError('invalid', `the body of POST ${path} is missing`, { field: 'body' });
		return this.call('POST', path, '', json, pushResultSchema, idempotencyKey);
	}

	private headers(method: string, pathAndQuery: string, body: string | null, idempotencyKey?: string): Record<string, string> {
		const headers: Record<string, string> = { Accept: 'application/json' };
		if (body !== null) headers['Content-Type'] = 'application/json; charset=utf-8';
		if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
		if (this.auth.type === 'bearer') headers.Authorization = `Bearer ${this.auth.token}`;
		else Object.assign(headers, signRequest({ method, pathAndQuery, body: body ?? '', appKey: this.auth.appKey, appSecret: this.auth.appSecret, now: this.clock() }));
		return headers;
	}

	/** One attempt, with its own deadline; never throws. */
	private async attempt(method: string, pathAndQuery: string, body: string | null, idempotencyKey?: string): Promise<Outcome> {
		const controller = new AbortController();
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			controller.abort();
		}, this.timeoutMs);
		try {
			const response = await this.http.request<string>({
				method,
				url: this.origin + pathAndQuery,
				data: body ?? undefined,
				headers: this.headers(method, pathAndQuery, body, idempotencyKey),
				signal: controller.signal,
			});
			return { kind: 'answer', response };
		} catch (error) {
			const e = error as { code?: string; cause?: { code?: string } };
			const code = e.code ?? '';
			if (timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') return { kind: 'timeout' };
			const network = NETWORK_CODES[code] ?? NETWORK_CODES[e.cause?.code ?? ''];
			if (network) return { kind: 'network', reason: network };
			if (code === 'ERR_NETWORK' || /socket hang up/i.test(String((error as Error)?.message))) return { kind: 'network', reason: 'connection broken' };
			return { kind: 'unsendable', reason: code || 'unknown error' };
		} finally {
			clearTimeout(timer);
		}
	}

	private backoff(attempt: number): number {
		const base = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
		// Up to 10 % jitter, so townships retrying after one outage do not all come back in the same ms.
		return Math.min(this.maxBackoffMs, Math.round(base * (1 + Math.random() * 0.1)));
	}

	private async call<S extends z.ZodTypeAny>(
		method: 'GET' | 'POST',
		path: string,
		query: string,
		body: string | null,
		schema: S,
		idempotencyKey?: string,
	): Promise<z.output<S>> {
		const request = `${method} ${path}`;
		const pathAndQuery = this.prefix + path + query;
		const maxAttempts = this.retries + 1;
		for (let attempt = 1; ; attempt++) {
			const fail = (code: CountyApiErrorCode, what: string, status: number | null, extra: { field?: string; serverCode?: string; retryAfterMs?: number } = {}) =>
				new CountyApiError(code, `${request}: ${what} (${plural(attempt)})`, { request, status, attempts: attempt, ...extra });
			const outcome = await this.attempt(method, pathAndQuery, body, idempotencyKey);
			let retryable: { code: CountyApiErrorCode; what: string; status: number | null; reason: string; waitMs?: number };
			if (outcome.kind === 'unsendable') {
				throw fail('unreachable', `the request could not be sent (${outcome.reason})`, null);
			} else if (outcome.kind === 'timeout') {
				retryable = { code: 'timeout', what: `no answer within ${this.timeoutMs} ms`, status: null, reason: `timeout after ${this.timeoutMs} ms` };
			} else if (outcome.kind === 'network') {
				retryable = {
					code: 'unreachable',
					what: `the county API could not be reached (${outcome.reason}); check the base URL and that the platform is up`,
					status: null,
					reason: outcome.reason,
				};
			} else {
				const { status, data, headers } = outcome.response;
				if (status >= 200 && status < 300) return this.validate(status, data, schema, fail);
				// The platform's error code and field, when they look like a code and a field path: a
				// platform that breaks the contract could put a value there. Its message is not repeated.
				const problem = errorBodySchema.safeParse(safeJson(data));
				const serverCode = problem.success && SERVER_CODE.test(problem.data.error.code) ? problem.data.error.code : undefined;
				const field = problem.success && problem.data.error.field !== undefined && FIELD_PATH.test(problem.data.error.field) ? problem.data.error.field : undefined;
				const codeText = serverCode ? ` ${serverCode}` : '';
				if (status === 429 || status >= 500) {
					const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
					const code: CountyApiErrorCode = status === 429 ? 'rate_limited' : 'server';
					if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) {
						throw fail(
							code,
							`the county API answered ${status} and asked to wait ${Math.ceil(retryAfterMs / 1000)} s (Retry-After), longer than the ${Math.round(this.maxRetryAfterMs / 1000)} s allowed (maxRetryAfterMs); try again later`,
							status,
							{ serverCode, retryAfterMs },
						);
					}
					retryable = {
						code,
						what: status === 429 ? `the county API is rate limiting (429${codeText})` : `the county API answered ${status}${codeText}`,
						status,
						reason: `answered ${status}`,
						waitMs: retryAfterMs,
					};
				} else if (status === 401 || status === 403) {
					const check = this.auth.type === 'hmac' ? "the credential's app key and app secret, and this machine's clock" : "the credential's token";
					throw fail('auth', `the county API refused the credential (${status}${codeText}); check ${check}`, status, { serverCode });
				} else if (status === 409) {
					throw fail('conflict', `the Idempotency-Key was already used for a different body (409${codeText}); nothing was recorded`, status, { serverCode, field });
				} else if (status >= 300 && status < 400) {
					throw fail('client', `the county API answered with a redirect (${status}); set the base URL to the final address`, status);
				} else {
					const where = field ? ` at field ${field}` : '';
					throw fail('client', `the county API refused the request (${status}${codeText})${where}; nothing was recorded`, status, { serverCode, field });
				}
			}
			if (attempt >= maxAttempts) throw fail(retryable.code, retryable.what, retryable.status);
			const waitMs = retryable.waitMs ?? this.backoff(attempt);
			this.onRetry?.({ request, attempt, waitMs, reason: retryable.reason });
			await this.sleep(waitMs);
		}
	}

	/**
	 * Parse and check a 2xx answer. Not retried when it fails: a server that sends broken JSON or
	 * breaks the contract sends the same again, and each retry would only delay the error.
	 */
	private validate<S extends z.ZodTypeAny>(
		status: number,
		data: string,
		schema: S,
		fail: (code: CountyApiErrorCode, what: string, status: number | null, extra?: { field?: string }) => CountyApiError,
	): z.output<S> {
		const value = safeJson(data);
		if (value === NOT_JSON) throw fail('malformed', `the answer (${status}) is not valid JSON; not retried, a broken answer repeats`, status);
		const parsed = schema.safeParse(value);
		if (!parsed.success) {
			const { field, message } = describeIssue(parsed.error, 'body');
			throw fail('schema', `the answer (${status}) does not match the contract: ${field} ${message}; not retried, a broken answer repeats`, status, { field });
		}
		return parsed.data;
	}
}

const NOT_JSON = Symbol('not JSON');

function safeJson(data: unknown): unknown {
	if (typeof data !== 'string') return data ?? NOT_JSON;
	try {
		return JSON.parse(data);
	} catch {
		return NOT_JSON;
	}
}
