/**
 * An HTTP server on loopback that keeps every request it receives, standing in for a WeCom or
 * DingTalk group robot (they answer {"errcode":0}) in the emergency workflow's tests and benchmark.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
	at: number;
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

export interface HttpSink {
	url: string;
	received: SinkRequest[];
	close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
	const received: SinkRequest[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			received.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"errcode":0,"errmsg":"ok"}');
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		received,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
