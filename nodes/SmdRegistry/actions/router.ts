import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { Registry } from '../../../lib';
import { withRegistryBackend } from '../helpers/registry';
import * as followUp from './followUp/followUp.resource';
import * as list from './list/list.resource';
import type { SmdRegistryType } from './node.type';
import * as patient from './patient/patient.resource';
import * as workList from './workList/workList.resource';

type Operation = { execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> };

/** Whether `operation` names an operation module of a resource (not its `operations` or `description`). */
function isOperationOf(resource: object, operation: string): boolean {
	return Object.hasOwn(resource, operation) && typeof (resource as Record<string, Partial<Operation>>)[operation].execute === 'function';
}

/** Open the registry (on the backend the node is set to), run the chosen operation on it, close it; returns the operation's outputs. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as SmdRegistryType['resource'];
	const operation = this.getNodeParameter('operation', 0) as string;
	const smdRegistry = { resource, operation } as SmdRegistryType;
	const resources = { followUp, list, patient, workList };

	return await withRegistryBackend(this, async (registry) => {
		if (!Object.hasOwn(resources, resource)) throw new NodeOperationError(this.getNode(), `Unknown resource ${resource}`);
		if (!isOperationOf(resources[resource], operation)) throw new NodeOperationError(this.getNode(), `Unknown ${resource} operation ${operation}`);
		switch (smdRegistry.resource) {
			case 'patient':
				return await patient[smdRegistry.operation].execute.call(this, registry);
			case 'followUp':
				return await followUp[smdRegistry.operation].execute.call(this, registry);
			case 'list':
				return await list[smdRegistry.operation].execute.call(this, registry);
			case 'workList':
				return await workList[smdRegistry.operation].execute.call(this, registry);
		}
	});
}
