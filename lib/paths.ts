/**
 * Where the registry file is, and where a workflow may point it. n8n's own file nodes (Read/Write
 * Files from Disk) refuse paths outside N8N_RESTRICT_FILE_ACCESS_TO (folders separated by ";", "~"
 * for the home folder), comparing real paths so a link cannot lead outside; the registry file follows
 * the same rule.
 */
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RESTRICT_FILE_ACCESS_ENV = 'N8N_RESTRICT_FILE_ACCESS_TO';

export const REGISTRY_FILE_ENV = 'SMD_REGISTRY_PATH';

/**
 * Default registry file: $SMD_REGISTRY_PATH, else `<n8n user folder>/.n8n/smd/registry.sqlite`
 * (n8n keeps its own data in `$N8N_USER_FOLDER/.n8n`, default the home folder).
 */
export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
	if (env[REGISTRY_FILE_ENV]) return path.resolve(env[REGISTRY_FILE_ENV]!);
	return path.join(env.N8N_USER_FOLDER || os.homedir(), '.n8n', 'smd', 'registry.sqlite');
}


/** The allowed folders of N8N_RESTRICT_FILE_ACCESS_TO, as n8n reads them (empty: no restriction). */
export function allowedFileFolders(env: NodeJS.ProcessEnv = process.env): string[] {
	const value = env[RESTRICT_FILE_ACCESS_ENV] ?? '';
	return value
		.split(';')
		.map((p) => p.trim())
		.filter((p) => p !== '')
		.map((p) => (p.startsWith('~') ? p.replace('~', os.homedir()) : p));
}

/** The real path of `file`, resolving links in the part of it that exists (the file may not yet). */
export function realPathOf(file: string): string {
	let existing = path.resolve(file);
	const rest: string[] = [];
	for (;;) {
		try {
			return path.join(realpathSync(existing), ...rest);
		} catch {
			const parent = path.dirname(existing);
			if (parent === existing) return path.resolve(file);
			rest.unshift(path.basename(existing));
			existing = parent;
		}
	}
}

function contains(folder: string, file: string): boolean {
	const relative = path.relative(folder, file);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Whether `file` lies inside one of the allowed folders (always true when none are set). */
export function isFileAccessAllowed(file: string, env: NodeJS.ProcessEnv = process.env): boolean {
	const allowed = allowedFileFolders(env);
	if (allowed.length === 0) return true;
	const real = realPathOf(file);
	return allowed.some((folder) => contains(realPathOf(folder), real));
}
