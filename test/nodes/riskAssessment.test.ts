/**
 * The SMD Risk Assessment node executed by n8n's own engine (n8n-core WorkflowExecute, real
 * expression evaluation, real onError handling) — no hand-made IExecuteFunctions.
 */
import { NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';
import { SmdRiskAssessment } from '../../nodes/SmdRiskAssessment/SmdRiskAssessment.node';
import { runNode, runWorkflow, TEST_NODE_NAME } from '../../scripts/n8nEngine';

const TYPE = 'n8n-nodes-smd.smdRiskAssessment';
const nodeType = new SmdRiskAssessment();

const stableRow = { 随访日期: '2026-03-10', 危险性评估: '0级', 精神症状: '无', 自知力: '完全', 社会功能: '良好', 药物不良反应: '无', 躯体疾病: '无' };
const basicRow = { ...stableRow, 危险性评估: '1级', 自知力: '不全' };
const unstableRow = { ...stableRow, 危险性评估: '3级' };
const badRow = { ...stableRow, 自知力: '也许' };

const run = (parameters: INodeParameters, items: IDataObject[], continueOnFail = false) =>
	runNode({ nodeType, typeName: TYPE, parameters, items, continueOnFail, timezone: 'Asia/Shanghai' });

describe('SMD Risk Assessment node in n8n-core', () => {
	test('single output: every item keeps its fields and gains the assessment', async () => {
		const { outputs, error } = await run({}, [stableRow, basicRow, unstableRow]);
		expect(error).toBeUndefined();
		expect(outputs).toHaveLength(1);
		const out = outputs[0].map((i) => i.json);
		expect(out).toHaveLength(3);
		expect(out[0]).toMatchObject({ ...stableRow, assessment: { riskLevel: 0, classification: 'stable', nextFollowUpDate: '2026-06-10', actions: ['continue_plan'] } });
		expect(out[1]).toMatchObject({ assessment: { riskLevel: 1, classification: 'basically_stable', nextFollowUpDate: '2026-03-24' } });
		expect(out[2]).toMatchObject({
			assessment: { riskLevel: 3, classification: 'unstable', actions: ['refer_up', 'notify_police', 'joint_followup', 'case_management'] },
		});
		expect(outputs[0].map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test('one output per classification: unstable, basically stable, stable', async () => {
		const { outputs } = await run({ outputMode: 'perClassification' }, [stableRow, unstableRow, basicRow, stableRow]);
		expect(outputs.map((o) => o.length)).toEqual([1, 1, 2]);
		expect(outputs[0][0].json).toMatchObject({ assessment: { classification: 'unstable' } });
		expect(outputs[1][0].json).toMatchObject({ assessment: { classification: 'basically_stable' } });
		expect(outputs[2].map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 3 }]);
	});

	test('field names, output field and policy options, including expressions resolved per item', async () => {
		const items = [
			{ when: '2026-03-10', lvl: 2, sym: 'none', ins: 'complete', sf: 'good', adr: 'none', som: 'none', policyLevel: 2 },
			{ when: '2026-03-10', lvl: 2, sym: 'none', ins: 'complete', sf: 'good', adr: 'none', som: 'none', policyLevel: 3 },
		];
		const { outputs, error } = await run(
			{
				fieldNames: { date: 'when', riskLevel: 'lvl', symptoms: 'sym', insight: 'ins', socialFunction: 'sf', adverseReaction: 'adr', somaticDisease: 'som' },
				options: { outputField: 'result', includeReasons: false, jointFollowUpMinLevel: '={{ $json.policyLevel }}', basicallyStableDays: 10 },
			},
			items,
		);
		expect(error).toBeUndefined();
		const [a, b] = outputs[0].map((i) => i.json.result as IDataObject);
		expect(a.actions).toEqual(['adjust_medication', 'joint_followup']);
		expect(b.actions).toEqual(['adjust_medication']);
		expect(a.nextFollowUpDate).toBe('2026-03-20');
		expect(a).not.toHaveProperty('reasons');
	});

	test('spreadsheet columns format adds Chinese columns with joined lists', async () => {
		const { outputs } = await run({ options: { resultFormat: 'columns' } }, [unstableRow]);
		expect(outputs[0][0].json).toEqual({
			...unstableRow,
			评定危险性级别: 3,
			病情分类: '不稳定',
			处置措施: '立即转诊上级医院；报告公安部门，协助送院；精神科医师与精防专干（必要时民警）联合随访；纳入个案管理',
			下次随访日期: '2026-03-24',
			评估依据: expect.stringContaining('危险性评估3级及以上（3级）：病情不稳定'),
		});
	});

	test('a bad item stops the run with NodeOperationError naming the row, the field and the item index', async () => {
		const { error, outputs } = await run({}, [stableRow, badRow, stableRow]);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toBe(
			'Row 2: insight (自知力) is not a recognised option (expected one of complete, partial, absent or their Chinese labels)',
		);
		expect((error as NodeOperationError).context.itemIndex).toBe(1);
		expect((error as NodeOperationError).description).toBe('Field: insight');
		expect(error!.message).not.toContain('也许');
		expect(outputs).toEqual([]);
	});

	test('continue (regular output): the bad item keeps its data and carries the error; rows in = rows out', async () => {
		const { outputs, error } = await run({}, [stableRow, badRow, unstableRow], true);
		expect(error).toBeUndefined();
		const out = outputs[0].map((i) => i.json);
		expect(out).toHaveLength(3);
		expect(out[1]).toEqual({ ...badRow, error: expect.stringMatching(/^Row 2: insight/), errorDetails: { row: 2, field: 'insight', code: 'invalid' } });
		expect(out[0].assessment).toBeDefined();
		expect(out[2].assessment).toBeDefined();
	});

	test('continue (error output): bad items leave through n8n error output with the input row merged back', async () => {
		const node = {
			id: 'n1',
			name: TEST_NODE_NAME,
			type: TYPE,
			typeVersion: 1,
			position: [200, 0] as [number, number],
			parameters: { outputMode: 'perClassification' },
			onError: 'continueErrorOutput' as const,
		};
		const result = await runWorkflow({
			nodeTypes: { [TYPE]: nodeType },
			workflow: { nodes: [node], connections: {} },
			inputItems: [badRow, unstableRow, { ...stableRow, 随访日期: '2026-02-30' }, stableRow],
		});
		expect(result.error).toBeUndefined();
		const outputs = result.outputs(TEST_NODE_NAME);
		expect(outputs.map((o) => o.length)).toEqual([1, 0, 1, 2]);
		expect(outputs[3].map((i) => i.json)).toEqual([
			{ ...badRow, error: expect.stringMatching(/^Row 1: insight/), details: { row: 1, field: 'insight', code: 'invalid' } },
			{ ...stableRow, 随访日期: '2026-02-30', error: expect.stringMatching(/^Row 3: date \(随访日期\)/), details: { row: 3, field: 'date', code: 'invalid' } },
		]);
	});

	test('a bad policy option is an item error too (interval 0 days)', async () => {
		const { error } = await run({ options: { unstableDays: 0 } }, [stableRow]);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toMatch(/^Row 1: policy\.intervals\.unstable/);
	});

	test('description: versioned metadata n8n needs', () => {
		const d = nodeType.description;
		expect(d.name).toBe('smdRiskAssessment');
		expect(d.usableAsTool).toBe(true);
		expect(d.icon).toEqual({ light: 'file:smd.svg', dark: 'file:smd.dark.svg' });
		expect(d.subtitle).toContain('$parameter');
	});
});
