/**
 * Where each township's daily work list goes: a CSV (UTF-8 or GBK) or XLSX with the columns 乡镇 and
 * 邮箱 (the township 精防专干's or health centre's address). Configuration, not patient data: a bad row
 * stops the read, naming its row, line and field.
 */
import { SmdInputError } from './errors';
import { matchColumns, openTable, type ReadTableOptions } from './tabular';

export const RECIPIENT_COLUMNS = {
	township: ['乡镇', '乡镇（街道）', '乡镇(街道)', '所属乡镇', '乡镇名称', 'township'],
	email: ['邮箱', '电子邮箱', '邮件地址', 'Email', 'email', 'E-mail'],
};

/** One address or several separated by , ; or spaces; each must look like name@domain. */
export function checkEmails(text: string, where: string, field = 'email'): string {
	const parts = text.split(/[\s,，;；]+/).filter((p) => p !== '');
	if (parts.length === 0) throw new SmdInputError('required', `${where}: 邮箱 is empty`, { field });
	for (const p of parts) {
		if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p)) throw new SmdInputError('invalid', `${where}: 邮箱 is not an e-mail address`, { field });
	}
	return parts.join(', ');
}

/** Township → address(es), in the file's order. */
export async function readRecipientsTable(data: Uint8Array, options: Pick<ReadTableOptions, 'fileName' | 'encoding' | 'sheet'> = {}): Promise<Map<string, string>> {
	const table = await openTable(data, { ...options, knownHeaders: Object.values(RECIPIENT_COLUMNS).flat() });
	const { fields } = matchColumns(table.headers, RECIPIENT_COLUMNS);
	if (!fields.township || !fields.email) {
		throw new SmdInputError('missing_column', 'the recipients table needs the columns 乡镇 and 邮箱', { field: fields.township ? 'email' : 'township' });
	}
	const out = new Map<string, string>();
	for await (const row of table.rows) {
		const where = `recipients table row ${row.row} (line ${row.line})`;
		const township = (row.values[fields.township] ?? '').trim();
		if (!township) throw new SmdInputError('required', `${where}: 乡镇 is empty`, { field: 'township', row: row.row, line: row.line });
		if (out.has(township)) throw new SmdInputError('duplicate', `${where}: 乡镇 is listed twice`, { field: 'township', row: row.row, line: row.line });
		out.set(township, checkEmails((row.values[fields.email] ?? '').trim(), where));
	}
	return out;
}
