/**
 * Calendar dates as 'YYYY-MM-DD' strings (local calendar days, no time zone), with date-fns for the
 * arithmetic (month ends: 01-31 + 1 month = 02-28/29).
 */
import { addDays, addMonths, isExists, isValid, parse } from 'date-fns';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse a strict 'YYYY-MM-DD' day; null if it is not a real calendar day. */
export function parseIsoDay(text: string): Date | null {
	const m = ISO_DAY.exec(text);
	if (!m) return null;
	const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
	if (d.getFullYear() !== Number(m[1]) || d.getMonth() !== Number(m[2]) - 1 || d.getDate() !== Number(m[3])) {
		return null;
	}
	return d;
}

const pad2 = (n: number) => (n < 10 ? '0' + n : String(n));

export function formatIsoDay(d: Date): string {
	return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** True when y-m-d (month 1–12) is a real calendar day of a year from 1000 on (date-fns decides leap years). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
	return Number.isInteger(y) && Number.isInteger(m) && Number.isInteger(d) && y >= 1000 && isExists(y, m - 1, d);
}

/** 'YYYY-MM-DD' from parts, or null unless they make a real calendar day. */
function isoFromParts(y: number, m: number, d: number): string | null {
	return isCalendarDate(y, m, d) ? `${y}-${pad2(m)}-${pad2(d)}` : null;
}

/** The common written forms, parsed without date-fns: 2026-3-5, 2026/03/05, 2026.3.5, 2026年3月5日, 20260305. */
const FAST_DAY = /^(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日?|(\d{2})(\d{2}))$/;

export interface Interval {
	days?: number;
	months?: number;
}

/** day + interval, as 'YYYY-MM-DD'. */
export function addInterval(day: string, interval: Interval): string {
	const d = parseIsoDay(day);
	if (!d) throw new RangeError('addInterval needs a YYYY-MM-DD day');
	return formatIsoDay(addDays(addMonths(d, interval.months ?? 0), interval.days ?? 0));
}

/** Formats in which dates arrive from spreadsheets, forms and national-system exports. */
const DAY_FORMATS = ['yyyy-MM-dd', 'yyyy-M-d', 'yyyy/M/d', 'yyyy.M.d', 'yyyyMMdd', "yyyy'年'M'月'd'日'"];

/**
 * Normalise a date as users supply it: 'YYYY-MM-DD', 'YYYY/M/D', 'YYYY.M.D', 'YYYYMMDD',
 * 'YYYY年M月D日', an ISO date-time (the calendar day is kept), a JS Date, or an Excel serial day
 * number (1900 date system). Returns 'YYYY-MM-DD' or null.
 */
export function normalizeDay(value: unknown): string | null {
	if (value instanceof Date) return isValid(value) ? formatIsoDay(value) : null;
	if (typeof value === 'number') {
		// Excel serial: day 25569 is 1970-01-01; accept 1900-03-01 .. 2200.
		if (!Number.isFinite(value) || value < 61 || value > 110000) return null;
		const ms = Math.round((value - 25569) * 86400000);
		const d = new Date(ms);
		return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
	}
	if (typeof value !== 'string') return null;
	const text = value.normalize('NFKC').trim();
	if (text === '') return null;
	const isoDateTime = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}/.exec(text);
	if (isoDateTime) return parseIsoDay(isoDateTime[1]) ? isoDateTime[1] : null;
	const fast = FAST_DAY.exec(text);
	if (fast) {
		const [, y, , m1, d1, m2, d2, m3, d3] = fast;
		return isoFromParts(Number(y), Number(m1 ?? m2 ?? m3), Number(d1 ?? d2 ?? d3));
	}
	for (const f of DAY_FORMATS) {
		const d = parse(text, f, new Date(2000, 0, 1));
		if (isValid(d) && d.getFullYear() >= 1000) return formatIsoDay(d);
	}
	return null;
}
