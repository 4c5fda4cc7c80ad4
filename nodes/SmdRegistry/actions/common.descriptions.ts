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
