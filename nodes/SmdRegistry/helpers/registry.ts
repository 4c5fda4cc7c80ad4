import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';
import { allowedFileFolders, defaultRegistryPath, explainSqliteError, isFileAccessAllowed, RegistryError, RegistryStore } from '../../../lib';

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
