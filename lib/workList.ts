/**
 * The township's daily work list (每日工作清单): what each township must do this week, from the
 * registry (docs/rules.md §12). This module holds the shape and the rules; registry/workListFacts.ts
 * reads the registry, workListReports.ts renders it.
 */
import { addDays } from 'date-fns';
import { formatIsoDay, parseIsoDay } from './dates';
import { SmdInputError } from './errors';

export const WORK_LIST_SECTIONS = {
	follow_up_overdue: '随访逾期',
	follow_up_due: '本周应随访',
	joint_follow_up: '应联合随访（危险性3级及以上）',
	case_management_missing: '病情不稳定未纳入个案管理',
	case_review_due: '个案管理计划到期复核',
	referral_late: '转诊、回转逾期',
	emergency_record_late: '应急处置记录单逾期',
} as const;
export type WorkListSection = keyof typeof WORK_LIST_SECTIONS;
export const WORK_LIST_SECTION_ORDER = Object.keys(WORK_LIST_SECTIONS) as WorkListSection[];

export interface WorkListRow {
	section: WorkListSection;
	patientNo: string;
	/** Masked (first character + *) unless the list was built with full names. */
	name: string;
	township: string;
	riskLevel: number | null;
	/** Code: stable / basically_stable / unstable, or null when never classified. */
	classification: string | null;
	lastFollowUpDate: string | null;
	nextFollowUpDate: string | null;
	/** The day the task falls (fell) due, or null when it has no date (never followed up). */
	due: string | null;
	/** Days past `due` on the list's day (0 or more); null when not late. */
	daysLate: number | null;
	/** What to do, in Chinese. */
	task: string;
	/** The referral or case-management plan concerned, if any. */
	reference: string | null;
}

export type SectionCounts = Record<WorkListSection, number>;

export interface TownshipWorkList {
	kind: 'township';
	day: string;
	weekEnd: string;
	township: string;
	rows: WorkListRow[];
	counts: SectionCounts;
	/** Distinct patients on the list. */
	patients: number;
	/** Sections the registry keeps no data for yet (shown as such, never as 无). */
	notKept: WorkListSection[];
	/** Where the list is sent (the township's address), or null when none is configured. */
	email: string | null;
}

export interface CountyWorkListSummary {
	kind: 'county';
	day: string;
	weekEnd: string;
	townships: Array<{ township: string; counts: SectionCounts; patients: number }>;
	counts: SectionCounts;
	patients: number;
	notKept: WorkListSection[];
	/** The county office's address, or null. */
	email: string | null;
	/** Townships whose list has no address to go to. */
	townshipsWithoutEmail: string[];
}

export function emptyCounts(): SectionCounts {
	return Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, 0])) as SectionCounts;
}

/** The Sunday that ends the week (Monday–Sunday) of `day`. */
export function weekEndOf(day: string): string {
	const d = parseIsoDay(day);
	if (!d) throw new SmdInputError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	const dow = d.getDay(); // 0 = Sunday
	return formatIsoDay(addDays(d, dow === 0 ? 0 : 7 - dow));
}

/** Whole days from `due` to `day` (positive when late). */
export function daysBetween(due: string, day: string): number {
	const a = parseIsoDay(due);
	const b = parseIsoDay(day);
	if (!a || !b) return 0;
	return Math.round((Date.UTC(b.getFullYear(), b.getMonth(), b.getDate()) - Date.UTC(a.getFullYear(), a.getMonth(), a.getDate())) / 86_400_000);
}
