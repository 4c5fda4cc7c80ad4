import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { townshipTaskLists } from '../../../lib';
import type { ReportInput } from '../helpers/interfaces';
import { XLSX_MIME } from '../helpers/utils';

const properties: INodeProperties[] = [
	{
		displayName: 'Mask Names and ID Numbers',
		name: 'maskTaskLists',
		type: 'boolean',
		default: false,
		description: 'Whether to mask identifiers; task lists stay inside the health system, where staff need them to find the person',
	},
];

const displayOptions = { show: { report: ['townshipTaskLists'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One XLSX per township, high priority and earliest due first; one output item per township. */
export async function execute(this: IExecuteFunctions, { rows, asOf, binaryPropertyName }: ReportInput): Promise<INodeExecutionData[]> {
	const lists = await townshipTaskLists(rows, asOf, { mask: this.getNodeParameter('maskTaskLists', 0, false) as boolean });
	const out: INodeExecutionData[] = [];
	for (const l of lists) {
		const members = rows.map((r, i) => ({ r, i })).filter(({ r }) => (r.township || '未分配乡镇') === l.township);
		out.push({
			json: { township: l.township, rows: l.rows, high: l.high, fileName: l.fileName, truncatedCells: l.truncated as unknown as IDataObject[] },
			binary: { [binaryPropertyName]: await this.helpers.prepareBinaryData(l.data, l.fileName, XLSX_MIME) },
			pairedItem: members.map(({ i }) => ({ item: i })),
		});
	}
	return out;
}
