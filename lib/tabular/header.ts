/**
 * The header row: which of the first rows it is (title rows skipped, known names preferred), whether
 * it is trusted to be a header rather than a data row, its column names, and the required columns.
 */
import { findColumn, headerKey, headersByKey, normalizeHeader } from '../columns';
import { bilingual, columnLetter } from './helpers';
import { MAX_TITLE_ROWS, TableError, type RawRecord } from './types';

function nonEmptyCells(record: RawRecord): number {
	let n = 0;
	for (const cell of record.cells) if (cell.length !== 0 && cell.trim() !== '') n++;
	return n;
}

export function isBlank(record: RawRecord): boolean {
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
export function chooseHeader(records: RawRecord[], candidates: number[], required: string[][] | undefined, known: Set<string> | undefined): number {
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
export function isHeaderTrusted(record: RawRecord, known: Set<string> | undefined): boolean {
	if (known) return knownCells(record, known) >= 1;
	return !record.cells.some((cell) => cell.length !== 0 && looksLikeData(normalizeHeader(cell)));
}

/** A column by position only, for messages about an untrusted header: "column C (3)" / "第 3 列（C 列）". */
export function columnByPosition(index: number): [string, string] {
	return [`column ${columnLetter(index + 1)} (${index + 1})`, `第 ${index + 1} 列（${columnLetter(index + 1)} 列）`];
}

/**
 * Column names from the header record: normalised; blanks → column_N; duplicates are an error. The
 * duplicate_header message names the column only when the header is trusted: an untrusted header may
 * be a data row, where two equal cells are, say, a patient's name twice.
 */
export function buildHeaders(record: RawRecord, where: string, trusted: boolean): string[] {
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

/** For each required column, the header that matches one of its names; missing ones are an error. */
export function matchRequired(headers: string[], required: string[][] | undefined, line: number, where: string): string[] {
	if (!required || required.length === 0) return [];
	const byKey = headersByKey(headers);
	const matched: string[] = [];
	const missing: string[][] = [];
	for (const group of required) {
		const hit = findColumn(byKey, group);
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
