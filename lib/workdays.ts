/**
 * Working days for schedules: a day is a working day unless it falls on a weekend or a listed
 * holiday, and a listed make-up working day (调休上班) works although it is a weekend. China's
 * holidays move every year (国务院办公厅 publishes the year's 部分节假日安排 each winter), so the
 * lists are configuration; the defaults hold only the fixed days (元旦 1 January, 国庆 1–7 October).
 */
import { addDays } from 'date-fns';
import { formatIsoDay, parseIsoDay } from './dates';
import { SmdInputError } from './errors';

export interface WorkCalendar {
	/** Holidays 'YYYY-MM-DD' (days off that are not weekends, and weekends need not be listed). */
	holidays?: string[];
	/** Weekend days worked (调休上班日). */
	workdays?: string[];
	/** Add 1 January and 1–7 October of every year to the holidays. Default true. */
	fixedHolidays?: boolean;
}

function isFixedHoliday(day: string): boolean {
	const md = day.slice(5);
	return md === '01-01' || (md >= '10-01' && md <= '10-07');
}

/** Parse a list of days written one per line or separated by commas/spaces; names the field on a bad one. */
export function parseDayList(text: string | string[] | undefined, field: string): string[] {
	const parts = Array.isArray(text) ? text : String(text ?? '').split(/[\s,，;；]+/);
	return parts
		.map((d) => d.trim())
		.filter((d) => d !== '')
		.map((d, i) => {
			if (!parseIsoDay(d)) throw new SmdInputError('invalid', `${field}: entry ${i + 1} is not a day written YYYY-MM-DD`, { field });
			return d;
		});
}

export function isWorkingDay(day: string, calendar: WorkCalendar = {}): boolean {
	const d = parseIsoDay(day);
	if (!d) throw new SmdInputError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	if (calendar.workdays?.includes(day)) return true;
	if (calendar.holidays?.includes(day)) return false;
	if ((calendar.fixedHolidays ?? true) && isFixedHoliday(day)) return false;
	return d.getDay() !== 0 && d.getDay() !== 6;
}

/** The first working day of the quarter that `day` falls in. */
export function firstWorkingDayOfQuarter(day: string, calendar: WorkCalendar = {}): string {
	const d = parseIsoDay(day);
	if (!d) throw new SmdInputError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	let cur = new Date(d.getFullYear(), Math.floor(d.getMonth() / 3) * 3, 1);
	while (!isWorkingDay(formatIsoDay(cur), calendar)) cur = addDays(cur, 1);
	return formatIsoDay(cur);
}

/** The last quarter that ended before `day`: '2026Q3' for any day of 2026Q4. */
export function lastCompletedQuarter(day: string): string {
	const d = parseIsoDay(day);
	if (!d) throw new SmdInputError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	const q = Math.floor(d.getMonth() / 3) + 1;
	return q === 1 ? `${d.getFullYear() - 1}Q4` : `${d.getFullYear()}Q${q - 1}`;
}
