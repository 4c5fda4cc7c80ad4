/**
 * Follow-up demo: assess a batch of follow-up records with the SMD Risk Assessment node by
 * executing workflows/follow-up-risk-assessment.json through n8n's execution engine (n8n-core's
 * WorkflowExecute with n8n's built-in file nodes and this package's nodes).
 *
 *   npm run demo:follow-up                         the synthetic example records
 *   npm run demo:follow-up -- --input F.csv --out DIR   your own follow-up CSV (UTF-8, Chinese headers)
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { readArgs } from './cliArgs';
import { disposeHarness } from './n8nEngine';
import { PACKAGE_ROOT } from './nodeTypes';
import { executeWorkflowFile } from './runWorkflow';

interface Args {
	input: string;
	out: string;
}

function parseArgs(argv: string[]): Args {
	const { values: v } = readArgs(argv, { help: { type: 'boolean', short: 'h' }, input: { type: 'string' }, out: { type: 'string' } });
	if (v.help) {
		console.log('usage: npm run demo:follow-up -- [--input follow-ups.csv] [--out DIR]');
		process.exit(0);
	}
	return {
		input: path.resolve(v.input ?? path.join(PACKAGE_ROOT, 'scripts', 'demo-data', 'follow-ups.csv')),
		out: path.resolve(v.out ?? path.join(PACKAGE_ROOT, 'out', 'demo-follow-up')),
	};
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	mkdirSync(args.out, { recursive: true });
	const files = ['unstable.xlsx', 'basically_stable.xlsx', 'stable.xlsx', 'errors.xlsx'];
	for (const f of files) rmSync(path.join(args.out, f), { force: true }); // no stale results
	const started = Date.now();
	const result = await executeWorkflowFile(path.join(PACKAGE_ROOT, 'workflows', 'follow-up-risk-assessment.json'), {
		settings: { inputFile: args.input, outputDir: args.out },
		allow: [path.dirname(args.input), args.out],
	});
	if (result.error) throw result.error;

	const assess = result.outputs('Risk Assessment 危险性评估');
	const labels = ['不稳定 unstable', '基本稳定 basically stable', '稳定 stable', '数据有误 errors'];
	console.log(`\nSMD follow-up risk assessment — ${path.relative(process.cwd(), args.input) || args.input}`);
	console.log('| classification | rows | file |\n|---|---:|---|');
	let total = 0;
	assess.forEach((items, i) => {
		total += items.length;
		console.log(`| ${labels[i]} | ${items.length} | ${items.length ? path.join(args.out, files[i]) : '(none)'} |`);
	});
	for (const item of assess[3] ?? []) console.log(`  error: ${String(item.json.error)}`);
	console.log(`rows out: ${total}; ${Date.now() - started} ms through n8n's WorkflowExecute`);
	const written = readdirSync(args.out).filter((f) => f.endsWith('.xlsx'));
	console.log(`files: ${written.map((f) => `${f} (${statSync(path.join(args.out, f)).size} B)`).join(', ')}`);
}

main()
	.catch((error: Error) => {
		console.error(`demo failed: ${error.message}`);
		process.exitCode = 1;
	})
	.finally(() => disposeHarness());
