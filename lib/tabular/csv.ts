/**
 * Reading CSV: the delimiter sniffed, the body parsed by csv-parse 1 MiB at a time, records numbered
 * by the line they start on, and over-long records reported (see `csvFailure`).
 */
import { Buffer } from 'node:buffer';
import { finished } from 'node:stream/promises';
import { setImmediate as macrotask } from 'node:timers/promises';
import { TextDecoder } from 'node:util';
import { parse as createCsvParser } from 'csv-parse';
import { checkText, resolveEncoding } from './encoding';
import { bilingual, LINE_BREAKS } from './helpers';
import {
	CHUNK_BYTES,
	MAX_CSV_RECORD_CHARS,
	SNIFF_BYTES,
	TableError,
	type CsvDelimiter,
	type RawRecord,
	type ReadTableOptions,
	type RecordSource,
	type TableEncoding,
} from './types';

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

export function openCsv(bytes: Buffer, options: ReadTableOptions): RecordSource {
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
