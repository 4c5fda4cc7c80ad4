/**
 * n8n in queue mode on one machine, from Debian's packages: PostgreSQL for n8n's own database, Redis
 * for the job queue, one main process (editor, API) and one worker that runs the executions. What
 * README "Running at scale" states was verified with this (test/n8n/queueMode.test.ts).
 *
 * PostgreSQL and Redis get their own folders and loopback ports; nothing is left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, startServer, type EnvOptions, type Instance, type Log, type Server } from './localN8n';

export interface Service {
	port: number;
	stop: () => Promise<void>;
	output: () => string;
}

/** The PostgreSQL service, which can also be restarted (fault tests: a server restart mid-transaction). */
export interface PostgresService extends Service {
	/**
	 * Fast shutdown (every session is ended, open transactions roll back), then start again on the
	 * same port and data folder; resolves once the server accepts connections again.
	 */
	restart: () => Promise<void>;
}

function postgresBin(): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres'))) : [];
	if (!versions.length) throw new Error("no PostgreSQL server: install Debian's postgresql package (apt-get install postgresql)");
	return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

function track(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
	let out = '';
	const keep = (c: Buffer) => (out = (out + c.toString()).slice(-32_000));
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	return { output: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	child.kill(signal);
	const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
	await exited;
	clearTimeout(timer);
}

async function waitFor(what: string, check: () => Promise<boolean>, output: () => string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await new Promise((r) => setTimeout(r, 300));
	}
	throw new Error(`${what} did not come up within ${timeoutMs / 1000} s:\n${output().slice(-3000)}`);
}

/**
 * A throw-away PostgreSQL cluster in its own temporary folder on a loopback port (trust auth, user
 * postgres, database n8n), removed on stop. PostgreSQL refuses to run as root, so as root it runs as
 * the postgres user Debian's package creates.
 */
export async function startPostgres(): Promise<PostgresService> {
	const bin = postgresBin();
	const port = await freePort();
	const asRoot = process.getuid?.() === 0;
	const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-pg-'));
	const data = path.join(dir, 'data');
	let user: { uid: number; gid: number } | undefined;
	if (asRoot) {
		const pw = (await run('id postgres', 'id', ['-u', 'postgres'])).stdout.trim();
		const gr = (await run('id postgres', 'id', ['-g', 'postgres'])).stdout.trim();
		user = { uid: Number(pw), gid: Number(gr) };
		chownSync(dir, user.uid, user.gid);
		chmodSync(dir, 0o700);
	}
	await run('initdb', ...wrap(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']));
	// What every run printed, across restarts.
	let earlier = '';
	const launch = async () => {
		// The server itself is the child (as root: with the postgres user's ids, not under runuser, which
		// does not pass SIGINT on): a stop or restart signals the server, and nothing outlives stop().
		const child = spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'], {
			stdio: ['ignore', 'pipe', 'pipe'],
			...user,
		});
		const tracked = track(child);
		const isReady = path.join(bin, 'pg_isready');
		await waitFor('PostgreSQL', async () => (await run('pg_isready', isReady, ['-h', '127.0.0.1', '-p', String(port)]).then(() => true)), () => earlier + tracked.output());
		return { child, ...tracked };
	};
	let server = await launch();
	const output = () => (earlier + server.output()).slice(-32_000);
	const shutdown = async () => {
		// SIGINT is PostgreSQL's fast shutdown: sessions are ended, their transactions rolled back.
		await stopChild(server.child, server.exited, 'SIGINT');
		earlier = output();
	};
	await run('createdb n8n', path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'n8n']);
	return {
		port,
		output,
		restart: async () => {
			await shutdown();
			server = await launch();
		},
		stop: async () => {
			await shutdown();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** A throw-away Redis on a loopback port, no persistence. */
export async function startRedis(dir: string): Promise<Service> {
	const port = await freePort();
	mkdirSync(dir, { recursive: true });
	const conf = path.join(dir, 'redis.conf');
	writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir ${dir}\n`);
	const child = spawn('redis-server', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
	child.once('error', () => undefined);
	const { output, exited } = track(child);
	await waitFor('Redis', async () => output().includes('Ready to accept connections'), () => output() || "is Debian's redis-server package installed?");
	return { port, output, stop: () => stopChild(child, exited) };
}

/** The environment main and workers share: the same database, queue and encryption key. */
export function queueEnv(postgres: Service, redis: Service): NodeJS.ProcessEnv {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'postgres',
		DB_POSTGRESDB_PASSWORD: '',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		// Editor runs too go to the workers (n8n 2.x warns that this becomes the only way).
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_ENCRYPTION_KEY: 'smd-queue-mode-check-key',
	};
}

export interface QueueStack {
	postgres: PostgresService;
	redis: Service;
	main: Server;
	/** The first worker (the one of a one-worker stack). */
	worker: Server;
	workers: Server[];
	env: NodeJS.ProcessEnv;
	stop: () => Promise<void>;
}

export interface QueueStackOptions extends EnvOptions {
	log?: Log;
	/** Each worker's --concurrency, default 2. */
	concurrency?: number;
	/** Worker processes, default 1; they start together. */
	workers?: number;
	/** Runs once PostgreSQL and Redis are up, before main starts (import and publish workflows, create databases). */
	beforeMain?: (env: NodeJS.ProcessEnv, postgres: PostgresService) => Promise<void>;
}

/** Main on `port` and the workers (each with its health check on its own port), all on `instance`'s user folder. */
export async function startQueueStack(instance: Instance, dir: string, options: QueueStackOptions = {}): Promise<QueueStack> {
	const postgres = await startPostgres();
	const redis = await startRedis(path.join(dir, 'redis')).catch(async (e) => {
		await postgres.stop();
		throw e;
	});
	const env = queueEnv(postgres, redis);
	const stopAll = async (...servers: Array<Server | undefined>) => {
		for (const s of servers) await s?.stop();
		await redis.stop();
		await postgres.stop();
	};
	let main: Server | undefined;
	const workers: Server[] = [];
	try {
		await options.beforeMain?.(env, postgres);
		main = await startServer(instance, { ...options, extra: { ...env, ...options.extra }, timeoutMs: 180_000 });
		const started = await Promise.allSettled(
			Array.from({ length: options.workers ?? 1 }, async () => {
				const healthPort = await freePort();
				return await startServer(instance, {
					command: ['worker', `--concurrency=${options.concurrency ?? 2}`],
					port: healthPort,
					extra: { ...env, ...options.extra, QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' },
					timeoutMs: 240_000,
				});
			}),
		);
		for (const r of started) if (r.status === 'fulfilled') workers.push(r.value);
		const failed = started.find((r) => r.status === 'rejected');
		if (failed) throw (failed as PromiseRejectedResult).reason;
		return { postgres, redis, main, worker: workers[0], workers, env, stop: () => stopAll(...workers, main) };
	} catch (error) {
		await stopAll(...workers, main);
		throw error;
	}
}
