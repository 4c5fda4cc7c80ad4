// Lint set-up of n8n's own community-node tooling (@n8n/node-cli's eslint config), without the
// n8n Cloud restrictions: this package is for self-hosted n8n (see README, "Lint rules turned off").
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { globalIgnores } from 'eslint/config';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const community = n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport;

/** Rules switched off, each for a reason given in README. */
const selfHostedPackage = {
	// The domain core needs zod, date-fns and opencc-js at run time; n8n installs a community
	// package's dependencies on self-hosted instances.
	'@n8n/community-nodes/no-runtime-dependencies': 'off',
};

export default tseslint.config(
	globalIgnores(['dist', 'node_modules', 'coverage', 'out', '.n8n-local']),
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, tseslint.configs.recommended],
		rules: { 'prefer-spread': 'off', 'no-console': 'error' },
	},
	{
		// The n8n-facing code. lib/ (the domain core) has no n8n import by design, so n8n's error
		// classes cannot apply there; nodes wrap its errors in NodeOperationError.
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		extends: [community],
		rules: selfHostedPackage,
	},
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{
		files: ['package.json'],
		extends: [community],
		rules: { ...n8nNodesBase.configs.community.rules, ...selfHostedPackage },
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The older plugin wants a camelCase slug; the community-nodes rule (kept) wants a real URL.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// Same exceptions as @n8n/node-cli: dynamic outputs and number limits are legitimate.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{
		// The domain core stays free of n8n: county integrators use it without n8n, and the nodes stay
		// thin adapters over it. Any n8n package imported under lib/ fails the lint.
		files: ['lib/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							regex: '^(n8n|n8n-.*|@n8n/.*)$',
							message: 'lib/ is the domain core and has no n8n import; put n8n plumbing in nodes/',
						},
					],
				},
			],
		},
	},
	{
		// Tests, benchmarks and dev scripts are not shipped (package.json "files"): they may print.
		files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: { 'no-console': 'off' },
	},
);
