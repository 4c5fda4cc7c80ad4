/**
 * The township's daily work list 每日工作清单 (lib/workList.ts, docs/rules.md §12) as files: an A4
 * landscape HTML page set per township (counts per section, then one table per section), the county
 * office's summary (one row per township, no patient at all), and both as XLSX for writeXlsx.
 *
 * Names are masked by default (lib/mask.ts maskName: the first character); `mask: false` gives them
 * in full. A work list row carries no ID number or address, and the item is read through a schema
 * that keeps only the row's known fields, so whatever else an upstream item holds never reaches a
 * file.
 *
 * Templates: templates/work-list.hbs and templates/work-list-summary.hbs, rendered by
 * `renderTemplate` (HTML escaping on), with the quarterly reports' print style sheet
 * (templates/quarterly-style.hbs) as `css`, the only value inserted unescaped. The models hold
 * display text only.
 */
import { z } from 'zod';
import { parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { safeFileNamePart } from './fileNames';
import { maskName } from './mask';
import { chromiumAvailable, htmlToPdf, type PdfOptions } from './pdf';
import { zodInputError } from './policy';
import { HTML_MIME, PDF_MIME, PDF_SKIPPED_NO_CHROMIUM, QUARTERLY_STYLE_TEMPLATE, XLSX_MIME } from './quarterlyReports';
import { renderTemplate } from './reports';
import { writeXlsx, type WriteSheet } from './tabular';
import { compareTownships } from './townships';
import { CLASSIFICATIONS } from './vocabulary';
import {
	WORK_LIST_SECTION_ORDER,
	WORK_LIST_SECTIONS,
	type CountyWorkListSummary,
	type SectionCounts,
	type TownshipWorkList,
	type WorkListRow,
	type WorkListSection,
} from './workList';
import { clip, localStamp } from './printText';

// ---------------------------------------------------------------------------------------------
// Input: the items of the work-list builder (one per township, one for the county)

const isoDay = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
	.refine((d) => parseIsoDay(d) !== null, 'must be a real calendar day');
const sectionEnum = z.enum(WORK_LIST_SECTION_ORDER as [WorkListSection, ...WorkListSection[]]);
const count = z.number().int().min(0);
const countsSchema = z.object(Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, count])) as Record<WorkListSection, typeof count>);

const rowSchema = z.object({
	section: sectionEnum,
	patientNo: z.string(),
	name: z.string(),
	township: z.string(),
	riskLevel: z.number().int().min(0).max(5).nullable(),
	classification: z.enum(Object.keys(CLASSIFICATIONS) as [keyof typeof CLASSIFICATIONS, ...Array<keyof typeof CLASSIFICATIONS>]).nullable(),
	lastFollowUpDate: isoDay.nullable(),
	nextFollowUpDate: isoDay.nullable(),
	due: isoDay.nullable(),
	daysLate: z.number().int().min(0).nullable(),
	task: z.string(),
	reference: z.string().nullable(),
});

export const townshipWorkListSchema = z.object({
	kind: z.literal('township'),
	day: isoDay,
	weekEnd: isoDay,
	township: z.string(),
	rows: z.array(rowSchema),
	counts: countsSchema,
	patients: count,
	/** Sections the registry keeps no data for yet: printed as not counted, never as 无. */
	notKept: z.array(sectionEnum).default([]),
	/** Where the list is sent; not printed. */
	email: z.string().nullable().default(null),
});

export const countyWorkListSummarySchema = z.object({
	kind: z.literal('county'),
	day: isoDay,
	weekEnd: isoDay,
	townships: z.array(z.object({ township: z.string(), counts: countsSchema, patients: count })),
	counts: countsSchema,
	patients: count,
	notKept: z.array(sectionEnum).default([]),
	/** The county office's address; not printed. */
	email: z.string().nullable().default(null),
	/** Townships whose list has no address to go to: named under the summary's table. */
	townshipsWithoutEmail: z.array(z.string()).default([]),
});

export type WorkListItem = TownshipWorkList | CountyWorkListSummary;

/**
 * An item of the work-list builder, checked: a TownshipWorkList (`kind: 'township'`) or a
 * CountyWorkListSummary (`kind: 'county'`). Fields the shapes do not have are dropped (an upstream
 * item that carried ID numbers or addresses loses them here). Throws SmdInputError naming the first
 * missing or wrong field (`rows.3.section`), never its value.
 */
export function parseWorkListItem(json: unknown): WorkListItem {
	const kind = json !== null && typeof json === 'object' ? (json as { kind?: unknown }).kind : undefined;
	if (kind !== 'township' && kind !== 'county') {
		const message = kind === undefined ? 'kind is required' : 'kind must be one of township, county';
		throw new SmdInputError(kind === undefined ? 'invalid_type' : 'invalid_enum_value', `the input is not a daily work list: ${message}`, { field: 'kind' });
	}
	const parsed = (kind === 'township' ? townshipWorkListSchema : countyWorkListSummarySchema).safeParse(json);
	if (parsed.success) return parsed.data as WorkListItem;
	const e = zodInputError(parsed.error, { fallback: 'json' });
	throw new SmdInputError(e.code, `the input is not a daily work list: ${e.message}`, { field: e.field });
}

// ---------------------------------------------------------------------------------------------
// Formatting

export interface WorkListReportOptions {
	/** Mask patients' names (default true). */
	mask?: boolean;
	/** The county's name, printed in the meta line and the summary's title. Default '本县'. */
	county?: string;
	/** The time printed as "generated at" (default now). */
	now?: Date;
	/** Folders of the county's own templates, searched before the package's (see resolveTemplate). */
	templateDirs?: string[];
}

export const WORK_LIST_TITLE = '严重精神障碍患者管理每日工作清单';
export const WORK_LIST_SUMMARY_TITLE = '严重精神障碍患者管理每日工作清单汇总';

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const CHINESE_NUMBERS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];


function weekdayOf(day: string): string {
	const d = parseIsoDay(day);
	return d ? WEEKDAYS[d.getDay()] : '';
}

function countyName(options: WorkListReportOptions): string {
	return clip(options.county?.trim() || '本县', 40);
}

/**
 * The work order within a section, as the builder (registry/workListFacts.ts) orders its rows: the
 * most days late first (rows not late after every late one), then the earliest due day — a row
 * without one (a patient never followed up) before every dated one — then the patient number.
 */
export function compareWorkListRows(a: WorkListRow, b: WorkListRow): number {
	const la = a.daysLate ?? -1;
	const lb = b.daysLate ?? -1;
	if (la !== lb) return lb - la;
	if (a.due !== b.due) {
		if (a.due === null) return -1;
		if (b.due === null) return 1;
		return a.due < b.due ? -1 : 1;
	}
	return a.patientNo < b.patientNo ? -1 : a.patientNo > b.patientNo ? 1 : 0;
}

/** Rows in work order (see compareWorkListRows); the input is not changed. */
export function sortWorkListRows(rows: WorkListRow[]): WorkListRow[] {
	return [...rows].sort(compareWorkListRows);
}

/** Counts per section and distinct patients, from the rows themselves. */
export function countWorkListRows(rows: WorkListRow[]): { counts: SectionCounts; patients: number } {
	const counts = Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, 0])) as SectionCounts;
	for (const r of rows) if (Object.hasOwn(counts, r.section)) counts[r.section]++;
	return { counts, patients: new Set(rows.map((r) => r.patientNo)).size };
}

function sameCounts(a: SectionCounts, b: SectionCounts): boolean {
	return WORK_LIST_SECTION_ORDER.every((s) => a[s] === b[s]);
}

function classificationLabel(code: string | null): string {
	if (!code) return '—';
	return Object.hasOwn(CLASSIFICATIONS, code) ? CLASSIFICATIONS[code as keyof typeof CLASSIFICATIONS] : code;
}

/** One row of a section's table (and, with its section, of the XLSX), every value display text. */
export interface WorkListTableRow {
	no: number;
	patientNo: string;
	name: string;
	riskLevel: string;
	classification: string;
	lastFollowUpDate: string;
	nextFollowUpDate: string;
	due: string;
	daysLate: string;
	task: string;
	reference: string;
}

function tableRow(r: WorkListRow, no: number, mask: boolean, clipText: boolean): WorkListTableRow {
	const c = (t: string | null, max: number) => (clipText ? clip(t, max) : (t ?? ''));
	return {
		no,
		patientNo: c(r.patientNo, 30),
		name: mask ? maskName(r.name) : c(r.name, 30),
		riskLevel: r.riskLevel === null ? '—' : `${r.riskLevel}级`,
		classification: c(classificationLabel(r.classification), 10),
		lastFollowUpDate: r.lastFollowUpDate ?? '—',
		nextFollowUpDate: r.nextFollowUpDate ?? '—',
		due: r.due ?? '—',
		daysLate: r.daysLate === null ? '' : String(r.daysLate),
		task: c(r.task, 200),
		reference: c(r.reference, 40),
	};
}

// ---------------------------------------------------------------------------------------------
// Models

/** How a section the registry keeps no data for is printed in place of a count. */
export const NOT_KEPT_TEXT = '未统计';

/** The sections an item marks as not kept, as a set (older items without the field: none). */
function notKeptOf(item: { notKept?: WorkListSection[] }): Set<WorkListSection> {
	return new Set(item.notKept ?? []);
}

function notKeptLabels(notKept: Set<WorkListSection>): string {
	return WORK_LIST_SECTION_ORDER.filter((s) => notKept.has(s))
		.map((s) => WORK_LIST_SECTIONS[s])
		.join('、');
}

export interface WorkListSectionModel {
	code: WorkListSection;
	label: string;
	/** '（一）随访逾期' */
	heading: string;
	count: number;
	/** The registry keeps no data for this section yet: printed as not counted, never as 无. */
	notKept: boolean;
	rows: WorkListTableRow[];
}

export interface WorkListModel {
	title: string;
	county: string;
	township: string;
	day: string;
	weekday: string;
	weekEnd: string;
	generatedAt: string;
	masked: boolean;
	/** The count per section, in WORK_LIST_SECTION_ORDER, from the rows; `text` is 未统计 for a section not kept. */
	counts: Array<{ code: WorkListSection; label: string; count: number; text: string }>;
	/** Rows in all. */
	total: number;
	/** Distinct patients on the list. */
	patients: number;
	sections: WorkListSectionModel[];
	/** The labels of the sections not kept, joined with 、 ('' when none). */
	notKept: string;
	/** Whether the item's own `counts` and `patients` agree with its rows (the page warns when not). */
	reconciled: boolean;
}

/** What the township's page prints: counts from the rows, every section in order, names masked unless `mask` is false. */
export function workListModel(list: TownshipWorkList, options: WorkListReportOptions = {}): WorkListModel {
	const mask = options.mask !== false;
	const township = clip(list.township, 40);
	const { counts, patients } = countWorkListRows(list.rows);
	const notKept = notKeptOf(list);
	// A section with rows is printed with them, whatever `notKept` says.
	const isNotKept = (s: WorkListSection) => notKept.has(s) && counts[s] === 0;
	return {
		title: `${township} ${WORK_LIST_TITLE}`,
		county: countyName(options),
		township,
		day: list.day,
		weekday: weekdayOf(list.day),
		weekEnd: list.weekEnd,
		generatedAt: localStamp(options.now ?? new Date()),
		masked: mask,
		counts: WORK_LIST_SECTION_ORDER.map((s) => ({ code: s, label: WORK_LIST_SECTIONS[s], count: counts[s], text: isNotKept(s) ? NOT_KEPT_TEXT : String(counts[s]) })),
		total: list.rows.length,
		patients,
		sections: WORK_LIST_SECTION_ORDER.map((s, i) => ({
			code: s,
			label: WORK_LIST_SECTIONS[s],
			heading: `（${CHINESE_NUMBERS[i] ?? String(i + 1)}）${WORK_LIST_SECTIONS[s]}`,
			count: counts[s],
			notKept: isNotKept(s),
			rows: sortWorkListRows(list.rows.filter((r) => r.section === s)).map((r, n) => tableRow(r, n + 1, mask, true)),
		})),
		notKept: notKeptLabels(new Set(WORK_LIST_SECTION_ORDER.filter(isNotKept))),
		reconciled: sameCounts(counts, list.counts) && patients === list.patients,
	};
}

export interface WorkListSummaryRow {
	township: string;
	/** Per section, in WORK_LIST_SECTION_ORDER. */
	counts: number[];
	/** `counts` as printed: 未统计 in a section not kept. */
	cells: string[];
	/** Rows (条) in all. */
	total: number;
	patients: number;
}

export interface WorkListSummaryModel {
	title: string;
	county: string;
	day: string;
	weekday: string;
	weekEnd: string;
	generatedAt: string;
	sections: string[];
	rows: WorkListSummaryRow[];
	/** The county row: the column sums of `rows`. */
	totals: WorkListSummaryRow;
	townshipCount: number;
	/** The labels of the sections not kept, joined with 、 ('' when none). */
	notKept: string;
	/** Townships whose list has no address to go to, joined with 、 ('' when none). */
	townshipsWithoutEmail: string;
	/** Whether the item's county `counts` and `patients` equal the column sums (the page warns when not). */
	reconciled: boolean;
}

/** The county summary: townships in compareTownships order, the county row the sum of the columns. */
export function workListSummaryModel(summary: CountyWorkListSummary, options: WorkListReportOptions = {}): WorkListSummaryModel {
	const county = countyName(options);
	const notKept = notKeptOf(summary);
	const townships = [...summary.townships].sort((a, b) => compareTownships(a.township, b.township));
	const sums = WORK_LIST_SECTION_ORDER.map((s) => townships.reduce((a, t) => a + t.counts[s], 0));
	// A section is printed as not counted only where no township has a count in it.
	const isNotKept = WORK_LIST_SECTION_ORDER.map((s, i) => notKept.has(s) && sums[i] === 0);
	const summaryRow = (township: string, counts: number[], patients: number): WorkListSummaryRow => ({
		township,
		counts,
		cells: counts.map((c, i) => (isNotKept[i] ? NOT_KEPT_TEXT : String(c))),
		total: counts.reduce((a, b) => a + b, 0),
		patients,
	});
	const rows = townships.map((t) =>
		summaryRow(
			clip(t.township, 40),
			WORK_LIST_SECTION_ORDER.map((s) => t.counts[s]),
			t.patients,
		),
	);
	const totals = summaryRow(
		'全县',
		sums,
		rows.reduce((a, r) => a + r.patients, 0),
	);
	const withoutEmail = summary.townshipsWithoutEmail ?? [];
	return {
		title: `${county} ${WORK_LIST_SUMMARY_TITLE}`,
		county,
		day: summary.day,
		weekday: weekdayOf(summary.day),
		weekEnd: summary.weekEnd,
		generatedAt: localStamp(options.now ?? new Date()),
		sections: WORK_LIST_SECTION_ORDER.map((s) => WORK_LIST_SECTIONS[s]),
		rows,
		totals,
		townshipCount: rows.length,
		notKept: notKeptLabels(new Set(WORK_LIST_SECTION_ORDER.filter((_, i) => isNotKept[i]))),
		townshipsWithoutEmail: clip([...withoutEmail].sort(compareTownships).map((t) => clip(t, 40)).join('、'), 600),
		reconciled: WORK_LIST_SECTION_ORDER.every((s, i) => summary.counts[s] === sums[i]) && summary.patients === totals.patients,
	};
}

// ---------------------------------------------------------------------------------------------
// HTML

export const WORK_LIST_TEMPLATE = 'work-list';
export const WORK_LIST_SUMMARY_TEMPLATE = 'work-list-summary';

function css(options: WorkListReportOptions): string {
	return renderTemplate(QUARTERLY_STYLE_TEMPLATE, {}, options.templateDirs ?? []);
}

/** The township's daily work list as a self-contained A4 landscape HTML document. */
export function renderWorkListHtml(list: TownshipWorkList, options: WorkListReportOptions = {}): string {
	return renderTemplate(WORK_LIST_TEMPLATE, { ...workListModel(list, options), css: css(options) }, options.templateDirs ?? []);
}

/** The county office's summary as a self-contained A4 landscape HTML document: counts only. */
export function renderWorkListSummaryHtml(summary: CountyWorkListSummary, options: WorkListReportOptions = {}): string {
	return renderTemplate(WORK_LIST_SUMMARY_TEMPLATE, { ...workListSummaryModel(summary, options), css: css(options) }, options.templateDirs ?? []);
}

// ---------------------------------------------------------------------------------------------
// XLSX

export const WORK_LIST_COLUMNS = [
	{ header: '工作类别', key: 'section', width: 16 },
	{ header: '序号', key: 'no', width: 6 },
	{ header: '患者编号', key: 'patientNo', width: 12 },
	{ header: '姓名', key: 'name', width: 8 },
	{ header: '危险性', key: 'riskLevel', width: 7 },
	{ header: '病情分类', key: 'classification', width: 8 },
	{ header: '末次随访', key: 'lastFollowUpDate', width: 11 },
	{ header: '下次随访', key: 'nextFollowUpDate', width: 11 },
	{ header: '应完成日期', key: 'due', width: 11 },
	{ header: '逾期天数', key: 'daysLate', width: 7 },
	{ header: '工作任务', key: 'task', width: 40 },
	{ header: '关联单号', key: 'reference', width: 14 },
	{ header: '完成情况', key: 'outcome', width: 14 },
];

/**
 * The township's list as one sheet 工作清单: every row, by section (WORK_LIST_SECTION_ORDER) and
 * then in work order, numbered through; names masked as on the page; days late a number; a blank
 * 完成情况 column to fill in. writeXlsx prints it A4 landscape with the title and the header on every page.
 */
export function workListSheets(list: TownshipWorkList, options: WorkListReportOptions = {}): WriteSheet[] {
	const mask = options.mask !== false;
	const { counts, patients } = countWorkListRows(list.rows);
	const notKept = notKeptLabels(new Set([...notKeptOf(list)].filter((s) => counts[s] === 0)));
	let no = 0;
	const rows = WORK_LIST_SECTION_ORDER.flatMap((s) =>
		sortWorkListRows(list.rows.filter((r) => r.section === s)).map((r) => ({
			section: WORK_LIST_SECTIONS[s],
			...tableRow(r, ++no, mask, false),
			daysLate: r.daysLate,
			outcome: '',
		})),
	);
	return [
		{
			name: '工作清单',
			title: `${clip(list.township, 40)} ${WORK_LIST_TITLE}`,
			subtitle: [
				countyName(options),
				`${list.day}（${weekdayOf(list.day)}）`,
				`本周 ${list.day} 至 ${list.weekEnd}`,
				`共 ${list.rows.length} 条、${patients} 名患者`,
				notKept ? `${NOT_KEPT_TEXT}：${notKept}（登记库尚无此项数据）` : '',
				mask ? '患者姓名已脱敏' : '含患者完整姓名，仅限卫生健康系统内部使用',
			]
				.filter(Boolean)
				.join(' · '),
			columns: WORK_LIST_COLUMNS,
			rows,
		},
	];
}

/**
 * The county summary as one sheet 工作清单汇总: one row per township and the county row (column
 * sums); a section the registry keeps no data for has empty cells, named in the subtitle.
 */
export function workListSummarySheet(summary: CountyWorkListSummary, options: WorkListReportOptions = {}): WriteSheet {
	const model = workListSummaryModel(summary, options);
	const row = (r: WorkListSummaryRow) => ({
		township: r.township,
		...Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s, i) => [s, r.cells[i] === NOT_KEPT_TEXT ? null : r.counts[i]])),
		total: r.total,
		patients: r.patients,
	});
	return {
		name: '工作清单汇总',
		title: model.title,
		subtitle: [
			`${summary.day}（${model.weekday}）`,
			`本周 ${summary.day} 至 ${summary.weekEnd}`,
			`${model.townshipCount} 个乡镇`,
			model.notKept ? `${NOT_KEPT_TEXT}（空白）：${model.notKept}（登记库尚无此项数据）` : '',
		]
			.filter(Boolean)
			.join(' · '),
		columns: [
			{ header: '乡镇', key: 'township', width: 14 },
			...WORK_LIST_SECTION_ORDER.map((s) => ({ header: WORK_LIST_SECTIONS[s], key: s, width: 12 })),
			{ header: '合计（条）', key: 'total', width: 8 },
			{ header: '患者数', key: 'patients', width: 8 },
		],
		rows: [...model.rows.map(row), row(model.totals)],
	};
}

// ---------------------------------------------------------------------------------------------
// Files

export type WorkListFormat = 'html' | 'pdf' | 'xlsx';
export const WORK_LIST_FORMATS: WorkListFormat[] = ['html', 'pdf', 'xlsx'];

export interface WorkListFile {
	kind: WorkListFormat;
	fileName: string;
	mimeType: string;
	data: Buffer;
}

export interface WorkListFilesOptions extends WorkListReportOptions {
	/** The files to make (default HTML and XLSX). A PDF is rendered from the HTML through Chromium. */
	formats?: WorkListFormat[];
	/** Where Chromium is, and how long a conversion may take (lib/pdf.ts). */
	pdfOptions?: PdfOptions;
}

export interface WorkListFilesResult {
	/** The item as checked (parseWorkListItem). */
	item: WorkListItem;
	files: WorkListFile[];
	/** 'rendered', 'off', or 'skipped: <why>' when Chromium is not installed. */
	pdf: string;
}

/** The stem of the file names: 工作清单_<township>_<day> or 工作清单汇总_<day>, safe whatever the township holds. */
export function workListFileStem(item: WorkListItem): string {
	const day = safeFileNamePart(item.day, 20);
	return item.kind === 'township' ? `工作清单_${safeFileNamePart(item.township)}_${day}` : `工作清单汇总_${day}`;
}

/**
 * The files of one work-list item (checked here: see parseWorkListItem): a township's list or the
 * county summary, as HTML, XLSX and, when asked for and Chromium is installed, PDF (otherwise `pdf`
 * says it was skipped).
 */
export async function workListFiles(json: unknown, options: WorkListFilesOptions = {}): Promise<WorkListFilesResult> {
	const item = parseWorkListItem(json);
	const formats = new Set(options.formats ?? ['html', 'xlsx']);
	const stem = workListFileStem(item);
	const files: WorkListFile[] = [];
	let pdf = 'off';
	if (formats.has('html') || formats.has('pdf')) {
		const html = item.kind === 'township' ? renderWorkListHtml(item, options) : renderWorkListSummaryHtml(item, options);
		if (formats.has('html')) files.push({ kind: 'html', fileName: `${stem}.html`, mimeType: HTML_MIME, data: Buffer.from(html, 'utf8') });
		if (formats.has('pdf')) {
			if (!chromiumAvailable(options.pdfOptions)) {
				pdf = PDF_SKIPPED_NO_CHROMIUM;
			} else {
				files.push({ kind: 'pdf', fileName: `${stem}.pdf`, mimeType: PDF_MIME, data: await htmlToPdf(html, options.pdfOptions) });
				pdf = 'rendered';
			}
		}
	}
	if (formats.has('xlsx')) {
		const sheets = item.kind === 'township' ? workListSheets(item, options) : [workListSummarySheet(item, options)];
		files.push({ kind: 'xlsx', fileName: `${stem}.xlsx`, mimeType: XLSX_MIME, data: await writeXlsx(sheets) });
	}
	return { item, files, pdf };
}
