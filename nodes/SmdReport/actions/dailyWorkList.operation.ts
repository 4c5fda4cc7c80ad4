import { NodeOperationError, type IBinaryKeyData, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { workListFiles, type WorkListFormat } from '../../../lib/workListReports';
import { runItems } from '../../shared/itemRunner';

/** Binary field of one file: `worklist_html`, `worklist_xlsx`, `worklist_pdf` (the same for township and county items). */
export function workListBinaryName(format: WorkListFormat): string {
	return `worklist_${format}`;
}

/**
 * 每日工作清单: for each input item (a township's work list or the county summary) the same item with
 * its files added — json and earlier binaries kept, `reports.dailyWorkList` noting the files and
 * whether a PDF was made. A bad item stops the node (or, continuing, becomes an error item) with
 * the field it lacks named.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runItems.call(this, { label: 'Item', keepInput: true }, async (item, i) => {
		const formats = this.getNodeParameter('workListFormats', i, ['html', 'xlsx']) as WorkListFormat[];
		if (formats.length === 0) throw new NodeOperationError(this.getNode(), 'Choose at least one of the Formats', { itemIndex: i });
		// Errors of the core (a missing or wrong field) name the field; runItems adds the item.
		const result = await workListFiles(item.json, {
			formats,
			mask: this.getNodeParameter('workListMask', i, true) as boolean,
			county: this.getNodeParameter('workListCountyName', i, '本县') as string,
		});
		const binary: IBinaryKeyData = { ...(item.binary ?? {}) };
		for (const f of result.files) binary[workListBinaryName(f.kind)] = await this.helpers.prepareBinaryData(f.data, f.fileName, f.mimeType);
		const reports = (item.json.reports && typeof item.json.reports === 'object' ? item.json.reports : {}) as IDataObject;
		const note: IDataObject = {
			files: result.files.map((f) => f.fileName),
			binaries: result.files.map((f) => workListBinaryName(f.kind)),
			pdf: result.pdf,
		};
		return { json: { ...item.json, reports: { ...reports, dailyWorkList: note } }, binary };
	});
}
