/**
 * A served n8n with the emergency workflows published, as a county runs them, for the webhook tests
 * and the load benchmark: this package installed as a community package, the demo county's registry,
 * the on-call roster imported by its own workflow, mail to a local SMTP server and group-robot
 * messages to a local HTTP sink, the Header Auth credential, the hand-off and escalation workflows
 * published and n8n started.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importRegistryFile } from '../lib/registry/import';
import { RegistryStore } from '../lib/registry/store';
import { DEMO_AS_OF, DEMO_SEED, writeDemoFiles } from './demoCounty';
import { writeRosterCsv } from './demoEmergencyData';
import { startHttpSink, type HttpSink } from './httpSink';
import { ensureN8n, executeWorkflow, freePort, importWorkflows, installPackage, instanceAt, n8nCli, packPackage, prepareWorkflow, startServer, WORKFLOWS_DIR, type Instance, type Server } from './localN8n';
import { startSmtpSink, type SmtpSink } from './smtpSink';

export const TOKEN_HEADER = 'X-SMD-Token';

export interface EmergencyStackOptions {
	/** Seconds the township staff, psychiatrist and police have to acknowledge (the shipped file: minutes). */
	ackSeconds: number;
	/** Seconds between escalation rounds (the shipped schedule: 2 minutes). */
	scheduleSeconds: number;
}

export interface EmergencyStack {
	tmp: string;
	instance: Instance;
	server: Server;
	smtp: SmtpSink;
	robot: HttpSink;
	registryFile: string;
	recordFolder: string;
	token: string;
	/** The roster's shifts imported by the roster workflow (n8n execute). */
	rosterShifts: number;
	/** POST JSON to a webhook path with the token header (or the headers given). */
	post(pathName: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
	withStore<T>(fn: (s: RegistryStore) => T): T;
	stop(): Promise<void>;
}

export async function startEmergencyStack(options: EmergencyStackOptions): Promise<EmergencyStack> {
	const tmp = mkdtempSync(path.join(os.tmpdir(), 'smd-emergency-'));
	const instance = instanceAt(path.join(tmp, 'n8n'));
	const smd = path.join(instance.filesDir, 'smd');
	const input = path.join(smd, 'in');
	const recordFolder = path.join(smd, 'out', 'emergency');
	mkdirSync(input, { recursive: true });
	mkdirSync(recordFolder, { recursive: true });
	await ensureN8n();
	await installPackage(instance, await packPackage(path.join(tmp, 'pack')));
	// The demo county's registry (3,000 synthetic patients), imported by the domain core.
	await writeDemoFiles(smd, { seed: DEMO_SEED, asOf: DEMO_AS_OF });
	const registryFile = path.join(smd, 'registry.sqlite');
	const store = RegistryStore.open(registryFile);
	try {
		await importRegistryFile(store, readFileSync(path.join(smd, 'registry.csv')), { fileName: 'registry.csv' });
	} finally {
		store.close();
	}
	const smtp = await startSmtpSink();
	const robot = await startHttpSink();
	const token = 'test-token-0123456789abcdef';
	await writeRosterCsv(path.join(input, 'on-call-roster.csv'), { from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), days: 3, robotUrl: `${robot.url}/robot`, domain: 'county.test' });
	const credentials = path.join(tmp, 'credentials.json');
	writeFileSync(
		credentials,
		JSON.stringify([
			{ id: 'smdSmtp0000001', name: 'SMTP 精防办邮箱', type: 'smtp', data: smtp.credential },
			{ id: 'smdHeaderAuth001', name: 'SMD 应急上报令牌', type: 'httpHeaderAuth', data: { name: TOKEN_HEADER, value: token } },
		]),
	);
	await n8nCli(instance, ['import:credentials', `--input=${credentials}`]);
	rmSync(credentials);

	const port = await freePort();
	const minutes = String(options.ackSeconds / 60);
	const ackBaseUrl = `http://localhost:${port}/webhook/smd-emergency-ack`;
	const timing = { ackMinutesTownship: minutes, ackMinutesPsychiatrist: minutes, ackMinutesPolice: minutes, ackMinutesCounty: '600', ackMinutesCommission: '600', ackBaseUrl };
	const handoff = prepareWorkflow(path.join(WORKFLOWS_DIR, 'emergency-handoff.json'), instance, { ...timing, countyEmail: 'jingfangban@county.test' });
	const escalation = prepareWorkflow(path.join(WORKFLOWS_DIR, 'emergency-escalation.json'), instance, timing);
	// As a county would tune it for a drill: the schedule every few seconds instead of 2 minutes.
	const schedule = escalation.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger');
	if (!schedule) throw new Error('emergency-escalation.json has no Schedule Trigger');
	schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: options.scheduleSeconds }] } };
	const roster = prepareWorkflow(path.join(WORKFLOWS_DIR, 'on-call-roster-import.json'), instance);
	await importWorkflows(instance, [handoff, escalation, roster]);
	const imported = await executeWorkflow(instance, 'smdOnCallRoster1');
	if (!imported.ok) throw new Error(`the roster workflow failed in ${imported.error?.node}: ${imported.error?.message}`);
	const rosterShifts = Number(imported.nodes['Import Roster 导入值班表'].outputs[0][0].json.shifts);
	for (const id of ['smdEmergencyIn01', 'smdEmergencyEsc1']) await n8nCli(instance, ['publish:workflow', `--id=${id}`]);
	const server = await startServer(instance, { port, timeoutMs: 180_000 });
	// n8n answers its readiness check before it has activated the published workflows.
	const end = Date.now() + 60_000;
	while ((await fetch(`${server.url}/webhook/smd-emergency`, { method: 'POST' })).status === 404) {
		if (Date.now() > end) {
			await server.stop();
			throw new Error(`the published webhook did not answer within 60 s:\n${server.output().split('\n').slice(-30).join('\n')}`);
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	return {
		tmp,
		instance,
		server,
		smtp,
		robot,
		registryFile,
		recordFolder,
		token,
		rosterShifts,
		post: (pathName, body, headers = { [TOKEN_HEADER]: token }) =>
			fetch(`${server.url}/webhook/${pathName}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
		withStore<T>(fn: (s: RegistryStore) => T): T {
			const s = RegistryStore.open(registryFile);
			try {
				return fn(s);
			} finally {
				s.close();
			}
		},
		async stop() {
			await server.stop();
			await smtp.close();
			await robot.close();
			rmSync(tmp, { recursive: true, force: true });
		},
	};
}
