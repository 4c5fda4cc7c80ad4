import { NodeOperationError, type IBinaryKeyData, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import {
	allowedFileFolders,
	isFileAccessAllowed,
	quarterlyReportFiles,
	REPORT_FILES,
	type IndicatorCode,
	type QuarterlyReportKind,
	type ReportFilesOptions,
} from '../../../lib';
import { runItems } from '../../shared/itemRunner';

interface QuarterlyOptions {
	binaryPrefix?: string;
	templateDir?: string;
	title?: string;
}

/** Binary field of one file: `<prefix><report>_<html|pdf|xlsx>`, e.g. `pack_pdf`. */
export function binaryName(prefix: string, kind: QuarterlyReportKind, file: 'html' | 'pdf' | 'xlsx'): string {
	return `${prefix}${REPORT_FILES[kind].binary}_${file}`;
}

/**
 * Render one quarterly report for each input item (an SMD Indicators output) and append its files
 * to the item: json and earlier binaries kept, the report's files added, `reports.<report>` noting
 * the files and whether a PDF was made. A bad item stops the node (or, continuing, becomes an error
 * item) with the field it lacks named.
 */
export async function runQuarterlyReport(
	ctx: IExecuteFunctions,
	kind: QuarterlyReportKind,
	extra: (itemIndex: number) => Partial<ReportFilesOptions> = () => ({}),
): Promise<INodeExecutionData[][]> {
	return await runItems.call(ctx, { label: 'Item', keepInput: true }, async (item, i) => {
		const o = ctx.getNodeParameter('quarterlyOptions', i, {}) as QuarterlyOptions;
		const templateDir = o.templateDir?.trim() ?? '';
		if (templateDir && !isFileAccessAllowed(templateDir)) {
			throw new NodeOperationError(ctx.getNode(), 'Access to the Templates Folder is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO', {
				description: `Put the templates inside one of: ${allowedFileFolders().join('; ')}`,
				itemIndex: i,
			});
		}
		// Errors of the core (a missing field, a template not found) name what is wrong; runItems adds the item.
		const result = await quarterlyReportFiles(kind, item.json, {
			county: ctx.getNodeParameter('countyName', i, '本县') as string,
			mask: ctx.getNodeParameter('quarterlyMask', i, true) as boolean,
			pdf: ctx.getNodeParameter('quarterlyPdf', i, true) as boolean,
			title: o.title,
			templateDirs: templateDir ? [templateDir] : [],
			...extra(i),
		});
		const prefix = o.binaryPrefix?.trim() ?? '';
		const binary: IBinaryKeyData = { ...(item.binary ?? {}) };
		for (const f of result.files) binary[binaryName(prefix, kind, f.kind)] = await ctx.helpers.prepareBinaryData(f.data, f.fileName, f.mimeType);
		const reports = (item.json.reports && typeof item.json.reports === 'object' ? item.json.reports : {}) as IDataObject;
		const note: IDataObject = { files: result.files.map((f) => f.fileName), binaries: result.files.map((f) => binaryName(prefix, kind, f.kind)), pdf: result.pdf };
		return { json: { ...item.json, reports: { ...reports, [`${prefix}${kind}`]: note } }, binary };
	});
}

/** The indicators chosen in a multi-options parameter (none chosen: the report's default). */
export function chosenIndicators(ctx: IExecuteFunctions, name: string, itemIndex: number): IndicatorCode[] | undefined {
	const chosen = ctx.getNodeParameter(name, itemIndex, []) as IndicatorCode[];
	return chosen.length ? chosen : undefined;
}
