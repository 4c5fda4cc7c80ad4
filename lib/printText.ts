/** Small text helpers the printed reports share (quarterly pack, work lists, referral forms). */

/** Text cut to `max` characters with "…": a 10,000-character name must not fill pages. */
export function clip(text: string | null | undefined, max: number): string {
	const chars = [...String(text ?? '')];
	return chars.length <= max ? chars.join('') : chars.slice(0, max - 1).join('') + '…';
}

/** 'YYYY-MM-DD HH:mm' in the server's local time, for "made at" lines. */
export function localStamp(d: Date): string {
	const p = (x: number) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
