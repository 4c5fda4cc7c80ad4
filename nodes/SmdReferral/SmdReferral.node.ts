import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { registryFileProperty } from '../SmdRegistry/actions/common.descriptions';
import { executeResource } from '../shared/resources';
import * as agreement from './actions/agreement';
import * as casePlan from './actions/casePlan';
import * as referral from './actions/referral';

const RESOURCES = { referral, casePlan, agreement } as const;

/** Two-way referral (双向转诊), case management (个案管理) and referral agreements (协议书) in the registry. */
export class SmdReferral implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Referral',
		name: 'smdReferral',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["resource"] + ": " + $parameter["operation"]}}',
		description: 'Two-way referrals 双向转诊 with their deadlines, case-management plans 个案管理 and referral agreements 协议书, in the SMD registry',
		defaults: { name: 'SMD Referral' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Case Management 个案管理', value: 'casePlan' },
					{ name: 'Referral 转诊', value: 'referral' },
					{ name: 'Referral Agreement 协议书', value: 'agreement' },
				],
				default: 'referral',
			},
			referral.operations,
			casePlan.operations,
			agreement.operations,
			registryFileProperty,
			...referral.description,
			...casePlan.description,
			...agreement.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeResource(this, RESOURCES);
	}
}
