/**
 * Tabular files that county staff exchange: national-system exports, police lists, registry
 * extracts. Reads CSV (UTF-8 with or without BOM, GBK/GB18030, UTF-16 with BOM) and XLSX; writes
 * XLSX and CSV with formula-injection defence.
 *
 * Libraries do the parsing: csv-parse for CSV, exceljs for XLSX, the WHATWG `TextDecoder` (full ICU
 * in Node 24) for encodings; csv-stringify and exceljs write. This module adds what a county file
 * needs on top:
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
 *
 * Files: types.ts (public types, TableError, limits), helpers.ts (formula and control-character
 * rules, small helpers), ../columns.ts (header names: `normalizeHeader`, `headerKey`,
 * `matchColumns`), encoding.ts (format and encoding detection), csv.ts and xlsx.ts (the readers),
 * header.ts (choosing and checking the header row), rows.ts (the row model and `openTable`,
 * `iterateTable`, `readTable`), write.ts (`writeCsv`, `writeXlsx`).
 */
export type {
	TableFormat,
	TableEncoding,
	CsvDelimiter,
	ReadTableOptions,
	CellIssueCode,
	CellIssue,
	TableRow,
	TableInfo,
	Table,
	OpenedTable,
	TableErrorCode,
} from './types';
export { TableError } from './types';
export { looksLikeFormula, neutralizeFormula, columnLetter } from './helpers';
export { normalizeHeader, headerKey, matchColumns } from '../columns';
export { detectFormat } from './encoding';
export { sniffDelimiter } from './csv';
export { openTable, iterateTable, readTable } from './rows';
export type { WriteColumn, WriteSheet, TruncatedCell, WriteOptions, WriteCsvOptions } from './write';
export { valueText, writeCsv, writeXlsx } from './write';
