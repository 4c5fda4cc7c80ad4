/**
 * SMD Referral, the Risk Assessment's "Create Referral and Case-Management Task", Follow-Up Record's
 * 随访人员 and SMD Registry → Work List, executed by n8n's own engine (n8n-core) on a real registry file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';
import { RegistryStore } from '../../lib/registry/store';
import { SmdReferral } from '../../nodes/SmdReferral/SmdReferral.node';
import { SmdRegistry } from '../../nodes/SmdRegistry/SmdRegistry.node';
import { SmdRiskAssessment } from '../../nodes/SmdRiskAssessment/SmdRiskAssessment.node';
import { runNode } from '../../scripts/n8nEngine';
import { addPatients, patient } from '../helpers';

let dir: string;
let file: string;

beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-refnode-'));
	file = path.join(dir, 'registry.sqlite');
	const store = RegistryStore.open(file);
	addPatients(store, [
		patient({ name: '测试甲', patientNo: 'P001', township: '城关镇', riskLevel: 3, classification: 'unstable', lastFollowUpDate: '2026-11-20' }),
		patient({ name: '测试乙', patientNo: 'P002', township: '青山镇', riskLevel: 0, classification: 'stable', lastFollowUpDate: '2026-10-01' }),
	]);
	store.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const referral = (parameters: INodeParameters, items: IDataObject[], continueOnFail = false) =>
	runNode({ nodeType: new SmdReferral(), typeName: 'n8n-nodes-smd.smdReferral', parameters: { registryFile: file, ...parameters }, items, continueOnFail, timezone: 'Asia/Shanghai' });

const withStore = <T>(fn: (s: RegistryStore) => T): T => {
	const s = RegistryStore.open(file);
	try {
		return fn(s);
	} finally {
		s.close();
	}
};

const createParams = {
	resource: 'referral',
	operation: 'create',
	direction: 'up',
	fromInstitution: '城关镇卫生院',
	toInstitution: '县精神卫生中心',
	reasons: ['violence_self_harm'],
	urgency: 'urgent',
	consentBy: 'guardian',
	consentAt: '2026-11-27T09:30:00',
	additionalFields: { followUpDate: '2026-11-20', presentIllness: '近两周打砸家具' },
};

describe('SMD Referral node in n8n-core', () => {
	test('Create → Update Status → Get; a re-run of the same items creates nothing new; audited', async () => {
		const first = await referral(createParams, [{ 患者编号: 'P001' }]);
		expect(first.error).toBeUndefined();
		const made = first.outputs[0][0].json as { outcome: string; referral: IDataObject; patient: IDataObject; warnings: string[] };
		expect(made.outcome).toBe('created');
		expect(made.referral).toMatchObject({ patientNo: 'P001', status: 'created', urgency: 'urgent', clinical: { presentIllness: '近两周打砸家具' } });
		// Without Include Patient Details the item names no one: 患者编号 and township only.
		expect(made.patient).toEqual({ patientNo: 'P001', township: '城关镇' });
		expect(made.warnings).toEqual([expect.stringMatching(/no valid referral agreement/)]);
		// n8n retries or a second run of the workflow: the default key (患者编号/direction/follow-up date/to) finds the first referral.
		const again = await referral(createParams, [{ 患者编号: 'P001' }]);
		expect(again.outputs[0][0].json).toMatchObject({ outcome: 'existing', referral: { referralNo: made.referral.referralNo } });
		expect(withStore((s) => s.internals.get('SELECT COUNT(*) AS n FROM referrals').get())).toEqual({ n: 1 });

		const sent = await referral({ resource: 'referral', operation: 'updateStatus', step: 'sent' }, [{ referral: made.referral }]);
		expect(sent.outputs[0][0].json).toMatchObject({ outcome: 'updated', referral: { status: 'sent' } });
		const got = await referral({ resource: 'referral', operation: 'get', includePatient: true }, [{ 转诊单号: made.referral.referralNo }]);
		expect((got.outputs[0][0].json.events as IDataObject[]).map((e) => e.toStatus)).toEqual(['created', 'sent']);
		expect(got.outputs[0][0].json.patient).toMatchObject({ patientNo: 'P001', name: '测试甲', township: '城关镇' });
		const ops = withStore((s) => s.auditTrail(10).map((a) => [a.operation, a.patientRowIds]));
		expect(ops).toEqual(
			expect.arrayContaining([
				['referral.create', [1]],
				['referral.updateStatus', [1]],
				['referral.get', [1]],
			]),
		);
	});

	test('a refused step is an error on its item naming the field; with continue on fail the other items go on', async () => {
		const made = (await referral(createParams, [{ 患者编号: 'P001' }])).outputs[0][0].json.referral as IDataObject;
		const stop = await referral({ resource: 'referral', operation: 'updateStatus', step: 'completed' }, [{ referralNo: made.referralNo }]);
		expect(stop.error).toBeInstanceOf(NodeOperationError);
		expect(stop.error!.message).toMatch(/^Item 1: a referral that is created \(已创建\) cannot become completed/);
		const cont = await referral({ resource: 'referral', operation: 'updateStatus', step: 'sent' }, [{ referralNo: 'ZZ19990101-0009' }, { referralNo: made.referralNo }], true);
		expect(cont.outputs[0].map((i) => i.json.error ?? i.json.outcome)).toEqual([expect.stringMatching(/^Item 1: referralNo .* is not in the registry/), 'updated']);
		expect(withStore((s) => s.internals.get("SELECT status FROM referrals").get())).toEqual({ status: 'sent' });
	});

	test('List Overdue names no patient; Case Management: open, review, close, list missing', async () => {
		await referral({ ...createParams, consentBy: 'pending' }, [{ 患者编号: 'P001' }]);
		// A list runs once, whatever the number of input items.
		const overdue = await referral({ resource: 'referral', operation: 'listOverdue', day: '2099-01-01' }, [{}, {}, {}]);
		expect(overdue.outputs[0].map((i) => i.json)).toEqual([
			expect.objectContaining({ patientNo: 'P001', township: '城关镇', status: 'created', late: [expect.objectContaining({ kind: 'not_sent' })] }),
		]);
		expect(JSON.stringify(overdue.outputs)).not.toContain('测试甲');

		const missing = await referral({ resource: 'casePlan', operation: 'listMissing' }, [{}, {}]);
		expect(missing.outputs[0].map((i) => [i.json.patientNo, i.json.name])).toEqual([['P001', '测*']]);
		const open = await referral(
			{
				resource: 'casePlan',
				operation: 'open',
				team: { members: [{ role: 'mental_health_worker', name: '专干一' }, { role: 'police', name: '民警一' }, { role: 'guardian', name: '监护人一' }] },
				goals: '规律服药\n每两周面访',
				openOptions: { openedOn: '2026-11-28' },
			},
			[{ patientNo: 'P001' }],
		);
		const plan = open.outputs[0][0].json.plan as IDataObject;
		expect(plan).toMatchObject({ status: 'active', goals: ['规律服药', '每两周面访'], reviewDue: '2027-02-28' });
		expect((await referral({ resource: 'casePlan', operation: 'listMissing' }, [{}])).outputs[0]).toEqual([]);
		const reviewed = await referral({ resource: 'casePlan', operation: 'review', reviewedOn: '2027-02-20', reviewOptions: { note: '好转' } }, [{ plan }]);
		expect(reviewed.outputs[0][0].json.plan).toMatchObject({ lastReviewedOn: '2027-02-20', reviewDue: '2027-05-20' });
		const closed = await referral({ resource: 'casePlan', operation: 'close', closeReason: '病情稳定', closedOn: '2027-06-01' }, [{ 患者编号: 'P001' }]);
		expect(closed.outputs[0][0].json.plan).toMatchObject({ status: 'closed', closedOn: '2027-06-01' });
		// The same Close delivered again, by 患者编号: unchanged, not "not found".
		const again = await referral({ resource: 'casePlan', operation: 'close', closeReason: '病情稳定', closedOn: '2027-06-01' }, [{ 患者编号: 'P001' }]);
		expect(again.outputs[0][0].json).toMatchObject({ outcome: 'unchanged', plan: { planNo: plan.planNo } });
		const bad = await referral({ resource: 'casePlan', operation: 'open', team: {}, goals: 'x' }, [{ patientNo: 'P001' }]);
		expect(bad.error?.message).toBe('Item 1: team (管理小组) needs at least one member');
	});

	test('agreements: upsert from spreadsheet rows, then a referral under one has no warning', async () => {
		const up = await referral({ resource: 'agreement', operation: 'upsert' }, [
			{ 协议编号: 'XY-01', 专科机构: '县精神卫生中心', 签约机构: '城关镇卫生院', 签订日期: '2026-01-05', 有效期至: '2028-12-31' },
			{ 协议编号: 'XY-02', 专科机构: '县精神卫生中心', 签约机构: '青山镇卫生院', 签订日期: '2026-13-01' },
		], true);
		expect(up.outputs[0].map((i) => i.json.outcome ?? i.json.error)).toEqual(['inserted', 'Row 2: signedOn must be a day written YYYY-MM-DD']);
		const list = await referral({ resource: 'agreement', operation: 'list' }, [{}]);
		expect(list.outputs[0].map((i) => i.json.agreementNo)).toEqual(['XY-01']);
		const made = await referral(createParams, [{ 患者编号: 'P001' }]);
		expect(made.outputs[0][0].json).toMatchObject({ warnings: [], referral: { agreementNo: 'XY-01' } });
	});
});

describe('SMD Risk Assessment → Create Referral and Case-Management Task', () => {
	const unstable = { 患者编号: 'P001', 乡镇: '城关镇', 随访日期: '2026-11-27', 危险性评估: '3级', 精神症状: '明显', 自知力: '缺失', 社会功能: '较差', 药物不良反应: '无', 躯体疾病: '无' };
	const stable = { ...unstable, 患者编号: 'P002', 危险性评估: '0级', 精神症状: '无', 自知力: '完全', 社会功能: '良好' };
	const params = { createWork: true, registryFile: '', referTo: '县精神卫生中心' };

	test('an unstable follow-up drafts the referral (consent pending) and the case-management task, once', async () => {
		const run = () => runNode({ nodeType: new SmdRiskAssessment(), typeName: 'n8n-nodes-smd.smdRiskAssessment', parameters: { ...params, registryFile: file }, items: [unstable, stable], timezone: 'Asia/Shanghai' });
		const first = await run();
		expect(first.error).toBeUndefined();
		const [a, b] = first.outputs[0].map((i) => i.json.work as IDataObject);
		expect(a).toMatchObject({ referral: { outcome: 'created', status: 'created', consentBy: 'pending' }, casePlan: { outcome: 'created', status: 'pending' } });
		expect(b).toEqual({ referral: null, casePlan: null });
		const second = await run();
		expect(second.outputs[0][0].json.work).toMatchObject({ referral: { outcome: 'existing' }, casePlan: { outcome: 'existing' } });
		const rows = withStore((s) => s.internals.get('SELECT from_institution, to_institution, reasons, urgency, follow_up_date FROM referrals').all());
		expect(rows).toEqual([{ from_institution: '城关镇卫生院', to_institution: '县精神卫生中心', reasons: '["violence_self_harm"]', urgency: 'urgent', follow_up_date: '2026-11-27' }]);
		expect(withStore((s) => s.internals.get('SELECT COUNT(*) AS n FROM case_plans').get())).toEqual({ n: 1 });
	});

	test('a draft made while consent was pending takes the consent when the visit comes again with it', async () => {
		const run = (items: IDataObject[]) => runNode({ nodeType: new SmdRiskAssessment(), typeName: 'n8n-nodes-smd.smdRiskAssessment', parameters: { ...params, registryFile: file }, items, timezone: 'Asia/Shanghai' });
		expect((await run([unstable])).outputs[0][0].json.work).toMatchObject({ referral: { outcome: 'created', consentBy: 'pending' } });
		const signed = await run([{ ...unstable, 知情同意: '监护人', 知情同意时间: '2026-11-27T15:00:00+08:00' }]);
		expect(signed.error).toBeUndefined();
		expect(signed.outputs[0][0].json.work).toMatchObject({ referral: { outcome: 'existing', consentBy: 'guardian' } });
		expect(withStore((s) => s.internals.get("SELECT COUNT(*) AS n FROM referral_events WHERE event = 'consent'").get())).toEqual({ n: 1 });
		// SMD Referral → Create for the same follow-up finds the same referral (the same default key).
		const viaNode = await referral({ ...createParams, additionalFields: { followUpDate: '2026-11-27' } }, [{ 患者编号: 'P001' }]);
		expect(viaNode.outputs[0][0].json).toMatchObject({ outcome: 'existing', referral: { consentBy: 'guardian' } });
		expect(withStore((s) => s.internals.get('SELECT COUNT(*) AS n FROM referrals').get())).toEqual({ n: 1 });
	});

	test('consent recorded at the visit goes on the referral; an unknown patient is an error on its row', async () => {
		const { outputs } = await runNode({
			nodeType: new SmdRiskAssessment(),
			typeName: 'n8n-nodes-smd.smdRiskAssessment',
			parameters: { ...params, registryFile: file },
			items: [{ ...unstable, 知情同意: '监护人', 知情同意时间: '2026-11-27T10:00:00+08:00' }, { ...unstable, 患者编号: 'P404' }],
			continueOnFail: true,
			timezone: 'Asia/Shanghai',
		});
		expect(outputs[0][0].json.work).toMatchObject({ referral: { consentBy: 'guardian' } });
		expect(outputs[0][1].json.error).toBe('Row 2: patientNo (患者编号) is not in the registry');
	});
});

describe('SMD Registry → Follow-Up Record with 随访人员, and Work List → Build Daily', () => {
	const registry = (parameters: INodeParameters, items: IDataObject[], continueOnFail = false) =>
		runNode({ nodeType: new SmdRegistry(), typeName: 'n8n-nodes-smd.smdRegistry', parameters: { registryFile: file, ...parameters }, items, continueOnFail, timezone: 'Asia/Shanghai' });
	const visit = { 患者编号: 'P001', 随访日期: '2026-11-27', 随访形式: '家庭访视', 危险性评估: '3级', 精神症状: '明显', 自知力: '缺失', 社会功能: '较差', 药物不良反应: '无', 躯体疾病: '无', 服药情况: '间断服药' };

	test('a level 3 follow-up without a 精神科医师 is flagged; with one it is not; a bad role names the field', async () => {
		const { outputs } = await registry({ resource: 'followUp', operation: 'record' }, [
			{ ...visit, 随访人员: '精防专干、民警' },
			{ ...visit, 随访日期: '2026-11-28', 随访人员: '精神科医师,精防专干' },
			{ ...visit, 随访日期: '2026-11-29', 随访人员: '院长' },
		], true);
		expect(outputs[0].map((i) => (i.json.followUp as IDataObject | undefined)?.jointFollowUpMissing ?? i.json.error)).toEqual([
			true,
			false,
			expect.stringMatching(/^Row 3: visitors \(随访人员\) must be one of: specialist 精神科医师/),
		]);
		expect(withStore((s) => s.followUpsOf(1).map((f) => f.visitors))).toEqual([
			['mental_health_worker', 'police'],
			['specialist', 'mental_health_worker'],
		]);
	});

	test('one item per township with its address and one county summary; nothing on a holiday when asked', async () => {
		const contacts = path.join(dir, 'contacts.csv');
		writeFileSync(contacts, '乡镇,邮箱\n城关镇,cg@example.org\n');
		const { outputs, error } = await registry(
			{ resource: 'workList', operation: 'buildDaily', day: '2026-12-01', recipientsFile: contacts, recipients: { values: [{ township: '青山镇', email: 'qs@example.org' }] }, countyEmail: 'jfb@example.org' },
			[{}],
		);
		expect(error).toBeUndefined();
		const items = outputs[0].map((i) => i.json);
		expect(items.map((i) => [i.kind, i.township ?? null, i.email])).toEqual([
			['township', '城关镇', 'cg@example.org'],
			['township', '青山镇', 'qs@example.org'],
			['county', null, 'jfb@example.org'],
		]);
		expect(items[2].townshipsWithoutEmail).toEqual([]);
		expect((items[0].rows as IDataObject[]).map((r) => r.section)).toEqual(['follow_up_due', 'joint_follow_up', 'case_management_missing']);
		// Names are masked before they leave the node (n8n keeps the items in its execution data).
		expect((items[0].rows as IDataObject[]).map((r) => r.name)).toEqual(['测*', '测*', '测*']);
		expect(JSON.stringify(items)).not.toContain('测试甲');
		expect(withStore((s) => s.auditTrail(1)[0])).toMatchObject({ operation: 'workList.buildDaily', patientRowIds: [1] });
		const holiday = await registry({ resource: 'workList', operation: 'buildDaily', day: '2026-10-02', workListOptions: { onlyOnWorkingDays: true } }, [{}]);
		expect(holiday.outputs[0]).toEqual([]);
		const bad = await registry({ resource: 'workList', operation: 'buildDaily', day: '2026-12-01', countyEmail: 'not-an-address' }, [{}]);
		expect(bad.error?.message).toBe('County Office Email: 邮箱 is not an e-mail address');
	});
});
