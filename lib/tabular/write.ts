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
	/**
	 * XLSX column width in characters, a hint: the widest the column gets when its text is shorter
	 * (longer text wraps), and its width when the first rows leave it empty (room to write by hand).
	 * Default: from the header and the first rows. See `columnWidths`.
	 */
	width?: number;
}

export interface WriteSheet {
	name: string;
	/**
	 * XLSX only: a title printed above the header (what, which township, as of when), merged across
	 * the columns, bold and centred. The header row and the data follow it.
	 */
	title?: string;
	/** XLSX only: a second line under the title, e.g. "截至 2026-09-30 · 共 200 条". */
	subtitle?: string;
	/** XLSX only: the printed page's orientation (A4). Default 'landscape', as most reports are wide. */
	orientation?: 'landscape' | 'portrait';
	columns: WriteColumn[];
	rows: Array<Record<string, unknown>>;
}

/** A text cell `writeXlsx` shortened to fit Excel (see `WriteOptions.onTruncate`). */
export interface TruncatedCell {
	/** The sheet's name as written (after `writeXlsx` made it a valid, unique Excel name). */
	sheet: string;
	/**
	 * 1-based data row (the header and any title rows not counted): the index in `WriteSheet.rows`
	 * plus 1.
	 */
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

/**
 * Excel sheet names: at most 31 characters, none of : \ / ? * [ ], unique ignoring case. An
 * apostrophe may not start or end a name; one inside becomes ’, since exceljs writes the print-titles
 * reference ('name'!$3:$3) without doubling it, which Excel would take for a damaged file.
 */
function sheetName(wanted: string, index: number, used: Set<string>): string {
	let base = wanted.replace(/[:\\/?*[\]]/g, '_').replace(/^'+|'+$/g, '').trim().replace(/'/g, '’');
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

// ---------------------------------------------------------------------------------------------
// XLSX print layout: text metrics, column widths, row heights, styles
// ---------------------------------------------------------------------------------------------

/** CJK, Hangul and full-width characters (a full em wide). */
const WIDE_CHAR = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;
/**
 * Character widths in column-width units (the width of "0" in the default font, Calibri 11: 7 pixels
 * at 96 dpi). A CJK glyph is a full em, 14.67 pixels at 11 pt; other characters are taken as a digit
 * (most Latin letters are narrower).
 */
const WIDE_UNITS = 2.1;
const NARROW_UNITS = 1;
/** Units of a column lost to the cell's margins: Excel draws w units as 7w pixels, 5 of them padding. */
const CELL_MARGIN = 0.75;
/** Punctuation that may not start a line (it joins the character before) or end one (it joins the next). */
const NO_LINE_START = /[，。、；：？！）」』】〕》〉”’％…·,.;:?!)\]}%]/u;
const NO_LINE_END = /[（「『【〔《〈“‘([{]/u;
/** Column widths, in column-width units (see `columnWidths`). */
const MIN_WIDTH = 6;
const MAX_WIDTH = 50;
/** The narrowest a column of wrapping text is made to fit the page: 5 CJK characters a line. */
const MIN_WRAP_WIDTH = 12;
/** Rows looked at for the widths: enough to see typical content, cheap for a long list. */
const WIDTH_SAMPLE_ROWS = 200;
/** Characters of a cell looked at for the widths: beyond that the text wraps at any width. */
const WIDTH_SAMPLE_CHARS = 200;
/** Share of the sampled cells that must fit in the lines allowed (`columnWidths`): outliers wrap further. */
const FIT_SHARE = 0.9;
/** Most lines a row is tried with when narrowing columns to the page (`columnWidths`). */
const MAX_ROW_LINES = 12;

/** Page margins in inches: narrow, to leave the width to the table, with room for the page footer. */
const PRINT_MARGINS = { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.3, footer: 0.3 };
/** Excel's paper size code for A4, and the paper's width in inches as printed. */
const PAPER_A4 = 9;
const A4_WIDTH_INCHES = { landscape: 11.69, portrait: 8.27 } as const;
/**
 * The smallest print scale the column widths aim for (fitToWidth shrinks a wider table further): 11
 * pt text printed at 68 % is 7.5 pt (六号), the smallest size dense printed forms use.
 */
const MIN_PRINT_SCALE = 0.68;

/**
 * Row heights, in points, for text of the default font (11 pt). LibreOffice and WPS do not size rows
 * to their text when they open a file (Excel does), so a row that wraps gets an explicit height, and
 * the sheet's default row height is one line: LINE_HEIGHT per line is enough for CJK fonts (Noto Sans
 * CJK at 11 pt needs about 16 pt; Excel's default 15 pt row clips it in LibreOffice).
 */
const LINE_HEIGHT = 16;
const ROW_PADDING = 2;
/** Excel's tallest row. */
const MAX_ROW_HEIGHT = 409;

interface TextMetrics {
	/**
	 * For each line of the text (split at line breaks), the widths of the pieces a line may break
	 * between, in column-width units: a CJK character with any punctuation bound to it, a word, a space.
	 */
	lines: number[][];
	/** The widest piece: an ID number, a word or a date must not break, so no column is made narrower. */
	widest: number;
	/** The widest line. */
	width: number;
}

function textMetrics(text: string): TextMetrics {
	const lines: number[][] = [];
	let widest = 0;
	let width = 0;
	for (const line of text.split('\n')) {
		const pieces: number[] = [];
		let total = 0;
		// kind of the last piece: a CJK character, a word, a space, or an opening mark waiting for the next
		let last: 'wide' | 'word' | 'space' | 'open' | undefined;
		for (const ch of line) {
			const units = WIDE_CHAR.test(ch) ? WIDE_UNITS : NARROW_UNITS;
			total += units;
			const kind = /\s/.test(ch) ? 'space' : units === WIDE_UNITS ? 'wide' : 'word';
			const joins = pieces.length > 0 && (last === 'open' || (kind === 'word' && last === 'word') || (kind !== 'space' && NO_LINE_START.test(ch)));
			if (joins) pieces[pieces.length - 1] += units;
			else pieces.push(units);
			last = NO_LINE_END.test(ch) ? 'open' : kind;
		}
		for (const p of pieces) widest = Math.max(widest, p);
		width = Math.max(width, total);
		lines.push(pieces);
	}
	return { lines, widest, width };
}

/** The column width that holds `units` on one line. */
function widthFor(units: number): number {
	return Math.ceil(units + CELL_MARGIN);
}

/**
 * Lines a text takes in a wrapping cell `width` units wide, filling each line with the pieces that
 * fit as Excel and LibreOffice do; a piece wider than the line is broken anywhere.
 */
function wrappedLines(metrics: TextMetrics, width: number): number {
	const capacity = Math.max(1, width - CELL_MARGIN);
	let n = 0;
	for (const pieces of metrics.lines) {
		n++;
		let used = 0;
		for (const piece of pieces) {
			if (used > 0 && used + piece > capacity) {
				n++;
				used = 0;
			}
			used += piece;
			while (used > capacity) {
				n++;
				used -= capacity;
			}
		}
	}
	return n;
}

/** Lines of a cell's text, without measuring the many cells that surely fit on one line. */
function cellLines(text: string, width: number): number {
	if (text.length * WIDE_UNITS <= width - CELL_MARGIN && !text.includes('\n')) return 1;
	return wrappedLines(textMetrics(text), width);
}

/** The height of a row whose cells take at most `lines` lines of `fontSize` text. */
function rowHeight(lines: number, fontSize = 11): number {
	return Math.min(MAX_ROW_HEIGHT, Math.ceil((lines * LINE_HEIGHT * fontSize) / 11) + ROW_PADDING);
}

interface ColumnFit {
	/** Width for the text on one line (clamped, see `columnWidths`). */
	natural: number;
	/** The widest it may become to fill a page: its text on one line, or its explicit width. */
	most: number;
	/** The narrowest it may become (see `columnWidths`). */
	floor: number;
	/** The first rows' texts. */
	cells: TextMetrics[];
}

/** The narrowest width (floor..natural) at which FIT_SHARE of the sampled cells take at most `lines` lines. */
function widthForLines(fit: ColumnFit, lines: number): number {
	const fits = (width: number) => fit.cells.filter((m) => wrappedLines(m, width) <= lines).length >= FIT_SHARE * fit.cells.length;
	let low = fit.floor;
	let high = fit.natural;
	while (low < high) {
		const mid = Math.floor((low + high) / 2);
		if (fits(mid)) high = mid;
		else low = mid + 1;
	}
	return low;
}

/**
 * Column widths for screen and print, in column-width units. Each column gets the width of its
 * header or of its widest line in the first rows (clamped to 6..50; longer text wraps). An explicit
 * `width` is the most it gets — or its width outright when the first rows leave it empty, a column to
 * fill in by hand — but never so little that the header wraps or a word or number (an ID number)
 * breaks.
 * A table wider than the page is printed smaller (fitToWidth), one with more wrapped lines is
 * taller; the widths chosen make the printed table shortest while the print scale stays at least
 * MIN_PRINT_SCALE. Candidates: for 1, 2, 3… lines a row, the narrowest widths at which (nearly)
 * every row fits in that many lines, so long text shares the width by its length. When not even
 * the narrowest widths keep that scale, every column gets its narrowest width. A table that fits
 * the page with width to spare gives it to its wrapping columns, beyond 50 if need be.
 */
function columnWidths(columns: WriteColumn[], rows: Array<Record<string, unknown>>, orientation: 'landscape' | 'portrait'): number[] {
	const sample = rows.slice(0, WIDTH_SAMPLE_ROWS);
	const fits: ColumnFit[] = columns.map((c) => {
		const header = textMetrics(c.header);
		const cells = sample.map((row) => textMetrics(valueText(row[c.key]).slice(0, WIDTH_SAMPLE_CHARS)));
		const empty = cells.every((m) => m.width === 0);
		const content = widthFor(Math.max(0, ...cells.map((m) => m.width)));
		const headerWidth = widthFor(header.width);
		const unbreakable = widthFor(Math.max(header.widest, ...cells.map((m) => m.widest)));
		let natural = Math.max(headerWidth, content);
		if (c.width !== undefined) natural = Math.max(headerWidth, unbreakable, empty ? c.width : Math.min(c.width, natural));
		natural = Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, natural));
		// Narrowest: no word or number broken; short text (under MIN_WRAP_WIDTH) kept on one line, longer
		// text and an empty column (to write in) at least MIN_WRAP_WIDTH; a header of 5 or more characters
		// in at most two lines, a shorter one on one.
		let headerTwoLines = [...c.header.trim()].length < 5 ? Math.min(natural, headerWidth) : MIN_WIDTH;
		while (headerTwoLines < natural && wrappedLines(header, headerTwoLines) > 2) headerTwoLines++;
		const wrapping = empty ? MIN_WRAP_WIDTH : Math.min(content, MIN_WRAP_WIDTH);
		const floor = Math.min(natural, Math.max(MIN_WIDTH, unbreakable, wrapping, headerTwoLines));
		return { natural, most: c.width === undefined ? Math.max(natural, content) : natural, floor, cells };
	});
	// Excel draws a column w units wide as 7w + 5 pixels at 96 dpi (Calibri 11: "0" is 7 pixels).
	const printable = (A4_WIDTH_INCHES[orientation] - PRINT_MARGINS.left - PRINT_MARGINS.right) * 96;
	const pixels = (widths: number[]) => widths.reduce((a, w) => a + 7 * w + 5, 0);
	const scale = (widths: number[]) => Math.min(1, printable / pixels(widths));
	/** The sampled rows' printed height, in points at 100 %. */
	const height = (widths: number[]) => {
		let points = 0;
		for (let r = 0; r < sample.length; r++) {
			const lines = Math.max(1, ...fits.map((f, i) => wrappedLines(f.cells[r], widths[i])));
			points += rowHeight(lines);
		}
		return points;
	};
	let best: number[] | undefined;
	let bestHeight = Infinity;
	for (let lines = 1; lines <= MAX_ROW_LINES; lines++) {
		const widths = fits.map((f) => (lines === 1 ? f.natural : widthForLines(f, lines)));
		const s = scale(widths);
		if (s < MIN_PRINT_SCALE) continue;
		const printed = height(widths) * s;
		if (printed < bestHeight) {
			best = widths;
			bestHeight = printed;
		}
	}
	const widths = best ?? fits.map((f) => f.floor);
	// A table narrower than the page: the spare width goes to the columns whose text wraps, by how much
	// wider their text is, so that the table fills the page and its rows get shorter.
	const spare = Math.floor((printable - pixels(widths)) / 7);
	const need = fits.map((f, i) => Math.max(0, f.most - widths[i]));
	const needed = need.reduce((a, b) => a + b, 0);
	if (spare <= 0 || needed === 0) return widths;
	return widths.map((w, i) => w + Math.min(need[i], Math.floor((spare * need[i]) / needed)));
}

/** Page N of M, centred (header/footer codes &P and &N). */
const PAGE_FOOTER = '&C第 &P 页 共 &N 页';
const TITLE_FONT_SIZE = 16;
const SUBTITLE_FONT_SIZE = 10;
const THIN: ExcelJS.Border = { style: 'thin', color: { argb: 'FF808080' } };
const GRID: Partial<ExcelJS.Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };
const CENTRED: Partial<ExcelJS.Alignment> = { horizontal: 'center', vertical: 'middle', wrapText: true };
const TITLE_STYLE: Partial<ExcelJS.Style> = { font: { bold: true, size: TITLE_FONT_SIZE }, alignment: CENTRED };
const SUBTITLE_STYLE: Partial<ExcelJS.Style> = { font: { size: SUBTITLE_FONT_SIZE }, alignment: CENTRED };
const HEADER_STYLE: Partial<ExcelJS.Style> = {
	font: { bold: true },
	fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE5F0' } },
	border: GRID,
	alignment: CENTRED,
};
/**
 * Every data cell wraps: text longer than its column stays whole on paper (the row grows) instead of
 * being cut at the border or spilling over its neighbour.
 */
const DATA_STYLE: Partial<ExcelJS.Style> = { border: GRID, alignment: { vertical: 'top', wrapText: true } };

/**
 * A title row: its text over all columns, tall enough for the lines it wraps to (rows of merged
 * cells are never sized to their text, not even by Excel).
 */
function addTitleRow(sheet: ExcelJS.Worksheet, text: string, style: Partial<ExcelJS.Style>, fontSize: number, columns: number, tableWidth: number): void {
	const row = sheet.addRow([text]);
	row.getCell(1).style = style;
	if (columns > 1) sheet.mergeCells(row.number, 1, row.number, columns);
	// Text of a larger font takes proportionally more of the width.
	const lines = wrappedLines(textMetrics(text), (tableWidth * 11) / fontSize);
	row.height = rowHeight(lines, fontSize);
}

/**
 * An XLSX workbook, one sheet per entry, laid out to print as an office expects: an optional title
 * (and subtitle) merged above the header; a bold, shaded header row, frozen on screen and repeated
 * on every printed page; thin borders, text wrapped and top-aligned; column widths fitted to the
 * Chinese text (`columnWidths`); A4, landscape by default, scaled to one page wide, with
 * "第 N 页 共 M 页" in the footer. Text is kept as text (ID numbers and phone numbers stay exact),
 * numbers as numbers, dates as date cells. Formula-like text is neutralised (see
 * `neutralizeFormula`); exceljs drops control characters XML cannot hold.
 * Text longer than an Excel cell holds (32,767 characters) is cut, ending with a visible marker
 * "…【已截断，原文 N 字符 / truncated, N characters】", and reported through `onTruncate`: one
 * over-long cell (a pasted document in a note) must not cost a whole report run. Too many rows or
 * columns still throw TableError('too_large') — that is the report's shape, not one cell — rather
 * than write a file Excel must repair.
 */
export async function writeXlsx(sheets: WriteSheet[], options: WriteOptions = {}): Promise<Buffer> {
	const guard = options.formulaGuard ?? true;
	const text = (t: string) => (guard ? neutralizeFormula(t) : t);
	const workbook = new ExcelJS.Workbook();
	workbook.creator = 'n8n-nodes-smd';
	const used = new Set<string>();
	sheets.forEach((spec, index) => {
		const name = sheetName(spec.name, index, used);
		const titles: Array<[string, Partial<ExcelJS.Style>, number]> = [];
		// Titles are merged over the table's columns: a sheet without columns has none.
		if (spec.columns.length > 0) {
			if (spec.title?.trim()) titles.push([spec.title.trim(), TITLE_STYLE, TITLE_FONT_SIZE]);
			if (spec.subtitle?.trim()) titles.push([spec.subtitle.trim(), SUBTITLE_STYLE, SUBTITLE_FONT_SIZE]);
		}
		const headerRow = titles.length + 1;
		if (spec.columns.length > EXCEL_MAX_COLUMNS) {
			throw tooLarge(
				`Sheet “${name}” has ${spec.columns.length} columns; Excel allows ${EXCEL_MAX_COLUMNS}`,
				`工作表“${name}”有 ${spec.columns.length} 列，Excel 最多允许 ${EXCEL_MAX_COLUMNS} 列`,
			);
		}
		if (spec.rows.length + headerRow > EXCEL_MAX_ROWS) {
			throw tooLarge(
				`Sheet “${name}” has ${spec.rows.length} rows; Excel allows ${EXCEL_MAX_ROWS - headerRow} below the header`,
				`工作表“${name}”有 ${spec.rows.length} 行，Excel 表头以下最多允许 ${EXCEL_MAX_ROWS - headerRow} 行`,
			);
		}
		const orientation = spec.orientation ?? 'landscape';
		const sheet = workbook.addWorksheet(name, {
			// One line: LibreOffice gives this height to rows written without one (its 15 pt clips CJK text).
			properties: { defaultRowHeight: rowHeight(1) },
			views: [{ state: 'frozen', ySplit: headerRow }],
			pageSetup: {
				paperSize: PAPER_A4,
				orientation,
				// fitToPage (written as <pageSetUpPr fitToPage="1"/>) makes Excel and LibreOffice use
				// fitToWidth/fitToHeight instead of the scale; height 0 = as many pages as the rows need.
				fitToPage: true,
				fitToWidth: 1,
				fitToHeight: 0,
				margins: PRINT_MARGINS,
				horizontalCentered: true,
				printTitlesRow: `${headerRow}:${headerRow}`,
			},
			headerFooter: { oddFooter: PAGE_FOOTER },
		});
		const widths = columnWidths(spec.columns, spec.rows, orientation);
		// Keys only: a `header` here would make exceljs write it into row 1, where a title goes.
		sheet.columns = spec.columns.map((c, i) => ({ key: c.key, width: widths[i] }));
		const tableWidth = widths.reduce((a, b) => a + b, 0);
		for (const [line, style, size] of titles) addTitleRow(sheet, text(line), style, size, spec.columns.length, tableWidth);
		const headers = spec.columns.map((c) => text(c.header));
		const header = sheet.addRow(headers);
		for (let col = 1; col <= spec.columns.length; col++) header.getCell(col).style = HEADER_STYLE;
		const headerLines = Math.max(1, ...headers.map((h, i) => cellLines(h, widths[i])));
		if (headerLines > 1) header.height = rowHeight(headerLines);
		// Style objects are shared, never changed per cell: exceljs maps each object to its style once.
		const dateStyles = new Map<string, Partial<ExcelJS.Style>>();
		const dateStyle = (numFmt: string) => {
			if (!dateStyles.has(numFmt)) dateStyles.set(numFmt, { ...DATA_STYLE, numFmt });
			return dateStyles.get(numFmt)!;
		};
		spec.rows.forEach((input, r) => {
			const values: Record<string, ExcelJS.CellValue> = {};
			const formats: Array<string | undefined> = [];
			let lines = 1;
			spec.columns.forEach((column, i) => {
				const cell = xlsxValue(input[column.key], guard);
				if (cell.truncated !== undefined) options.onTruncate?.({ sheet: name, row: r + 1, column: column.header, length: cell.truncated });
				values[column.key] = cell.value;
				formats.push(cell.numFmt);
				if (typeof cell.value === 'string') lines = Math.max(lines, cellLines(cell.value, widths[i]));
			});
			const row = sheet.addRow(values);
			for (let col = 1; col <= spec.columns.length; col++) {
				const numFmt = formats[col - 1];
				row.getCell(col).style = numFmt ? dateStyle(numFmt) : DATA_STYLE;
			}
			// A row that wraps gets its height: only Excel sizes rows to wrapped text when opening a file.
			if (lines > 1) row.height = rowHeight(lines);
		});
	});
	return Buffer.from(await workbook.xlsx.writeBuffer());
}
