import type { INodeProperties } from 'n8n-workflow';
import * as buildDaily from './buildDaily.operation';

export { buildDaily };

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['workList'] } },
	options: [
		{
			name: 'Build Daily',
			value: 'buildDaily',
			action: 'Build the daily work lists',
			description:
				'One item per township (follow-ups overdue and due this week, joint follow-ups, unstable patients without case management, referrals past a deadline) and one county summary',
		},
	],
	default: 'buildDaily',
};

export const description: INodeProperties[] = [...buildDaily.description];
