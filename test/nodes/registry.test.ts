/**
 * The SMD Registry node executed by n8n-core (WorkflowExecute), against a real registry file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';
import { RegistryStore } from '../../lib/registry/store';
import { SmdRegistry } from '../../nodes/SmdRegistry/SmdRegistry.node';
import { runNode } from '../../scripts/n8nEngine';
import { addPatients, makeId, patient } from '../helpers';

const TYPE = 'n8n-nodes-smd.smdRegistry';
const nodeType = new SmdRegistry();
let dir: string;
let registryFile: string;

beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-node-'));
	registryFile = path.join(dir, 'registry.sqlite');
	const store = RegistryStore.open(registryFile);
	addPatients(store, [
		patient({ name: '张伟', patientNo: 'P-1', idNumber: makeId('1980-05-06', 11), lastFollowUpDate: '2026-10-01', riskLevel: 0 }),
		patient({ name: '王芳', patientNo: 'P-2', idNumber: makeId('1990-01-01', 2), lastFollowUpDate: '2026-05-01', riskLevel: 3, classification: 'unstable', township: '河西乡' }),
		patient({ name: '赵敏', patientNo: 'P-3', idNumber: makeId('1985-03-03', 44), status: 'deceased' }),
	]);
	store.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (parameters: INodeParameters, items: IDataObject[], continueOnFail = false) =>
	runNode({ nodeType, typeName: TYPE, parameters: { registryFile, ...parameters }, items, continueOnFail, timezone: 'Asia/Shanghai' });

function audit() {
	const store = RegistryStore.open(registryFile);
	try {
		return store.auditTrail(10);
	} finally {
		store.close();
	}
}

describe('SMD Registry node: Police List → Triage', () => {
	const list = [
		{ 序号: '1', 姓名: '张伟', 身份证号: makeId('1980-05-06', 11), 人员类别: '一般关注' },
		{ 序号: '2', 姓名: '王芳', 身份证号: makeId('1990-01-01', 2), 人员类别: '一般关注' },
		{ 序号: '3', 姓名: '赵敏', 身份证号: makeId('1985-03-03', 44) },
		{ 序号: '4', 姓名: '新人', 身份证号: makeId('2001-01-01', 5), 所属乡镇: '青山镇', 人员类别: '肇事肇祸' },
		{ 序号: '5', 姓名: '', 身份证号: '' },
		{ 序号: '6', 姓名: '張偉', 身份证号: makeId('1980-05-06', 11).slice(0, 17) + '0' },
	];

	test('single output: one item per row, in order, with category, priority, due date; audited', async () => {
		const { outputs, error } = await run({ resource: 'list', operation: 'triage', asOf: '2026-11-20' }, list);
		expect(error).toBeUndefined();
		const out = outputs[0].map((i) => i.json);
		expect(out).toHaveLength(list.length);
		expect(out.map((o) => [o.row, o.category, o.patientId, o.priority])).toEqual([
			[1, 'managed', 'P-1', 'normal'],
			[2, 'followup_overdue', 'P-2', 'high'],
			[3, 'closed', 'P-3', 'normal'],
			[4, 'new_clue', null, 'high'],
			[5, 'invalid', null, 'normal'],
			[6, 'review', null, 'normal'],
		]);
		expect(out[3]).toMatchObject({ township: '青山镇', dueDate: '2026-11-23', 姓名: '新人' });
		expect(out[5].candidates).toEqual([{ patientId: 'P-1', reason: 'id_typo_name_agrees' }]);
		const [entry] = audit();
		expect(entry).toMatchObject({ operation: 'list.triage', node: 'Node Under Test', detail: { rows: 6, asOf: '2026-11-20' } });
		expect(entry.patientRowIds).toHaveLength(3);
	});

	test('one output per category: seven outputs, each item on exactly one', async () => {
		const { outputs } = await run({ resource: 'list', operation: 'triage', asOf: '2026-11-20', outputMode: 'perCategory' }, list);
		expect(outputs.map((o) => o.length)).toEqual([1, 1, 0, 1, 1, 1, 1]);
		expect(outputs.flat().map((i) => i.pairedItem)).toHaveLength(list.length);
	});

	test('a bad as-of date stops the node with a clear error', async () => {
		const { error } = await run({ resource: 'list', operation: 'triage', asOf: '20-11-2026' }, list);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toBe('asOf must be a real date written YYYY-MM-DD');
	});

	test('policy from the node: due days JSON and police categories', async () => {
		const { outputs } = await run(
			{ resource: 'list', operation: 'triage', asOf: '2026-11-20', policy: { dueDays: '{"new_clue":{"high":1,"normal":2}}', highPriorityPoliceCategories: '肇事肇祸,重点关注' } },
			[list[3]],
		);
		expect(outputs[0][0].json).toMatchObject({ dueDate: '2026-11-21', priority: 'high' });
		const bad = await run({ resource: 'list', operation: 'triage', asOf: '2026-11-20', policy: { dueDays: '{nope' } }, [list[3]]);
		expect(bad.error?.message).toBe('Policy → Due Days is not valid JSON');
	});
});

describe('SMD Registry node: Match, Patient, Follow-Up', () => {
	test('Match adds match status and candidates, never links on a different name', async () => {
		const { outputs } = await run({ resource: 'list', operation: 'match' }, [
			{ 姓名: '张伟', 身份证号: makeId('1980-05-06', 11) },
			{ 姓名: '李四', 身份证号: makeId('1980-05-06', 11) },
		]);
		expect(outputs[0].map((i) => (i.json.match as IDataObject).matchStatus)).toEqual(['matched', 'probable']);
		expect(outputs[0][1].json.match).toMatchObject({ patientId: null, candidates: [{ patientId: 'P-1', reason: 'id_match_name_differs' }] });
	});

	test('Get by 患者编号 and by ID number; not found gives null; audited', async () => {
		const { outputs } = await run({ resource: 'patient', operation: 'get', lookupBy: 'patientNo', lookupValue: '={{ $json.no }}' }, [{ no: 'P-2' }, { no: 'NOPE' }]);
		expect(outputs[0][0].json.patient).toMatchObject({ patientNo: 'P-2', township: '河西乡', statusLabel: '在管', classificationLabel: '不稳定' });
		expect(outputs[0][1].json.patient).toBeNull();
		const byId = await run({ resource: 'patient', operation: 'get', lookupBy: 'idNumber', lookupValue: makeId('1985-03-03', 44) }, [{}]);
		expect(byId.outputs[0][0].json.patient).toMatchObject({ patientNo: 'P-3', status: 'deceased' });
		expect(audit()[0]).toMatchObject({ operation: 'patient.get' });
	});

	test('Get with a malformed ID number is an item error naming the field', async () => {
		const { error } = await run({ resource: 'patient', operation: 'get', lookupBy: 'idNumber', lookupValue: '123' }, [{}]);
		expect(error?.message).toMatch(/^Row 1: 身份证号 \(idNumber\): 身份证号位数错误/);
		expect((error as NodeOperationError).description).toBe('Field: idNumber');
	});

	test('Search by township, status, risk and overdue', async () => {
		const overdue = await run({ resource: 'patient', operation: 'search', returnAll: true, filters: { overdueAsOf: '2026-11-20' } }, [{}]);
		expect(overdue.outputs[0].map((i) => i.json.patientNo)).toEqual(['P-2']);
		const risky = await run({ resource: 'patient', operation: 'search', limit: 10, filters: { minRiskLevel: 3 } }, [{}]);
		expect(risky.outputs[0].map((i) => i.json.patientNo)).toEqual(['P-2']);
	});

	test('Upsert from items with Chinese headers: inserted, then unchanged; an invalid ID is kept and flagged; bad rows follow continueOnFail', async () => {
		const rows = [
			{ 患者编号: 'P-9', 姓名: '孙悦', 身份证号: makeId('1988-08-08', 8), 管理状态: '在管', 所属乡镇: '石桥镇' },
			{ 患者编号: 'P-10', 姓名: '钱七', 身份证号: '123456789012345678' },
			{ 患者编号: 'P-11', 姓名: '周八', 身份证号: makeId('1970-01-01', 3), 管理状态: '已出院' },
		];
		const first = await run({ resource: 'patient', operation: 'upsert' }, rows, true);
		expect(first.outputs[0]).toHaveLength(3);
		expect(first.outputs[0][0].json.upsert).toMatchObject({ outcome: 'inserted', patientNo: 'P-9' });
		const kept = first.outputs[0][1].json.upsert as { outcome: string; patientNo: string; warnings: string[] };
		expect(kept).toMatchObject({ outcome: 'inserted', patientNo: 'P-10' });
		expect(kept.warnings).toEqual([expect.stringMatching(/^身份证号 \(idNumber\) is not a valid ID number .*flagged idValid=false/)]);
		expect(JSON.stringify(kept.warnings)).not.toContain('123456789012345678');
		const check = RegistryStore.open(registryFile);
		expect(check.getByPatientNo('P-10')).toMatchObject({ idNumber: '123456789012345678', idValid: false });
		check.close();
		expect(first.outputs[0][2].json).toMatchObject({ 患者编号: 'P-11', error: expect.stringMatching(/^Row 3: 管理状态 \(status\)/), errorDetails: { row: 3, field: 'status' } });
		const again = await run({ resource: 'patient', operation: 'upsert' }, [rows[0]]);
		expect(again.outputs[0][0].json.upsert).toMatchObject({ outcome: 'unchanged' });
		const stop = await run({ resource: 'patient', operation: 'upsert' }, rows);
		expect(stop.error).toBeInstanceOf(NodeOperationError);
		expect((stop.error as NodeOperationError).context.itemIndex).toBe(2);
	});

	test('Follow-Up → Record assesses, stores and moves the next follow-up date', async () => {
		const { outputs, error } = await run({ resource: 'followUp', operation: 'record', patientRef: '={{ $json["患者编号"] }}' }, [
			{ 患者编号: 'P-1', 随访日期: '2026-11-18', 随访形式: '家庭访视', 危险性评估: '3级', 精神症状: '明显', 自知力: '缺失', 社会功能: '较差', 药物不良反应: '无', 躯体疾病: '无', 服药情况: '间断服药' },
		]);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ assessment: { classification: 'unstable', nextFollowUpDate: '2026-12-02' }, followUp: { outcome: 'inserted', patientNo: 'P-1' } });
		const store = RegistryStore.open(registryFile);
		const p = store.getByPatientNo('P-1')!;
		expect([p.lastFollowUpDate, p.nextFollowUpDate, p.riskLevel, p.classification, p.medication]).toEqual(['2026-11-18', '2026-12-02', 3, 'unstable', 'intermittent']);
		store.close();
	});

	test('Follow-Up for an unknown patient is an error naming the field', async () => {
		const { error } = await run({ resource: 'followUp', operation: 'record', patientRef: 'NOPE' }, [{ 随访日期: '2026-11-18' }]);
		expect(error?.message).toBe('Row 1: patient (患者编号) is not in the registry');
	});

	test('an unusable registry file is a clear node error', async () => {
		const notAFolder = path.join(dir, 'plain-file');
		writeFileSync(notAFolder, 'x');
		const { error } = await runNode({ nodeType, typeName: TYPE, parameters: { registryFile: path.join(notAFolder, 'registry.sqlite'), resource: 'patient', operation: 'search' }, items: [{}] });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toMatch(/^cannot create the folder of the registry file .*: a file is in the way or it is not writable$/);
	});
});
