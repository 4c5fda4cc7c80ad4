import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { parseDayList, type WorkCalendar } from '../../../lib';

export { todayIn } from '../../shared/today';

/** Holidays and make-up working days, for working-day deadlines (国务院办公厅 publishes each year's). */
export const calendarProperty = (show: Record<string, string[]>): INodeProperties => ({
	displayName: 'Working Calendar',
	name: 'calendar',
	type: 'collection',
	placeholder: 'Add Calendar Setting',
	default: {},
	displayOptions: { show },
	description: 'Weekends, 1 January and 1–7 October are off by default; add the year’s other public holidays and make-up working days',
	options: [
		{
			displayName: 'Holidays',
			name: 'holidays',
			type: 'string',
			default: '',
			placeholder: '2027-02-06, 2027-02-07',
			description: 'Public holidays (YYYY-MM-DD), separated by commas or new lines',
		},
		{
			displayName: 'Make-Up Working Days',
			name: 'workdays',
			type: 'string',
			default: '',
			placeholder: '2027-02-14',
			description: 'Weekend days worked (调休上班), YYYY-MM-DD',
		},
	],
});

export function calendarOf(ctx: IExecuteFunctions, i: number): WorkCalendar {
	const c = ctx.getNodeParameter('calendar', i, {}) as { holidays?: string; workdays?: string };
	return { holidays: parseDayList(c.holidays, 'Holidays'), workdays: parseDayList(c.workdays, 'Make-Up Working Days') };
}

/** A text parameter, trimmed; empty → null. */
export function text(ctx: IExecuteFunctions, name: string, i: number): string | null {
	const v = ctx.getNodeParameter(name, i, '') as unknown;
	const s = v === undefined || v === null ? '' : String(v).trim();
	return s === '' ? null : s;
}

/** An n8n dateTime parameter as an ISO timestamp, or null when empty. */
export function timestamp(ctx: IExecuteFunctions, name: string, i: number): string | null {
	return text(ctx, name, i);
}
