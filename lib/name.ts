/**
 * Person names as they arrive from forms, police lists and registry exports.
 *
 * Normalisation: trim, full-width → half-width (NFKC), inner white space removed, the middle-dot
 * family used in minority names (· • ・ ． ‧ ･ ∙ ⋅ and an ASCII full stop between characters)
 * unified to U+00B7 "·", traditional → simplified characters with OpenCC (opencc-js, the
 * maintained JavaScript port of Open Chinese Convert), Latin letters upper-cased.
 */
import { Converter } from 'opencc-js/t2cn';

/**
 * OpenCC's "t" (OpenCC standard traditional) → "cn" (mainland simplified). Taiwan and Hong Kong
 * variant characters are covered by chaining the "tw" and "hk" converters first.
 */
const fromTw = Converter({ from: 'tw', to: 'cn' });
const fromHk = Converter({ from: 'hk', to: 'cn' });
const fromT = Converter({ from: 't', to: 'cn' });

const DOT_FAMILY = /[·•・．‧･∙⋅.\u2027\u30FB\uFF65]+/g;
const SPACES = /[\s\u3000\u200B-\u200D\uFEFF]+/g;

/**
 * Names repeat a lot (a county list has many 王伟, 李娜 …): remember recent conversions. Bounded, so a
 * million distinct names cannot grow it without limit.
 */
const simplifiedCache = new Map<string, string>();
const CACHE_LIMIT = 50_000;

/** Convert traditional (incl. Taiwan/Hong Kong variant) characters to simplified. */
export function toSimplified(text: string): string {
	let out = simplifiedCache.get(text);
	if (out === undefined) {
		out = fromT(fromHk(fromTw(text)));
		if (simplifiedCache.size >= CACHE_LIMIT) simplifiedCache.clear();
		simplifiedCache.set(text, out);
	}
	return out;
}

/**
 * The canonical display form of a name: simplified characters, no spaces, middle dots unified to
 * "·" (leading/trailing dots dropped). Returns '' for anything that is not a usable name.
 */
export function normalizeName(raw: unknown): string {
	if (typeof raw !== 'string') return '';
	let s = raw.normalize('NFKC').replace(SPACES, '');
	s = s.replace(DOT_FAMILY, '·').replace(/^·+|·+$/g, '');
	if (!/[\p{L}]/u.test(s)) return '';
	return toSimplified(s).toUpperCase();
}

/**
 * The comparison key of a name: the normalised name with every separator removed, so that
 * "买买提·艾力", "买买提•艾力", "买买提 艾力" and "買買提艾力" share one key.
 */
export function nameKey(raw: unknown): string {
	return normalizeName(raw).replace(/·/g, '');
}

/** Do two names denote the same written name after normalisation? Empty names never agree. */
export function namesAgree(a: unknown, b: unknown): boolean {
	const ka = nameKey(a);
	return ka !== '' && ka === nameKey(b);
}
