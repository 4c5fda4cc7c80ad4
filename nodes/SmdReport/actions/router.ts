import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { isEmptyPlaceholder } from '../../shared/items';
import { triagedRowsFrom } from '../helpers/utils';
import type { SmdReportType } from './node.type';
import * as policeFeedback from './policeFeedback.operation';
import * as townshipTaskLists from './townshipTaskLists.operation';
import * as triageJson from './triageJson.operation';
import * as triageSummary from './triageSummary.operation';

const reports = { policeFeedback, townshipTaskLists, triageJson, triageSummary };

/** Rebuild the triaged rows from the input items, render the chosen report, return its items. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const input = this.getInputData();
	if (input.length === 0) return [[]];
	// An empty triage (Triage set to Always Output Data sends one empty item): empty reports, still written.
	const items = isEmptyPlaceholder(input) ? [] : input;
	const report = this.getNodeParameter('report', 0) as SmdReportType;
	const asOf = String(this.getNodeParameter('asOf', 0) ?? '').trim();
	if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new NodeOperationError(this.getNode(), 'As-Of Date must be written YYYY-MM-DD');
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', 0) as string;
	const rows = triagedRowsFrom(this, items);
	const allItems = input.map((_, i) => ({ item: i }));

	if (!Object.hasOwn(reports, report)) throw new NodeOperationError(this.getNode(), `Unknown report ${report}`);
	return [await reports[report].execute.call(this, { rows, asOf, binaryPropertyName, allItems })];
}
