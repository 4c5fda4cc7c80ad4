/**
 * Small rules and helpers shared by the tabular readers and writers: what looks like a formula, the
 * control characters reported as issues, column letters, bilingual messages.
 */
import { Buffer } from 'node:buffer';

// ---------------------------------------------------------------------------------------------
// Formulas and control characters
// ---------------------------------------------------------------------------------------------

/** Whether a character code starts a formula in Excel, LibreOffice and WPS (OWASP "CSV Injection"): = + - @ tab CR. */
export function isFormulaStart(code: number): boolean {
	return code === 0x3d || code === 0x2b || code === 0x2d || code === 0x40 || code === 0x09 || code === 0x0d;
}
/**
 * A cell starting with + or - that holds only digits, spaces and . , ( ) - % is a signed number or a
 * phone number ("-5", "-3.5%", "+86 138 0013 8000"): not a formula risk (no function name, no DDE
 * pipe, no reference can be written with these characters), so it is neither flagged nor prefixed.
 */
const SIGNED_NUMBER = /^[+-][\d\s.,()%-]*$/;

// C0/C1 controls except tab, LF, CR; and the bidirectional embedding/override/isolate characters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
export const LINE_BREAKS = /\r\n|\r|\n/g;

/**
 * True when a cell's text would be taken as a formula by a spreadsheet: it starts with '=' or '@'
 * (or a tab/CR, which some programs strip before evaluating), or with '+'/'-' followed by anything
 * but a plain number or phone number (see SIGNED_NUMBER). So `=cmd|' /C calc'!A0`, `@SUM(A1)`,
 * `+1+1`, `-2+3` and `-cmd` are formulas; `-5`, `-3.2`, `+86 13800138000` and `--` are not.
 */
export function looksLikeFormula(text: string): boolean {
	if (text.length === 0) return false;
	const first = text.charCodeAt(0);
	if (!isFormulaStart(first)) return false;
	if (first === 0x2b || first === 0x2d) return !SIGNED_NUMBER.test(text);
	return true;
}

/**
 * Formula-injection defence for files people open in a spreadsheet (OWASP "CSV Injection"): a text
 * that `looksLikeFormula` gets a leading apostrophe, so it is shown, not evaluated. Used by both
 * writers. Signed numbers and phone numbers are left alone (see `looksLikeFormula`).
 */
export function neutralizeFormula(text: string): string {
	return looksLikeFormula(text) ? `'${text}` : text;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

export function bilingual(en: string, zh: string): string {
	return `${en} / ${zh}`;
}

export function toBuffer(data: Buffer | Uint8Array): Buffer {
	return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Excel's column letters for a 1-based column number (1 → A, 27 → AA). */
export function columnLetter(n: number): string {
	let letters = '';
	for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) letters = String.fromCharCode(65 + ((k - 1) % 26)) + letters;
	return letters;
}

export function pad2(n: number): string {
	return n < 10 ? `0${n}` : String(n);
}

export function pad4(n: number): string {
	return String(n).padStart(4, '0');
}

