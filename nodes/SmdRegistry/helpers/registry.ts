import { NodeOperationError, type ICredentialDataDecryptedObject, type IExecuteFunctions } from 'n8n-workflow';
import {
	allowedFileFolders,
	defaultRegistryPath,
	explainSqliteError,
	isFileAccessAllowed,
	openRegistry,
	RegistryError,
	RegistryStore,
	SqliteRegistry,
	type PostgresConfig,
	type Registry,
	type RegistryConfig,
} from '../../../lib';

/** The Registry File parameter, checked against N8N_RESTRICT_FILE_ACCESS_TO; empty for the default file. */
function registryFile(ctx: IExecuteFunctions): string {
	const configured = (ctx.getNodeParameter('registryFile', 0, '') as string).trim();
	if (configured && !isFileAccessAllowed(configured)) {
		throw new NodeOperationError(ctx.getNode(), 'Access to the registry file is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO', {
			description: `Put the Registry File inside one of: ${allowedFileFolders().join('; ')}`,
			level: 'warning',
		});
	}
	return configured || defaultRegistryPath();
}

/**
 * Open the registry for this execution, run `fn`, always close it. A Registry File set in the
 * workflow must lie inside N8N_RESTRICT_FILE_ACCESS_TO when that is set, as for n8n's own file
 * nodes (the default file, chosen by the administrator, is not a workflow's choice). SQLite's own
 * errors ("database is locked", "malformed") come out naming the file and what to do.
 */
export async function withRegistry<T>(ctx: IExecuteFunctions, fn: (store: RegistryStore) => Promise<T>): Promise<T> {
	const file = registryFile(ctx);
	let store: RegistryStore;
	try {
		store = RegistryStore.open(file);
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

/**
 * n8n's own Postgres credential as the registry's connection: TLS as n8n's Postgres node reads it
 * (Ignore SSL Issues → no certificate check; SSL disable → none). An SSH tunnel is not supported.
 */
export function postgresConfigFrom(credentials: ICredentialDataDecryptedObject, schema: string): PostgresConfig {
	if (credentials.sshTunnel === true) {
		throw new RegistryError('open', 'The Postgres credential uses an SSH tunnel, which the SMD registry does not support; use a credential that reaches the server directly');
	}
	const ssl = credentials.allowUnauthorizedCerts === true ? { rejectUnauthorized: false } : !['disable', undefined, ''].includes(credentials.ssl as string | undefined);
	return {
		host: String(credentials.host ?? 'localhost'),
		port: Number(credentials.port ?? 5432),
		database: String(credentials.database ?? 'postgres'),
		user: String(credentials.user ?? 'postgres'),
		password: credentials.password ? String(credentials.password) : undefined,
		ssl,
		maxConnections: Math.max(2, Math.min(Number(credentials.maxConnections ?? 4) || 4, 20)),
		schema,
	};
}

/** The backend the node is set to: Embedded (the Registry File) unless Registry Backend says PostgreSQL. */
export async function registryConfig(ctx: IExecuteFunctions): Promise<RegistryConfig> {
	const backend = ctx.getNodeParameter('backend', 0, 'sqlite') as 'sqlite' | 'postgres';
	if (backend !== 'postgres') return { backend: 'sqlite', file: registryFile(ctx) };
	const schema = String(ctx.getNodeParameter('pgSchema', 0, 'smd') ?? '').trim() || 'smd';
	return { backend: 'postgres', postgres: postgresConfigFrom(await ctx.getCredentials('postgres'), schema) };
}

/** `withRegistry` on either backend (the operations both backends have). */
export async function withRegistryBackend<T>(ctx: IExecuteFunctions, fn: (registry: Registry) => Promise<T>): Promise<T> {
	let registry: Registry;
	try {
		registry = await openRegistry(await registryConfig(ctx));
	} catch (error) {
		if (error instanceof NodeOperationError) throw new NodeOperationError(ctx.getNode(), error);
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			description: error instanceof RegistryError ? 'Check the Registry File parameter, or the Postgres credential and Registry Schema' : undefined,
		});
	}
	try {
		return await fn(registry);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (registry.backend === 'sqlite' ? explainSqliteError(error, registry.location) : error) as Error);
	} finally {
		await registry.close();
	}
}

/** The embedded store, for the operations only the SQLite registry has; a clear error on PostgreSQL. */
export function embeddedStore(ctx: IExecuteFunctions, registry: Registry, what: string): RegistryStore {
	if (registry instanceof SqliteRegistry) return registry.store;
	throw new NodeOperationError(ctx.getNode(), `${what} needs the embedded registry (SQLite file); it is not available on PostgreSQL yet`, {
		description: 'Set Registry Backend to Embedded (SQLite File) for this node',
	});
}

/** Audit-trail context of the running node. */
export function auditContext(ctx: IExecuteFunctions) {
	return { workflowId: ctx.getWorkflow().id ?? null, executionId: ctx.getExecutionId() ?? null, node: ctx.getNode().name };
}
