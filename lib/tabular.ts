/**
 * Tabular files that county staff exchange: national-system exports, police lists, registry
 * extracts. Reads CSV (UTF-8 with or without BOM, GBK/GB18030, UTF-16 with BOM) and XLSX; writes
 * XLSX and CSV with formula-injection defence.
 *
 * Libraries do the parsing: csv-parse for CSV, exceljs for XLSX, the WHATWG `TextDecoder` (full ICU
 * in Node 24) for encodings. This module adds what a county file needs on top:
 *
 * - one row model for both formats: `{ row, line, values, issues }`, where `row` counts data rows
 *   (blank rows skipped) and `line` is where a person finds the row in Excel or a text editor;
 * - header handling: first non-blank row (title rows above a header are recognised, and with
 *   `knownHeaders` the row with the expected column names wins, see `chooseHeader`), names
 *   normalised (NFKC, no spaces), blank names become `column_N`, duplicates and missing required
 *   columns are errors that name the column;
 * - nothing is dropped: ragged rows keep their extra cells (`column_N`), suspicious cells are kept
 *   verbatim and reported per row (`issues`), never silently changed;
 * - privacy (DESIGN.md §9): no error or issue message contains a cell value — only row, line and
 *   column names (values may be names or ID numbers). A header row that may be a data row (a file
 *   without a header: digits, dates or ID-like text in it, or none of `knownHeaders`) is not trusted
 *   (`TableInfo.headerTrusted`), and messages then name columns by position only ("column C (3)").
 *
 * Decisions (see the functions named for details):
 * - formulas (`looksLikeFormula`): text starting with = or @ (or tab/CR) is a formula; + or - too,
 *   unless the rest is only digits, spaces and . , ( ) - % (signed numbers, phone numbers such as
 *   "+86 138 0013 8000"). Reading keeps such text verbatim with a 'formula' issue; XLSX formula
 *   cells read as '=' + formula text with a 'formula' issue (the cached result is never used);
 *   writing prefixes an apostrophe (`neutralizeFormula`).
 * - XLSX error cells (#N/A, #REF!…) read as '' with an 'error_value' issue naming the error code.
 * - XLSX numbers read as Excel shows them in General format (`numberText`): integers exactly,
 *   15 significant digits otherwise; 16+ digit numbers (an ID number typed as a number) read as
 *   scientific text such as "1.1010519491231E+17" with a 'lost_precision' issue, so they can never
 *   pass for a valid but wrong ID number. Dates read as 'YYYY-MM-DD' (with the time only when the
 *   cell's format shows one).
 * - blank rows are skipped and not counted; a row whose only content is an XLSX error cell is kept.
 * - CSV records longer than `maxRecordChars` (16 MiB) stop the read with 'bad_csv': reported as an
 *   unclosed quote when the record runs over several lines, as an over-long record when it is one
 *   line (`csvFailure`).
 * - writing XLSX, text beyond Excel's 32,767 characters per cell is cut with a visible marker and
 *   reported through `onTruncate` (`writeXlsx`); only too many rows or columns are an error.
 *
 * Memory and speed: CSV is parsed 1 MiB at a time (a million-row file streams in a few hundred MB,
 * mostly the input itself); csv-parse's byte loop sets the pace (about 15–20 MB/s, 150k rows/s for
 * 100-byte rows). XLSX workbooks are loaded whole by exceljs (about 20k rows/s, roughly 5–10 KB of
 * memory per row): county workbooks of tens of thousands of rows are fine, a million-row XLSX is not.
 * exceljs's streaming reader was not used: it spills worksheets to temporary files, which would put
 * patient data on disk.
 *
 * Messages are English, then Chinese, separated by " / ".
 */
import { Buffer, isAscii, isUtf8 } from 'node:buffer';
import { finished } from 'node:stream/promises';
import { setImmediate as macrotask } from 'node:timers/promises';
import { TextDecoder } from 'node:util';
import { parse as createCsvParser } from 'csv-parse';
import * as ExcelJS from 'exceljs';
import { SmdError } from './errors';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type TableFormat = 'csv' | 'xlsx';

/**
 * Encoding a CSV file was read in. GBK files report 'gb18030' (GBK is a subset of GB18030, and the
 * WHATWG 'gbk' decoder is the GB18030 decoder). UTF-16 is recognised only by its byte-order mark
 * (Excel's "Unicode Text" export).
 */
export type TableEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export type CsvDelimiter = ',' | ';' | '\t';

export interface ReadTableOptions {
	/** Used to pick the format by extension; the content is sniffed as well (see `detectFormat`). */
	fileName?: string;
	/**
	 * CSV only. 'auto' (default): strict UTF-8 if the bytes are valid UTF-8, else GB18030 (GBK is a
	 * subset). A byte-order mark always decides (UTF-8 or UTF-16). If neither fits, the error names
	 * the first line valid in neither (or, for a UTF-8 file with damaged characters, the first line
	 * that is not valid UTF-8).
	 */
	encoding?: 'auto' | 'utf-8' | 'gbk' | 'gb18030';
	/** CSV only: the field delimiter; default sniffed from the header line (',' unless ';' or tab clearly). */
	delimiter?: CsvDelimiter;
	/**
	 * XLSX: sheet name (hidden sheets can be named) or 1-based index among the visible sheets, as the
	 * tabs appear in Excel. Default: the first visible sheet.
	 */
	sheet?: string | number;
	/**
	 * Required columns: each inner array lists the accepted names of one column, e.g.
	 * `[['身份证号', 'idNumber'], ['姓名', 'name']]`. Matching ignores spaces, full-width forms, case,
	 * a leading '*' (required-field mark) and a trailing colon. A missing column is a
	 * TableError('missing_column') naming it. When given, the header is the first of the first 10
	 * non-blank rows that has every required column (so title rows above the header are skipped).
	 */
	requiredHeaders?: string[][];
	/**
	 * Column names this kind of file is expected to have (every alias of every field the caller
	 * maps, e.g. all names in a `matchColumns` table); compared by `headerKey`. Two effects:
	 * - header detection: unless `requiredHeaders` already found the header, the header is the first
	 *   of the first 10 non-blank rows with at least min(2, its non-empty cells) known names — this
	 *   beats title rows of any width ("XX县公安局 | 2026年11月" above the real header);
	 * - `headerTrusted` is true only when the header row has at least one known name.
	 * An empty list (or one of blank names only) counts as not given.
	 */
	knownHeaders?: string[];
	/** Longest cell text before a 'too_long' issue (the value is kept). Default 2000. */
	maxCellLength?: number;
	/**
	 * CSV only: longest record (characters of its fields, as csv-parse counts them) before the read
	 * stops with TableError('bad_csv'). Default 16 MiB (16,777,216). A limit is needed because an
	 * opening quote that is never closed makes the rest of the file one record; lower it in tests
	 * rather than build 16 MB strings.
	 */
	maxRecordChars?: number;
}

/**
 * A problem in one cell, reported with its row; the value itself is kept in `values`.
 * - `too_long`: longer than `maxCellLength`;
 * - `formula`: looks like a spreadsheet formula (see `looksLikeFormula`), or is an XLSX formula cell;
 * - `control_chars`: C0/C1 control characters other than tab and line breaks, or bidirectional
 *   override characters (used to disguise text);
 * - `extra_cells`: the row has non-empty cells beyond the last header column (kept as `column_N`);
 * - `error_value`: an XLSX error cell such as #N/A (read as '');
 * - `lost_precision`: an XLSX number with 16 or more digits (Excel keeps 15: an ID number typed as a
 *   number has already lost its last digits).
 */
export type CellIssueCode = 'too_long' | 'formula' | 'control_chars' | 'extra_cells' | 'error_value' | 'lost_precision';

export interface CellIssue {
	/** The column (header name, or `column_N` for a cell beyond the header). */
	field: string;
	code: CellIssueCode;
	/** Names the row, line and column; never contains the cell value. */
	message: string;
}

export interface TableRow {
	/** 1-based ordinal of the data row (header excluded; blank rows skipped and not counted). */
	row: number;
	/** 1-based line in a text editor (CSV, where the record starts) or row number in Excel (XLSX). */
	line: number;
	/** Header → cell text, trimmed; '' for empty cells; every header is a key. */
	values: Record<string, string>;
	issues: CellIssue[];
}

/** What is known about a table once its header has been read. */
export interface TableInfo {
	format: TableFormat;
	/** CSV only. */
	encoding?: TableEncoding;
	/** CSV only. */
	delimiter?: CsvDelimiter;
	/** XLSX only: the sheet read. */
	sheet?: string;
	/**
	 * Column names from the header row. `readTable` appends the `column_N` names of cells found
	 * beyond the header (ragged rows); with `openTable` such keys can appear in rows only.
	 */
	headers: string[];
	/** Line (CSV) or Excel row (XLSX) of the header. */
	headerLine: number;
	/** For each `requiredHeaders` entry, the header that matched it. */
	matchedHeaders: string[];
	/** Text of non-blank rows above the header (title rows such as "XX县严重精神障碍患者名单"). */
	preamble: string[];
	/**
	 * Whether the header row is believed to be a header, not a data row taken for one (a file
	 * without a header row, a header missed). With `knownHeaders`: the header row has at least one
	 * known name. Without: no header cell looks like data (`looksLikeData`: a run of 6+ digits, a
	 * date, an ID-number-like pattern). When false, every message names columns only by position
	 * ("column C (3)"), since the header text may be a patient's name or ID number; `field` and the
	 * keys of `values` are still the header names.
	 */
	headerTrusted: boolean;
}

export interface Table extends TableInfo {
	rows: TableRow[];
}

/** A table whose rows are read on demand (iterate `rows` once). */
export interface OpenedTable extends TableInfo {
	rows: AsyncIterable<TableRow>;
}

export type TableErrorCode =
	| 'empty'
	| 'no_header'
	| 'duplicate_header'
	| 'missing_column'
	| 'bad_encoding'
	| 'not_a_table'
	| 'bad_xlsx'
	| 'bad_csv'
	| 'unsupported_format'
	| 'no_sheet'
	| 'too_large';

/**
 * A file-level problem: the whole file cannot be read as a table. The message (English / Chinese)
 * names the line and column where it can, and never contains a cell value.
 * - `empty`: no bytes, only whitespace, or an XLSX sheet without cells;
 * - `no_header`: there is content, but every row is blank (only delimiters, empty strings);
 * - `duplicate_header`, `missing_column`: the header row (see `line`, `columns`);
 * - `bad_encoding`: the bytes are not valid in the chosen encoding (`line` is the first bad line; with
 *   encoding 'auto', the first line that is neither valid UTF-8 nor valid GB18030, see
 *   `autoEncodingError`);
 * - `not_a_table`: binary data, a PDF or an HTML page;
 * - `bad_xlsx`: a zip that exceljs cannot read as a workbook, or a file named .xlsx that is not one;
 * - `bad_csv`: an opening quote that is never closed, or a single line longer than `maxRecordChars`
 *   (`line` is where the record starts; see `csvFailure`);
 * - `unsupported_format`: an Excel 97–2003 .xls / WPS .et file or a password-protected workbook;
 * - `no_sheet`: the requested sheet does not exist;
 * - `too_large` (writers): beyond Excel's limits of 1,048,576 rows or 16,384 columns (over-long text
 *   is truncated instead, see `writeXlsx`).
 */
export class TableError extends SmdError<TableErrorCode> {}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const DEFAULT_MAX_CELL_LENGTH = 2000;
/** CSV bytes decoded and parsed per step: bounds memory whatever the file size. */
const CHUNK_BYTES = 1 << 20;
/** Bytes looked at to sniff binary content and the delimiter. */
const SNIFF_BYTES = 64 * 1024;
/** Non-blank rows searched for the header. */
const HEADER_SCAN_ROWS = 10;
/** At most this many single-cell title rows above a header are recognised as a title. */
const MAX_TITLE_ROWS = 4;
/**
 * Default for `maxRecordChars`: a CSV record longer than this is almost certainly an unclosed quote
 * swallowing the file (or, rarely, one absurdly long line); the limit keeps such a file from filling
 * memory before the error is found.
 */
const MAX_CSV_RECORD_CHARS = 16 * 1024 * 1024;
/** XLSX rows handed over per batch. */
const XLSX_BATCH_ROWS = 2000;

/** Excel's limits (specifications and limits, Excel 2007 and later). */
const EXCEL_MAX_ROWS = 1_048_576;
const EXCEL_MAX_COLUMNS = 16_384;
const EXCEL_MAX_CELL_CHARS = 32_767;

/** Whether a character code starts a formula in Excel, LibreOffice and WPS (OWASP "CSV Injection"): = + - @ tab CR. */
function isFormulaStart(code: number): boolean {
	return code === 0x3d || code === 0x2b || code === 0x2d || code === 0x40 || code === 0x09 || code === 0x0d;
}
/**
 * A cell starting with + or - that holds only digits, spaces and . , ( ) - % is a signed number or a
 * phone number ("-5", "-3.5%", "+86 138 0013 8000"): not a formula risk (no function name, no DDE
 * pipe, no reference can be written with these characters), so it is neither flagged nor prefixed.
 */
const SIGNED_NUMBER = /^[+-][\d\s.,()%-]*$/;

// C0/C1 controls except tab, LF, CR; and the bidirectional embedding/override/isolate characters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const LINE_BREAKS = /\r\n|\r|\n/g;

// ---------------------------------------------------------------------------------------------
// Small helpers (exported where integrators may want the same rules)
// ---------------------------------------------------------------------------------------------

/**
 * True when a cell's text would be taken as a formula by a spreadsheet: it starts with '=' or '@'
 * (or a tab/CR, which some programs strip before evaluating), or with '+'/'-' followed by anything
 * but a plain number or phone number (see SIGNED_NUMBER). So `=cmd|' /C calc'!A0`, `@SUM(A1)`,
 * `+1+1`, `-2+3` and `-cmd` are formulas; `-5`, `-3.2`, `+86 13800138000` and `--` are not.
 */
export function looksLikeFormula(text: string): boolean {
	if (text.length === 0) return false;
	const first = text.charCodeAt(0);
	if (!isFormulaStart(first)) return false;
	if (first === 0x2b || first === 0x2d) return !SIGNED_NUMBER.test(text);
	return true;
}

/**
 * Formula-injection defence for files people open in a spreadsheet (OWASP "CSV Injection"): a text
 * that `looksLikeFormula` gets a leading apostrophe, so it is shown, not evaluated. Used by both
 * writers. Signed numbers and phone numbers are left alone (see `looksLikeFormula`).
 */
export function neutralizeFormula(text: string): string {
	return looksLikeFormula(text) ? `'${text}` : text;
}

/**
 * A header as read: full-width forms → half-width (NFKC: "（" → "(", "ＩＤ" → "ID"), every space and
 * zero-width character removed (so "身份证号 ", "身份 证号" and "身份证\n号" are all "身份证号").
 */
export function normalizeHeader(text: string): string {
	return text.normalize('NFKC').replace(/[\s\u200B-\u200D\u2060\uFEFF]+/g, '');
}

/** Key for comparing header names: normalised, lower case, without a leading '*' or trailing ':'. */
export function headerKey(text: string): string {
	return normalizeHeader(text).toLowerCase().replace(/^\*+/, '').replace(/[:*]+$/, '');
}

function bilingual(en: string, zh: string): string {
	return `${en} / ${zh}`;
}

function toBuffer(data: Buffer | Uint8Array): Buffer {
	return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function extensionOf(fileName: string | undefined): string {
	const m = fileName ? /\.([A-Za-z0-9]+)$/.exec(fileName.trim()) : null;
	return m ? m[1].toLowerCase() : '';
}

/** Excel's column letters for a 1-based column number (1 → A, 27 → AA). */
export function columnLetter(n: number): string {
	let letters = '';
	for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) letters = String.fromCharCode(65 + ((k - 1) % 26)) + letters;
	return letters;
}

function pad2(n: number): string {
	return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
	return String(n).padStart(4, '0');
}

/** Count of line breaks (CRLF, CR or LF each count once) inside the cells of one record. */
function lineBreaksIn(cells: string[]): number {
	let n = 0;
	for (const cell of cells) {
		if (cell.length !== 0 && (cell.includes('\n') || cell.includes('\r'))) {
			n += cell.match(LINE_BREAKS)?.length ?? 0;
		}
	}
	return n;
}

// ---------------------------------------------------------------------------------------------
// Format detection
// ---------------------------------------------------------------------------------------------

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(bytes: Buffer, magic: number[]): boolean {
	if (bytes.length < magic.length) return false;
	for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
	return true;
}

/**
 * The format of a file: content first (a zip is an XLSX workbook whatever its name; an OLE2
 * container is an old .xls/.et or an encrypted workbook, which is not supported), then the name (a
 * file named .xlsx that is not a zip is a bad XLSX, not a CSV), else CSV. Text files named .xls —
 * some systems export CSV or TSV under that name — are read as CSV.
 */
export function detectFormat(data: Buffer | Uint8Array, fileName?: string): TableFormat {
	const bytes = toBuffer(data);
	if (startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, EMPTY_ZIP_MAGIC)) return 'xlsx';
	if (startsWith(bytes, OLE2_MAGIC)) {
		throw new TableError(
			'unsupported_format',
			bilingual(
				'This is an Excel 97–2003 (.xls) or WPS (.et) workbook, or a password-protected one; open it and save it as .xlsx (without a password) or as CSV',
				'这是 Excel 97–2003（.xls）或 WPS（.et）格式的工作簿，或是加了密码的工作簿；请打开后另存为 .xlsx（不设密码）或 CSV',
			),
		);
	}
	const ext = extensionOf(fileName);
	if (ext === 'xlsx' || ext === 'xlsm' || ext === 'xltx') {
		throw new TableError(
			'bad_xlsx',
			bilingual(
				`The file is named .${ext} but is not an XLSX workbook; if it is a CSV file, name it .csv`,
				`文件名为 .${ext}，但内容不是 XLSX 工作簿；如果是 CSV 文件，请改名为 .csv`,
			),
		);
	}
	return 'csv';
}

// ---------------------------------------------------------------------------------------------
// Reading: shared row assembly
// ---------------------------------------------------------------------------------------------

/** A note on one cell from the XLSX reader, turned into an issue once the row number is known. */
interface CellNote {
	col: number;
	code: 'formula' | 'error_value' | 'lost_precision';
	/** Non-sensitive detail: the Excel error code such as "#N/A". */
	detail?: string;
}

/** One record as a reader produced it: raw cell texts (untrimmed) and where it starts. */
interface RawRecord {
	cells: string[];
	line: number;
	notes?: CellNote[];
}

interface RecordSource {
	format: TableFormat;
	batches: AsyncGenerator<RawRecord[], void, void>;
	/** For the "empty" vs "no header" distinction when every row is blank. */
	hasContent: () => boolean;
	/** Words for messages: "line" (CSV, a text editor's line) or "sheet row" (XLSX). */
	where?: string;
	encoding?: TableEncoding;
	delimiter?: CsvDelimiter;
	sheet?: string;
}

function nonEmptyCells(record: RawRecord): number {
	let n = 0;
	for (const cell of record.cells) if (cell.length !== 0 && cell.trim() !== '') n++;
	return n;
}

function isBlank(record: RawRecord): boolean {
	return record.notes === undefined && nonEmptyCells(record) === 0;
}

/** How many cells of a record are known header names (`known` holds headerKeys). */
function knownCells(record: RawRecord, known: Set<string>): number {
	let n = 0;
	for (const cell of record.cells) if (cell.length !== 0 && known.has(headerKey(cell))) n++;
	return n;
}

/**
 * Which of the first non-blank records is the header.
 * 1. With `requiredHeaders`: the first record that has every required column.
 * 2. With `knownHeaders` (as headerKeys): the first record with at least min(2, its non-empty
 *    cells) known names, and at least one. Two, because one known word can appear in a title
 *    ("患者名单") or a data cell; fewer only for a one-column header.
 * 3. Otherwise the first non-blank record, except that leading title rows are skipped: up to 4
 *    rows with a single non-empty cell (e.g. "XX县严重精神障碍患者名单", "导出时间：2024-03-05")
 *    directly followed by a row with at least 3 non-empty cells. A one-column file never has a row
 *    with 3 cells, so its first row stays the header.
 */
function chooseHeader(records: RawRecord[], candidates: number[], required: string[][] | undefined, known: Set<string> | undefined): number {
	if (required && required.length > 0) {
		const wanted = required.map((group) => group.map(headerKey));
		for (const idx of candidates) {
			const keys = new Set(records[idx].cells.map(headerKey));
			if (wanted.every((group) => group.some((k) => keys.has(k)))) return idx;
		}
	}
	if (known) {
		for (const idx of candidates) {
			const hits = knownCells(records[idx], known);
			if (hits >= 1 && hits >= Math.min(2, nonEmptyCells(records[idx]))) return idx;
		}
	}
	const counts = candidates.map((idx) => nonEmptyCells(records[idx]));
	const first = counts.findIndex((c) => c >= 2);
	if (first > 0 && first <= MAX_TITLE_ROWS && counts[first] >= 3 && counts.slice(0, first).every((c) => c === 1)) {
		return candidates[first];
	}
	return candidates[0];
}

/** A run of 6+ digits: an ID number, phone number, compact date or serial number, never a column name. */
const DIGIT_RUN = /\d{6}/;
/** A calendar date: 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日. */
const DATE_LIKE = /\d{4}(?:-\d{1,2}-\d{1,2}|\/\d{1,2}\/\d{1,2}|\.\d{1,2}\.\d{1,2}|年\d{1,2}月\d{1,2}日)/;
/** An ID number, also masked or with X: 15–18 digits/asterisks, as in 110101********1234. */
const ID_LIKE = /\d[\d*]{13,16}[\dXx*]/;

/**
 * Whether a (normalised) header cell looks like data rather than a column name: a run of 6 or more
 * digits, a date, or an ID-number-like pattern. Such a "header" is most likely the first data row
 * of a file without a header row, so its text must not appear in messages.
 */
function looksLikeData(name: string): boolean {
	return DIGIT_RUN.test(name) || DATE_LIKE.test(name) || ID_LIKE.test(name);
}

/** Whether the chosen header row is trusted (see `TableInfo.headerTrusted`). */
function isHeaderTrusted(record: RawRecord, known: Set<string> | undefined): boolean {
	if (known) return knownCells(record, known) >= 1;
	return !record.cells.some((cell) => cell.length !== 0 && looksLikeData(normalizeHeader(cell)));
}

/** A column by position only, for messages about an untrusted header: "column C (3)" / "第 3 列（C 列）". */
function columnByPosition(index: number): [string, string] {
	return [`column ${columnLetter(index + 1)} (${index + 1})`, `第 ${index + 1} 列（${columnLetter(index + 1)} 列）`];
}

/**
 * Column names from the header record: normalised; blanks → column_N; duplicates are an error. The
 * duplicate_header message names the column only when the header is trusted: an untrusted header may
 * be a data row, where two equal cells are, say, a patient's name twice.
 */
function buildHeaders(record: RawRecord, where: string, trusted: boolean): string[] {
	const names = record.cells.map(normalizeHeader);
	// Trailing blank header cells (formatting, a trailing delimiter) are not columns; cells there
	// in data rows are kept as extra cells.
	let last = names.length;
	while (last > 0 && names[last - 1] === '') last--;
	names.length = last;
	const seen = new Map<string, number>();
	names.forEach((name, i) => {
		if (name === '') return;
		const earlier = seen.get(name);
		if (earlier !== undefined && !trusted) {
			const [ae, az] = columnByPosition(earlier);
			const [be, bz] = columnByPosition(i);
			throw new TableError(
				'duplicate_header',
				bilingual(
					`Header row (${where} ${record.line}): ${ae} and ${be} have the same name; this row may be data rather than a header — rename one of them, or add a header row`,
					`表头（第 ${record.line} 行）：${az}和${bz}列名相同；该行可能是数据而不是表头——请修改其中一个列名，或添加表头行`,
				),
				{ line: record.line },
			);
		}
		if (earlier !== undefined) {
			throw new TableError(
				'duplicate_header',
				bilingual(
					`Header row (${where} ${record.line}): column name “${name}” appears twice (columns ${earlier + 1} and ${i + 1}, ${columnLetter(earlier + 1)} and ${columnLetter(i + 1)}); rename one of them`,
					`表头（第 ${record.line} 行）：列名“${name}”重复（第 ${earlier + 1} 列和第 ${i + 1} 列，即 ${columnLetter(earlier + 1)} 列和 ${columnLetter(i + 1)} 列），请修改其中一个`,
				),
				{ line: record.line, columns: [name] },
			);
		}
		seen.set(name, i);
	});
	names.forEach((name, i) => {
		if (name !== '') return;
		let generated = `column_${i + 1}`;
		while (seen.has(generated)) generated += '_';
		seen.set(generated, i);
		names[i] = generated;
	});
	return names;
}

/**
 * Map named fields to the headers of a file: for each field, the first of its accepted names
 * (compared by headerKey) that the file has and no earlier field took. Also returns the headers no
 * field took. Used for registry exports and police lists alike.
 */
export function matchColumns<F extends string>(
	headers: readonly string[],
	columns: Readonly<Record<F, readonly string[]>>,
): { fields: Partial<Record<F, string>>; unknown: string[] } {
	const byKey = new Map<string, string>();
	for (const h of headers) if (!byKey.has(headerKey(h))) byKey.set(headerKey(h), h);
	const fields: Partial<Record<F, string>> = {};
	const used = new Set<string>();
	for (const [field, aliases] of Object.entries(columns) as Array<[F, readonly string[]]>) {
		const hit = aliases.map((a) => byKey.get(headerKey(a))).find((h) => h !== undefined && !used.has(h));
		if (hit !== undefined) {
			fields[field] = hit;
			used.add(hit);
		}
	}
	return { fields, unknown: headers.filter((h) => !used.has(h)) };
}

/** For each required column, the header that matches one of its names; missing ones are an error. */
function matchRequired(headers: string[], required: string[][] | undefined, line: number, where: string): string[] {
	if (!required || required.length === 0) return [];
	const byKey = new Map<string, string>();
	for (const h of headers) if (!byKey.has(headerKey(h))) byKey.set(headerKey(h), h);
	const matched: string[] = [];
	const missing: string[][] = [];
	for (const group of required) {
		const hit = group.map((alias) => byKey.get(headerKey(alias))).find((h) => h !== undefined);
		if (hit === undefined) missing.push(group);
		else matched.push(hit);
	}
	if (missing.length > 0) {
		const en = missing.map((g) => (g.length > 1 ? `${g[0]} (or ${g.slice(1).join(', ')})` : g[0])).join('; ');
		const zh = missing.map((g) => (g.length > 1 ? `${g[0]}（或 ${g.slice(1).join('、')}）` : g[0])).join('；');
		throw new TableError(
			'missing_column',
			bilingual(
				`Missing required column${missing.length > 1 ? 's' : ''} ${en} in the header row (${where} ${line})`,
				`表头（第 ${line} 行）缺少必需的列：${zh}`,
			),
			{ line, columns: missing.map((g) => g[0]) },
		);
	}
	return matched;
}

/** Turns raw records into TableRows: trims, skips blank rows, numbers rows, reports cell issues. */
class RowBuilder {
	private count = 0;
	private readonly width: number;
	/** Key of each cell position beyond the header, by 0-based column index. */
	private readonly extraKeys: string[] = [];
	private readonly taken: Set<string>;
	/** Every header with '': cloning it gives each row's values object its shape in one step. */
	private readonly template: Record<string, string> = {};

	constructor(
		private readonly headers: string[],
		private readonly maxLength: number,
		private readonly format: TableFormat,
		private readonly where: string,
		/** See `TableInfo.headerTrusted`: when false, messages name columns by position only. */
		private readonly trusted: boolean,
	) {
		this.width = headers.length;
		this.taken = new Set(headers);
		// defineProperty, not assignment: a header named "__proto__" must become an ordinary key.
		for (const h of headers) Object.defineProperty(this.template, h, { value: '', writable: true, enumerable: true, configurable: true });
	}

	/** The `column_N` keys used for cells beyond the header so far, in column order. */
	extraColumns(): string[] {
		return this.extraKeys.filter((k) => k !== undefined);
	}

	private extraKey(col: number): string {
		let key = this.extraKeys[col];
		if (key === undefined) {
			key = `column_${col + 1}`;
			while (this.taken.has(key)) key += '_';
			this.taken.add(key);
			this.extraKeys[col] = key;
		}
		return key;
	}

	/** Where a cell is, for messages: by header name, or by position when the header is not trusted. */
	private place(row: number, line: number, field: string, col: number): [string, string] {
		if (!this.trusted) {
			const [ce, cz] = columnByPosition(col);
			return [`Row ${row} (${this.where} ${line}), ${ce}`, `第 ${row} 条记录（第 ${line} 行）${cz}`];
		}
		return [`Row ${row} (${this.where} ${line}), column “${field}”`, `第 ${row} 条记录（第 ${line} 行）“${field}”列`];
	}

	/** Appends an issue (creating the list if needed) and returns the list. `col`: 0-based column. */
	private issue(issues: CellIssue[] | undefined, row: number, line: number, field: string, col: number, code: CellIssueCode, en: string, zh: string): CellIssue[] {
		const [pe, pz] = this.place(row, line, field, col);
		const list = issues ?? [];
		list.push({ field, code, message: bilingual(`${pe}: ${en}`, `${pz}：${zh}`) });
		return list;
	}

	/**
	 * Checks one non-empty cell text; returns the row's issue list (created on the first issue).
	 * `formulaNoted`: the XLSX reader already reported this cell as a formula.
	 */
	private check(issues: CellIssue[] | undefined, row: number, line: number, field: string, col: number, v: string, formulaNoted: boolean): CellIssue[] | undefined {
		if (v.length > this.maxLength) {
			issues = this.issue(issues, row, line, field, col, 'too_long',
				`the cell has ${v.length} characters, more than the ${this.maxLength} allowed; kept as is`,
				`内容有 ${v.length} 个字符，超过上限 ${this.maxLength}；已原样保留`);
		}
		if (!formulaNoted && isFormulaStart(v.charCodeAt(0)) && looksLikeFormula(v)) {
			issues = this.issue(issues, row, line, field, col, 'formula',
				'the cell starts like a spreadsheet formula (= + - @); kept as text and never evaluated',
				'内容以 = + - @ 开头，像电子表格公式；按文本保留，不会计算');
		}
		if (CONTROL_CHARS.test(v)) {
			issues = this.issue(issues, row, line, field, col, 'control_chars',
				'the cell contains control characters (invisible characters other than tab and line breaks)',
				'内容含有控制字符（制表符和换行以外的不可见字符）');
		}
		return issues;
	}

	/** Issues for the XLSX reader's notes (formula cells, error cells, lost precision). */
	private noteIssues(notes: CellNote[], row: number, line: number): CellIssue[] {
		let issues: CellIssue[] | undefined;
		for (const note of notes) {
			const field = note.col < this.width ? this.headers[note.col] : this.extraKey(note.col);
			if (note.code === 'formula') {
				issues = this.issue(issues, row, line, field, note.col, 'formula',
					'the cell holds an Excel formula; its formula text is kept and its computed result is not used',
					'该单元格是 Excel 公式；保留公式文本，不采用其计算结果');
			} else if (note.code === 'error_value') {
				issues = this.issue(issues, row, line, field, note.col, 'error_value',
					`the cell holds the Excel error ${note.detail ?? ''}; read as empty`,
					`该单元格是 Excel 错误值 ${note.detail ?? ''}，按空值读取`);
			} else {
				issues = this.issue(issues, row, line, field, note.col, 'lost_precision',
					'the cell holds a number of 16 or more digits; Excel keeps only 15 significant digits, so the last digits are lost — store long numbers such as ID numbers as text',
					'该单元格是 16 位以上的数字，Excel 只保留 15 位有效数字，末尾数字已丢失；身份证号等长数字请以文本格式保存');
			}
		}
		return issues ?? [];
	}

	/**
	 * The row for a record, or null when the record is blank. One pass over the cells: trim, store,
	 * check (this runs for every row of a million-row file, so it allocates nothing it can avoid).
	 */
	build(record: RawRecord): TableRow | null {
		const { cells, line, notes } = record;
		const headers = this.headers;
		const width = this.width;
		// Row number if the record is not blank; checks run only on non-empty cells, so only then.
		const row = this.count + 1;
		const values: Record<string, string> = { ...this.template };
		let issues: CellIssue[] | undefined;
		let noted: Set<number> | undefined;
		if (notes !== undefined) {
			issues = this.noteIssues(notes, row, line);
			for (const note of notes) if (note.code === 'formula') (noted ??= new Set()).add(note.col);
		}
		let blank = true;
		for (let i = 0; i < width; i++) {
			const raw = i < cells.length ? cells[i] : '';
			if (raw.length === 0) continue;
			const v = raw.trim();
			values[headers[i]] = v;
			if (v.length === 0) continue;
			blank = false;
			issues = this.check(issues, row, line, headers[i], i, v, noted !== undefined && noted.has(i));
		}
		let extra = 0;
		let firstExtra = '';
		let firstExtraCol = 0;
		for (let i = width; i < cells.length; i++) {
			const raw = cells[i];
			const v = raw.length === 0 ? '' : raw.trim();
			if (v.length === 0) continue;
			const key = this.extraKey(i);
			values[key] = v;
			if (extra++ === 0) {
				firstExtra = key;
				firstExtraCol = i;
			}
			blank = false;
			issues = this.check(issues, row, line, key, i, v, noted !== undefined && noted.has(i));
		}
		if (blank && notes === undefined) return null;
		this.count = row;
		if (notes !== undefined) {
			// An error cell beyond the header still gets its key, so the issue's field exists.
			for (const note of notes) if (note.col >= width && !(this.extraKey(note.col) in values)) values[this.extraKey(note.col)] = '';
		}
		if (extra > 0) {
			const hint = this.format === 'csv'
				? ['check an earlier field for an unquoted delimiter', '请检查前面的字段是否含有未加引号的分隔符']
				: ['the header row has no name for them', '表头中没有这些列的列名'];
			// `column_N` keys are generated, but one may carry a header's text ("column_4_" when a header
			// is named column_4): with an untrusted header, say where the cells start instead.
			const [ke, kz] = this.trusted
				? [`kept as ${firstExtra}${extra > 1 ? '…' : ''}`, `已保存为 ${firstExtra}${extra > 1 ? ' 等' : ''}`]
				: [`kept from ${columnByPosition(firstExtraCol)[0]} on`, `已保存（自${columnByPosition(firstExtraCol)[1]}起）`];
			(issues ??= []).push({
				field: firstExtra,
				code: 'extra_cells',
				message: bilingual(
					`Row ${row} (${this.where} ${line}): ${extra} non-empty cell${extra > 1 ? 's' : ''} beyond the last header column, ${ke}; ${hint[0]}`,
					`第 ${row} 条记录（第 ${line} 行）：比表头多出 ${extra} 个非空单元格，${kz}；${hint[1]}`,
				),
			});
		}
		return { row, line, values, issues: issues ?? [] };
	}
}

/**
 * The rows of an opened table, built from the reader's batches on demand; iterate once, one `next()`
 * at a time (as `for await` does). Written as a class rather than an async generator: a row that is
 * already parsed is handed out as an already-resolved promise, which costs a fraction of an async
 * generator's per-row machinery — it matters at 150,000 rows a second.
 */
class RowIterator implements AsyncIterableIterator<TableRow> {
	private index = 0;
	private closed = false;

	constructor(
		private records: RawRecord[],
		private more: boolean,
		private readonly batches: AsyncGenerator<RawRecord[], void, void>,
		private readonly builder: RowBuilder,
	) {}

	[Symbol.asyncIterator](): this {
		return this;
	}

	next(): Promise<IteratorResult<TableRow, undefined>> {
		const row = this.take();
		if (row !== null) return Promise.resolve({ value: row, done: false });
		return this.more ? this.refill() : this.return();
	}

	async return(): Promise<IteratorResult<TableRow, undefined>> {
		this.more = false;
		this.records = [];
		this.index = 0;
		if (!this.closed) {
			this.closed = true;
			await this.batches.return();
		}
		return { value: undefined, done: true };
	}

	/** The next row of the current batch, or null when the batch is used up (blank rows skipped). */
	private take(): TableRow | null {
		const records = this.records;
		while (this.index < records.length) {
			const row = this.builder.build(records[this.index++]);
			if (row !== null) return row;
		}
		return null;
	}

	private async refill(): Promise<IteratorResult<TableRow, undefined>> {
		for (;;) {
			// A reader error (bad_csv) rejects here; the reader is finished after it.
			const next = await this.batches.next();
			if (next.done) return this.return();
			this.records = next.value;
			this.index = 0;
			const row = this.take();
			if (row !== null) return { value: row, done: false };
		}
	}
}

/** Reads up to the header, then hands out the rows lazily. */
async function assemble(source: RecordSource, options: ReadTableOptions): Promise<{ info: TableInfo; builder: RowBuilder; rows: RowIterator }> {
	const maxLength = options.maxCellLength ?? DEFAULT_MAX_CELL_LENGTH;
	if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError('maxCellLength must be a positive whole number');
	const where = source.where ?? 'line';
	const { batches } = source;
	const buffered: RawRecord[] = [];
	const candidates: number[] = [];
	let exhausted = false;
	let opened = false;
	try {
		while (candidates.length < HEADER_SCAN_ROWS) {
			const next = await batches.next();
			if (next.done) {
				exhausted = true;
				break;
			}
			for (const record of next.value) {
				buffered.push(record);
				if (candidates.length < HEADER_SCAN_ROWS && !isBlank(record)) candidates.push(buffered.length - 1);
			}
		}
		if (candidates.length === 0) {
			const sheet = source.sheet === undefined ? ['', ''] : [` (sheet “${source.sheet}”)`, `（工作表“${source.sheet}”）`];
			if (source.hasContent()) {
				throw new TableError('no_header', bilingual(`No header row: every row is blank${sheet[0]}`, `没有表头：所有行都是空行${sheet[1]}`));
			}
			throw new TableError('empty', bilingual(`The file is empty${sheet[0]}`, `文件为空${sheet[1]}`));
		}
		const knownKeys = (options.knownHeaders ?? []).map(headerKey).filter((k) => k !== '');
		const known = knownKeys.length > 0 ? new Set(knownKeys) : undefined;
		const headerIndex = chooseHeader(buffered, candidates, options.requiredHeaders, known);
		const headerRecord = buffered[headerIndex];
		const headerTrusted = isHeaderTrusted(headerRecord, known);
		const headers = buildHeaders(headerRecord, where, headerTrusted);
		const matchedHeaders = matchRequired(headers, options.requiredHeaders, headerRecord.line, where);
		const preamble = candidates
			.filter((idx) => idx < headerIndex)
			.map((idx) => buffered[idx].cells.map((c) => c.trim()).filter((c) => c !== '').join(' '));
		const builder = new RowBuilder(headers, maxLength, source.format, where, headerTrusted);
		const first = buffered.slice(headerIndex + 1);
		buffered.length = 0;

		const info: TableInfo = {
			format: source.format,
			headers,
			headerLine: headerRecord.line,
			matchedHeaders,
			preamble,
			headerTrusted,
		};
		if (source.encoding !== undefined) info.encoding = source.encoding;
		if (source.delimiter !== undefined) info.delimiter = source.delimiter;
		if (source.sheet !== undefined) info.sheet = source.sheet;
		opened = true;
		return { info, builder, rows: new RowIterator(first, !exhausted, batches, builder) };
	} finally {
		// On a header error nobody will iterate the rows: release the parser now.
		if (!opened) await batches.return();
	}
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/**
 * Calls `visit` with each physical line (CRLF, CR or LF end a line) and its 1-based number until it
 * returns false; returns the number of the line it stopped at, or the last line. Neither UTF-8 nor
 * GB18030 uses 0x0A/0x0D inside a multi-byte character, so splitting bytes here is safe.
 */
function eachLine(body: Buffer, visit: (segment: Buffer, line: number) => boolean): number {
	let line = 1;
	let start = 0;
	for (let i = 0; i < body.length; i++) {
		const b = body[i];
		if (b === 0x0a || b === 0x0d) {
			if (!visit(body.subarray(start, i), line)) return line;
			if (b === 0x0d && body[i + 1] === 0x0a) i++;
			line++;
			start = i + 1;
		}
	}
	if (start < body.length) visit(body.subarray(start), line);
	return line;
}

/** Physical line of the first line that `valid` rejects. */
function firstBadLine(body: Buffer, valid: (segment: Buffer) => boolean): number {
	return eachLine(body, (segment) => valid(segment));
}

/**
 * Whether bytes that are not valid UTF-8 are nonetheless mostly UTF-8: among the lines (of the first
 * 4 MB) that hold non-ASCII bytes, valid UTF-8 ones far outnumber the others. That is a UTF-8 file
 * with damaged or cut-off characters (systems that truncate fields by bytes make these), not a GBK
 * file: in GBK text, a line of Chinese that happens to be valid UTF-8 is rare. Reading such a file
 * as GB18030 would turn every Chinese character into nonsense without any error.
 */
function mostlyUtf8(bytes: Buffer): boolean {
	let valid = 0;
	let invalid = 0;
	eachLine(bytes.subarray(0, 4 * CHUNK_BYTES), (segment) => {
		if (!isAscii(segment)) {
			if (isUtf8(segment)) valid++;
			else invalid++;
		}
		return true;
	});
	return valid >= 3 && valid > 4 * invalid;
}

/** Whether a fatal decoder accepts the bytes (each call without `stream` starts afresh). */
function decodes(decoder: TextDecoder, bytes: Buffer): boolean {
	try {
		decoder.decode(bytes);
		return true;
	} catch {
		return false;
	}
}

/** Validates the whole body in `label` (chunked, output discarded); the first bad line, or 0. */
function validateEncoding(body: Buffer, label: 'gb18030' | 'utf-16le' | 'utf-16be'): number {
	const decoder = new TextDecoder(label, { fatal: true });
	try {
		for (let o = 0; o < body.length; o += CHUNK_BYTES) {
			decoder.decode(body.subarray(o, Math.min(o + CHUNK_BYTES, body.length)), { stream: true });
		}
		decoder.decode();
		return 0;
	} catch {
		if (label === 'gb18030') {
			const lineDecoder = new TextDecoder(label, { fatal: true });
			return firstBadLine(body, (segment) => decodes(lineDecoder, segment));
		}
		// UTF-16 lines cannot be split on bytes: find the first replacement character instead.
		const text = new TextDecoder(label).decode(body);
		const bad = text.indexOf('\uFFFD');
		return bad < 0 ? 1 : (text.slice(0, bad).match(LINE_BREAKS)?.length ?? 0) + 1;
	}
}

function badEncoding(requested: string, line: number): TableError {
	if (requested === 'utf-8') {
		return new TableError(
			'bad_encoding',
			bilingual(
				`Line ${line} is not valid UTF-8; the file may be in GBK/GB18030 — choose that encoding or "auto"`,
				`第 ${line} 行不是有效的 UTF-8 编码；文件可能是 GBK/GB18030 编码，请选择该编码或“自动识别”`,
			),
			{ line },
		);
	}
	if (requested === 'damaged-utf-8') {
		return new TableError(
			'bad_encoding',
			bilingual(
				`The file is UTF-8, but line ${line} holds bytes that are not valid UTF-8 (damaged or cut-off characters); correct that line or save the file again as CSV (UTF-8)`,
				`文件是 UTF-8 编码，但第 ${line} 行含有无效的 UTF-8 字节（字符损坏或被截断）；请修正该行，或重新另存为“CSV UTF-8”`,
			),
			{ line },
		);
	}
	if (requested === 'auto') {
		return new TableError(
			'bad_encoding',
			bilingual(
				`Line ${line} is neither valid UTF-8 nor valid GB18030/GBK; save the file as CSV (UTF-8) and try again`,
				`第 ${line} 行既不是有效的 UTF-8 编码，也不是有效的 GB18030/GBK 编码；请将文件另存为“CSV UTF-8”后重试`,
			),
			{ line },
		);
	}
	return new TableError(
		'bad_encoding',
		bilingual(
			`Line ${line} is not valid ${requested.toUpperCase()}; try encoding "auto" or save the file as CSV (UTF-8)`,
			`第 ${line} 行不是有效的 ${requested.toUpperCase()} 编码；请尝试“自动识别”，或将文件另存为“CSV UTF-8”`,
		),
		{ line },
	);
}

/** Picks and validates the encoding; returns it with the offset of the text after any BOM. */
function resolveEncoding(bytes: Buffer, requested: NonNullable<ReadTableOptions['encoding']>): { encoding: TableEncoding; start: number } {
	// A byte-order mark is unambiguous and always decides.
	if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
		if (!isUtf8(bytes.subarray(3))) throw badEncoding('utf-8', firstBadLine(bytes.subarray(3), (s) => isUtf8(s)));
		return { encoding: 'utf-8', start: 3 };
	}
	for (const [magic, encoding] of [[[0xff, 0xfe], 'utf-16le'], [[0xfe, 0xff], 'utf-16be']] as const) {
		if (startsWith(bytes, [...magic])) {
			const bad = validateEncoding(bytes.subarray(2), encoding);
			if (bad) throw badEncoding(encoding, bad);
			return { encoding, start: 2 };
		}
	}
	if (requested === 'utf-8' || requested === 'auto') {
		if (isUtf8(bytes)) return { encoding: 'utf-8', start: 0 };
		if (requested === 'utf-8') throw badEncoding('utf-8', firstBadLine(bytes, (s) => isUtf8(s)));
		if (mostlyUtf8(bytes)) throw badEncoding('damaged-utf-8', firstBadLine(bytes, (s) => isUtf8(s)));
	}
	const bad = validateEncoding(bytes, 'gb18030');
	if (bad) throw requested === 'auto' ? autoEncodingError(bytes, bad) : badEncoding('gb18030', bad);
	return { encoding: 'gb18030', start: 0 };
}

/**
 * The error for 'auto' when the bytes are neither all UTF-8 nor all GB18030. The line named is the
 * first that is neither: the first line that is not GB18030 may be a perfectly good line of UTF-8
 * Chinese (a single character followed by ASCII, "张,1", is not valid GB18030), and sending staff to
 * it would have them look for a fault that is not there. When every line is valid in one of the two,
 * the file mixes them (lines pasted from another file): `firstNotGb` is then the first UTF-8-only
 * line, named together with the first GB18030-only line.
 */
function autoEncodingError(bytes: Buffer, firstNotGb: number): TableError {
	const gb = new TextDecoder('gb18030', { fatal: true });
	let neither = 0;
	let firstNotUtf8 = 0;
	eachLine(bytes, (segment, line) => {
		if (isUtf8(segment)) return true;
		if (firstNotUtf8 === 0) firstNotUtf8 = line;
		if (decodes(gb, segment)) return true;
		neither = line;
		return false;
	});
	if (neither !== 0) return badEncoding('auto', neither);
	return new TableError(
		'bad_encoding',
		bilingual(
			`The file mixes two encodings: line ${firstNotGb} is UTF-8 but line ${firstNotUtf8} is GBK/GB18030; save the whole file again as CSV (UTF-8)`,
			`文件混用了两种编码：第 ${firstNotGb} 行是 UTF-8 编码，第 ${firstNotUtf8} 行却是 GBK/GB18030 编码；请将整个文件重新另存为“CSV UTF-8”`,
		),
		{ line: firstNotGb },
	);
}

function notATable(what: string, zh: string): TableError {
	return new TableError('not_a_table', bilingual(`The file is not a CSV or XLSX table: ${what}`, `文件不是 CSV 或 XLSX 表格：${zh}`));
}

/**
 * Rejects content that is clearly not delimited text, before any encoding is tried (binary junk is
 * "not a table", not "bad encoding"). UTF-16 text (with its BOM) is full of NUL bytes and is let through.
 */
function checkText(bytes: Buffer): void {
	if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return;
	const head = bytes.subarray(startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0, SNIFF_BYTES);
	if (head.includes(0)) throw notATable('it contains binary data', '含有二进制数据');
	// Text has next to no C0 control bytes other than tab, LF, FF and CR; binary data is full of them.
	const sample = head.subarray(0, 4096);
	let controls = 0;
	for (const b of sample) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) controls++;
	if (controls > 8 && controls > sample.length / 20) throw notATable('it contains binary data', '含有二进制数据');
	const start = head.toString('latin1', 0, 1024).trimStart();
	if (start.startsWith('%PDF-')) throw notATable('it is a PDF document', '这是 PDF 文档');
	if (/^<(?:!doctype|html|head|body|table|meta|\?xml)/i.test(start)) {
		throw notATable(
			'it is an HTML or XML page (some systems save these as .xls); open it in Excel and save it as .xlsx',
			'这是 HTML 或 XML 网页（有的系统导出为 .xls）；请用 Excel 打开后另存为 .xlsx',
		);
	}
}

/** Delimiter used by the first non-blank lines: ',' unless ';' or tab is clearly more frequent. */
export function sniffDelimiter(text: string): CsvDelimiter {
	let looked = 0;
	for (const raw of text.split(/\r\n|\r|\n/, 50)) {
		const line = raw.replace(/"[^"]*"/g, '');
		if (line.trim() === '') continue;
		const count = (ch: string) => line.split(ch).length - 1;
		const comma = count(',');
		const semicolon = count(';');
		const tab = count('\t');
		if (comma + semicolon + tab > 0) {
			if (tab > comma && tab >= semicolon) return '\t';
			if (semicolon > comma && semicolon > tab) return ';';
			return ',';
		}
		if (++looked >= 5) break;
	}
	return ',';
}

function hasNonSpaceByte(body: Buffer): boolean {
	for (let i = 0; i < body.length; i++) {
		const b = body[i];
		if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x00) return true;
	}
	return false;
}

/** The record size limit for messages: "16 MB" for whole MiB, else a count of characters. */
function recordLimitText(limit: number): [string, string] {
	if (limit >= 1 << 20 && limit % (1 << 20) === 0) return [`${limit / (1 << 20)} MB`, `${limit / (1 << 20)} MB`];
	return [`${limit} characters`, `${limit} 个字符`];
}

/**
 * Whether the record that starts at physical line `line` ends on that same line: read from the
 * line's start with csv-parse's quoting rules as configured in `csvBatches` (a quote opens a quoted
 * field only at the start of a field; inside one, "" is a quote and any other " closes it), it
 * reaches a line break or the end of the text outside quotes. False when a quote is still open at
 * the line's end, i.e. the record goes on over the next lines or its quote is never closed.
 * `at(i)` is the code unit at i: bytes for UTF-8 and GB18030 (the delimiters, the quote and line
 * breaks never occur inside a multi-byte character of either), UTF-16 code units otherwise.
 */
function recordEndsOnItsLine(at: (i: number) => number, length: number, line: number, delimiter: number): boolean {
	let i = 0;
	// Skip to the start of the physical line (CRLF, CR or LF end a line, as in `eachLine`).
	for (let n = 1; n < line && i < length; i++) {
		const c = at(i);
		if (c === 0x0a || c === 0x0d) {
			if (c === 0x0d && i + 1 < length && at(i + 1) === 0x0a) i++;
			n++;
		}
	}
	let quoting = false;
	let fieldEmpty = true;
	for (; i < length; i++) {
		const c = at(i);
		if (quoting) {
			if (c === 0x0a || c === 0x0d) return false;
			if (c === 0x22) {
				if (i + 1 < length && at(i + 1) === 0x22) i++;
				else quoting = false;
			}
		} else if (c === 0x0a || c === 0x0d) {
			return true;
		} else if (c === delimiter) {
			fieldEmpty = true;
		} else if (c === 0x22 && fieldEmpty) {
			quoting = true;
			fieldEmpty = false;
		} else {
			fieldEmpty = false;
		}
	}
	return !quoting;
}

/**
 * The TableError for a csv-parse failure; `line` is where the failing record starts. A record over
 * the size limit is, nearly always, an opening quote never closed that swallows the lines after it;
 * but a single line really that long (a field pasted with megabytes of text, a file whose line
 * breaks were lost) is said as such, since no quote needs fixing there: `oneLine` tells which.
 */
function csvFailure(error: unknown, line: number, limit: number, oneLine: () => boolean): TableError {
	const code = (error as { code?: string } | undefined)?.code;
	if (code === 'CSV_MAX_RECORD_SIZE') {
		const [en, zh] = recordLimitText(limit);
		if (oneLine()) {
			return new TableError(
				'bad_csv',
				bilingual(
					`The record at line ${line} is longer than ${en}; records that long are not supported — shorten that line or split it into several records`,
					`第 ${line} 行的记录超过 ${zh}，不支持这么长的记录；请缩短该行或拆分为多条记录`,
				),
				{ line },
			);
		}
		return new TableError(
			'bad_csv',
			bilingual(
				`The record starting at line ${line} is longer than ${en}; most likely an opening quote (") there is never closed`,
				`从第 ${line} 行开始的记录超过 ${zh}，很可能是该处的双引号（"）没有闭合`,
			),
			{ line },
		);
	}
	if (code === 'CSV_QUOTE_NOT_CLOSED') {
		return new TableError(
			'bad_csv',
			bilingual(
				`The record starting at line ${line} has an opening quote (") that is never closed`,
				`从第 ${line} 行开始的记录有未闭合的双引号（"）`,
			),
			{ line },
		);
	}
	// csv-parse messages can quote field content: never pass them on.
	return new TableError('bad_csv', bilingual(`The file cannot be read as CSV near line ${line}`, `第 ${line} 行附近无法按 CSV 格式读取`), { line });
}

/** Parses the CSV body chunk by chunk; yields the records of each chunk with their start lines. */
async function* csvBatches(body: Buffer, encoding: TableEncoding, delimiter: CsvDelimiter, maxRecordChars: number): AsyncGenerator<RawRecord[], void, void> {
	const parser = createCsvParser({
		delimiter,
		record_delimiter: ['\r\n', '\n', '\r'],
		quote: '"',
		escape: '"',
		// Ragged rows are kept (extra cells become column_N, missing ones ''), never rejected.
		relax_column_count: true,
		// A quote inside an unquoted field (身高5'8", 小名"毛毛") is kept as a character.
		relax_quotes: true,
		// Empty lines come through as records so that line numbers can be counted; skipped later.
		skip_empty_lines: false,
		max_record_size: maxRecordChars,
		bom: false,
	});
	let batch: RawRecord[] = [];
	let line = 1;
	let failure: unknown;
	// Only on failure: whether the failing record is one physical line (see `csvFailure`).
	const oneLine = () => {
		const code = delimiter.charCodeAt(0);
		if (encoding === 'utf-8' || encoding === 'gb18030') return recordEndsOnItsLine((i) => body[i], body.length, line, code);
		const text = new TextDecoder(encoding).decode(body);
		return recordEndsOnItsLine((i) => text.charCodeAt(i), text.length, line, code);
	};
	parser.on('data', (cells: string[]) => {
		batch.push({ cells, line });
		line += 1 + lineBreaksIn(cells);
	});
	parser.on('error', (error) => {
		failure ??= error;
	});
	// UTF-8 goes to csv-parse as bytes (it decodes each field); other encodings as text.
	const decoder = encoding === 'utf-8' ? undefined : new TextDecoder(encoding);
	try {
		for (let o = 0; o < body.length; o += CHUNK_BYTES) {
			const piece = body.subarray(o, Math.min(o + CHUNK_BYTES, body.length));
			const chunk = decoder ? decoder.decode(piece, { stream: true }) : piece;
			if (chunk.length > 0) parser.write(chunk);
			// Records are emitted synchronously in flowing mode; a macrotask lets any deferred ones through.
			await macrotask();
			if (batch.length > 0) {
				const out = batch;
				batch = [];
				yield out;
			}
			failure ??= parser.errored ?? undefined;
			if (failure !== undefined) throw csvFailure(failure, line, maxRecordChars, oneLine);
		}
		const tail = decoder ? decoder.decode() : '';
		if (tail.length > 0) parser.write(tail);
		parser.end();
		try {
			await finished(parser);
		} catch (error) {
			failure ??= error;
		}
		if (batch.length > 0) {
			const out = batch;
			batch = [];
			yield out;
		}
		if (failure !== undefined) throw csvFailure(failure, line, maxRecordChars, oneLine);
	} finally {
		if (!parser.destroyed) parser.destroy();
	}
}

function openCsv(bytes: Buffer, options: ReadTableOptions): RecordSource {
	const requested = options.encoding ?? 'auto';
	if (!['auto', 'utf-8', 'gbk', 'gb18030'].includes(requested)) {
		throw new RangeError(`encoding must be auto, utf-8, gbk or gb18030`);
	}
	checkText(bytes);
	const { encoding, start } = resolveEncoding(bytes, requested === 'gbk' ? 'gb18030' : requested);
	const body = bytes.subarray(start);
	const sniffText = new TextDecoder(encoding).decode(body.subarray(0, SNIFF_BYTES));
	const delimiter = options.delimiter ?? sniffDelimiter(sniffText);
	if (![',', ';', '\t'].includes(delimiter)) throw new RangeError('delimiter must be a comma, a semicolon or a tab');
	const maxRecordChars = options.maxRecordChars ?? MAX_CSV_RECORD_CHARS;
	if (!Number.isInteger(maxRecordChars) || maxRecordChars < 1) throw new RangeError('maxRecordChars must be a positive whole number');
	return {
		format: 'csv',
		encoding,
		delimiter,
		batches: csvBatches(body, encoding, delimiter, maxRecordChars),
		hasContent: () =>
			encoding === 'utf-16le' || encoding === 'utf-16be' ? new TextDecoder(encoding).decode(body).trim() !== '' : hasNonSpaceByte(body),
	};
}

// ---------------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------------

const EXCEL_ERROR = /^#[A-Z0-9/!?.]{1,12}$/;

interface CellText {
	text: string;
	note?: Omit<CellNote, 'col'>;
}

const EMPTY_CELL: CellText = { text: '' };

/** Strips quoted literals and [..] sections from a number format, leaving its codes. */
function formatCodes(numFmt: string | undefined): string {
	return (numFmt ?? '').replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '').replace(/\\./g, '');
}

/**
 * A number as Excel shows it in General format, without binary float noise:
 * - whole numbers below 10^15 exactly (13800138000 → "13800138000");
 * - a format of only zeros pads with leading zeros, as Excel does ("000000" and 1234 → "001234");
 * - 16 or more digits: Excel keeps 15 significant digits, so the text is scientific
 *   (1.10105194912310e17 → "1.1010519491231E+17") — never a plausible-looking but wrong ID number —
 *   with a `lost_precision` note;
 * - other numbers to 15 significant digits (0.1 + 0.2 → "0.3").
 * Other number formats (percent, thousands separators, currency) are not applied.
 */
function numberText(n: number, numFmt: string | undefined): CellText {
	if (!Number.isFinite(n)) return { text: String(n) };
	if (Math.abs(n) >= 1e15) {
		const [mantissa, exponent] = n.toPrecision(15).split('e');
		const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
		const e = Number(exponent);
		return { text: `${m}E${e < 0 ? '-' : '+'}${pad2(Math.abs(e))}`, note: { code: 'lost_precision' } };
	}
	if (Number.isInteger(n)) {
		const codes = formatCodes(numFmt);
		if (n >= 0 && /^0+$/.test(codes)) return { text: String(n).padStart(codes.length, '0') };
		return { text: String(n) };
	}
	return { text: String(Number(n.toPrecision(15))) };
}

/**
 * A date cell: 'YYYY-MM-DD' for date formats, 'YYYY-MM-DD HH:mm:ss' when the format shows a time,
 * 'HH:mm:ss' for time-only formats. exceljs returns dates as UTC instants of the serial number
 * (1900 or 1904 date system as the workbook says), so the UTC fields are the cell's calendar fields.
 */
function dateText(d: Date, numFmt: string | undefined): string {
	const ms = d.getTime();
	if (!Number.isFinite(ms)) return '';
	const x = new Date(Math.round(ms / 1000) * 1000);
	const day = `${pad4(x.getUTCFullYear())}-${pad2(x.getUTCMonth() + 1)}-${pad2(x.getUTCDate())}`;
	const time = `${pad2(x.getUTCHours())}:${pad2(x.getUTCMinutes())}:${pad2(x.getUTCSeconds())}`;
	const codes = formatCodes(numFmt);
	const hasTime = /[hs]/i.test(codes);
	if (hasTime && !/[yd]/i.test(codes)) return time;
	return hasTime ? `${day} ${time}` : day;
}

function richTextOf(value: unknown): string | undefined {
	if (value !== null && typeof value === 'object' && Array.isArray((value as ExcelJS.CellRichTextValue).richText)) {
		return (value as ExcelJS.CellRichTextValue).richText.map((run) => run.text ?? '').join('');
	}
	return undefined;
}

/** Text of a plain value found inside hyperlinks and the like. */
function plainText(value: unknown): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return numberText(value, undefined).text;
	if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
	if (value instanceof Date) return dateText(value, 'yyyy-mm-dd');
	const rich = richTextOf(value);
	if (rich !== undefined) return rich;
	if (typeof value === 'object' && 'text' in value) return plainText((value as { text: unknown }).text);
	return '';
}

/** The text of one XLSX cell, with a note for formulas, errors and lost precision. */
function cellText(cell: ExcelJS.Cell): CellText {
	const value = cell.value;
	switch (cell.type) {
		case ExcelJS.ValueType.Null:
		case ExcelJS.ValueType.Merge: // merged cells: the value is in the top-left cell only
			return EMPTY_CELL;
		case ExcelJS.ValueType.Number:
			return numberText(value as number, cell.numFmt);
		case ExcelJS.ValueType.Date:
			return { text: dateText(value as Date, cell.numFmt) };
		case ExcelJS.ValueType.Boolean:
			return { text: value ? 'TRUE' : 'FALSE' };
		case ExcelJS.ValueType.Formula:
			// Never trust the cached result: it may be stale or crafted.
			return { text: `=${cell.formula ?? ''}`, note: { code: 'formula' } };
		case ExcelJS.ValueType.Error: {
			const code = String((value as ExcelJS.CellErrorValue).error ?? '');
			return { text: '', note: { code: 'error_value', detail: EXCEL_ERROR.test(code) ? code : '#?' } };
		}
		case ExcelJS.ValueType.Hyperlink:
			return { text: plainText((value as ExcelJS.CellHyperlinkValue).text) };
		default:
			return { text: plainText(value) };
	}
}

function sheetList(sheets: ExcelJS.Worksheet[]): string {
	return sheets.map((s) => s.name).join(', ') || '-';
}

function pickSheet(workbook: ExcelJS.Workbook, wanted: string | number | undefined): ExcelJS.Worksheet {
	const all = workbook.worksheets;
	const visible = all.filter((s) => s.state === undefined || s.state === 'visible');
	if (all.length === 0) throw new TableError('empty', bilingual('The workbook has no sheets', '工作簿中没有工作表'));
	if (wanted === undefined) {
		if (visible.length === 0) {
			throw new TableError(
				'no_sheet',
				bilingual('Every sheet of the workbook is hidden; name the sheet to read', '工作簿的工作表全部隐藏，请指定要读取的工作表名称'),
			);
		}
		return visible[0];
	}
	if (typeof wanted === 'number') {
		if (Number.isInteger(wanted) && wanted >= 1 && wanted <= visible.length) return visible[wanted - 1];
		throw new TableError(
			'no_sheet',
			bilingual(
				`There is no sheet number ${wanted}: the workbook has ${visible.length} visible sheet${visible.length === 1 ? '' : 's'} (${sheetList(visible)})`,
				`没有第 ${wanted} 个工作表：工作簿有 ${visible.length} 个可见工作表（${sheetList(visible)}）`,
			),
		);
	}
	const exact = all.find((s) => s.name === wanted);
	if (exact) return exact;
	const loose = all.find((s) => headerKey(s.name) === headerKey(wanted));
	if (loose) return loose;
	// "2" from a form field: the second visible sheet, when no sheet is named "2".
	if (/^\d+$/.test(wanted.trim())) return pickSheet(workbook, Number(wanted.trim()));
	throw new TableError(
		'no_sheet',
		bilingual(
			`There is no sheet “${wanted}” in the workbook (sheets: ${sheetList(visible)})`,
			`工作簿中没有工作表“${wanted}”（现有：${sheetList(visible)}）`,
		),
	);
}

async function* xlsxBatches(sheet: ExcelJS.Worksheet): AsyncGenerator<RawRecord[], void, void> {
	let batch: RawRecord[] = [];
	const last = sheet.rowCount;
	for (let r = 1; r <= last; r++) {
		const row = sheet.findRow(r);
		if (row === undefined) continue;
		const width = row.cellCount;
		const cells: string[] = new Array<string>(width);
		let notes: CellNote[] | undefined;
		for (let c = 1; c <= width; c++) {
			const cell = row.findCell(c);
			if (cell === undefined) {
				cells[c - 1] = '';
				continue;
			}
			const t = cellText(cell);
			cells[c - 1] = t.text;
			if (t.note) (notes ??= []).push({ col: c - 1, ...t.note });
		}
		batch.push(notes ? { cells, line: r, notes } : { cells, line: r });
		if (batch.length >= XLSX_BATCH_ROWS) {
			yield batch;
			batch = [];
		}
	}
	if (batch.length > 0) yield batch;
}

let eastAsianFormatsPatched = false;

/**
 * exceljs knows the codes of Excel's built-in number formats except the East Asian ones (ids 27–36
 * and 50–58, whose code depends on the locale). Chinese Excel writes dates with built-in 31
 * (yyyy"年"m"月"d"日") and friends, so such a date would read as a bare serial number like 46086.
 * Before the first workbook is read, the zh-CN codes are filled in where exceljs has none (only
 * reading uses this table's codes; nothing else changes). If exceljs's layout ever changes, this is
 * skipped and such cells read as numbers.
 */
function patchEastAsianDateFormats(): void {
	if (eastAsianFormatsPatched) return;
	eastAsianFormatsPatched = true;
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal exceljs table with no typings
		const table = require('exceljs/lib/xlsx/defaultnumformats') as Record<string, { f?: string; 'zh-cn'?: string }>;
		for (const entry of Object.values(table)) {
			if (entry.f === undefined && typeof entry['zh-cn'] === 'string') entry.f = entry['zh-cn'];
		}
	} catch {
		// Layout changed: leave exceljs as it is.
	}
}

async function openXlsx(bytes: Buffer, options: ReadTableOptions): Promise<RecordSource> {
	patchEastAsianDateFormats();
	const workbook = new ExcelJS.Workbook();
	// exceljs types its input as an ArrayBuffer-like `Buffer`; at run time it takes a Node Buffer.
	// The library's message is not passed on: it is of no use to county staff.
	const loaded = await workbook.xlsx.load(bytes as unknown as ArrayBuffer).then(
		() => true,
		() => false,
	);
	if (!loaded) {
		throw new TableError(
			'bad_xlsx',
			bilingual(
				'The file could not be read as an XLSX workbook (damaged, or another kind of zip file); open it in Excel and save it again as .xlsx',
				'无法作为 XLSX 工作簿读取（文件损坏，或是其他类型的压缩文件）；请用 Excel 打开后重新另存为 .xlsx',
			),
		);
	}
	const sheet = pickSheet(workbook, options.sheet);
	return {
		format: 'xlsx',
		sheet: sheet.name,
		where: 'sheet row',
		batches: xlsxBatches(sheet),
		hasContent: () => sheet.actualRowCount > 0,
	};
}

// ---------------------------------------------------------------------------------------------
// Reading: public API
// ---------------------------------------------------------------------------------------------

async function openSource(data: Buffer | Uint8Array, options: ReadTableOptions): Promise<RecordSource> {
	const bytes = toBuffer(data);
	if (bytes.length === 0) throw new TableError('empty', bilingual('The file is empty', '文件为空'));
	return detectFormat(bytes, options.fileName) === 'xlsx' ? await openXlsx(bytes, options) : openCsv(bytes, options);
}

/**
 * Opens a table and reads its header; the rows are read on demand from `rows` (an async iterable,
 * to be iterated once). Memory stays bounded for CSV of any size: the bytes are decoded and parsed
 * 1 MiB at a time. Encoding problems are found before the header is returned; a CSV quote that is
 * never closed is found when reached (the iteration then throws TableError('bad_csv')). XLSX
 * workbooks are loaded whole by exceljs.
 */
export async function openTable(data: Buffer | Uint8Array, options: ReadTableOptions = {}): Promise<OpenedTable> {
	const source = await openSource(data, options);
	const { info, rows } = await assemble(source, options);
	return { ...info, rows };
}

/**
 * Streams the rows of a table (see `openTable`, which also gives the headers first). The table is
 * opened on the first `next()`. Returned as a thin async generator object that hands each `next()`
 * straight to the table's row iterator, instead of an `async function*` re-yielding every row: one
 * promise per row instead of two.
 */
export function iterateTable(data: Buffer | Uint8Array, options: ReadTableOptions = {}): AsyncGenerator<TableRow, void, void> {
	let rows: AsyncIterator<TableRow, undefined> | undefined;
	let opening: Promise<AsyncIterator<TableRow, undefined>> | undefined;
	const open = () => (opening ??= openTable(data, options).then((table) => (rows = table.rows[Symbol.asyncIterator]())));
	const generator: AsyncGenerator<TableRow, void, void> = {
		next: () => (rows !== undefined ? rows.next() : open().then((r) => r.next())),
		return: async () => {
			const r = opening ? await opening.then((it) => it, () => undefined) : undefined;
			await r?.return?.();
			return { value: undefined, done: true };
		},
		throw: async (error: unknown) => {
			await generator.return();
			return Promise.reject(error);
		},
		[Symbol.asyncIterator]: () => generator,
		[Symbol.asyncDispose]: async () => {
			await generator.return();
		},
	};
	return generator;
}

/** Reads a whole table into memory. `headers` includes `column_N` names of cells beyond the header. */
export async function readTable(data: Buffer | Uint8Array, options: ReadTableOptions = {}): Promise<Table> {
	const source = await openSource(data, options);
	const { info, builder, rows } = await assemble(source, options);
	const all: TableRow[] = [];
	for await (const row of rows) all.push(row);
	return { ...info, headers: [...info.headers, ...builder.extraColumns()], rows: all };
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

export interface WriteColumn {
	header: string;
	key: string;
	/** XLSX column width in characters; default from the header and the first rows. */
	width?: number;
}

export interface WriteSheet {
	name: string;
	columns: WriteColumn[];
	rows: Array<Record<string, unknown>>;
}

/** A text cell `writeXlsx` shortened to fit Excel (see `WriteOptions.onTruncate`). */
export interface TruncatedCell {
	/** The sheet's name as written (after `writeXlsx` made it a valid, unique Excel name). */
	sheet: string;
	/** 1-based data row (the header row not counted): the index in `WriteSheet.rows` plus 1. */
	row: number;
	/** The column's header. */
	column: string;
	/** Length of the original text, in characters (UTF-16 code units, as Excel counts). */
	length: number;
}

export interface WriteOptions {
	/** Prefix formula-like text with an apostrophe (`neutralizeFormula`). Default true. */
	formulaGuard?: boolean;
	/**
	 * XLSX only: called for each text cell cut to Excel's 32,767 characters (see `writeXlsx`), so
	 * the caller can log or report it. Receives positions only, never the text.
	 */
	onTruncate?: (info: TruncatedCell) => void;
}

export interface WriteCsvOptions extends WriteOptions {
	/** Start with a UTF-8 byte-order mark, so that Excel on Chinese Windows reads UTF-8. Default true. */
	bom?: boolean;
	delimiter?: CsvDelimiter;
	/** Default '\r\n' (RFC 4180). */
	lineEnding?: '\r\n' | '\n';
}

/** A Date as its local calendar fields (the server's time zone, as a person there reads it). */
function localParts(d: Date): { day: string; time: string; midnight: boolean } {
	const day = `${pad4(d.getFullYear())}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
	const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
	return { day, time, midnight: time === '00:00:00' && d.getMilliseconds() === 0 };
}

/**
 * The text of a value in a written file: strings as they are, numbers in JavaScript's shortest form,
 * booleans TRUE/FALSE, dates 'YYYY-MM-DD' (with ' HH:mm:ss' when not midnight, local time), arrays
 * joined with '；', other objects as JSON, null/undefined ''.
 */
export function valueText(value: unknown): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
	if (typeof value === 'bigint') return String(value);
	if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
	if (value instanceof Date) {
		if (!Number.isFinite(value.getTime())) return '';
		const { day, time, midnight } = localParts(value);
		return midnight ? day : `${day} ${time}`;
	}
	if (Array.isArray(value)) return value.map(valueText).filter((t) => t !== '').join('；');
	return JSON.stringify(value) ?? '';
}

function csvField(text: string, delimiter: string): string {
	const needsQuotes =
		text.includes(delimiter) ||
		text.includes('"') ||
		text.includes('\n') ||
		text.includes('\r') ||
		(text.length > 0 && (text.trim().length !== text.length));
	return needsQuotes ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * CSV text (RFC 4180: fields with the delimiter, quotes, line breaks or surrounding spaces are
 * quoted, quotes doubled; CRLF line ends). Formula-like text is neutralised (see `neutralizeFormula`).
 * Starts with a UTF-8 BOM by default so Excel opens it as UTF-8; encode the result as UTF-8.
 */
export function writeCsv(columns: Array<{ header: string; key: string }>, rows: Array<Record<string, unknown>>, options: WriteCsvOptions = {}): string {
	const delimiter = options.delimiter ?? ',';
	const eol = options.lineEnding ?? '\r\n';
	const guard = options.formulaGuard ?? true;
	const field = (value: unknown) => {
		const text = valueText(value);
		return csvField(guard && typeof value !== 'number' ? neutralizeFormula(text) : text, delimiter);
	};
	const lines: string[] = [columns.map((c) => field(c.header)).join(delimiter)];
	for (const row of rows) {
		const cells = new Array<string>(columns.length);
		for (let i = 0; i < columns.length; i++) cells[i] = field(row[columns[i].key]);
		lines.push(cells.join(delimiter));
	}
	return `${options.bom ?? true ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

/** Width of a text in Excel character units (CJK and full-width characters count double). */
function displayWidth(text: string): number {
	let w = 0;
	for (const ch of text) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1;
	return w;
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ], unique ignoring case. */
function sheetName(wanted: string, index: number, used: Set<string>): string {
	let base = wanted.replace(/[:\\/?*[\]]/g, '_').replace(/^'+|'+$/g, '').trim();
	if (base === '') base = `Sheet${index + 1}`;
	base = [...base].slice(0, 31).join('');
	let name = base;
	for (let n = 2; used.has(name.toLowerCase()); n++) {
		const suffix = `(${n})`;
		name = [...base].slice(0, 31 - suffix.length).join('') + suffix;
	}
	used.add(name.toLowerCase());
	return name;
}

function tooLarge(en: string, zh: string): TableError {
	return new TableError('too_large', bilingual(en, zh));
}

/**
 * Text cut to Excel's cell limit: as much of the start as fits, then a visible marker giving the
 * original length, so nobody takes the cell for the whole text. Never cuts a surrogate pair in two.
 */
function truncateCellText(text: string, originalLength: number): string {
	const marker = `…【已截断，原文 ${originalLength} 字符 / truncated, ${originalLength} characters】`;
	let end = EXCEL_MAX_CELL_CHARS - marker.length;
	const last = text.charCodeAt(end - 1);
	if (last >= 0xd800 && last <= 0xdbff) end--;
	return text.slice(0, end) + marker;
}

/**
 * An XLSX cell value for a JavaScript value. `truncated`: the original text length when the text was
 * cut to Excel's cell limit (`truncateCellText`).
 */
function xlsxValue(value: unknown, guard: boolean): { value: ExcelJS.CellValue; numFmt?: string; truncated?: number } {
	if (value === null || value === undefined) return { value: null };
	if (typeof value === 'number') return { value: Number.isFinite(value) ? value : null };
	if (typeof value === 'boolean') return { value };
	if (value instanceof Date) {
		if (!Number.isFinite(value.getTime())) return { value: null };
		const { midnight } = localParts(value);
		// exceljs writes a Date by its UTC fields; shift so the cell shows the local calendar day/time.
		const shifted = new Date(Date.UTC(value.getFullYear(), value.getMonth(), value.getDate(), value.getHours(), value.getMinutes(), value.getSeconds()));
		return { value: shifted, numFmt: midnight ? 'yyyy-mm-dd' : 'yyyy-mm-dd hh:mm:ss' };
	}
	const text = valueText(value);
	const cell = guard ? neutralizeFormula(text) : text;
	if (cell.length > EXCEL_MAX_CELL_CHARS) return { value: truncateCellText(cell, text.length), truncated: text.length };
	return { value: cell };
}

/**
 * An XLSX workbook, one sheet per entry: bold frozen header row, column widths, text kept as text
 * (ID numbers and phone numbers stay exact), numbers as numbers, dates as date cells. Formula-like
 * text is neutralised (see `neutralizeFormula`); exceljs drops control characters XML cannot hold.
 * Text longer than an Excel cell holds (32,767 characters) is cut, ending with a visible marker
 * "…【已截断，原文 N 字符 / truncated, N characters】", and reported through `onTruncate`: one
 * over-long cell (a pasted document in a note) must not cost a whole report run. Too many rows or
 * columns still throw TableError('too_large') — that is the report's shape, not one cell — rather
 * than write a file Excel must repair.
 */
export async function writeXlsx(sheets: WriteSheet[], options: WriteOptions = {}): Promise<Buffer> {
	const guard = options.formulaGuard ?? true;
	const workbook = new ExcelJS.Workbook();
	workbook.creator = 'n8n-nodes-smd';
	const used = new Set<string>();
	sheets.forEach((spec, index) => {
		const name = sheetName(spec.name, index, used);
		if (spec.columns.length > EXCEL_MAX_COLUMNS) {
			throw tooLarge(
				`Sheet “${name}” has ${spec.columns.length} columns; Excel allows ${EXCEL_MAX_COLUMNS}`,
				`工作表“${name}”有 ${spec.columns.length} 列，Excel 最多允许 ${EXCEL_MAX_COLUMNS} 列`,
			);
		}
		if (spec.rows.length + 1 > EXCEL_MAX_ROWS) {
			throw tooLarge(
				`Sheet “${name}” has ${spec.rows.length} rows; Excel allows ${EXCEL_MAX_ROWS - 1} below the header`,
				`工作表“${name}”有 ${spec.rows.length} 行，Excel 表头以下最多允许 ${EXCEL_MAX_ROWS - 1} 行`,
			);
		}
		const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
		sheet.columns = spec.columns.map((c) => {
			let width = c.width;
			if (width === undefined) {
				width = displayWidth(c.header);
				for (const row of spec.rows.slice(0, 200)) width = Math.max(width, displayWidth(valueText(row[c.key]).slice(0, 60)));
				width = Math.min(50, Math.max(8, width + 2));
			}
			return { header: guard ? neutralizeFormula(c.header) : c.header, key: c.key, width };
		});
		sheet.getRow(1).font = { bold: true };
		spec.rows.forEach((input, r) => {
			const values: Record<string, ExcelJS.CellValue> = {};
			const formats: Array<[string, string]> = [];
			for (const column of spec.columns) {
				const cell = xlsxValue(input[column.key], guard);
				if (cell.truncated !== undefined) options.onTruncate?.({ sheet: name, row: r + 1, column: column.header, length: cell.truncated });
				values[column.key] = cell.value;
				if (cell.numFmt) formats.push([column.key, cell.numFmt]);
			}
			const row = sheet.addRow(values);
			for (const [key, numFmt] of formats) row.getCell(key).numFmt = numFmt;
		});
	});
	return Buffer.from(await workbook.xlsx.writeBuffer());
}
