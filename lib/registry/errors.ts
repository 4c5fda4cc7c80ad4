/**
 * Errors of the registry file, and SQLite's own errors explained: which file, what happened, what to
 * do (docs/rules.md §8: no message holds patient data; SQLite's never do either).
 */
import { SmdError } from '../errors';

export type RegistryErrorCode =
	| 'open'
	| 'not_registry'
	| 'schema'
	| 'locked'
	| 'corrupt'
	| 'read_only'
	| 'disk_full'
	| 'io'
	| 'conflict'
	| 'key_required'
	| 'not_allowed'
	| 'unavailable'
	| 'postgres'
	| 'sqlite';

/** A problem with the registry file or a write to it; `code` says which (see RegistryErrorCode). */
export class RegistryError extends SmdError<RegistryErrorCode> {}

/** SQLite's primary result codes that get their own explanation (extended codes are reduced to these). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** The SQLite result code of an error from node:sqlite, or null when it is not one. */
export function sqliteCode(error: unknown): number | null {
	const e = error as { code?: unknown; errcode?: unknown } | null;
	if (!e || e.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') return null;
	return e.errcode & 0xff;
}

/**
 * SQLite's own error, explained: which registry file, what happened, what to do. Returns the error
 * unchanged when it is not an SQLite error (or is already a RegistryError). SQLite's messages name
 * no data, but its text is not passed on either: "database is locked" means nothing to county staff.
 */
export function explainSqliteError(error: unknown, file: string): unknown {
	if (error instanceof RegistryError) return error;
	const code = sqliteCode(error);
	if (code === null) return error;
	switch (code) {
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			return new RegistryError('locked', `The registry file ${file} is locked by another writer (a registry import or another workflow may be running); wait until it has finished and run this again / 登记库文件正被其他任务写入（可能正在导入登记库），请待其完成后重试`);
		case SQLITE_CORRUPT:
			return new RegistryError('corrupt', `The registry file ${file} is damaged (SQLite: malformed); restore it from a backup, or import the registry export into a new Registry File / 登记库文件已损坏，请从备份恢复，或将登记库导出文件导入到新的登记库文件`);
		case SQLITE_NOTADB:
			return new RegistryError('not_registry', `${file} is not an SQLite file, so it cannot be the registry; check the Registry File setting / 该文件不是 SQLite 数据库，不能作为登记库，请检查“登记库文件”设置`);
		case SQLITE_READONLY:
			return new RegistryError('read_only', `The registry file ${file} is read-only for n8n; give the n8n user write access to the file and its folder / 登记库文件只读，请授予 n8n 运行用户对该文件及其文件夹的写权限`);
		case SQLITE_FULL:
			return new RegistryError('disk_full', `The disk holding the registry file ${file} is full; free space and run again / 登记库所在磁盘已满，请清理空间后重试`);
		case SQLITE_CANTOPEN:
			return new RegistryError('open', `The registry file ${file} cannot be opened; check that its folder exists and n8n may write there / 无法打开登记库文件，请检查文件夹是否存在、n8n 是否有写权限`);
		case SQLITE_IOERR:
			return new RegistryError('io', `Reading or writing the registry file ${file} failed (I/O error); check the disk and that the file is not on a network share / 登记库文件读写失败（I/O 错误），请检查磁盘，且不要放在网络共享上`);
		default:
			return new RegistryError('sqlite', `The registry file ${file} reported SQLite error ${code}; run again, and if it persists restore the file from a backup / 登记库文件返回 SQLite 错误 ${code}`);
	}
}
