/**
 * Tests for lib/tabular: reading CSV (UTF-8, BOM, GBK, UTF-16) and XLSX into rows that name their
 * line, cell issues reported without values, file-level errors, the writers and a streaming run.
 * Every fixture is built in memory (exceljs writes the XLSX ones); nothing is read from disk.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import JSZip from 'jszip';
import {
	detectFormat,
	iterateTable,
	looksLikeFormula,
	neutralizeFormula,
	normalizeHeader,
	openTable,
	readTable,
	sniffDelimiter,
	TableError,
	writeCsv,
	writeXlsx,
	type Table,
	type TableErrorCode,
} from '../../lib/tabular';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * GBK bytes for a string. Node has no GBK encoder, so the table is built by decoding every
 * two-byte GBK sequence with the (independent) WHATWG GB18030 decoder and inverting it.
 */
const GBK = (() => {
	const decoder = new TextDecoder('gb18030');
	const table = new Map<string, [number, number]>();
	for (let lead = 0x81; lead <= 0xfe; lead++) {
		for (let trail = 0x40; trail <= 0xfe; trail++) {
			if (trail === 0x7f) continue;
			const ch = decoder.decode(Uint8Array.of(lead, trail));
			if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [lead, trail]);
		}
	}
	return table;
})();

function gbk(text: string): Buffer {
	const out: number[] = [];
	for (const ch of text) {
		const code = ch.charCodeAt(0);
		if (code < 0x80) {
			out.push(code);
			continue;
		}
		const pair = GBK.get(ch);
		if (!pair) throw new Error(`no GBK code for U+${code.toString(16)}`);
		out.push(...pair);
	}
	return Buffer.from(out);
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

const ROOT = path.resolve(__dirname, '..', '..');

/** The TableError a promise rejects with (fails the test if it resolves or throws something else). */
async function tableError(promise: Promise<unknown>, code: TableErrorCode): Promise<TableError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(TableError);
	expect((error as TableError).code).toBe(code);
	return error as TableError;
}

/** Fails if any issue or error message repeats one of the given (sensitive) values. */
function expectNoValues(messages: string[], values: string[]): void {
	for (const message of messages) for (const value of values) expect(message).not.toContain(value);
}

function allMessages(table: Table): string[] {
	return table.rows.flatMap((r) => r.issues.map((i) => i.message));
}

async function xlsx(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
	const wb = new ExcelJS.Workbook();
	build(wb);
	return Buffer.from(await wb.xlsx.writeBuffer());
}

// The two example numbers printed in GB 11643-1999: checksum-valid, not real people.
const ID_A = '11010519491231002X';
const ID_B = '440524188001010014';

// ---------------------------------------------------------------------------------------------
// CSV: encodings
// ---------------------------------------------------------------------------------------------

describe('CSV encodings', () => {
	test('UTF-8: header normalised, values trimmed, rows and lines counted', async () => {
		const table = await readTable(utf8(`姓名 ,身份证号,ＩＤ 备注\n 张三 ,${ID_A},甲\n李四,${ID_B},乙\n`));
		expect(table.format).toBe('csv');
		expect(table.encoding).toBe('utf-8');
		expect(table.delimiter).toBe(',');
		expect(table.headers).toEqual(['姓名', '身份证号', 'ID备注']);
		expect(table.headerLine).toBe(1);
		expect(table.rows).toEqual([
			{ row: 1, line: 2, values: { 姓名: '张三', 身份证号: ID_A, ID备注: '甲' }, issues: [] },
			{ row: 2, line: 3, values: { 姓名: '李四', 身份证号: ID_B, ID备注: '乙' }, issues: [] },
		]);
	});

	test('UTF-8 with BOM: the BOM is not part of the first header', async () => {
		const table = await readTable(utf8(`\uFEFF姓名,性别\r\n张三,男\r\n`));
		expect(table.encoding).toBe('utf-8');
		expect(table.headers).toEqual(['姓名', '性别']);
		expect(table.rows[0].values).toEqual({ 姓名: '张三', 性别: '男' });
	});

	test('the GBK helper produces the GBK bytes of 姓名 (D0D5 C3FB)', () => {
		expect([...gbk('姓名')]).toEqual([0xd0, 0xd5, 0xc3, 0xfb]);
	});

	test('GBK bytes: auto-detected as GB18030; explicit gbk and gb18030 read the same', async () => {
		const bytes = Buffer.concat([
			gbk('姓名,身份证号,现住址\r\n'),
			// Hard-coded GBK for 张三 and 城关镇, independent of the helper.
			Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]),
			utf8(`,${ID_A},`),
			Buffer.from([0xb3, 0xc7, 0xb9, 0xd8, 0xd5, 0xf2]),
			utf8('\r\n'),
			gbk(`李四,${ID_B},"幸福路1号,2单元"\r\n`),
		]);
		for (const encoding of ['auto', 'gbk', 'gb18030'] as const) {
			const table = await readTable(bytes, { encoding });
			expect(table.encoding).toBe('gb18030');
			expect(table.headers).toEqual(['姓名', '身份证号', '现住址']);
			expect(table.rows.map((r) => r.values)).toEqual([
				{ 姓名: '张三', 身份证号: ID_A, 现住址: '城关镇' },
				{ 姓名: '李四', 身份证号: ID_B, 现住址: '幸福路1号,2单元' },
			]);
		}
	});

	test('strict UTF-8 on GBK bytes: bad_encoding naming the first bad line, not its content', async () => {
		const bytes = Buffer.concat([utf8('id,note\r\nP001,ok\r\n'), gbk('P002,张三\r\n'), gbk('P003,李四\r\n')]);
		const error = await tableError(readTable(bytes, { encoding: 'utf-8' }), 'bad_encoding');
		expect(error.line).toBe(3);
		expect(error.message).toContain('Line 3');
		expect(error.message).toContain('第 3 行');
		expectNoValues([error.message], ['张三', 'P002']);
	});

	test('bytes that are neither UTF-8 nor GB18030: bad_encoding with the line', async () => {
		const bytes = Buffer.concat([utf8('a,b\n1,2\n'), Buffer.from([0x31, 0x2c, 0x81, 0x20, 0x0a])]);
		const error = await tableError(readTable(bytes), 'bad_encoding');
		expect(error.line).toBe(3);
	});

	test('a UTF-8 file with one cut-off character is not misread as GBK: bad_encoding naming the line', async () => {
		const lines = ['姓名,现住址', ...Array.from({ length: 8 }, (_, i) => `张${i},城关镇幸福路${i}号`)];
		const bytes = utf8(lines.join('\n') + '\n');
		// Cut the last byte of 号 on line 7 (a field truncated by bytes).
		const at = bytes.indexOf(utf8('幸福路5号')) + utf8('幸福路5号').length - 1;
		const damaged = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
		const error = await tableError(readTable(damaged), 'bad_encoding');
		expect(error.line).toBe(7);
		expect(error.message).toContain('The file is UTF-8, but line 7');
		expectNoValues([error.message], ['张5', '幸福路']);
	});

	test('auto: bad_encoding names the first line valid in neither UTF-8 nor GB18030, not a good UTF-8 line', async () => {
		// Line 2 is valid UTF-8 that is not GB18030 (one character, then ASCII: E5 BC A0 2C…).
		expect(() => new TextDecoder('gb18030', { fatal: true }).decode(utf8('张,1'))).toThrow();
		const bytes = Buffer.concat([
			utf8('姓名,编号\n张,1\n'),
			gbk('李四,2\n'), // line 3: GBK, valid GB18030
			Buffer.from([0x31, 0x2c, 0x81, 0x20, 0x0a]), // line 4: invalid in both
			utf8('5,6\n'),
		]);
		const error = await tableError(readTable(bytes), 'bad_encoding');
		expect(error.line).toBe(4);
		expect(error.message).toContain('Line 4 is neither valid UTF-8 nor valid GB18030/GBK');
		expect(error.message).toContain('第 4 行既不是有效的 UTF-8 编码');
		expectNoValues([error.message], ['张', '李四']);
		// An explicit encoding still names the first line that is not valid in it.
		const explicit = await tableError(readTable(bytes, { encoding: 'gb18030' }), 'bad_encoding');
		expect(explicit.line).toBe(2);
		expect(explicit.message).toContain('Line 2 is not valid GB18030');
		const strict = await tableError(readTable(bytes, { encoding: 'utf-8' }), 'bad_encoding');
		expect(strict.line).toBe(3);
	});

	test('auto: a file mixing UTF-8 and GBK lines (each line valid in one) says so, naming both lines', async () => {
		const bytes = Buffer.concat([utf8('姓名,编号\n张,1\n'), gbk('李四,2\n王五,3\n')]);
		const error = await tableError(readTable(bytes), 'bad_encoding');
		expect(error.line).toBe(2);
		expect(error.message).toContain('The file mixes two encodings: line 2 is UTF-8 but line 3 is GBK/GB18030');
		expect(error.message).toContain('第 2 行是 UTF-8 编码，第 3 行却是 GBK/GB18030 编码');
		expectNoValues([error.message], ['张', '李四', '王五']);
	});

	test('damaged UTF-8: the line named is the one that is not valid UTF-8, not an earlier non-GB18030 line', async () => {
		// Lines 2–5 are valid UTF-8 but not GB18030; line 6 has a cut-off character.
		const lines = ['姓名,编号', '张,1', '李,2', '王,3', '赵,4', '钱,5', '孙,6'];
		const bytes = utf8(lines.join('\n') + '\n');
		const at = bytes.indexOf(utf8('钱')) + 1;
		const damaged = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
		const error = await tableError(readTable(damaged), 'bad_encoding');
		expect(error.line).toBe(6);
		expect(error.message).toContain('The file is UTF-8, but line 6');
		expectNoValues([error.message], ['钱', '张']);
	});

	test("UTF-16LE with BOM (Excel's Unicode Text, tab-delimited)", async () => {
		const text = `姓名\t身份证号\r\n张三\t${ID_A}\r\n`;
		const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
		const table = await readTable(bytes);
		expect(table.encoding).toBe('utf-16le');
		expect(table.delimiter).toBe('\t');
		expect(table.rows[0].values).toEqual({ 姓名: '张三', 身份证号: ID_A });
	});
});

// ---------------------------------------------------------------------------------------------
// CSV: structure
// ---------------------------------------------------------------------------------------------

describe('CSV structure', () => {
	test('delimiter sniffed from the header line: semicolon, tab; commas inside quotes do not count', async () => {
		expect(sniffDelimiter('姓名;身份证号;备注\n')).toBe(';');
		expect(sniffDelimiter('姓名\t身份证号\n')).toBe('\t');
		expect(sniffDelimiter('"a,b,c";d;e\n')).toBe(';');
		expect(sniffDelimiter('姓名,备注(a;b)\n')).toBe(',');
		expect(sniffDelimiter('标题\n\n姓名;性别\n')).toBe(';');
		const table = await readTable(utf8('姓名;地址\n张三;"城关镇;幸福路"\n'));
		expect(table.delimiter).toBe(';');
		expect(table.rows[0].values).toEqual({ 姓名: '张三', 地址: '城关镇;幸福路' });
		const forced = await readTable(utf8('a;b,c\n1;2,3\n'), { delimiter: ',' });
		expect(forced.headers).toEqual(['a;b', 'c']);
	});

	test('quoted fields with line breaks; lines count as a text editor shows them (CRLF, LF, CR)', async () => {
		const text = 'id,note\r\nA,"line one\r\nline two"\r\nB,"x\ny\nz"\nC,plain\rD,"say ""hi"""\r\n';
		const table = await readTable(utf8(text));
		expect(table.rows.map((r) => [r.values.id, r.line])).toEqual([
			['A', 2],
			['B', 4],
			['C', 7],
			['D', 8],
		]);
		expect(table.rows[0].values.note).toBe('line one\r\nline two');
		expect(table.rows[3].values.note).toBe('say "hi"');
	});

	test('blank rows (empty or only delimiters) are skipped and not counted; lines still right', async () => {
		const table = await readTable(utf8('\n\na,b\n1,2\n\n,\n  ,  \n3,4\n\n'));
		expect(table.headerLine).toBe(3);
		expect(table.rows.map((r) => [r.row, r.line, r.values.a])).toEqual([
			[1, 4, '1'],
			[2, 8, '3'],
		]);
	});

	test('ragged rows: missing cells are empty, extra cells kept as column_N with an issue', async () => {
		const table = await readTable(utf8(`姓名,身份证号,地址\n张三\n李四,${ID_B},城关镇,幸福路1号\n王五,,,\n`));
		expect(table.rows.map((r) => r.values)).toEqual([
			{ 姓名: '张三', 身份证号: '', 地址: '' },
			{ 姓名: '李四', 身份证号: ID_B, 地址: '城关镇', column_4: '幸福路1号' },
			// Trailing empty cells (a trailing delimiter) are not extra data.
			{ 姓名: '王五', 身份证号: '', 地址: '' },
		]);
		expect(table.headers).toEqual(['姓名', '身份证号', '地址', 'column_4']);
		const issue = table.rows[1].issues.find((i) => i.code === 'extra_cells');
		expect(issue?.field).toBe('column_4');
		expect(issue?.message).toContain('Row 2 (line 3)');
		expectNoValues(allMessages(table), ['幸福路1号', '李四', ID_B]);
		expect(table.rows[0].issues).toEqual([]);
		expect(table.rows[2].issues).toEqual([]);
	});

	test('blank header cells get column_N names; trailing blank header cells are not columns', async () => {
		const table = await readTable(utf8('姓名,,性别,,\n张三,备注,男,,\n'));
		expect(table.headers).toEqual(['姓名', 'column_2', '性别']);
		expect(table.rows[0].values).toEqual({ 姓名: '张三', column_2: '备注', 性别: '男' });
	});

	test('duplicate header (also after normalising spaces and full-width forms) → duplicate_header naming it', async () => {
		let error = await tableError(readTable(utf8('姓名,身份证号,身份证号 \n张三,1,2\n')), 'duplicate_header');
		expect(error.columns).toEqual(['身份证号']);
		expect(error.line).toBe(1);
		expect(error.message).toContain('“身份证号”');
		expect(error.message).toContain('columns 2 and 3, B and C');
		error = await tableError(readTable(utf8('ID,ＩＤ\n1,2\n')), 'duplicate_header');
		expect(error.columns).toEqual(['ID']);
	});

	test('required headers with aliases: matched by any alias, ignoring spaces, case, * and colons', async () => {
		const table = await readTable(utf8('* 姓名,IDNUMBER：,备注\n张三,1,x\n'), {
			requiredHeaders: [
				['姓名', 'name'],
				['身份证号', 'idNumber'],
			],
		});
		expect(table.matchedHeaders).toEqual(['*姓名', 'IDNUMBER:']);
	});

	test('missing required column → missing_column naming every missing column (with aliases)', async () => {
		const error = await tableError(
			readTable(utf8('姓名,性别\n张三,男\n'), {
				requiredHeaders: [['姓名'], ['身份证号', '公民身份号码', 'idNumber'], ['现住址']],
			}),
			'missing_column',
		);
		expect(error.columns).toEqual(['身份证号', '现住址']);
		expect(error.line).toBe(1);
		expect(error.message).toContain('身份证号 (or 公民身份号码, idNumber)');
		expect(error.message).toContain('现住址');
		expect(error.message).toContain('缺少必需的列');
		expectNoValues([error.message], ['张三']);
	});

	test('title rows above the header are skipped and returned as the preamble', async () => {
		const text = 'XX县严重精神障碍患者名单\n导出时间：2026-03-05,,,\n\n序号,姓名,身份证号\n1,张三,' + ID_A + '\n';
		const table = await readTable(utf8(text));
		expect(table.preamble).toEqual(['XX县严重精神障碍患者名单', '导出时间：2026-03-05']);
		expect(table.headerLine).toBe(4);
		expect(table.headers).toEqual(['序号', '姓名', '身份证号']);
		expect(table.rows).toHaveLength(1);
		expect(table.rows[0].line).toBe(5);
		// With required headers the header row is found even after a two-cell title row.
		const withRequired = await readTable(utf8('名单,2026年\n姓名,身份证号\n张三,1\n'), { requiredHeaders: [['身份证号']] });
		expect(withRequired.headerLine).toBe(2);
		expect(withRequired.preamble).toEqual(['名单 2026年']);
	});

	test('a one-column file keeps its first row as the header', async () => {
		const table = await readTable(utf8(`身份证号\n${ID_A}\n${ID_B}\n`));
		expect(table.headers).toEqual(['身份证号']);
		expect(table.rows).toHaveLength(2);
	});

	test('a header named __proto__ is an ordinary column (no prototype tricks)', async () => {
		const table = await readTable(utf8('__proto__,constructor\n{"polluted":1},x\n'));
		const values = table.rows[0].values;
		expect(Object.keys(values)).toEqual(['__proto__', 'constructor']);
		expect(Object.getOwnPropertyDescriptor(values, '__proto__')?.value).toBe('{"polluted":1}');
		expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	test('header but no data rows → a table with no rows (not an error)', async () => {
		const table = await readTable(utf8('姓名,身份证号\r\n\r\n'));
		expect(table.headers).toEqual(['姓名', '身份证号']);
		expect(table.rows).toEqual([]);
	});

	test('unclosed quote → bad_csv naming the line where the record starts', async () => {
		const error = await tableError(readTable(utf8('a,b\n1,2\n3,"never closed\n5,6\n')), 'bad_csv');
		expect(error.line).toBe(3);
		expect(error.message).toContain('line 3');
	});

	test('one line longer than maxRecordChars → bad_csv "record too long", not an unclosed quote', async () => {
		const long = 'x'.repeat(500);
		// Quoted fields that are properly closed (with "" and delimiters inside) do not make it a quote error.
		for (const line3 of [`3,${long}`, `3,"a ""b"", c",${long}`, `"3",小名"毛毛"${long}`]) {
			const data = utf8(`a,b\n1,2\n${line3}\n5,6\n`);
			const error = await tableError(readTable(data, { maxRecordChars: 200 }), 'bad_csv');
			expect(error.line).toBe(3);
			expect(error.message).toBe(
				'The record at line 3 is longer than 200 characters; records that long are not supported — shorten that line or split it into several records / ' +
					'第 3 行的记录超过 200 个字符，不支持这么长的记录；请缩短该行或拆分为多条记录',
			);
		}
		// GBK (bytes scanned) and the last line without a line break.
		const gb = await tableError(readTable(gbk(`姓名,备注\n张三,${'测'.repeat(300)}`), { maxRecordChars: 200 }), 'bad_csv');
		expect(gb.line).toBe(2);
		expect(gb.message).toContain('The record at line 2 is longer than 200 characters');
		expectNoValues([gb.message], ['张三', '测']);
		// UTF-16 (code units scanned), CRLF line ends.
		const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`a\tb\r\n1\t2\r\n3\t${long}\r\n`, 'utf16le')]);
		expect((await tableError(readTable(u16, { maxRecordChars: 200 }), 'bad_csv')).message).toContain('The record at line 3 is longer than');
	});

	test('a record past maxRecordChars that runs over several lines → unclosed-quote message', async () => {
		const rest = Array.from({ length: 50 }, (_, i) => `${i},城关镇幸福路${i}号`).join('\n');
		const expected =
			'The record starting at line 3 is longer than 100 characters; most likely an opening quote (") there is never closed / ' +
			'从第 3 行开始的记录超过 100 个字符，很可能是该处的双引号（"）没有闭合';
		let error = await tableError(readTable(utf8(`a,b\n1,2\n3,"never closed\n${rest}\n`), { maxRecordChars: 100 }), 'bad_csv');
		expect(error.line).toBe(3);
		expect(error.message).toBe(expected);
		// A quote opened after "" pairs and closed quoted fields on the same line.
		error = await tableError(readTable(utf8(`a,b\n1,2\n"x ""y""",z,"open\n${rest}\n`), { maxRecordChars: 100 }), 'bad_csv');
		expect(error.message).toBe(expected);
		// A line that itself passes the limit inside a quote that is never closed: still the quote.
		error = await tableError(readTable(utf8(`a,b\n1,2\n3,"${'x'.repeat(500)}`), { maxRecordChars: 100 }), 'bad_csv');
		expect(error.message).toBe(expected);
		expectNoValues([error.message], ['城关镇', 'xxx']);
	});

	test('maxRecordChars: a whole number of MiB is said in MB; records within the limit read; bad values rejected', async () => {
		const data = utf8(`a,b\n1,${'x'.repeat((1 << 20) + 10)}\n`); // spans the 1 MiB chunk boundary
		const error = await tableError(readTable(data, { maxRecordChars: 1 << 20 }), 'bad_csv');
		expect(error.message).toContain('The record at line 2 is longer than 1 MB; records that long are not supported');
		expect(error.message).toContain('第 2 行的记录超过 1 MB');
		const table = await readTable(data, { maxCellLength: 2 << 20 });
		expect(table.rows[0].values.b).toHaveLength((1 << 20) + 10);
		await expect(readTable(utf8('a\n1\n'), { maxRecordChars: 0 })).rejects.toThrow(RangeError);
		await expect(readTable(utf8('a\n1\n'), { maxRecordChars: 1.5 })).rejects.toThrow(RangeError);
	});

	test('stray quotes inside unquoted fields are kept as characters', async () => {
		const table = await readTable(utf8('姓名,备注\n张三,小名"毛毛"\n'));
		expect(table.rows[0].values.备注).toBe('小名"毛毛"');
	});
});

// ---------------------------------------------------------------------------------------------
// Cell issues
// ---------------------------------------------------------------------------------------------

describe('cell issues', () => {
	test('a 10,000-character cell: value kept, too_long issue without the value', async () => {
		const long = '长'.repeat(10_000);
		const table = await readTable(utf8(`姓名,备注\n张三,"${long}"\n李四,短\n`));
		expect(table.rows[0].values.备注).toBe(long);
		expect(table.rows[0].issues).toEqual([{ field: '备注', code: 'too_long', message: expect.stringContaining('10000 characters') }]);
		expect(table.rows[0].issues[0].message).toContain('Row 1 (line 2), column “备注”');
		expect(table.rows[0].issues[0].message.length).toBeLessThan(300);
		expect(table.rows[1].issues).toEqual([]);
		const relaxed = await readTable(utf8(`备注\n"${long}"\n`), { maxCellLength: 20_000 });
		expect(relaxed.rows[0].issues).toEqual([]);
	});

	test("formula injection (=cmd|' /C calc'!A0 and friends): kept verbatim, flagged, never evaluated", async () => {
		const cells = ["=cmd|' /C calc'!A0", '@SUM(A1:A9)', '+1+1', '-2+3', '=HYPERLINK("http://x","y")'];
		const text = ['姓名,备注', ...cells.map((c, i) => `张${i},"${c.replace(/"/g, '""')}"`)].join('\n');
		const table = await readTable(utf8(text));
		expect(table.rows.map((r) => r.values.备注)).toEqual(cells);
		for (const row of table.rows) {
			expect(row.issues).toEqual([{ field: '备注', code: 'formula', message: expect.any(String) }]);
		}
		expectNoValues(allMessages(table), [...cells, 'cmd', 'calc']);
	});

	test('signed numbers and phone numbers are not formulas', async () => {
		const cells = ['-5', '-3.5', '+86 138 0013 8000', '+8613800138000', '--', '-', '(0755)-1234'];
		const table = await readTable(utf8(['备注', ...cells.map((c) => `"${c}"`)].join('\n')));
		expect(table.rows.map((r) => r.values.备注)).toEqual(cells);
		expect(table.rows.flatMap((r) => r.issues)).toEqual([]);
	});

	test('control characters are reported (tab and line breaks are not)', async () => {
		const table = await readTable(utf8('姓名,备注\n张\u0007三,"a\tb\nc"\n李四,\u202Eabc\n'));
		expect(table.rows[0].issues).toEqual([{ field: '姓名', code: 'control_chars', message: expect.any(String) }]);
		expect(table.rows[0].values.姓名).toBe('张\u0007三');
		expect(table.rows[1].issues.map((i) => i.code)).toEqual(['control_chars']);
		expectNoValues(allMessages(table), ['张', '李四']);
	});

	test('looksLikeFormula / neutralizeFormula (OWASP prefixes, signed numbers spared)', () => {
		for (const f of ['=1+1', '@A1', '+A1', '-A1', '\t=1', '\r=1', '+1+1', '-2+3', '-cmd|x']) {
			expect(looksLikeFormula(f)).toBe(true);
			expect(neutralizeFormula(f)).toBe(`'${f}`);
		}
		for (const s of ['', '张三', '-5', '-1,234.5', '+86 13800138000', '--', 'a=b', "'=1"]) {
			expect(looksLikeFormula(s)).toBe(false);
			expect(neutralizeFormula(s)).toBe(s);
		}
	});

	test('normalizeHeader: NFKC and no spaces', () => {
		expect(normalizeHeader(' 身份证号 ')).toBe('身份证号');
		expect(normalizeHeader('乡镇（街道）')).toBe('乡镇(街道)');
		expect(normalizeHeader('身份证\n号码\u3000')).toBe('身份证号码');
	});
});

// ---------------------------------------------------------------------------------------------
// Header trust: knownHeaders, headerTrusted, no echo of a header that may be data
// ---------------------------------------------------------------------------------------------

describe('header trust', () => {
	const KNOWN = ['姓名', '身份证号', '公民身份号码', '现住址', '地址', '备注', '联系电话'];

	test('knownHeaders: the row with known names is the header, beating a two-cell title row', async () => {
		const text = `XX县公安局,2026年11月\n姓名,身份证号,现住址\n张三,${ID_A},城关镇\n`;
		const table = await readTable(utf8(text), { knownHeaders: KNOWN });
		expect(table.headerLine).toBe(2);
		expect(table.headers).toEqual(['姓名', '身份证号', '现住址']);
		expect(table.preamble).toEqual(['XX县公安局 2026年11月']);
		expect(table.headerTrusted).toBe(true);
		expect(table.rows.map((r) => r.values.姓名)).toEqual(['张三']);
		// Without knownHeaders the title row is taken for the header (the case knownHeaders fixes).
		expect((await readTable(utf8(text))).headerLine).toBe(1);
	});

	test('knownHeaders: wide title rows, one known word in a title, spacing and case; one-column headers', async () => {
		// Row 1: 4 cells; row 2 has one known name among 2 cells (not enough); row 3 is the header.
		const text = `XX县公安局,2026年11月,第1页,共3页\n名单,姓名\n* 姓 名,身份证号：,性别\n张三,${ID_A},男\n`;
		const table = await readTable(utf8(text), { knownHeaders: KNOWN });
		expect(table.headerLine).toBe(3);
		expect(table.headers).toEqual(['*姓名', '身份证号:', '性别']);
		expect(table.headerTrusted).toBe(true);
		const one = await readTable(utf8(`导出名单\n\n身份证号\n${ID_A}\n`), { knownHeaders: KNOWN });
		expect(one.headerLine).toBe(3);
		expect(one.rows).toHaveLength(1);
		// requiredHeaders still decides first when given.
		const both = await readTable(utf8(`姓名,备注\n姓名,身份证号\n张三,1\n`), { knownHeaders: KNOWN, requiredHeaders: [['身份证号']] });
		expect(both.headerLine).toBe(2);
	});

	test('headerTrusted without knownHeaders: false when a header cell holds 6+ digits, a date or an ID-like text', async () => {
		const trusted = async (header: string) => (await readTable(utf8(`${header}\n1,2,3\n`))).headerTrusted;
		expect(await trusted('姓名,身份证号,2026年随访次数')).toBe(true);
		expect(await trusted('序号,编号123,电话')).toBe(true);
		expect(await trusted(`张三,${ID_A},城关镇`)).toBe(false);
		expect(await trusted('张三,13800138000,男')).toBe(false);
		expect(await trusted('张三,2026-03-05,男')).toBe(false);
		expect(await trusted('张三,2026/3/5,男')).toBe(false);
		expect(await trusted('张三,2026年3月5日,男')).toBe(false);
		expect(await trusted('张三,110101********123X,男')).toBe(false);
		expect(await trusted('张三,110***********1234,男')).toBe(false); // masked: no 6-digit run
		expect(await trusted('张三,１１０１０１１９９００３０７１２３４,男')).toBe(false); // full-width digits
		// With knownHeaders: trusted exactly when the header row has a known name.
		expect((await readTable(utf8('姓名,备注\n1,2\n'), { knownHeaders: KNOWN })).headerTrusted).toBe(true);
		expect((await readTable(utf8('张三,男\n1,2\n'), { knownHeaders: KNOWN })).headerTrusted).toBe(false);
		expect((await openTable(utf8(`张三,${ID_A}\n1,2\n`))).headerTrusted).toBe(false);
	});

	test('CSV without a header row: no issue message contains the first row (the "header") nor any value', async () => {
		const first = ['张三', '110101199003071234', '城关镇幸福路1号'];
		const text = [
			first.join(','),
			`李四,${ID_B},"=cmd|' /C calc'!A0",多出来的
王五,${ID_A},"${'长'.repeat(60)}"`,
			`赵六,\u0007${ID_A},正常`,
		].join('\n');
		const table = await readTable(utf8(text), { maxCellLength: 50 });
		expect(table.headerTrusted).toBe(false);
		expect(table.headers).toEqual([...first, 'column_4']);
		const issues = table.rows.flatMap((r) => r.issues);
		expect(issues.map((i) => `${i.field}:${i.code}`)).toEqual([
			'城关镇幸福路1号:formula',
			'column_4:extra_cells',
			'城关镇幸福路1号:too_long',
			'110101199003071234:control_chars',
		]);
		expect(issues[0].message).toBe(
			'Row 1 (line 2), column C (3): the cell starts like a spreadsheet formula (= + - @); kept as text and never evaluated / ' +
				'第 1 条记录（第 2 行）第 3 列（C 列）：内容以 = + - @ 开头，像电子表格公式；按文本保留，不会计算',
		);
		expect(issues[1].message).toContain('kept from column D (4) on');
		expect(issues[1].message).toContain('自第 4 列（D 列）起');
		expect(issues[2].message).toContain('Row 2 (line 3), column C (3): the cell has 60 characters');
		expect(issues[3].message).toContain('Row 3 (line 4), column B (2)');
		expectNoValues(allMessages(table), [...first, '张三', '1101', '199003071234', '幸福路', '李四', '王五', '赵六', ID_A, ID_B, 'cmd', '多出来', '长长', '“']);
	});

	test('XLSX without a header row: formula, error and lost-precision issues name columns by position', async () => {
		const data = await xlsx((wb) => {
			const ws = wb.addWorksheet('S');
			ws.addRow(['张三', ID_A, '2026-03-05']);
			ws.addRow(['李四', 110105194912310000, { formula: 'A1&B1', result: 'x' }]);
			ws.addRow(['王五', { error: '#N/A' }, '']);
		});
		const table = await readTable(data);
		expect(table.headerTrusted).toBe(false);
		const issues = table.rows.flatMap((r) => r.issues);
		expect(issues.map((i) => `${i.field}:${i.code}`)).toEqual([`${ID_A}:lost_precision`, '2026-03-05:formula', `${ID_A}:error_value`]);
		expect(issues[0].message).toContain('Row 1 (sheet row 2), column B (2)');
		expect(issues[1].message).toContain('第 1 条记录（第 2 行）第 3 列（C 列）');
		expect(issues[2].message).toContain('#N/A');
		expectNoValues(allMessages(table), ['张三', ID_A, '11010519491231', '2026-03-05', '李四', '王五', '“']);
	});

	test('duplicate_header on an untrusted header names positions only; on a trusted one, the name', async () => {
		let error = await tableError(readTable(utf8(`张三,${ID_A},张三\n李四,${ID_B},李四\n`)), 'duplicate_header');
		expect(error.line).toBe(1);
		expect(error.columns).toBeUndefined();
		expect(error.message).toBe(
			'Header row (line 1): column A (1) and column C (3) have the same name; this row may be data rather than a header — rename one of them, or add a header row / ' +
				'表头（第 1 行）：第 1 列（A 列）和第 3 列（C 列）列名相同；该行可能是数据而不是表头——请修改其中一个列名，或添加表头行',
		);
		// No digits in the row, but none of the known headers either: untrusted.
		error = await tableError(readTable(utf8('张三,男,张三\n'), { knownHeaders: KNOWN }), 'duplicate_header');
		expectNoValues([error.message], ['张三']);
		expect(error.message).toContain('column A (1) and column C (3)');
		// Trusted (a known header in the row): named as before.
		error = await tableError(readTable(utf8('姓名,备注,备注\n'), { knownHeaders: KNOWN }), 'duplicate_header');
		expect(error.columns).toEqual(['备注']);
		expect(error.message).toContain('column name “备注” appears twice (columns 2 and 3, B and C)');
	});

	test('a trusted header: messages name the column by its header, as before', async () => {
		const table = await readTable(utf8('姓名,备注\n张三,=1+1\n'), { knownHeaders: KNOWN });
		expect(table.headerTrusted).toBe(true);
		expect(table.rows[0].issues).toEqual([{ field: '备注', code: 'formula', message: expect.stringContaining('Row 1 (line 2), column “备注”') }]);
		expect(table.rows[0].issues[0].message).toContain('第 1 条记录（第 2 行）“备注”列');
		const extra = await readTable(utf8('姓名,备注\n张三,x,y\n'));
		expect(extra.headerTrusted).toBe(true);
		expect(extra.rows[0].issues[0].message).toContain('kept as column_3');
	});
});

// ---------------------------------------------------------------------------------------------
// File-level errors
// ---------------------------------------------------------------------------------------------

describe('file-level errors', () => {
	test('empty file and whitespace-only file → empty', async () => {
		await tableError(readTable(Buffer.alloc(0)), 'empty');
		await tableError(readTable(utf8(' \r\n\t\n')), 'empty');
		await tableError(readTable(utf8('\uFEFF')), 'empty');
	});

	test('only delimiters → no_header', async () => {
		await tableError(readTable(utf8(',,,\n,,\n')), 'no_header');
	});

	test('binary junk, PDF and HTML → not_a_table', async () => {
		const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256));
		await tableError(readTable(junk), 'not_a_table');
		await tableError(readTable(utf8('%PDF-1.7\n1 0 obj\n')), 'not_a_table');
		const html = await tableError(readTable(utf8('<html><body><table><tr><td>张三</td></tr></table>'), { fileName: '名单.xls' }), 'not_a_table');
		expect(html.message).toContain('.xlsx');
	});

	test('old .xls (OLE2) → unsupported_format; text named .xlsx or a non-workbook zip → bad_xlsx', async () => {
		const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
		await tableError(readTable(ole, { fileName: 'list.xls' }), 'unsupported_format');
		await tableError(readTable(utf8('a,b\n1,2\n'), { fileName: 'list.xlsx' }), 'bad_xlsx');
		await tableError(readTable(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 1, 2, 3])), 'bad_xlsx');
	});

	test('format detection: zip → xlsx whatever the name; a text .xls or .csv → csv', () => {
		expect(detectFormat(Buffer.from([0x50, 0x4b, 0x03, 0x04]), 'x.csv')).toBe('xlsx');
		expect(detectFormat(utf8('a\tb\n'), 'export.xls')).toBe('csv');
		expect(detectFormat(utf8('a,b\n'))).toBe('csv');
	});

	test('error messages never contain cell values', async () => {
		const messages: string[] = [];
		const grab = (p: Promise<unknown>) => p.catch((e: Error) => messages.push(e.message));
		await grab(readTable(Buffer.concat([utf8('姓名\n'), gbk('张三丰\n')]), { encoding: 'utf-8' }));
		await grab(readTable(utf8(`张三丰,${ID_A}\n1,2\n`), { requiredHeaders: [['姓名']] }));
		await grab(readTable(utf8(`姓名\n"张三丰,${ID_A}\n`)));
		expect(messages).toHaveLength(3);
		expectNoValues(messages, ['张三丰', ID_A]);
	});
});

// ---------------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------------

describe('XLSX', () => {
	const workbook = () =>
		xlsx((wb) => {
			const hidden = wb.addWorksheet('隐藏', { state: 'hidden' });
			hidden.addRow(['secret']);
			hidden.addRow(['1']);

			const ws = wb.addWorksheet('患者名单');
			ws.addRow(['姓名', '身份证号', '电话', '出生日期', '随访时间', '金额', '在管', '合计', '乡镇', '备注', '编码']);
			const richText = { richText: [{ text: '富' }, { font: { bold: true }, text: '文本' }] };
			const link = { text: '链接文字', hyperlink: 'https://example.invalid/p/1' };
			const birth = new Date(Date.UTC(1949, 11, 31));
			const visit = new Date(Date.UTC(2026, 2, 5, 14, 30, 0));
			ws.addRow(['张三', ID_A, 13800138000, birth, visit, 0.1 + 0.2, true, { formula: 'SUM(F2:F3)', result: 3 }, '城关镇', richText, 1234]);
			ws.addRow([]); // blank row 3
			// An ID number typed as a number: Excel has already dropped its last digits.
			ws.addRow(['李四', 110105194912310000, '+86 13800138000', '1950-01-01', null, -5, false, { sharedFormula: 'H2', result: 9 }, '', link, 42]);
			ws.addRow(['王五', { error: '#N/A' }, null, null, null, null, null, null, null, "=cmd|' /C calc'!A0", null]);
			// Merged cells: the value belongs to the top-left cell only.
			ws.mergeCells('I4:I5');
			ws.getCell('I4').value = '城关镇';
			ws.getCell('D2').numFmt = 'yyyy"年"m"月"d"日"';
			ws.getCell('E2').numFmt = 'yyyy-mm-dd hh:mm';
			ws.getCell('K2').numFmt = '000000';
			ws.getCell('K4').numFmt = '#,##0';

			const second = wb.addWorksheet('第二页');
			second.addRow(['序号', '姓名']);
			second.addRow([1, '赵六']);
		});

	test('first visible sheet by default; cell types as text; blank rows skipped; lines are Excel rows', async () => {
		const table = await readTable(await workbook(), { fileName: 'list.xlsx' });
		expect(table.format).toBe('xlsx');
		expect(table.encoding).toBeUndefined();
		expect(table.sheet).toBe('患者名单');
		expect(table.rows.map((r) => [r.row, r.line])).toEqual([
			[1, 2],
			[2, 4],
			[3, 5],
		]);
		const [a, b, c] = table.rows.map((r) => r.values);
		expect(a).toEqual({
			姓名: '张三',
			身份证号: ID_A,
			电话: '13800138000',
			出生日期: '1949-12-31',
			随访时间: '2026-03-05 14:30:00',
			金额: '0.3',
			在管: 'TRUE',
			合计: '=SUM(F2:F3)',
			乡镇: '城关镇',
			备注: '富文本',
			编码: '001234',
		});
		expect(b).toEqual({
			姓名: '李四',
			身份证号: '1.1010519491231E+17',
			电话: '+86 13800138000',
			出生日期: '1950-01-01',
			随访时间: '',
			金额: '-5',
			在管: 'FALSE',
			合计: '=SUM(F4:F5)',
			乡镇: '城关镇',
			备注: '链接文字',
			编码: '42',
		});
		expect(c.乡镇).toBe(''); // the lower half of the merged range
		expect(c.身份证号).toBe('');
		expect(c.备注).toBe("=cmd|' /C calc'!A0");
	});

	test('formula cells, error cells and lost precision are reported per cell', async () => {
		const table = await readTable(await workbook());
		const codes = table.rows.map((r) => r.issues.map((i) => `${i.field}:${i.code}`));
		expect(codes[0]).toEqual(['合计:formula']);
		expect(codes[1]).toEqual(['身份证号:lost_precision', '合计:formula']);
		expect(codes[2]).toEqual(['身份证号:error_value', '备注:formula']);
		const errorIssue = table.rows[2].issues[0];
		expect(errorIssue.message).toContain('#N/A');
		expect(errorIssue.message).toContain('Row 3 (sheet row 5), column “身份证号”');
		expectNoValues(allMessages(table), ['张三', '李四', '王五', '110105194912310000', '1.1010519491231E+17', 'cmd']);
	});

	test('other sheets by name or 1-based visible index; hidden sheets only by name', async () => {
		const data = await workbook();
		expect((await readTable(data, { sheet: '第二页' })).rows[0].values).toEqual({ 序号: '1', 姓名: '赵六' });
		expect((await readTable(data, { sheet: 2 })).sheet).toBe('第二页');
		expect((await readTable(data, { sheet: 1 })).sheet).toBe('患者名单');
		expect((await readTable(data, { sheet: '隐藏' })).headers).toEqual(['secret']);
		const missing = await tableError(readTable(data, { sheet: '不存在' }), 'no_sheet');
		expect(missing.message).toContain('患者名单');
		expect(missing.message).not.toContain('隐藏');
		await tableError(readTable(data, { sheet: 3 }), 'no_sheet');
	});

	test("Chinese Excel's built-in date formats (numFmtId 31, 57, 32) read as dates and times, not serial numbers", async () => {
		const data = await xlsx((wb) => {
			const ws = wb.addWorksheet('S');
			ws.addRow(['出生日期', '随访月份', '时间']);
			ws.addRow([new Date(Date.UTC(2026, 2, 5)), new Date(Date.UTC(2026, 2, 1)), new Date(Date.UTC(1899, 11, 30, 9, 5, 0))]);
			ws.getCell('A2').numFmt = 'yyyy-mm-dd';
			ws.getCell('B2').numFmt = 'yyyy-m';
			ws.getCell('C2').numFmt = 'h"时"mm"分"';
		});
		// Rewrite the custom formats (ids 164–166) as the built-in ids Chinese Excel writes, without definitions.
		const zip = await JSZip.loadAsync(data);
		let styles = await zip.file('xl/styles.xml')!.async('string');
		expect(styles).toContain('numFmtId="166"');
		styles = styles
			.replace(/<numFmts[\s\S]*?<\/numFmts>/, '')
			.replace(/numFmtId="164"/g, 'numFmtId="31"')
			.replace(/numFmtId="165"/g, 'numFmtId="57"')
			.replace(/numFmtId="166"/g, 'numFmtId="32"');
		zip.file('xl/styles.xml', styles);
		const patched = await zip.generateAsync({ type: 'nodebuffer' });
		const table = await readTable(patched);
		expect(table.rows[0].values).toEqual({ 出生日期: '2026-03-05', 随访月份: '2026-03-01', 时间: '09:05:00' });
	});

	test('a sheet given as a number in a string ("2") is the second visible sheet', async () => {
		const data = await xlsx((wb) => {
			wb.addWorksheet('一').addRow(['a']);
			wb.addWorksheet('二').addRow(['b']);
		});
		expect((await readTable(data, { sheet: '2' })).sheet).toBe('二');
	});

	test('title row, required headers, duplicate headers and empty sheets in XLSX', async () => {
		const data = await xlsx((wb) => {
			const ws = wb.addWorksheet('名单');
			ws.addRow(['XX县纳管名单']);
			ws.mergeCells('A1:C1');
			ws.addRow(['姓名', '公民身份号码', '派出所']);
			ws.addRow(['张三', ID_A, '城关派出所']);
			const dup = wb.addWorksheet('重复');
			dup.addRow(['姓名', '姓名']);
			wb.addWorksheet('空');
		});
		const table = await readTable(data, { requiredHeaders: [['身份证号', '公民身份号码']] });
		expect(table.headerLine).toBe(2);
		expect(table.preamble).toEqual(['XX县纳管名单']);
		expect(table.matchedHeaders).toEqual(['公民身份号码']);
		expect(table.rows[0].values.公民身份号码).toBe(ID_A);
		await tableError(readTable(data, { sheet: '重复' }), 'duplicate_header');
		await tableError(readTable(data, { sheet: '空' }), 'empty');
	});
});

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

describe('writers', () => {
	const columns = [
		{ header: '姓名', key: 'name' },
		{ header: '身份证号', key: 'id', width: 21 },
		{ header: '风险', key: 'level' },
		{ header: '随访日期', key: 'date' },
		{ header: '备注', key: 'note' },
	];
	const rows = [
		{ name: '张三', id: ID_A, level: 3, date: new Date(2026, 2, 5), note: "=cmd|' /C calc'!A0" },
		{ name: '李四', id: ID_B, level: -5, date: '2026-03-06', note: 'a, "b"\nc' },
		{ name: ' 王五', id: null, level: undefined, date: undefined, note: ['复发', '伤人'] },
	];

	test('writeXlsx → readTable round trip; formula-like text neutralised; ID numbers exact', async () => {
		const data = await writeXlsx([
			{ name: '任务清单', columns, rows },
			{ name: 'bad:/name?*[1]', columns: [{ header: 'x', key: 'x' }], rows: [{ x: true }] },
		]);
		const table = await readTable(data);
		expect(table.headers).toEqual(['姓名', '身份证号', '风险', '随访日期', '备注']);
		expect(table.rows.map((r) => r.values)).toEqual([
			{ 姓名: '张三', 身份证号: ID_A, 风险: '3', 随访日期: '2026-03-05', 备注: "'=cmd|' /C calc'!A0" },
			{ 姓名: '李四', 身份证号: ID_B, 风险: '-5', 随访日期: '2026-03-06', 备注: 'a, "b"\nc' },
			{ 姓名: '王五', 身份证号: '', 风险: '', 随访日期: '', 备注: '复发；伤人' },
		]);
		expect(table.rows.flatMap((r) => r.issues)).toEqual([]);
		const second = await readTable(data, { sheet: 2 });
		expect(second.sheet).toBe('bad__name___1_');
		expect(second.rows[0].values).toEqual({ x: 'TRUE' });
		// The raw cell holds the apostrophe-prefixed text, as a string cell.
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(data as unknown as ArrayBuffer);
		expect(wb.worksheets[0].getCell('E2').value).toBe("'=cmd|' /C calc'!A0");
		expect(wb.worksheets[0].getCell('B2').type).toBe(ExcelJS.ValueType.String);
		expect(wb.worksheets[0].views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
	});

	test('writeXlsx cuts text beyond 32,767 characters with a visible marker and reports it through onTruncate', async () => {
		const marker = '…【已截断，原文 40000 字符 / truncated, 40000 characters】';
		const truncated: unknown[] = [];
		const data = await writeXlsx(
			[
				{
					name: '随访',
					columns: [
						{ header: '姓名', key: 'name' },
						{ header: '备注', key: 'note' },
						{ header: '其他', key: 'other' },
					],
					rows: [
						{ name: '张三', note: 'short', other: 1 },
						{ name: '李四', note: 'x'.repeat(40_000), other: '同行' },
						{ name: '王五', note: '=' + 'y'.repeat(39_999), other: '𠀀'.repeat(20_000) },
					],
				},
			],
			{ onTruncate: (info) => truncated.push(info) },
		);
		expect(truncated).toEqual([
			{ sheet: '随访', row: 2, column: '备注', length: 40_000 },
			{ sheet: '随访', row: 3, column: '备注', length: 40_000 },
			{ sheet: '随访', row: 3, column: '其他', length: 40_000 },
		]);
		const table = await readTable(data, { maxCellLength: 40_000 });
		const [a, b, c] = table.rows.map((r) => r.values);
		expect(a).toEqual({ 姓名: '张三', 备注: 'short', 其他: '1' });
		expect(b.姓名).toBe('李四');
		expect(b.其他).toBe('同行');
		expect(b.备注).toHaveLength(32_767);
		expect(b.备注).toBe('x'.repeat(32_767 - marker.length) + marker);
		// The formula guard still applies to the cut text; the length reported is the original one.
		expect(c.备注.startsWith("'=yyy")).toBe(true);
		expect(c.备注.endsWith(marker)).toBe(true);
		expect(c.备注.length).toBeLessThanOrEqual(32_767);
		// A surrogate pair is never cut in two.
		expect(c.其他.endsWith(marker)).toBe(true);
		expect(c.其他).toHaveLength(32_766); // 32,719 would end inside a pair: one unit fewer
		expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(c.其他)).toBe(false);
		// Without a callback the cell is cut all the same.
		const quiet = await readTable(await writeXlsx([{ name: 'S', columns: [{ header: 'n', key: 'n' }], rows: [{ n: 'z'.repeat(33_000) }] }]), { maxCellLength: 40_000 });
		expect(quiet.rows[0].values.n.endsWith('…【已截断，原文 33000 字符 / truncated, 33000 characters】')).toBe(true);
		// Text that fits exactly is left alone.
		const exact = await readTable(await writeXlsx([{ name: 'S', columns: [{ header: 'n', key: 'n' }], rows: [{ n: 'z'.repeat(32_767) }] }]), { maxCellLength: 40_000 });
		expect(exact.rows[0].values.n).toBe('z'.repeat(32_767));
	});

	test('writeXlsx still refuses more columns than Excel allows (too_large)', async () => {
		const columns = Array.from({ length: 16_385 }, (_, i) => ({ header: `c${i}`, key: `c${i}` }));
		const error = await tableError(writeXlsx([{ name: 'S', columns, rows: [] }]), 'too_large');
		expect(error.message).toContain('16385 columns');
	});

	test('writeCsv: RFC 4180 quoting, CRLF, BOM by default, formula neutralisation, numbers untouched', () => {
		const csv = writeCsv(columns, rows);
		expect(csv.startsWith('\uFEFF')).toBe(true);
		expect(csv.slice(1).split('\r\n')).toEqual([
			'姓名,身份证号,风险,随访日期,备注',
			`张三,${ID_A},3,2026-03-05,'=cmd|' /C calc'!A0`,
			`李四,${ID_B},-5,2026-03-06,"a, ""b""\nc"`,
			'" 王五",,,,复发；伤人',
			'',
		]);
		expect(writeCsv([{ header: 'a', key: 'a' }], [{ a: '+1+1' }], { bom: false, lineEnding: '\n' })).toBe("a\n'+1+1\n");
		expect(writeCsv([{ header: 'a', key: 'a' }], [{ a: '=1' }], { bom: false, formulaGuard: false })).toBe('a\r\n=1\r\n');
	});

	test('writeCsv → readTable round trip', async () => {
		const table = await readTable(utf8(writeCsv(columns, rows)));
		expect(table.rows.map((r) => r.values.备注)).toEqual(["'=cmd|' /C calc'!A0", 'a, "b"\nc', '复发；伤人']);
		expect(table.rows.map((r) => r.values.身份证号)).toEqual([ID_A, ID_B, '']);
		expect(table.rows[2].values.姓名).toBe('王五');
	});
});

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

describe('streaming', () => {
	/**
	 * Generates a police-list style CSV of n rows (synthetic values) in memory, streams it through
	 * iterateTable and reports count, last row and speed. Shared as source text so the same code runs
	 * in this process and in a plain Node child process.
	 */
	const STREAM_RUN = `async function streamRun(iterateTable, n) {
		const header = '序号,姓名,性别,身份证号,现住址,联系电话,所属派出所,类别\\r\\n';
		const chunks = [Buffer.from(header)];
		let parts = [];
		for (let i = 1; i <= n; i++) {
			parts.push(i + ',测试' + (i % 1000) + ',' + (i % 2 ? '男' : '女') + ',1101051949123' + String(i % 100000).padStart(5, '0') + ',"城关镇幸福路' + i + '号",138' + String(i).padStart(8, '0') + ',城关派出所,在管\\r\\n');
			if (parts.length === 10000) { chunks.push(Buffer.from(parts.join(''))); parts = []; }
		}
		chunks.push(Buffer.from(parts.join('')));
		const data = Buffer.concat(chunks);
		const started = performance.now();
		let count = 0;
		let last;
		for await (const row of iterateTable(data)) { count++; last = row; }
		const seconds = (performance.now() - started) / 1000;
		return { count, last, seconds, megabytes: data.length / 1e6, rss: process.memoryUsage().rss / 1e6 };
	}`;
	type StreamResult = { count: number; last: { row: number; line: number; values: Record<string, string> }; seconds: number; megabytes: number; rss: number };
	const streamRun = new Function(`return ${STREAM_RUN}`)() as (iterate: typeof iterateTable, n: number) => Promise<StreamResult>;

	function expectLastRow(result: StreamResult, n: number): void {
		expect(result.count).toBe(n);
		expect(result.last.row).toBe(n);
		expect(result.last.line).toBe(n + 1);
		expect(result.last.values).toEqual({
			序号: String(n),
			姓名: `测试${n % 1000}`,
			性别: n % 2 ? '男' : '女',
			身份证号: `1101051949123${String(n % 100000).padStart(5, '0')}`,
			现住址: `城关镇幸福路${n}号`,
			联系电话: `138${String(n).padStart(8, '0')}`,
			所属派出所: '城关派出所',
			类别: '在管',
		});
	}

	const report = (where: string, r: StreamResult) =>
		console.log(
			`streaming CSV (${where}): ${r.count} rows, ${r.megabytes.toFixed(1)} MB in ${r.seconds.toFixed(2)} s = ${Math.round(r.count / r.seconds)} rows/s, ${(r.megabytes / r.seconds).toFixed(1)} MB/s, RSS ${Math.round(r.rss)} MB`,
		);

	test('200,000-row CSV generated in memory: count, last row and speed (plain Node process)', () => {
		// Measured in a child process: jest's module sandbox slows csv-parse's byte loop several times
		// over, so a speed printed from inside jest would not be the speed users get.
		const child = `
			const fs = require('node:fs');
			const ts = require('typescript');
			require.extensions['.ts'] = (module, file) => {
				const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
					fileName: file,
					compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2023, esModuleInterop: true },
				});
				module._compile(out.outputText, file);
			};
			const { iterateTable } = require(process.argv[1]);
			${STREAM_RUN}
			streamRun(iterateTable, Number(process.argv[2])).then((r) => process.stdout.write(JSON.stringify(r)));
		`;
		const n = 200_000;
		const output = execFileSync(process.execPath, ['-e', child, path.join(ROOT, 'lib', 'tabular'), String(n)], {
			cwd: ROOT,
			encoding: 'utf8',
			timeout: 120_000,
		});
		const result = JSON.parse(output) as StreamResult;
		report('plain Node', result);
		expectLastRow(result, n);
	});

	test('multi-chunk CSV in this process: every row, in order', async () => {
		const n = 30_000; // about 3 MB: several 1 MiB chunks, records split across chunk ends
		const result = await streamRun(iterateTable, n);
		report('inside jest', result);
		expectLastRow(result, n);
	});

	test('openTable gives the header first; GBK streams too; stopping early is fine', async () => {
		const data = Buffer.concat([gbk('姓名,身份证号\r\n'), ...Array.from({ length: 5000 }, (_, i) => gbk(`张${i},${ID_A}\r\n`))]);
		const table = await openTable(data);
		expect(table.headers).toEqual(['姓名', '身份证号']);
		expect(table.encoding).toBe('gb18030');
		let seen = 0;
		for await (const row of table.rows) {
			expect(row.values.姓名).toBe(`张${seen}`);
			if (++seen === 10) break;
		}
		expect(seen).toBe(10);
	});

	test('XLSX reading speed (printed) and row count', async () => {
		const n = 20_000;
		const keys = ['no', 'name', 'sex', 'id', 'addr', 'phone', 'station', 'date'];
		const rows = Array.from({ length: n }, (_, i) => ({ no: i + 1, name: `测试${i}`, sex: i % 2 ? '男' : '女', id: ID_A, addr: `城关镇幸福路${i}号`, phone: '13800138000', station: '城关派出所', date: '2026-03-05' }));
		const data = await writeXlsx([{ name: 'S', columns: keys.map((k) => ({ header: k, key: k })), rows }]);
		const started = performance.now();
		const table = await readTable(data);
		const seconds = (performance.now() - started) / 1000;
		console.log(`XLSX: ${table.rows.length} rows × ${keys.length} columns (${(data.length / 1e6).toFixed(1)} MB) read in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} rows/s`);
		expect(table.rows).toHaveLength(n);
		expect(table.rows[n - 1].values).toEqual({ no: String(n), name: `测试${n - 1}`, sex: '男', id: ID_A, addr: `城关镇幸福路${n - 1}号`, phone: '13800138000', station: '城关派出所', date: '2026-03-05' });
	});

	test('a CSV error after the first chunk surfaces from the iterator, after the rows before it', async () => {
		const good = Array.from({ length: 50_000 }, (_, i) => `${i + 1},城关镇幸福路${i + 1}号`).join('\n');
		const data = utf8(`序号,地址\n${good}\n50001,"never closed\n50002,x\n`);
		expect(data.length).toBeGreaterThan(1 << 20); // more than one 1 MiB chunk
		const rows: number[] = [];
		const run = async () => {
			for await (const row of iterateTable(data)) rows.push(row.row);
		};
		const error = await tableError(run(), 'bad_csv');
		expect(error.line).toBe(50_002);
		expect(rows).toHaveLength(50_000);
		// A small file fails before the first row: openTable reads ahead to find the header.
		await tableError(openTable(utf8('a,b\n1,2\n3,"open\n')), 'bad_csv');
	});
});
