/**
 * The editor looked at in a browser: Debian's Chromium (headless, driven by playwright-core) logs
 * into a running n8n, opens each bundled workflow and each node of this package, and saves
 * screenshots. Every problem is collected: a node the editor does not know ("This node is not
 * currently installed"), a workflow whose canvas shows fewer nodes than its file holds, a parameter
 * panel without parameters, a page error.
 *
 *   npm run screenshots      refresh docs/screenshots/ (starts the demo instance of `npm start`)
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Owner } from './localN8n';
import type { WorkflowJson } from './workflowJson';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PACKAGE_PREFIX = 'n8n-nodes-smd.';
/** n8n's texts for a node type it cannot load (nodeSettings.*Unknown.description in n8n 2.40). */
const UNKNOWN_NODE = /not currently installed|Install this node to use it/i;

export interface Shot {
	workflow: string;
	node?: string;
	file: string;
}
export interface NodeSeen {
	workflow: string;
	node: string;
	type: string;
	parameterInputs: number;
	title: string;
}
export interface EditorReport {
	problems: string[];
	shots: Shot[];
	nodes: NodeSeen[];
	canvasNodes: Record<string, number>;
	/** Workflows run from the editor's "Execute workflow" button: ms until every node showed success. */
	executed: Record<string, number>;
}

export interface CheckOptions {
	/**
	 * Click "Execute workflow" on each and wait for every node to succeed (inputs must exist). A
	 * workflow started by a webhook is not run from the button (it would wait for a call): its
	 * webhooks are tested by calling them (test/n8n/emergency.test.ts).
	 */
	execute?: boolean;
	/** Workflows where fewer nodes run from the button (a branch with nothing to do), by id: how many. */
	expectNodes?: Record<string, number>;
}

/** The escalation run by hand finds nothing overdue: Start, Settings, Escalate and Split Out run; nothing is sent. */
export const EXPECT_NODES: Record<string, number> = { smdEmergencyEsc1: 4, smdCountySync01: 3 };

/** Whether a workflow is started by an n8n Webhook node. */
export const startsByWebhook = (workflow: WorkflowJson): boolean => workflow.nodes.some((n) => n.type === 'n8n-nodes-base.webhook');

/** Launch flags for this machine's closed network (see the environment notes in README). */
export async function launchChromium(): Promise<Browser> {
	if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium fonts-noto-cjk) or set CHROMIUM_PATH`);
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--disable-dev-shm-usage',
		],
	});
}

const slug = (s: string) =>
	s
		.replace(/[^A-Za-z0-9]+/g, '-')
		.replace(/^-|-$/g, '')
		.toLowerCase();

async function dismissPopups(page: Page): Promise<void> {
	for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
}

export async function logIn(page: Page, url: string, owner: Owner): Promise<void> {
	await page.goto(`${url}/signin`, { waitUntil: 'domcontentloaded' });
	await page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(owner.email);
	await page.locator('input[type="password"]').first().fill(owner.password);
	await page.getByRole('button', { name: /sign in/i }).click();
	await page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 30_000 });
}

/**
 * Open each workflow and each of this package's nodes in it; screenshot both. `workflows` are the
 * files as imported (ids and node names come from them).
 */
export async function checkEditor(url: string, owner: Owner, workflows: WorkflowJson[], outDir: string, options: CheckOptions = {}): Promise<EditorReport> {
	mkdirSync(outDir, { recursive: true });
	const report: EditorReport = { problems: [], shots: [], nodes: [], canvasNodes: {}, executed: {} };
	const browser = await launchChromium();
	try {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
		const page = await context.newPage();
		page.on('pageerror', (error) => report.problems.push(`page error: ${error.message.split('\n')[0]}`));
		await logIn(page, url, owner);

		for (const workflow of workflows) {
			const wid = workflow.id as string;
			await page.goto(`${url}/workflow/${wid}`, { waitUntil: 'domcontentloaded' });
			const canvasNodes = page.locator('[data-test-id="canvas-node"]');
			try {
				await canvasNodes.first().waitFor({ timeout: 60_000 });
				await page.waitForFunction(`document.querySelectorAll('[data-test-id="canvas-node"]').length >= ${workflow.nodes.length}`, undefined, { timeout: 30_000 });
			} catch {
				report.problems.push(`${wid}: the canvas shows ${await canvasNodes.count()} of ${workflow.nodes.length} nodes`);
			}
			await dismissPopups(page);
			await page.waitForTimeout(800); // fit-to-view animation
			report.canvasNodes[wid] = await canvasNodes.count();
			if (options.execute && !startsByWebhook(workflow)) {
				const t0 = Date.now();
				await page.locator('[data-test-id="execute-workflow-button"]').first().click();
				const success = page.locator('[data-test-id="canvas-node-status-success"]');
				// A run starts from one trigger: in a workflow with a schedule and a manual start, the other stays idle.
				const triggers = workflow.nodes.filter((n) => /Trigger$/.test(n.type)).length;
				const runnable = options.expectNodes?.[wid] ?? workflow.nodes.length - Math.max(0, triggers - 1);
				try {
					await page.waitForFunction(`document.querySelectorAll('[data-test-id="canvas-node-status-success"]').length >= ${runnable}`, undefined, { timeout: 120_000 });
					report.executed[wid] = Date.now() - t0;
				} catch {
					const toast = await page.locator('.el-notification').allInnerTexts();
					report.problems.push(`${wid}: executed from the editor, ${await success.count()} of ${runnable} nodes succeeded ${toast.join(' | ').replace(/\s+/g, ' ')}`);
				}
				await dismissPopups(page);
				await page.waitForTimeout(500);
			}
			const canvasText = await page.locator('#app').innerText();
			if (UNKNOWN_NODE.test(canvasText)) report.problems.push(`${wid}: the canvas says a node is not installed`);
			const file = path.join(outDir, `workflow-${slug(wid)}.png`);
			await page.screenshot({ path: file });
			report.shots.push({ workflow: wid, file });

			for (const node of workflow.nodes.filter((n) => n.type.startsWith(PACKAGE_PREFIX))) {
				const where = `${wid} / ${node.type}`;
				const canvasNode = page.locator(`[data-test-id="canvas-node"][data-node-name="${node.name}"]`);
				if ((await canvasNode.count()) !== 1) {
					report.problems.push(`${where}: not on the canvas`);
					continue;
				}
				await canvasNode.dblclick();
				const ndv = page.locator('[data-test-id="ndv"]');
				try {
					await ndv.waitFor({ timeout: 20_000 });
					await ndv.locator('[data-test-id="parameter-input"]').first().waitFor({ timeout: 20_000 });
				} catch {
					report.problems.push(`${where}: the parameter panel did not render`);
				}
				await page.waitForTimeout(400);
				const text = (await ndv.count()) ? await ndv.innerText() : '';
				if (UNKNOWN_NODE.test(text)) report.problems.push(`${where}: n8n says the node is not installed`);
				const parameterInputs = await ndv.locator('[data-test-id="parameter-input"]').count();
				if (parameterInputs === 0) report.problems.push(`${where}: no parameters shown`);
				const title = (await page.locator('[data-test-id="node-title-container"]').first().innerText().catch(() => '')).trim();
				report.nodes.push({ workflow: wid, node: node.name, type: node.type, parameterInputs, title });
				const shot = path.join(outDir, `node-${slug(wid)}-${slug(node.name)}.png`);
				// The data panes are masked: the demo county is synthetic, but names and ID-shaped strings
				// have no place in committed images (精神卫生法 第四条).
				await page.screenshot({ path: shot, maskColor: '#c9ced6', mask: ['ndv-input-panel', 'ndv-output-panel', 'output-panel'].map((id) => page.locator(`[data-test-id="${id}"]`)) });
				report.shots.push({ workflow: wid, node: node.name, file: shot });
				const close = page.locator('[data-test-id="ndv-close-button"]');
				if (await close.count()) await close.first().click();
				else await page.keyboard.press('Escape');
				await ndv.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => report.problems.push(`${where}: the panel did not close`));
			}
		}
	} finally {
		await browser.close();
	}
	return report;
}

/** `npm run screenshots`: the `npm start` instance set up (not served by start.ts), checked, shots into docs/. */
async function main(): Promise<void> {
	const { setUp, serve, parseArgs } = await import('./start');
	const { DEMO_OWNER, freePort, prepareWorkflow, workflowFiles } = await import('./localN8n');
	const { PACKAGE_ROOT } = await import('./nodeTypes');
	const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
	const args = parseArgs(['--data', path.join(os.tmpdir(), 'smd-screenshots'), ...process.argv.slice(2)]);
	if (!args) return;
	// A fresh instance each time: the pictures show a first run (a second run of the referral workflow
	// finds every referral already sent, so its last nodes would have nothing to do).
	rmSync(args.data, { recursive: true, force: true });
	const setup = await setUp(args, log);
	const server = await serve(setup.instance, await freePort(), log);
	try {
		const workflows = workflowFiles().map((f) => prepareWorkflow(f, setup.instance));
		const out = path.join(PACKAGE_ROOT, 'docs', 'screenshots');
		const report = await checkEditor(server.url, DEMO_OWNER, workflows, out, { execute: true, expectNodes: EXPECT_NODES });
		for (const s of report.shots) log(`saved ${path.relative(PACKAGE_ROOT, s.file)}`);
		if (report.problems.length) throw new Error(`the editor check found problems:\n  ${report.problems.join('\n  ')}`);
	} finally {
		await server.stop();
	}
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(error.message);
		process.exitCode = 1;
	});
}
