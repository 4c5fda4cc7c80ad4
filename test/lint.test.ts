/**
 * The boundary of the domain core is enforced by the lint: an n8n import anywhere under lib/ is an
 * error (eslint.config.mjs, no-restricted-imports), while nodes/ may import n8n. ESLint's flat
 * config is an ES module, which jest's CommonJS sandbox cannot load, so the lint runs in a plain Node
 * process on fixture texts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

const LINT = `
const { ESLint } = require('eslint');
const cases = JSON.parse(process.argv[1]);
(async () => {
	const eslint = new ESLint({ cwd: process.cwd() });
	const out = [];
	for (const [code, file] of cases) {
		const [result] = await eslint.lintText(code, { filePath: require('node:path').join(process.cwd(), file) });
		out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => ({ severity: m.severity, message: m.message })));
	}
	process.stdout.write(JSON.stringify(out));
})();
`;

function lint(cases: Array<[string, string]>): Array<Array<{ severity: number; message: string }>> {
	return JSON.parse(execFileSync(process.execPath, ['-e', LINT, JSON.stringify(cases)], { cwd: root, encoding: 'utf8' }));
}

describe('lib/ has no n8n import', () => {
	test('any n8n package imported under lib/ fails the lint; nodes/ may import n8n; lib/ may import its own libraries', () => {
		const body = '\nexport const used = 1;\n';
		const results = lint([
			[`import { NodeOperationError } from 'n8n-workflow';${body}`, 'lib/lintFixture.ts'],
			[`import { BinaryDataService } from 'n8n-core';${body}`, 'lib/registry/lintFixture.ts'],
			[`import type { INodeType } from 'n8n-workflow';${body}`, 'lib/lintFixture.ts'],
			[`import { Container } from '@n8n/di';${body}`, 'lib/lintFixture.ts'],
			[`import { NodeOperationError } from 'n8n-workflow';\nexport const E = NodeOperationError;\n`, 'nodes/lintFixture.ts'],
			[`import { z } from 'zod';\nexport const s = z.string();\n`, 'lib/lintFixture.ts'],
		]);
		for (const messages of results.slice(0, 4)) {
			expect(messages).toEqual([{ severity: 2, message: expect.stringContaining('lib/ is the domain core and has no n8n import') }]);
		}
		expect(results.slice(4)).toEqual([[], []]);
	}, 120_000);
});
