import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { runQuarterlyReport } from '../helpers/quarterly';

const properties: INodeProperties[] = [];

const displayOptions = { show: { report: ['rankingTable'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** 乡镇排名表: HTML and PDF, and an XLSX with the ranking and the indicator detail (numerator/denominator/value/target). */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runQuarterlyReport(this, 'rankingTable');
}
