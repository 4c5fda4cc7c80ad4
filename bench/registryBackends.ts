/**
 * Benchmark: the registry on SQLite and on PostgreSQL (lib/registry/backend.ts). Not a test: prints
 * a markdown table, and throws (exit code 1) when a check fails.
 *
 *   node dist/bench/registryBackends.js                         1,000,000 patients, 50,000 list rows
 *   node dist/bench/registryBackends.js --patients 100000 --rows 20000
 *   node dist/bench/registryBackends.js --backends postgres
 *
 * (after `npm run build`; Node 24, and --max-old-space-size=8192 for 1,000,000 patients).
 *
 * Generates a synthetic registry export and police list (scripts/demoCounty.ts, fixed seed;
 * fictitious people only), then per backend, each in its own Node process so that its peak memory
 * is its own: import the export into a new registry (one transaction), import it again (every row
 * unchanged), and triage the police list against it through the registry interface (the match
 * source for the whole list, then the rows; as the SMD Registry node does). PostgreSQL is a
 * throw-away cluster on this machine (scripts/queueMode.ts startPostgres; fsync off), reached over
 * loopback TCP. Prints counts and timings only: never names, ID numbers or addresses.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importRegistryFile } from '../lib/registry/import';
import type { Registry } from '../lib/registry/backend';
import { PostgresRegistry } from '../lib/registry/postgres';
import { SqliteRegistry } from '../lib/registry/sqliteBackend';
import { openTable } from '../lib/tabular';
import { mapPoliceColumns, policeRowFrom, Triage, type PoliceListRow } from '../lib/triage';
import { writeDemoFiles } from '../scripts/demoCounty';
import { startPostgres, type PostgresService } from '../scripts/queueMode';

const AS_OF = '2026-11-20';
const BACKENDS = ['sqlite', 'postgres'] as const;
type Kind = (typeof BACKENDS)[number];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function check(ok: boolean, what: string): void {
	if (!ok) throw new Error(`check failed: ${what}`);
}

function positiveInt(name: string, value: string): number {
	const n = Number(value.replace(/[,_]/g, ''));
	if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${value}")`);
	return n;
}

/** What one backend's run measured (a child process prints it as JSON). */
interface Result {
	backend: Kind;
	rows: number;
	importMs: number;
	inserted: number;
	rejected: number;
	reimportMs: number;
	reimportUnchanged: number;
	patients: number;
	listRows: number;
	/** Reading the list's look-ups ahead (PostgreSQL) or nothing (SQLite answers each at once). */
	sourceMs: number;
	triageMs: number;
	categories: Record<string, number>;
	peakRssMb: number;
}

async function policeRows(file: string): Promise<PoliceListRow[]> {
	const table = await openTable(readFileSync(file), { fileName: 'police-list.csv' });
	const columns = mapPoliceColumns(table.headers);
	const out: PoliceListRow[] = [];
	for await (const r of table.rows) out.push(policeRowFrom(r.values, r.row, r.line, columns));
	return out;
}

/** One backend's run, in this process (the child). */
async function runBackend(kind: Kind, dir: string, pgPort: number | null): Promise<Result> {
	const registryCsv = path.join(dir, 'registry.csv');
	const registry: Registry =
		kind === 'sqlite'
			? SqliteRegistry.open(path.join(dir, `registry-${process.pid}.sqlite`))
			: await PostgresRegistry.open({ host: '127.0.0.1', port: pgPort as number, database: 'n8n', user: 'postgres', schema: `bench${process.pid}` });
	try {
		let t = performance.now();
		const first = await importRegistryFile(registry, readFileSync(registryCsv), { fileName: 'registry.csv', today: AS_OF });
		const importMs = performance.now() - t;
		check(first.inserted + first.updated + first.unchanged + first.rejected === first.rows, `${kind}: first import rows reconcile`);
		const patients = await registry.countPatients();
		check(patients === first.inserted, `${kind}: registry holds ${patients} = inserted ${first.inserted}`);
		process.stderr.write(`${kind}: import ${secs(importMs)}\n`);

		t = performance.now();
		const again = await importRegistryFile(registry, readFileSync(registryCsv), { fileName: 'registry.csv', today: AS_OF });
		const reimportMs = performance.now() - t;
		check(again.inserted === 0 && again.updated === 0, `${kind}: re-import writes nothing (inserted ${again.inserted}, updated ${again.updated})`);
		process.stderr.write(`${kind}: re-import ${secs(reimportMs)}\n`);

		const rows = await policeRows(path.join(dir, 'police-list.csv'));
		t = performance.now();
		const source = await registry.matchSourceFor(rows.map(Triage.recordOf), AS_OF);
		const sourceMs = performance.now() - t;
		const triage = new Triage(source, { asOf: AS_OF });
		const categories: Record<string, number> = {};
		const run = () => {
			for (const r of rows) {
				const c = triage.triageRow(r).category;
				categories[c] = (categories[c] ?? 0) + 1;
			}
		};
		// SQLite: every look-up in one read snapshot, as the node does (registry.read).
		if (registry instanceof SqliteRegistry) registry.store.read(run);
		else run();
		const triageMs = performance.now() - t;
		process.stderr.write(`${kind}: triage ${secs(triageMs)}\n`);
		return {
			backend: kind,
			rows: first.rows,
			importMs,
			inserted: first.inserted,
			rejected: first.rejected,
			reimportMs,
			reimportUnchanged: again.unchanged,
			patients,
			listRows: rows.length,
			sourceMs,
			triageMs,
			categories,
			peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
		};
	} finally {
		await registry.close();
	}
}

/** Run one backend in a child process (node, this file, --child), for its own peak memory. */
function child(kind: Kind, dir: string, pgPort: number | null): Promise<Result> {
	const args = [...process.execArgv, __filename, '--child', kind, '--dir', dir, ...(pgPort ? ['--pg-port', String(pgPort)] : [])];
	return new Promise((resolve, reject) => {
		const proc = execFile(process.execPath, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
			if (error) reject(error);
			else resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as Result);
		});
		proc.stderr?.pipe(process.stderr);
	});
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			patients: { type: 'string', default: '1000000' },
			rows: { type: 'string', default: '50000' },
			seed: { type: 'string', default: '7' },
			backends: { type: 'string', default: BACKENDS.join(',') },
			child: { type: 'string' },
			dir: { type: 'string' },
			'pg-port': { type: 'string' },
		},
		strict: true,
	});
	if (values.child) {
		const result = await runBackend(values.child as Kind, values.dir as string, values['pg-port'] ? Number(values['pg-port']) : null);
		process.stdout.write(JSON.stringify(result) + '\n');
		return;
	}
	const patients = positiveInt('patients', values.patients);
	const listRows = positiveInt('rows', values.rows);
	const seed = positiveInt('seed', values.seed);
	const kinds = values.backends.split(',').map((k) => k.trim()) as Kind[];
	for (const k of kinds) if (!BACKENDS.includes(k)) throw new Error(`--backends: unknown backend ${k}`);

	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-bench-backends-'));
	let postgres: PostgresService | null = null;
	const results: Result[] = [];
	try {
		const t = performance.now();
		const demo = await writeDemoFiles(dir, { seed, patients, policeRows: listRows, asOf: AS_OF });
		const fileMb = statSync(demo.registryCsv).size / 1048576;
		process.stderr.write(`generated ${int(patients)} patients (${fileMb.toFixed(0)} MB) and ${int(listRows)} list rows in ${secs(performance.now() - t)}\n`);
		for (const kind of kinds) {
			if (kind === 'postgres') postgres ??= await startPostgres();
			results.push(await child(kind, dir, postgres?.port ?? null));
		}
	} finally {
		await postgres?.stop();
		rmSync(dir, { recursive: true, force: true });
	}
	for (const r of results.slice(1)) {
		check(JSON.stringify(r.categories) === JSON.stringify(results[0].categories), `${r.backend}: triage categories equal ${results[0].backend}'s`);
		check(r.patients === results[0].patients, `${r.backend}: patients ${r.patients} = ${results[0].patients}`);
	}

	const cpu = os.cpus();
	console.log(`\nn8n-nodes-smd registry backends — Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model ?? '?'}), ${int(patients)} patients (seed ${seed}), ${int(listRows)} list rows\n`);
	console.log('| backend | import (s) | import rows/s | re-import unchanged (s) | triage (s) | triage rows/s | peak RSS |');
	console.log('|---|---:|---:|---:|---:|---:|---:|');
	for (const r of results) {
		console.log(
			`| ${r.backend} | ${(r.importMs / 1000).toFixed(1)} | ${int(r.rows / (r.importMs / 1000))} | ${(r.reimportMs / 1000).toFixed(1)} | ` +
				`${(r.triageMs / 1000).toFixed(2)}${r.sourceMs >= 1 ? ` (read-ahead ${(r.sourceMs / 1000).toFixed(2)})` : ''} | ${int(r.listRows / (r.triageMs / 1000))} | ${int(r.peakRssMb)} MB |`,
		);
	}
	const first = results[0];
	if (first) {
		console.log(`\n${int(first.inserted)} inserted, ${int(first.rejected)} rejected of ${int(first.rows)} rows; re-import: ${int(first.reimportUnchanged)} unchanged.`);
		console.log(`Triage categories (equal on every backend): ${Object.entries(first.categories).map(([k, v]) => `${k} ${int(v)}`).join(', ')}.`);
		console.log('Peak RSS is the Node process of that backend alone (PostgreSQL server processes not counted).');
	}
}

main().catch((error: Error) => {
	console.error(`bench failed: ${error.stack ?? error.message}`);
	process.exitCode = 1;
});
