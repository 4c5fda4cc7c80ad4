/**
 * Runs workflows through n8n's real execution engine
 * (n8n-core `WorkflowExecute`), modelled on n8n's own NodeTestHarness
 * (n8n repo: packages/core/nodes-testing/node-test-harness.ts → executeWorkflow()).
 *
 * What is real: graph traversal, parameter defaults + issue checks, expression
 * resolution (`={{ $json.x }}`, in n8n 2.x's default isolated-vm engine), the
 * ExecuteContext handed to nodes (`this.getNodeParameter`, `this.continueOnFail()`, …),
 * `onError` handling, paired items.
 * What is stubbed: everything that needs an n8n server (credentials, sub-workflows,
 * task runners, webhooks) — see `buildAdditionalData()`.
 *
 * Environment knobs (same names n8n itself reads):
 *   N8N_EXPRESSION_ENGINE=legacy|vm   default 'vm' (the n8n 2.x server default)
 *   N8N_LOG_LEVEL=...                 default 'silent' (n8n's ErrorReporter logs every node error)
 */
import path from 'node:path';
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	Expression,
	ExpressionError,
	LoggerProxy,
	NodeApiError,
	NodeHelpers,
	NodeOperationError,
	Workflow,
} from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IConnections,
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';

// n8n-core's ErrorReporter logs each node error through @n8n/backend-common's Logger,
// whose level comes from GlobalConfig (env N8N_LOG_LEVEL), instantiated lazily on first error.
process.env.N8N_LOG_LEVEL ??= 'silent';

/** Type name of the harness-provided start node (emits `inputItems`). */
export const HARNESS_INPUT_TYPE = 'n8n-nodes-harness.input';
/** Name of the start node the harness adds when the workflow has none. */
export const HARNESS_INPUT_NODE = 'Harness Input';
/** Name of the node under test in `runNode()` workflows. */
export const TEST_NODE_NAME = 'Node Under Test';
/** A workflow's Manual Trigger is replaced by the harness input node (unless you supply that type). */
const MANUAL_TRIGGER_TYPE = 'n8n-nodes-base.manualTrigger';

/**
 * Minimal trigger-like start node. Unlike n8n's ManualTrigger (which has a `trigger()`
 * and always emits one empty item), it has `execute()` and passes through the items the
 * harness puts on its execution-stack entry — the same trick NodeTestHarness uses
 * (`nodeExecutionStack: [{ node: startNode, data: { main: [[trigger.input]] } }]`).
 */
const harnessInputNode: INodeType = {
	description: {
		displayName: 'Harness Input',
		name: 'harnessInput',
		group: ['trigger'],
		version: 1,
		description: 'Emits the items given to runWorkflow({ inputItems })',
		defaults: { name: HARNESS_INPUT_NODE },
		inputs: [],
		outputs: ['main'],
		properties: [],
	},
	async execute(this: IExecuteFunctions) {
		return [this.getInputData()];
	},
};

export interface RunResult {
	/** All outputs (`data.main`) of the node's last run; `[]` if it ran but produced none (e.g. it threw). */
	outputs(nodeName: string): INodeExecutionData[][];
	/** Workflow-level error (node error without continue-on-fail, workflow issues, …). */
	error?: Error;
	runData: IRunData;
	/** The full IRun returned by WorkflowExecute (status, lastNodeExecuted, …). */
	run: IRun;
}

export interface RunWorkflowOptions {
	/** Node types keyed by the `type` used in the workflow, e.g. 'n8n-nodes-smd.smdRiskAssessment'. */
	nodeTypes: Record<string, INodeType | IVersionedNodeType>;
	/** As in an exported workflow JSON. `settings` defaults to `{ executionOrder: 'v1' }`. */
	workflow: { nodes: INode[]; connections: IConnections; settings?: IWorkflowSettings };
	/** Items emitted by the start node. Default: one empty item, like n8n's Manual Trigger. */
	inputItems?: IDataObject[];
	/** Whole items (json and binary) emitted by the start node; takes precedence over `inputItems`. */
	inputData?: INodeExecutionData[];
	/** Execution mode; default 'manual' (as when clicking "Execute workflow"). */
	mode?: WorkflowExecuteMode;
	/**
	 * Credentials by credential type (e.g. `{ smtp: { host, port, user, password, secure } }`), as n8n
	 * would decrypt them for a node that names a credential of that type. Without, a node asking for
	 * credentials fails with a clear error.
	 */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
}

/** INodeTypes backed by a plain record (cf. packages/core/nodes-testing/node-types.ts). */
function createNodeTypes(types: Record<string, INodeType | IVersionedNodeType>): INodeTypes {
	const get = (name: string) => {
		const type = types[name];
		if (!type) {
			throw new Error(`n8nEngine: unknown node type "${name}" (known: ${Object.keys(types).join(', ')})`);
		}
		return type;
	};
	return {
		getByName: get,
		getByNameAndVersion: (name, version) => NodeHelpers.getVersionedNodeType(get(name), version),
		getKnownTypes: () => ({}),
	};
}

/**
 * Picks the start node: an existing harness-input / Manual Trigger node, otherwise a new
 * harness input node wired to every node that has no incoming `main` connection.
 */
function withStartNode(
	nodes: INode[],
	connections: IConnections,
	types: Record<string, INodeType | IVersionedNodeType>,
): { nodes: INode[]; connections: IConnections; startName: string } {
	const existing = nodes.find((n) => types[n.type] === harnessInputNode);
	if (existing) return { nodes, connections, startName: existing.name };

	const targets = new Set<string>();
	for (const byType of Object.values(connections)) {
		for (const outputs of byType.main ?? []) for (const c of outputs ?? []) targets.add(c.node);
	}
	const roots = nodes.filter((n) => !targets.has(n.name) && !n.disabled);
	const start: INode = {
		id: 'harness-input',
		name: HARNESS_INPUT_NODE,
		type: HARNESS_INPUT_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	return {
		nodes: [start, ...nodes],
		connections: {
			...connections,
			[HARNESS_INPUT_NODE]: { main: [roots.map((n) => ({ node: n.name, type: 'main', index: 0 }))] },
		},
		startName: HARNESS_INPUT_NODE,
	};
}

/**
 * IWorkflowExecuteAdditionalData: NodeTestHarness uses `mock<IWorkflowExecuteAdditionalData>()`
 * (jest-mock-extended, not installed here). We set what WorkflowExecute / ExecuteContext
 * actually read (hooks, executionId, URLs used by getAdditionalKeys() for $execution.resumeUrl,
 * $vars) and make server-only features throw a clear error.
 */
function buildAdditionalData(hooks: ExecutionLifecycleHooks, credentials?: Record<string, ICredentialDataDecryptedObject>): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => () => {
		throw new Error(`n8nEngine: ${what} is not supported`);
	};
	const base = 'http://localhost:5678';
	const data: Partial<IWorkflowExecuteAdditionalData> = {
		hooks,
		executionId: '1',
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined, // read parameters from node.parameters
		variables: {},
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formTestBaseUrl: `${base}/form-test`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		webhookBaseUrl: `${base}/webhook`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		logAiEvent: () => {},
		credentialsHelper: new Proxy({} as IWorkflowExecuteAdditionalData['credentialsHelper'], {
			get: (_t, prop) => {
				if (!credentials) return unsupported(`credentialsHelper.${String(prop)} (credentials)`);
				// The few calls a node's getCredentials() makes, answered from the given map.
				if (prop === 'isCredentialUsableByNode') return () => true;
				if (prop === 'getCredentialsProperties') return () => [];
				if (prop === 'getDecrypted') {
					return async (_data: unknown, _node: unknown, type: string) => {
						if (!credentials[type]) throw new Error(`n8nEngine: no credentials of type "${type}" were given`);
						return structuredClone(credentials[type]);
					};
				}
				return unsupported(`credentialsHelper.${String(prop)}`);
			},
		}),
		executeWorkflow: unsupported('executeWorkflow (sub-workflows)'),
		getRunExecutionData: unsupported('getRunExecutionData'),
		getRuntimeCredential: unsupported('getRuntimeCredential'),
		startRunnerTask: unsupported('startRunnerTask (task runners / Code node)'),
	};
	return data as IWorkflowExecuteAdditionalData;
}

// ---------------------------------------------------------------------------------------------
// Expression engine. n8n-workflow's Expression defaults to the in-process 'legacy' engine; the
// n8n 2.x server switches to 'vm' (@n8n/config ExpressionEngineConfig.engine = 'vm') at startup
// via Expression.initExpressionEngine() (packages/cli/src/commands/base-command.ts), which runs
// expressions in isolated-vm through @n8n/expression-runtime.
// ---------------------------------------------------------------------------------------------
const ENGINE_OPTIONS = { poolSize: 1, maxCodeCacheSize: 1024, bridgeTimeout: 5000, bridgeMemoryLimit: 128 };
let engineReady: Promise<void> | undefined;

async function initVmEngine(): Promise<void> {
	try {
		await Expression.initExpressionEngine({ engine: 'vm', ...ENGINE_OPTIONS });
	} catch (error) {
		// initExpressionEngine() does `await import('@n8n/expression-runtime')`, which Jest's CJS
		// sandbox rejects unless node runs with --experimental-vm-modules. Do the same setup with the
		// statically imported runtime (mirrors initExpressionEngine, n8n-workflow src/expression.ts).
		const code = (error as NodeJS.ErrnoException).code ?? '';
		if (!code.startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')) throw error;
		// Both modules are n8n-workflow's own (its dependency and an internal file outside its
		// "exports" map), so they are loaded by path, and only on this fallback path.
		/* eslint-disable @typescript-eslint/no-require-imports */
		const runtime = require('@n8n/expression-runtime') as typeof import('@n8n/expression-runtime');
		const { expressionSandboxHooks } = require(
			path.join(path.dirname(require.resolve('n8n-workflow')), 'expression-sandboxing.js'),
		) as { expressionSandboxHooks: ConstructorParameters<typeof runtime.ExpressionEvaluator>[0]['hooks'] };
		/* eslint-enable @typescript-eslint/no-require-imports */
		const evaluator = new runtime.ExpressionEvaluator({
			createBridge: () =>
				new runtime.IsolatedVmBridge({
					timeout: ENGINE_OPTIONS.bridgeTimeout,
					memoryLimit: ENGINE_OPTIONS.bridgeMemoryLimit,
					logger: LoggerProxy,
				}),
			maxCodeCacheSize: ENGINE_OPTIONS.maxCodeCacheSize,
			poolSize: ENGINE_OPTIONS.poolSize,
			hooks: expressionSandboxHooks,
			logger: LoggerProxy,
		});
		await evaluator.initialize();
		// Both statics are private in the typings; this is what initExpressionEngine sets.
		Object.assign(Expression, { expressionEngine: 'vm', vmEvaluator: evaluator });
	}
	if (Expression.getActiveImplementation() !== 'vm') {
		throw new Error('n8nEngine: VM expression engine failed to initialise (try N8N_EXPRESSION_ENGINE=legacy)');
	}
}

/** Selects the expression engine once per test file (N8N_EXPRESSION_ENGINE, default 'vm'). */
export async function ensureExpressionEngine(): Promise<void> {
	const engine = process.env.N8N_EXPRESSION_ENGINE ?? 'vm';
	if (engine !== 'vm') return Expression.setExpressionEngine('legacy');
	engineReady ??= initVmEngine();
	return await engineReady;
}

/** Disposes the isolate pool. Registered automatically as a Jest afterAll when available. */
export async function disposeHarness(): Promise<void> {
	engineReady = undefined;
	await Expression.disposeExpressionEngine();
}
const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>) => void }).afterAll;
if (typeof jestAfterAll === 'function') jestAfterAll(disposeHarness);

/**
 * The ExecutionError stored by WorkflowExecute is a spread copy `{ ...error, message, stack }`
 * (workflow-execute.ts reportNodeExecutionError / processSuccessExecution), i.e. a plain object.
 * Turn it back into an Error, with the NodeOperationError / NodeApiError / ExpressionError
 * prototype when the name matches so `instanceof` works.
 */
function toError(e: object & { name?: string; message?: string }): Error {
	if (e instanceof Error) return e;
	const classes: Record<string, { prototype: Error }> = { NodeOperationError, NodeApiError, ExpressionError };
	const proto = (e.name && classes[e.name]?.prototype) || Error.prototype;
	return Object.assign(Object.create(proto) as Error, e);
}

/**
 * Runs a workflow through n8n-core's WorkflowExecute and returns its run data.
 * Rejects (like n8n refusing to start) with WorkflowHasIssuesError if a node has parameter issues,
 * e.g. a missing required parameter; errors during the run are returned in `error`.
 */
export async function runWorkflow(opts: RunWorkflowOptions): Promise<RunResult> {
	await ensureExpressionEngine();
	const types = {
		[HARNESS_INPUT_TYPE]: harnessInputNode,
		[MANUAL_TRIGGER_TYPE]: harnessInputNode,
		...opts.nodeTypes,
	};
	// Workflow writes parameter defaults into the node objects and WorkflowExecute may mutate them: copy.
	const wf = structuredClone(opts.workflow);
	const { nodes, connections, startName } = withStartNode(wf.nodes, wf.connections, types);
	const settings: IWorkflowSettings = { executionOrder: 'v1', ...wf.settings };
	const workflow = new Workflow({
		id: 'harness',
		name: 'Harness Workflow',
		nodes,
		connections,
		settings,
		active: false,
		nodeTypes: createNodeTypes(types),
	});

	const mode = opts.mode ?? 'manual';
	// WorkflowExecute asserts that hooks exist and calls nodeExecuteBefore/After, workflowExecuteAfter…
	const hooks = new ExecutionLifecycleHooks(mode, '1', {
		id: 'harness',
		name: 'Harness Workflow',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections,
		settings,
	});

	const items = opts.inputData ?? (opts.inputItems ?? [{}]).map((json) => ({ json }));
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: workflow.getNode(startName)!, data: { main: [items] }, source: null }],
		},
	});

	const run = await new WorkflowExecute(buildAdditionalData(hooks, opts.credentials), mode, runExecutionData).processRunExecutionData(
		workflow,
	);
	const { runData, error } = run.data.resultData;

	return {
		run,
		runData,
		error: error && toError(error),
		outputs(nodeName) {
			const tasks = runData[nodeName];
			if (!tasks?.length) {
				throw new Error(`n8nEngine: node "${nodeName}" did not run (ran: ${Object.keys(runData).join(', ')})`);
			}
			return (tasks[tasks.length - 1].data?.main ?? []).map((output) => output ?? []);
		},
	};
}

export interface RunNodeOptions {
	nodeType: INodeType | IVersionedNodeType;
	/** Type name to register it under, e.g. 'n8n-nodes-smd.smdRiskAssessment'. */
	typeName: string;
	parameters: INode['parameters'];
	/** Input items (json). Default: one empty item. */
	items?: IDataObject[];
	/** Whole input items, with binary data (`{ json, binary: { data: { data: base64, mimeType, fileName } } }`). */
	inputData?: INodeExecutionData[];
	/** Sets `onError: 'continueRegularOutput'`, the n8n 2.x equivalent of "Continue on fail". */
	continueOnFail?: boolean;
	/** Default: the type's default / latest version. */
	typeVersion?: number;
	/** Workflow timezone for this.getTimezone() / $now; default: n8n's GENERIC_TIMEZONE (America/New_York). */
	timezone?: string;
	/** Credentials by credential type, as for runWorkflow (e.g. `{ smdCountyApi: { baseUrl, authType, … } }`). */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
}

export interface RunNodeResult {
	/** All outputs of the node under test (`[]` if it threw). */
	outputs: INodeExecutionData[][];
	error?: Error;
	result: RunResult;
}

/** Runs a single node behind a harness input node: `Harness Input → Node Under Test`. */
export async function runNode(opts: RunNodeOptions): Promise<RunNodeResult> {
	const { nodeType } = opts;
	const version =
		opts.typeVersion ??
		('nodeVersions' in nodeType
			? nodeType.currentVersion
			: (nodeType.description.defaultVersion ??
				Math.max(...([] as number[]).concat(nodeType.description.version))));
	const node: INode = {
		id: 'node-under-test',
		name: TEST_NODE_NAME,
		type: opts.typeName,
		typeVersion: version,
		position: [200, 0],
		parameters: opts.parameters,
		...(opts.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		// The node names a credential of each given type, as a saved workflow does (n8n asks the node first).
		...(opts.credentials ? { credentials: Object.fromEntries(Object.keys(opts.credentials).map((type) => [type, { id: `harness-${type}`, name: type }])) } : {}),
	};
	const result = await runWorkflow({
		nodeTypes: { [opts.typeName]: nodeType },
		workflow: { nodes: [node], connections: {}, settings: opts.timezone ? { timezone: opts.timezone } : undefined },
		inputItems: opts.items,
		inputData: opts.inputData,
		credentials: opts.credentials,
	});
	const ran = result.runData[TEST_NODE_NAME]?.length;
	return { outputs: ran ? result.outputs(TEST_NODE_NAME) : [], error: result.error, result };
}
