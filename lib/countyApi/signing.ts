/**
 * The county platform API's HMAC app-key scheme (docs/county-api.openapi.yaml, security scheme
 * `smdHmac`). A request carries four headers:
 *
 *   X-SMD-App-Key         the application's key (public, identifies the caller)
 *   X-SMD-Timestamp       unix seconds when the request was signed
 *   X-SMD-Content-SHA256  lower-case hex SHA-256 of the exact body bytes (of '' when there is no body)
 *   X-SMD-Signature       lower-case hex HMAC-SHA256(secret, string to sign)
 *
 * with the string to sign
 *
 *   `${METHOD}\n${pathAndQuery}\n${timestamp}\n${bodySha256}`
 *
 * METHOD upper case; pathAndQuery the URL path including the base URL's path prefix and the query
 * string exactly as sent (`/api/v1/patients?since=abc&limit=200`), with no scheme, host or fragment.
 *
 * Why these parts: the method and path stop a signature for one endpoint being used on another; the
 * query binds the cursor and limit; the body hash binds the pushed record; the timestamp bounds
 * replays to the allowed clock skew (±300 s by default). A replay inside that window repeats a GET
 * (harmless) or a push with its Idempotency-Key (the server answers `duplicate`, nothing is doubled).
 * Each attempt of a retried request is signed afresh, so a retry after a long back-off is not stale.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const HEADER_APP_KEY = 'X-SMD-App-Key';
export const HEADER_TIMESTAMP = 'X-SMD-Timestamp';
export const HEADER_CONTENT_SHA256 = 'X-SMD-Content-SHA256';
export const HEADER_SIGNATURE = 'X-SMD-Signature';

/** Default window, in seconds, between the signer's clock and the verifier's. */
export const DEFAULT_MAX_SKEW_SECONDS = 300;

export type SignedBody = string | Buffer | Uint8Array | null | undefined;

/** A point in time: a Date, or milliseconds since the epoch (as Date.now()). */
export type Clock = Date | number;

/** Lower-case hex SHA-256 of the body bytes (strings as UTF-8; no body = the hash of ''). */
export function sha256Hex(body: SignedBody): string {
	return createHash('sha256')
		.update(body ?? '')
		.digest('hex');
}

/** The string the signature covers; exported so an integrator can compare it with their own. */
export function stringToSign(method: string, pathAndQuery: string, timestamp: string, bodySha256: string): string {
	return `${method.toUpperCase()}\n${pathAndQuery}\n${timestamp}\n${bodySha256}`;
}

function hmacHex(secret: string, text: string): string {
	return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

function unixSeconds(now: Clock | undefined): number {
	const ms = now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
	return Math.floor(ms / 1000);
}

export interface SignRequestInput {
	method: string;
	/** Path with the base URL's prefix and the query as sent: `/api/v1/patients?since=abc&limit=200`. */
	pathAndQuery: string;
	body?: SignedBody;
	appKey: string;
	appSecret: string;
	now?: Clock;
}

/** The four X-SMD-* headers for one request (sign every attempt afresh: the timestamp moves on). */
export function signRequest(input: SignRequestInput): Record<string, string> {
	const timestamp = String(unixSeconds(input.now));
	const bodySha256 = sha256Hex(input.body);
	return {
		[HEADER_APP_KEY]: input.appKey,
		[HEADER_TIMESTAMP]: timestamp,
		[HEADER_CONTENT_SHA256]: bodySha256,
		[HEADER_SIGNATURE]: hmacHex(input.appSecret, stringToSign(input.method, input.pathAndQuery, timestamp, bodySha256)),
	};
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface VerifySignatureInput {
	method: string;
	pathAndQuery: string;
	body?: SignedBody;
	/** The request's headers, any case (node:http gives them lower-cased). */
	headers: HeaderBag;
	/** The secret of an app key, or undefined when the key is unknown. */
	secretFor: (appKey: string) => string | undefined;
	now?: Clock;
	maxSkewSeconds?: number;
}

export type VerifyResult = { ok: true; appKey: string } | { ok: false; reason: string };

/** A header's single value, looked up without regard to case. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [k, v] of Object.entries(headers)) {
		if (k.toLowerCase() !== wanted) continue;
		return Array.isArray(v) ? v[0] : v;
	}
	return undefined;
}

/** Equal hex digests, compared in constant time (a byte-by-byte compare leaks how much matched). */
function sameHex(a: string, b: string): boolean {
	if (!/^[0-9a-f]{64}$/.test(a) || !/^[0-9a-f]{64}$/.test(b)) return false;
	return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * Check a request signed with `signRequest`. The reasons name what failed, never a secret, a
 * signature or a body, so the server may return them in its 401 answer.
 */
export function verifySignature(input: VerifySignatureInput): VerifyResult {
	const maxSkew = input.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
	const appKey = headerValue(input.headers, HEADER_APP_KEY);
	const timestamp = headerValue(input.headers, HEADER_TIMESTAMP);
	const bodyHeader = headerValue(input.headers, HEADER_CONTENT_SHA256);
	const signature = headerValue(input.headers, HEADER_SIGNATURE);
	for (const [name, value] of [
		[HEADER_APP_KEY, appKey],
		[HEADER_TIMESTAMP, timestamp],
		[HEADER_CONTENT_SHA256, bodyHeader],
		[HEADER_SIGNATURE, signature],
	] as const) {
		if (!value) return { ok: false, reason: `missing ${name} header` };
	}
	if (!/^\d{1,12}$/.test(timestamp!)) return { ok: false, reason: `${HEADER_TIMESTAMP} must be unix seconds` };
	if (Math.abs(unixSeconds(input.now) - Number(timestamp)) > maxSkew) {
		return { ok: false, reason: `${HEADER_TIMESTAMP} is more than ${maxSkew} s from the server's clock (check the caller's clock)` };
	}
	const secret = input.secretFor(appKey!);
	if (secret === undefined) return { ok: false, reason: 'unknown app key' };
	const bodySha256 = sha256Hex(input.body);
	if (!sameHex(bodySha256, bodyHeader!.toLowerCase())) return { ok: false, reason: `${HEADER_CONTENT_SHA256} does not match the body` };
	const expected = hmacHex(secret, stringToSign(input.method, input.pathAndQuery, timestamp!, bodySha256));
	if (!sameHex(expected, signature!.toLowerCase())) return { ok: false, reason: 'signature does not match' };
	return { ok: true, appKey: appKey! };
}
