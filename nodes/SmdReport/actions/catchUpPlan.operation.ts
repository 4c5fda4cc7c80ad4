import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { runQuarterlyReport } from '../helpers/quarterly';

const properties: INodeProperties[] = [];

const displayOptions = { show: { report: ['catchUpPlan'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** 百日攻坚整改计划: one page per township below target, the shortfall in patients and blanks to fill in — HTML and PDF. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runQuarterlyReport(this, 'catchUpPlan');
}
