import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { allowedFileFolders, defaultRegistryPath, explainSqliteError, isFileAccessAllowed, RegistryError, RegistryStore, REGISTRY_FILE_ENV } from '../../../lib';

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

/**
 * Open the registry for this execution, run `fn`, always close it. A Registry File set in the
 * workflow must lie inside N8N_RESTRICT_FILE_ACCESS_TO when that is set, as for n8n's own file
 * nodes (the default file, chosen by the administrator, is not a workflow's choice). SQLite's own
 * errors ("database is locked", "malformed") come out naming the file and what to do.
 */
export async function withRegistry<T>(ctx: IExecuteFunctions, fn: (store: RegistryStore) => Promise<T>): Promise<T> {
	const configured = (ctx.getNodeParameter('registryFile', 0, '') as string).trim();
	if (configured && !isFileAccessAllowed(configured)) {
		throw new NodeOperationError(ctx.getNode(), 'Access to the registry file is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO', {
			description: `Put the Registry File inside one of: ${allowedFileFolders().join('; ')}`,
			level: 'warning',
		});
	}
	let store: RegistryStore;
	try {
		store = RegistryStore.open(configured || defaultRegistryPath());
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			description: error instanceof RegistryError ? 'Check the Registry File parameter' : undefined,
		});
	}
	try {
		return await fn(store);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), explainSqliteError(error, store.path) as Error);
	} finally {
		store.close();
	}
}

/** Audit-trail context of the running node. */
export function auditContext(ctx: IExecuteFunctions) {
	return { workflowId: ctx.getWorkflow().id ?? null, executionId: ctx.getExecutionId() ?? null, node: ctx.getNode().name };
}

export { itemErrorJson } from '../../shared/itemError';
export { isEmptyPlaceholder } from '../../shared/items';
