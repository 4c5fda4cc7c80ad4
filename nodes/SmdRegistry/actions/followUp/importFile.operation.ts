import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { importFollowUpFile, type RegistryStore } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';
import { binaryInputProperty, csvEncodingOption, sheetOption } from '../common.descriptions';

const properties: INodeProperties[] = [
	binaryInputProperty('Binary field holding the follow-up export (from Read/Write Files from Disk or an HTTP download)'),
	{
		displayName: 'Options',
		name: 'followUpImportOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			csvEncodingOption,
			{ displayName: 'Max Errors Listed', name: 'maxErrors', type: 'number', typeOptions: { minValue: 0 }, default: 1000, description: 'Rejected rows and warnings listed in the output (all are counted)' },
			sheetOption,
		],
	},
];

const displayOptions = { show: { resource: ['followUp'], operation: ['importFile'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface Options {
	encoding?: 'auto' | 'utf-8' | 'gb18030';
	sheet?: string;
	maxErrors?: number;
}

/**
 * Each input item carries one follow-up export (national system: one row per follow-up). All good
 * rows of a file commit together; one report item per file.
 */
export async function execute(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	try {
		return await runItems.call(this, { label: 'Item', keepInput: false }, async (_item, i) => {
			const prop = this.getNodeParameter('binaryPropertyName', i) as string;
			const options = this.getNodeParameter('followUpImportOptions', i, {}) as Options;
			const binary = this.helpers.assertBinaryData(i, prop);
			const data = await this.helpers.getBinaryDataBuffer(i, prop);
			const report = await importFollowUpFile(store, data, {
				fileName: binary.fileName,
				encoding: options.encoding,
				sheet: options.sheet || undefined,
				onProgress: (n) => this.logger.info(`SMD follow-up import: ${n} rows read`),
			});
			for (const id of report.patientRowIds) touched.push(id);
			const max = options.maxErrors ?? 1000;
			const { patientRowIds, ...rest } = report;
			return {
				json: {
					...rest,
					fileName: binary.fileName ?? null,
					patients: patientRowIds.length,
					errors: report.errors.slice(0, max),
					warnings: report.warnings.slice(0, max),
					errorCount: report.errors.length,
					warningCount: report.warnings.length,
				},
			};
		});
	} finally {
		store.audit({ ...auditContext(this), operation: 'followUp.importFile', patientRowIds: touched, detail: { files: this.getInputData().length } });
	}
}
