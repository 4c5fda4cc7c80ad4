/**
 * A synthetic demo county (演示县) for `npm run demo`, the tests and the benchmarks: a registry export
 * of SMD patients and a police-issued list (公安下发纳管名单) with planted noise, plus the truth of
 * every list row. Everything is generated from a seed; the same options give byte-identical files.
 *
 * Never real people:
 * - every ID number lies under prefecture 4399 (province 43, prefecture code 99), which GB/T 2260
 *   assigns to no area, so no demo ID can be a real person's; the check character is correct, so the
 *   numbers pass GB 11643 validation like real ones;
 * - names are random combinations (surnames and given-name characters from @faker-js/faker's zh_CN
 *   data; minority-style names from syllable lists written here), addresses are made-up villages of
 *   made-up townships, guardian phone numbers start with 10/11/12, which no mobile network uses.
 *
 * Random access: patient i is derived from (seed, i) alone (`patientAt`), so a 1,000,000-patient
 * registry streams to disk without holding patients in memory, and the police list samples any
 * registry size cheaply. A smaller registry with the same seed is a prefix of a larger one.
 * ID numbers are unique by construction: the birth date and sequence number of patient i come from a
 * keyed permutation (a Feistel network with cycle walking) of i over all (birth date, sequence) slots.
 *
 * No n8n import: plain TypeScript over lib/.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import * as iconv from 'iconv-lite';
import { Converter } from 'opencc-js';
import { idCheckChar, isCalendarDate } from '../lib/idNumber';
import { nameKey } from '../lib/name';
import { CLASSIFICATIONS, DISORDERS, MANAGEMENT_STATUS, MEDICATION } from '../lib/vocabulary';
import type { Classification, DisorderCode, ManagementStatus, Medication } from '../lib/vocabulary';

// ---------------------------------------------------------------------------------------------
// Public constants and types
// ---------------------------------------------------------------------------------------------

/**
 * The demo county's region code. Province 43 exists, but prefecture code 99 under it is assigned to
 * no area in GB/T 2260, so no demo ID number can be a real person's. Some demo patients were first
 * registered in sibling demo counties 439902–439906 (also fictitious).
 */
export const DEMO_REGION = '439901';
export const DEMO_PREFECTURE = '4399';
export const DEMO_TOWNSHIPS: readonly string[] = ['城关镇', '河西乡', '青山镇', '柳林乡', '石桥镇'];
export const DEMO_SEED = 20261120;
export const DEMO_AS_OF = '2026-11-20';
export const DEFAULT_PATIENTS = 3000;
export const DEFAULT_POLICE_ROWS = 600;
export const MAX_POLICE_ROWS = 50_000;

export const REGISTRY_HEADERS = [
	'患者编号',
	'姓名',
	'性别',
	'身份证号',
	'出生日期',
	'现住址',
	'所属乡镇',
	'诊断',
	'管理状态',
	'危险性评估',
	'病情分类',
	'末次随访日期',
	'服药情况',
	'监护人',
	'监护人电话',
	'建档日期',
	'末次体检日期',
] as const;
export const POLICE_HEADERS = ['序号', '姓名', '性别', '身份证号', '现住址', '所属派出所', '所属乡镇', '人员类别', '备注'] as const;

export type RegistryRecord = Record<(typeof REGISTRY_HEADERS)[number], string>;
export type PoliceRecord = Record<(typeof POLICE_HEADERS)[number], string>;

export interface DemoOptions {
	/** Default 20261120. */
	seed?: number;
	/** Registry size, default 3000. */
	patients?: number;
	/** Police-list rows, default 600, at most 50,000. */
	policeRows?: number;
	/** The day the data describe (YYYY-MM-DD), default 2026-11-20: follow-up dates count back from it. */
	asOf?: string;
}

export interface WriteDemoOptions extends DemoOptions {
	/** Also write police-list.gbk.csv, the list encoded in GBK (as county offices often receive it). */
	gbk?: boolean;
	/** Also write police-list.xlsx (same rows, ID numbers as text cells). */
	xlsx?: boolean;
}

/**
 * What a police-list row really is. Every row has exactly one kind.
 * - `exact`: a registry patient, name and ID as in the registry.
 * - `fullwidth`: ID in full-width digits/letters (０-９, Ｘ).
 * - `lowercase_x`: ID whose check character X is written x.
 * - `spaces_hyphens`: ID with spaces or hyphens inside.
 * - `traditional`: name in traditional characters (OpenCC cn→t); simplifies back to the registry name.
 * - `minority_separator`: minority name with another separator (• ・ ． or none) instead of ·.
 * - `name_spaces`: name with spaces inside (王 伟, or with an ideographic space U+3000), as
 *   spreadsheets pad two-character names.
 * - `id_typo`: one digit of the ID body mistyped (the check fails).
 * - `id_transposition`: two adjacent digits of the ID body swapped (the check fails).
 * - `bad_check_only`: only the check character is wrong.
 * - `id15`: legacy 15-digit ID (patients born 1900–1999).
 * - `name_differs`: a registry patient's correct ID with another patient's name (wrong-link bait).
 * - `namesake`: no ID, a name several registry patients share.
 * - `name_only`: no ID, a name exactly one registry patient has.
 * - `duplicate`: repeats the person of an earlier row (`duplicateOfRow`), maybe written differently (`variant`).
 * - `not_in_registry`: a person not in the registry, with a valid fictitious ID and a name no patient has.
 * - `junk`: neither a usable name nor a usable ID ('合计', '/', '不详', an empty name with '123', …).
 */
export type NoiseKind =
	| 'exact'
	| 'fullwidth'
	| 'lowercase_x'
	| 'spaces_hyphens'
	| 'traditional'
	| 'minority_separator'
	| 'name_spaces'
	| 'id_typo'
	| 'id_transposition'
	| 'bad_check_only'
	| 'id15'
	| 'name_differs'
	| 'namesake'
	| 'name_only'
	| 'duplicate'
	| 'not_in_registry'
	| 'junk';

/** Share of each kind in the police list (sums to 1). */
export const NOISE_SHARES: ReadonlyArray<readonly [NoiseKind, number]> = [
	['exact', 0.4],
	['fullwidth', 0.05],
	['lowercase_x', 0.02],
	['spaces_hyphens', 0.03],
	['traditional', 0.05],
	['minority_separator', 0.03],
	['name_spaces', 0.02],
	['id_typo', 0.05],
	['id_transposition', 0.02],
	['bad_check_only', 0.02],
	['id15', 0.04],
	['name_differs', 0.02],
	['namesake', 0.02],
	['name_only', 0.03],
	['duplicate', 0.05],
	['not_in_registry', 0.12],
	['junk', 0.03],
];
export const NOISE_KINDS: readonly NoiseKind[] = NOISE_SHARES.map(([k]) => k);

export interface PoliceTruth {
	/** 1-based data row (= 序号). */
	row: number;
	kind: NoiseKind;
	/** The registry 患者编号 this row is really about, null if nobody (not_in_registry, junk). */
	patientNo: string | null;
	/** duplicate: the earlier row of the same person. */
	duplicateOfRow?: number;
	/** duplicate: how this copy is written (exact, fullwidth, spaces_hyphens, traditional, id15). */
	variant?: NoiseKind;
	/** name_differs: the patient whose name the row carries (the ID is `patientNo`'s). */
	namePatientNo?: string;
	/** namesake: every registry patient with that name (the row is about one of them: `patientNo`). */
	namesakes?: string[];
}

export interface PoliceCounts {
	rows: number;
	byKind: Record<NoiseKind, number>;
	/** Rows about a registry patient, by that patient's 管理状态 (codes). */
	byPatientStatus: Record<ManagementStatus, number>;
	/** 人员类别 counts. */
	byCategory: Record<string, number>;
	/** Rows that fell back to another kind because the registry had too few fitting patients. */
	shortfalls: Partial<Record<NoiseKind, number>>;
}

export interface PoliceList {
	rows: PoliceRecord[];
	truth: PoliceTruth[];
	counts: PoliceCounts;
}

/** A registry by index, so a large generated registry need not be held in memory. */
export interface RegistrySource {
	size: number;
	at(i: number): Record<string, string>;
	/** Fast path for the name of row i (the police list counts how many patients share a name). */
	nameAt?(i: number): string;
	/** True when persons generated for indices >= size cannot share an ID with the registry. */
	idsDisjoint?: boolean;
}

export interface RegistryCounts {
	patients: number;
	byStatus: Record<ManagementStatus, number>;
	byClassification: Record<Classification, number>;
	byTownship: Record<string, number>;
	riskAtLeast3: number;
	minorityNames: number;
	/** Patients planted with another patient's full name (their sources excluded). */
	plantedNamesakes: number;
}

export interface DemoFiles {
	registryCsv: string;
	policeCsv: string;
	policeGbkCsv?: string;
	policeXlsx?: string;
	truthJson: string;
	counts: {
		registry: RegistryCounts;
		police: PoliceCounts;
		registryBytes: number;
		/** Characters GBK cannot hold, replaced in police-list.gbk.csv (• ・ → ·, others → ?). */
		gbkSubstitutions?: number;
		registryMs: number;
		policeMs: number;
	};
}

// ---------------------------------------------------------------------------------------------
// Deterministic random numbers (counter-based, so patient i needs no state from patients < i)
// ---------------------------------------------------------------------------------------------

// Hot paths use module-level aliases of Math's functions: inside a vm context (jest) every access to
// a global such as `Math` or `String` goes through the context's interceptors, over ten times slower.
// Signed 32-bit arithmetic throughout (`| 0`), so no value needs boxing.
const imul = Math.imul;
const floor = Math.floor;
const pad3 = (n: number) => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

function fmix32(h: number): number {
	h ^= h >>> 16;
	h = imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = imul(h, 0xc2b2ae35);
	return h ^ (h >>> 16);
}

export function hash3(a: number, b: number, c: number): number {
	return fmix32(fmix32(fmix32(a ^ 0x9e3779b9) + imul(b, 0x85ebca77)) ^ imul(c + 0x165667b1, 0xc2b2ae3d));
}

/** mulberry32: small, fast, good enough for synthetic data. */
export class Rng {
	private s: number;
	constructor(seed: number) {
		this.s = seed | 0;
	}
	/** A signed 32-bit random integer. */
	next(): number {
		this.s = (this.s + 0x6d2b79f5) | 0;
		let t = this.s;
		t = imul(t ^ (t >>> 15), t | 1);
		t ^= t + imul(t ^ (t >>> 7), t | 61);
		return t ^ (t >>> 14);
	}
	float(): number {
		return (this.next() >>> 0) / 4294967296;
	}
	int(n: number): number {
		return floor(this.float() * n);
	}
	range(lo: number, hi: number): number {
		return lo + this.int(hi - lo + 1);
	}
	chance(p: number): boolean {
		return this.float() < p;
	}
	pick<T>(a: readonly T[]): T {
		return a[this.int(a.length)];
	}
	weighted<T>(table: ReadonlyArray<readonly [T, number]>): T {
		let u = this.float() * table.reduce((s, [, w]) => s + w, 0);
		for (const [v, w] of table) {
			if ((u -= w) < 0) return v;
		}
		return table[table.length - 1][0];
	}
	shuffle<T>(a: T[]): T[] {
		for (let i = a.length - 1; i > 0; i--) {
			const j = this.int(i + 1);
			[a[i], a[j]] = [a[j], a[i]];
		}
		return a;
	}
}

export const STREAM = { patient: 1, name: 2, feistel: 3, police: 4, guardian: 5, record: 6, followUp: 7 } as const;

// ---------------------------------------------------------------------------------------------
// Vocabulary of the synthetic county
// ---------------------------------------------------------------------------------------------

const TOWNSHIP_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
	['城关镇', 30],
	['河西乡', 18],
	['青山镇', 20],
	['柳林乡', 14],
	['石桥镇', 18],
];

/** Made-up village names, six per township. */
const VILLAGES: Record<string, readonly string[]> = {
	城关镇: ['东升', '南塘', '北岗', '西坪', '柏树', '桂花'],
	河西乡: ['沙洲', '芦湾', '渡口', '柳湾', '杏林', '马鞍'],
	青山镇: ['松岭', '竹园', '石门', '云台', '茶坡', '枫林'],
	柳林乡: ['榆树', '槐荫', '梨花', '杨家坝', '桑园', '荷塘'],
	石桥镇: ['板桥', '金鸡', '龙潭', '凤鸣', '白沙', '黄土岭'],
};

const DISORDER_WEIGHTS: ReadonlyArray<readonly [DisorderCode, number]> = [
	['schizophrenia', 70],
	['bipolar', 10],
	['delusional', 6],
	['intellectual_disability_psychosis', 6],
	['schizoaffective', 4],
	['epilepsy_psychosis', 4],
];

const STATUS_WEIGHTS: ReadonlyArray<readonly [ManagementStatus, number]> = [
	['active', 86],
	['lost', 5],
	['deceased', 4],
	['moved_out', 3],
	['refused', 2],
];

const RISK_WEIGHTS: ReadonlyArray<readonly [number, number]> = [
	[0, 700],
	[1, 200],
	[2, 70],
	[3, 20],
	[4, 7],
	[5, 3],
];

const MEDICATION_WEIGHTS: ReadonlyArray<readonly [Medication, number]> = [
	['regular', 65],
	['intermittent', 20],
	['none', 10],
	['not_required', 5],
];

const POLICE_REMARKS = ['', '', '', '', '', '', '', '', '家属反映近期情绪不稳', '外出务工', '已列管', '辖区民警走访', '需核实现住址'];

// Names. Surnames and given-name material come from faker's zh_CN locale data (read once);
// the combination is drawn with the counter-based generator above. faker's own seeded generator
// (fakerZH_CN.seed) is not used: patientAt(i) needs random access, and re-seeding faker for every
// patient costs ~38 µs (38 s per million patients). @faker-js/faker 10 is ESM only:
// it is loaded with Node's own require (require(esm), Node >= 22.12), taken from
// process.getBuiltinModule so that a test runner's module registry (jest's cannot load ESM) is bypassed.
const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const { fakerZH_CN } = nodeRequire('@faker-js/faker') as typeof import('@faker-js/faker');
const PERSON = fakerZH_CN.definitions.person as unknown as {
	last_name: { generic: string[] };
	first_name: { generic: string[]; male: string[]; female: string[] };
};
// Array.from: arrays of this realm (under jest, faker's objects come from Node's main realm).
const SURNAMES_SINGLE = Array.from(PERSON.last_name.generic).filter((s) => s.length === 1);
const SURNAMES_COMPOUND = Array.from(PERSON.last_name.generic).filter((s) => s.length > 1);
const SURNAMES_COMMON = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'].filter(
	(s) => SURNAMES_SINGLE.includes(s),
);
const GIVEN_MALE = [...new Set([...PERSON.first_name.male, ...PERSON.first_name.generic])].sort();
const GIVEN_FEMALE = [...new Set([...PERSON.first_name.female, ...PERSON.first_name.generic])].sort();
const chars = (names: string[]) => [...new Set(names.join(''))].sort();
const CHARS_MALE = chars(PERSON.first_name.male);
const CHARS_FEMALE = chars(PERSON.first_name.female);

/** Minority (Uyghur-style) names: synthetic syllable combinations, given name · father's name. */
const MINORITY_MALE_A = ['艾', '买', '阿', '吐', '热', '库', '亚', '依', '塔', '努', '肉', '司', '帕', '玉', '斯'];
const MINORITY_MALE_B = ['力', '买提', '不都', '尔逊', '合曼', '尔班', '森', '明', '孜', '克', '拉木', '迪力', '江', '洪', '米提'];
const MINORITY_FEMALE_A = ['阿依', '古', '热依', '帕提', '米', '努', '祖', '布', '海', '再'];
const MINORITY_FEMALE_B = ['古丽', '丽', '拉', '娜', '尔', '热', '米拉', '克孜', '汗', '妮莎'];

const MINORITY_SHARE = 0.03;
/** Share of patients given the full name of an earlier patient (each source gains a namesake too: ~1% in all). */
const NAMESAKE_SHARE = 0.005;

// ---------------------------------------------------------------------------------------------
// Birth dates and sequence numbers: a permutation of (date, sequence) slots
// ---------------------------------------------------------------------------------------------

const FIRST_YEAR = 1940;
const LAST_YEAR = 2006;

interface YearSlot {
	year: number;
	firstDay: number;
	days: number;
	/** Sequence numbers per day of this year (age distribution: most patients 40–60). */
	cap: number;
	start: number;
}

interface DateTables {
	/** 'YYYYMMDD' of every day 1940-01-01 … 2006-12-31. */
	days: string[];
	years: YearSlot[];
	slots: number;
}

let dateTables: DateTables | null = null;

function tables(): DateTables {
	if (dateTables) return dateTables;
	const days: string[] = [];
	const years: YearSlot[] = [];
	let start = 0;
	for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) {
		const firstDay = days.length;
		for (let m = 1; m <= 12; m++) {
			for (let d = 1; d <= 31; d++) {
				if (isCalendarDate(y, m, d)) days.push(`${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`);
			}
		}
		const w = Math.max(0, 1 - Math.abs(y - 1972) / 36);
		const cap = Math.round(150 + 350 * w);
		const n = days.length - firstDay;
		years.push({ year: y, firstDay, days: n, cap, start });
		start += n * cap;
	}
	dateTables = { days, years, slots: start };
	return dateTables;
}

/** Keyed permutation of [0, 2^24) (4-round balanced Feistel), cycle-walked into [0, slots). */
class SlotPermutation {
	private readonly keys: number[];
	constructor(
		seed: number,
		private readonly size: number,
	) {
		this.keys = [0, 1, 2, 3].map((r) => hash3(seed, STREAM.feistel, r));
		if (size > 1 << 24) throw new Error('slot space too large');
	}
	private round(x: number): number {
		let l = x >>> 12;
		let r = x & 0xfff;
		for (let k = 0; k < 4; k++) {
			const next = l ^ (fmix32(r ^ this.keys[k]) & 0xfff);
			l = r;
			r = next;
		}
		return (l << 12) | r;
	}
	at(i: number): number {
		let x = i;
		do x = this.round(x);
		while (x >= this.size);
		return x;
	}
}

// ---------------------------------------------------------------------------------------------
// The county: patient i from (seed, i)
// ---------------------------------------------------------------------------------------------

interface NameInfo {
	name: string;
	surname: string;
	male: boolean;
	minority: boolean;
	/** Index of the patient whose name this one copies (planted namesake), or -1. */
	copiedFrom: number;
}

/** A person as the generator knows it (registry patient or a person absent from the registry). */
export interface DemoPerson {
	index: number;
	patientNo: string;
	name: string;
	male: boolean;
	minority: boolean;
	idNumber: string;
	birthDate: string;
	township: string;
	address: string;
	disorder: DisorderCode;
	status: ManagementStatus;
	riskLevel: number;
	classification: Classification;
	lastFollowUpDate: string;
	medication: Medication;
	guardian: string;
	guardianPhone: string;
	copiedNameFrom: number;
	/** 建档日期: most patients years ago; one in ten this year (before the follow-ups of the year). */
	registeredOn: string;
	/** 末次体检日期 ('' when never checked). */
	lastHealthCheck: string;
}

function parseAsOf(asOf: string): number {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(asOf);
	if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw new Error('asOf must be a date YYYY-MM-DD');
	return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function patientNoAt(i: number): string {
	const n = `${i + 1}`;
	return n.length >= 6 ? `DEMO-${n}` : `DEMO-${'000000'.slice(n.length)}${n}`;
}

export class DemoCounty {
	readonly seed: number;
	readonly asOf: string;
	readonly patients: number;
	private readonly perm: SlotPermutation;
	private readonly daysAgo: string[];
	private readonly t = tables();

	constructor(opts: DemoOptions = {}) {
		this.seed = (opts.seed ?? DEMO_SEED) >>> 0;
		this.asOf = opts.asOf ?? DEMO_AS_OF;
		this.patients = opts.patients ?? DEFAULT_PATIENTS;
		if (!Number.isSafeInteger(this.patients) || this.patients < 0) throw new Error('patients must be a whole number >= 0');
		if (this.patients > this.capacity) throw new Error(`patients must be at most ${this.capacity}`);
		const asOfMs = parseAsOf(this.asOf);
		if (this.asOf < '2007-01-01') throw new Error('asOf must be 2007-01-01 or later (the youngest demo patient is born in 2006)');
		this.perm = new SlotPermutation(this.seed, this.t.slots);
		this.daysAgo = Array.from({ length: 1500 }, (_, n) => new Date(asOfMs - n * 86400000).toISOString().slice(0, 10));
	}

	/** How many distinct persons (registry and extra) the ID space of one seed holds. */
	get capacity(): number {
		return this.t.slots - 200_000;
	}

	/** Birth day index (into the date table) and 3-digit sequence body (0–499) of person i. */
	private slot(i: number): { day: number; seqBase: number } {
		const s = this.perm.at(i);
		const years = this.t.years;
		let lo = 0;
		let hi = years.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (years[mid].start <= s) lo = mid;
			else hi = mid - 1;
		}
		const y = years[lo];
		const off = s - y.start;
		const day = y.firstDay + floor(off / y.cap);
		const q = off % y.cap;
		// (7q + c) mod 500 is a bijection of q, so the sequence stays unique within the day.
		return { day, seqBase: (q * 7 + ((day * 13) % 500)) % 500 };
	}

	/** A random name as [surname, given name] (a minority name: [given name, '·' + father's name]). */
	private generatedName(r: Rng, male: boolean, minority: boolean): [string, string] {
		if (minority) {
			const given = male ? r.pick(MINORITY_MALE_A) + r.pick(MINORITY_MALE_B) : r.pick(MINORITY_FEMALE_A) + r.pick(MINORITY_FEMALE_B);
			return [given, `·${r.pick(MINORITY_MALE_A)}${r.pick(MINORITY_MALE_B)}`];
		}
		const u = r.float();
		const surname = u < 0.03 ? r.pick(SURNAMES_COMPOUND) : u < 0.33 ? r.pick(SURNAMES_COMMON) : r.pick(SURNAMES_SINGLE);
		// Mostly two random given-name characters: few accidental namesakes beside the planted ones.
		const v = r.float();
		const pool = male ? CHARS_MALE : CHARS_FEMALE;
		let given: string;
		if (v < 0.1) given = r.pick(male ? GIVEN_MALE : GIVEN_FEMALE);
		else if (v < 0.15) given = r.pick(pool);
		else given = r.pick(pool) + r.pick(pool);
		return [surname, given];
	}

	/** Name and sex of person i; planted namesakes copy an earlier patient's name and sex. */
	nameInfo(i: number): NameInfo {
		const r = new Rng(hash3(this.seed, STREAM.name, i));
		const copy = r.float() < NAMESAKE_SHARE && i > 0;
		const source = r.int(i > 1 ? i : 1);
		const male = r.chance(0.52);
		const minority = r.chance(MINORITY_SHARE);
		const [surname, given] = this.generatedName(r, male, minority);
		const own: NameInfo = { name: surname + given, surname, male, minority, copiedFrom: -1 };
		if (copy && i < this.patients && this.slot(source).day !== this.slot(i).day) {
			const src = this.nameInfo(source);
			return { ...src, copiedFrom: source };
		}
		return own;
	}

	nameAt(i: number): string {
		return this.nameInfo(i).name;
	}

	/** Person i: a registry patient for i < patients, else a person absent from the registry. */
	personAt(i: number): DemoPerson {
		const n = this.nameInfo(i);
		const { day, seqBase } = this.slot(i);
		const r = new Rng(hash3(this.seed, STREAM.patient, i));
		const region = r.chance(0.8) ? DEMO_REGION : `${DEMO_PREFECTURE}0${r.range(2, 6)}`;
		const birth = this.t.days[day];
		const body = region + birth + pad3(seqBase * 2 + (n.male ? 1 : 0));
		const township = r.weighted(TOWNSHIP_WEIGHTS);
		const address = `${township}${r.pick(VILLAGES[township])}村${r.range(1, 12)}组${r.range(1, 120)}号`;
		const disorder = r.weighted(DISORDER_WEIGHTS);
		const status = r.weighted(STATUS_WEIGHTS);
		const riskLevel = r.weighted(RISK_WEIGHTS);
		const c = r.float();
		const classification: Classification =
			riskLevel >= 3 ? 'unstable' : riskLevel >= 1 ? (c < 0.12 ? 'unstable' : 'basically_stable') : c < 0.78 ? 'stable' : c < 0.94 ? 'basically_stable' : 'unstable';
		const overdue = r.chance(0.1);
		let ago: number;
		if (status === 'active') {
			if (classification === 'stable') ago = overdue ? r.range(100, 400) : r.range(0, 80);
			else ago = overdue ? r.range(20, 150) : r.range(0, 12);
		} else if (status === 'lost') ago = r.range(100, 700);
		else if (status === 'refused') ago = r.range(60, 700);
		else ago = r.range(180, 1000);
		const medication = r.weighted(MEDICATION_WEIGHTS);
		const g = new Rng(hash3(this.seed, STREAM.guardian, i));
		// The guardian (a parent, spouse or child): half of them share the patient's surname.
		const [gSurname, gGiven] = this.generatedName(g, g.chance(0.5), n.minority);
		const guardian = (!n.minority && g.chance(0.5) ? n.surname : gSurname) + gGiven;
		let phone = `1${g.range(0, 2)}`;
		for (let k = 0; k < 9; k++) phone += g.int(10);
		// Registration and health check from a stream of their own, so the draws above stay as they were.
		const rec = new Rng(hash3(this.seed, STREAM.record, i));
		const asOfMs = Date.parse(`${this.asOf}T00:00:00Z`);
		const lastMs = Date.parse(`${this.daysAgo[ago]}T00:00:00Z`);
		const yearStartMs = Date.UTC(Number(this.asOf.slice(0, 4)), 0, 1);
		const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
		const registeredOn =
			rec.chance(0.1) && lastMs > yearStartMs
				? isoDay(yearStartMs + rec.int(Math.max(1, Math.floor((lastMs - yearStartMs) / 86400000))) * 86400000)
				: isoDay(Date.UTC(rec.range(2008, Number(this.asOf.slice(0, 4)) - 1), rec.int(12), rec.range(1, 28)));
		const h = rec.float();
		const lastHealthCheck = h < 0.65 ? isoDay(asOfMs - rec.range(0, 330) * 86400000) : h < 0.9 ? isoDay(asOfMs - rec.range(400, 1100) * 86400000) : '';
		return {
			index: i,
			patientNo: patientNoAt(i),
			name: n.name,
			male: n.male,
			minority: n.minority,
			idNumber: body + idCheckChar(body),
			birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
			township,
			address,
			disorder,
			status,
			riskLevel,
			classification,
			lastFollowUpDate: this.daysAgo[ago],
			medication,
			guardian,
			guardianPhone: phone,
			copiedNameFrom: n.copiedFrom,
			registeredOn,
			lastHealthCheck,
		};
	}

	/** Registry columns of patient i, in REGISTRY_HEADERS order. */
	rowAt(i: number): string[] {
		return registryValues(this.personAt(i));
	}

	/** Patient i as a registry record keyed by REGISTRY_HEADERS. */
	patientAt(i: number): RegistryRecord {
		const v = this.rowAt(i);
		return Object.fromEntries(REGISTRY_HEADERS.map((h, k) => [h, v[k]])) as RegistryRecord;
	}

	/** The registry by index, without holding it. */
	source(): RegistrySource {
		return { size: this.patients, at: (i) => this.patientAt(i), nameAt: (i) => this.nameAt(i), idsDisjoint: true };
	}
}

function registryValues(p: DemoPerson): string[] {
	return [
		p.patientNo,
		p.name,
		p.male ? '男' : '女',
		p.idNumber,
		p.birthDate,
		p.address,
		p.township,
		DISORDERS[p.disorder],
		MANAGEMENT_STATUS[p.status],
		`${p.riskLevel}级`,
		CLASSIFICATIONS[p.classification],
		p.lastFollowUpDate,
		MEDICATION[p.medication],
		p.guardian,
		p.guardianPhone,
		p.registeredOn,
		p.lastHealthCheck,
	];
}

let cachedCounty: DemoCounty | null = null;

/** The county for these options (cached for repeated calls with the same options). */
export function demoCounty(opts: DemoOptions = {}): DemoCounty {
	const seed = (opts.seed ?? DEMO_SEED) >>> 0;
	const asOf = opts.asOf ?? DEMO_AS_OF;
	const patients = opts.patients ?? DEFAULT_PATIENTS;
	if (!cachedCounty || cachedCounty.seed !== seed || cachedCounty.asOf !== asOf || cachedCounty.patients !== patients) {
		cachedCounty = new DemoCounty({ seed, asOf, patients });
	}
	return cachedCounty;
}

/** Patient i (0-based) of the registry for these options, derived from (seed, i) alone. */
export function patientAt(i: number, opts: DemoOptions = {}): RegistryRecord {
	const county = demoCounty(opts);
	if (!Number.isSafeInteger(i) || i < 0 || i >= county.patients) throw new Error('patient index out of range');
	return county.patientAt(i);
}

/** One record per patient, keys = REGISTRY_HEADERS. */
export function* generateRegistry(opts: DemoOptions = {}): Generator<RegistryRecord> {
	const county = new DemoCounty(opts);
	for (let i = 0; i < county.patients; i++) yield county.patientAt(i);
}

// ---------------------------------------------------------------------------------------------
// The police list
// ---------------------------------------------------------------------------------------------

let toTraditional: ((s: string) => string) | null = null;
function traditional(s: string): string {
	toTraditional ??= Converter({ from: 'cn', to: 't' });
	return toTraditional(s);
}

/** Cheap name key for counting namesakes: NFKC, no spaces, no separators (the registry is simplified). */
function countKey(name: string): string {
	return name.normalize('NFKC').replace(/[\s·•・．.\u3000]/g, '');
}

const FULLWIDTH = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

function spacedId(id: string, r: Rng): string {
	const form = r.int(3);
	if (form === 0) return `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`;
	if (form === 1) return `${id.slice(0, 6)}-${id.slice(6, 14)}-${id.slice(14)}`;
	return id.replace(/(.{4})(?=.)/g, '$1 ');
}

function bodyDateOk(body: string, asOf: string): boolean {
	const y = Number(body.slice(6, 10));
	const m = Number(body.slice(10, 12));
	const d = Number(body.slice(12, 14));
	const iso = `${body.slice(6, 10)}-${body.slice(10, 12)}-${body.slice(12, 14)}`;
	return y >= 1880 && isCalendarDate(y, m, d) && iso <= asOf;
}

/** One digit of the body (positions 4–16: never the 4399 prefix) changed; the date stays a real date. */
function idTypo(id: string, r: Rng, asOf: string): string {
	for (;;) {
		const pos = r.range(4, 16);
		const digit = String((Number(id[pos]) + r.range(1, 9)) % 10);
		const body = id.slice(0, pos) + digit + id.slice(pos + 1, 17);
		if (bodyDateOk(body, asOf)) return body + id[17];
	}
}

/** Two adjacent different digits of the body (positions 4–16) swapped; the date stays a real date. */
function idTransposition(id: string, r: Rng, asOf: string): string {
	for (let tries = 0; tries < 200; tries++) {
		const pos = r.range(4, 15);
		if (id[pos] === id[pos + 1]) continue;
		const body = id.slice(0, pos) + id[pos + 1] + id[pos] + id.slice(pos + 2, 17);
		if (bodyDateOk(body, asOf)) return body + id[17];
	}
	return idTypo(id, r, asOf);
}

function badCheck(id: string, r: Rng): string {
	const others = '0123456789X'.replace(id[17], '');
	return id.slice(0, 17) + r.pick([...others]);
}

function spacedName(name: string, r: Rng): string {
	const sep = r.chance(0.5) ? '\u3000' : ' ';
	if (name.length === 2) return name[0] + sep + name[1];
	return r.chance(0.5) ? name[0] + sep + name.slice(1) : [...name].join(sep);
}

const canTraditional = (name: string) => {
	const t = traditional(name);
	return t !== name && nameKey(t) === nameKey(name);
};

interface PlannedRow {
	kind: NoiseKind;
	person: DemoPerson | null;
	name: string;
	idNumber: string;
	truth: Omit<PoliceTruth, 'row' | 'duplicateOfRow'> & { original?: PlannedRow };
	category: string;
	remark: string;
	address: string;
	township: string;
	sex: string;
}

function targetCounts(rows: number): Record<NoiseKind, number> {
	const raw = NOISE_SHARES.map(([k, s]) => ({ k, exact: s * rows, n: Math.floor(s * rows) }));
	let left = rows - raw.reduce((s, x) => s + x.n, 0);
	const byRemainder = [...raw].sort((a, b) => b.exact - b.n - (a.exact - a.n) || NOISE_KINDS.indexOf(a.k) - NOISE_KINDS.indexOf(b.k));
	for (const x of byRemainder) {
		if (left <= 0) break;
		x.n++;
		left--;
	}
	return Object.fromEntries(raw.map((x) => [x.k, x.n])) as Record<NoiseKind, number>;
}

/** A registry record (Chinese headers) → the fields the list needs. */
function personFromRecord(rec: Record<string, string>, index: number): DemoPerson {
	const status = (Object.entries(MANAGEMENT_STATUS).find(([, l]) => l === rec['管理状态'])?.[0] ?? 'active') as ManagementStatus;
	return {
		index,
		patientNo: rec['患者编号'] ?? '',
		name: rec['姓名'] ?? '',
		male: rec['性别'] === '男',
		minority: (rec['姓名'] ?? '').includes('·'),
		idNumber: rec['身份证号'] ?? '',
		birthDate: rec['出生日期'] ?? '',
		township: rec['所属乡镇'] ?? '',
		address: rec['现住址'] ?? '',
		disorder: 'schizophrenia',
		status,
		riskLevel: Number.parseInt(rec['危险性评估'] ?? '0', 10) || 0,
		classification: 'stable',
		lastFollowUpDate: rec['末次随访日期'] ?? '',
		medication: 'regular',
		guardian: '',
		guardianPhone: '',
		copiedNameFrom: -1,
		registeredOn: rec['建档日期'] ?? '',
		lastHealthCheck: rec['末次体检日期'] ?? '',
	};
}

/**
 * The police-issued list for a registry: `registry` is an array of registry records (keys =
 * REGISTRY_HEADERS) or a RegistrySource (e.g. `demoCounty(opts).source()` for a registry too big to
 * hold). Rows come in a shuffled, seed-deterministic order; every duplicate comes after its original.
 */
export function generatePoliceList(registry: Array<Record<string, string>> | RegistrySource, opts: DemoOptions = {}): PoliceList {
	const seed = (opts.seed ?? DEMO_SEED) >>> 0;
	const asOf = opts.asOf ?? DEMO_AS_OF;
	const total = opts.policeRows ?? DEFAULT_POLICE_ROWS;
	if (!Number.isSafeInteger(total) || total < 0 || total > MAX_POLICE_ROWS) throw new Error(`policeRows must be 0…${MAX_POLICE_ROWS}`);
	const source: RegistrySource = Array.isArray(registry) ? { size: registry.length, at: (i) => registry[i] } : registry;
	const county = new DemoCounty({ seed, asOf, patients: source.size });
	const r = new Rng(hash3(seed, STREAM.police, total));
	const want = targetCounts(total);
	const shortfalls: Partial<Record<NoiseKind, number>> = {};

	// 1. A random pool of registry indices (all of them for a small registry).
	const poolSize = Math.min(source.size, Math.max(20_000, 3 * total));
	let pool: number[];
	if (poolSize === source.size) pool = r.shuffle(Array.from({ length: source.size }, (_, i) => i));
	else {
		const chosen = new Set<number>();
		while (chosen.size < poolSize) chosen.add(r.int(source.size));
		pool = r.shuffle([...chosen].sort((a, b) => a - b));
	}
	const persons = new Map<number, DemoPerson>();
	const personOf = (i: number) => {
		let p = persons.get(i);
		if (!p) {
			p = personFromRecord(source.at(i), i);
			persons.set(i, p);
		}
		return p;
	};

	// 2. Persons absent from the registry (indices after the registry's), more than needed.
	const newNeeded = want.not_in_registry + want.junk + 10;
	const extras: DemoPerson[] = [];
	for (let k = 0; k < 3 * newNeeded; k++) {
		const p = county.personAt(source.size + k);
		extras.push({ ...p, patientNo: '' });
	}

	// 3. One pass over the registry: who shares a name with whom (for the pool and the extras only).
	const holders = new Map<string, number[]>();
	for (const i of pool) holders.set(countKey(source.nameAt ? source.nameAt(i) : (source.at(i)['姓名'] ?? '')), []);
	for (const p of extras) holders.set(countKey(p.name), []);
	const ids = source.idsDisjoint ? null : new Set<string>();
	for (let i = 0; i < source.size; i++) {
		const list = holders.get(countKey(source.nameAt ? source.nameAt(i) : (source.at(i)['姓名'] ?? '')));
		if (list) list.push(i);
		if (ids) ids.add(source.at(i)['身份证号'] ?? '');
	}
	const holdersOf = (p: DemoPerson) => holders.get(countKey(p.name)) ?? [];
	const newPeople = extras.filter((p) => holdersOf(p).length === 0 && !ids?.has(p.idNumber));

	// 4. Registry patients for each kind: rare kinds first, each patient used once.
	const predicates: Partial<Record<NoiseKind, (p: DemoPerson) => boolean>> = {
		namesake: (p) => holdersOf(p).length >= 2,
		minority_separator: (p) => p.name.includes('·'),
		lowercase_x: (p) => p.idNumber.endsWith('X'),
		traditional: (p) => canTraditional(p.name),
		name_only: (p) => holdersOf(p).length === 1,
		id15: (p) => p.birthDate >= '1900' && p.birthDate < '2000',
		name_spaces: (p) => !p.name.includes('·') && p.name.length >= 2 && p.name.length <= 4,
	};
	const registryKinds: NoiseKind[] = [
		'namesake',
		'minority_separator',
		'lowercase_x',
		'traditional',
		'name_only',
		'id15',
		'name_spaces',
		'name_differs',
		'id_typo',
		'id_transposition',
		'bad_check_only',
		'fullwidth',
		'spaces_hyphens',
		'exact',
	];
	const used = new Set<number>();
	const assigned = new Map<NoiseKind, DemoPerson[]>(registryKinds.map((k) => [k, []]));
	let extraExact = 0;
	let cursorGeneral = 0;
	for (const kind of registryKinds) {
		const need = want[kind] + (kind === 'exact' ? extraExact : 0);
		const got = assigned.get(kind)!;
		const pred = predicates[kind];
		if (pred) {
			for (let k = 0; k < pool.length && got.length < need; k++) {
				const i = pool[k];
				if (used.has(i)) continue;
				const p = personOf(i);
				if (!p.name || !p.idNumber || !pred(p)) continue;
				used.add(i);
				got.push(p);
			}
		} else {
			for (; cursorGeneral < pool.length && got.length < need; cursorGeneral++) {
				const i = pool[cursorGeneral];
				if (used.has(i)) continue;
				const p = personOf(i);
				if (!p.name || !p.idNumber) continue;
				used.add(i);
				got.push(p);
			}
		}
		if (got.length < need) {
			shortfalls[kind] = need - got.length;
			if (kind !== 'exact') extraExact += need - got.length;
		}
	}
	// The registry ran out even for exact rows: the rest are persons absent from the registry.
	let extraNew = shortfalls.exact ?? 0;

	// 5. Build the rows.
	const planned: PlannedRow[] = [];
	const categoryFor = (p: DemoPerson | null) => {
		const u = r.float();
		const riot = p && p.riskLevel >= 3 ? 0.45 : 0.07;
		return u < riot ? '肇事肇祸' : u < riot + 0.3 ? '重点关注' : '一般关注';
	};
	const basics = (p: DemoPerson) => ({
		category: categoryFor(p),
		remark: r.pick(POLICE_REMARKS),
		address: r.chance(0.1) ? '' : p.address,
		township: p.township,
		sex: p.male ? '男' : '女',
	});
	const registryPatientNo = (p: DemoPerson) => (p.patientNo === '' ? null : p.patientNo);
	/** The name and ID of a person written with one kind of noise. */
	const written = (p: DemoPerson, kind: NoiseKind): { name: string; idNumber: string } => {
		switch (kind) {
			case 'fullwidth':
				return { name: p.name, idNumber: FULLWIDTH(p.idNumber) };
			case 'lowercase_x':
				return { name: p.name, idNumber: p.idNumber.slice(0, 17) + 'x' };
			case 'spaces_hyphens':
				return { name: p.name, idNumber: spacedId(p.idNumber, r) };
			case 'traditional':
				return { name: traditional(p.name), idNumber: p.idNumber };
			case 'minority_separator':
				return { name: p.name.replace(/·/g, r.pick(['•', '・', '．', ''])), idNumber: p.idNumber };
			case 'name_spaces':
				return { name: spacedName(p.name, r), idNumber: p.idNumber };
			case 'id_typo':
				return { name: p.name, idNumber: idTypo(p.idNumber, r, asOf) };
			case 'id_transposition':
				return { name: p.name, idNumber: idTransposition(p.idNumber, r, asOf) };
			case 'bad_check_only':
				return { name: p.name, idNumber: badCheck(p.idNumber, r) };
			case 'id15':
				return { name: p.name, idNumber: p.idNumber.slice(0, 6) + p.idNumber.slice(8, 17) };
			case 'namesake':
			case 'name_only':
				return { name: p.name, idNumber: '' };
			default:
				return { name: p.name, idNumber: p.idNumber };
		}
	};

	const donors = pool.slice(0, Math.min(pool.length, 2000));
	for (const kind of registryKinds) {
		for (const p of assigned.get(kind)!) {
			const { idNumber, ...shown } = written(p, kind);
			let name = shown.name;
			const truth: PlannedRow['truth'] = { kind, patientNo: registryPatientNo(p) };
			if (kind === 'name_differs') {
				let donor: DemoPerson | null = null;
				for (let tries = 0; tries < 50 && !donor; tries++) {
					const d = personOf(r.pick(donors));
					if (d.name && countKey(d.name) !== countKey(p.name)) donor = d;
				}
				if (donor) {
					name = donor.name;
					truth.namePatientNo = donor.patientNo;
				} else {
					// A one-patient registry has nobody else's name to borrow: an exact row instead.
					truth.kind = 'exact';
					shortfalls.name_differs = (shortfalls.name_differs ?? 0) + 1;
				}
			}
			if (kind === 'namesake') {
				truth.namesakes = holdersOf(p)
					.map((i) => personOf(i).patientNo)
					.sort();
			}
			planned.push({ kind: truth.kind, person: p, name, idNumber, truth, ...basics(p) });
		}
	}

	const notInRegistry = want.not_in_registry + extraNew;
	for (let k = 0; k < notInRegistry; k++) {
		const p = newPeople.shift();
		if (!p) {
			shortfalls.not_in_registry = notInRegistry - k;
			break;
		}
		planned.push({ kind: 'not_in_registry', person: p, name: p.name, idNumber: p.idNumber, truth: { kind: 'not_in_registry', patientNo: null }, ...basics(p) });
	}
	extraNew = 0;

	const junkForms: Array<(t: string) => Pick<PlannedRow, 'name' | 'idNumber' | 'address' | 'sex'>> = [
		() => ({ name: '合计', idNumber: '', address: '', sex: '' }),
		() => ({ name: '/', idNumber: '/', address: '/', sex: '/' }),
		() => ({ name: '不详', idNumber: '不详', address: '不详', sex: '' }),
		(t) => ({ name: '', idNumber: '123', address: t, sex: '' }),
		() => ({ name: ' ', idNumber: '', address: '', sex: '男' }),
		() => ({ name: '无', idNumber: '0', address: '', sex: '' }),
		() => ({ name: '——', idNumber: '——', address: '', sex: '' }),
	];
	// Whatever could not be filled (tiny registries) becomes junk, so the list has `total` rows.
	const junkCount = total - planned.length - want.duplicate;
	for (let k = 0; k < junkCount; k++) {
		const township = r.weighted(TOWNSHIP_WEIGHTS);
		const form = junkForms[k < junkForms.length ? k : r.int(junkForms.length)](township);
		planned.push({
			kind: 'junk',
			person: null,
			...form,
			truth: { kind: 'junk', patientNo: null },
			category: r.pick(['重点关注', '一般关注']),
			remark: '',
			township,
		});
	}

	// Duplicates: a later row about a person of an earlier row, written exactly or with light noise.
	const dupSources = planned.filter(
		(p) => p.person && ['exact', 'fullwidth', 'lowercase_x', 'spaces_hyphens', 'traditional', 'minority_separator', 'name_spaces', 'id15', 'not_in_registry'].includes(p.kind),
	);
	const dupCount = total - planned.length;
	const dups: PlannedRow[] = [];
	if (dupSources.length === 0 && dupCount > 0) shortfalls.duplicate = dupCount;
	for (let k = 0; k < dupCount && dupSources.length > 0; k++) {
		const original = r.pick(dupSources);
		const p = original.person!;
		let variant = r.weighted<NoiseKind>([
			['exact', 50],
			['fullwidth', 10],
			['spaces_hyphens', 15],
			['traditional', 15],
			['id15', 10],
		]);
		if ((variant === 'traditional' && !canTraditional(p.name)) || (variant === 'id15' && !predicates.id15!(p))) variant = 'exact';
		const { name, idNumber } = written(p, variant);
		const b = basics(p);
		if (r.chance(0.7)) b.category = original.category;
		dups.push({ kind: 'duplicate', person: p, name, idNumber, truth: { kind: 'duplicate', patientNo: original.truth.patientNo, variant, original }, ...b });
	}
	while (planned.length + dups.length < total) {
		// Only reachable for an empty registry with no duplicate sources: pad with junk.
		planned.push({ kind: 'junk', person: null, name: '', idNumber: '', address: '', sex: '', truth: { kind: 'junk', patientNo: null }, category: '一般关注', remark: '', township: '' });
	}

	// 6. Shuffle, then put each person's original before its duplicates.
	const all = r.shuffle([...planned, ...dups]);
	const position = new Map<PlannedRow, number>(all.map((p, k) => [p, k]));
	const groups = new Map<PlannedRow, PlannedRow[]>();
	for (const d of dups) {
		const o = d.truth.original!;
		if (!groups.has(o)) groups.set(o, [o]);
		groups.get(o)!.push(d);
	}
	for (const members of groups.values()) {
		const slots = members.map((m) => position.get(m)!).sort((a, b) => a - b);
		members.forEach((m, k) => {
			all[slots[k]] = m;
			position.set(m, slots[k]);
		});
	}

	const rows: PoliceRecord[] = [];
	const truth: PoliceTruth[] = [];
	const byKind = Object.fromEntries(NOISE_KINDS.map((k) => [k, 0])) as Record<NoiseKind, number>;
	const byPatientStatus = Object.fromEntries(Object.keys(MANAGEMENT_STATUS).map((k) => [k, 0])) as Record<ManagementStatus, number>;
	const byCategory: Record<string, number> = { 肇事肇祸: 0, 重点关注: 0, 一般关注: 0 };
	all.forEach((p, k) => {
		const row = k + 1;
		rows.push({
			序号: String(row),
			姓名: p.name,
			性别: p.sex,
			身份证号: p.idNumber,
			现住址: p.address,
			所属派出所: p.township ? `${p.township}派出所` : '',
			所属乡镇: p.township,
			人员类别: p.category,
			备注: p.remark,
		});
		const { original, ...rest } = p.truth;
		const t: PoliceTruth = { row, kind: rest.kind, patientNo: rest.patientNo };
		if (original) t.duplicateOfRow = position.get(original)! + 1;
		if (rest.variant) t.variant = rest.variant;
		if (rest.namePatientNo) t.namePatientNo = rest.namePatientNo;
		if (rest.namesakes) t.namesakes = rest.namesakes;
		truth.push(t);
		byKind[t.kind]++;
		byCategory[p.category] = (byCategory[p.category] ?? 0) + 1;
		if (t.patientNo && p.person) byPatientStatus[p.person.status]++;
	});
	return { rows, truth, counts: { rows: rows.length, byKind, byPatientStatus, byCategory, shortfalls } };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field, RFC 4180 (quoted when it holds a quote, comma, line break or edge white space). */
export function csvField(value: string): string {
	return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
	return values.map(csvField).join(',') + '\r\n';
}

/** Whether iconv-lite's GBK encoder writes a character so that a GBK reader gets it back, by character. */
const gbkRoundTrips = new Map<string, boolean>();
const gbkDecoder = new TextDecoder('gbk');

/**
 * Whether GBK holds a character: iconv-lite encodes it, and the WHATWG GBK decoder (what Node, Excel
 * and browsers read GBK with) decodes the bytes back to the same character. iconv-lite writes '?'
 * for characters GBK lacks, and maps a few private-use code points to bytes that decode as other
 * characters: neither round-trips.
 */
function inGbk(ch: string): boolean {
	let ok = gbkRoundTrips.get(ch);
	if (ok === undefined) {
		ok = gbkDecoder.decode(iconv.encode(ch, 'gbk')) === ch;
		gbkRoundTrips.set(ch, ok);
	}
	return ok;
}

/** Encode text as GBK (with iconv-lite); characters GBK lacks become · (for • and ・) or ?. */
export function encodeGbk(text: string): { bytes: Buffer; substitutions: number } {
	let substitutions = 0;
	// Code points (the u flag), as a lone surrogate or an emoji each become one '?'.
	const holdable = text.replace(/[\u0080-\u{10ffff}]/gu, (ch) => {
		if (inGbk(ch)) return ch;
		substitutions++;
		return ch === '\u2022' || ch === '\u30fb' ? '\u00b7' : '?';
	});
	return { bytes: iconv.encode(holdable, 'gbk'), substitutions };
}

function emptyRegistryCounts(): RegistryCounts {
	return {
		patients: 0,
		byStatus: Object.fromEntries(Object.keys(MANAGEMENT_STATUS).map((k) => [k, 0])) as Record<ManagementStatus, number>,
		byClassification: Object.fromEntries(Object.keys(CLASSIFICATIONS).map((k) => [k, 0])) as Record<Classification, number>,
		byTownship: Object.fromEntries(DEMO_TOWNSHIPS.map((t) => [t, 0])),
		riskAtLeast3: 0,
		minorityNames: 0,
		plantedNamesakes: 0,
	};
}

/** Stream the registry CSV (UTF-8 with BOM) in ~1 MB chunks; no patient is kept. */
async function writeRegistryCsv(file: string, county: DemoCounty): Promise<{ counts: RegistryCounts; bytes: number }> {
	const counts = emptyRegistryCounts();
	const out = createWriteStream(file);
	const done = new Promise<void>((resolve, reject) => {
		out.on('finish', resolve);
		out.on('error', reject);
	});
	let bytes = 0;
	const write = async (chunk: string) => {
		const buf = Buffer.from(chunk, 'utf8');
		bytes += buf.length;
		if (!out.write(buf)) await new Promise<void>((resolve) => out.once('drain', resolve));
	};
	let chunk = '\uFEFF' + csvLine(REGISTRY_HEADERS);
	for (let i = 0; i < county.patients; i++) {
		const p = county.personAt(i);
		counts.patients++;
		counts.byStatus[p.status]++;
		counts.byClassification[p.classification]++;
		counts.byTownship[p.township]++;
		if (p.riskLevel >= 3) counts.riskAtLeast3++;
		if (p.minority) counts.minorityNames++;
		if (p.copiedNameFrom >= 0) counts.plantedNamesakes++;
		chunk += csvLine(registryValues(p));
		if (chunk.length > 1 << 19) {
			await write(chunk);
			chunk = '';
		}
	}
	await write(chunk);
	out.end();
	await done;
	return { counts, bytes };
}

/**
 * Set every entry's modification time in a ZIP archive to 2026-01-01 00:00 (DOS format), so the XLSX
 * is byte-identical from run to run (JSZip, used by exceljs, stamps entries with the current time).
 */
function fixZipTimes(zip: Buffer): Buffer {
	const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	if (eocd < 0) throw new Error('not a ZIP archive');
	const entries = zip.readUInt16LE(eocd + 10);
	const time = 0;
	const date = ((2026 - 1980) << 9) | (1 << 5) | 1;
	let at = zip.readUInt32LE(eocd + 16);
	for (let k = 0; k < entries; k++) {
		if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad ZIP central directory');
		zip.writeUInt16LE(time, at + 12);
		zip.writeUInt16LE(date, at + 14);
		const local = zip.readUInt32LE(at + 42);
		zip.writeUInt16LE(time, local + 10);
		zip.writeUInt16LE(date, local + 12);
		at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
	}
	return zip;
}

async function writeXlsx(file: string, list: PoliceList): Promise<void> {
	// exceljs is a runtime dependency of the package; loaded only when asked for.
	const { Workbook } = await import('exceljs');
	const wb = new Workbook();
	const fixed = new Date(Date.UTC(2026, 0, 1));
	wb.creator = 'n8n-nodes-smd demo county';
	wb.created = fixed;
	wb.modified = fixed;
	const ws = wb.addWorksheet('纳管名单');
	ws.addRow([...POLICE_HEADERS]);
	for (const row of list.rows) ws.addRow(POLICE_HEADERS.map((h) => row[h]));
	ws.getColumn(4).numFmt = '@';
	const buffer = Buffer.from(await wb.xlsx.writeBuffer());
	await writeFile(file, fixZipTimes(buffer));
}

/**
 * Write the demo county into `dir`: registry.csv, police-list.csv (both UTF-8 with BOM, Chinese
 * headers, RFC 4180), police-list.truth.json, and on request police-list.gbk.csv and
 * police-list.xlsx. The registry is streamed (1,000,000 patients need no memory for patients).
 */
export async function writeDemoFiles(dir: string, opts: WriteDemoOptions = {}): Promise<DemoFiles> {
	mkdirSync(dir, { recursive: true });
	const county = new DemoCounty(opts);
	const registryCsv = path.join(dir, 'registry.csv');
	let t = Date.now();
	const { counts: registry, bytes: registryBytes } = await writeRegistryCsv(registryCsv, county);
	const registryMs = Date.now() - t;

	t = Date.now();
	const list = generatePoliceList(county.source(), opts);
	const policeText = POLICE_HEADERS.join(',') + '\r\n' + list.rows.map((row) => csvLine(POLICE_HEADERS.map((h) => row[h]))).join('');
	const policeCsv = path.join(dir, 'police-list.csv');
	await writeFile(policeCsv, '\uFEFF' + policeText, 'utf8');
	const truthJson = path.join(dir, 'police-list.truth.json');
	const truthDoc = {
		description: 'Truth of the synthetic police list: what each row really is (see scripts/demoCounty.ts, NoiseKind).',
		seed: county.seed,
		patients: county.patients,
		asOf: county.asOf,
		rows: list.rows.length,
		counts: list.counts,
		truth: list.truth,
	};
	await writeFile(truthJson, JSON.stringify(truthDoc, null, '\t') + '\n', 'utf8');
	const files: DemoFiles = {
		registryCsv,
		policeCsv,
		truthJson,
		counts: { registry, police: list.counts, registryBytes, registryMs, policeMs: 0 },
	};
	if (opts.gbk) {
		const { bytes, substitutions } = encodeGbk(policeText);
		files.policeGbkCsv = path.join(dir, 'police-list.gbk.csv');
		await writeFile(files.policeGbkCsv, bytes);
		files.counts.gbkSubstitutions = substitutions;
	}
	if (opts.xlsx) {
		files.policeXlsx = path.join(dir, 'police-list.xlsx');
		await writeXlsx(files.policeXlsx, list);
	}
	files.counts.policeMs = Date.now() - t;
	return files;
}
