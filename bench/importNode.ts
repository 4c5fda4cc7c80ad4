/**
 * Benchmark (issue: "importing 1,000,000 rows through SMD Registry → Patient → Import File
 * succeeds"). Not a test: prints a table, and throws (exit code 1) when a check fails.
 *
 *   npm run bench:import                        1,000,000 rows, seed 7
 *   npm run bench:import -- --rows 20000 --seed 3
 *
 * Generates a synthetic registry export (scripts/demoCounty.ts; fictitious people only) into a temp
 * folder, then runs `Read/Write Files from Disk → SMD Registry (Patient → Import File)` through
 * n8n-core's WorkflowExecute (scripts/n8nEngine.ts) into a fresh registry file, twice: the first run
 * inserts every row, the second finds every row unchanged. Checks the node's output against the
 * generated file and the registry, and the audit entry the import writes.
 *
 * Why a workflow and not `runNode()`: runNode's input items are JSON only (`items.map(json => ({ json }))`),
 * so it cannot hand the node a binary item. The file is read the way users feed this operation, with
 * n8n's own Read/Write Files from Disk node (as workflows/registry-import.json does); the binary stays
 * in memory as in n8n's default binary-data mode.
 *
 * Prints counts and timings only: never names, ID numbers or addresses.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { IDataObject, INode } from 'n8n-workflow';
import { RegistryStore } from '../lib';
import { SmdRegistry } from '../nodes/SmdRegistry/SmdRegistry.node';
import { writeDemoFiles } from '../scripts/demoCounty';
import { disposeHarness, runWorkflow } from '../scripts/n8nEngine';
import { builtInNodeType } from '../scripts/nodeTypes';

const SMD_TYPE = 'n8n-nodes-smd.smdRegistry';
const READ_TYPE = 'n8n-nodes-base.readWriteFile';
const READ_NODE = 'Read Export';
const IMPORT_NODE = 'Import Registry';
const AS_OF = '2026-11-20';

const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function positiveInt(name: string, value: string): number {
	const n = Number(value.replace(/[,_]/g, ''));
	if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${value}")`);
	return n;
}

function check(ok: boolean, what: string): void {
	if (!ok) throw new Error(`check failed: ${what}`);
}

interface ImportJson {
	rows: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
	patients: number;
	errorCount: number;
	warningCount: number;
	durationMs: number;
	error?: unknown;
}

interface ImportRun {
	json: ImportJson;
	/** Whole workflow (read file + import + audit), wall clock. */
	wallMs: number;
	/** The SMD Registry node alone, as n8n records it (taskData.executionTime). */
	nodeMs: number;
	/** The read node alone. */
	readMs: number;
}

/** `Harness Input → Read Export → Import Registry`, run through n8n-core's WorkflowExecute. */
async function importThroughNode(csvFile: string, registryFile: string): Promise<ImportRun> {
	const nodes: INode[] = [
		{
			id: 'read-export',
			name: READ_NODE,
			type: READ_TYPE,
			typeVersion: 1.1,
			position: [200, 0],
			parameters: { fileSelector: csvFile, options: {} },
		},
		{
			id: 'import-registry',
			name: IMPORT_NODE,
			type: SMD_TYPE,
			typeVersion: 1,
			position: [400, 0],
			parameters: { resource: 'patient', operation: 'importFile', registryFile, binaryPropertyName: 'data', importOptions: {} },
		},
	];
	const t = performance.now();
	const result = await runWorkflow({
		nodeTypes: { [READ_TYPE]: builtInNodeType(READ_TYPE), [SMD_TYPE]: new SmdRegistry() },
		workflow: {
			nodes,
			connections: { [READ_NODE]: { main: [[{ node: IMPORT_NODE, type: 'main', index: 0 }]] } },
			settings: { timezone: 'Asia/Shanghai' },
		},
	});
	const wallMs = performance.now() - t;
	if (result.error) {
		const node = result.run.data.resultData.lastNodeExecuted ?? '?';
		const e = result.error;
		throw new Error(`workflow failed in node "${node}": ${e.message}${(e as { description?: string }).description ? ` (${(e as { description?: string }).description})` : ''}\n${e.stack ?? ''}`);
	}
	const out = result.outputs(IMPORT_NODE)[0] ?? [];
	check(out.length === 1, `the import node returns one item (got ${out.length})`);
	const json = out[0].json as unknown as ImportJson & IDataObject;
	const task = (name: string) => result.runData[name]?.[result.runData[name].length - 1]?.executionTime ?? NaN;
	return { json, wallMs, nodeMs: task(IMPORT_NODE), readMs: task(READ_NODE) };
}

/** Checks the node output, the registry and the newest audit entry; returns the audit entry's patient count. */
function verify(label: string, run: ImportRun, rows: number, registryFile: string, fresh: boolean): number {
	const j = run.json;
	check(j.error === undefined, `${label}: the output item has no error`);
	check(j.rows === rows, `${label}: rows ${j.rows} = generated ${rows}`);
	check(j.inserted + j.updated + j.unchanged + j.rejected === j.rows, `${label}: inserted ${j.inserted} + updated ${j.updated} + unchanged ${j.unchanged} + rejected ${j.rejected} = rows ${j.rows}`);
	const store = RegistryStore.open(registryFile);
	try {
		const count = store.countPatients();
		if (fresh) {
			check(count === j.inserted, `${label}: registry holds ${count} patients = inserted ${j.inserted} (fresh file)`);
		} else {
			check(j.inserted === 0 && j.updated === 0, `${label}: re-import writes nothing (inserted ${j.inserted}, updated ${j.updated})`);
			check(j.unchanged === j.rows - j.rejected, `${label}: unchanged ${j.unchanged} = rows ${j.rows} - rejected ${j.rejected}`);
		}
		const [entry] = store.auditTrail(1);
		check(entry !== undefined, `${label}: the import wrote an audit entry`);
		check(entry.operation === 'patient.importFile', `${label}: newest audit entry is patient.importFile (got ${entry.operation})`);
		check(entry.node === IMPORT_NODE, `${label}: audit entry names the node (got ${entry.node})`);
		const audited = entry.patientRowIds.length;
		// Every patient written or confirmed is in the registry; on the fresh file that is every patient.
		check(audited === j.patients, `${label}: audit entry covers ${audited} patients = patients in output ${j.patients}`);
		check(audited === (fresh ? j.inserted : count), `${label}: audit entry covers ${audited} patients = ${fresh ? `inserted ${j.inserted}` : `registry ${count}`}`);
		return audited;
	} finally {
		store.close();
	}
}

async function main() {
	const { values } = parseArgs({
		options: { rows: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '7' } },
		strict: true,
	});
	const rows = positiveInt('rows', values.rows);
	const seed = positiveInt('seed', values.seed);

	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-bench-import-'));
	// n8n 2.x file nodes may only read under N8N_RESTRICT_FILE_ACCESS_TO (read when the first file node runs).
	process.env.N8N_RESTRICT_FILE_ACCESS_TO = dir;
	const table: Array<[string, string, string]> = [];
	try {
		const t = performance.now();
		const demo = await writeDemoFiles(dir, { seed, patients: rows, policeRows: 0, asOf: AS_OF });
		const genMs = performance.now() - t;
		check(demo.counts.registry.patients === rows, `generated ${demo.counts.registry.patients} rows = --rows ${rows}`);
		const fileMb = statSync(demo.registryCsv).size / 1048576;
		const registryFile = path.join(dir, 'registry.sqlite');
		console.error(`generated ${int(rows)} rows (${fileMb.toFixed(1)} MB) in ${secs(genMs)}; importing …`);

		const first = await importThroughNode(demo.registryCsv, registryFile);
		const audited = verify('first import', first, rows, registryFile, true);
		const peakAfterFirst = peakMb();
		console.error(`first import: ${secs(first.wallMs)} (node ${secs(first.nodeMs)}); re-importing …`);

		const again = await importThroughNode(demo.registryCsv, registryFile);
		const auditedAgain = verify('re-import', again, rows, registryFile, false);
		const f = first.json;

		table.push(['rows', int(rows), `seed ${seed}; generated in ${secs(genMs)}`]);
		table.push(['file size', `${fileMb.toFixed(1)} MB`, 'registry.csv, UTF-8 with BOM']);
		table.push([
			'first import (fresh registry)',
			secs(first.wallMs),
			`workflow wall time; SMD Registry node ${secs(first.nodeMs)}, Read File node ${secs(first.readMs)}, lib import ${secs(f.durationMs)}`,
		]);
		table.push(['  rows/s', int(rows / (first.wallMs / 1000)), `${int(rows / (first.nodeMs / 1000))} rows/s in the node alone`]);
		table.push(['  outcome', '', `${int(f.inserted)} inserted, ${int(f.updated)} updated, ${int(f.unchanged)} unchanged, ${int(f.rejected)} rejected; ${int(f.warningCount)} warnings`]);
		table.push([
			're-import (same file, idempotent)',
			secs(again.wallMs),
			`node ${secs(again.nodeMs)}; ${int(again.json.unchanged)} unchanged, ${again.json.inserted + again.json.updated} written; ${int(rows / (again.wallMs / 1000))} rows/s`,
		]);
		table.push(['peak memory (max RSS)', `${int(peakMb())} MB`, `${int(peakAfterFirst)} MB after the first import; now ${int(rssMb())} MB`]);
		table.push(['audit entry patient count', int(audited), `patient.importFile, node "${IMPORT_NODE}"; re-import entry ${int(auditedAgain)}`]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
		await disposeHarness();
	}
	console.log(`\nn8n-nodes-smd import benchmark (SMD Registry → Patient → Import File, n8n-core) — Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})\n`);
	console.log('| measure | result | notes |\n|---|---:|---|');
	for (const [a, b, c] of table) console.log(`| ${a} | ${b} | ${c} |`);
}

main().catch((error: Error) => {
	console.error(`bench failed: ${error.stack ?? error.message}`);
	process.exitCode = 1;
});
