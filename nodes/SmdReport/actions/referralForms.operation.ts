import { NodeOperationError, type IBinaryKeyData, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { allowedFileFolders, isFileAccessAllowed, REFERRAL_FORM_FILES, referralFormFiles, type ReferralFormFormat, type ReferralFormKind } from '../../../lib';
import { runItems } from '../../shared/itemRunner';

interface ReferralFormOptions {
	binaryPrefix?: string;
	filledOn?: string;
	templateDir?: string;
}

/** Binary field of one file: `<prefix><form>_<html|pdf>`, e.g. `referral_pdf`. */
export function referralBinaryName(prefix: string, kind: ReferralFormKind, file: 'html' | 'pdf' | 'xlsx'): string {
	return `${prefix}${REFERRAL_FORM_FILES[kind].binary}_${file}`;
}

/** The value of `field` in the item's json: the key as written, else a dotted path into objects. */
function valueAt(json: IDataObject, field: string): unknown {
	if (Object.hasOwn(json, field)) return json[field];
	let value: unknown = json;
	for (const part of field.split('.')) {
		if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

/**
 * Render one form for each input item (an SMD Referral output holding a referral and its patient) and
 * add its files to the item: json and earlier binaries kept, `reports.<form>` noting the files and
 * whether a PDF was made. A bad item stops the node (or, continuing, becomes an error item) with
 * the field named: `Item 2: referral.direction must be one of up, return`.
 */
export async function runReferralForm(ctx: IExecuteFunctions, kind: ReferralFormKind): Promise<INodeExecutionData[][]> {
	return await runItems.call(ctx, { label: 'Item', keepInput: true }, async (item, i) => {
		const referralField = String(ctx.getNodeParameter('referralField', i, 'referral') ?? '').trim() || 'referral';
		const patientField = String(ctx.getNodeParameter('patientField', i, 'patient') ?? '').trim() || 'patient';
		const formats = ctx.getNodeParameter('referralFormFormats', i, ['html', 'pdf']) as ReferralFormFormat[];
		if (formats.length === 0) throw new NodeOperationError(ctx.getNode(), 'Choose at least one of the Formats', { itemIndex: i });
		const o = ctx.getNodeParameter('referralFormOptions', i, {}) as ReferralFormOptions;
		const templateDir = o.templateDir?.trim() ?? '';
		if (templateDir && !isFileAccessAllowed(templateDir)) {
			throw new NodeOperationError(ctx.getNode(), 'Access to the Templates Folder is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO', {
				description: `Put the templates inside one of: ${allowedFileFolders().join('; ')}`,
				itemIndex: i,
			});
		}
		// Errors of the core (a missing field, an upward referral for the discharge form) name the field; runItems adds the item.
		const result = await referralFormFiles(kind, valueAt(item.json, referralField), valueAt(item.json, patientField), {
			county: ctx.getNodeParameter('referralFormCounty', i, '本县') as string,
			formats,
			filledOn: o.filledOn?.trim() || null,
			templateDirs: templateDir ? [templateDir] : [],
			names: { referral: referralField, patient: patientField },
		});
		const prefix = o.binaryPrefix?.trim() ?? '';
		const binary: IBinaryKeyData = { ...(item.binary ?? {}) };
		for (const f of result.files) binary[referralBinaryName(prefix, kind, f.kind)] = await ctx.helpers.prepareBinaryData(f.data, f.fileName, f.mimeType);
		const reports = (item.json.reports && typeof item.json.reports === 'object' ? item.json.reports : {}) as IDataObject;
		const note: IDataObject = {
			referralNo: result.referralNo,
			files: result.files.map((f) => f.fileName),
			binaries: result.files.map((f) => referralBinaryName(prefix, kind, f.kind)),
			pdf: result.pdf,
		};
		return { json: { ...item.json, reports: { ...reports, [`${prefix}${kind}`]: note } }, binary };
	});
}

/** 双向转诊单: per referral the 存根 and the 转出 or 回转 form, one page — HTML and PDF. */
export const referralForm = {
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runReferralForm(this, 'referralForm');
	},
};

/** 出院信息单: per return the hospital's discharge information for the township — HTML and PDF. */
export const dischargeForm = {
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runReferralForm(this, 'dischargeForm');
	},
};
