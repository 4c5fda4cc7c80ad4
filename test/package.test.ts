/** The package as integrators and n8n see it: the built main entry, its types, and package.json. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../scripts/nodeTypes';

const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));

test("require('n8n-nodes-smd') exposes the domain core from dist/lib/index.js", () => {
	const script = `
		const m = require('n8n-nodes-smd');
		const out = {
			resolved: require.resolve('n8n-nodes-smd'),
			types: ['parseIdNumber', 'normalizeName', 'namesAgree', 'assessRisk'].map((f) => typeof m[f]),
			id: m.parseIdNumber('11010519491231002X').ok,
			agree: m.namesAgree('張偉', '张伟'),
			level: m.assessRisk({ date: '2026-01-01', riskLevel: 3, symptoms: 'none', insight: 'complete', socialFunction: 'good', adverseReaction: 'none', somaticDisease: 'none' }).classification,
		};
		process.stdout.write(JSON.stringify(out));`;
	const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: PACKAGE_ROOT, encoding: 'utf8' }));
	expect(out).toEqual({
		resolved: path.join(PACKAGE_ROOT, 'dist', 'lib', 'index.js'),
		types: ['function', 'function', 'function', 'function'],
		id: true,
		agree: true,
		level: 'unstable',
	});
});

test('the published types type-check a consumer and reject misuse', () => {
	const consumer = path.join(PACKAGE_ROOT, 'dist', '__consumer_check.ts');
	const source = `
		import { assessRisk, parseIdNumber, namesAgree, normalizeName, type Assessment } from 'n8n-nodes-smd';
		const p = parseIdNumber('x');
		const birth: string | undefined = p.ok ? p.birthDate : undefined;
		const a: Assessment = assessRisk({ date: '2026-01-01', symptoms: 'none', insight: 'complete', socialFunction: 'good', adverseReaction: 'none', somaticDisease: 'none' });
		const s: string = normalizeName('x') + String(namesAgree('a', 'b')) + a.classification + birth;
		// @ts-expect-error insight must be one of the codes
		assessRisk({ date: '2026-01-01', symptoms: 'none', insight: 'maybe', socialFunction: 'good', adverseReaction: 'none', somaticDisease: 'none' });
		export { s };`;
	const host = ts.createCompilerHost({});
	const original = host.readFile;
	host.readFile = (f) => (f === consumer ? source : original(f));
	const fileExists = host.fileExists;
	host.fileExists = (f) => f === consumer || fileExists(f);
	const program = ts.createProgram([consumer], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, types: ['node'] }, host);
	const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
	expect(diagnostics).toEqual([]);
});

test('package.json declares what n8n needs of a community package', () => {
	expect(pkg.name).toBe('n8n-nodes-smd');
	expect(pkg.keywords).toContain('n8n-community-node-package');
	expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
	expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
	expect(pkg.engines.node).toBe('>=24');
	expect(pkg.license).toBe('MIT');
	for (const file of pkg.n8n.nodes) {
		expect(file).toMatch(/^dist\/nodes\/.+\.node\.js$/);
		expect(existsSync(path.join(PACKAGE_ROOT, file))).toBe(true);
		const dir = path.dirname(path.join(PACKAGE_ROOT, file));
		const base = path.basename(file, '.js');
		expect(existsSync(path.join(dir, `${base}.json`))).toBe(true); // codex
		expect(existsSync(path.join(dir, 'smd.svg'))).toBe(true);
		expect(existsSync(path.join(dir, 'smd.dark.svg'))).toBe(true);
	}
});

describe('package hygiene (what `npm pack` gives n8n)', () => {
	const packed = () => {
		const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
		return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path).sort();
	};

	test('the tarball holds exactly dist (code, codex, icons, credentials), the templates, README, LICENSE and package.json', () => {
		const files = packed();
		const allowed = [/^dist\/lib\/.+\.(js|d\.ts)$/, /^dist\/nodes\/.+\.(js|node\.json|svg)$/, /^dist\/credentials\/\w+\.credentials\.js$/, /^dist\/templates\/[\w-]+\.hbs$/, /^(README\.md|LICENSE|package\.json)$/];
		expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
		const required = ['package.json', 'README.md', 'LICENSE', pkg.main, pkg.types, 'dist/templates/triage-summary.hbs'];
		for (const node of pkg.n8n.nodes as string[]) {
			const dir = path.dirname(node);
			required.push(node, node.replace(/\.js$/, '.json'), `${dir}/smd.svg`, `${dir}/smd.dark.svg`);
		}
		required.push(...(pkg.n8n.credentials as string[]));
		expect(required.filter((f) => !files.includes(f))).toEqual([]);
		// Every compiled node file the nodes load is in it (nothing required from outside the tarball).
		const built = execFileSync('find', ['dist/nodes', 'dist/lib', 'dist/credentials', '-name', '*.js'], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim().split('\n');
		expect(built.filter((f) => !files.includes(f))).toEqual([]);
	});

	test('every node has light and dark SVG icons, codex categories and a documentation link that README answers', () => {
		const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
		const anchors = new Set(
			readme
				.split('\n')
				.filter((l) => /^#{1,4} /.test(l))
				.map((l) => l.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-')),
		);
		const n8nCategories = ['AI', 'Analytics', 'Communication', 'Core Nodes', 'Data & Storage', 'Development', 'Finance & Accounting', 'HITL', 'Marketing', 'Miscellaneous', 'Productivity', 'Sales', 'Utility'];
		for (const node of pkg.n8n.nodes as string[]) {
			const dir = path.join(PACKAGE_ROOT, path.dirname(node));
			for (const icon of ['smd.svg', 'smd.dark.svg']) expect(readFileSync(path.join(dir, icon), 'utf8')).toMatch(/^<svg[^>]+viewBox="[\d. ]+"/);
			const codex = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, node.replace(/\.js$/, '.json')), 'utf8'));
			expect(codex.node).toMatch(/^n8n-nodes-smd\.smd\w+$/);
			expect(codex.categories.length).toBeGreaterThan(0);
			for (const c of codex.categories) expect(n8nCategories).toContain(c);
			const docs: string[] = codex.resources.primaryDocumentation.map((d: { url: string }) => d.url);
			expect(docs.length).toBeGreaterThan(0);
			for (const url of docs) {
				expect(url).toMatch(/^https:\/\/www\.npmjs\.com\/package\/n8n-nodes-smd#/);
				expect([url, anchors.has(url.split('#')[1])]).toEqual([url, true]);
			}
		}
	});
});
