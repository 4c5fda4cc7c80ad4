/**
 * The row model: raw records from a reader become `TableRow`s (trimmed, numbered, blank rows
 * skipped, cell issues reported), handed out lazily once the header is read; and the public reading
 * API (`openTable`, `iterateTable`, `readTable`).
 */
import { Buffer } from 'node:buffer';
import { headerKey } from '../columns';
import { openCsv } from './csv';
import { detectFormat } from './encoding';
import { buildHeaders, chooseHeader, columnByPosition, isBlank, isHeaderTrusted, matchRequired } from './header';
import { bilingual, CONTROL_CHARS, isFormulaStart, looksLikeFormula, toBuffer } from './helpers';
import {
	DEFAULT_MAX_CELL_LENGTH,
	HEADER_SCAN_ROWS,
	TableError,
	type CellIssue,
	type CellIssueCode,
	type CellNote,
	type OpenedTable,
	type RawRecord,
	type ReadTableOptions,
	type RecordSource,
	type Table,
	type TableFormat,
	type TableInfo,
	type TableRow,
} from './types';
import { openXlsx } from './xlsx';

// ---------------------------------------------------------------------------------------------
// Reading: shared row assembly
// ---------------------------------------------------------------------------------------------

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
