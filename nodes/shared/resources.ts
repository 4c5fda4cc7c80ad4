import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { RegistryStore } from '../../lib';
import { withRegistry } from '../SmdRegistry/helpers/registry';

/** A resource of a registry node: its Operation parameter and what runs an operation. */
export interface RegistryResource {
	operations: INodeProperties;
	execute(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]>;
}

/**
 * Run the node's chosen resource and operation on the registry (opened and closed around it). An
 * unknown resource or operation (a workflow from a newer version) stops the node naming it.
 */
export async function executeResource(ctx: IExecuteFunctions, resources: Record<string, RegistryResource>): Promise<INodeExecutionData[][]> {
	const resource = ctx.getNodeParameter('resource', 0) as string;
	const operation = ctx.getNodeParameter('operation', 0) as string;
	if (!Object.hasOwn(resources, resource)) throw new NodeOperationError(ctx.getNode(), `Unknown resource ${resource}`);
	const known = (resources[resource].operations.options ?? []).some((o) => 'value' in o && o.value === operation);
	if (!known) throw new NodeOperationError(ctx.getNode(), `Unknown ${resource} operation ${operation}`);
	return await withRegistry(ctx, async (store) => await resources[resource].execute.call(ctx, store, operation));
}
