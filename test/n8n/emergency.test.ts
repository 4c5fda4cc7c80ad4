/**
 * The emergency workflows in a real n8n through its webhooks: the shipped files imported and
 * published as a user would, the registry seeded from the demo county, the on-call roster imported
 * by its own workflow, mail to a local SMTP server and group-robot messages to a local HTTP sink.
 * Acknowledgement deadlines are seconds, and the escalation workflow's schedule runs every few
 * seconds, so escalation happens for real while the test waits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmergencyStack, TOKEN_HEADER, type EmergencyStack } from '../../scripts/emergencyStack';

/** Seconds an on-call person has to acknowledge, in this test (minutes in the shipped file). */
const ACK_SECONDS = 6;

let stack: EmergencyStack;
let person: { patientNo: string; name: string; idNumber: string; township: string; address: string | null };

const count = (sql: string) => stack.withStore((s) => Number((s.internals.get(sql).get() as { n: number }).n));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await sleep(100);
	}
}
const post = (pathName: string, body: unknown, headers?: Record<string, string>) => stack.post(pathName, body, headers);
const withToken = (extra: Record<string, string> = {}) => ({ [TOKEN_HEADER]: stack.token, ...extra });
const mailsTo = (address: string) => stack.smtp.received.filter((m) => m.to.includes(address));

beforeAll(async () => {
	stack = await startEmergencyStack({ ackSeconds: ACK_SECONDS, scheduleSeconds: 2 });
	// The roster workflow imported 3 days of shifts: 5 townships × (精防专干, 派出所) + 4 county-wide roles.
	expect(stack.rosterShifts).toBe(3 * (5 * 2 + 4));
	person = stack.withStore(
		(s) =>
			s.internals.get("SELECT patient_no AS patientNo, name, id_number AS idNumber, township, address FROM patients WHERE id_number IS NOT NULL AND township = '城关镇' AND status = 'active' ORDER BY patient_no LIMIT 1").get() as typeof person,
	);
}, 900_000);

afterAll(async () => {
	await stack?.stop();
}, 120_000);

const report = () => ({ channel: 'police_110', township: '城关镇', triggers: ['harm_to_others'], riskLevel: 4, patient: { idNumber: person.idNumber, name: person.name }, place: '演示村三组', description: '持刀威胁邻居' });
let eventNo: string;
let firstNotificationMs: number;

describe('emergency hand-off through n8n webhooks', () => {
	test('a report without the header, or with a bad payload, is refused and stores nothing', async () => {
		const noAuth = await post('smd-emergency', report(), {});
		expect([401, 403]).toContain(noAuth.status);
		const wrong = await post('smd-emergency', report(), { [TOKEN_HEADER]: 'wrong' });
		expect(wrong.status).toBe(403);
		const bad = await post('smd-emergency', { ...report(), riskLevel: 9 });
		expect(bad.status).toBe(400);
		expect(await bad.json()).toEqual({ error: 'riskLevel: must be 0–5', field: 'riskLevel', code: 'invalid' });
		const unknown = await post('smd-emergency', { ...report(), patient: { nme: '某某' } });
		expect(await unknown.json()).toMatchObject({ field: 'patient.nme' });
		expect(count('SELECT COUNT(*) AS n FROM emergency_events')).toBe(0);
		expect(stack.smtp.received).toHaveLength(0);
	});

	test('a POST opens the event, answers its number, and the chain is notified by mail and group robot without identifiers', async () => {
		const t0 = Date.now();
		const res = await post('smd-emergency', report(), withToken({ 'Idempotency-Key': 'dispatch-20261129-001' }));
		expect(res.status).toBe(201);
		const body = (await res.json()) as { eventNo: string; duplicate: boolean; matchState: string };
		expect(body).toMatchObject({ eventNo: expect.stringMatching(/^YJ\d{8}-0001$/), duplicate: false, matchState: 'linked', riskLevel: 4 });
		eventNo = body.eventNo;
		await waitFor('the first notification', () => stack.smtp.received.length > 0 || stack.robot.received.length > 0);
		firstNotificationMs = Date.now() - t0;
		// Township 精防专干 (mail + group robot), psychiatrist and police (mail).
		await waitFor('three mails and a robot message', () => stack.smtp.received.length >= 3 && stack.robot.received.length >= 1);
		await sleep(500);
		expect(stack.smtp.received.map((m) => m.to.join(',')).sort()).toEqual(['chengguan-jf@county.test', 'police-1@county.test', 'psychiatrist@county.test']);
		expect(stack.robot.received).toHaveLength(1);
		const robotBody = JSON.parse(stack.robot.received[0].body) as { msgtype: string; markdown: { content: string } };
		expect(robotBody.msgtype).toBe('markdown');
		expect(robotBody.markdown.content).toContain(eventNo);
		for (const m of stack.smtp.received) {
			expect(m.parsed.subject).toBe(`【应急处置通知】${eventNo} 城关镇 危险性4级`);
			expect(m.parsed.text).toContain('/webhook/smd-emergency-ack?event=');
		}
		const everything = [...stack.smtp.received.map((m) => m.raw.toString('utf8') + (m.parsed.text ?? '')), ...stack.robot.received.map((r) => r.body), stack.server.output()].join('\n');
		for (const secret of [person.name, person.idNumber, person.address ?? '演示村三组', '演示村三组', '持刀威胁邻居']) expect(everything).not.toContain(secret);
		process.stderr.write(`emergency webhook: POST → first notification delivered in ${firstNotificationMs} ms\n`);
	});

	test('the same delivery again answers the same number and opens and sends nothing', async () => {
		const before = stack.smtp.received.length;
		const again = await post('smd-emergency', report(), withToken({ 'Idempotency-Key': 'dispatch-20261129-001' }));
		expect(again.status).toBe(200);
		expect(await again.json()).toMatchObject({ eventNo, duplicate: true });
		const conflict = await post('smd-emergency', { ...report(), riskLevel: 5 }, withToken({ 'Idempotency-Key': 'dispatch-20261129-001' }));
		expect(conflict.status).toBe(409);
		await sleep(1500);
		expect(stack.smtp.received.length).toBe(before);
		expect(count('SELECT COUNT(*) AS n FROM emergency_events')).toBe(1);
	});

	test('the link shows a button that acknowledges its step; a forged token is refused; unacknowledged steps escalate to the county office, the acknowledged one does not', async () => {
		const psychiatristMail = mailsTo('psychiatrist@county.test')[0];
		const link = /(http:\/\/localhost:\d+\/webhook\/smd-emergency-ack\?\S+)/.exec(psychiatristMail.parsed.text ?? '')![1];
		// Opening the link (a mail scanner, a chat preview) only shows the button; nothing is acknowledged.
		const page = await fetch(link);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('<form method="post">');
		expect(count('SELECT COUNT(*) AS n FROM emergency_steps WHERE acknowledged_at IS NOT NULL')).toBe(0);
		const forged = new URL(link);
		forged.searchParams.set('token', 'forged-token');
		const refused = await fetch(forged, { method: 'POST' });
		expect(refused.status).toBe(403);
		const ok = await fetch(link, { method: 'POST' });
		expect(ok.status).toBe(200);
		expect(await ok.text()).toContain(`已确认接手：应急事件 ${eventNo}`);
		// The township's and the police's steps pass their deadline; the 2-second schedule escalates them.
		const office = await waitFor('the escalation mail to the county office', () => mailsTo('jingfangban@county.test')[0], 40_000);
		expect(office.parsed.subject).toBe(`【应急处置升级：未按时确认】${eventNo} 城关镇 危险性4级`);
		await sleep(4000);
		const steps = stack.withStore((s) => s.internals.get('SELECT seq, role, acknowledged_at IS NOT NULL AS acked, escalated_to FROM emergency_steps ORDER BY seq').all());
		expect(steps).toEqual([
			{ seq: 1, role: 'township_staff', acked: 0, escalated_to: 4 },
			{ seq: 2, role: 'psychiatrist', acked: 1, escalated_to: null },
			{ seq: 3, role: 'police', acked: 0, escalated_to: 4 },
			{ seq: 4, role: 'county_office', acked: 0, escalated_to: null },
		]);
		// One escalation mail, however many rounds ran.
		expect(mailsTo('jingfangban@county.test')).toHaveLength(1);
	}, 90_000);

	test('updates: a refused step is 409; admission creates the upward referral; the filed record is written as HTML and PDF', async () => {
		const refused = await post('smd-emergency-update', { eventNo, action: 'close' });
		expect(refused.status).toBe(409);
		expect(await refused.json()).toMatchObject({ code: 'transition', error: expect.stringContaining('closing is not allowed') });
		const bad = await post('smd-emergency-update', { eventNo, action: 'disposition', disposition: 'home' });
		expect(bad.status).toBe(400);
		const admitted = await post('smd-emergency-update', { eventNo, action: 'disposition', disposition: 'admission', by: '精神科值班医师' });
		expect(admitted.status).toBe(200);
		const answer = (await admitted.json()) as { status: string; referralNo: string };
		expect(answer).toMatchObject({ status: 'disposed', referralNo: expect.stringMatching(/^ZZ\d{8}-\d{4}$/) });
		expect(stack.withStore((s) => s.internals.get('SELECT direction, urgency, consent_by, status, emergency_ref FROM referrals').all())).toEqual([
			{ direction: 'up', urgency: 'emergency', consent_by: 'pending', status: 'created', emergency_ref: eventNo },
		]);
		const filed = await post('smd-emergency-update', { eventNo, action: 'record', measures: ['police_control', 'escort'], participants: ['police', 'psychiatrist', 'township_staff'], summary: '民警现场控制，护送至县精神卫生中心住院', doctor: '精神科值班医师甲' });
		expect(filed.status).toBe(200);
		const files = await waitFor('the record files', () => {
			const f = readdirSync(stack.recordFolder);
			return f.length >= 2 ? f : undefined;
		});
		expect(files.sort()).toEqual([`应急处置记录单_${eventNo}.html`, `应急处置记录单_${eventNo}.pdf`]);
		expect(readFileSync(path.join(stack.recordFolder, `应急处置记录单_${eventNo}.html`), 'utf8')).toContain('民警现场控制');
		const notice = await waitFor('the notice to the county office', () => mailsTo('jingfangban@county.test').find((m) => m.parsed.subject?.includes('记录单已填报')));
		expect(notice.parsed.attachments).toHaveLength(0);
		expect(notice.parsed.text).not.toContain(person.name);
	}, 90_000);
});
