import { NodeOperationError, type IBinaryKeyData, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { allowedFileFolders, isFileAccessAllowed } from '../../../lib';
import { emergencyRecordFiles, type EmergencyRecordFormat } from '../../../lib/emergencyForms';
import { watchListFiles, type WatchListFormat } from '../../../lib/watchListReports';
import { runItems } from '../../shared/itemRunner';

interface EmergencyRecordOptions {
	binaryPrefix?: string;
	templateDir?: string;
}

/** Binary field of one record-form file: `<prefix>emergency_<html|pdf>`. */
export function emergencyBinaryName(prefix: string, format: EmergencyRecordFormat | 'xlsx'): string {
	return `${prefix}emergency_${format}`;
}

/** Binary field of one watch-list file: `watchlist_html`, `watchlist_xlsx`. */
export function watchListBinaryName(format: WatchListFormat | 'pdf'): string {
	return `watchlist_${format}`;
}

function reportsOf(item: INodeExecutionData): IDataObject {
	return (item.json.reports && typeof item.json.reports === 'object' ? item.json.reports : {}) as IDataObject;
}

/**
 * 应急处置记录单: for each input item (`{ event, details?, patient? }`) the same item with the form's
 * files added — json and earlier binaries kept, `reports.<prefix>emergencyRecord` noting the event
 * number, the files and whether a PDF was made. A bad item stops the node (or, continuing, becomes
 * an error item) with the field named: `Item 2: event.channel must be one of …`.
 */
export const emergencyRecord = {
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runItems.call(this, { label: 'Item', keepInput: true }, async (item, i) => {
			const formats = this.getNodeParameter('emergencyRecordFormats', i, ['html', 'pdf']) as EmergencyRecordFormat[];
			if (formats.length === 0) throw new NodeOperationError(this.getNode(), 'Choose at least one of the Formats', { itemIndex: i });
			const o = this.getNodeParameter('emergencyRecordOptions', i, {}) as EmergencyRecordOptions;
			const templateDir = o.templateDir?.trim() ?? '';
			if (templateDir && !isFileAccessAllowed(templateDir)) {
				throw new NodeOperationError(this.getNode(), 'Access to the Templates Folder is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO', {
					description: `Put the templates inside one of: ${allowedFileFolders().join('; ')}`,
					itemIndex: i,
				});
			}
			// Errors of the core (a missing or wrong field) name the field; runItems adds the item.
			const result = await emergencyRecordFiles(item.json, {
				county: this.getNodeParameter('emergencyRecordCounty', i, '本县') as string,
				formats,
				templateDirs: templateDir ? [templateDir] : [],
			});
			const prefix = o.binaryPrefix?.trim() ?? '';
			const binary: IBinaryKeyData = { ...(item.binary ?? {}) };
			for (const f of result.files) binary[emergencyBinaryName(prefix, f.kind)] = await this.helpers.prepareBinaryData(f.data, f.fileName, f.mimeType);
			const note: IDataObject = {
				eventNo: result.eventNos[0],
				files: result.files.map((f) => f.fileName),
				binaries: result.files.map((f) => emergencyBinaryName(prefix, f.kind)),
				pdf: result.pdf,
			};
			return { json: { ...item.json, reports: { ...reportsOf(item), [`${prefix}emergencyRecord`]: note } }, binary };
		});
	},
};

/**
 * 重点管控名单: for each input item (one township's TownshipWatchList) the same item with its files
 * added, `reports.watchList` noting the township, period, patients listed, files and masking.
 */
export const watchList = {
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runItems.call(this, { label: 'Item', keepInput: true }, async (item, i) => {
			const formats = this.getNodeParameter('watchListFormats', i, ['html', 'xlsx']) as WatchListFormat[];
			if (formats.length === 0) throw new NodeOperationError(this.getNode(), 'Choose at least one of the Formats', { itemIndex: i });
			const result = await watchListFiles(item.json, {
				formats,
				maskNames: this.getNodeParameter('watchListMaskNames', i, false) as boolean,
				county: this.getNodeParameter('watchListCounty', i, '本县') as string,
			});
			const binary: IBinaryKeyData = { ...(item.binary ?? {}) };
			for (const f of result.files) binary[watchListBinaryName(f.kind)] = await this.helpers.prepareBinaryData(f.data, f.fileName, f.mimeType);
			const note: IDataObject = {
				township: result.township,
				period: result.period.name,
				patients: result.patients,
				masked: result.masked,
				files: result.files.map((f) => f.fileName),
				binaries: result.files.map((f) => watchListBinaryName(f.kind)),
			};
			return { json: { ...item.json, reports: { ...reportsOf(item), watchList: note } }, binary };
		});
	},
};
