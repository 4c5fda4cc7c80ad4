import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { triageJsonRows } from '../../../lib';
import type { ReportInput } from '../helpers/interfaces';

const properties: INodeProperties[] = [];

const displayOptions = { show: { report: ['triageJson'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One JSON object per list row in the police's order, without names or ID numbers. */
export async function execute(this: IExecuteFunctions, { rows, binaryPropertyName, allItems }: ReportInput): Promise<INodeExecutionData[]> {
	const fileName = 'triage.json';
	const text = JSON.stringify(triageJsonRows(rows), null, 2);
	return [
		{
			json: { rows: rows.length, fileName },
			binary: { [binaryPropertyName]: await this.helpers.prepareBinaryData(Buffer.from(text, 'utf8'), fileName, 'application/json') },
			pairedItem: allItems,
		},
	];
}
