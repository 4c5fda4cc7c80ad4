/**
 * The SMD County API node and its credential, executed by n8n's own engine (n8n-core) against the
 * real reference server (scripts/countyApiServer.ts) over loopback and a real SQLite registry file:
 * no mocks. The credential signs a request the server accepts; the pull reconciles, resumes after a
 * failure and writes nothing twice; every push is recorded once, whatever retries, timeouts and
 * re-runs happen. Back-offs are 1 ms and the one timeout 1 s, so the file runs in seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { OutboundHttp, removeEmptyBody } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import axios from 'axios';
import { NodeOperationError, type ICredentialDataDecryptedObject, type IDataObject, type IHttpRequestOptions, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { SmdCountyApi as SmdCountyApiCredential } from '../../credentials/SmdCountyApi.credentials';
import { RegistryStore } from '../../lib/registry/store';
import { SmdCountyApi } from '../../nodes/SmdCountyApi/SmdCountyApi.node';
import { SmdRegistry } from '../../nodes/SmdRegistry/SmdRegistry.node';
import { startCountyApiServer, type CountyApiServer, type StoredPush } from '../../scripts/countyApiServer';
import { runNode } from '../../scripts/n8nEngine';
import { addPatients, makeId, patient } from '../helpers';

const APP = { appKey: 'node-test-app', appSecret: 'node-test-secret' };
const TOKEN = 'node-test-token';
const SERVER_CREDENTIALS = { apps: { [APP.appKey]: APP.appSecret }, bearerTokens: [TOKEN] };
/** Tiny back-offs so retries cost nothing; each test that needs more sets its own. */
const FAST = { backoffMs: 1, retries: 1, timeoutSeconds: 5 };

const servers: CountyApiServer[] = [];
/** Every name and ID number any server of this file served: none may appear in an output or a message. */
const secrets = new Set<string>();

async function server(demoPatientCount = 300): Promise<CountyApiServer> {
	const s = await startCountyApiServer({ credentials: SERVER_CREDENTIALS, demoPatientCount });
	servers.push(s);
	for (const p of s.patients()) {
		secrets.add(p.name);
		if (p.idNumber) secrets.add(p.idNumber);
	}
	return s;
}
afterAll(async () => {
	await Promise.all(servers.map((s) => s.stop()));
});

let dir: string;
let file: string;
beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-countynode-'));
	file = path.join(dir, 'registry.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const hmac = (s: CountyApiServer, over: IDataObject = {}): ICredentialDataDecryptedObject => ({ baseUrl: s.url, authType: 'hmac', ...APP, ...over });

/** The SMD County API node in n8n-core with the given credential. */
function county(credential: ICredentialDataDecryptedObject, parameters: INodeParameters, items: IDataObject[] = [{}], continueOnFail = false) {
	return runNode({
		nodeType: new SmdCountyApi(),
		typeName: 'n8n-nodes-smd.smdCountyApi',
		parameters: { registryFile: file, ...parameters },
		items,
		continueOnFail,
		timezone: 'Asia/Shanghai',
		credentials: { smdCountyApi: credential },
	});
}

const pull = (s: CountyApiServer, parameters: INodeParameters = {}, continueOnFail = false) =>
	county(hmac(s), { operation: 'pullPatients', pageSize: 50, clientOptions: FAST, ...parameters }, [{}], continueOnFail);

/** SMD Registry in n8n-core on the same registry file. */
const registryNode = (parameters: INodeParameters, items: IDataObject[]) =>
	runNode({ nodeType: new SmdRegistry(), typeName: 'n8n-nodes-smd.smdRegistry', parameters: { registryFile: file, ...parameters }, items, timezone: 'Asia/Shanghai' });

function withStore<T>(fn: (s: RegistryStore) => T): T {
	const store = RegistryStore.open(file);
	try {
		return fn(store);
	} finally {
		store.close();
	}
}

const jsonOf = (items: INodeExecutionData[]) => items.map((i) => i.json);

function expectNoPatientDetail(value: unknown): void {
	const text = JSON.stringify(value);
	for (const s of secrets) if (text.includes(s)) throw new Error('a patient name or ID number appears in the output or a message');
}

// ---- credential ---------------------------------------------------------------------------------

describe('SMD County Platform API credential', () => {
	let s: CountyApiServer;
	beforeAll(async () => {
		s = await server(5);
	});

	const authenticate = (credentials: ICredentialDataDecryptedObject, request: IHttpRequestOptions) =>
		(new SmdCountyApiCredential().authenticate as (c: ICredentialDataDecryptedObject, r: IHttpRequestOptions) => Promise<IHttpRequestOptions>)(credentials, request);

	/** Send the authenticated request exactly as it stands: the URL and body bytes are not touched. */
	const send = (r: IHttpRequestOptions) =>
		axios.request({
			method: r.method ?? 'GET',
			url: r.url,
			baseURL: r.baseURL,
			headers: r.headers as Record<string, string>,
			data: r.body,
			transformRequest: [(d: unknown) => d],
			validateStatus: () => true,
			responseType: 'json',
		});

	test('HMAC signs GET /health (200); a wrong secret is 401; a bearer token is 200', async () => {
		const ok = await send(await authenticate(hmac(s), { url: '/health', baseURL: s.url, method: 'GET' }));
		expect(ok.status).toBe(200);
		expect(ok.data).toMatchObject({ status: 'ok' });
		const wrong = await send(await authenticate(hmac(s, { appSecret: 'not-the-secret' }), { url: '/health', baseURL: s.url, method: 'GET' }));
		expect(wrong.status).toBe(401);
		expect(wrong.data).toMatchObject({ error: { code: 'unauthorized', message: 'signature does not match' } });
		const bearer = await send(await authenticate({ baseUrl: s.url, authType: 'bearer', token: TOKEN }, { url: '/health', baseURL: s.url, method: 'GET' }));
		expect(bearer.status).toBe(200);
		const badToken = await send(await authenticate({ baseUrl: s.url, authType: 'bearer', token: 'nope' }, { url: '/health', baseURL: s.url, method: 'GET' }));
		expect(badToken.status).toBe(401);
	});

	test('without baseURL in the request the credential’s base URL (with its path prefix) is used', async () => {
		const r = await authenticate(hmac(s, { baseUrl: `${s.url}/` }), { url: 'health', method: 'GET' });
		expect(r.url).toBe(`${s.url}/health`);
		expect((await send(r)).status).toBe(200);
	});

	test('a POST with a JSON object body and qs is signed over exactly the URL and bytes it sends', async () => {
		const body = {
			patientNo: 'DEMO-000001',
			followUpDate: '2026-11-20',
			riskLevel: 1,
			classification: 'basically_stable',
			medication: 'regular',
			nextFollowUpDate: '2026-12-20',
			actions: ['continue_plan'],
			form: '家庭访视',
			visitors: ['mental_health_worker'],
		};
		const request: IHttpRequestOptions = {
			url: '/follow-ups',
			baseURL: s.url,
			method: 'POST',
			qs: { source: 'n8n http request', n: 2, skipped: undefined },
			body,
			json: true,
			headers: { 'Idempotency-Key': 'credential-test:1' },
		};
		const signed = await authenticate(hmac(s), request);
		// The query is in the URL and the body is text: what is signed is what goes on the wire.
		expect(signed.url).toBe(`${s.url}/follow-ups?source=n8n+http+request&n=2`);
		expect(signed.qs).toBeUndefined();
		expect(signed.body).toEqual(Buffer.from(JSON.stringify(body)));
		expect(signed.headers).toMatchObject({ 'Content-Type': 'application/json', 'Idempotency-Key': 'credential-test:1' });
		// The caller's request is not changed.
		expect(request.body).toBe(body);
		expect(request.url).toBe('/follow-ups');

		const created = await send(signed);
		expect(created.status).toBe(201);
		expect(created.data).toMatchObject({ status: 'created' });
		expect([...s.received.followUps.values()].map((f) => f.body)).toEqual([{ ...body }]);
		// One byte more in the body, or another query, and the signature no longer holds.
		expect((await send({ ...signed, body: `${JSON.stringify(body)} ` })).status).toBe(401);
		expect((await send({ ...signed, url: `${signed.url}&n=3` })).status).toBe(401);
		expect(s.received.followUps.size).toBe(1);
	});

	describe('through n8n’s own request paths (@n8n/backend-network, as n8n sends after authenticate)', () => {
		const n8nHttp = () => Container.get(OutboundHttp).requests();
		const followUpBody = (patientNo: string) => ({
			patientNo,
			followUpDate: '2026-11-21',
			riskLevel: 0,
			classification: 'stable',
			medication: 'regular',
			nextFollowUpDate: '2027-02-21',
			actions: ['continue_plan'],
			form: null,
			visitors: null,
		});

		test('the credential test (GET /health as n8n’s routing node builds it, with empty qs and body): 200; a wrong secret fails it', async () => {
			const request = () => ({ qs: {}, body: {}, headers: {}, baseURL: s.url, url: '/health', method: 'GET' as const, json: true });
			const ok = request();
			removeEmptyBody(ok);
			expect(await n8nHttp().request(await authenticate(hmac(s), ok))).toMatchObject({ status: 'ok' });
			const wrong = request();
			removeEmptyBody(wrong);
			await expect(n8nHttp().request(await authenticate(hmac(s, { appSecret: 'wrong' }), wrong))).rejects.toMatchObject({ response: { status: 401 } });
		});

		test('httpRequest (a node’s httpRequestWithAuthentication): a JSON object body and qs', async () => {
			const request: IHttpRequestOptions = { baseURL: s.url, url: '/follow-ups', method: 'POST', qs: { via: 'httpRequest' }, body: followUpBody('CT-HTTP-1'), json: true, headers: { 'Idempotency-Key': 'n8n-http:1' } };
			removeEmptyBody(request);
			expect(await n8nHttp().request(await authenticate(hmac(s), request))).toMatchObject({ status: 'created' });
		});

		test('the legacy path of n8n’s HTTP Request node (uri, qs, json body; a form; a raw body with a trailing newline)', async () => {
			const legacy = async (options: IDataObject) => {
				const signed = await authenticate(hmac(s), options as unknown as IHttpRequestOptions);
				return (await n8nHttp().requestLegacy(signed as unknown as Parameters<ReturnType<typeof n8nHttp>['requestLegacy']>[0])) as unknown;
			};
			// What HTTP Request V3 builds with Predefined Credential Type: an absolute `uri`, no `url`.
			const viaUri = await legacy({ uri: `${s.url}/follow-ups`, method: 'POST', qs: { via: 'legacy' }, body: followUpBody('CT-HTTP-2'), json: true, headers: { 'idempotency-key': 'n8n-legacy:1' } });
			expect(viaUri).toMatchObject({ status: 'created' });
			expect(await legacy({ uri: `${s.url}/health`, method: 'GET', qs: { a: ['1', '2'] }, json: true })).toMatchObject({ status: 'ok' });
			// A raw JSON body that ends in a newline: axios would trim a string, so the bytes signed must be the bytes sent.
			const raw = `${JSON.stringify(followUpBody('CT-HTTP-3'))}\n`;
			const viaRaw = await legacy({ uri: `${s.url}/follow-ups`, method: 'POST', body: raw, json: false, headers: { 'content-type': 'application/json', 'idempotency-key': 'n8n-legacy:2' } });
			expect(JSON.parse(viaRaw as string)).toMatchObject({ status: 'created' });
			// A urlencoded form: signed as the text sent (the platform then refuses it as a body, not as a signature).
			await expect(legacy({ uri: `${s.url}/follow-ups`, method: 'POST', form: { patientNo: 'CT-HTTP-4' }, json: true, headers: { 'idempotency-key': 'n8n-legacy:3' } })).rejects.toMatchObject({
				response: { status: 400 },
			});
			expect(bodies(s.received.followUps).map((b) => b.patientNo)).toEqual(expect.arrayContaining(['CT-HTTP-2', 'CT-HTTP-3']));
		});

		test('a multipart body cannot be signed: an error, no request', async () => {
			const before = s.requests.length;
			await expect(authenticate(hmac(s), { url: '/follow-ups', baseURL: s.url, method: 'POST', body: {}, headers: { 'Content-Type': 'multipart/form-data' } })).rejects.toThrow(/cannot sign a multipart/);
			expect(s.requests.length).toBe(before);
		});
	});
});

// ---- pull ---------------------------------------------------------------------------------------

interface PullSummary {
	source: string;
	backend: string;
	pages: number;
	received: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
	rejections: IDataObject[];
	cursor: string | null;
	hasMore: boolean;
	error?: string;
	errorDetails?: IDataObject;
}

async function pulled(run: ReturnType<typeof pull>): Promise<PullSummary> {
	const { outputs, error } = await run;
	expect(error).toBeUndefined();
	expect(outputs[0]).toHaveLength(1);
	const summary = outputs[0][0].json as unknown as PullSummary;
	expectNoPatientDetail(summary);
	expect(summary.received).toBe(summary.inserted + summary.updated + summary.unchanged + summary.rejected);
	return summary;
}

const count = () => withStore((st) => st.countPatients());
const patientNos = () => withStore((st) => (st.internals.get('SELECT patient_no AS no FROM patients ORDER BY patient_no').all() as Array<{ no: string }>).map((r) => r.no));

describe('Pull Changed Patients', () => {
	test('into an empty registry page by page; a second run writes nothing new; touched patients come back as updates; audited', async () => {
		const s = await server(300);
		const first = await pulled(pull(s));
		expect(first).toMatchObject({ source: 'county-platform', backend: 'sqlite', pages: 6, received: 300, rejected: 0, hasMore: false });
		expect(first.inserted + first.updated).toBe(300);
		expect(count()).toBe(s.patients().length);
		expect(patientNos()).toEqual(s.patients().map((p) => p.patientNo).sort());
		expect(first.cursor).toEqual(expect.any(String));

		const second = await pulled(pull(s));
		expect(second).toMatchObject({ pages: 1, inserted: 0, updated: 0, rejected: 0, cursor: first.cursor, hasMore: false });
		expect(second.received).toBe(second.unchanged);
		expect(count()).toBe(300);

		const moved = s.patients().slice(10, 13).map((p) => p.patientNo);
		s.setPatients(s.patients().map((p) => (moved.includes(p.patientNo) ? { ...p, township: '新设镇' } : p)));
		expect(s.touchPatients(moved)).toBe(3);
		const third = await pulled(pull(s));
		expect(third).toMatchObject({ pages: 1, received: 3, updated: 3, inserted: 0, unchanged: 0, rejected: 0 });
		expect(count()).toBe(300);
		expect(withStore((st) => moved.map((no) => st.getByPatientNo(no)?.township))).toEqual(['新设镇', '新设镇', '新设镇']);

		const trail = withStore((st) => st.auditTrail(10));
		expect(trail.filter((a) => a.operation === 'county.pullPatients').map((a) => (a.detail as IDataObject).pages)).toEqual([1, 1, 6]);
		expect(trail[0]).toMatchObject({ operation: 'county.pullPatients', node: 'Node Under Test' });
		expect([...trail[0].patientRowIds].sort((a, b) => a - b)).toEqual(withStore((st) => moved.map((no) => st.getByPatientNo(no)!.rowId)).sort((a, b) => a - b));
	});

	test('Max Pages stops early and the next run goes on from the cursor', async () => {
		const s = await server(120);
		const part = await pulled(pull(s, { maxPages: 2 }));
		expect(part).toMatchObject({ pages: 2, received: 100, inserted: 100, hasMore: true });
		expect(count()).toBe(100);
		const rest = await pulled(pull(s, { maxPages: 2 }));
		expect(rest).toMatchObject({ pages: 1, received: 20, inserted: 20, hasMore: false });
		expect(count()).toBe(120);
	});

	test('the platform down after the 2nd page: a clear error, the pages written kept; the next run resumes with no duplicates', async () => {
		const s = await server(300);
		await pulled(pull(s, { maxPages: 2 }));
		expect(count()).toBe(100);
		// Outlasts the retries of this run (1 retry → 2 attempts) and of the continue-on-fail run below.
		s.inject({ path: '/patients', kind: 'status', status: 503, times: 4 });
		const before = s.requests.length;
		const stop = await pull(s, { clientOptions: { backoffMs: 1, retries: 1 } });
		expect(stop.error).toBeInstanceOf(NodeOperationError);
		expect(stop.error!.message).toMatch(/^GET \/patients: the county API answered 503 injected_fault \(2 attempts\); 0 page\(s\) with 0 patients were written before it and the cursor saved; run again to resume$/);
		expect(s.requests.slice(before).map((r) => r.status)).toEqual([503, 503]);
		expectNoPatientDetail([stop.error!.message, (stop.error as NodeOperationError).description]);
		expect(count()).toBe(100);

		// With continue on fail: the summary item carries the error and what was done.
		const cont = await pull(s, { clientOptions: { backoffMs: 1, retries: 1 } }, true);
		expect(cont.error).toBeUndefined();
		const failed = cont.outputs[0][0].json as unknown as PullSummary;
		expectNoPatientDetail(failed);
		expect(failed).toMatchObject({ pages: 0, received: 0, error: expect.stringMatching(/^GET \/patients: the county API answered 503/), errorDetails: { code: 'server', request: 'GET /patients', status: 503, attempts: 2 } });
		expect(count()).toBe(100);

		s.clearFaults();
		const resumed = await pulled(pull(s));
		expect(resumed).toMatchObject({ pages: 4, received: 200, inserted: 200, updated: 0, hasMore: false });
		expect(count()).toBe(300);
		expect(patientNos()).toEqual(s.patients().map((p) => p.patientNo).sort());
		const trail = withStore((st) => st.auditTrail(10)).filter((a) => a.operation === 'county.pullPatients');
		expect(trail.map((a) => (a.detail as IDataObject).pages)).toEqual([4, 0, 0, 2]);
	});

	test('a failure mid-run keeps the pages of that run: the error says how many and the next run resumes after them', async () => {
		const s = await server(300);
		// The 3rd request of the run fails (after 2 pages are written) until the retries are spent.
		let served = 0;
		s.inject({ path: '/patients', kind: 'delay', ms: 0, times: 2 });
		s.inject({ path: '/patients', kind: 'status', status: 503, times: 2 });
		const stop = await pull(s, { clientOptions: { backoffMs: 1, retries: 1 } });
		served = s.requests.filter((r) => r.path === '/patients').length;
		expect(served).toBe(4);
		expect(stop.error).toBeInstanceOf(NodeOperationError);
		expect(stop.error!.message).toMatch(/^GET \/patients: .*\(2 attempts\); 2 page\(s\) with 100 patients were written before it and the cursor saved; run again to resume$/);
		expect(count()).toBe(100);
		const resumed = await pulled(pull(s));
		expect(resumed).toMatchObject({ pages: 4, received: 200, inserted: 200 });
		expect(count()).toBe(300);
	});

	test('a platform that says hasMore without moving the cursor is stopped, not asked for ever', async () => {
		// Not the reference server (it keeps the contract): a broken platform on loopback.
		let calls = 0;
		const broken = createServer((req, res) => {
			calls++;
			res.writeHead(calls > 20 ? 500 : 200, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ items: [], nextCursor: 'stuck', hasMore: true }));
		});
		await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = broken.address() as AddressInfo;
			const { error } = await county({ baseUrl: `http://127.0.0.1:${port}/api/v1`, authType: 'bearer', token: TOKEN }, { operation: 'pullPatients', clientOptions: FAST });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error!.message).toMatch(/^GET \/patients: the platform said hasMore but did not move the cursor; stopped to avoid a loop; 1 page\(s\) with 0 patients were written/);
			expect(calls).toBe(2);
		} finally {
			await new Promise<void>((resolve) => broken.close(() => resolve()));
		}
	});

	test('a credential the client cannot use (a base URL that is not a URL, an empty secret): an error naming the credential', async () => {
		const { error } = await county({ baseUrl: 'platform.example/api/v1', authType: 'hmac', ...APP }, { operation: 'pullPatients', clientOptions: FAST });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toBe('SMD County Platform API credential: baseUrl is not a URL (e.g. https://platform.example/api/v1)');
		const empty = await county({ baseUrl: 'http://127.0.0.1:9/api/v1', authType: 'hmac', appKey: APP.appKey, appSecret: '' }, { operation: 'pushFollowUps', clientOptions: FAST }, [{ followUp: {} }]);
		expect(empty.error).toBeInstanceOf(NodeOperationError);
		expect(empty.error!.message).toBe('SMD County Platform API credential: the app secret is empty');
	});

	test('a 401 is not retried and names the credential', async () => {
		const s = await server(10);
		const { error } = await county(hmac(s, { appSecret: 'wrong' }), { operation: 'pullPatients', clientOptions: FAST });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toMatch(/^GET \/patients: the county API refused the credential \(401 unauthorized\); check the credential's app key and app secret, and this machine's clock \(1 attempt\)/);
		expect(s.requests).toHaveLength(1);
		expect(count()).toBe(0);
	});
});

// ---- pushes -------------------------------------------------------------------------------------

interface CountyPush {
	id: string;
	status: 'created' | 'duplicate';
	receivedAt: string;
	idempotencyKey: string;
}
const pushOf = (item: INodeExecutionData) => item.json.countyPush as unknown as CountyPush;
const bodies = (m: Map<string, StoredPush>) => [...m.values()].map((p) => p.body as IDataObject);

/** Synthetic patients (fictitious names, ID numbers in region 4399xx, which belongs to no area). */
const PEOPLE = [
	{ name: '测试甲', patientNo: 'CT-001', idNumber: makeId('1980-05-06', 11), township: '城关镇', riskLevel: 0, classification: 'stable' as const, lastFollowUpDate: '2026-10-20' },
	{ name: '测试乙', patientNo: 'CT-002', idNumber: makeId('1990-01-01', 22), township: '青山镇', riskLevel: 3, classification: 'unstable' as const, lastFollowUpDate: '2026-05-01' },
	{ name: '测试丙', patientNo: 'CT-003', idNumber: makeId('1975-07-07', 33), township: '河西乡', riskLevel: 1, classification: 'basically_stable' as const, lastFollowUpDate: '2026-11-01' },
];

const FOLLOW_UP_RECORDS: IDataObject[] = [
	{ 患者编号: 'CT-001', 随访日期: '2026-11-18', 随访形式: '家庭访视', 危险性评估: '0级', 精神症状: '无', 自知力: '完全', 社会功能: '良好', 药物不良反应: '无', 躯体疾病: '无', 服药情况: '规律服药', 随访人员: '精防专干、民警' },
	{ 患者编号: 'CT-002', 随访日期: '2026-11-19', 随访形式: '门诊', 危险性评估: '3级', 精神症状: '明显', 自知力: '缺失', 社会功能: '较差', 药物不良反应: '无', 躯体疾病: '无', 服药情况: '间断服药', 随访人员: '精神科医师 民警' },
	{ 患者编号: 'CT-003', 随访日期: '2026-11-20', 随访形式: '电话', 危险性评估: '1级', 精神症状: '无', 自知力: '不全', 社会功能: '一般', 药物不良反应: '无', 躯体疾病: '无', 服药情况: '规律服药' },
];

describe('Push Follow-Ups, Triage Outcomes and Referrals', () => {
	let followUps: IDataObject[];

	beforeEach(async () => {
		withStore((st) => addPatients(st, PEOPLE.map((p) => patient(p))));
		const recorded = await registryNode({ resource: 'followUp', operation: 'record' }, FOLLOW_UP_RECORDS);
		expect(recorded.error).toBeUndefined();
		followUps = jsonOf(recorded.outputs[0]);
		expect(followUps.map((f) => (f.followUp as IDataObject).outcome)).toEqual(['inserted', 'inserted', 'inserted']);
	});

	const pushFollowUps = (s: CountyApiServer, items: IDataObject[], clientOptions: INodeParameters = FAST, continueOnFail = false, credential = hmac(s)) =>
		county(credential, { operation: 'pushFollowUps', clientOptions }, items, continueOnFail);

	test('follow-ups recorded by SMD Registry: created once with ids; pushed again, duplicate with the same ids and nothing doubled', async () => {
		const s = await server(0);
		const first = await pushFollowUps(s, followUps);
		expect(first.error).toBeUndefined();
		const out = first.outputs[0];
		expect(out.map((i) => pushOf(i).status)).toEqual(['created', 'created', 'created']);
		const ids = out.map((i) => pushOf(i).id);
		expect(new Set(ids).size).toBe(3);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		// The recorded item goes on with the push result beside it.
		expect(out[1].json).toMatchObject({ 患者编号: 'CT-002', followUp: { patientNo: 'CT-002' }, countyPush: { idempotencyKey: expect.stringMatching(/^followUp:[0-9a-f]{40}$/) } });
		expect(s.received.followUps.size).toBe(3);
		expect(bodies(s.received.followUps)).toEqual([
			{ patientNo: 'CT-001', followUpDate: '2026-11-18', riskLevel: 0, classification: 'stable', medication: 'regular', nextFollowUpDate: expect.any(String), actions: expect.any(Array), form: 'home', visitors: ['mental_health_worker', 'police'] },
			expect.objectContaining({ patientNo: 'CT-002', followUpDate: '2026-11-19', riskLevel: 3, classification: 'unstable', medication: 'intermittent', nextFollowUpDate: '2026-12-03', actions: ['refer_up', 'notify_police', 'joint_followup', 'case_management'], form: 'clinic', visitors: ['specialist', 'police'] }),
			expect.objectContaining({ patientNo: 'CT-003', followUpDate: '2026-11-20', riskLevel: 1, visitors: null }),
		]);
		expect(JSON.stringify(bodies(s.received.followUps))).not.toMatch(/测试/);

		const again = await pushFollowUps(s, followUps);
		expect(again.error).toBeUndefined();
		expect(again.outputs[0].map((i) => [pushOf(i).status, pushOf(i).id])).toEqual(ids.map((id) => ['duplicate', id]));
		expect(s.received.followUps.size).toBe(3);
	});

	test('triage outcomes of a police list (SMD Registry → Police List → Triage), for the List ID', async () => {
		const s = await server(0);
		const list = [
			{ 序号: '1', 姓名: '测试甲', 身份证号: PEOPLE[0].idNumber, 人员类别: '一般关注' },
			{ 序号: '2', 姓名: '测试乙', 身份证号: PEOPLE[1].idNumber, 人员类别: '一般关注' },
			{ 序号: '3', 姓名: '测试丁', 身份证号: makeId('2001-01-01', 5), 所属乡镇: '青山镇', 人员类别: '肇事肇祸' },
			{ 序号: '4', 姓名: '', 身份证号: '' },
		];
		const triaged = await registryNode({ resource: 'list', operation: 'triage', asOf: '2026-11-25' }, list);
		expect(triaged.error).toBeUndefined();
		const items = jsonOf(triaged.outputs[0]);
		const push = () => county(hmac(s), { operation: 'pushTriageOutcomes', listId: '公安下发-2026-11.xlsx', clientOptions: FAST }, items);
		const first = await push();
		expect(first.error).toBeUndefined();
		expect(first.outputs[0].map((i) => pushOf(i).status)).toEqual(['created', 'created', 'created', 'created']);
		const sent = bodies(s.received.triageOutcomes);
		expect(sent.map((b) => [b.listId, b.row, b.category, b.patientNo, b.priority])).toEqual([
			['公安下发-2026-11.xlsx', 1, 'managed', 'CT-001', 'normal'],
			['公安下发-2026-11.xlsx', 2, 'managed', 'CT-002', 'high'],
			['公安下发-2026-11.xlsx', 3, 'new_clue', null, 'high'],
			['公安下发-2026-11.xlsx', 4, 'invalid', null, 'normal'],
		]);
		// Only codes, the row, the township and the action go to the platform: no name, no ID number.
		expect(JSON.stringify(sent)).not.toMatch(/测试|4399\d\d/);

		const again = await push();
		expect(again.outputs[0].map((i) => [pushOf(i).status, pushOf(i).id])).toEqual(first.outputs[0].map((i) => ['duplicate', pushOf(i).id]));
		expect(s.received.triageOutcomes.size).toBe(4);
		// The same rows answered for another list are other outcomes.
		const other = await county(hmac(s), { operation: 'pushTriageOutcomes', listId: 'list-2', clientOptions: FAST }, items.slice(0, 1));
		expect(pushOf(other.outputs[0][0]).status).toBe('created');
		expect(s.received.triageOutcomes.size).toBe(5);
	});

	test('referrals from SMD Referral: created, then duplicate; a later status is another record', async () => {
		const s = await server(0);
		const referral = (over: IDataObject) => ({
			referral: {
				referralNo: 'CG20261127-0001',
				patientNo: 'CT-002',
				direction: 'up',
				fromInstitution: '城关镇卫生院',
				toInstitution: '县精神卫生中心',
				reasons: ['violence_self_harm'],
				urgency: 'urgent',
				consentBy: 'guardian',
				consentAt: '2026-11-27T01:30:00.000Z',
				followUpDate: '2026-11-19',
				emergencyRef: null,
				status: 'created',
				createdAt: '2026-11-27T01:35:00.000Z',
				createdOn: '2026-11-27',
				sentAt: null,
				acceptedAt: null,
				completedAt: null,
				rejectedAt: null,
				cancelledAt: null,
				statusNote: null,
				dischargeDate: null,
				dischargeInfoDue: null,
				dischargeInfoSentAt: null,
				communityVisitDue: null,
				communityVisitDate: null,
				responseDue: '2026-11-30',
				clinical: { presentIllness: '近两周打砸家具' },
				agreementWarning: null,
				agreementNo: null,
				...over,
			},
		});
		const items = [referral({}), referral({ referralNo: 'CG20261127-0002', patientNo: 'CT-001', direction: 'return', reasons: ['stable_return'], dischargeDate: '2026-11-20', communityVisitDue: '2026-12-04', responseDue: null })];
		const first = await county(hmac(s), { operation: 'pushReferrals', clientOptions: FAST }, items);
		expect(first.error).toBeUndefined();
		expect(first.outputs[0].map((i) => pushOf(i).status)).toEqual(['created', 'created']);
		expect(bodies(s.received.referrals)).toEqual([
			expect.objectContaining({ referralNo: 'CG20261127-0001', fromOrg: '城关镇卫生院', toOrg: '县精神卫生中心', status: 'created', statusAt: null, dueDate: '2026-11-30', dischargeDate: null }),
			expect.objectContaining({ referralNo: 'CG20261127-0002', direction: 'return', dueDate: '2026-12-04', dischargeDate: '2026-11-20' }),
		]);
		// Clinical free text stays in the registry and on the printed form.
		expect(JSON.stringify(bodies(s.received.referrals))).not.toContain('打砸');

		const again = await county(hmac(s), { operation: 'pushReferrals', clientOptions: FAST }, items);
		expect(again.outputs[0].map((i) => [pushOf(i).status, pushOf(i).id])).toEqual(first.outputs[0].map((i) => ['duplicate', pushOf(i).id]));
		expect(s.received.referrals.size).toBe(2);
		const sent = await county(hmac(s), { operation: 'pushReferrals', clientOptions: FAST }, [referral({ status: 'sent', sentAt: '2026-11-27T02:00:00.000Z' })]);
		expect(pushOf(sent.outputs[0][0]).status).toBe('created');
		expect(bodies(s.received.referrals)[2]).toMatchObject({ status: 'sent', statusAt: '2026-11-27T02:00:00.000Z' });
	});

	test('500 twice then 200: retried with the same key, every follow-up created once', async () => {
		const s = await server(0);
		s.inject({ path: '/follow-ups', kind: 'status', status: 500, times: 2 });
		const { outputs, error } = await pushFollowUps(s, followUps, { backoffMs: 1, retries: 3 });
		expect(error).toBeUndefined();
		expect(outputs[0].map((i) => pushOf(i).status)).toEqual(['created', 'created', 'created']);
		expect(s.received.followUps.size).toBe(3);
		const posts = s.requests.filter((r) => r.path === '/follow-ups');
		expect(posts.map((r) => r.status)).toEqual([500, 500, 201, 201, 201]);
		expect(new Set(posts.slice(0, 3).map((r) => r.idempotencyKey)).size).toBe(1);
	});

	test('stored but answered after the deadline: the retry gets duplicate, one record', async () => {
		const s = await server(0);
		s.inject({ path: '/follow-ups', kind: 'delay', ms: 1500, applyThenDelay: true, times: 1 });
		const { outputs, error } = await pushFollowUps(s, followUps.slice(0, 1), { backoffMs: 1, retries: 2, timeoutSeconds: 1 });
		expect(error).toBeUndefined();
		const result = pushOf(outputs[0][0]);
		expect(result.status).toBe('duplicate');
		expect(s.received.followUps.size).toBe(1);
		expect(result.id).toBe([...s.received.followUps.keys()][0]);
		expect(s.requests.filter((r) => r.path === '/follow-ups')).toHaveLength(2);
	});

	test('a bad item: with continue on fail an error item naming the field and row, the others pushed; without, the node stops at it', async () => {
		const s = await server(0);
		const bad = structuredClone(followUps[1]);
		(bad.assessment as IDataObject).riskLevel = 9;
		const noPatient = structuredClone(followUps[2]);
		delete (noPatient.followUp as IDataObject).patientNo;
		const items = [followUps[0], bad, noPatient];

		const cont = await pushFollowUps(s, items, FAST, true);
		expect(cont.error).toBeUndefined();
		const out = jsonOf(cont.outputs[0]);
		expect((out[0].countyPush as IDataObject).status).toBe('created');
		expect(out[1]).toMatchObject({ error: 'Row 2: follow-up: riskLevel must be 0–5', errorDetails: { row: 2, field: 'riskLevel', code: 'invalid' } });
		expect(out[2]).toMatchObject({ error: expect.stringMatching(/^Row 3: follow-up: patientNo /), errorDetails: { row: 3, field: 'patientNo' } });
		expect(out[1].countyPush).toBeUndefined();
		// A bad item is refused before any request: only the good one reached the platform.
		expect(s.requests.filter((r) => r.path === '/follow-ups')).toHaveLength(1);
		expect(s.received.followUps.size).toBe(1);

		const stop = await pushFollowUps(s, [followUps[0], followUps[2], bad, followUps[1]]);
		expect(stop.error).toBeInstanceOf(NodeOperationError);
		expect(stop.error!.message).toBe('Row 3: follow-up: riskLevel must be 0–5');
		expect((stop.error as NodeOperationError).context.itemIndex).toBe(2);
		// The rows before it were pushed (the first one again: duplicate), the one after it was not.
		expect(bodies(s.received.followUps).map((b) => b.patientNo)).toEqual(['CT-001', 'CT-003']);
	});

	test('a wrong secret: one attempt, an error naming the credential; nothing stored', async () => {
		const s = await server(0);
		const { error, outputs } = await pushFollowUps(s, followUps, FAST, false, hmac(s, { appSecret: 'wrong' }));
		expect(outputs).toEqual([]);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toMatch(/^Row 1: POST \/follow-ups: the county API refused the credential \(401 unauthorized\); check the credential's app key and app secret.* \(1 attempt\)$/);
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
		expect(s.requests).toHaveLength(1);
		expect(s.received.followUps.size).toBe(0);
		const bearer = await pushFollowUps(s, followUps.slice(0, 1), FAST, true, { baseUrl: s.url, authType: 'bearer', token: 'wrong' });
		expect(bearer.outputs[0][0].json).toMatchObject({ error: expect.stringMatching(/refused the credential \(401 unauthorized\); check the credential's token \(1 attempt\)$/), errorDetails: { row: 1, code: 'auth' } });
	});
});
