/**
 * The main job: triage the police-issued list (公安下发纳管名单) against the SMD registry.
 *
 *   npm run demo                      the synthetic demo county (fixed seed)
 *   npm run demo -- --registry R.csv --police-list P.csv --as-of YYYY-MM-DD --out DIR
 *
 * Imports R into a fresh registry (DIR/registry.sqlite) with workflows/registry-import.json, then
 * executes workflows/police-list-triage.json through n8n's execution engine (n8n-core
 * WorkflowExecute with n8n's built-in file nodes and this package's nodes). Writes DIR/triage.json
 * (one object per list row, input order), one XLSX task list per township, the police feedback list
 * and the one-page summary.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { LoggerProxy } from 'n8n-workflow';
import { readArgs } from './cliArgs';
import { writeDemoFiles } from './demoCounty';
import { disposeHarness } from './n8nEngine';
import { PACKAGE_ROOT } from './nodeTypes';
import { executeWorkflowFile, summarise } from './runWorkflow';

interface Args {
	registry?: string;
	policeList?: string;
	asOf: string;
	out: string;
}

export const DEMO_AS_OF = '2026-11-20';

function usage(): never {
	console.log('usage: npm run demo -- [--registry R.csv|.xlsx --police-list P.csv|.xlsx] [--as-of YYYY-MM-DD] [--out DIR]');
	process.exit(0);
}

export function parseArgs(argv: string[]): Args {
	const { values: v } = readArgs(argv, {
		help: { type: 'boolean', short: 'h' },
		registry: { type: 'string' },
		'police-list': { type: 'string' },
		'as-of': { type: 'string' },
		out: { type: 'string' },
	});
	if (v.help) usage();
	const args: Args = { asOf: v['as-of'] ?? DEMO_AS_OF, out: path.resolve(v.out ?? path.join(PACKAGE_ROOT, 'out', 'demo')) };
	if (v.registry !== undefined) args.registry = path.resolve(v.registry);
	if (v['police-list'] !== undefined) args.policeList = path.resolve(v['police-list']);
	if (!!args.registry !== !!args.policeList) throw new Error('give both --registry and --police-list, or neither for the demo county');
	if (!/^\d{4}-\d{2}-\d{2}$/.test(args.asOf)) throw new Error('--as-of must be YYYY-MM-DD');
	for (const f of [args.registry, args.policeList]) if (f && !existsSync(f)) throw new Error(`no such file: ${f}`);
	return args;
}

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

/** Progress lines from the nodes (n8n's logger) go to stderr; only this package's messages. */
function showProgress(): void {
	const print = (message: string) => {
		if (message.startsWith('SMD')) log(message);
	};
	LoggerProxy.init({ error: print, warn: print, info: print, debug: () => {} } as never);
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	mkdirSync(args.out, { recursive: true });
	showProgress();
	const started = Date.now();

	let registryCsv = args.registry;
	let policeList = args.policeList;
	if (!registryCsv || !policeList) {
		log('generating the synthetic demo county (seed 20261120)…');
		const demo = await writeDemoFiles(path.join(args.out, 'data'), { seed: 20261120, asOf: args.asOf });
		registryCsv = demo.registryCsv;
		policeList = demo.policeCsv;
	}

	const registryFile = path.join(args.out, 'registry.sqlite');
	for (const f of [registryFile, `${registryFile}-wal`, `${registryFile}-shm`]) rmSync(f, { force: true });
	for (const f of readdirSync(args.out)) if (/^(任务清单_|公安反馈清单_|处置汇总_).*|^triage\.json$|^import-report\.json$/.test(f)) rmSync(path.join(args.out, f));
	const allow = [path.dirname(registryCsv), path.dirname(policeList), args.out];

	log(`importing ${path.basename(registryCsv)} into a fresh registry…`);
	const imported = await executeWorkflowFile(path.join(PACKAGE_ROOT, 'workflows', 'registry-import.json'), {
		settings: { registryExportFile: registryCsv, registryFile, outputDir: args.out },
		allow,
	});
	if (imported.error) throw imported.error;
	const report = imported.outputs('Import 导入登记库')[0][0].json as Record<string, number>;
	log(`registry: ${report.rows} rows read, ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected} rejected (${report.durationMs} ms)`);

	log(`triaging ${path.basename(policeList)} as of ${args.asOf}…`);
	const t0 = Date.now();
	const triaged = await executeWorkflowFile(path.join(PACKAGE_ROOT, 'workflows', 'police-list-triage.json'), {
		settings: { policeListFile: policeList, registryFile, asOf: args.asOf, outputDir: args.out },
		allow,
	});
	if (triaged.error) {
		const s = summarise(triaged);
		throw new Error(`${s.error?.node}: ${s.error?.message}`);
	}
	const rows = JSON.parse(readFileSync(path.join(args.out, 'triage.json'), 'utf8')) as Array<{ category: string; priority: string }>;
	const by = (k: 'category' | 'priority') => rows.reduce<Record<string, number>>((acc, r) => ((acc[r[k]] = (acc[r[k]] ?? 0) + 1), acc), {});
	const cats = by('category');
	console.log(`\nPolice list triage 公安下发纳管名单处置 — ${rows.length} rows, as of ${args.asOf}, ${Date.now() - t0} ms through n8n's WorkflowExecute`);
	console.log('| category | rows |\n|---|---:|');
	for (const c of ['managed', 'followup_overdue', 'lost', 'closed', 'new_clue', 'review', 'invalid']) console.log(`| ${c} | ${cats[c] ?? 0} |`);
	console.log(`| **total** | ${Object.values(cats).reduce((a, b) => a + b, 0)} |`);
	console.log(`high priority: ${by('priority').high ?? 0}`);
	console.log(`\nfiles in ${args.out}:`);
	for (const f of readdirSync(args.out).sort()) {
		const full = path.join(args.out, f);
		if (statSync(full).isFile()) console.log(`  ${f} (${statSync(full).size} B)`);
	}
	log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
	main()
		.catch((error: Error) => {
			console.error(`demo failed: ${error.message}`);
			process.exitCode = 1;
		})
		.finally(() => disposeHarness());
}
