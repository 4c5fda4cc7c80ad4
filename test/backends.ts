/**
 * Running a suite on both registry backends (lib/registry/backend.ts): the embedded SQLite file and
 * PostgreSQL. The same tests with the same expected values on both: that is what "same results"
 * means (docs/rules.md §14).
 *
 *   describeBackends('registry import', (b) => {
 *     test('…', async () => { const registry = await b.fresh(); … });
 *   });
 *
 * PostgreSQL is a throw-away cluster (scripts/queueMode.ts startPostgres), started once per test
 * file when a test first needs it and stopped after the file; each fresh registry is its own schema
 * (t1, t2, …) in it. SQLite registries are files in a temporary folder. A registry opened during a
 * test is closed after the test; one opened in beforeAll, after its describe block.
 * SMD_TEST_BACKENDS=sqlite (or postgres) runs one backend only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { BackendKind, Registry } from '../lib/registry/backend';
import { PostgresRegistry, type PostgresConfig } from '../lib/registry/postgres';
import { SqliteRegistry } from '../lib/registry/sqliteBackend';
import { patientHash, type PatientInput } from '../lib/registry/store';
import { startPostgres, type PostgresService } from '../scripts/queueMode';

export interface Backend {
	readonly kind: BackendKind;
	/** A new, empty registry. */
	fresh(): Promise<Registry>;
	/** Where a new registry can go: a file (SQLite) or a schema name (PostgreSQL). Nothing is created there. */
	place(): Promise<string>;
	/** The registry at `place` (created, or migrated, as `openRegistry` would). */
	open(place: string): Promise<Registry>;
	/** The patients upserted in one import transaction. */
	addPatients(registry: Registry, inputs: PatientInput[]): Promise<void>;
	/** Plain SQL at `place`, past the registry code (to set up a foreign or newer schema, to look at the tables). */
	sql(place: string, text: string): Promise<Array<Record<string, unknown>>>;
	/** The PostgreSQL cluster (PostgreSQL only): to restart it. */
	cluster(): Promise<PostgresService>;
	/** The connection of a registry at `schema` (PostgreSQL only). */
	postgresConfig(schema: string): Promise<PostgresConfig>;
}

const ALL: BackendKind[] = ['sqlite', 'postgres'];

function selected(kinds: BackendKind[]): BackendKind[] {
	const only = process.env.SMD_TEST_BACKENDS?.split(',').map((k) => k.trim());
	return only ? kinds.filter((k) => only.includes(k)) : kinds;
}

// Per test file (jest gives each file its own module registry): one cluster, one folder.
let cluster: Promise<PostgresService> | null = null;
let folder: string | null = null;
let places = 0;

function tempFolder(): string {
	folder ??= mkdtempSync(path.join(os.tmpdir(), 'smd-backends-'));
	return folder;
}

function startCluster(): Promise<PostgresService> {
	cluster ??= startPostgres();
	return cluster;
}

async function pgConfig(schema: string): Promise<PostgresConfig> {
	const { port } = await startCluster();
	return { host: '127.0.0.1', port, database: 'n8n', user: 'postgres', schema };
}

// Registered when the first test file imports this module, at the file's top level: runs after all its tests.
afterAll(async () => {
	const started = cluster;
	cluster = null;
	if (started) await (await started).stop();
	if (folder) rmSync(folder, { recursive: true, force: true });
	folder = null;
}, 60_000);

function backend(kind: BackendKind): Backend & { inTest: boolean; perTest: Registry[]; perSuite: Registry[] } {
	const track = (r: Registry) => {
		(b.inTest ? b.perTest : b.perSuite).push(r);
		return r;
	};
	const b = {
		kind,
		inTest: false,
		perTest: [] as Registry[],
		perSuite: [] as Registry[],
		async place(): Promise<string> {
			places++;
			return kind === 'sqlite' ? path.join(tempFolder(), `r${places}.sqlite`) : `t${places}`;
		},
		async open(place: string): Promise<Registry> {
			if (kind === 'sqlite') return track(SqliteRegistry.open(place));
			return track(await PostgresRegistry.open(await pgConfig(place)));
		},
		async fresh(): Promise<Registry> {
			return await b.open(await b.place());
		},
		async addPatients(registry: Registry, inputs: PatientInput[]): Promise<void> {
			const now = new Date().toISOString();
			await registry.importTransaction(async (tx) => {
				for (const p of inputs) await tx.upsertPatient(p, patientHash(p), now);
			});
		},
		async sql(place: string, text: string): Promise<Array<Record<string, unknown>>> {
			const reads = /^\s*(SELECT|WITH|PRAGMA)\b/i.test(text);
			if (kind === 'sqlite') {
				const db = new DatabaseSync(place);
				try {
					if (reads) return db.prepare(text).all() as Array<Record<string, unknown>>;
					db.exec(text);
					return [];
				} finally {
					db.close();
				}
			}
			const { host, port, database, user } = await pgConfig(place);
			const client = new Client({ host, port, database, user, options: `-c search_path=${place}` });
			await client.connect();
			try {
				return (await client.query(text)).rows as Array<Record<string, unknown>>;
			} finally {
				await client.end();
			}
		},
		async cluster(): Promise<PostgresService> {
			if (kind !== 'postgres') throw new Error('cluster(): PostgreSQL only');
			return await startCluster();
		},
		async postgresConfig(schema: string): Promise<PostgresConfig> {
			if (kind !== 'postgres') throw new Error('postgresConfig(): PostgreSQL only');
			return await pgConfig(schema);
		},
	};
	return b;
}

async function closeAll(registries: Registry[]): Promise<void> {
	for (const r of registries.splice(0)) await r.close();
}

/** `describe` the suite once per backend (`describe.each`), as "<title> (sqlite)" and "<title> (postgres)". */
export function describeBackends(title: string, suite: (b: Backend) => void, kinds: BackendKind[] = ALL): void {
	const run = selected(kinds);
	if (run.length === 0) {
		describe.skip(title, () => test.skip('no selected backend', () => undefined));
		return;
	}
	describe.each(run)(`${title} (%s)`, (kind) => {
		const b = backend(kind);
		beforeEach(() => {
			b.inTest = true;
		});
		afterEach(async () => {
			b.inTest = false;
			await closeAll(b.perTest);
		});
		afterAll(async () => await closeAll(b.perSuite));
		suite(b);
	});
}
