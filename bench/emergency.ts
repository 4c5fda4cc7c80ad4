/**
 * Emergency hand-off load: a real n8n serving the shipped emergency workflow (scripts/emergencyStack.ts).
 *
 *   npm run bench:emergency
 *
 * 1. Latency: reports posted one at a time; the time from the POST to its answer and to the first
 *    notification delivered (mail at the local SMTP server or the group-robot message at the sink).
 * 2. Load: 100 reports in one minute (one every 600 ms, not waiting for answers), 20 of them delivered
 *    twice; then every event, answer and message counted: none lost, none doubled.
 */
import { demoReport } from '../scripts/demoEmergencyData';
import { startEmergencyStack, TOKEN_HEADER } from '../scripts/emergencyStack';
import { Steps } from './common';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main(): Promise<void> {
	const steps = new Steps();
	// Deadlines of 15 minutes as shipped: nothing escalates while the benchmark runs.
	const stack = await steps.step('n8n served with the emergency workflows (install, registry, roster, publish, start)', () => startEmergencyStack({ ackSeconds: 15 * 60, scheduleSeconds: 60 }));
	const rows: Array<[string, string]> = [];
	try {
		const delivered = (eventNo: string) =>
			stack.smtp.received.some((m) => (m.parsed.subject ?? '').includes(eventNo)) || stack.robot.received.some((r) => r.body.includes(eventNo));
		// 1. Latency, one report at a time.
		const answerMs: number[] = [];
		const firstMs: number[] = [];
		for (let n = 0; n < 10; n++) {
			const t0 = Date.now();
			const res = await stack.post('smd-emergency', demoReport(n, { township: '城关镇' }), { [TOKEN_HEADER]: stack.token, 'Idempotency-Key': `latency-${n}` });
			answerMs.push(Date.now() - t0);
			const { eventNo } = (await res.json()) as { eventNo: string };
			while (!delivered(eventNo)) await sleep(10);
			firstMs.push(Date.now() - t0);
		}
		rows.push(['POST → answer (event number), 10 reports one at a time', `median ${pct(answerMs, 50)} ms, max ${Math.max(...answerMs)} ms`]);
		rows.push(['POST → first notification delivered', `median ${pct(firstMs, 50)} ms, max ${Math.max(...firstMs)} ms`]);

		// The latency reports' other messages are delivered before counting starts.
		const all = () => stack.withStore((s) => s.internals.get('SELECT COUNT(email) AS mails, COUNT(robot_url) AS robots FROM emergency_steps').get() as { mails: number; robots: number });
		const sent1 = all();
		while (stack.smtp.received.length < sent1.mails || stack.robot.received.length < sent1.robots) await sleep(50);

		// 2. 100 reports in one minute, 20 delivered twice.
		const mailsBefore = stack.smtp.received.length;
		const robotBefore = stack.robot.received.length;
		const eventsBefore = stack.withStore((s) => Number((s.internals.get('SELECT MAX(id) AS n FROM emergency_events').get() as { n: number }).n));
		const sent: Array<Promise<{ key: string; status: number; eventNo: string; duplicate: boolean; ms: number }>> = [];
		const t0 = Date.now();
		for (let n = 0; n < 100; n++) {
			const key = `load-${n}`;
			const send = () => {
				const s = Date.now();
				return stack
					.post('smd-emergency', demoReport(100 + n), { [TOKEN_HEADER]: stack.token, 'Idempotency-Key': key })
					.then(async (res) => ({ ...((await res.json()) as { eventNo: string; duplicate: boolean }), key, status: res.status, ms: Date.now() - s }));
			};
			sent.push(send());
			// Every fifth report is delivered again 300 ms later, as a retrying caller would.
			if (n % 5 === 0) setTimeout(() => sent.push(send()), 300);
			await sleep(600);
		}
		await sleep(400);
		const answers = await Promise.all(sent);
		const spanS = (Date.now() - t0) / 1000;
		const firsts = answers.filter((a) => !a.duplicate);
		const repeats = answers.filter((a) => a.duplicate);
		const byKey = new Map<string, Set<string>>();
		for (const a of answers) byKey.set(a.key, (byKey.get(a.key) ?? new Set()).add(a.eventNo));
		const events = stack.withStore((s) => s.internals.get('SELECT event_no FROM emergency_events WHERE id > ?').all(eventsBefore) as Array<{ event_no: string }>);
		// Each step with an e-mail address gets one mail; each with a group robot one message.
		const expected = stack.withStore(
			(s) =>
				s.internals
					.get('SELECT COUNT(email) AS mails, COUNT(robot_url) AS robots FROM emergency_steps WHERE event_id > ?')
					.get(eventsBefore) as { mails: number; robots: number },
		);
		const settle = Date.now() + 60_000;
		while (Date.now() < settle && (stack.smtp.received.length - mailsBefore < expected.mails || stack.robot.received.length - robotBefore < expected.robots)) await sleep(200);
		await sleep(2000);
		const mails = stack.smtp.received.slice(mailsBefore);
		const robots = stack.robot.received.slice(robotBefore);
		const mailKeys = mails.map((m) => `${m.to.join(',')} ${m.parsed.subject}`);
		rows.push(['100 reports in one minute (+20 repeated deliveries)', `sent over ${spanS.toFixed(1)} s; answers: ${firsts.filter((a) => a.status === 201).length}× 201, ${repeats.filter((a) => a.status === 200).length}× 200 (repeat), other ${answers.filter((a) => a.status !== 201 && a.status !== 200).length}`]);
		rows.push(['events opened', `${events.length} (expected 100); distinct numbers ${new Set(events.map((e) => e.event_no)).size}; keys answered with one number each ${[...byKey.values()].filter((v) => v.size === 1).length}/100`]);
		rows.push(['answer time under load', `p50 ${pct(firsts.map((a) => a.ms), 50)} ms, p95 ${pct(firsts.map((a) => a.ms), 95)} ms, max ${Math.max(...firsts.map((a) => a.ms))} ms`]);
		rows.push(['notifications', `mails ${mails.length}/${expected.mails} (distinct ${new Set(mailKeys).size}), robot messages ${robots.length}/${expected.robots}: lost ${expected.mails - new Set(mailKeys).size + Math.max(0, expected.robots - robots.length)}, doubled ${mails.length - new Set(mailKeys).size}`]);
	} finally {
		await stack.stop();
	}
	steps.print('Emergency hand-off through the real n8n (2-core machine)');
	console.log('\n| measure | result |\n|---|---|');
	for (const [a, b] of rows) console.log(`| ${a} | ${b} |`);
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exitCode = 1;
});
