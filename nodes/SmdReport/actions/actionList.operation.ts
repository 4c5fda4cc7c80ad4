import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { runQuarterlyReport } from '../helpers/quarterly';

const properties: INodeProperties[] = [];

const displayOptions = { show: { report: ['actionList'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** 会议督办清单: per township, the patients to act on with responsible person and due date — HTML, PDF and XLSX. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runQuarterlyReport(this, 'actionList');
}
