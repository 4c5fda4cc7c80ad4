/**
 * Masking of identifiers in outputs that leave the health department (docs/rules.md §8): ID number
 * keeps its first 6 and last 4 characters, a name its first character.
 */
import { normalizeIdText } from './idNumber';

export function maskIdNumber(raw: unknown): string {
	const text = normalizeIdText(raw);
	if (!text) return '';
	if (text.length <= 10) return '*'.repeat(text.length);
	return text.slice(0, 6) + '*'.repeat(text.length - 10) + text.slice(-4);
}

export function maskName(raw: unknown): string {
	if (typeof raw !== 'string') return '';
	const chars = [...raw.normalize('NFKC').replace(/\s+/g, '')];
	if (chars.length === 0) return '';
	return chars[0] + '*';
}

/** Mask an address after the township level: keep the first 6 characters. */
export function maskAddress(raw: unknown): string {
	if (typeof raw !== 'string') return '';
	const chars = [...raw.trim()];
	return chars.length <= 6 ? chars.join('') : chars.slice(0, 6).join('') + '****';
}
