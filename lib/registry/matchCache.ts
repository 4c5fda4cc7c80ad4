/**
 * Matching against a registry that answers asynchronously (PostgreSQL): the matcher's look-ups for a
 * whole list are found by running the matcher itself on a source that records what it asks, then
 * read in a few batched queries, and again until nothing is missing (a found patient can lead to
 * further look-ups). The matcher then runs on the filled cache. Matching and triage results are the
 * very ones the SQLite registry gives: the same matcher code asks the same questions.
 */
import type { Patient } from '../model';
import { Matcher, type ListRecord, type MatchSource } from '../matching';

/** Batched look-ups a backend answers (each returns every patient found, in row-id order). */
export interface BatchLookups {
	/** Patients holding any of these valid ID numbers. */
	byValidIds(ids: string[]): Promise<Patient[]>;
	/** Patients whose ID number is kept as recorded (not valid) and is any of these texts. */
	byRecordedIds(texts: string[]): Promise<Patient[]>;
	/** Patients with any of these (name key, birth date) pairs. */
	byNameKeyAndBirth(pairs: Array<[string, string]>): Promise<Patient[]>;
	/** For each name key, its first `limit` patients by row id (all, or those with no valid ID number). */
	byNameKeys(keys: string[], limit: number, withoutValidId: boolean): Promise<Patient[]>;
}

const sep = '\u0001';

/** A MatchSource over what has been read; it notes each look-up it cannot answer yet. */
class CachedSource implements MatchSource {
	readonly validIds = new Map<string, Patient[]>();
	readonly recordedIds = new Map<string, Patient[]>();
	readonly nameBirth = new Map<string, Patient[]>();
	/** name key + limit + 'all' | 'noValid' → patients. */
	readonly names = new Map<string, Patient[]>();
	readonly missing = { validIds: new Set<string>(), recordedIds: new Set<string>(), nameBirth: new Set<string>(), names: new Map<string, Set<string>>() };
	strict = false;

	private miss(): never {
		throw new Error('match cache: a look-up was not read beforehand (a defect: report it)');
	}

	getByIdNumber(id: string): Patient | undefined {
		return this.findByIdNumbers([id])[0];
	}

	findByIdNumbers(ids: string[]): Patient[] {
		const out: Patient[] = [];
		for (const id of ids) {
			const hit = this.validIds.get(id);
			if (hit) out.push(...hit);
			else if (this.strict) this.miss();
			else this.missing.validIds.add(id);
		}
		return out.sort((a, b) => a.rowId - b.rowId);
	}

	findByRecordedId(text: string): Patient[] {
		const hit = this.recordedIds.get(text);
		if (hit) return hit;
		if (this.strict) this.miss();
		this.missing.recordedIds.add(text);
		return [];
	}

	findByNameKeyAndBirth(nameKey: string, birthDate: string): Patient[] {
		const k = nameKey + sep + birthDate;
		const hit = this.nameBirth.get(k);
		if (hit) return hit;
		if (this.strict) this.miss();
		this.missing.nameBirth.add(k);
		return [];
	}

	private byName(nameKey: string, limit: number, kind: 'all' | 'noValid'): Patient[] {
		const k = `${kind}${sep}${limit}`;
		const hit = this.names.get(nameKey + sep + k);
		if (hit) return hit;
		if (this.strict) this.miss();
		let set = this.missing.names.get(k);
		if (!set) this.missing.names.set(k, (set = new Set()));
		set.add(nameKey);
		return [];
	}

	findByNameKey(nameKey: string, limit = 50): Patient[] {
		return this.byName(nameKey, limit, 'all');
	}

	findByNameKeyWithoutValidId(nameKey: string, limit = 50): Patient[] {
		return this.byName(nameKey, limit, 'noValid');
	}

	hasMissing(): boolean {
		const m = this.missing;
		return m.validIds.size + m.recordedIds.size + m.nameBirth.size + m.names.size > 0;
	}
}

function group<K>(patients: Patient[], keyOf: (p: Patient) => K): Map<K, Patient[]> {
	const out = new Map<K, Patient[]>();
	for (const p of patients) {
		const k = keyOf(p);
		const list = out.get(k);
		if (list) list.push(p);
		else out.set(k, [p]);
	}
	return out;
}

/** Read what the cache is missing, in one query per kind of look-up (chunked). */
async function fill(cache: CachedSource, db: BatchLookups, chunk: number): Promise<void> {
	const m = cache.missing;
	const chunks = <T>(all: T[]) => Array.from({ length: Math.ceil(all.length / chunk) }, (_, i) => all.slice(i * chunk, (i + 1) * chunk));
	for (const ids of chunks([...m.validIds])) {
		const found = group(await db.byValidIds(ids), (p) => p.idNumber as string);
		for (const id of ids) cache.validIds.set(id, found.get(id) ?? []);
	}
	for (const texts of chunks([...m.recordedIds])) {
		const found = group(await db.byRecordedIds(texts), (p) => p.idNumber as string);
		for (const t of texts) cache.recordedIds.set(t, found.get(t) ?? []);
	}
	for (const keys of chunks([...m.nameBirth])) {
		const pairs = keys.map((k) => k.split(sep) as [string, string]);
		const found = group(await db.byNameKeyAndBirth(pairs), (p) => p.nameKey + sep + p.birthDate);
		for (const k of keys) cache.nameBirth.set(k, found.get(k) ?? []);
	}
	for (const [k, set] of m.names) {
		const [kind, limit] = k.split(sep);
		for (const keys of chunks([...set])) {
			const found = group(await db.byNameKeys(keys, Number(limit), kind === 'noValid'), (p) => p.nameKey);
			for (const name of keys) cache.names.set(name + sep + k, found.get(name) ?? []);
		}
	}
	m.validIds.clear();
	m.recordedIds.clear();
	m.nameBirth.clear();
	m.names.clear();
}

/**
 * A MatchSource holding every look-up the matcher makes for `records` (with `today` as the triage
 * passes it). Rounds of: match all records on the cache, read what was missing. A look-up outside
 * what was read throws instead of answering wrongly.
 */
export async function prefetchMatchSource(db: BatchLookups, records: ListRecord[], options: { today?: string; chunk?: number } = {}): Promise<MatchSource> {
	const cache = new CachedSource();
	const matcher = new Matcher(cache, options.today ? { today: options.today } : {});
	for (let round = 0; round < 8; round++) {
		for (const r of records) matcher.matchRecord(r);
		if (!cache.hasMissing()) {
			cache.strict = true;
			return cache;
		}
		await fill(cache, db, options.chunk ?? 5000);
	}
	throw new Error('match cache: look-ups did not settle after 8 rounds (a defect: report it)');
}
