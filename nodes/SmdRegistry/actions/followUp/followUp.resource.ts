import type { INodeProperties } from 'n8n-workflow';
import * as importFile from './importFile.operation';
import * as record from './record.operation';

export { importFile, record };

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['followUp'] } },
	options: [
		{
			name: 'Import File',
			value: 'importFile',
			action: 'Import a follow up export',
			description: 'Import the national system’s follow-up export (CSV UTF-8/GBK or XLSX, one row per follow-up): every good row or none, idempotent',
		},
		{
			name: 'Record',
			value: 'record',
			action: 'Record a follow up',
			description: 'Assess the follow-up (危险性评估, 病情分类) and store it; the patient’s next follow-up date follows',
		},
	],
	default: 'record',
};

export const description: INodeProperties[] = [...record.description, ...importFile.description];
