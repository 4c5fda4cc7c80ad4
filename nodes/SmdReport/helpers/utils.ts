import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { TRIAGE_CATEGORIES, type TriagedRow, type TriageResult } from '../../../lib';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Keys a triage result adds to an item; everything else on the item is the original list row. */
const RESULT_KEYS: Array<keyof TriageResult> = [
	'row', 'line', 'category', 'categoryLabel', 'action', 'matchStatus', 'patientId', 'candidates', 'duplicateOfRow', 'priority',
	'dueDate', 'township', 'policeStation', 'policeCategory', 'registryStatus', 'registryRiskLevel', 'nextFollowUpDate', 'reasons',
];

/** Rebuild triage rows from items of SMD Registry → Police List → Triage. */
export function triagedRowsFrom(ctx: IExecuteFunctions, items: INodeExecutionData[]): TriagedRow[] {
	return items.map((item, i) => {
		const json = item.json;
		if (typeof json.category !== 'string' || !(json.category in TRIAGE_CATEGORIES) || typeof json.row !== 'number') {
			throw new NodeOperationError(ctx.getNode(), `Item ${i + 1} is not a triage result (no category/row): connect the output of SMD Registry → Triage`, {
				itemIndex: i,
			});
		}
		const input: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(json)) if (!(RESULT_KEYS as string[]).includes(k) && k !== 'cellIssues') input[k] = v;
		const result = Object.fromEntries(RESULT_KEYS.map((k) => [k, json[k] ?? null])) as unknown as TriageResult;
		result.candidates = (json.candidates as TriageResult['candidates']) ?? [];
		result.reasons = (json.reasons as string[]) ?? [];
		return { ...result, input };
	});
}
