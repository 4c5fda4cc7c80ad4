/**
 * `npm start`: this package inside a real n8n, ready to click through.
 *
 *   npm start                          editor on http://localhost:5678, data in .n8n-local/
 *   npm start -- --port 5679 --data DIR --reimport --no-serve
 *
 * 1. installs the pinned n8n (local-n8n/, once; scripts/localN8n.ts),
 * 2. packs this package (`npm pack`) and installs that tarball as n8n installs a community package,
 * 3. seeds the synthetic demo county (fixed seed) into the instance's files folder and imports the
 *    demo registry with the shipped registry-import workflow, executed by n8n itself,
 * 4. imports every workflow in workflows/ (a workflow already imported is left alone, so edits made
 *    in the editor survive; --reimport replaces them with the shipped files),
 * 5. starts the demo county platform (the reference server of docs/county-api.openapi.yaml, with
 *    an SMD County Platform API credential for it) and n8n on 127.0.0.1, and creates the owner
 *    account (README states the login).
 * A second run only repeats what changed: it keeps the database, the registry and the files.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readArgs } from './cliArgs';
import { createHash, randomBytes } from 'node:crypto';
import { DemoCounty, writeDemoFiles, DEMO_AS_OF, DEMO_SEED } from './demoCounty';
import { writeRosterCsv } from './demoEmergencyData';
import { writeTownshipContactsCsv, writeVisitsCsv } from './demoReferralData';
import { demoPopulation, writeFollowUpExport, writePopulationCsv } from './demoQuarterlyData';
import {
	DEMO_OWNER,
	ensureN8n,
	ensureOwner,
	executeWorkflow,
	freePort,
	importWorkflows,
	installPackage,
	instanceAt,
	n8nCli,
	N8N_VERSION,
	packPackage,
	prepareWorkflow,
	startServer,
	workflowFiles,
	type Instance,
	type Log,
	type Server,
} from './localN8n';
import { PACKAGE_ROOT } from './nodeTypes';
import { startCountyApiServer, type CountyApiServer } from './countyApiServer';
import type { WorkflowJson } from './workflowJson';

export interface StartArgs {
	port: number;
	data: string;
	reimport: boolean;
	serve: boolean;
	/** SMTP server for the quarterly workflow's mail: `[user:password@]host:port`. */
	smtp?: string;
}

const USAGE = 'usage: npm start -- [--port 5678] [--data DIR (default .n8n-local)] [--reimport] [--no-serve] [--smtp [user:password@]host:port]';

export function parseArgs(argv: string[]): StartArgs | null {
	const { values: v } = readArgs(argv, {
		help: { type: 'boolean', short: 'h' },
		reimport: { type: 'boolean' },
		'no-serve': { type: 'boolean' },
		port: { type: 'string' },
		data: { type: 'string' },
		smtp: { type: 'string' },
	});
	if (v.help) return null;
	const args: StartArgs = { port: 5678, data: path.join(PACKAGE_ROOT, '.n8n-local'), reimport: !!v.reimport, serve: !v['no-serve'] };
	if (v.data !== undefined) args.data = path.resolve(v.data);
	if (v.smtp !== undefined) {
		if (!SMTP_ARG.test(v.smtp)) throw new Error('--smtp must be [user:password@]host:port');
		args.smtp = v.smtp;
	}
	if (v.port !== undefined) {
		args.port = Number(v.port);
		if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) throw new Error('--port must be 1…65535');
	}
	return args;
}

/** The demo files every shipped workflow's Settings point at: <files>/smd/ (the quarterly meeting's exports in smd/in/). */
export const DEMO_FILES = ['registry.csv', 'police-list.csv', 'follow-ups.csv', 'in/registry.csv', 'in/follow-ups.csv', 'in/population.csv', 'in/visits.csv', 'in/township-contacts.csv', 'in/on-call-roster.csv'] as const;

const SMTP_ARG = /^(?:([^:@]*):([^@]*)@)?([^:@]+):(\d{1,5})$/;

/** The Header Auth credential the emergency webhooks check (header X-SMD-Token). */
export const HEADER_AUTH_CREDENTIAL = { id: 'smdHeaderAuth001', name: 'SMD 应急上报令牌', header: 'X-SMD-Token' };
/** Workflows that run on their own once published: the emergency webhooks and escalation. */
export const PUBLISHED_WORKFLOWS = ['smdEmergencyIn01', 'smdEmergencyEsc1'];

/** The credential the county-sync workflow's nodes name: the demo county platform that npm start serves. */
export const COUNTY_API_CREDENTIAL = { id: 'smdCountyApi001', name: 'SMD 区域平台接口' };

/** The id the quarterly workflow's Send Email node names its SMTP credential by. */
export const SMTP_CREDENTIAL = { id: 'smdSmtp0000001', name: 'SMTP 精防办邮箱' };

interface State {
	seeded?: { seed: number; asOf: string };
	smtp?: string;
	registryImported?: boolean;
	rosterImported?: boolean;
	/** The emergency webhooks' Header Auth token (random, made once; printed when ready). */
	webhookToken?: string;
	published?: string[];
	/** The demo county platform: its loopback port and the app key + secret of its credential (made once). */
	countyPlatform?: { port: number; appKey: string; appSecret: string };
	workflows: Record<string, { file: string; sha256: string }>;
}

function readState(file: string): State {
	return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as State) : { workflows: {} };
}

/** Seed the synthetic county into <files>/smd (once; kept on later runs). */
export async function seedDemoFiles(instance: Instance, state: State, log: Log): Promise<boolean> {
	const dir = path.join(instance.filesDir, 'smd');
	if (state.seeded && DEMO_FILES.every((f) => existsSync(path.join(dir, f)))) return false;
	log(`seeding the synthetic demo county (seed ${DEMO_SEED}, as of ${DEMO_AS_OF}) into ${dir}…`);
	await writeDemoFiles(dir, { seed: DEMO_SEED, asOf: DEMO_AS_OF });
	copyFileSync(path.join(PACKAGE_ROOT, 'scripts', 'demo-data', 'follow-ups.csv'), path.join(dir, 'follow-ups.csv'));
	// The quarterly joint meeting's inputs: the registry export, a year of follow-ups, the populations.
	mkdirSync(path.join(dir, 'in'), { recursive: true });
	copyFileSync(path.join(dir, 'registry.csv'), path.join(dir, 'in', 'registry.csv'));
	const county = new DemoCounty({ seed: DEMO_SEED, asOf: DEMO_AS_OF });
	await writeFollowUpExport(path.join(dir, 'in', 'follow-ups.csv'), county);
	await writePopulationCsv(path.join(dir, 'in', 'population.csv'), demoPopulation(county.patients));
	// The referral workflow's visits and the daily work list's township addresses.
	await writeVisitsCsv(path.join(dir, 'in', 'visits.csv'), county);
	await writeTownshipContactsCsv(path.join(dir, 'in', 'township-contacts.csv'));
	// The on-call roster from yesterday for 90 days, so the emergency workflows find someone on duty.
	await writeRosterCsv(path.join(dir, 'in', 'on-call-roster.csv'), { from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), days: 90 });
	mkdirSync(path.join(dir, 'out', 'emergency'), { recursive: true });
	state.seeded = { seed: DEMO_SEED, asOf: DEMO_AS_OF };
	return true;
}

export interface SetupResult {
	instance: Instance;
	imported: string[];
	kept: string[];
	changedSinceImport: string[];
	timings: Record<string, number>;
	/** The emergency webhooks' token (header X-SMD-Token). */
	webhookToken: string;
	/** Where the demo county platform listens and the app key + secret its credential signs with. */
	countyPlatform: { port: number; appKey: string; appSecret: string };
}

/** Everything but serving: install, pack, install the package, seed, import, seed the registry. */
export async function setUp(args: StartArgs, log: Log): Promise<SetupResult> {
	const timings: Record<string, number> = {};
	const time = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
		const t = Date.now();
		const result = await fn();
		timings[step] = Date.now() - t;
		return result;
	};
	const instance = instanceAt(args.data);
	mkdirSync(instance.filesDir, { recursive: true });
	const stateFile = path.join(args.data, 'smd-start.json');
	const state = readState(stateFile);
	const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));

	await time('n8n install', () => ensureN8n(log));
	const pack = await time('npm pack', () => packPackage());
	await time('package install', () => installPackage(instance, pack, log));
	await time('demo files', () => seedDemoFiles(instance, state, log));
	save();

	const imported: string[] = [];
	const kept: string[] = [];
	const changedSinceImport: string[] = [];
	const toImport: WorkflowJson[] = [];
	// The acknowledgement links in emergency messages point at this instance.
	const ackBaseUrl = `http://localhost:${args.port}/webhook/smd-emergency-ack`;
	for (const file of workflowFiles()) {
		const workflow = prepareWorkflow(file, instance, /emergency-(handoff|escalation)\.json$/.test(file) ? { ackBaseUrl } : {});
		const id = workflow.id as string;
		const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
		const before = state.workflows[id];
		if (before && !args.reimport) {
			kept.push(id);
			if (before.sha256 !== sha256) changedSinceImport.push(path.basename(file));
			continue;
		}
		toImport.push(workflow);
		state.workflows[id] = { file: path.basename(file), sha256 };
		imported.push(id);
	}
	if (toImport.length) {
		log(`importing ${toImport.length} workflow(s) into n8n…`);
		await time('workflow import', () => importWorkflows(instance, toImport));
	}
	save();

	// The SMTP credential the quarterly workflow's Send Email node names: a placeholder on 127.0.0.1:25
	// until the county enters its mail server in n8n (Credentials), or the server given with --smtp.
	if (!state.smtp || (args.smtp && args.smtp !== state.smtp)) {
		const target = args.smtp ?? '127.0.0.1:25';
		const [, user = '', password = '', host, port] = SMTP_ARG.exec(target)!;
		const file = path.join(args.data, 'smtp-credential.json');
		writeFileSync(file, JSON.stringify([{ ...SMTP_CREDENTIAL, type: 'smtp', data: { host, port: Number(port), secure: false, disableStartTls: true, user, password } }]), { mode: 0o600 });
		try {
			await time('smtp credential', () => n8nCli(instance, ['import:credentials', `--input=${file}`]));
		} finally {
			rmSync(file, { force: true });
		}
		state.smtp = target.replace(/^[^@]*@/, '');
		save();
	}

	if (!state.webhookToken) {
		const token = randomBytes(18).toString('base64url');
		const file = path.join(args.data, 'header-credential.json');
		writeFileSync(file, JSON.stringify([{ id: HEADER_AUTH_CREDENTIAL.id, name: HEADER_AUTH_CREDENTIAL.name, type: 'httpHeaderAuth', data: { name: HEADER_AUTH_CREDENTIAL.header, value: token } }]), { mode: 0o600 });
		try {
			await time('webhook credential', () => n8nCli(instance, ['import:credentials', `--input=${file}`]));
		} finally {
			rmSync(file, { force: true });
		}
		state.webhookToken = token;
		save();
	}

	// The demo county platform the county-sync workflow pulls from: its credential, made once.
	if (!state.countyPlatform) {
		const platform = { port: await freePort(), appKey: 'smd-demo-county', appSecret: randomBytes(24).toString('base64url') };
		const file = path.join(args.data, 'county-api-credential.json');
		const data = { baseUrl: `http://127.0.0.1:${platform.port}/api/v1`, authType: 'hmac', appKey: platform.appKey, appSecret: platform.appSecret };
		writeFileSync(file, JSON.stringify([{ ...COUNTY_API_CREDENTIAL, type: 'smdCountyApi', data }]), { mode: 0o600 });
		try {
			await time('county platform credential', () => n8nCli(instance, ['import:credentials', `--input=${file}`]));
		} finally {
			rmSync(file, { force: true });
		}
		state.countyPlatform = platform;
		save();
	}

	if (!state.registryImported) {
		log('importing the demo registry with the "SMD registry import" workflow, executed by n8n…');
		const result = await time('registry seed', () => executeWorkflow(instance, 'smdRegistryImpt1'));
		if (!result.ok) throw new Error(`seeding the registry failed in ${result.error?.node}: ${result.error?.message}`);
		const report = result.nodes['Import 导入登记库']?.outputs[0]?.[0]?.json as Record<string, number> | undefined;
		log(`  registry: ${report?.inserted} patients inserted, ${report?.rejected} rows rejected (see smd/out/import-report.json)`);
		state.registryImported = true;
		save();
	}
	if (!state.rosterImported) {
		const result = await time('roster import', () => executeWorkflow(instance, 'smdOnCallRoster1'));
		if (!result.ok) throw new Error(`importing the on-call roster failed in ${result.error?.node}: ${result.error?.message}`);
		const report = result.nodes['Import Roster 导入值班表']?.outputs[0]?.[0]?.json as Record<string, number> | undefined;
		log(`  on-call roster: ${report?.shifts} shifts imported (smd/in/on-call-roster.csv)`);
		state.rosterImported = true;
		save();
	}
	// Published (active) workflows run on their own: webhooks answer, the schedule escalates. A
	// re-imported workflow is a new version, published again.
	for (const id of PUBLISHED_WORKFLOWS) {
		if (state.published?.includes(id) && !imported.includes(id)) continue;
		await time(`publish ${id}`, () => n8nCli(instance, ['publish:workflow', `--id=${id}`]));
		state.published = [...new Set([...(state.published ?? []), id])];
		save();
	}
	return { instance, imported, kept, changedSinceImport, timings, webhookToken: state.webhookToken as string, countyPlatform: state.countyPlatform };
}

export async function serve(instance: Instance, port: number, log: Log): Promise<Server> {
	const server = await startServer(instance, { port, timeoutMs: 180_000 });
	const created = await ensureOwner(server.url);
	if (created) log('created the owner account');
	return server;
}

/**
 * The demo county platform on its loopback port: the reference server with the synthetic county's
 * 300 patients, checking the credential's signature, for the county-sync workflow to pull from.
 */
export async function startDemoPlatform(platform: SetupResult['countyPlatform']): Promise<CountyApiServer> {
	try {
		return await startCountyApiServer({ port: platform.port, credentials: { apps: { [platform.appKey]: platform.appSecret } }, demoPatientCount: 300 });
	} catch (error) {
		throw new Error(`the demo county platform cannot listen on 127.0.0.1:${platform.port} (${(error as Error).message}); free the port, or delete countyPlatform from smd-start.json to choose another`);
	}
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	if (!args) {
		console.log(USAGE);
		return;
	}
	const started = Date.now();
	const log: Log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
	const setup = await setUp(args, log);
	for (const f of setup.changedSinceImport)
		log(`note: workflows/${f} changed since it was imported; your copy in n8n is kept. \`npm start -- --reimport\` replaces it.`);
	const steps = Object.entries(setup.timings)
		.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
		.join(', ');
	log(`set up in ${((Date.now() - started) / 1000).toFixed(1)} s (${steps})`);
	if (!args.serve) return;

	const platform = await startDemoPlatform(setup.countyPlatform);
	log(`starting n8n ${N8N_VERSION}…`);
	const server = await serve(setup.instance, args.port, log);
	const stop = () => {
		log('stopping n8n…');
		void server.stop().then(() => platform.stop()).then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	server.process.once('exit', (code) => {
		log(`n8n exited (${code}):\n${server.output().split('\n').slice(-20).join('\n')}`);
		process.exit(code ?? 1);
	});
	console.log(
		[
			'',
			`n8n ${N8N_VERSION} with n8n-nodes-smd is ready (${((Date.now() - started) / 1000).toFixed(0)} s): ${server.url}`,
			`  log in:    ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`,
			`  workflows: ${[...setup.imported, ...setup.kept].map((id) => `${server.url}/workflow/${id}`).join('\n             ')}`,
			`  files:     ${setup.instance.filesDir} (demo inputs in smd/, outputs in smd/out/)`,
			`  emergency: curl -X POST ${server.url}/webhook/smd-emergency -H '${HEADER_AUTH_CREDENTIAL.header}: ${setup.webhookToken}' -H 'content-type: application/json' \\`,
			`               -d '{"channel":"family","township":"城关镇","triggers":["relapse"],"riskLevel":3}'`,
			`  county platform (demo): ${platform.url} (reference server of docs/county-api.openapi.yaml; credential "${COUNTY_API_CREDENTIAL.name}")`,
			`  data:      ${args.data} (kept between runs; delete it to start over)`,
			'  Ctrl-C stops n8n.',
			'',
		].join('\n'),
	);
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(`npm start failed: ${error.message}`);
		process.exitCode = 1;
	});
}
