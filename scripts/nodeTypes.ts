/**
 * Node types for running this package's workflows through n8n-core: this package's nodes loaded
 * from dist/ through package.json "n8n.nodes" (as n8n loads a community package, type prefix
 * "n8n-nodes-smd."), and n8n's built-in nodes from n8n-nodes-base (prefix "n8n-nodes-base.").
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { INodeType, IVersionedNodeType } from 'n8n-workflow';

/** The folder holding this package's package.json (from scripts/ under ts-jest, or dist/scripts/). */
function findPackageRoot(start: string): string {
	for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const file = path.join(dir, 'package.json');
		if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'n8n-nodes-smd') return dir;
	}
	throw new Error('package.json of n8n-nodes-smd not found above ' + start);
}
export const PACKAGE_ROOT = findPackageRoot(__dirname);
const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[] };
};
export const PACKAGE_PREFIX = `${pkg.name}.`;

type NodeType = INodeType | IVersionedNodeType;

function instantiate(file: string): NodeType {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(file) as Record<string, new () => NodeType>;
	const Class = Object.values(mod).find((v) => typeof v === 'function');
	if (!Class) throw new Error(`No node class exported by ${path.relative(PACKAGE_ROOT, file)}`);
	return new Class();
}

let own: Record<string, NodeType> | undefined;

/** This package's nodes, keyed "n8n-nodes-smd.<name>", from the built dist/ (run `npm run build`). */
export function packageNodeTypes(): Record<string, NodeType> {
	if (own) return own;
	own = {};
	for (const rel of pkg.n8n.nodes) {
		const file = path.join(PACKAGE_ROOT, rel);
		if (!existsSync(file)) throw new Error(`${rel} is missing: run "npm run build" first`);
		const type = instantiate(file);
		own[PACKAGE_PREFIX + type.description.name] = type;
	}
	return own;
}

const builtIn: Record<string, NodeType> = {};

/** One of n8n's built-in nodes, e.g. "n8n-nodes-base.readWriteFile". */
export function builtInNodeType(typeName: string): NodeType {
	if (builtIn[typeName]) return builtIn[typeName];
	const name = typeName.replace(/^n8n-nodes-base\./, '');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const known = require('n8n-nodes-base/dist/known/nodes.json') as Record<string, { sourcePath: string }>;
	if (!known[name]) throw new Error(`Unknown built-in node type ${typeName}`);
	builtIn[typeName] = instantiate(require.resolve(`n8n-nodes-base/${known[name].sourcePath}`));
	return builtIn[typeName];
}

/** Every node type a workflow JSON uses. Manual Trigger is left to the engine's start node. */
export function nodeTypesFor(workflow: { nodes: Array<{ type: string }> }): Record<string, NodeType> {
	const types: Record<string, NodeType> = {};
	const ownTypes = packageNodeTypes();
	for (const { type } of workflow.nodes) {
		if (type === 'n8n-nodes-base.manualTrigger' || types[type]) continue;
		if (type.startsWith(PACKAGE_PREFIX)) {
			if (!ownTypes[type]) throw new Error(`Workflow uses ${type}, which this package does not define`);
			types[type] = ownTypes[type];
		} else if (type.startsWith('n8n-nodes-base.')) {
			types[type] = builtInNodeType(type);
		} else {
			throw new Error(`Workflow uses ${type}: only n8n-nodes-base and ${pkg.name} nodes can run here`);
		}
	}
	return types;
}
