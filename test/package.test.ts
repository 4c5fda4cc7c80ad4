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
