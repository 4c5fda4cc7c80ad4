import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { policeFeedbackFile } from '../../../lib';
import type { ReportInput } from '../helpers/interfaces';
import { XLSX_MIME } from '../helpers/utils';

const properties: INodeProperties[] = [
	{
		displayName: 'Mask Names and ID Numbers',
		name: 'mask',
		type: 'boolean',
		default: true,
		description: 'Whether to mask identifiers (ID: first 6 and last 4; name: first character). Turn off only where a statutory duty requires full identifiers.',
	},
];

const displayOptions = { show: { report: ['policeFeedback'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One XLSX in the police's row order, names and ID numbers masked by default. */
export async function execute(this: IExecuteFunctions, { rows, asOf, binaryPropertyName, allItems }: ReportInput): Promise<INodeExecutionData[]> {
	const { data, truncated } = await policeFeedbackFile(rows, { mask: this.getNodeParameter('mask', 0, true) as boolean, asOf });
	const fileName = `公安反馈清单_${asOf}.xlsx`;
	return [
		{
			json: { rows: rows.length, fileName, truncatedCells: truncated as unknown as IDataObject[] },
			binary: { [binaryPropertyName]: await this.helpers.prepareBinaryData(data, fileName, XLSX_MIME) },
			pairedItem: allItems,
		},
	];
}
