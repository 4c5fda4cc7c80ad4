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
export async function startPostgres(): Promise<Service> {
	const bin = postgresBin();
	const port = await freePort();
	const asRoot = process.getuid?.() === 0;
	const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
	const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-pg-'));
	const data = path.join(dir, 'data');
	if (asRoot) {
		const pw = (await run('id postgres', 'id', ['-u', 'postgres'])).stdout.trim();
		const gr = (await run('id postgres', 'id', ['-g', 'postgres'])).stdout.trim();
		chownSync(dir, Number(pw), Number(gr));
		chmodSync(dir, 0o700);
	}
	await run('initdb', ...wrap(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']));
	const child = spawn(...wrap(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off']), {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const { output, exited } = track(child);
	const isReady = path.join(bin, 'pg_isready');
	await waitFor('PostgreSQL', async () => (await run('pg_isready', isReady, ['-h', '127.0.0.1', '-p', String(port)]).then(() => true)), output);
	await run('createdb n8n', path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'n8n']);
	return {
		port,
		output,
		stop: async () => {
			await stopChild(child, exited, 'SIGINT');
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
	postgres: Service;
	redis: Service;
	main: Server;
	worker: Server;
	env: NodeJS.ProcessEnv;
	stop: () => Promise<void>;
}

/** Main on `port` and one worker (health check on its own port), both on `instance`'s user folder. */
export async function startQueueStack(instance: Instance, dir: string, options: EnvOptions & { log?: Log; concurrency?: number } = {}): Promise<QueueStack> {
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
	try {
		main = await startServer(instance, { ...options, extra: { ...env, ...options.extra }, timeoutMs: 180_000 });
		const healthPort = await freePort();
		const worker = await startServer(instance, {
			command: ['worker', `--concurrency=${options.concurrency ?? 2}`],
			port: healthPort,
			extra: { ...env, ...options.extra, QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' },
			timeoutMs: 180_000,
		});
		return { postgres, redis, main, worker, env, stop: () => stopAll(worker, main) };
	} catch (error) {
		await stopAll(main);
		throw error;
	}
}
