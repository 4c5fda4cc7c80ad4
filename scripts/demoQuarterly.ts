/**
 * The quarterly joint meeting, end to end:
 *
 *   npm run demo:quarterly                 the synthetic demo county (fixed seed), quarter 2026Q3
 *   npm run demo:quarterly -- --registry R --follow-ups F --population P --quarter 2026Q3 --out DIR
 *
 * Executes workflows/quarterly-joint-meeting.json through n8n's execution engine (n8n-core
 * WorkflowExecute, n8n's built-in nodes, this package's nodes): imports the registry export R and the
 * follow-up export F into DIR/registry.sqlite, computes the indicators with the population table P
 * (CSV: 乡镇, 常住人口), renders the pack (HTML, PDF through Chromium where installed, XLSX), archives
 * it under DIR/<quarter>/ and mails it — to a real SMTP server started on loopback for the run (the
 * message is kept as DIR/<quarter>/mail.eml), or to yours with --smtp host:port --smtp-user U
 * --smtp-password W --mail-to a@b. Writes DIR/indicators.json.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LoggerProxy } from 'n8n-workflow';
import { readArgs } from './cliArgs';
import { DemoCounty, DEMO_AS_OF, DEMO_SEED, writeDemoFiles } from './demoCounty';
import { demoPopulation, writeFollowUpExport, writePopulationCsv } from './demoQuarterlyData';
import { disposeHarness } from './n8nEngine';
import { PACKAGE_ROOT } from './nodeTypes';
import { executeWorkflowFile, summarise } from './runWorkflow';
import { startSmtpSink, type SmtpSink } from './smtpSink';

export const WORKFLOW = path.join(PACKAGE_ROOT, 'workflows', 'quarterly-joint-meeting.json');
export const DEMO_QUARTER = '2026Q3';

interface Args {
	registry?: string;
	followUps?: string;
	population?: string;
	quarter: string;
	out: string;
	county: string;
	smtp?: { host: string; port: number; user: string; password: string };
	mailTo: string;
}

function usage(): never {
	console.log(
		'usage: npm run demo:quarterly -- [--registry R --follow-ups F --population P] [--quarter 2026Q3] [--county 名称] [--out DIR]\n' +
			'                                [--smtp host:port --smtp-user U --smtp-password W --mail-to a@example.org]',
	);
	process.exit(0);
}

export function parseArgs(argv: string[]): Args {
	const { values: v } = readArgs(argv, {
		help: { type: 'boolean', short: 'h' },
		registry: { type: 'string' },
		'follow-ups': { type: 'string' },
		population: { type: 'string' },
		quarter: { type: 'string' },
		county: { type: 'string' },
		out: { type: 'string' },
		smtp: { type: 'string' },
		'smtp-user': { type: 'string' },
		'smtp-password': { type: 'string' },
		'mail-to': { type: 'string' },
	});
	if (v.help) usage();
	const args: Args = {
		quarter: v.quarter ?? DEMO_QUARTER,
		out: path.resolve(v.out ?? path.join(PACKAGE_ROOT, 'out', 'quarterly')),
		county: v.county ?? '演示县',
		mailTo: v['mail-to'] ?? 'jingfangban@example.invalid, zongzhi@example.invalid, gonganju@example.invalid',
	};
	const given = [v.registry, v['follow-ups'], v.population].filter((x) => x !== undefined).length;
	if (given !== 0 && given !== 3) throw new Error('give --registry, --follow-ups and --population together, or none for the demo county');
	if (v.registry) args.registry = path.resolve(v.registry);
	if (v['follow-ups']) args.followUps = path.resolve(v['follow-ups']);
	if (v.population) args.population = path.resolve(v.population);
	for (const f of [args.registry, args.followUps, args.population]) if (f && !existsSync(f)) throw new Error(`no such file: ${f}`);
	if (!/^\d{4}-?[Qq][1-4]$/.test(args.quarter)) throw new Error('--quarter must be written like 2026Q3');
	if (v.smtp) {
		const m = /^([^:]+):(\d+)$/.exec(v.smtp);
		if (!m) throw new Error('--smtp must be host:port');
		args.smtp = { host: m[1], port: Number(m[2]), user: v['smtp-user'] ?? '', password: v['smtp-password'] ?? '' };
	}
	return args;
}

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	mkdirSync(args.out, { recursive: true });
	LoggerProxy.init({ error: log, warn: log, info: (m: string) => m.startsWith('SMD') && log(m), debug: () => {} } as never);
	const started = Date.now();

	let { registry, followUps, population } = args;
	if (!registry || !followUps || !population) {
		log(`generating the synthetic demo county (seed ${DEMO_SEED}): registry, a year of follow-ups, populations…`);
		const data = path.join(args.out, 'data');
		const demo = await writeDemoFiles(data, { seed: DEMO_SEED, asOf: DEMO_AS_OF });
		registry = demo.registryCsv;
		followUps = path.join(data, 'follow-ups.csv');
		const counts = await writeFollowUpExport(followUps, new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF }));
		population = path.join(data, 'population.csv');
		await writePopulationCsv(population, demoPopulation(demo.counts.registry.patients));
		log(`demo county: ${demo.counts.registry.patients} patients, ${counts.rows} follow-ups`);
	}

	const registryFile = path.join(args.out, 'registry.sqlite');
	let sink: SmtpSink | undefined;
	const smtp = args.smtp
		? { host: args.smtp.host, port: args.smtp.port, secure: false, user: args.smtp.user, password: args.smtp.password }
		: (sink = await startSmtpSink()).credential;
	try {
		const result = await executeWorkflowFile(WORKFLOW, {
			settings: {
				registryFiles: registry,
				followUpFiles: followUps,
				populationFile: population,
				registryFile,
				outputDir: args.out,
				quarter: args.quarter,
				county: args.county,
				mailTo: args.mailTo,
				mailFrom: 'smd-reports@example.invalid',
			},
			allow: [args.out, ...new Set([registry, followUps, population].map((f) => path.dirname(f)))],
			credentials: { smtp },
		});
		const summary = summarise(result);
		if (!summary.ok) throw new Error(`the workflow stopped at ${summary.error?.node}: ${summary.error?.message}`);
		const computed = result.outputs('Compute Indicators 计算指标')[0][0].json as { quarter: string; areas: unknown[]; patientsRead: number };
		const dir = path.join(args.out, computed.quarter);
		copyFileSync(path.join(dir, 'indicators.json'), path.join(args.out, 'indicators.json'));
		const imported = (node: string) => result.outputs(node)[0][0].json as { rows: number; inserted: number; updated: number; unchanged: number; rejected: number };
		const reg = imported('Import Registry 导入患者信息');
		const fu = imported('Import Follow-Ups 导入随访记录');
		log(`registry: ${reg.rows} rows (${reg.inserted} new, ${reg.updated} updated, ${reg.unchanged} unchanged, ${reg.rejected} rejected)`);
		log(`follow-ups: ${fu.rows} rows (${fu.inserted} new, ${fu.updated} updated, ${fu.unchanged} unchanged, ${fu.rejected} rejected)`);
		log(`indicators for ${computed.quarter}: ${computed.areas.length} townships, ${computed.patientsRead} patients read`);
		const archived = (result.outputs('Archive 归档')[0][0].json as { archived: Array<{ fileName: string; bytes: number }> }).archived;
		for (const f of archived) log(`  ${path.join(computed.quarter, f.fileName)} (${f.bytes} bytes)`);
		if (sink) {
			const mail = sink.received[0];
			if (!mail) throw new Error('no mail reached the local SMTP server');
			writeFileSync(path.join(dir, 'mail.eml'), mail.raw);
			log(`mail: "${mail.parsed.subject}" to ${mail.to.length} recipients with ${mail.parsed.attachments.length} attachments (kept as ${path.join(computed.quarter, 'mail.eml')})`);
		} else log(`mail sent through ${args.smtp!.host}:${args.smtp!.port}`);
		log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${path.join(args.out, 'indicators.json')}`);
	} finally {
		await sink?.close();
		for (const f of [`${registryFile}-wal`, `${registryFile}-shm`]) if (!existsSync(registryFile)) rmSync(f, { force: true });
	}
}

if (require.main === module) {
	main()
		.catch((error: Error) => {
			process.stderr.write(`demo:quarterly: ${error.message}\n`);
			process.exitCode = 1;
		})
		.finally(() => disposeHarness());
}
