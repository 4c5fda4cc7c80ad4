/**
 * Execute one of this package's workflow JSON files through n8n's execution engine (n8n-core
 * WorkflowExecute, n8n's built-in nodes, this package's nodes from dist/), outside n8n.
 *
 *   node dist/scripts/runWorkflow.js workflows/X.json [--set name=value]... [--allow DIR]... [--items NODE]... [--credentials FILE]
 *
 * --set changes a value of the workflow's "Settings 设置" node (as a user does in the editor),
 * --allow adds a folder file nodes may use (n8n 2.x's N8N_RESTRICT_FILE_ACCESS_TO), --items prints
 * the output items of a node, --credentials reads a JSON file of credentials by type
 * (`{ "smtp": { "host": …, "port": … } }`) for nodes that use them. Prints one JSON object: { ok, error?, nodes: { name: [count per output] }, items }.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readArgs } from './cliArgs';
import type { IDataObject } from 'n8n-workflow';
import { disposeHarness, runWorkflow, type RunResult, type RunWorkflowOptions } from './n8nEngine';
import { nodeTypesFor } from './nodeTypes';

export { applySettings, SETTINGS_NODE_TYPE, type WorkflowJson } from './workflowJson';
import { applySettings, type WorkflowJson } from './workflowJson';

export interface ExecuteOptions {
	settings?: Record<string, string>;
	/** Folders file nodes may read and write (N8N_RESTRICT_FILE_ACCESS_TO). */
	allow?: string[];
	/** Credentials by type, for nodes that use them (n8nEngine's RunWorkflowOptions.credentials). */
	credentials?: RunWorkflowOptions['credentials'];
}

export async function executeWorkflowFile(file: string, options: ExecuteOptions = {}): Promise<RunResult> {
	const workflow = JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson;
	applySettings(workflow, options.settings ?? {});
	if (options.allow?.length) {
		// Read by n8n's SecurityConfig when the first file node runs in this process.
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = options.allow.map((d) => path.resolve(d)).join(';');
	}
	return await runWorkflow({ nodeTypes: nodeTypesFor(workflow), workflow, credentials: options.credentials });
}

export interface RunSummary {
	ok: boolean;
	error?: { message: string; node?: string; itemIndex?: number; description?: string };
	nodes: Record<string, number[]>;
	items: Record<string, IDataObject[][]>;
}

export function summarise(result: RunResult, itemsOf: string[] = []): RunSummary {
	const nodes: Record<string, number[]> = {};
	for (const name of Object.keys(result.runData)) {
		nodes[name] = result.outputs(name).map((o) => o.length);
	}
	const items: Record<string, IDataObject[][]> = {};
	for (const name of itemsOf) {
		items[name] = result.runData[name] ? result.outputs(name).map((o) => o.map((i) => i.json)) : [];
	}
	const e = result.error as (Error & { description?: string; context?: { itemIndex?: number } }) | undefined;
	return {
		ok: !e,
		...(e
			? {
					error: {
						message: e.message,
						node: result.run.data.resultData.lastNodeExecuted,
						itemIndex: e.context?.itemIndex,
						description: e.description ?? undefined,
					},
				}
			: {}),
		nodes,
		items,
	};
}

async function cli(argv: string[]): Promise<void> {
	const { values: v, positionals } = readArgs(
		argv,
		{
			set: { type: 'string', multiple: true },
			allow: { type: 'string', multiple: true },
			items: { type: 'string', multiple: true },
			credentials: { type: 'string' },
		},
		true,
	);
	const file = positionals[0];
	if (!file || positionals.length > 1) throw new Error('usage: runWorkflow.js WORKFLOW.json [--set k=v] [--allow DIR] [--items NODE] [--credentials FILE]');
	const settings: Record<string, string> = {};
	for (const pair of v.set ?? []) {
		const eq = pair.indexOf('=');
		if (eq < 1) throw new Error('--set takes name=value');
		settings[pair.slice(0, eq)] = pair.slice(eq + 1);
	}
	const allow = v.allow ?? [];
	const itemsOf = v.items ?? [];
	const credentials = v.credentials ? (JSON.parse(readFileSync(v.credentials, 'utf8')) as ExecuteOptions['credentials']) : undefined;
	const result = await executeWorkflowFile(path.resolve(file), { settings, allow, credentials });
	process.stdout.write(JSON.stringify(summarise(result, itemsOf)) + '\n');
	if (result.error) process.exitCode = 2;
}

if (require.main === module) {
	cli(process.argv.slice(2))
		.catch((error: Error) => {
			process.stderr.write(`runWorkflow: ${error.message}\n`);
			process.exitCode = 1;
		})
		.finally(() => disposeHarness());
}
