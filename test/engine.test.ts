/**
 * Self-test for the n8n execution harness: a tiny inline node run through n8n-core's WorkflowExecute.
 */
import { Expression, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

import { runNode, runWorkflow } from '../scripts/n8nEngine';

const TYPE = 'n8n-nodes-smd.testDoubler';

/** Doubles the `value` parameter (usually `={{ $json.n }}`); negative values are an item error. */
const doubler: INodeType = {
	description: {
		displayName: 'Doubler',
		name: 'testDoubler',
		group: ['transform'],
		version: [1, 2],
		description: 'test node',
		defaults: { name: 'Doubler' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [{ displayName: 'Value', name: 'value', type: 'number', default: 0 }],
	},
	async execute(this: IExecuteFunctions) {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			try {
				const value = this.getNodeParameter('value', i) as number;
				if (value < 0) {
					throw new NodeOperationError(this.getNode(), `Negative value: ${value}`, { itemIndex: i });
				}
				out.push({ json: { ...items[i].json, doubled: value * 2 }, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw error;
			}
		}
		return [out];
	},
};

const json = (outputs: INodeExecutionData[][]) => outputs.map((items) => items.map((item) => item.json));

describe('n8nHarness', () => {
	it('resolves expression parameters per item', async () => {
		const { outputs, error } = await runNode({
			nodeType: doubler,
			typeName: TYPE,
			parameters: { value: '={{ $json.n }}' },
			items: [{ n: 1 }, { n: 2 }, { n: 5 }],
		});
		expect(error).toBeUndefined();
		expect(json(outputs)).toEqual([
			[
				{ n: 1, doubled: 2 },
				{ n: 2, doubled: 4 },
				{ n: 5, doubled: 10 },
			],
		]);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		// n8n 2.x default engine unless N8N_EXPRESSION_ENGINE=legacy
		expect(Expression.getActiveImplementation()).toBe(process.env.N8N_EXPRESSION_ENGINE ?? 'vm');
	});

	it('surfaces a NodeOperationError with itemIndex when not continuing on fail', async () => {
		const { outputs, error, result } = await runNode({
			nodeType: doubler,
			typeName: TYPE,
			parameters: { value: '={{ $json.n }}' },
			items: [{ n: 1 }, { n: -3 }, { n: 2 }],
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error?.message).toBe('Negative value: -3');
		expect((error as NodeOperationError).context.itemIndex).toBe(1);
		expect(outputs).toEqual([]);
		expect(result.run.status).toBe('error');
	});

	it("continues on fail (onError: 'continueRegularOutput') with json.error on the bad item", async () => {
		const { outputs, error } = await runNode({
			nodeType: doubler,
			typeName: TYPE,
			parameters: { value: '={{ $json.n }}' },
			items: [{ n: 1 }, { n: -3 }, { n: 2 }],
			continueOnFail: true,
			typeVersion: 1,
		});
		expect(error).toBeUndefined();
		expect(json(outputs)).toEqual([[{ n: 1, doubled: 2 }, { error: 'Negative value: -3' }, { n: 2, doubled: 4 }]]);
	});

	it('runs an exported-style workflow (Manual Trigger → A → B) with cross-node expressions', async () => {
		const node = (name: string, value: string, x: number) => ({
			id: name,
			name,
			type: TYPE,
			typeVersion: 2,
			position: [x, 0] as [number, number],
			parameters: { value },
		});
		const result = await runWorkflow({
			nodeTypes: { [TYPE]: doubler },
			workflow: {
				nodes: [
					{
						id: 't',
						name: 'When clicking ‘Execute workflow’',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					node('A', '={{ $json.n + 1 }}', 200),
					node('B', "={{ $('A').item.json.doubled * 10 }}", 400),
				],
				connections: {
					'When clicking ‘Execute workflow’': { main: [[{ node: 'A', type: 'main', index: 0 }]] },
					A: { main: [[{ node: 'B', type: 'main', index: 0 }]] },
				},
			},
			inputItems: [{ n: 1 }, { n: 2 }],
		});
		expect(result.error).toBeUndefined();
		expect(json(result.outputs('A'))).toEqual([
			[
				{ n: 1, doubled: 4 },
				{ n: 2, doubled: 6 },
			],
		]);
		expect(json(result.outputs('B'))).toEqual([
			[
				{ n: 1, doubled: 80 },
				{ n: 2, doubled: 120 },
			],
		]);
		expect(() => result.outputs('Nope')).toThrow(/did not run/);
	});
});
