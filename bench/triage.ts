/**
 * Benchmark (issue: registry + police-list triage). Not a test: prints a table.
 *
 *   npm run bench                       1,000,000 patients, 50,000 list rows
 *   npm run bench -- --patients 200000 --rows 20000
 *
 * Measures, in one process on this machine: generating and importing the registry export (CSV),
 * raw node:sqlite indexed look-ups/s (the floor a triage row is compared against), triage rows/s in
 * lib and through the SMD Registry node in n8n-core's WorkflowExecute, and peak memory (max RSS).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { importRegistryFile, mapPoliceHeaders, openTable, policeRowFrom, RegistryStore, Triage, type TableRow } from '../lib';
import { SmdRegistry } from '../nodes/SmdRegistry/SmdRegistry.node';
import { writeDemoFiles } from '../scripts/demoCounty';
import { disposeHarness, runNode } from '../scripts/n8nEngine';

const { values: cli } = parseArgs({ options: { patients: { type: 'string' }, rows: { type: 'string' } }, strict: true });

function arg(name: 'patients' | 'rows', fallback: number): number {
	return cli[name] !== undefined ? Number(cli[name]) : fallback;
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main() {
	const patients = arg('patients', 1_000_000);
	const listRows = arg('rows', 50_000);
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-bench-'));
	const rows: Array<[string, string, string]> = [];
	const asOf = '2026-11-20';
	try {
		let t = Date.now();
		const demo = await writeDemoFiles(dir, { seed: 7, patients, policeRows: listRows, asOf });
		const genMs = Date.now() - t;
		const csvMb = statSync(demo.registryCsv).size / 1048576;
		rows.push(['generate registry CSV + list', `${(genMs / 1000).toFixed(1)} s`, `${patients.toLocaleString()} patients, ${csvMb.toFixed(0)} MB; ${listRows.toLocaleString()} list rows`]);

		const registryFile = path.join(dir, 'registry.sqlite');
		const store = RegistryStore.open(registryFile);
		t = Date.now();
		const report = await importRegistryFile(store, readFileSync(demo.registryCsv), { fileName: 'registry.csv', today: asOf });
		const importMs = Date.now() - t;
		rows.push([
			'import registry (lib, one transaction)',
			`${(importMs / 1000).toFixed(1)} s`,
			`${Math.round(report.rows / (importMs / 1000)).toLocaleString()} rows/s; ${report.inserted.toLocaleString()} inserted, ${report.rejected} rejected; target <= 30 s`,
		]);
		t = Date.now();
		const again = await importRegistryFile(store, readFileSync(demo.registryCsv), { fileName: 'registry.csv', today: asOf });
		rows.push(['re-import same file (idempotent)', `${((Date.now() - t) / 1000).toFixed(1)} s`, `${again.unchanged.toLocaleString()} unchanged, ${again.inserted + again.updated} written`]);

		// Raw indexed look-ups on the same file: the floor for a triage row.
		const db = new DatabaseSync(registryFile, { readOnly: true });
		const ids = (db.prepare('SELECT id_number FROM patients WHERE id_number IS NOT NULL ORDER BY random() LIMIT 200000').all() as Array<{ id_number: string }>).map((r) => r.id_number);
		db.exec('PRAGMA cache_size = -65536');
		const probe = (sql: string, inTransaction: boolean) => {
			const st = db.prepare(sql);
			if (inTransaction) db.exec('BEGIN');
			const t0 = performance.now();
			for (const id of ids) st.get(id);
			const rate = ids.length / ((performance.now() - t0) / 1000);
			if (inTransaction) db.exec('COMMIT');
			return rate;
		};
		const starAuto = probe('SELECT * FROM patients WHERE id_number = ?', false);
		const lookupsPerSec = probe('SELECT * FROM patients WHERE id_number = ?', true);
		const idOnly = probe('SELECT id FROM patients WHERE id_number = ?', true);
		db.close();
		rows.push(['raw node:sqlite indexed look-ups', `${Math.round(lookupsPerSec).toLocaleString()}/s`, `SELECT * … WHERE id_number = ? in one read transaction (random IDs); ${Math.round(starAuto).toLocaleString()}/s autocommit; SELECT id only: ${Math.round(idOnly).toLocaleString()}/s`]);

		// Triage in lib.
		const table = await openTable(readFileSync(demo.policeCsv), { fileName: 'police-list.csv' });
		const listTable: TableRow[] = [];
		for await (const r of table.rows) listTable.push(r);
		const triage = new Triage(store, { asOf });
		const fields = mapPoliceHeaders(table.headers);
		t = performance.now();
		const counts: Record<string, number> = {};
		store.read(() => {
			for (const r of listTable) {
				const res = triage.triageRow(policeRowFrom(r.values, r.row, r.line, fields));
				counts[res.category] = (counts[res.category] ?? 0) + 1;
			}
		});
		const libSec = (performance.now() - t) / 1000;
		const libRate = listTable.length / libSec;
		rows.push([
			'triage in lib',
			`${Math.round(libRate).toLocaleString()} rows/s`,
			`${listTable.length.toLocaleString()} rows in ${libSec.toFixed(2)} s = ${(lookupsPerSec / libRate).toFixed(1)} raw look-ups per row; target >= 200,000 rows/s`,
		]);
		rows.push(['  categories', '', Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')]);
		store.close();

		// Triage through the node in n8n-core.
		const items = listTable.map((r) => ({ row: r.row, line: r.line, ...r.values }));
		t = performance.now();
		const { outputs, error } = await runNode({
			nodeType: new SmdRegistry(),
			typeName: 'n8n-nodes-smd.smdRegistry',
			parameters: { registryFile, resource: 'list', operation: 'triage', asOf },
			items,
		});
		if (error) throw error;
		const nodeSec = (performance.now() - t) / 1000;
		rows.push([
			'triage through the node (n8n-core)',
			`${Math.round(items.length / nodeSec).toLocaleString()} rows/s`,
			`${outputs[0].length.toLocaleString()} items out; ${(nodeSec / libSec).toFixed(2)}x lib time; target within 2x`,
		]);
		rows.push(['peak memory (max RSS)', `${peakMb()} MB`, `now ${rssMb()} MB; target <= 1,536 MB`]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
		await disposeHarness();
	}
	console.log(`\nn8n-nodes-smd triage benchmark — Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})\n`);
	console.log('| measure | result | notes |\n|---|---:|---|');
	for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
}

main().catch((error: Error) => {
	console.error(`bench failed: ${error.stack ?? error.message}`);
	process.exitCode = 1;
});
