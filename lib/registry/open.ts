/**
 * Opening the registry on the backend a node or script was set to (backend.ts): the SQLite file by
 * default, needing no configuration, or PostgreSQL with the connection of n8n's Postgres credential.
 */
import type { Registry } from './backend';
import { PostgresRegistry, type PostgresConfig } from './postgres';
import { SqliteRegistry } from './sqliteBackend';
import type { OpenOptions } from './store';

export type RegistryConfig = { backend: 'sqlite'; file?: string; options?: OpenOptions } | { backend: 'postgres'; postgres: PostgresConfig };

export async function openRegistry(config: RegistryConfig): Promise<Registry> {
	if (config.backend === 'postgres') return await PostgresRegistry.open(config.postgres);
	return SqliteRegistry.open(config.file, config.options);
}
