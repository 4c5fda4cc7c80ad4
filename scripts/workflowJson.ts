/** A workflow JSON file of this package, and the one edit scripts make to it: Settings values. */
import type { IConnections, INode, IWorkflowSettings } from 'n8n-workflow';

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export const SETTINGS_NODE_TYPE = 'n8n-nodes-base.set';

/** Set values on the workflow's Settings node (the first Edit Fields node). */
export function applySettings(workflow: WorkflowJson, values: Record<string, string>): void {
	if (Object.keys(values).length === 0) return;
	const settings = workflow.nodes.find((n) => n.type === SETTINGS_NODE_TYPE);
	const list = (settings?.parameters.assignments as { assignments?: Array<{ name: string; value: unknown }> } | undefined)
		?.assignments;
	if (!list) throw new Error(`${workflow.name ?? 'workflow'} has no Settings (Edit Fields) node`);
	for (const [name, value] of Object.entries(values)) {
		const a = list.find((x) => x.name === name);
		if (!a) throw new Error(`Settings node has no field "${name}" (has: ${list.map((x) => x.name).join(', ')})`);
		a.value = value;
	}
}

