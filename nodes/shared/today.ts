import type { IExecuteFunctions } from 'n8n-workflow';

/** The calendar day now in the workflow's time zone (YYYY-MM-DD). */
export function todayIn(ctx: IExecuteFunctions): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone: ctx.getTimezone(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
