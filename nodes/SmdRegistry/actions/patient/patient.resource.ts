import type { INodeProperties } from 'n8n-workflow';
import * as get from './get.operation';
import * as importFile from './importFile.operation';
import * as search from './search.operation';
import * as upsert from './upsert.operation';

export { get, importFile, search, upsert };

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['patient'] } },
	options: [
		{ name: 'Get', value: 'get', action: 'Get a patient', description: 'Look up one patient by 患者编号 or ID number' },
		{ name: 'Import File', value: 'importFile', action: 'Import a registry file', description: 'Upsert every row of a national-system export (CSV UTF-8/GBK or XLSX)' },
		{ name: 'Search', value: 'search', action: 'Search patients', description: 'Patients by township, status, risk level or overdue follow-up' },
		{ name: 'Create or Update', value: 'upsert', action: 'Create or update a patient', description: 'Create a new record, or update the current one if it already exists (upsert)' },
	],
	default: 'get',
};

export const description: INodeProperties[] = [...get.description, ...search.description, ...importFile.description, ...upsert.description];
