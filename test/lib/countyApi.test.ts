/**
 * The county platform API client against the real reference server over loopback (no mocks): the
 * paged sync, both auth schemes, the signature, and the faults a county platform shows in practice —
 * each ends in a success after retries or a clear error, with nothing lost or doubled. Back-offs are
 * recorded by an injected `sleep` instead of waited, so the file runs in a few seconds.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
	CountyApiClient,
	CountyApiError,
	idempotencyKey,
	parseRetryAfter,
	patientInputFromCounty,
	signRequest,
	stableJson,
	verifySignature,
	type CountyApiOptions,
	type CountyPatient,
	type FollowUpPush,
	type ReferralPush,
	type RetryInfo,
	type TriageOutcomePush,
} from '../../lib/countyApi';
import { demoPatients, startCountyApiServer, type CountyApiServer } from '../../scripts/countyApiServer';
import { makeId } from '../helpers';
import { CARE_ROLES, CONSENT_BY, REFERRAL_DIRECTIONS, REFERRAL_REASONS, REFERRAL_STATUSES, REFERRAL_URGENCY } from '../../lib/referrals';
import { TRIAGE_CATEGORIES } from '../../lib/triage';
import { ACTIONS, CLASSIFICATIONS, MANAGEMENT_STATUS, MEDICATION } from '../../lib/vocabulary';

const TOKEN = 'test-token';
const APP = { appKey: 'test-app', appSecret: 'test-secret' };
const CREDENTIALS = { bearerTokens: [TOKEN], apps: { [APP.appKey]: APP.appSecret } };

/** Every patient any server of this file served: no error message may contain their names or ID numbers. */
const servedPatients: CountyPatient[] = [];
/** Every error message the client produced in this file. */
const messages: string[] = [];

let srv: CountyApiServer;
const extraServers: CountyApiServer[] = [];

async function server(options: Parameters<typeof startCountyApiServer>[0] = {}): Promise<CountyApiServer> {
	const s = await startCountyApiServer({ credentials: CREDENTIALS, ...options });
	servedPatients.push(...s.patients());
	extraServers.push(s);
	return s;
}

beforeAll(async () => {
	srv = await startCountyApiServer({ credentials: CREDENTIALS, demoPatientCount: 250 });
	servedPatients.push(...srv.patients());
});
afterEach(() => srv.clearFaults());
afterAll(async () => {
	await srv.stop();
	await Promise.all(extraServers.map((s) => s.stop()));
});

interface Harness {
	client: CountyApiClient;
	waits: number[];
	retries: RetryInfo[];
}

/** A client with tiny back-offs, a 2 s deadline (the timeout tests set 300 ms) and a `sleep` that records instead of waiting. */
function harness(over: Partial<CountyApiOptions> = {}, target: CountyApiServer = srv): Harness {
	const waits: number[] = [];
	const retries: RetryInfo[] = [];
	const client = new CountyApiClient({
		baseUrl: target.url,
		auth: { type: 'hmac', ...APP },
		timeoutMs: 2000,
		backoffMs: 10,
		maxBackoffMs: 1000,
		onRetry: (info) => retries.push(info),
		sleep: async (ms) => {
			waits.push(ms);
		},
		...over,
	});
	return { client, waits, retries };
}

/** The CountyApiError the promise rejects with (its message kept for the final check). */
async function failure(promise: Promise<unknown>, code: CountyApiError['code']): Promise<CountyApiError> {
	let caught: unknown;
	try {
		await promise;
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(CountyApiError);
	const e = caught as CountyApiError;
	messages.push(e.message);
	expect(e.code).toBe(code);
	return e;
}

const requestsTo = (s: CountyApiServer, path: string) => s.requests.filter((r) => r.path === path);

const followUp = (over: Partial<FollowUpPush> = {}): FollowUpPush => ({
	patientNo: 'DEMO-000001',
	followUpDate: '2026-11-20',
	riskLevel: 1,
	classification: 'basically_stable',
	medication: 'regular',
	nextFollowUpDate: '2026-12-20',
	actions: ['continue_plan'],
	form: '家庭访视',
	visitors: ['mental_health_worker', 'township_doctor'],
	...over,
});

describe('paged pull', () => {
	test('a full paged pull reconciles: every patient once, in (updatedAt, patientNo) order; the last cursor resumes; a touched patient reappears after it', async () => {
		const s = await server({ demoPatientCount: 230 });
		const { client } = harness({}, s);
		const seen: CountyPatient[] = [];
		let cursor: string | null = null;
		let pages = 0;
		for await (const page of client.pages(null, 37)) {
			seen.push(...page.items);
			cursor = page.nextCursor ?? cursor;
			pages++;
		}
		expect(pages).toBe(Math.ceil(230 / 37));
		const nos = seen.map((p) => p.patientNo);
		expect(new Set(nos).size).toBe(nos.length);
		expect(nos.sort()).toEqual(
			s
				.patients()
				.map((p) => p.patientNo)
				.sort(),
		);
		for (let i = 1; i < seen.length; i++) {
			const a = seen[i - 1];
			const b = seen[i];
			expect(Date.parse(a.updatedAt) <= Date.parse(b.updatedAt)).toBe(true);
		}

		// Nothing changed: the cursor of the last page gives an empty page and stays put.
		const empty = await client.pullPatients(cursor);
		expect(empty).toEqual({ items: [], nextCursor: cursor, hasMore: false });

		// Two patients change on the platform: exactly they come after the cursor, with their new stamp.
		expect(s.touchPatients(['DEMO-000007', 'DEMO-000150'])).toBe(2);
		const after = await client.pullPatients(cursor);
		expect(after.items.map((p) => p.patientNo)).toEqual(['DEMO-000007', 'DEMO-000150']);
		expect(after.hasMore).toBe(false);
		expect(after.nextCursor).not.toBe(cursor);
		expect((await client.pullPatients(after.nextCursor)).items).toEqual([]);
	});

	test('patients sharing one updatedAt are split across pages by patientNo, none lost or repeated', async () => {
		const base = demoPatients(7).map((p, i) => ({ ...p, updatedAt: i < 5 ? '2026-11-20T02:00:00.000Z' : '2026-11-21T02:00:00.000Z' }));
		const s = await server({ patients: base });
		const { client } = harness({}, s);
		const got: string[] = [];
		for await (const page of client.pages(null, 2)) got.push(...page.items.map((p) => p.patientNo));
		expect(got).toEqual(base.map((p) => p.patientNo));
	});

	test('limit defaults to 200 and is checked; a cursor the server never gave is a client error naming since', async () => {
		const { client } = harness();
		const page = await client.pullPatients(null);
		expect(page.items).toHaveLength(200);
		expect(page.hasMore).toBe(true);
		await expect(client.pullPatients(null, 1001)).rejects.toThrow(/limit/);
		const e = await failure(client.pullPatients('not-a-cursor'), 'client');
		expect(e.status).toBe(400);
		expect(e.field).toBe('since');
		expect(e.attempts).toBe(1);
	});

	test('each county patient maps onto a registry PatientInput as the import would', () => {
		const p = srv.patients()[0];
		const input = patientInputFromCounty(p);
		expect(input.patientNo).toBe(p.patientNo);
		expect(input.nameKey).toBe(p.name.replace(/·/g, ''));
		expect(input.idValid).toBe(true);
		expect(input.idNumber).toBe(p.idNumber);
		expect(input.status).toBe(p.status);

		const valid = makeId('1987-01-01', 123);
		const wrongCheck = valid.slice(0, 17) + (valid[17] === '1' ? '2' : '1');
		const odd = patientInputFromCounty({
			...p,
			name: ' 買買提 • 艾力 ',
			idNumber: ` ${wrongCheck.slice(0, 6)}-${wrongCheck.slice(6)} `, // wrong check character: kept as recorded, flagged
			sex: null,
			birthDate: null,
			diagnosis: '精神分裂症',
		});
		expect(odd.name).toBe('买买提·艾力');
		expect(odd.nameKey).toBe('买买提艾力');
		expect(odd.idValid).toBe(false);
		expect(odd.idNumber).toBe(wrongCheck);
		expect(odd.birthDate).toBe('1987-01-01');
		expect(odd.diagnosis).toBe('schizophrenia');
		expect(() => patientInputFromCounty({ ...p, name: '///' })).toThrow(/name/);
	});
});

describe('auth', () => {
	test('HMAC and bearer both work, on /health too', async () => {
		const hmac = await harness().client.health();
		expect(hmac.status).toBe('ok');
		const bearer = harness({ auth: { type: 'bearer', token: TOKEN } }).client;
		expect((await bearer.health()).status).toBe('ok');
		expect((await bearer.pullPatients(null, 5)).items).toHaveLength(5);
	});

	test('a wrong secret is a 401: code auth, 1 attempt, no retry, a message about the key and secret', async () => {
		const before = requestsTo(srv, '/patients').length;
		const h = harness({ auth: { type: 'hmac', appKey: APP.appKey, appSecret: 'wrong-secret' } });
		const e = await failure(h.client.pullPatients(null), 'auth');
		expect(e.status).toBe(401);
		expect(e.attempts).toBe(1);
		expect(e.serverCode).toBe('unauthorized');
		expect(e.message).toMatch(/GET \/patients/);
		expect(e.message).toMatch(/app key and app secret/);
		expect(h.waits).toEqual([]);
		expect(requestsTo(srv, '/patients').length - before).toBe(1);
	});

	test('a wrong bearer token and an unknown app key are 401s as well', async () => {
		const e = await failure(harness({ auth: { type: 'bearer', token: 'nope' } }).client.health(), 'auth');
		expect(e.message).toMatch(/check the credential's token/);
		await failure(harness({ auth: { type: 'hmac', appKey: 'other-app', appSecret: APP.appSecret } }).client.health(), 'auth');
	});

	test('a stale timestamp (the caller clock 10 minutes behind) is a 401, not retried', async () => {
		const h = harness({ clock: () => Date.now() - 10 * 60_000 });
		const e = await failure(h.client.pushFollowUp(followUp(), 'stale:1'), 'auth');
		expect(e.attempts).toBe(1);
		expect(e.message).toMatch(/POST \/follow-ups/);
		expect([...srv.received.followUps.values()].some((r) => r.idempotencyKey === 'stale:1')).toBe(false);
	});

	test('a body changed after signing, or a body hash that does not match, is refused with 401 and stored nowhere', async () => {
		const pathAndQuery = new URL(srv.url).pathname + '/follow-ups';
		const signed = JSON.stringify(followUp());
		const tampered = JSON.stringify(followUp({ riskLevel: 0 }));
		const headers = signRequest({ method: 'POST', pathAndQuery, body: signed, ...APP });
		const send = (body: string, h: Record<string, string>) =>
			fetch(srv.url + '/follow-ups', { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'tamper:1', ...h } });
		const r1 = await send(tampered, headers);
		expect(r1.status).toBe(401);
		expect(((await r1.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
		// A forger who also replaces the body hash still lacks the signature over it.
		const r2 = await send(tampered, { ...headers, 'X-SMD-Content-SHA256': signRequest({ method: 'POST', pathAndQuery, body: tampered, ...APP })['X-SMD-Content-SHA256'] });
		expect(r2.status).toBe(401);
		// The untampered request goes through.
		const r3 = await send(signed, headers);
		expect(r3.status).toBe(201);
		expect([...srv.received.followUps.values()].filter((r) => r.idempotencyKey === 'tamper:1')).toHaveLength(1);
	});

	test('verifySignature checks method, path, query, body, key, secret and the clock', () => {
		const now = Date.parse('2026-11-29T01:00:00Z');
		const pathAndQuery = '/api/v1/patients?since=abc&limit=200';
		const headers = signRequest({ method: 'get', pathAndQuery, body: '', appKey: 'k', appSecret: 's', now });
		expect(headers['X-SMD-Timestamp']).toBe(String(now / 1000));
		expect(headers['X-SMD-Content-SHA256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
		const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
		const check = (over: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
			verifySignature({ method: 'GET', pathAndQuery, body: '', headers: lower, secretFor: (k) => (k === 'k' ? 's' : undefined), now, ...over });
		expect(check()).toEqual({ ok: true, appKey: 'k' });
		expect(check({ method: 'POST' }).ok).toBe(false);
		expect(check({ pathAndQuery: '/api/v1/patients?since=abd&limit=200' }).ok).toBe(false);
		expect(check({ body: 'x' })).toEqual({ ok: false, reason: expect.stringMatching(/Content-SHA256/) });
		expect(check({ secretFor: () => 'other' })).toEqual({ ok: false, reason: 'signature does not match' });
		expect(check({ secretFor: () => undefined })).toEqual({ ok: false, reason: 'unknown app key' });
		expect(check({ now: now + 301_000 })).toEqual({ ok: false, reason: expect.stringMatching(/clock/) });
		expect(check({ now: now + 299_000 }).ok).toBe(true);
		expect(check({ headers: { ...lower, 'x-smd-signature': 'zz' } }).ok).toBe(false);
		expect(check({ headers: { ...lower, 'x-smd-timestamp': undefined } })).toEqual({ ok: false, reason: 'missing X-SMD-Timestamp header' });
	});
});

describe('faults', () => {
	test('API down (connection refused): code unreachable after retries + 1 attempts, with exponential back-off', async () => {
		const gone = await startCountyApiServer({ credentials: CREDENTIALS, patients: [] });
		const url = gone.url;
		await gone.stop();
		const h = harness({ baseUrl: url, retries: 3, backoffMs: 10 });
		const e = await failure(h.client.pullPatients(null), 'unreachable');
		expect(e.attempts).toBe(4);
		expect(e.status).toBeNull();
		expect(e.message).toMatch(/GET \/patients: .*connection refused.*\(4 attempts\)/);
		expect(h.waits).toHaveLength(3);
		[10, 20, 40].forEach((base, i) => {
			expect(h.waits[i]).toBeGreaterThanOrEqual(base);
			expect(h.waits[i]).toBeLessThanOrEqual(base * 1.1 + 1);
		});
		expect(h.retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
		expect(h.retries[0].reason).toBe('connection refused');
	});

	test('back-off is capped by maxBackoffMs', async () => {
		const gone = await startCountyApiServer({ credentials: CREDENTIALS, patients: [] });
		await gone.stop();
		const h = harness({ baseUrl: gone.url, retries: 5, backoffMs: 100, maxBackoffMs: 250 });
		await failure(h.client.health(), 'unreachable');
		expect(h.waits.slice(2)).toEqual([250, 250, 250]);
	});

	test('an answer slower than the deadline is retried and the pull succeeds', async () => {
		srv.inject({ path: '/patients', kind: 'delay', ms: 700, times: 1 });
		const before = requestsTo(srv, '/patients').length;
		const h = harness({ timeoutMs: 300 });
		const page = await h.client.pullPatients(null, 10);
		expect(page.items).toHaveLength(10);
		expect(h.retries).toEqual([{ request: 'GET /patients', attempt: 1, waitMs: expect.any(Number), reason: 'timeout after 300 ms' }]);
		const log = requestsTo(srv, '/patients').slice(before);
		// The late answer had no one left to hear it (status null); the retry was answered.
		expect(log.map((r) => [r.status, r.fault])).toEqual([
			[null, 'delay'],
			[200, undefined],
		]);
	});

	test('a push stored but answered too late: the retry reuses the key and gets duplicate with the same id; one record', async () => {
		srv.inject({ path: '/follow-ups', kind: 'delay', ms: 700, times: 1, applyThenDelay: true });
		const key = idempotencyKey('follow-up', ['DEMO-000002', '2026-11-20']);
		const h = harness({ timeoutMs: 300 });
		const result = await h.client.pushFollowUp(followUp({ patientNo: 'DEMO-000002' }), key);
		expect(result.status).toBe('duplicate');
		const stored = [...srv.received.followUps.values()].filter((r) => r.idempotencyKey === key);
		expect(stored).toHaveLength(1);
		expect(result.id).toBe(stored[0].id);
		expect(result.receivedAt).toBe(stored[0].receivedAt);
		expect(h.retries).toHaveLength(1);
		// Both attempts carried the same key.
		expect(srv.requests.filter((r) => r.idempotencyKey === key)).toHaveLength(2);
	});

	test('500 twice then 200: three attempts, success', async () => {
		srv.inject({ path: '/health', kind: 'status', status: 500, times: 2 });
		const before = requestsTo(srv, '/health').length;
		const h = harness();
		expect((await h.client.health()).status).toBe('ok');
		expect(requestsTo(srv, '/health').length - before).toBe(3);
		expect(h.retries.map((r) => r.reason)).toEqual(['answered 500', 'answered 500']);
	});

	test('5xx that never ends: code server after retries + 1 attempts', async () => {
		srv.inject({ path: '/health', kind: 'status', status: 502, times: 10 });
		const e = await failure(harness({ retries: 2 }).client.health(), 'server');
		expect(e.attempts).toBe(3);
		expect(e.status).toBe(502);
		expect(e.message).toMatch(/GET \/health: .*502.*\(3 attempts\)/);
	});

	test('429 with Retry-After: 2 waits 2000 ms, then succeeds', async () => {
		srv.inject({ path: '/patients', kind: 'status', status: 429, times: 1, retryAfter: '2' });
		const h = harness();
		const page = await h.client.pullPatients(null, 3);
		expect(page.items).toHaveLength(3);
		expect(h.waits).toEqual([2000]);
		expect(h.retries[0]).toMatchObject({ attempt: 1, waitMs: 2000, reason: 'answered 429' });
	});

	test('503 with an HTTP-date Retry-After is honoured too', async () => {
		const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5000).toUTCString();
		srv.inject({ path: '/health', kind: 'status', status: 503, times: 1, retryAfter: at });
		const h = harness();
		await h.client.health();
		expect(h.waits[0]).toBeGreaterThan(2000);
		expect(h.waits[0]).toBeLessThanOrEqual(6000);
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:00Z'))).toBe(60_000);
		expect(parseRetryAfter('soon')).toBeUndefined();
	});

	test('a Retry-After longer than maxRetryAfterMs fails at once, clearly', async () => {
		srv.inject({ path: '/patients', kind: 'status', status: 429, times: 1, retryAfter: '120' });
		const h = harness({ maxRetryAfterMs: 60_000 });
		const e = await failure(h.client.pullPatients(null), 'rate_limited');
		expect(e.attempts).toBe(1);
		expect(e.retryAfterMs).toBe(120_000);
		expect(e.message).toMatch(/wait 120 s \(Retry-After\), longer than the 60 s allowed/);
		expect(h.waits).toEqual([]);
	});

	test('a dropped connection (reset) is retried; a platform that keeps dropping ends unreachable', async () => {
		srv.inject({ path: '/health', kind: 'reset', times: 1 });
		const h = harness();
		expect((await h.client.health()).status).toBe('ok');
		expect(h.retries).toHaveLength(1);

		srv.inject({ path: '/health', kind: 'reset', times: 10 });
		const e = await failure(harness({ retries: 3 }).client.health(), 'unreachable');
		expect(e.attempts).toBe(4);
	});

	test('malformed JSON: code malformed, 1 attempt, not retried', async () => {
		srv.inject({ path: '/patients', kind: 'malformed', times: 5 });
		const before = requestsTo(srv, '/patients').length;
		const h = harness();
		const e = await failure(h.client.pullPatients(null), 'malformed');
		expect(e.attempts).toBe(1);
		expect(e.status).toBe(200);
		expect(e.message).toMatch(/GET \/patients: .*not valid JSON.*\(1 attempt\)/);
		expect(requestsTo(srv, '/patients').length - before).toBe(1);
	});

	test('a 200 that breaks the contract: code schema, naming the path, never the value', async () => {
		srv.inject({ path: '/patients', kind: 'schema', times: 1 });
		const e = await failure(harness().client.pullPatients(null, 5), 'schema');
		expect(e.attempts).toBe(1);
		expect(e.field).toBe('items[0].updatedAt');
		expect(e.message).toContain('items[0]');
		expect(e.message).toContain('updatedAt');
		const first = srv.patients()[0];
		expect(e.message).not.toContain(first.name);

		srv.inject({ path: '/patients', kind: 'schema', times: 1, variant: 'township_number' });
		const e2 = await failure(harness().client.pullPatients(null, 5), 'schema');
		expect(e2.field).toBe('items[0].township');
		expect(e2.message).toMatch(/items\[0\]\.township must be string, got number/);

		srv.inject({ path: '/follow-ups', kind: 'schema', times: 1 });
		const e3 = await failure(harness().client.pushFollowUp(followUp(), 'schema:1'), 'schema');
		expect(e3.field).toBe('id');
	});

	test('an invalid push is a 422 naming the field; nothing is stored and nothing retried', async () => {
		const before = srv.received.followUps.size;
		const h = harness();
		const e = await failure(h.client.pushFollowUp(followUp({ riskLevel: 9 }), 'bad:1'), 'client');
		expect(e.status).toBe(422);
		expect(e.field).toBe('riskLevel');
		expect(e.attempts).toBe(1);
		expect(e.message).toMatch(/POST \/follow-ups: .*422.*field riskLevel.*\(1 attempt\)/);
		const e2 = await failure(h.client.pushFollowUp({ ...followUp(), patientName: 'x' } as FollowUpPush, 'bad:2'), 'client');
		expect(e2.field).toBe('patientName');
		const e3 = await failure(h.client.pushTriageOutcome({ listId: 'L1', row: 0 } as TriageOutcomePush, 'bad:3'), 'client');
		expect(e3.field).toBe('row');
		expect(srv.received.followUps.size).toBe(before);
		expect(h.waits).toEqual([]);
	});

	test('the same key again: same body → duplicate with the first id; another body → 409 conflict', async () => {
		const h = harness();
		const key = idempotencyKey('follow-up', ['DEMO-000003', '2026-11-21']);
		const first = await h.client.pushFollowUp(followUp({ patientNo: 'DEMO-000003', followUpDate: '2026-11-21' }), key);
		expect(first.status).toBe('created');
		// Same body, keys in another order: still the same record.
		const reordered = Object.fromEntries(Object.entries(followUp({ patientNo: 'DEMO-000003', followUpDate: '2026-11-21' })).reverse()) as FollowUpPush;
		const again = await h.client.pushFollowUp(reordered, key);
		expect(again).toEqual({ id: first.id, status: 'duplicate', receivedAt: first.receivedAt });
		const e = await failure(h.client.pushFollowUp(followUp({ patientNo: 'DEMO-000003', followUpDate: '2026-11-21', riskLevel: 3 }), key), 'conflict');
		expect(e.status).toBe(409);
		expect(e.attempts).toBe(1);
		expect([...srv.received.followUps.values()].filter((r) => r.idempotencyKey === key)).toHaveLength(1);
	});

	test('a push without Idempotency-Key is a 400 naming the header', async () => {
		const body = JSON.stringify(followUp());
		const res = await fetch(srv.url + '/follow-ups', {
			method: 'POST',
			body,
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: { code: 'missing_idempotency_key', message: expect.any(String), field: 'Idempotency-Key' } });
		await expect(harness().client.pushFollowUp(followUp(), 'has space')).rejects.toThrow(/idempotency key/);
	});
});

describe('pushes', () => {
	test('triage outcomes and referrals are stored once each, by id', async () => {
		const h = harness({ auth: { type: 'bearer', token: TOKEN } });
		const outcome: TriageOutcomePush = {
			listId: 'police-list-2026-11.xlsx',
			row: 12,
			category: 'followup_overdue',
			patientNo: 'DEMO-000010',
			township: '城关镇',
			priority: 'high',
			dueDate: '2026-12-02',
			action: '乡镇精防专干限期完成随访（含危险性评估）',
		};
		const referral: ReferralPush = {
			referralNo: 'ZZ20261127001',
			patientNo: 'DEMO-000010',
			direction: 'up',
			reasons: ['violence_self_harm'],
			urgency: 'urgent',
			fromOrg: '城关镇卫生院',
			toOrg: '县精神卫生中心',
			consentBy: 'guardian',
			status: 'sent',
			createdAt: '2026-11-27T02:00:00Z',
			statusAt: '2026-11-27T02:10:00Z',
		};
		const t = await h.client.pushTriageOutcome(outcome, idempotencyKey('triage', [outcome.listId, outcome.row]));
		const r = await h.client.pushReferral(referral, idempotencyKey('referral', [referral.referralNo, referral.status]));
		expect(t.status).toBe('created');
		expect(r.status).toBe('created');
		expect(srv.received.triageOutcomes.get(t.id)?.body).toEqual(outcome);
		expect(srv.received.referrals.get(r.id)?.body).toMatchObject(referral);
	});

	test('idempotencyKey is stable: the same parts give the same key, whatever the key order of objects', () => {
		const a = idempotencyKey('follow-up', ['DEMO-1', { date: '2026-11-20', level: 2 }]);
		const b = idempotencyKey('follow-up', ['DEMO-1', { level: 2, date: '2026-11-20' }]);
		expect(a).toBe(b);
		expect(a).toMatch(/^follow-up:[0-9a-f]{40}$/);
		expect(idempotencyKey('follow-up', ['DEMO-2', { date: '2026-11-20', level: 2 }])).not.toBe(a);
		expect(idempotencyKey('referral', ['DEMO-1', { date: '2026-11-20', level: 2 }])).not.toBe(a);
		// The same key in another run: a fixed value, not a random one.
		expect(idempotencyKey('x', [1, 'a'])).toBe(`x:${createHash('sha256').update('[1,"a"]').digest('hex').slice(0, 40)}`);
		expect(stableJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
		expect(() => idempotencyKey('bad kind', [])).toThrow(/kind/);
	});
});

describe('admin endpoints', () => {
	test('with admin: true another process can inject a fault and read what arrived; without it they do not exist', async () => {
		const s = await server({ admin: true, demoPatientCount: 20 });
		const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
		const inj = await fetch(s.url + '/__faults', { method: 'POST', headers: auth, body: JSON.stringify({ path: '/health', kind: 'status', status: 503, times: 1 }) });
		expect(inj.status).toBe(201);
		const h = harness({}, s);
		await h.client.health();
		expect(h.retries).toHaveLength(1);
		await h.client.pushFollowUp(followUp(), 'admin:1');
		const got = (await (await fetch(s.url + '/__received', { headers: auth })).json()) as { followUps: Array<{ idempotencyKey: string }> };
		expect(got.followUps.map((r) => r.idempotencyKey)).toEqual(['admin:1']);
		const unauth = await fetch(s.url + '/__received');
		expect(unauth.status).toBe(401);
		expect((await fetch(srv.url + '/__received', { headers: auth })).status).toBe(404);
	});
});

test('the OpenAPI document lists exactly the vocabulary codes the schemas accept', () => {
	const yaml = readFileSync(path.join(__dirname, '../../docs/county-api.openapi.yaml'), 'utf8');
	const tables = [MANAGEMENT_STATUS, CLASSIFICATIONS, MEDICATION, ACTIONS, CARE_ROLES, TRIAGE_CATEGORIES, REFERRAL_DIRECTIONS, REFERRAL_REASONS, REFERRAL_URGENCY, CONSENT_BY, REFERRAL_STATUSES];
	for (const table of tables) expect(yaml).toContain(`enum: [${Object.keys(table).join(', ')}]`);
	for (const p of ['/health:', '/patients:', '/follow-ups:', '/triage-outcomes:', '/referrals:']) expect(yaml).toContain(`  ${p}`);
	for (const h of ['X-SMD-App-Key', 'X-SMD-Timestamp', 'X-SMD-Content-SHA256', 'X-SMD-Signature', 'Idempotency-Key']) expect(yaml).toContain(h);
});

test('no error message of this file contains a patient name or ID number', () => {
	expect(messages.length).toBeGreaterThanOrEqual(15);
	const names = new Set(servedPatients.map((p) => p.name));
	const ids = new Set(servedPatients.map((p) => p.idNumber).filter((x): x is string => !!x));
	for (const m of messages) {
		for (const n of names) expect(m.includes(n)).toBe(false);
		for (const id of ids) expect(m.includes(id)).toBe(false);
	}
});
