/**
 * Resident identity numbers (居民身份证号码), GB 11643-1999.
 *
 * 18 characters: 6-digit region code (GB/T 2260) + birth date YYYYMMDD + 3-digit sequence
 * (odd = male) + check character. Legacy 15-digit numbers carry YYMMDD (19YY) and no check
 * character; they are converted to 18 characters.
 *
 * Nothing here throws on bad input, and no error message contains the number itself
 * (精神卫生法 第四条: identifiers never reach logs or error texts).
 */

import { isCalendarDate } from './dates';
import { excelScientificText } from './excelNumber';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Province-level codes in use in GB/T 2260 (plus 71 台湾, 81 香港, 82 澳门, 83 台湾居民居住证). */
const PROVINCE_CODES = new Set([
	'11', '12', '13', '14', '15',
	'21', '22', '23',
	'31', '32', '33', '34', '35', '36', '37',
	'41', '42', '43', '44', '45', '46',
	'50', '51', '52', '53', '54',
	'61', '62', '63', '64', '65',
	'71', '81', '82', '83',
]);

export type IdErrorCode =
	| 'empty'
	| 'not_text'
	| 'bad_characters'
	| 'bad_length'
	| 'bad_region'
	| 'bad_date'
	| 'bad_check';

export interface ParsedId {
	ok: true;
	/** The normalised 18-character number. */
	id: string;
	/** Birth date as YYYY-MM-DD. */
	birthDate: string;
	sex: 'male' | 'female';
	/** The 6-digit region code of the place of first registration. */
	regionCode: string;
	/** True when the input was a legacy 15-digit number. */
	legacy15: boolean;
}

export interface IdError {
	ok: false;
	code: IdErrorCode;
	/** A message that names the problem but never repeats the number. */
	error: string;
	/**
	 * The number after normalisation (full-width → half-width, spaces and hyphens dropped,
	 * x → X), when it was text. Matching uses it to look for typo candidates; never log it.
	 */
	normalized?: string;
}

export type IdParseResult = ParsedId | IdError;

export interface ParseIdOptions {
	/** Birth dates after this day (YYYY-MM-DD) are rejected. Default: today. */
	today?: string;
}

const HYPHENS_AND_SPACES = /[\s\-‐‑‒–—―−﹣－_]/g;

/**
 * Normalise a raw ID value as typed on forms and in spreadsheets: trim, full-width → half-width
 * (NFKC), drop spaces and hyphens, x → X. Returns null when the value is not text or a safe number.
 */
export function normalizeIdText(raw: unknown): string | null {
	if (typeof raw === 'number') {
		if (!Number.isSafeInteger(raw) || raw < 0) return null;
		return String(raw);
	}
	if (typeof raw === 'bigint') return raw >= 0n ? raw.toString() : null;
	if (typeof raw !== 'string') return null;
	return raw.normalize('NFKC').replace(HYPHENS_AND_SPACES, '').replace(/x/g, 'X');
}

/** The check character for the first 17 digits of an 18-character number. */
export function idCheckChar(first17: string): string {
	if (!/^\d{17}$/.test(first17)) throw new Error('idCheckChar needs exactly 17 digits');
	let sum = 0;
	for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
	return CHECK_CHARS[sum % 11];
}

/** Convert a legacy 15-digit number to 18 characters (insert "19", append the check character). */
export function upgradeId15(id15: string): string {
	if (!/^\d{15}$/.test(id15)) throw new Error('upgradeId15 needs exactly 15 digits');
	const first17 = id15.slice(0, 6) + '19' + id15.slice(6);
	return first17 + idCheckChar(first17);
}

function fail(code: IdErrorCode, error: string, normalized?: string): IdError {
	return normalized === undefined ? { ok: false, code, error } : { ok: false, code, error, normalized };
}

function todayIso(): string {
	const d = new Date();
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export { isCalendarDate };

/**
 * Parse and validate a resident ID number. Never throws: anything that is not a valid number
 * (null, objects, junk text, numbers that lost precision) gives `{ ok: false, code, error }`.
 */
export function parseIdNumber(raw: unknown, options: ParseIdOptions = {}): IdParseResult {
	try {
		if (raw === null || raw === undefined) return fail('empty', '身份证号为空 (ID number is empty)');
		if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
			return fail(
				'not_text',
				'身份证号以数值形式提供，已丢失精度，请以文本格式提供 (ID number was given as a number and lost precision; supply it as text)',
			);
		}
		const text = normalizeIdText(raw);
		if (text === null) return fail('not_text', '身份证号不是文本 (ID number is not text)');
		if (text === '') return fail('empty', '身份证号为空 (ID number is empty)');
		if (!/^\d+X?$/.test(text)) {
			return fail('bad_characters', '身份证号含有非法字符 (ID number contains characters other than digits and a final X)', text);
		}

		let id: string;
		let legacy15 = false;
		if (text.length === 15) {
			if (text.endsWith('X')) return fail('bad_characters', '15位身份证号不应含X (a 15-digit ID number has no X)', text);
			legacy15 = true;
			id = upgradeId15(text);
		} else if (text.length === 18) {
			id = text;
		} else {
			return fail('bad_length', `身份证号位数错误：${text.length}位，应为18位或15位 (ID number has ${text.length} characters, expected 18 or 15)`, text);
		}

		const regionCode = id.slice(0, 6);
		if (!PROVINCE_CODES.has(regionCode.slice(0, 2))) {
			return fail('bad_region', '身份证号地区码无效 (ID number region code is not a valid province)', text);
		}

		const y = Number(id.slice(6, 10));
		const m = Number(id.slice(10, 12));
		const d = Number(id.slice(12, 14));
		const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
		if (!isCalendarDate(y, m, d) || y < 1880) {
			return fail('bad_date', '身份证号出生日期无效 (ID number birth date is not a real date)', text);
		}
		if (birthDate > (options.today ?? todayIso())) {
			return fail('bad_date', '身份证号出生日期晚于今天 (ID number birth date is in the future)', text);
		}

		if (!legacy15) {
			const expected = idCheckChar(id.slice(0, 17));
			if (id[17] !== expected) {
				return fail('bad_check', '身份证号校验位错误 (ID number check character does not match)', text);
			}
		}

		const seq = Number(id[16]);
		return { ok: true, id, birthDate, sex: seq % 2 === 1 ? 'male' : 'female', regionCode, legacy15 };
	} catch {
		// Defensive: nothing above should throw, but a parse must never lose a batch.
		return fail('not_text', '身份证号无法解析 (ID number could not be read)');
	}
}

/** What can still be read from an ID number that failed validation. */
export interface UnusableIdInfo {
	/**
	 * The number as recorded, normalised (`normalizeIdText`), or the digits of a number that lost
	 * precision ("4.39901198710189E+17" stays as written). Null when it is not text at all.
	 */
	text: string | null;
	/** Leading digits that can be trusted (empty when none can): see `readUnusableId`. */
	trustedDigits: string;
	/** Birth date (YYYY-MM-DD) from trusted digits 7–14, when they form a real date; else null. */
	birthDate: string | null;
}

/** Excel's way of showing a long number: 4.39901198710189E+17 (15 significant digits at most). */
const SCIENTIFIC = /^(\d)(?:\.(\d+))?E\+?(\d{1,2})$/i;

/**
 * The readable part of an ID number that `parseIdNumber` rejected, for matching by name and birth
 * date (never for linking):
 * - a number that lost precision (an Excel number cell, shown as 4.39901198710189E+17, or a
 *   JavaScript number above 2^53): all significant digits but the last, which may be rounded, are
 *   trusted — with Excel's 15 that is the region code and the birth date;
 * - 18 digits whose check character or region code is wrong: the digits are as typed, so the birth
 *   date is read from them when it is a real date (a wrong digit there gives a wrong date, which only
 *   finds no one);
 * - anything else (wrong length, letters, an impossible date): nothing is trusted.
 */
export function readUnusableId(raw: unknown, options: ParseIdOptions = {}): UnusableIdInfo {
	let text: string | null;
	let trusted = '';
	let legacyLength = false;
	if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 && !Number.isSafeInteger(raw)) {
		const digits = raw.toExponential(14).replace(/e.*$/, '').replace('.', ''); // 15 significant digits
		const exponent = Math.floor(Math.log10(raw));
		text = excelScientificText(raw);
		if (exponent === 17 || exponent === 14) trusted = digits.slice(0, 14);
		legacyLength = exponent === 14;
	} else {
		text = normalizeIdText(raw);
		const sci = text ? SCIENTIFIC.exec(text) : null;
		if (sci) {
			const digits = sci[1] + (sci[2] ?? '');
			const length = Number(sci[3]) + 1;
			if ((length === 18 || length === 15) && digits.length >= 2) trusted = digits.slice(0, Math.min(digits.length - 1, length));
			legacyLength = length === 15;
		} else if (text && /^\d{17}[\dX]$/.test(text)) {
			const parsed = parseIdNumber(text, options);
			if (!parsed.ok && (parsed.code === 'bad_check' || parsed.code === 'bad_region')) trusted = text.slice(0, 17);
		}
	}
	// A legacy 15-digit number holds YYMMDD (19YY) at positions 7–12; an 18-digit one YYYYMMDD at 7–14.
	const legacy = legacyLength;
	const dateDigits = legacy ? (trusted.length >= 12 ? `19${trusted.slice(6, 12)}` : '') : trusted.length >= 14 ? trusted.slice(6, 14) : '';
	let birthDate: string | null = null;
	if (dateDigits) {
		const y = Number(dateDigits.slice(0, 4));
		const m = Number(dateDigits.slice(4, 6));
		const d = Number(dateDigits.slice(6, 8));
		const iso = `${dateDigits.slice(0, 4)}-${dateDigits.slice(4, 6)}-${dateDigits.slice(6, 8)}`;
		if (y >= 1880 && isCalendarDate(y, m, d) && iso <= (options.today ?? todayIso())) birthDate = iso;
	}
	return { text, trustedDigits: trusted, birthDate };
}

/**
 * Whether two ID texts are one keystroke apart: one character substituted, two adjacent characters
 * swapped, or one character missing or extra. Equal texts are not.
 */
export function oneEditApart(a: string, b: string): boolean {
	if (a === b) return false;
	if (a.length === b.length) {
		let first = -1;
		let second = -1;
		for (let i = 0; i < a.length; i++) {
			if (a[i] === b[i]) continue;
			if (first < 0) first = i;
			else if (second < 0) second = i;
			else return false;
		}
		if (second < 0) return true; // one substitution
		return second === first + 1 && a[first] === b[second] && a[second] === b[first];
	}
	if (Math.abs(a.length - b.length) !== 1) return false;
	const [short, long] = a.length < b.length ? [a, b] : [b, a];
	let i = 0;
	while (i < short.length && short[i] === long[i]) i++;
	return short.slice(i) === long.slice(i + 1);
}
