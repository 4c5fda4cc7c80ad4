/**
 * File names made from data (a township's name in a task list's file name). Whatever the data holds
 * — "/", "..", control characters, 200 characters — the name is a single valid file name on Linux
 * and Windows, not longer than the file system allows, and distinct names stay distinct.
 */
import { createHash } from 'node:crypto';

/** Characters Windows or Linux do not allow in a file name, and controls. */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const FORBIDDEN = /[\u0000-\u001F\u007F<>:"/\\|?*]/g;
/** Names Windows reserves whatever the extension. */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/** Bytes of a name part: most file systems allow 255 bytes per name; a Chinese character takes 3. */
const DEFAULT_MAX_BYTES = 90;

function utf8Length(text: string): number {
	return Buffer.byteLength(text, 'utf8');
}

function cutToBytes(text: string, maxBytes: number): string {
	let out = '';
	for (const ch of text) {
		if (utf8Length(out + ch) > maxBytes) break;
		out += ch;
	}
	return out;
}

/**
 * A piece of text made safe to stand inside a file name: forbidden characters become "_", runs of
 * dots collapse (no "..", no leading or trailing dot or space), and it is at most `maxBytes` UTF-8
 * bytes. Whenever anything had to change, a short hash of the original text is appended, so two
 * different texts never give the same part (a/b and a_b, or two long names alike at the start).
 */
export function safeFileNamePart(text: string, maxBytes = DEFAULT_MAX_BYTES): string {
	const original = text;
	let safe = text.normalize('NFC').replace(FORBIDDEN, '_').replace(/\.{2,}/g, '.').replace(/^[\s.]+|[\s.]+$/g, '');
	if (safe === '' || RESERVED.test(safe)) safe = `_${safe}`;
	const changed = safe !== original || utf8Length(safe) > maxBytes;
	if (!changed) return safe;
	const hash = createHash('sha256').update(original, 'utf8').digest('hex').slice(0, 8);
	return `${cutToBytes(safe, Math.max(1, maxBytes - 9)).replace(/[\s.]+$/, '')}~${hash}`;
}

/**
 * Distinct file names for a list of wanted names (compared ignoring case, as Windows and macOS do):
 * a repeat gets " (2)", " (3)"… before its extension.
 */
export function uniqueFileNames(names: string[]): string[] {
	const used = new Set<string>();
	return names.map((name) => {
		const dot = name.lastIndexOf('.');
		const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
		let candidate = name;
		for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
		used.add(candidate.toLowerCase());
		return candidate;
	});
}
