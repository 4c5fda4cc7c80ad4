import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { isEmptyPlaceholder } from '../../shared/items';
import { triagedRowsFrom } from '../helpers/utils';
import * as actionList from './actionList.operation';
import * as archiveFiles from './archiveFiles.operation';
import * as catchUpPlan from './catchUpPlan.operation';
import * as dailyWorkList from './dailyWorkList.operation';
import { emergencyRecord, watchList } from './emergencyForms.operation';
import type { SmdReportType } from './node.type';
import * as policeFeedback from './policeFeedback.operation';
import * as quarterlyPack from './quarterlyPack.operation';
import * as rankingTable from './rankingTable.operation';
import { dischargeForm, referralForm } from './referralForms.operation';
import * as townshipTaskLists from './townshipTaskLists.operation';
import * as triageJson from './triageJson.operation';
import * as triageSummary from './triageSummary.operation';

const triageReports = { policeFeedback, townshipTaskLists, triageJson, triageSummary };

/** Quarterly reports read the SMD Indicators item itself, item by item: no triage rows, no As-Of Date. */
const quarterlyReports = { quarterlyPack, rankingTable, actionList, catchUpPlan };

/** Referral forms read each SMD Referral item (a referral and its patient), item by item. */
const referralFormReports = { referralForm, dischargeForm };

/** Render the chosen report: triage reports from the rebuilt triaged rows, quarterly ones from the indicators item. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const input = this.getInputData();
	if (input.length === 0) return [[]];
	const report = this.getNodeParameter('report', 0) as SmdReportType;
	if (Object.hasOwn(quarterlyReports, report)) return await quarterlyReports[report as keyof typeof quarterlyReports].execute.call(this);
	if (Object.hasOwn(referralFormReports, report)) return await referralFormReports[report as keyof typeof referralFormReports].execute.call(this);
	if (report === 'archiveFiles') return await archiveFiles.execute.call(this);
	// Daily work list items (one per township, one for the county) are rendered item by item.
	if (report === 'dailyWorkList') return await dailyWorkList.execute.call(this);
	// Emergency events and township watch lists are rendered item by item.
	if (report === 'emergencyRecord') return await emergencyRecord.execute.call(this);
	if (report === 'watchList') return await watchList.execute.call(this);
	if (!Object.hasOwn(triageReports, report)) throw new NodeOperationError(this.getNode(), `Unknown report ${report}`);

	// An empty triage (Triage set to Always Output Data sends one empty item): empty reports, still written.
	const items = isEmptyPlaceholder(input) ? [] : input;
	const asOf = String(this.getNodeParameter('asOf', 0) ?? '').trim();
	if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new NodeOperationError(this.getNode(), 'As-Of Date must be written YYYY-MM-DD');
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', 0) as string;
	const rows = triagedRowsFrom(this, items);
	const allItems = input.map((_, i) => ({ item: i }));
	return [await triageReports[report as keyof typeof triageReports].execute.call(this, { rows, asOf, binaryPropertyName, allItems })];
}
