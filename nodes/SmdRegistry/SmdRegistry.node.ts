import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { registryFileProperty, withRegistry } from './actions/common';
import { executeFollowUp, followUpFields, followUpOperations } from './actions/followUp';
import { executeList, listFields, listOperations } from './actions/list';
import { executePatient, patientFields, patientOperations } from './actions/patient';

/** Output labels of Triage → One Output per Category, in TRIAGE_OUTPUT_ORDER. */
const CATEGORY_OUTPUTS = [
	'Managed 在管',
	'Follow-Up Overdue 随访逾期',
	'Lost 失访',
	'Closed 死亡/迁出',
	'New Clue 未登记线索',
	'Review 人工核对',
	'Invalid 信息不足',
];

export class SmdRegistry implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Registry',
		name: 'smdRegistry',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["resource"] + ": " + $parameter["operation"]}}',
		description: 'The embedded registry of patients with severe mental disorders: look-ups, imports, follow-ups, police-list matching and triage',
		defaults: { name: 'SMD Registry' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter.resource === "list" && $parameter.operation === "triage" && $parameter.outputMode === "perCategory" ? ${JSON.stringify(
			CATEGORY_OUTPUTS.map((displayName) => ({ type: 'main', displayName })),
		)} : ["main"] }}`,
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Follow-Up 随访', value: 'followUp' },
					{ name: 'Patient 患者', value: 'patient' },
					{ name: 'Police List 公安名单', value: 'list' },
				],
				default: 'list',
			},
			patientOperations,
			followUpOperations,
			listOperations,
			registryFileProperty,
			...patientFields,
			...followUpFields,
			...listFields,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		return await withRegistry(this, async (store) => {
			switch (resource) {
				case 'patient':
					return await executePatient.call(this, store, operation);
				case 'followUp':
					return await executeFollowUp.call(this, store);
				case 'list':
					return await executeList.call(this, store, operation);
				default:
					throw new NodeOperationError(this.getNode(), `Unknown resource ${resource}`);
			}
		});
	}
}
