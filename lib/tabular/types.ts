/**
 * The table model's public types (options, rows, cell issues, table info), TableError, the limits
 * the readers and writers share, and the internal record types that pass from a reader (CSV, XLSX)
 * to the row assembly.
 */
import { SmdError } from '../errors';

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

export const DEFAULT_MAX_CELL_LENGTH = 2000;
/** CSV bytes decoded and parsed per step: bounds memory whatever the file size. */
export const CHUNK_BYTES = 1 << 20;
/** Bytes looked at to sniff binary content and the delimiter. */
export const SNIFF_BYTES = 64 * 1024;
/** Non-blank rows searched for the header. */
export const HEADER_SCAN_ROWS = 10;
/** At most this many single-cell title rows above a header are recognised as a title. */
export const MAX_TITLE_ROWS = 4;
/**
 * Default for `maxRecordChars`: a CSV record longer than this is almost certainly an unclosed quote
 * swallowing the file (or, rarely, one absurdly long line); the limit keeps such a file from filling
 * memory before the error is found.
 */
export const MAX_CSV_RECORD_CHARS = 16 * 1024 * 1024;
/** XLSX rows handed over per batch. */
export const XLSX_BATCH_ROWS = 2000;

/** Excel's limits (specifications and limits, Excel 2007 and later). */
export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_COLUMNS = 16_384;
export const EXCEL_MAX_CELL_CHARS = 32_767;

// ---------------------------------------------------------------------------------------------
// Internal: records as the readers hand them to the row assembly (not re-exported by index.ts)
// ---------------------------------------------------------------------------------------------

/** A note on one cell from the XLSX reader, turned into an issue once the row number is known. */
export interface CellNote {
	col: number;
	code: 'formula' | 'error_value' | 'lost_precision';
	/** Non-sensitive detail: the Excel error code such as "#N/A". */
	detail?: string;
}

/** One record as a reader produced it: raw cell texts (untrimmed) and where it starts. */
export interface RawRecord {
	cells: string[];
	line: number;
	notes?: CellNote[];
}

export interface RecordSource {
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
