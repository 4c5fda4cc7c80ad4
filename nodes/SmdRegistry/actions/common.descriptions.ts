import type { INodeProperties } from 'n8n-workflow';
import { REGISTRY_FILE_ENV } from '../../../lib';

export const registryFileProperty: INodeProperties = {
	displayName: 'Registry File',
	name: 'registryFile',
	type: 'string',
	default: '',
	placeholder: '/home/node/.n8n/smd/registry.sqlite',
	description: `Path of the embedded registry (SQLite). Leave empty for the file named by the ${REGISTRY_FILE_ENV} environment variable, else the n8n user folder's .n8n/smd/registry.sqlite.`,
};

/**
 * Where the registry is: the embedded SQLite file (default, no configuration), or PostgreSQL through
 * n8n's own Postgres credential — for n8n in queue mode with workers on several hosts.
 */
export const registryBackendProperties: INodeProperties[] = [
	{
		displayName: 'Registry Backend',
		name: 'backend',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Embedded (SQLite File)', value: 'sqlite', description: 'One file on this n8n host; no configuration' },
			{ name: 'PostgreSQL', value: 'postgres', description: 'A PostgreSQL database through a Postgres credential, shared by every n8n worker' },
		],
		default: 'sqlite',
	},
	{ ...registryFileProperty, displayOptions: { show: { backend: ['sqlite'] } } },
	{
		displayName: 'Registry Schema',
		name: 'pgSchema',
		type: 'string',
		default: 'smd',
		displayOptions: { show: { backend: ['postgres'] } },
		description: 'PostgreSQL schema holding the registry tables (created on first use; a schema holding other tables is refused)',
	},
];

/** Options shared by the operations that read a CSV or XLSX file. */
export const csvEncodingOption: INodeProperties = {
	displayName: 'CSV Encoding',
	name: 'encoding',
	type: 'options',
	options: [
		{ name: 'Detect (UTF-8, Else GBK)', value: 'auto' },
		{ name: 'UTF-8', value: 'utf-8' },
		{ name: 'GBK / GB18030', value: 'gb18030' },
	],
	default: 'auto',
};

export const sheetOption: INodeProperties = {
	displayName: 'Sheet',
	name: 'sheet',
	type: 'string',
	default: '',
	description: 'XLSX sheet name; empty for the first sheet',
};

/** The binary field an operation reads its file from (Read File, Import File). */
export function binaryInputProperty(description: string): INodeProperties {
	return { displayName: 'Input Binary Field', name: 'binaryPropertyName', type: 'string', default: 'data', required: true, description };
}
