/**
 * What kind of file this is and how its text is encoded: format detection (XLSX, old Excel, CSV),
 * rejection of binary content, and the choice and validation of a CSV file's encoding with the
 * messages that name the first bad line.
 */
import { Buffer, isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { bilingual, LINE_BREAKS, toBuffer } from './helpers';
import { CHUNK_BYTES, SNIFF_BYTES, TableError, type ReadTableOptions, type TableEncoding, type TableFormat } from './types';

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

function extensionOf(fileName: string | undefined): string {
	const m = fileName ? /\.([A-Za-z0-9]+)$/.exec(fileName.trim()) : null;
	return m ? m[1].toLowerCase() : '';
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
// Encoding
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
export function resolveEncoding(bytes: Buffer, requested: NonNullable<ReadTableOptions['encoding']>): { encoding: TableEncoding; start: number } {
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
export function checkText(bytes: Buffer): void {
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
