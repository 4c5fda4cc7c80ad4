/**
 * The archive of generated reports: a folder per period under the county's output folder
 * (`<folder>/2026Q3/`), created when missing, each file written whole (to a temporary name, then
 * renamed) so an interrupted run never leaves half a PDF. Running again for the same period replaces
 * its files: the archive holds the latest pack of each quarter. File and folder names come from
 * data, so they are made safe (safeFileNamePart); the folder must lie inside
 * N8N_RESTRICT_FILE_ACCESS_TO when that is set, as for n8n's own file nodes.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SmdError } from './errors';
import { safeFileNamePart, uniqueFileNames } from './fileNames';
import { allowedFileFolders, isFileAccessAllowed } from './paths';

export interface ArchivedFile {
	fileName: string;
	path: string;
	bytes: number;
}

export class ArchiveError extends SmdError<'outside_allowed' | 'bad_folder'> {}

/** A file name made safe with its extension kept (the stem shortened and hashed when needed). */
function safeName(name: string): string {
	const dot = name.lastIndexOf('.');
	const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
	return safeFileNamePart(stem) + (/^\.[A-Za-z0-9]{1,8}$/.test(ext) ? ext : ext ? '.' + safeFileNamePart(ext.slice(1), 10) : '');
}

export async function archiveFiles(folder: string, subfolder: string, files: Array<{ fileName: string; data: Uint8Array }>): Promise<ArchivedFile[]> {
	if (!folder.trim() || !path.isAbsolute(folder)) throw new ArchiveError('bad_folder', 'the archive folder must be an absolute path', { field: 'folder' });
	const dir = subfolder.trim() ? path.join(folder, safeFileNamePart(subfolder.trim())) : folder;
	if (!isFileAccessAllowed(dir)) {
		throw new ArchiveError('outside_allowed', `the archive folder is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO (${allowedFileFolders().join('; ')})`, { field: 'folder' });
	}
	await mkdir(dir, { recursive: true, mode: 0o750 });
	const names = uniqueFileNames(files.map((f) => safeName(f.fileName || 'file')));
	const out: ArchivedFile[] = [];
	for (const [i, f] of files.entries()) {
		const target = path.join(dir, names[i]);
		const temp = path.join(dir, `.${names[i]}.${process.pid}.tmp`);
		try {
			await writeFile(temp, f.data, { mode: 0o640 });
			await rename(temp, target);
		} catch (error) {
			await rm(temp, { force: true });
			throw error;
		}
		out.push({ fileName: names[i], path: target, bytes: f.data.byteLength });
	}
	return out;
}
