/**
 * One rule for matching column names and field labels as people write them: table headers (CSV and
 * XLSX files, police lists, registry exports) and the keys of records (follow-up forms, see
 * `findFieldKey` in forms.ts) are compared by `headerKey`, so "身份证号", "身份证号：", "*身份证号" and
 * "身份 证号" are the same name, and so are "ID" and "ｉｄ".
 *
 * Plain functions with no imports: cheap to use from any module.
 */

/**
 * A header as read: full-width forms → half-width (NFKC: "（" → "(", "ＩＤ" → "ID"), every space and
 * zero-width character removed (so "身份证号 ", "身份 证号" and "身份证\n号" are all "身份证号").
 */
export function normalizeHeader(text: string): string {
	return text.normalize('NFKC').replace(/[\s\u200B-\u200D\u2060\uFEFF]+/g, '');
}

/** Key for comparing header names: normalised, lower case, without a leading '*' or trailing ':'. */
export function headerKey(text: string): string {
	return normalizeHeader(text).toLowerCase().replace(/^\*+/, '').replace(/[:*]+$/, '');
}

/** Each name by its `headerKey`; when two names share a key, the first one. */
export function headersByKey(headers: Iterable<string>): Map<string, string> {
	const byKey = new Map<string, string>();
	for (const h of headers) {
		const key = headerKey(h);
		if (!byKey.has(key)) byKey.set(key, h);
	}
	return byKey;
}

/**
 * The name (from `headersByKey`) that the first of `aliases` matches by `headerKey`, skipping names
 * in `taken`; undefined when none matches.
 */
export function findColumn(byKey: ReadonlyMap<string, string>, aliases: readonly string[], taken?: ReadonlySet<string>): string | undefined {
	for (const alias of aliases) {
		const hit = byKey.get(headerKey(alias));
		if (hit !== undefined && (taken === undefined || !taken.has(hit))) return hit;
	}
	return undefined;
}

/**
 * Map named fields to the headers of a file: for each field, the first of its accepted names
 * (compared by headerKey) that the file has and no earlier field took. Also returns the headers no
 * field took. Used for registry exports and police lists alike.
 */
export function matchColumns<F extends string>(
	headers: readonly string[],
	columns: Readonly<Record<F, readonly string[]>>,
): { fields: Partial<Record<F, string>>; unknown: string[] } {
	const byKey = headersByKey(headers);
	const fields: Partial<Record<F, string>> = {};
	const used = new Set<string>();
	for (const [field, aliases] of Object.entries(columns) as Array<[F, readonly string[]]>) {
		const hit = findColumn(byKey, aliases, used);
		if (hit !== undefined) {
			fields[field] = hit;
			used.add(hit);
		}
	}
	return { fields, unknown: headers.filter((h) => !used.has(h)) };
}
