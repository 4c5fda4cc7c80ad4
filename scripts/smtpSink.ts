/**
 * A real SMTP server on loopback (the smtp-server package) that keeps what it receives: for the
 * quarterly workflow's tests and `npm run demo:quarterly`, so the mail n8n's Send Email node sends
 * can be read back — recipients, subject, text and attachments (parsed by mailparser). Plain SMTP
 * with AUTH PLAIN/LOGIN against one user; nothing leaves the machine.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
	from: string;
	to: string[];
	raw: Buffer;
	parsed: ParsedMail;
}

export interface SmtpSink {
	host: string;
	port: number;
	user: string;
	password: string;
	received: ReceivedMail[];
	/** The n8n `smtp` credential data for this server. */
	credential: Record<string, string | number | boolean>;
	close(): Promise<void>;
}

export async function startSmtpSink(options: { user?: string; password?: string } = {}): Promise<SmtpSink> {
	const user = options.user ?? 'smd';
	const password = options.password ?? 'smd-test-password';
	const received: ReceivedMail[] = [];
	const server = new SMTPServer({
		secure: false,
		disabledCommands: ['STARTTLS'],
		authOptional: false,
		allowInsecureAuth: true,
		size: 50 * 1024 * 1024,
		logger: false,
		onAuth(auth, _session, callback) {
			if (auth.username === user && auth.password === password) callback(null, { user });
			else callback(new Error('Invalid username or password'));
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', () => {
				const raw = Buffer.concat(chunks);
				simpleParser(raw)
					.then((parsed) => {
						received.push({
							from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
							to: session.envelope.rcptTo.map((r) => r.address),
							raw,
							parsed,
						});
						callback();
					})
					.catch((error: Error) => callback(error));
			});
		},
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const port = (server.server.address() as AddressInfo).port;
	return {
		host: '127.0.0.1',
		port,
		user,
		password,
		received,
		credential: { host: '127.0.0.1', port, secure: false, disableStartTls: true, user, password },
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
