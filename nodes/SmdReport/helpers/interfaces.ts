import type { IPairedItemData } from 'n8n-workflow';
import type { TriagedRow } from '../../../lib';

/** What every report is rendered from. */
export interface ReportInput {
	/** The triaged rows, in the police list's order (none for an empty triage). */
	rows: TriagedRow[];
	/** The triage day, YYYY-MM-DD. */
	asOf: string;
	/** Binary field for the rendered file. */
	binaryPropertyName: string;
	/** Every input item, for a report that covers the whole list. */
	allItems: IPairedItemData[];
}
