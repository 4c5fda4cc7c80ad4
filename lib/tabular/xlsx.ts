/**
 * Reading XLSX with exceljs: the sheet picked, each cell's text as Excel shows it (numbers, dates,
 * formulas, error cells), and Chinese Excel's built-in date formats made known to exceljs.
 */
import { excelScientificText } from '../excelNumber';
import { Buffer } from 'node:buffer';
import * as ExcelJS from 'exceljs';
import { headerKey } from '../columns';
import { bilingual, pad2, pad4 } from './helpers';
import { TableError, XLSX_BATCH_ROWS, type CellNote, type RawRecord, type ReadTableOptions, type RecordSource } from './types';

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
	if (Math.abs(n) >= 1e15) return { text: excelScientificText(n), note: { code: 'lost_precision' } };
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

export async function openXlsx(bytes: Buffer, options: ReadTableOptions): Promise<RecordSource> {
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
