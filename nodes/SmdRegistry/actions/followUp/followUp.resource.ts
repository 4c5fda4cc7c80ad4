import type { INodeProperties } from 'n8n-workflow';
import * as record from './record.operation';

export { record };

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['followUp'] } },
	options: [
		{
			name: 'Record',
			value: 'record',
			action: 'Record a follow up',
			description: 'Assess the follow-up (危险性评估, 病情分类) and store it; the patient’s next follow-up date follows',
		},
	],
	default: 'record',
};

export const description: INodeProperties[] = [...record.description];
