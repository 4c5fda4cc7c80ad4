/**
 * Report rendering for the police-list triage: per-township task lists (XLSX), the feedback list for
 * the police (XLSX, identifiers masked by default), and a one-page summary (HTML from a Handlebars
 * template). Templates escape by default and are looked up by name inside the template folders only.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { SmdError } from './errors';
import { maskAddress, maskIdNumber, maskName } from './mask';
import { safeFileNamePart, uniqueFileNames } from './fileNames';
import { writeXlsx, type WriteSheet } from './tabular';
import { countByCategory, mapPoliceHeaders, TRIAGE_CATEGORIES, type TriageCategory, type TriageResult } from './triage';
import { CANDIDATE_REASON_LABELS } from './matching';

/** A triage result together with the police-list row it came from (its original columns). */
export type TriagedRow = TriageResult & { input: Record<string, unknown> };

export { UNASSIGNED_TOWNSHIP } from './townships';
import { compareTownships, UNASSIGNED_TOWNSHIP } from './townships';

const CATEGORY_ORDER: TriageCategory[] = ['followup_overdue', 'lost', 'new_clue', 'review', 'invalid', 'closed', 'managed'];

/** Sort for work lists: high priority first, then due date, then category, then input order. */
export function workOrder(a: TriagedRow, b: TriagedRow): number {
	if (a.priority !== b.priority) return a.priority === 'high' ? -1 : 1;
	if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1;
	const ca = CATEGORY_ORDER.indexOf(a.category);
	const cb = CATEGORY_ORDER.indexOf(b.category);
	return ca !== cb ? ca - cb : a.row - b.row;
}

function personOf(r: TriagedRow) {
	const f = mapPoliceHeaders(Object.keys(r.input));
	const pick = (k?: string) => (k === undefined ? '' : String(r.input[k] ?? '').trim());
	const addressKey = Object.keys(r.input).find((k) => /住址|地址/.test(k));
	return { name: pick(f.name), idNumber: pick(f.idNumber), address: pick(addressKey) };
}

function candidatesText(r: TriagedRow): string {
	return r.candidates.map((c) => `${c.patientId}（${CANDIDATE_REASON_LABELS[c.reason]}）`).join('；');
}

export const TASK_LIST_COLUMNS = [
	{ header: '序号', key: 'row', width: 7 },
	{ header: '优先级', key: 'priority', width: 8 },
	{ header: '处置类别', key: 'category', width: 12 },
	{ header: '处置措施', key: 'action', width: 36 },
	{ header: '完成时限', key: 'dueDate', width: 12 },
	{ header: '姓名', key: 'name', width: 12 },
	{ header: '身份证号', key: 'idNumber', width: 21 },
	{ header: '现住址', key: 'address', width: 30 },
	{ header: '患者编号', key: 'patientId', width: 14 },
	{ header: '候选患者', key: 'candidates', width: 30 },
	{ header: '人员类别', key: 'policeCategory', width: 10 },
	{ header: '所属派出所', key: 'policeStation', width: 14 },
	{ header: '名单内重复', key: 'duplicateOfRow', width: 10 },
	{ header: '依据', key: 'reasons', width: 50 },
	{ header: '处理结果', key: 'outcome', width: 20 },
];

export interface TaskListOptions {
	/** Mask names, ID numbers and addresses (default false: the task list stays inside the health system). */
	mask?: boolean;
}

/** Group the results by township (unassigned rows go to 未分配乡镇), each in work order. */
export function groupByTownship(rows: TriagedRow[]): Map<string, TriagedRow[]> {
	const groups = new Map<string, TriagedRow[]>();
	for (const r of rows) {
		const t = r.township || UNASSIGNED_TOWNSHIP;
		if (!groups.has(t)) groups.set(t, []);
		groups.get(t)!.push(r);
	}
	for (const list of groups.values()) list.sort(workOrder);
	return new Map([...groups.entries()].sort(([a], [b]) => compareTownships(a, b)));
}

export function taskListRows(rows: TriagedRow[], options: TaskListOptions = {}): Array<Record<string, unknown>> {
	return rows.map((r) => {
		const p = personOf(r);
		return {
			row: r.row,
			priority: r.priority === 'high' ? '高' : '一般',
			category: r.categoryLabel,
			action: r.action,
			dueDate: r.dueDate,
			name: options.mask ? maskName(p.name) : p.name,
			idNumber: options.mask ? maskIdNumber(p.idNumber) : p.idNumber,
			address: options.mask ? maskAddress(p.address) : p.address,
			patientId: r.patientId ?? '',
			candidates: candidatesText(r),
			policeCategory: r.policeCategory ?? '',
			policeStation: r.policeStation ?? '',
			duplicateOfRow: r.duplicateOfRow ?? '',
			reasons: r.reasons.join('；'),
			outcome: '',
		};
	});
}

/** A cell shortened to fit Excel (32,767 characters), by the row of the police list it came from. */
export interface TruncatedReportCell {
	/** The police list's row (序号). */
	row: number;
	/** The column header in the report. */
	column: string;
	/** The original length in characters. */
	length: number;
}

/** writeXlsx with the truncations it made collected (by police-list row, not sheet row). */
async function xlsxWithTruncations(sheet: WriteSheet): Promise<{ data: Buffer; truncated: TruncatedReportCell[] }> {
	const { rows } = sheet;
	const truncated: TruncatedReportCell[] = [];
	const data = await writeXlsx([sheet], {
		onTruncate: (t) => truncated.push({ row: Number(rows[t.row - 1]?.row ?? t.row), column: t.column, length: t.length }),
	});
	return { data, truncated };
}

/**
 * One XLSX per township: { township, rows, high, fileName, data, truncated }. File names are safe
 * and distinct whatever the township's name holds ("/", "..", 200 characters): see safeFileNamePart.
 * A cell over Excel's limit is shortened with a visible marker and listed in `truncated`.
 */
export async function townshipTaskLists(rows: TriagedRow[], asOf: string, options: TaskListOptions = {}) {
	const out: Array<{ township: string; rows: number; high: number; fileName: string; data: Buffer; truncated: TruncatedReportCell[] }> = [];
	const groups = [...groupByTownship(rows)];
	const names = uniqueFileNames(groups.map(([township]) => `任务清单_${safeFileNamePart(township)}_${safeFileNamePart(asOf, 20)}.xlsx`));
	for (const [index, [township, list]] of groups.entries()) {
		const { data, truncated } = await xlsxWithTruncations({
			name: '任务清单',
			title: `严重精神障碍患者纳管名单处置任务清单 — ${township}`,
			subtitle: `截至 ${asOf} · 共 ${list.length} 条`,
			columns: TASK_LIST_COLUMNS,
			rows: taskListRows(list, options),
		});
		out.push({ township, rows: list.length, high: list.filter((r) => r.priority === 'high').length, fileName: names[index], data, truncated });
	}
	return out;
}

/**
 * The triage results as data for triage.json: one object per list row in the police's order, with
 * what was decided and why, and no name, ID number or address (the list's own columns stay out).
 */
export function triageJsonRows(rows: TriagedRow[]): Array<Record<string, unknown>> {
	return [...rows]
		.sort((a, b) => a.row - b.row)
		.map((r) => ({
			row: r.row,
			category: r.category,
			matchStatus: r.matchStatus,
			patientId: r.patientId,
			candidates: r.candidates,
			duplicateOfRow: r.duplicateOfRow,
			priority: r.priority,
			dueDate: r.dueDate,
			reasons: r.reasons,
		}));
}

/** What the county feeds back to the police for each row of their list. */
export const FEEDBACK_TEXT: Record<TriageCategory, string> = {
	managed: '已在管',
	followup_overdue: '已在管（随访已安排）',
	lost: '失访，请协助查找',
	closed: '已死亡或迁出',
	new_clue: '未登记，已安排线索调查',
	review: '身份待核实',
	invalid: '信息不足，请补正姓名和身份证号',
};

export const FEEDBACK_COLUMNS = [
	{ header: '序号', key: 'row', width: 7 },
	{ header: '姓名', key: 'name', width: 12 },
	{ header: '身份证号', key: 'idNumber', width: 21 },
	{ header: '所属派出所', key: 'policeStation', width: 14 },
	{ header: '反馈结果', key: 'feedback', width: 26 },
	{ header: '负责乡镇', key: 'township', width: 12 },
	{ header: '完成时限', key: 'dueDate', width: 12 },
	{ header: '名单内重复', key: 'duplicateOfRow', width: 10 },
];

export interface FeedbackOptions {
	/** Mask names and ID numbers (default true; turn off only where a statutory duty requires it). */
	mask?: boolean;
	/** The triage day (YYYY-MM-DD), printed under the XLSX title. */
	asOf?: string;
}

/** Feedback rows in the police's own order (序号 = their row). No diagnosis or risk is disclosed. */
export function feedbackRows(rows: TriagedRow[], options: FeedbackOptions = {}): Array<Record<string, unknown>> {
	const mask = options.mask !== false;
	return [...rows]
		.sort((a, b) => a.row - b.row)
		.map((r) => {
			const p = personOf(r);
			return {
				row: r.row,
				name: mask ? maskName(p.name) : p.name,
				idNumber: mask ? maskIdNumber(p.idNumber) : p.idNumber,
				policeStation: r.policeStation ?? '',
				feedback: FEEDBACK_TEXT[r.category],
				township: r.township ?? '',
				dueDate: r.category === 'managed' || r.category === 'closed' ? '' : r.dueDate,
				duplicateOfRow: r.duplicateOfRow ?? '',
			};
		});
}

export async function policeFeedbackXlsx(rows: TriagedRow[], options: FeedbackOptions = {}): Promise<Buffer> {
	return (await policeFeedbackFile(rows, options)).data;
}

/** The police feedback list with the cells it had to shorten (see townshipTaskLists). */
export async function policeFeedbackFile(rows: TriagedRow[], options: FeedbackOptions = {}): Promise<{ data: Buffer; truncated: TruncatedReportCell[] }> {
	return await xlsxWithTruncations({
		name: '反馈清单',
		title: '公安下发纳管名单处置反馈清单',
		subtitle: [options.asOf ? `截至 ${options.asOf}` : '', `共 ${rows.length} 条`].filter(Boolean).join(' · '),
		// Eight short columns: portrait holds them at full size.
		orientation: 'portrait',
		columns: FEEDBACK_COLUMNS,
		rows: feedbackRows(rows, options),
	});
}

export interface SummaryModel {
	title: string;
	asOf: string;
	generatedAt: string;
	total: number;
	categories: Array<{ code: TriageCategory; label: string; count: number; high: number }>;
	townships: Array<{ township: string; total: number; high: number; cells: number[] }>;
	high: Array<{ row: number; category: string; township: string; dueDate: string; name: string; reasons: string }>;
	highTotal: number;
	/** High-priority rows beyond those listed. */
	moreHigh: number;
	duplicates: number;
	reconciled: boolean;
}

const SUMMARY_CATEGORY_ORDER: TriageCategory[] = ['managed', 'followup_overdue', 'lost', 'closed', 'new_clue', 'review', 'invalid'];

export function summaryModel(rows: TriagedRow[], asOf: string, options: { title?: string; maxHighRows?: number } = {}): SummaryModel {
	const counts = countByCategory(rows);
	const highByCat = new Map<TriageCategory, number>();
	for (const r of rows) if (r.priority === 'high') highByCat.set(r.category, (highByCat.get(r.category) ?? 0) + 1);
	const townships = [...groupByTownship(rows)].map(([township, list]) => ({
		township,
		total: list.length,
		high: list.filter((r) => r.priority === 'high').length,
		cells: SUMMARY_CATEGORY_ORDER.map((c) => list.filter((r) => r.category === c).length),
	}));
	const highRows = rows.filter((r) => r.priority === 'high').sort(workOrder);
	return {
		title: options.title ?? '公安下发纳管名单处置汇总',
		asOf,
		generatedAt: new Date().toISOString().slice(0, 16).replace('T', ' '),
		total: counts.total,
		categories: SUMMARY_CATEGORY_ORDER.map((c) => ({ code: c, label: TRIAGE_CATEGORIES[c], count: counts[c], high: highByCat.get(c) ?? 0 })),
		townships,
		high: highRows.slice(0, options.maxHighRows ?? 30).map((r) => ({
			row: r.row,
			category: r.categoryLabel,
			township: r.township ?? UNASSIGNED_TOWNSHIP,
			dueDate: r.dueDate,
			name: maskName(personOf(r).name),
			reasons: r.reasons.slice(-2).join('；'),
		})),
		highTotal: highRows.length,
		moreHigh: Math.max(0, highRows.length - (options.maxHighRows ?? 30)),
		duplicates: rows.filter((r) => r.duplicateOfRow !== null).length,
		reconciled: townships.reduce((a, t) => a + t.total, 0) === counts.total,
	};
}

/** Folder of the templates shipped with the package (dist/templates, or templates/ in the source tree). */
export function builtInTemplateDir(): string {
	for (const dir of [path.join(__dirname, '..', 'templates'), path.join(__dirname, '..', '..', 'templates')]) {
		if (existsSync(path.join(dir, 'triage-summary.hbs'))) return dir;
	}
	throw new Error('the package templates folder is missing (run the build)');
}

/** A report template that cannot be used: `bad_name`, `outside_folder` or `not_found`. */
export class TemplateError extends SmdError<'bad_name' | 'outside_folder' | 'not_found'> {}

/**
 * Resolve a template by name ("triage-summary" or "triage-summary.hbs") inside `dirs` (user
 * folders first, then the built-in one). Names with path separators or "..", and anything that
 * resolves (through links) outside its folder, are refused.
 */
export function resolveTemplate(name: string, dirs: string[] = []): string {
	if (!/^[\w\u4e00-\u9fff-]+(\.hbs)?$/.test(name)) {
		throw new TemplateError('bad_name', 'template name may contain only letters, digits, Chinese characters, "-" and "_"');
	}
	const file = name.endsWith('.hbs') ? name : `${name}.hbs`;
	for (const dir of [...dirs, builtInTemplateDir()]) {
		const candidate = path.join(dir, file);
		if (!existsSync(candidate)) continue;
		const real = realpathSync(candidate);
		const root = realpathSync(dir);
		if (!real.startsWith(root + path.sep)) throw new TemplateError('outside_folder', `template ${file} resolves outside its folder`);
		return real;
	}
	throw new TemplateError('not_found', `template ${file} not found`);
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Render a template with HTML escaping (Handlebars' default; no triple-stash in our templates). */
export function renderTemplate(name: string, model: unknown, dirs: string[] = []): string {
	const file = resolveTemplate(name, dirs);
	const key = `${file}:${statSync(file).mtimeMs}`;
	let template = compiled.get(key);
	if (!template) {
		template = Handlebars.create().compile(readFileSync(file, 'utf8'), { strict: false, noEscape: false });
		compiled.set(key, template);
	}
	return template(model);
}
