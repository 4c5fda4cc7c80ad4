/**
 * SMD Emergency executed by n8n's own engine (n8n-core) on a real registry file: open from a report,
 * the update actions, acknowledgement by token, escalation, roster import, the watch list.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { RegistryStore } from '../../lib/registry/store';
import { SmdEmergency } from '../../nodes/SmdEmergency/SmdEmergency.node';
import { runNode } from '../../scripts/n8nEngine';
import { addPatients, makeId, patient } from '../helpers';

let dir: string;
let file: string;
const ID = makeId('19800101', 12);

beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-emgnode-'));
	file = path.join(dir, 'registry.sqlite');
	const store = RegistryStore.open(file);
	addPatients(store, [
		patient({ name: '测试甲', patientNo: 'P001', township: '城关镇', idNumber: ID, riskLevel: 3, classification: 'unstable', guardian: '测试监护人' }),
		patient({ name: '测试乙', patientNo: 'P002', township: '青山镇', riskLevel: 0, classification: 'stable' }),
	]);
	store.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const emergency = (parameters: INodeParameters, items: IDataObject[], continueOnFail = false, binary?: { data: Buffer; fileName: string; mimeType: string }) =>
	runNode({
		nodeType: new SmdEmergency(),
		typeName: 'n8n-nodes-smd.smdEmergency',
		parameters: { registryFile: file, ...parameters },
		items,
		inputData: binary ? [{ json: {}, binary: { data: { data: binary.data.toString('base64'), mimeType: binary.mimeType, fileName: binary.fileName } } }] : undefined,
		continueOnFail,
		timezone: 'Asia/Shanghai',
	});

const count = (sql: string) => {
	const s = RegistryStore.open(file);
	try {
		return Number((s.internals.get(sql).get() as { n: number }).n);
	} finally {
		s.close();
	}
};

const ROSTER = [
	'乡镇,角色,姓名,电话,邮箱,群机器人,机器人类型,开始时间,结束时间',
	'城关镇,乡镇精防专干,值班甲,13800000001,staff@county.test,http://127.0.0.1:9/robot,钉钉,2020-01-01 00:00,2099-01-01 00:00',
	'全县,值班精神科医师,医师乙,13800000002,doctor@county.test,,,2020-01-01 00:00,2099-01-01 00:00',
	'城关镇,派出所,民警丙,13800000003,police@county.test,,,2020-01-01 00:00,2099-01-01 00:00',
	'全县,县精防办值班人员,精防办丁,13800000004,office@county.test,,,2020-01-01 00:00,2099-01-01 00:00',
].join('\n');

const importRoster = async () => {
	const run = await emergency({ resource: 'roster', operation: 'import', binaryPropertyName: 'data' }, [{}], false, { data: Buffer.from(ROSTER), fileName: 'roster.csv', mimeType: 'text/csv' });
	expect(run.error).toBeUndefined();
	return run.outputs[0][0].json;
};

const report = { channel: 'police_110', township: '城关镇', triggers: ['harm_to_others'], riskLevel: 4, patient: { idNumber: ID, name: '测试甲' }, place: '某村某组' };
const openParams = { resource: 'event', operation: 'open', messages: { ackBaseUrl: 'http://n8n.test/webhook/smd-emergency-ack' } };

describe('SMD Emergency node in n8n-core', () => {
	test('roster import, then a webhook item opens an event once, notifying the chain without identifiers', async () => {
		expect(await importRoster()).toMatchObject({ fileName: 'roster.csv', shifts: 4, replaced: 0, townships: 2 });
		const item = { headers: { 'idempotency-key': 'call-1' }, body: report };
		const first = await emergency(openParams, [item]);
		expect(first.error).toBeUndefined();
		const json = first.outputs[0][0].json as { outcome: string; statusCode: number; response: IDataObject; notifications: Array<{ channel: string; to: string; text: string }> };
		expect(json).toMatchObject({ outcome: 'created', statusCode: 201, response: { eventNo: expect.stringMatching(/^YJ\d{8}-0001$/), duplicate: false, matchState: 'linked', riskLevel: 4 } });
		expect(json.notifications.map((n) => `${n.channel}:${n.to}`)).toEqual(['email:staff@county.test', 'robot:http://127.0.0.1:9/robot', 'email:doctor@county.test', 'email:police@county.test']);
		for (const secret of ['测试甲', ID, '某村某组', '测试监护人']) expect(JSON.stringify(first.outputs)).not.toContain(secret);
		const again = await emergency(openParams, [item]);
		expect(again.outputs[0][0].json).toMatchObject({ outcome: 'existing', statusCode: 200, response: { duplicate: true }, notifications: [] });
		expect(count('SELECT COUNT(*) AS n FROM emergency_events')).toBe(1);
	});

	test('a bad report is an error item naming the field and code, with nothing stored', async () => {
		const run = await emergency(openParams, [{ body: { ...report, triggers: [] } }, { body: report }], true);
		expect(run.outputs[0][0].json).toMatchObject({ error: 'Item 1: triggers: needs at least one trigger', errorDetails: { row: 1, field: 'triggers', code: 'invalid' } });
		expect(run.outputs[0][1].json).toMatchObject({ outcome: 'created' });
		expect(count('SELECT COUNT(*) AS n FROM emergency_events')).toBe(1);
		const conflict = await emergency(openParams, [{ headers: { 'idempotency-key': 'k' }, body: report }, { headers: { 'idempotency-key': 'k' }, body: { ...report, riskLevel: 5 } }], true);
		expect(conflict.outputs[0][1].json).toMatchObject({ errorDetails: { field: 'idempotencyKey', code: 'conflict' } });
		const stop = await emergency(openParams, [{ body: { ...report, channel: 'fax' } }]);
		expect(stop.error?.message).toMatch(/^Item 1: channel: must be one of police_110/);
	});

	test('acknowledge by the link’s token; escalation; updates; get with details', async () => {
		await importRoster();
		const opened = (await emergency({ ...openParams, policy: { ack_police: 0, ack_township_staff: 0 } }, [{ body: report }])).outputs[0][0].json as { eventNo: string; notifications: Array<{ stepSeq: number; ackUrl: string; channel: string }> };
		const link = new URL(opened.notifications.find((n) => n.stepSeq === 2 && n.channel === 'email')!.ackUrl);
		const query = Object.fromEntries(link.searchParams);
		const ackParams = { resource: 'event', operation: 'acknowledge', step: '={{ Number($json.query.step) }}' };
		const ack = await emergency(ackParams, [{ query }]);
		expect(ack.error).toBeUndefined();
		expect(ack.outputs[0][0].json).toMatchObject({ outcome: 'updated', status: 'handling' });
		const forged = await emergency(ackParams, [{ query: { ...query, step: '1' } }], true);
		expect(forged.outputs[0][0].json).toMatchObject({ errorDetails: { field: 'token', code: 'forbidden' } });
		// Township and police steps were due at once: both escalate to the county office, one new step.
		const esc = await emergency({ resource: 'event', operation: 'escalate', messages: { ackBaseUrl: 'http://n8n.test/ack' } }, [{}]);
		const e = esc.outputs[0][0].json as { escalated: IDataObject[]; notifications: Array<{ role: string; kind: string; to: string }> };
		expect(e.escalated.map((x) => `${x.fromRole}->${x.toRole}`)).toEqual(['township_staff->county_office', 'police->county_office']);
		expect(e.notifications.map((n) => `${n.kind}:${n.role}:${n.to}`)).toEqual(['escalation:county_office:office@county.test']);

		const update = (body: IDataObject, cof = true) => emergency({ resource: 'event', operation: 'update' }, [{ body: { eventNo: opened.eventNo, ...body } }], cof);
		const bad = await update({ action: 'disposition', disposition: 'home' });
		expect(bad.outputs[0][0].json).toMatchObject({ errorDetails: { field: 'disposition', code: 'invalid' } });
		expect((await update({ action: 'fly' })).outputs[0][0].json).toMatchObject({ errorDetails: { field: 'action' } });
		const refused = await update({ action: 'close' });
		expect(refused.outputs[0][0].json).toMatchObject({ error: expect.stringContaining('closing is not allowed: the event is handling'), errorDetails: { code: 'transition' } });
		const admitted = await update({ action: 'disposition', disposition: 'admission', by: '医师乙' });
		expect(admitted.outputs[0][0].json).toMatchObject({ action: 'disposition', status: 'disposed', referralNeeded: true, referralReasons: ['violence_self_harm'] });
		expect((await update({ action: 'disposition', disposition: 'admission' })).outputs[0][0].json).toMatchObject({ outcome: 'unchanged', referralNeeded: false });
		const filed = await update({ action: 'record', measures: ['police_control', 'escort'], participants: ['police', 'psychiatrist'], summary: '现场控制后送院', doctor: '医师乙' });
		expect(filed.outputs[0][0].json).toMatchObject({ outcome: 'updated', event: { recordFiledAt: expect.any(String) } });

		const plain = await emergency({ resource: 'event', operation: 'get', eventNo: opened.eventNo }, [{}]);
		expect(Object.keys(plain.outputs[0][0].json).sort()).toEqual(['event', 'log', 'referrals']);
		const full = await emergency({ resource: 'event', operation: 'get', eventNo: opened.eventNo, includeDetails: true }, [{}]);
		expect(full.outputs[0][0].json).toMatchObject({ details: { place: '某村某组', record: { summary: '现场控制后送院' } }, patient: { name: '测试甲', patientNo: 'P001' } });
		const listed = await emergency({ resource: 'event', operation: 'list', filter: 'open' }, [{}, {}]);
		expect(listed.outputs[0].map((i) => i.json.eventNo)).toEqual([opened.eventNo]);
	});

	test('the watch list is built on its day before the period; townships of the recipients are listed even when empty', async () => {
		await importRoster();
		const recipients = path.join(dir, 'contacts.csv');
		writeFileSync(recipients, '乡镇,邮箱\n城关镇,cg@county.test\n青山镇,qs@county.test\n');
		const params = { resource: 'watch', operation: 'build', periods: { values: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }] }, day: '2026-12-29', recipientsFile: recipients };
		const built = await emergency(params, [{}]);
		expect(built.error).toBeUndefined();
		expect(built.outputs[0].map((i) => [i.json.township, i.json.email, i.json.patientCount])).toEqual([
			['城关镇', 'cg@county.test', 1],
			['青山镇', 'qs@county.test', 0],
		]);
		expect((built.outputs[0][0].json.staff as IDataObject[]).map((s) => s.role).sort()).toEqual(['police', 'psychiatrist', 'township_staff']);
		expect((await emergency({ ...params, day: '2026-12-28' }, [{}])).outputs[0]).toEqual([]);
	});
});
