/**
 * Generate the synthetic demo county (never real people; see scripts/demoCounty.ts).
 *
 *   node dist/scripts/generateDemo.js --out DIR [--seed N] [--patients N] [--police-rows N]
 *                                     [--as-of YYYY-MM-DD] [--gbk] [--xlsx]
 *   npm run demo:generate -- --out out/demo-county --patients 1000000
 *
 * Writes DIR/registry.csv, DIR/police-list.csv, DIR/police-list.truth.json (and with --gbk a GBK
 * copy of the list, with --xlsx an XLSX copy) and prints the counts.
 */
import path from 'node:path';
import { readArgs } from './cliArgs';
import {
	DEFAULT_PATIENTS,
	DEFAULT_POLICE_ROWS,
	DEMO_AS_OF,
	DEMO_SEED,
	MAX_POLICE_ROWS,
	NOISE_KINDS,
	writeDemoFiles,
	type WriteDemoOptions,
} from './demoCounty';

export interface GenerateArgs extends WriteDemoOptions {
	out: string;
}

const USAGE =
	'usage: node dist/scripts/generateDemo.js --out DIR [--seed N] [--patients N] [--police-rows N] [--as-of YYYY-MM-DD] [--gbk] [--xlsx]\n' +
	`defaults: --seed ${DEMO_SEED} --patients ${DEFAULT_PATIENTS} --police-rows ${DEFAULT_POLICE_ROWS} (at most ${MAX_POLICE_ROWS}) --as-of ${DEMO_AS_OF}`;

function wholeNumber(flag: string, value: string, min: number, max: number): number {
	const n = Number(value.replace(/_/g, ''));
	if (!/^\d[\d_]*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number ${min}…${max}`);
	return n;
}

export function parseArgs(argv: string[]): GenerateArgs | null {
	const { values: v } = readArgs(argv, {
		help: { type: 'boolean', short: 'h' },
		gbk: { type: 'boolean' },
		xlsx: { type: 'boolean' },
		out: { type: 'string' },
		seed: { type: 'string' },
		patients: { type: 'string' },
		'police-rows': { type: 'string' },
		'as-of': { type: 'string' },
	});
	if (v.help) return null;
	const args: Partial<GenerateArgs> = {};
	if (v.gbk) args.gbk = true;
	if (v.xlsx) args.xlsx = true;
	if (v.out !== undefined) args.out = path.resolve(v.out);
	if (v.seed !== undefined) args.seed = wholeNumber('--seed', v.seed, 0, 0xffffffff);
	if (v.patients !== undefined) args.patients = wholeNumber('--patients', v.patients, 0, 5_000_000);
	if (v['police-rows'] !== undefined) args.policeRows = wholeNumber('--police-rows', v['police-rows'], 0, MAX_POLICE_ROWS);
	if (v['as-of'] !== undefined) {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(v['as-of'])) throw new Error('--as-of must be YYYY-MM-DD');
		args.asOf = v['as-of'];
	}
	if (!args.out) throw new Error('--out DIR is required (try --help)');
	return args as GenerateArgs;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	if (!args) {
		console.log(USAGE);
		return;
	}
	const started = Date.now();
	const files = await writeDemoFiles(args.out, args);
	const { registry, police } = files.counts;
	const mb = (files.counts.registryBytes / 1048576).toFixed(1);
	console.log(`Demo county (seed ${args.seed ?? DEMO_SEED}, as of ${args.asOf ?? DEMO_AS_OF}) in ${args.out}`);
	console.log(`\nregistry.csv: ${registry.patients.toLocaleString()} patients, ${mb} MB, ${(files.counts.registryMs / 1000).toFixed(1)} s`);
	console.log('| 管理状态 | patients |\n|---|---:|');
	for (const [k, v] of Object.entries(registry.byStatus)) console.log(`| ${k} | ${v} |`);
	console.log(
		`classification: ${Object.entries(registry.byClassification)
			.map(([k, v]) => `${k} ${v}`)
			.join(', ')}; risk >= 3: ${registry.riskAtLeast3}; minority names: ${registry.minorityNames}; planted namesakes: ${registry.plantedNamesakes}`,
	);
	console.log(`\npolice-list.csv: ${police.rows.toLocaleString()} rows (${(files.counts.policeMs / 1000).toFixed(1)} s)`);
	console.log('| kind | rows |\n|---|---:|');
	for (const k of NOISE_KINDS) console.log(`| ${k} | ${police.byKind[k]} |`);
	console.log(
		`rows about registry patients by status: ${Object.entries(police.byPatientStatus)
			.map(([k, v]) => `${k} ${v}`)
			.join(', ')}`,
	);
	console.log(
		`人员类别: ${Object.entries(police.byCategory)
			.map(([k, v]) => `${k} ${v}`)
			.join(', ')}`,
	);
	const short = Object.entries(police.shortfalls);
	if (short.length) console.log(`shortfalls (registry too small; filled with other kinds): ${short.map(([k, v]) => `${k} ${v}`).join(', ')}`);
	console.log('\nfiles:');
	for (const f of [files.registryCsv, files.policeCsv, files.truthJson, files.policeGbkCsv, files.policeXlsx]) if (f) console.log(`  ${f}`);
	if (files.counts.gbkSubstitutions) console.log(`  (GBK copy: ${files.counts.gbkSubstitutions} characters GBK lacks were replaced)`);
	console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(`generateDemo failed: ${error.message}`);
		process.exitCode = 1;
	});
}
