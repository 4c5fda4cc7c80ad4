/**
 * Linking person records (a police list row, a referral) to registry patients (docs/rules.md §6).
 *
 * A wrong automatic link is the worst error this system can make, so only one case links
 * automatically (`matched`): the normalised ID number is identical and the names agree after
 * normalisation. Everything else that looks like the same person is `probable` (one candidate) or
 * `ambiguous` (several), with the candidates and the reason, for a person to decide.
 */
import { idCheckChar, normalizeIdText, oneEditApart, parseIdNumber, readUnusableId } from './idNumber';
import { nameKey } from './name';
import type { Patient } from './model';

export type MatchStatus = 'matched' | 'probable' | 'ambiguous' | 'unmatched' | 'invalid';

export type CandidateReason =
	| 'id_match_name_differs'
	| 'id_match_no_name'
	| 'id_typo_name_agrees'
	| 'name_birth_match_id_differs'
	| 'name_match_registry_has_no_id'
	| 'name_match'
	| 'name_birth_match'
	| 'recorded_id_same_name_agrees'
	| 'recorded_id_same_name_differs'
	| 'recorded_id_one_edit_name_agrees'
	| 'id_columns_disagree';

export const CANDIDATE_REASON_LABELS: Record<CandidateReason, string> = {
	id_match_name_differs: '身份证号一致但姓名不一致',
	id_match_no_name: '身份证号一致但名单未提供可用姓名',
	id_typo_name_agrees: '身份证号疑似录入错误（一位数字错误或相邻两位颠倒），姓名一致',
	name_birth_match_id_differs: '姓名和出生日期一致，身份证号不同',
	name_match_registry_has_no_id: '姓名一致，登记库中该患者无身份证号',
	name_match: '姓名一致（无身份证号可核对）',
	name_birth_match: '姓名和出生日期一致（名单无可用身份证号）',
	recorded_id_same_name_agrees: '登记库中该患者的身份证号无效（按原样登记），与名单相同，姓名一致',
	recorded_id_same_name_differs: '登记库中该患者的身份证号无效（按原样登记），与名单相同，但姓名不一致',
	recorded_id_one_edit_name_agrees: '登记库中该患者的身份证号无效（按原样登记），与名单相差一位或两位颠倒，姓名一致',
	id_columns_disagree: '与名单其中一列身份证号及姓名一致，但名单另一列身份证号与之不同',
};

/** The reason given for an automatic link. */
export const AUTO_LINK_REASON = '身份证号一致且姓名一致：自动关联';

export interface MatchCandidate {
	/** Registry 患者编号. */
	patientId: string;
	reason: CandidateReason;
}

export interface MatchResult {
	matchStatus: MatchStatus;
	/** Registry 患者编号 when matched (or the single probable candidate is not linked: null). */
	patientId: string | null;
	/** The linked patient (matched) — for triage; never serialised as is. */
	patient: Patient | null;
	candidates: MatchCandidate[];
	/** Candidate patients in the order of `candidates`. */
	candidatePatients: Patient[];
	reasons: string[];
	/** The normalised 18-character ID when it was usable (valid or upgraded from 15 digits). */
	idNumber: string | null;
	nameKey: string;
	birthDate: string | null;
}

export interface PersonRecord {
	name?: unknown;
	idNumber?: unknown;
	/** A birth date given separately (YYYY-MM-DD), used when there is no usable ID. */
	birthDate?: string | null;
}

/** A list row: a person record that may have further ID-number columns (身份证号 and 公民身份号码). */
export interface ListRecord extends PersonRecord {
	/** Values of the list's further ID-number columns. */
	otherIdNumbers?: unknown[];
}

/** What the matcher needs from a registry (RegistryStore has it). */
export interface MatchSource {
	/** The patient holding this valid ID number. */
	getByIdNumber(id: string): Patient | undefined;
	/** Patients holding any of these valid ID numbers. */
	findByIdNumbers(ids: string[]): Patient[];
	/** Patients whose ID number is kept as recorded (not valid) and equals this text. */
	findByRecordedId(text: string): Patient[];
	findByNameKeyAndBirth(nameKey: string, birthDate: string): Patient[];
	findByNameKey(nameKey: string, limit?: number): Patient[];
	/** Patients of this name with no valid ID number (none, or one kept as recorded). */
	findByNameKeyWithoutValidId(nameKey: string, limit?: number): Patient[];
}

/** Text that stands in for "no name" in lists: 不详, 无, 未知, 合计, / … */
const PLACEHOLDER_NAMES = new Set(['不详', '无', '未知', '无名', '无名氏', '合计', '总计', '小计', '姓名', 'NULL', 'NA', 'N/A', '空']);

/** The comparison key of a name, or '' when it is not a usable name. */
export function usableNameKey(raw: unknown): string {
	const key = nameKey(raw);
	if (!key || PLACEHOLDER_NAMES.has(key)) return '';
	if (/^[\p{P}\p{S}\d]+$/u.test(key)) return '';
	return key;
}

/**
 * 18-character IDs one keystroke away from `text` that pass the check: one character substituted
 * (GB 11643's MOD 11-2 gives exactly one fitting value per position) or two adjacent ones swapped.
 */
export function idTypoVariants(text: string): string[] {
	if (!/^\d{17}[\dX]$/.test(text)) return [];
	const out = new Set<string>();
	const chars = text.split('');
	// A wrong check character: the body with its own check.
	out.add(text.slice(0, 17) + idCheckChar(text.slice(0, 17)));
	for (let pos = 0; pos < 17; pos++) {
		for (let d = 0; d <= 9; d++) {
			if (String(d) === chars[pos]) continue;
			const body = text.slice(0, pos) + d + text.slice(pos + 1, 17);
			if (idCheckChar(body) === text[17]) out.add(body + text[17]);
		}
	}
	for (let pos = 0; pos < 17; pos++) {
		if (chars[pos] === chars[pos + 1]) continue;
		const swapped = [...chars];
		[swapped[pos], swapped[pos + 1]] = [swapped[pos + 1], swapped[pos]];
		const s = swapped.join('');
		if (/^\d{17}[\dX]$/.test(s) && idCheckChar(s.slice(0, 17)) === s[17]) out.add(s);
	}
	out.delete(text);
	return [...out];
}

export interface MatchOptions {
	/** Day after which birth dates are impossible (default today). */
	today?: string;
	/** Most name-only candidates listed (default 10). */
	maxCandidates?: number;
}

export class Matcher {
	constructor(
		private readonly source: MatchSource,
		private readonly options: MatchOptions = {},
	) {}

	/**
	 * Link one record. A valid ID number is looked up; anything else that was written in the ID field
	 * (a wrong check character, an impossible date, a wrong length, letters, a number Excel cut to 15
	 * digits) is an unusable ID, treated the same way whatever made it unusable: the record is matched
	 * by name — with the birth date from the ID's trustworthy leading digits where there are some, or
	 * from a separate birth-date column — and registry patients whose number is one keystroke from it,
	 * or who hold the same flawed number as recorded, are candidates. Only `matched` links.
	 */
	match(record: PersonRecord): MatchResult {
		const key = usableNameKey(record.name);
		const rawId = record.idNumber;
		const hasIdText = rawId !== undefined && rawId !== null && String(rawId).trim() !== '';
		const parseOptions = this.options.today ? { today: this.options.today } : {};
		const id = hasIdText ? parseIdNumber(rawId, parseOptions) : null;
		const result: MatchResult = {
			matchStatus: 'unmatched',
			patientId: null,
			patient: null,
			candidates: [],
			candidatePatients: [],
			reasons: [],
			idNumber: id?.ok ? id.id : null,
			nameKey: key,
			birthDate: id?.ok ? id.birthDate : (record.birthDate ?? null),
		};
		const add = (p: Patient, reason: CandidateReason) => {
			if (result.candidatePatients.some((c) => c.rowId === p.rowId)) return;
			result.candidatePatients.push(p);
			result.candidates.push({ patientId: p.patientNo, reason });
		};

		if (id?.ok) {
			if (id.legacy15) result.reasons.push('15位身份证号已升位为18位后比对');
			const p = this.source.getByIdNumber(id.id);
			if (p) {
				if (key && key === p.nameKey) {
					result.matchStatus = 'matched';
					result.patientId = p.patientNo;
					result.patient = p;
					result.reasons.push(AUTO_LINK_REASON);
					return result;
				}
				add(p, key ? 'id_match_name_differs' : 'id_match_no_name');
				if (key) for (const c of this.source.findByNameKeyAndBirth(key, id.birthDate)) add(c, 'name_birth_match_id_differs');
			} else if (key) {
				const noValidId = this.source.findByNameKeyWithoutValidId(key, this.max());
				for (const c of noValidId) if (c.idNumber && oneEditApart(c.idNumber, id.id)) add(c, 'recorded_id_one_edit_name_agrees');
				for (const c of this.source.findByNameKeyAndBirth(key, id.birthDate)) add(c, 'name_birth_match_id_differs');
				for (const c of noValidId) if (!c.idNumber) add(c, 'name_match_registry_has_no_id');
			}
		} else {
			// No usable ID: missing, or unusable for whatever reason — one path for every kind.
			const readable = id && !id.ok ? readUnusableId(rawId, parseOptions) : null;
			const text = readable?.text ?? '';
			// A birth-date column is the list's own statement; the ID's digits come second. Digits of a
			// number whose check character or region is wrong may hold the very typo, so namesakes stay
			// candidates when no one of that name was born on that day.
			const birth = record.birthDate ?? readable?.birthDate ?? null;
			const birthUncertain = !record.birthDate && !!readable?.birthDate && !!id && !id.ok && (id.code === 'bad_check' || id.code === 'bad_region');
			if (id && !id.ok) {
				result.reasons.push(`身份证号无效：${id.error}；按缺失处理，以姓名${birth ? '和出生日期' : ''}比对`);
				if (birth && !result.birthDate) result.birthDate = birth;
			}
			if (text) {
				// The same flawed number kept as recorded in the registry.
				for (const c of this.source.findByRecordedId(text)) {
					if (key && c.nameKey === key) add(c, 'recorded_id_same_name_agrees');
					else if (key) add(c, 'recorded_id_same_name_differs');
				}
			}
			if (key) {
				if (text && /^\d{17}[\dX]$/.test(text)) {
					for (const c of this.source.findByIdNumbers(idTypoVariants(text))) if (c.nameKey === key) add(c, 'id_typo_name_agrees');
				}
				if (text) {
					for (const c of this.source.findByNameKeyWithoutValidId(key, this.max())) {
						if (c.idNumber && !c.idValid && oneEditApart(c.idNumber, text)) add(c, 'recorded_id_one_edit_name_agrees');
					}
				}
				// With a birth date (from trustworthy ID digits or a birth-date column) namesakes born on
				// another day are other people; without one, every namesake is a candidate.
				if (birth) for (const c of this.source.findByNameKeyAndBirth(key, birth)) add(c, id && !id.ok ? 'name_birth_match_id_differs' : 'name_birth_match');
				if (result.candidates.length === 0 && (!birth || birthUncertain)) {
					const byName = this.source.findByNameKey(key, this.max() + 1);
					for (const c of byName.slice(0, this.max())) add(c, 'name_match');
					if (byName.length > this.max()) result.reasons.push(`同名患者超过${this.max()}人，仅列出前${this.max()}人`);
				}
			}
			if (!key && result.candidates.length === 0) {
				result.matchStatus = 'invalid';
				result.reasons.push(hasIdText ? '姓名缺失且身份证号无效：信息不足' : '姓名和身份证号均缺失：信息不足');
				return result;
			}
		}

		if (result.candidates.length === 0) {
			result.matchStatus = 'unmatched';
			result.reasons.push('登记库中未找到该人员');
		} else {
			result.matchStatus = result.candidates.length === 1 ? 'probable' : 'ambiguous';
			for (const reason of new Set(result.candidates.map((c) => c.reason))) result.reasons.push(CANDIDATE_REASON_LABELS[reason]);
			result.reasons.push(result.candidates.length === 1 ? '疑似同一人，需人工核对' : `有${result.candidates.length}名候选患者，需人工核对`);
		}
		return result;
	}

	/**
	 * Link a list row that may carry several ID-number columns (docs/rules.md §6): the second column
	 * fills an empty first; when they disagree the row is never linked automatically.
	 */
	matchRecord(record: ListRecord): MatchResult {
		const { idNumber, disagreeing } = pickIdNumber(record);
		const m = this.match({ name: record.name, idNumber, birthDate: record.birthDate ?? null });
		return disagreeing.length > 0 ? this.withOtherIds(m, record.name, disagreeing, record.birthDate ?? null) : m;
	}

	/**
	 * A row whose ID columns disagree is never linked automatically: whoever either number (with the
	 * name) points at becomes a candidate for review.
	 */
	private withOtherIds(m: MatchResult, name: unknown, others: unknown[], birthDate: string | null): MatchResult {
		const out: MatchResult = {
			...m,
			candidates: [...m.candidates],
			candidatePatients: [...m.candidatePatients],
			reasons: m.reasons.filter((r) => r !== AUTO_LINK_REASON),
		};
		const add = (p: Patient, reason: MatchCandidate['reason']) => {
			if (out.candidatePatients.some((c) => c.rowId === p.rowId)) return;
			out.candidatePatients.push(p);
			out.candidates.push({ patientId: p.patientNo, reason });
		};
		if (m.patient) add(m.patient, 'id_columns_disagree');
		for (const other of others) {
			const m2 = this.match({ name, idNumber: other, birthDate });
			if (m2.patient) add(m2.patient, 'id_columns_disagree');
			m2.candidatePatients.forEach((p, i) => add(p, m2.candidates[i].reason));
		}
		out.reasons.push('名单中两列身份证号不一致：不自动关联，需人工核对');
		if (out.candidates.length > 0) {
			out.matchStatus = out.candidates.length === 1 ? 'probable' : 'ambiguous';
			out.patient = null;
			out.patientId = null;
		}
		return out;
	}

	private max(): number {
		return this.options.maxCandidates ?? 10;
	}
}

/**
 * The ID number to match a row by: its ID column, or the first further ID column when that is empty;
 * `disagreeing` lists further ID columns whose number differs from it (compared after normalising).
 */
function pickIdNumber(input: ListRecord): { idNumber: unknown; disagreeing: unknown[] } {
	const others = input.otherIdNumbers ?? [];
	const blank = (v: unknown) => v === undefined || v === null || String(v).trim() === '';
	if (blank(input.idNumber)) return { idNumber: others[0], disagreeing: others.slice(1).filter((o) => norm(o) !== norm(others[0])) };
	return { idNumber: input.idNumber, disagreeing: others.filter((o) => norm(o) !== norm(input.idNumber)) };
}

/** The comparison form of an ID value: the parsed 18-character number when valid (so a 15-digit and an 18-digit form agree), else its normalised text. */
function norm(v: unknown): string {
	const parsed = parseIdNumber(v);
	return parsed.ok ? parsed.id : (normalizeIdText(v) ?? String(v));
}
