/**
 * A reference server of the county platform API (docs/county-api.openapi.yaml) on node:http, with no
 * framework: what the client (lib/countyApi) is tested against over loopback, and what a county can
 * run to try the sync before its platform is ready. It holds everything in memory.
 *
 * It keeps the contract strictly — auth on every path, the same zod schemas as the client, the
 * Idempotency-Key rules, the cursor order — and can be told to misbehave (`inject`): answer a status,
 * answer late (optionally after storing the push), send broken JSON or a body that breaks the
 * contract, or drop the connection.
 *
 * The admin endpoints (`{basePath}/__faults`, `__received`, `__touch`, `__requests`) exist only with
 * `admin: true` (CLI `--admin`), so a test in another process (a real n8n) can inject faults and read
 * what arrived. They are for tests: a county must never enable them on a server that holds real data.
 *
 * CLI: node dist/scripts/countyApiServer.js --port 8640 --patients 3000 --token demo-token \
 *        --app-key demo-app --app-secret demo-secret --admin
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import {
	COUNTY_API_VERSION,
	describeIssue,
	IDEMPOTENCY_KEY_PATTERN,
	PAGE_LIMIT,
	PUSH_SCHEMAS,
	stableJson,
	type CountyPatient,
	type PushPath,
} from '../lib/countyApi/schemas';
import { headerValue, verifySignature } from '../lib/countyApi/signing';
import { nextFollowUpAfter } from '../lib/risk';
import { readArgs } from './cliArgs';
import { DEMO_SEED, demoCounty, hash3 } from './demoCounty';

// ---- faults -------------------------------------------------------------------------------------

const faultBase = {
	/** Path below the base path ('/patients', '/follow-ups'), or '*' for every API path. */
	path: z.string().min(1),
	/** Only this method (GET/POST); any when absent. */
	method: z.enum(['GET', 'POST']).optional(),
	/** How many matching requests it applies to (default 1). */
	times: z.number().int().min(1).max(1000).default(1),
};

export const faultSchema = z.discriminatedUnion('kind', [
	z.object({ ...faultBase, kind: z.literal('status'), status: z.number().int().min(100).max(599), retryAfter: z.string().optional() }).strict(),
	/** Answer `ms` late. `applyThenDelay`: do the work (store the push) first, then answer late. */
	z.object({ ...faultBase, kind: z.literal('delay'), ms: z.number().int().min(0).max(600_000), applyThenDelay: z.boolean().optional() }).strict(),
	/** 200 with a body that is not JSON (`{"items": [`). */
	z.object({ ...faultBase, kind: z.literal('malformed') }).strict(),
	/** 200 with JSON that breaks the contract: the first item without updatedAt, or its township a number. */
	z.object({ ...faultBase, kind: z.literal('schema'), variant: z.enum(['missing_updatedAt', 'township_number']).optional() }).strict(),
	/** Destroy the socket without an answer (the client sees a reset). */
	z.object({ ...faultBase, kind: z.literal('reset') }).strict(),
]);
export type Fault = z.input<typeof faultSchema>;
type ActiveFault = z.output<typeof faultSchema>;

// ---- types --------------------------------------------------------------------------------------

export interface StoredPush<T = unknown> {
	id: string;
	idempotencyKey: string;
	/** SHA-256 of the body's stable JSON: the same key with another body is a 409. */
	bodySha256: string;
	body: T;
	receivedAt: string;
}

export interface RequestLogEntry {
	at: string;
	method: string;
	/** Path below the base path, without the query ('/patients'). */
	path: string;
	/** The status answered; null while unanswered, or when the socket was dropped or the client had gone. */
	status: number | null;
	idempotencyKey?: string;
	/** The fault applied, if any. */
	fault?: ActiveFault['kind'];
}

export interface CountyApiServerOptions {
	/** 0 (default) = a free port. */
	port?: number;
	host?: string;
	/** The patients served; default `demoPatients(demoPatientCount, seed)`. */
	patients?: CountyPatient[];
	/** Size of the synthetic demo county when `patients` is not given (default 300). */
	demoPatientCount?: number;
	seed?: number;
	credentials?: { bearerTokens?: string[]; apps?: Record<string, string> };
	/** Default '/api/v1'. */
	basePath?: string;
	/** Enables the fault and inspection endpoints. Tests only: never on a server with real data. */
	admin?: boolean;
	/** Allowed clock skew of a signature, default 300 s. */
	maxSkewSeconds?: number;
}

export interface CountyApiServer {
	/** The base URL including the base path, e.g. http://127.0.0.1:8640/api/v1. */
	url: string;
	port: number;
	stop(): Promise<void>;
	/** What was stored, by id. */
	received: { followUps: Map<string, StoredPush>; triageOutcomes: Map<string, StoredPush>; referrals: Map<string, StoredPush> };
	/** Every request, in order of arrival. */
	requests: RequestLogEntry[];
	inject(fault: Fault): void;
	clearFaults(): void;
	setPatients(list: CountyPatient[]): void;
	/**
	 * Mark patients as changed at `updatedAt` (default: now, but always later than any stamp the
	 * server has given, so a touched patient is never hidden behind a cursor already handed out).
	 * Returns how many were found.
	 */
	touchPatients(patientNos: string[], updatedAt?: string): number;
	/** The patients in sync order (updatedAt, patientNo). */
	patients(): CountyPatient[];
}

// ---- demo data ----------------------------------------------------------------------------------

/**
 * The synthetic demo county (scripts/demoCounty.ts: never real people) as the platform would serve
 * it, with a deterministic updatedAt per patient: the day of the last follow-up, in office hours
 * (08:00–17:59 Beijing time), to the minute — so some patients share a stamp and the cursor's
 * tie-break on patientNo is exercised.
 */
export function demoPatients(count = 300, seed = DEMO_SEED): CountyPatient[] {
	const county = demoCounty({ patients: count, seed });
	const out: CountyPatient[] = [];
	for (let i = 0; i < count; i++) {
		const p = county.personAt(i);
		const minute = hash3(seed, 0xc0a7, i) % 600;
		const stamp = Date.parse(`${p.lastFollowUpDate}T00:00:00Z`) + minute * 60_000;
		out.push({
			patientNo: p.patientNo,
			name: p.name,
			sex: p.male ? 'male' : 'female',
			idNumber: p.idNumber,
			birthDate: p.birthDate,
			address: p.address,
			township: p.township,
			diagnosis: p.disorder,
			status: p.status,
			riskLevel: p.riskLevel,
			classification: p.classification,
			lastFollowUpDate: p.lastFollowUpDate,
			nextFollowUpDate: p.status === 'active' ? nextFollowUpAfter(p.lastFollowUpDate, p.classification) : null,
			medication: p.medication,
			guardian: p.guardian,
			guardianPhone: p.guardianPhone,
			registeredOn: p.registeredOn,
			lastHealthCheck: p.lastHealthCheck || null,
			updatedAt: new Date(stamp).toISOString(),
		});
	}
	return out;
}

// ---- the server ---------------------------------------------------------------------------------

const MAX_BODY_BYTES = 1024 * 1024;
const SERVICE = 'smd-county-api-reference';

type Reply = { status: number; body: unknown; headers?: Record<string, string>; raw?: boolean };

class HttpProblem extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly field?: string,
		readonly headers?: Record<string, string>,
	) {
		super(message);
	}
}

const errorBody = (code: string, message: string, field?: string) => ({ error: field === undefined ? { code, message } : { code, message, field } });

const PUSH_KINDS: Record<PushPath, { store: 'followUps' | 'triageOutcomes' | 'referrals'; prefix: string }> = {
	'/follow-ups': { store: 'followUps', prefix: 'FU' },
	'/triage-outcomes': { store: 'triageOutcomes', prefix: 'TO' },
	'/referrals': { store: 'referrals', prefix: 'RF' },
};

const ROUTES: Record<string, string[]> = {
	'/health': ['GET'],
	'/patients': ['GET'],
	'/follow-ups': ['POST'],
	'/triage-outcomes': ['POST'],
	'/referrals': ['POST'],
};
const ADMIN_ROUTES: Record<string, string[]> = {
	'/__faults': ['POST', 'DELETE'],
	'/__received': ['GET'],
	'/__touch': ['POST'],
	'/__requests': ['GET'],
};

/** The cursor: base64url of [updatedAt as ISO ms, patientNo] of the last item handed out. Opaque to clients. */
function encodeCursor(ms: number, patientNo: string): string {
	return Buffer.from(JSON.stringify([new Date(ms).toISOString(), patientNo]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { ms: number; patientNo: string } | null {
	if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return null;
	try {
		const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
		if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
		const ms = Date.parse(v[0]);
		return Number.isNaN(ms) ? null : { ms, patientNo: v[1] };
	} catch {
		return null;
	}
}

const sameSecret = (a: string, b: string) => {
	const ha = createHash('sha256').update(a).digest();
	const hb = createHash('sha256').update(b).digest();
	return timingSafeEqual(ha, hb);
};

export async function startCountyApiServer(options: CountyApiServerOptions = {}): Promise<CountyApiServer> {
	const basePath = (options.basePath ?? '/api/v1').replace(/\/+$/, '');
	const host = options.host ?? '127.0.0.1';
	const bearerTokens = options.credentials?.bearerTokens ?? [];
	const apps = options.credentials?.apps ?? {};
	const admin = options.admin === true;

	type Entry = { p: CountyPatient; ms: number };
	let sorted: Entry[] = [];
	let lastStamp = 0;
	const order = (a: Entry, b: Entry) => a.ms - b.ms || (a.p.patientNo < b.p.patientNo ? -1 : a.p.patientNo > b.p.patientNo ? 1 : 0);
	const setPatients = (list: CountyPatient[]) => {
		sorted = list.map((p) => ({ p: { ...p }, ms: Date.parse(p.updatedAt) })).sort(order);
		lastStamp = sorted.reduce((m, e) => (Number.isNaN(e.ms) ? m : Math.max(m, e.ms)), 0);
	};
	setPatients(options.patients ?? demoPatients(options.demoPatientCount ?? 300, options.seed ?? DEMO_SEED));

	const touchPatients = (patientNos: string[], updatedAt?: string): number => {
		let ms: number;
		if (updatedAt === undefined) ms = Math.max(Date.now(), lastStamp + 1);
		else {
			ms = Date.parse(updatedAt);
			if (Number.isNaN(ms)) throw new Error('updatedAt must be an ISO date and time');
		}
		const wanted = new Set(patientNos);
		let n = 0;
		for (const e of sorted) {
			if (!wanted.has(e.p.patientNo)) continue;
			e.ms = ms;
			e.p.updatedAt = updatedAt ?? new Date(ms).toISOString();
			n++;
		}
		sorted.sort(order);
		lastStamp = Math.max(lastStamp, ms);
		return n;
	};

	const received: CountyApiServer['received'] = { followUps: new Map(), triageOutcomes: new Map(), referrals: new Map() };
	const byKey: Record<PushPath, Map<string, StoredPush>> = { '/follow-ups': new Map(), '/triage-outcomes': new Map(), '/referrals': new Map() };
	const requests: RequestLogEntry[] = [];
	let faults: ActiveFault[] = [];
	let seq = 0;

	const inject = (fault: Fault) => {
		faults.push(faultSchema.parse(fault));
	};
	const takeFault = (method: string, path: string): ActiveFault | undefined => {
		const f = faults.find((x) => (x.path === '*' || x.path === path) && (x.method === undefined || x.method === method));
		if (!f) return undefined;
		f.times--;
		if (f.times <= 0) faults = faults.filter((x) => x !== f);
		return f;
	};

	// Pending waits, ended by stop() so no timer outlives the server.
	const waits = new Set<() => void>();
	const wait = (ms: number) =>
		new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				waits.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			waits.add(done);
		});

	const authenticate = (req: IncomingMessage, body: Buffer) => {
		const authorization = headerValue(req.headers, 'authorization');
		if (authorization !== undefined) {
			const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
			if (m && bearerTokens.some((t) => sameSecret(t, m[1]))) return;
			throw new HttpProblem(401, 'unauthorized', 'the bearer token is not valid', undefined, { 'WWW-Authenticate': 'Bearer' });
		}
		if (headerValue(req.headers, 'x-smd-app-key') !== undefined || headerValue(req.headers, 'x-smd-signature') !== undefined) {
			const result = verifySignature({
				method: req.method ?? '',
				pathAndQuery: req.url ?? '',
				body,
				headers: req.headers,
				secretFor: (key) => (Object.prototype.hasOwnProperty.call(apps, key) ? apps[key] : undefined),
				maxSkewSeconds: options.maxSkewSeconds,
			});
			if (result.ok) return;
			throw new HttpProblem(401, 'unauthorized', result.reason);
		}
		throw new HttpProblem(401, 'unauthorized', 'authentication required: a Bearer token or the X-SMD-* signature headers', undefined, {
			'WWW-Authenticate': 'Bearer',
		});
	};

	const pullPatients = (url: URL): Reply => {
		const rawLimit = url.searchParams.get('limit');
		let limit: number = PAGE_LIMIT.default;
		if (rawLimit !== null) {
			if (!/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < PAGE_LIMIT.min || Number(rawLimit) > PAGE_LIMIT.max) {
				throw new HttpProblem(400, 'invalid', `limit must be a whole number ${PAGE_LIMIT.min}–${PAGE_LIMIT.max}`, 'limit');
			}
			limit = Number(rawLimit);
		}
		const since = url.searchParams.get('since');
		let start = 0;
		if (since !== null && since !== '') {
			const c = decodeCursor(since);
			if (!c) throw new HttpProblem(400, 'invalid_cursor', 'since is not a cursor this server handed out', 'since');
			// First entry after the cursor in (updatedAt, patientNo) order.
			let lo = 0;
			let hi = sorted.length;
			while (lo < hi) {
				const mid = (lo + hi) >> 1;
				const e = sorted[mid];
				if (e.ms < c.ms || (e.ms === c.ms && e.p.patientNo <= c.patientNo)) lo = mid + 1;
				else hi = mid;
			}
			start = lo;
		}
		const page = sorted.slice(start, start + limit);
		const last = page[page.length - 1];
		return {
			status: 200,
			body: {
				items: page.map((e) => e.p),
				nextCursor: last ? encodeCursor(last.ms, last.p.patientNo) : since || null,
				hasMore: start + page.length < sorted.length,
			},
		};
	};

	const push = (path: PushPath, req: IncomingMessage, raw: Buffer): Reply => {
		const key = headerValue(req.headers, 'idempotency-key');
		if (key === undefined || key === '') throw new HttpProblem(400, 'missing_idempotency_key', 'the Idempotency-Key header is required', 'Idempotency-Key');
		if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
			throw new HttpProblem(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–128 characters of A–Z, a–z, 0–9, ".", "_", ":" or "-"', 'Idempotency-Key');
		}
		let json: unknown;
		try {
			json = JSON.parse(raw.toString('utf8'));
		} catch {
			throw new HttpProblem(400, 'invalid_json', 'the body is not valid JSON', 'body');
		}
		const parsed = PUSH_SCHEMAS[path].safeParse(json);
		if (!parsed.success) {
			const { field, message } = describeIssue(parsed.error, 'body');
			throw new HttpProblem(422, 'invalid', `${field} ${message}`, field);
		}
		const bodySha256 = createHash('sha256').update(stableJson(parsed.data), 'utf8').digest('hex');
		const seen = byKey[path].get(key);
		if (seen) {
			if (seen.bodySha256 !== bodySha256) {
				throw new HttpProblem(409, 'idempotency_conflict', 'this Idempotency-Key was used for a different body', 'Idempotency-Key');
			}
			return { status: 200, body: { id: seen.id, status: 'duplicate', receivedAt: seen.receivedAt } };
		}
		const kind = PUSH_KINDS[path];
		const stored: StoredPush = {
			id: `${kind.prefix}-${String(++seq).padStart(6, '0')}`,
			idempotencyKey: key,
			bodySha256,
			body: parsed.data,
			receivedAt: new Date().toISOString(),
		};
		byKey[path].set(key, stored);
		received[kind.store].set(stored.id, stored);
		return { status: 201, body: { id: stored.id, status: 'created', receivedAt: stored.receivedAt } };
	};

	const adminRoute = (method: string, path: string, raw: Buffer): Reply => {
		const json = () => {
			try {
				return JSON.parse(raw.toString('utf8')) as unknown;
			} catch {
				throw new HttpProblem(400, 'invalid_json', 'the body is not valid JSON', 'body');
			}
		};
		if (path === '/__faults' && method === 'DELETE') {
			faults = [];
			return { status: 200, body: { faults: 0 } };
		}
		if (path === '/__faults') {
			const parsed = faultSchema.safeParse(json());
			if (!parsed.success) {
				const { field, message } = describeIssue(parsed.error, 'body');
				throw new HttpProblem(422, 'invalid', `${field} ${message}`, field);
			}
			faults.push(parsed.data);
			return { status: 201, body: { faults: faults.length } };
		}
		if (path === '/__touch') {
			const parsed = z.object({ patientNos: z.array(z.string()).min(1), updatedAt: z.string().optional() }).strict().safeParse(json());
			if (!parsed.success) {
				const { field, message } = describeIssue(parsed.error, 'body');
				throw new HttpProblem(422, 'invalid', `${field} ${message}`, field);
			}
			if (parsed.data.updatedAt !== undefined && Number.isNaN(Date.parse(parsed.data.updatedAt))) {
				throw new HttpProblem(422, 'invalid', 'updatedAt must be an ISO date and time', 'updatedAt');
			}
			return { status: 200, body: { touched: touchPatients(parsed.data.patientNos, parsed.data.updatedAt) } };
		}
		if (path === '/__requests') return { status: 200, body: { requests } };
		return {
			status: 200,
			body: {
				followUps: [...received.followUps.values()],
				triageOutcomes: [...received.triageOutcomes.values()],
				referrals: [...received.referrals.values()],
			},
		};
	};

	/** The answer of a well-behaved server. */
	const answer = (method: string, path: string, url: URL, req: IncomingMessage, raw: Buffer): Reply => {
		if (path in ADMIN_ROUTES) return adminRoute(method, path, raw);
		if (path === '/health') return { status: 200, body: { status: 'ok', service: SERVICE, version: COUNTY_API_VERSION, time: new Date().toISOString() } };
		if (path === '/patients') return pullPatients(url);
		return push(path as PushPath, req, raw);
	};

	/** The answer a fault asks for instead (null: answer normally). */
	const faulty = (fault: ActiveFault, path: string, url: URL): Reply | null => {
		if (fault.kind === 'status') {
			const code = fault.status === 401 ? 'unauthorized' : fault.status === 429 ? 'rate_limited' : 'injected_fault';
			return { status: fault.status, body: errorBody(code, 'injected fault'), headers: fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter } };
		}
		if (fault.kind === 'malformed') return { status: 200, body: '{"items": [', raw: true };
		if (fault.kind === 'schema') {
			if (path === '/patients') {
				const page = pullPatients(url).body as { items: Array<Record<string, unknown>> };
				const items = page.items.map((p) => ({ ...p }));
				if (items.length === 0) items.push({ patientNo: 'X', name: 'X', status: 'active', updatedAt: new Date().toISOString() });
				if (fault.variant === 'township_number') items[0].township = 42;
				else delete items[0].updatedAt;
				return { status: 200, body: { ...page, items } };
			}
			if (path === '/health') return { status: 200, body: { status: 'ok' } };
			return { status: 200, body: { id: 42, status: 'stored' } };
		}
		return null;
	};

	const server = createServer((req, res) => {
		res.on('error', () => undefined);
		const method = req.method ?? '';
		const url = new URL(req.url ?? '/', 'http://localhost');
		const path = url.pathname.startsWith(basePath + '/') ? url.pathname.slice(basePath.length) : null;
		const idempotencyKey = headerValue(req.headers, 'idempotency-key');
		// Logged on arrival (so a late answer keeps its place in the order), its status set when answered.
		const entry: RequestLogEntry = { at: new Date().toISOString(), method, path: path ?? url.pathname, status: null };
		if (idempotencyKey !== undefined) entry.idempotencyKey = idempotencyKey;
		requests.push(entry);
		const log = (status: number | null, fault?: ActiveFault['kind']) => {
			entry.status = status;
			if (fault !== undefined) entry.fault = fault;
		};
		const send = (reply: Reply, fault?: ActiveFault['kind']) => {
			if (res.destroyed || req.socket.destroyed) {
				log(null, fault);
				return;
			}
			const text = reply.raw ? String(reply.body) : JSON.stringify(reply.body);
			res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', ...(reply.headers ?? {}) });
			res.end(text);
			log(reply.status, fault);
		};
		const problem = (error: unknown) => {
			if (error instanceof HttpProblem) return { status: error.status, body: errorBody(error.code, error.message, error.field), headers: error.headers };
			return { status: 500, body: errorBody('internal', 'internal error') };
		};

		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = false;
		req.on('data', (c: Buffer) => {
			size += c.length;
			if (size > MAX_BODY_BYTES) tooLarge = true;
			else chunks.push(c);
		});
		req.on('end', () => {
			void (async () => {
				if (tooLarge) return send({ status: 413, body: errorBody('too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`, 'body') });
				const raw = Buffer.concat(chunks);
				const routes = admin ? { ...ROUTES, ...ADMIN_ROUTES } : ROUTES;
				if (path === null || !(path in routes)) return send({ status: 404, body: errorBody('not_found', 'no such path') });
				if (!routes[path].includes(method)) {
					return send({ status: 405, body: errorBody('method_not_allowed', `use ${routes[path].join(' or ')}`), headers: { Allow: routes[path].join(', ') } });
				}
				try {
					authenticate(req, raw);
				} catch (error) {
					return send(problem(error));
				}
				const fault = path in ADMIN_ROUTES ? undefined : takeFault(method, path);
				if (fault) entry.fault = fault.kind;
				if (fault?.kind === 'reset') {
					req.socket.destroy();
					return log(null, 'reset');
				}
				if (fault?.kind === 'delay' && !fault.applyThenDelay) {
					await wait(fault.ms);
					// The client gave up meanwhile: the work is not done (a proxy that held the request).
					if (res.destroyed || req.socket.destroyed) return log(null, 'delay');
				}
				let reply: Reply;
				try {
					reply = (fault && faulty(fault, path, url)) || answer(method, path, url, req, raw);
				} catch (error) {
					reply = problem(error);
				}
				if (fault?.kind === 'delay' && fault.applyThenDelay) await wait(fault.ms);
				send(reply, fault?.kind);
			})();
		});
	});

	const sockets = new Set<Socket>();
	server.on('connection', (s: Socket) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	const hostInUrl = host.includes(':') ? `[${host}]` : host;

	return {
		url: `http://${hostInUrl}:${port}${basePath}`,
		port,
		received,
		requests,
		inject,
		clearFaults: () => {
			faults = [];
		},
		setPatients,
		touchPatients,
		patients: () => sorted.map((e) => e.p),
		stop: () =>
			new Promise<void>((resolve) => {
				for (const done of [...waits]) done();
				server.closeAllConnections();
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			}),
	};
}

// ---- CLI ----------------------------------------------------------------------------------------

const USAGE = `usage: node dist/scripts/countyApiServer.js [--port 8640] [--host 127.0.0.1] [--patients 3000] [--seed N]
       [--token TOKEN]... [--app-key KEY --app-secret SECRET] [--base-path /api/v1] [--admin]
A reference county platform API with synthetic demo patients (never real people), in memory.
--admin enables POST {base}/__faults, GET {base}/__received, POST {base}/__touch, GET {base}/__requests
for tests: never enable it on a server with real data.`;

function wholeNumber(flag: string, value: string, min: number, max: number): number {
	const n = Number(value);
	if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number ${min}…${max}`);
	return n;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
	const { values: v } = readArgs(argv, {
		help: { type: 'boolean', short: 'h' },
		port: { type: 'string' },
		host: { type: 'string' },
		patients: { type: 'string' },
		seed: { type: 'string' },
		token: { type: 'string', multiple: true },
		'app-key': { type: 'string' },
		'app-secret': { type: 'string' },
		'base-path': { type: 'string' },
		admin: { type: 'boolean' },
	});
	if (v.help) {
		console.log(USAGE);
		return;
	}
	if ((v['app-key'] === undefined) !== (v['app-secret'] === undefined)) throw new Error('--app-key and --app-secret go together');
	const tokens = v.token ?? [];
	if (tokens.length === 0 && v['app-key'] === undefined) throw new Error('give --token and/or --app-key with --app-secret: every path needs auth');
	const basePath = v['base-path'] ?? '/api/v1';
	if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(basePath)) throw new Error('--base-path must look like /api/v1');
	const server = await startCountyApiServer({
		port: v.port === undefined ? 8640 : wholeNumber('--port', v.port, 0, 65535),
		host: v.host ?? '127.0.0.1',
		demoPatientCount: v.patients === undefined ? 3000 : wholeNumber('--patients', v.patients, 0, 1_000_000),
		seed: v.seed === undefined ? DEMO_SEED : wholeNumber('--seed', v.seed, 0, 0xffffffff),
		credentials: { bearerTokens: tokens, apps: v['app-key'] === undefined ? {} : { [v['app-key']]: v['app-secret'] as string } },
		basePath,
		admin: v.admin === true,
	});
	console.log(`county API reference server: ${server.url} (${server.patients().length} demo patients${v.admin ? ', admin endpoints ON — tests only' : ''})`);
	await new Promise<void>((resolve) => {
		const stop = () => {
			process.off('SIGINT', stop);
			process.off('SIGTERM', stop);
			resolve();
		};
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
	});
	await server.stop();
	console.log('county API reference server stopped');
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(`countyApiServer failed: ${error.message}`);
		process.exitCode = 1;
	});
}
