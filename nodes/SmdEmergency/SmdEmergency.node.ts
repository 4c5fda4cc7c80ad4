import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { registryFileProperty } from '../SmdRegistry/actions/common.descriptions';
import { executeResource } from '../shared/resources';
import * as event from './actions/event';
import * as roster from './actions/roster';
import * as watch from './actions/watch';

const RESOURCES = { event, roster, watch } as const;

/** Emergency response (应急处置): events and their hand-off chain, the on-call roster, the holiday watch list. */
export class SmdEmergency implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Emergency',
		name: 'smdEmergency',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["resource"] + ": " + $parameter["operation"]}}',
		description: 'Emergency events 应急处置 with acknowledgement deadlines and escalation, the on-call roster 值班表 and the holiday watch list 重点管控名单, in the SMD registry',
		defaults: { name: 'SMD Emergency' },
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
					{ name: 'Emergency Event 应急事件', value: 'event' },
					{ name: 'On-Call Roster 值班表', value: 'roster' },
					{ name: 'Watch List 重点管控名单', value: 'watch' },
				],
				default: 'event',
			},
			event.operations,
			roster.operations,
			watch.operations,
			registryFileProperty,
			...event.description,
			...roster.description,
			...watch.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeResource(this, RESOURCES);
	}
}
