/**
 * Writing CSV (csv-stringify) and XLSX (exceljs) for people who open the files in a spreadsheet:
 * values as text, formula-like text neutralised, Excel's limits respected.
 */
import { Buffer } from 'node:buffer';
import { stringify } from 'csv-stringify/sync';
import * as ExcelJS from 'exceljs';
import { bilingual, neutralizeFormula, pad2, pad4 } from './helpers';
import { EXCEL_MAX_CELL_CHARS, EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, TableError, type CsvDelimiter } from './types';

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

/**
 * Fields quoted besides those csv-stringify quotes itself (the delimiter, a quote, CR or LF): text
 * with white space at either end, which readers would otherwise trim. `\s` is exactly the set of
 * characters `String.prototype.trim` removes.
 */
const EDGE_SPACE = /^\s|\s$/;

/**
 * CSV text (RFC 4180: fields with the delimiter, quotes, line breaks or surrounding spaces are
 * quoted, quotes doubled; CRLF line ends). Formula-like text is neutralised (see `neutralizeFormula`).
 * Starts with a UTF-8 BOM by default so Excel opens it as UTF-8; encode the result as UTF-8.
 * Values become text here (`valueText`), so csv-stringify only quotes and joins strings.
 */
export function writeCsv(columns: Array<{ header: string; key: string }>, rows: Array<Record<string, unknown>>, options: WriteCsvOptions = {}): string {
	const guard = options.formulaGuard ?? true;
	const text = (value: unknown) => {
		const t = valueText(value);
		return guard && typeof value !== 'number' ? neutralizeFormula(t) : t;
	};
	const records: string[][] = [columns.map((c) => text(c.header))];
	for (const row of rows) {
		const cells = new Array<string>(columns.length);
		for (let i = 0; i < columns.length; i++) cells[i] = text(row[columns[i].key]);
		records.push(cells);
	}
	return stringify(records, {
		bom: Boolean(options.bom ?? true),
		delimiter: options.delimiter ?? ',',
		record_delimiter: options.lineEnding ?? '\r\n',
		// A record delimiter is given, so csv-stringify would no longer quote a lone CR or LF by itself.
		quote_record_delimiter: true,
		quoted_match: EDGE_SPACE,
		eof: true,
	});
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
