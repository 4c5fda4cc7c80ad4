/**
 * The holiday and major-event watch list 节日/重大活动期间严重精神障碍患者重点管控名单 of one township
 * (lib/registry/emergencies.ts `watchLists`): the staff on duty during the period (role, person,
 * phone, shift), then one row per patient to watch — 患者编号, 姓名, 性别, 年龄, 危险性, 病情分类,
 * 末次随访, 近90天应急事件, 监护人, 监护人电话, 责任人 — as an A4 landscape HTML page and an XLSX
 * (frozen header, printed landscape, fitted to the width, the header on every page). A township
 * with no one to watch says so explicitly (本乡镇无需重点管控的患者), so it confirms it was checked.
 *
 * The list goes to the township's staff and police station, who must know whom to watch: names and
 * guardian phones are printed in full by default. `maskNames` gives a copy for outside the health
 * system: patients' and guardians' names masked (lib/mask.ts maskName), guardian phones left out.
 * The staff on duty are staff, not patients, and are printed in full. The item is read through a
 * schema that keeps only the known fields, so whatever else an upstream item holds (an ID number,
 * an address) never reaches a file. Errors name the field, never its value.
 *
 * Templates: templates/watch-list.hbs with the quarterly reports' print style sheet
 * (templates/quarterly-style.hbs) as `css`, the only value inserted unescaped.
 */
import { z } from 'zod';
import { parseIsoDay } from './dates';
import { EMERGENCY_ROLES, shortTime, type EmergencyRole } from './emergencies';
import { SmdInputError } from './errors';
import { safeFileNamePart } from './fileNames';
import { maskName } from './mask';
import { zodInputError } from './policy';
import { clip, localStamp } from './printText';
import { HTML_MIME, QUARTERLY_STYLE_TEMPLATE, XLSX_MIME, type ReportFile } from './quarterlyReports';
import type { TownshipWatchList } from './registry/emergencies';
import { renderTemplate } from './reports';
import { writeXlsx, type WriteSheet } from './tabular';
import { CLASSIFICATIONS } from './vocabulary';

// ---------------------------------------------------------------------------------------------
// Input: one TownshipWatchList per item

const optionalText = z.string().nullish();
const isoDay = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
	.refine((d) => parseIsoDay(d) !== null, 'must be a real calendar day');
const timestamp = z
	.string()
	.max(40, 'must be a date and time (ISO 8601)')
	.refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time (ISO 8601)');

const watchPatientSchema = z.object({
	patientNo: z.string(),
	name: z.string(),
	sex: z.enum(['male', 'female']).nullish(),
	age: z.number().int().min(0).max(150).nullish(),
	riskLevel: z.number().int().min(0).max(5).nullish(),
	classification: optionalText,
	lastFollowUpDate: isoDay.nullish(),
	guardian: optionalText,
	guardianPhone: optionalText,
	recentEmergencies: z.number().int().min(0).nullish(),
	/** 责任人 (包保责任人) when the item names one; otherwise the township's 精防专干 on duty. */
	responsible: optionalText,
});

const watchStaffSchema = z.object({
	role: z.enum(Object.keys(EMERGENCY_ROLES) as [EmergencyRole, ...EmergencyRole[]]),
	roleLabel: optionalText,
	person: z.string(),
	phone: optionalText,
	startsAt: timestamp,
	endsAt: timestamp,
});

export const watchListSchema = z.object({
	township: z.string(),
	period: z.object({ name: z.string().trim().min(1, 'is required'), from: isoDay, to: isoDay }),
	patients: z.array(watchPatientSchema),
	staff: z.array(watchStaffSchema).nullish(),
});

export type WatchListInput = z.infer<typeof watchListSchema>;
export type WatchPatientInput = z.infer<typeof watchPatientSchema>;

/**
 * An item of the watch list, checked: a TownshipWatchList (township, period {name, from, to},
 * patients, staff). Fields the shapes do not have are dropped. Throws SmdInputError naming the
 * first missing or wrong field (`patients.3.riskLevel`, `period.from`), never its value.
 */
export function parseWatchListItem(json: unknown): WatchListInput {
	if (json === null || json === undefined || typeof json !== 'object' || Array.isArray(json)) {
		throw new SmdInputError('invalid_type', 'the input is not a watch list: township is required', { field: 'township' });
	}
	const parsed = watchListSchema.safeParse(json);
	if (!parsed.success) {
		const e = zodInputError(parsed.error, { fallback: 'json' });
		throw new SmdInputError(e.code, `the input is not a watch list: ${e.message}`, { field: e.field });
	}
	const list = parsed.data;
	if (list.period.to < list.period.from) throw new SmdInputError('invalid', 'the input is not a watch list: period.to is before period.from', { field: 'period.to' });
	return list;
}

// ---------------------------------------------------------------------------------------------
// Model

export interface WatchListOptions {
	/**
	 * Mask patients' and guardians' names and leave out guardians' phones (default false: the list
	 * goes to the township staff, who must know whom to watch). For copies that leave the health
	 * department.
	 */
	maskNames?: boolean;
	/** The county's name, printed in the meta line. Default '本县'. */
	county?: string;
	/** The time printed as "generated at" (default now). */
	now?: Date;
	/** IANA time zone the shifts are written in (default Asia/Shanghai). */
	timeZone?: string;
	/** Folders of the county's own templates, searched before the package's (see resolveTemplate). */
	templateDirs?: string[];
}

export const WATCH_LIST_TITLE = '严重精神障碍患者重点管控名单';
/** What an empty list prints, so the township confirms it has no one to watch. */
export const WATCH_LIST_EMPTY_TEXT = '本乡镇无需重点管控的患者';
/** What stands in the 监护人电话 column of a masked copy. */
export const HIDDEN_PHONE = '（不提供）';

const SEX_LABELS = { male: '男', female: '女' } as const;

/** One patient's row, every value display text. */
export interface WatchListRow {
	patientNo: string;
	name: string;
	sex: string;
	age: string;
	riskLevel: string;
	classification: string;
	lastFollowUpDate: string;
	recentEmergencies: string;
	guardian: string;
	guardianPhone: string;
	responsible: string;
}

export interface WatchListStaffRow {
	role: string;
	person: string;
	phone: string;
	/** 'MM-DD HH:mm 至 MM-DD HH:mm'. */
	shift: string;
	startsAt: string;
	endsAt: string;
}

export interface WatchListModel {
	title: string;
	county: string;
	township: string;
	periodName: string;
	from: string;
	to: string;
	generatedAt: string;
	masked: boolean;
	staff: WatchListStaffRow[];
	rows: WatchListRow[];
	count: number;
	/** WATCH_LIST_EMPTY_TEXT when no patient is listed, else ''. */
	emptyText: string;
	/** '北京时间' for Asia/Shanghai, else the zone's IANA name. */
	zone: string;
}

/** The columns of the table and the XLSX, in order. */
export const WATCH_LIST_COLUMNS: Array<{ header: string; key: keyof WatchListRow; width: number }> = [
	{ header: '患者编号', key: 'patientNo', width: 13 },
	{ header: '姓名', key: 'name', width: 9 },
	{ header: '性别', key: 'sex', width: 5 },
	{ header: '年龄', key: 'age', width: 5 },
	{ header: '危险性', key: 'riskLevel', width: 7 },
	{ header: '病情分类', key: 'classification', width: 9 },
	{ header: '末次随访', key: 'lastFollowUpDate', width: 11 },
	{ header: '近90天应急事件', key: 'recentEmergencies', width: 9 },
	{ header: '监护人', key: 'guardian', width: 9 },
	{ header: '监护人电话', key: 'guardianPhone', width: 14 },
	{ header: '责任人', key: 'responsible', width: 14 },
];

function classificationLabel(code: string | null | undefined): string {
	if (!code) return '—';
	return Object.hasOwn(CLASSIFICATIONS, code) ? CLASSIFICATIONS[code as keyof typeof CLASSIFICATIONS] : clip(code, 10);
}

function timeZoneOf(options: WatchListOptions): string {
	const tz = options.timeZone?.trim() || 'Asia/Shanghai';
	try {
		new Intl.DateTimeFormat('en-CA', { timeZone: tz });
	} catch {
		throw new SmdInputError('invalid', 'timeZone must be an IANA time zone such as Asia/Shanghai', { field: 'timeZone' });
	}
	return tz;
}

/** The township staff on duty, named as the default 责任人: distinct names joined with 、. */
function defaultResponsible(list: WatchListInput): string {
	const names = [...new Set((list.staff ?? []).filter((s) => s.role === 'township_staff').map((s) => s.person.trim()).filter(Boolean))];
	return clip(names.map((n) => clip(n, 20)).join('、'), 40);
}

function row(p: WatchPatientInput, mask: boolean, responsible: string): WatchListRow {
	const guardian = p.guardian?.trim() ?? '';
	return {
		patientNo: clip(p.patientNo.trim(), 30),
		name: mask ? maskName(p.name) : clip(p.name.trim(), 30),
		sex: p.sex ? SEX_LABELS[p.sex] : '',
		age: p.age === null || p.age === undefined ? '' : String(p.age),
		riskLevel: p.riskLevel === null || p.riskLevel === undefined ? '—' : `${p.riskLevel}级`,
		classification: classificationLabel(p.classification),
		lastFollowUpDate: p.lastFollowUpDate ?? '—',
		recentEmergencies: String(p.recentEmergencies ?? 0),
		guardian: mask ? maskName(guardian) : clip(guardian, 30),
		guardianPhone: mask ? (p.guardianPhone?.trim() ? HIDDEN_PHONE : '') : clip(p.guardianPhone?.trim(), 30),
		responsible: p.responsible?.trim() ? clip(p.responsible.trim(), 40) : responsible,
	};
}

/**
 * What the watch list prints: the staff on duty in the order given (the registry's: by shift start),
 * the patients in the order given (the registry's: risk level highest first); names in full unless
 * `maskNames`. The item is checked (parseWatchListItem).
 */
export function watchListModel(item: TownshipWatchList | WatchListInput | unknown, options: WatchListOptions = {}): WatchListModel {
	const list = parseWatchListItem(item);
	const mask = options.maskNames === true;
	const tz = timeZoneOf(options);
	const township = clip(list.township.trim() || '（未填乡镇）', 40);
	const responsible = defaultResponsible(list);
	return {
		title: `${township} ${WATCH_LIST_TITLE}`,
		county: clip(options.county?.trim() || '本县', 40),
		township,
		periodName: clip(list.period.name.trim(), 40),
		from: list.period.from,
		to: list.period.to,
		generatedAt: localStamp(options.now ?? new Date()),
		masked: mask,
		staff: (list.staff ?? []).map((s) => ({
			role: EMERGENCY_ROLES[s.role as EmergencyRole],
			person: clip(s.person.trim(), 20),
			phone: clip(s.phone?.trim(), 30),
			shift: `${shortTime(s.startsAt, tz)} 至 ${shortTime(s.endsAt, tz)}`,
			startsAt: shortTime(s.startsAt, tz),
			endsAt: shortTime(s.endsAt, tz),
		})),
		rows: list.patients.map((p) => row(p, mask, responsible)),
		count: list.patients.length,
		emptyText: list.patients.length === 0 ? WATCH_LIST_EMPTY_TEXT : '',
		zone: tz === 'Asia/Shanghai' ? '北京时间' : clip(tz, 40),
	};
}

// ---------------------------------------------------------------------------------------------
// HTML and XLSX

export const WATCH_LIST_TEMPLATE = 'watch-list';

/** The township's watch list as a self-contained A4 landscape HTML document. */
export function renderWatchListHtml(item: TownshipWatchList | WatchListInput | unknown, options: WatchListOptions = {}): string {
	const dirs = options.templateDirs ?? [];
	const css = renderTemplate(QUARTERLY_STYLE_TEMPLATE, {}, dirs);
	return renderTemplate(WATCH_LIST_TEMPLATE, { ...watchListModel(item, options), css }, dirs);
}

/**
 * The watch list as sheets for writeXlsx: 重点管控名单 (the columns of the page; the title, period and
 * the empty-list text above the header) and 值班安排 (the staff on duty).
 */
export function watchListSheets(item: TownshipWatchList | WatchListInput | unknown, options: WatchListOptions = {}): WriteSheet[] {
	const m = watchListModel(item, options);
	return [
		{
			name: '重点管控名单',
			title: `${m.title}（${m.periodName}）`,
			subtitle: [
				m.county,
				`${m.from} 至 ${m.to}`,
				m.count ? `共 ${m.count} 名患者` : m.emptyText,
				m.masked ? '患者及监护人姓名已脱敏，监护人电话不提供' : '含患者完整姓名及监护人电话，仅限管控责任人使用，不得扩散',
				`生成于 ${m.generatedAt}`,
			].join(' · '),
			columns: WATCH_LIST_COLUMNS,
			rows: m.rows.map((r) => ({ ...r, recentEmergencies: Number(r.recentEmergencies), age: r.age === '' ? null : Number(r.age) })),
		},
		{
			name: '值班安排',
			title: `${m.township} ${m.periodName}值班安排`,
			subtitle: m.staff.length ? `${m.from} 至 ${m.to} · ${m.zone}` : '值班表中无本乡镇该时段的值班安排',
			columns: [
				{ header: '岗位', key: 'role', width: 18 },
				{ header: '姓名', key: 'person', width: 10 },
				{ header: '电话', key: 'phone', width: 15 },
				{ header: '开始', key: 'startsAt', width: 13 },
				{ header: '结束', key: 'endsAt', width: 13 },
			],
			rows: m.staff.map((s) => ({ ...s })),
		},
	];
}

/** The watch list as an XLSX workbook (see watchListSheets). */
export async function watchListXlsx(item: TownshipWatchList | WatchListInput | unknown, options: WatchListOptions = {}): Promise<Buffer> {
	return await writeXlsx(watchListSheets(item, options));
}

// ---------------------------------------------------------------------------------------------
// Files

export type WatchListFormat = 'html' | 'xlsx';
export const WATCH_LIST_FORMATS: WatchListFormat[] = ['html', 'xlsx'];

export interface WatchListFilesOptions extends WatchListOptions {
	/** The files to make (default both). */
	formats?: WatchListFormat[];
}

export interface WatchListFilesResult {
	files: ReportFile[];
	township: string;
	period: { name: string; from: string; to: string };
	/** Patients listed. */
	patients: number;
	masked: boolean;
}

/** `重点管控名单_<township>_<period name>`, safe whatever the township and period hold. */
export function watchListFileStem(list: Pick<WatchListInput, 'township' | 'period'>): string {
	return `重点管控名单_${safeFileNamePart(list.township.trim() || '未填乡镇')}_${safeFileNamePart(list.period.name.trim(), 60)}`;
}

/**
 * The files of one township's watch list (checked here: see parseWatchListItem): HTML and XLSX as
 * `formats` asks (default both), `重点管控名单_<township>_<period>.html/.xlsx`.
 */
export async function watchListFiles(item: unknown, options: WatchListFilesOptions = {}): Promise<WatchListFilesResult> {
	const list = parseWatchListItem(item);
	const formats = new Set(options.formats ?? WATCH_LIST_FORMATS);
	const stem = watchListFileStem(list);
	const files: ReportFile[] = [];
	if (formats.has('html')) files.push({ kind: 'html', fileName: `${stem}.html`, mimeType: HTML_MIME, data: Buffer.from(renderWatchListHtml(list, options), 'utf8') });
	if (formats.has('xlsx')) files.push({ kind: 'xlsx', fileName: `${stem}.xlsx`, mimeType: XLSX_MIME, data: await watchListXlsx(list, options) });
	return { files, township: list.township, period: list.period, patients: list.patients.length, masked: options.maskNames === true };
}
