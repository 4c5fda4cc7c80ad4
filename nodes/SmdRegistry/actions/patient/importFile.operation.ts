import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { importRegistryFile, type RegistryStore } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';
import { binaryInputProperty, csvEncodingOption, sheetOption } from '../common.descriptions';

const properties: INodeProperties[] = [
	binaryInputProperty('Binary field holding the export file (from Read/Write Files from Disk or an HTTP download)'),
	{
		displayName: 'Options',
		name: 'importOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			csvEncodingOption,
			{ displayName: 'Max Errors Listed', name: 'maxErrors', type: 'number', typeOptions: { minValue: 0 }, default: 1000, description: 'Rejected rows listed in the output (all are counted)' },
			sheetOption,
		],
	},
];

const displayOptions = { show: { resource: ['patient'], operation: ['importFile'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface ImportOptions {
	encoding?: 'auto' | 'utf-8' | 'gb18030';
	sheet?: string;
	maxErrors?: number;
}

/** Each input item carries one export file: upsert all its rows; one report item per file. */
export async function execute(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	// Each item commits on its own: the audit entry is written even when a later item stops the node.
	try {
		return await runItems.call(this, { label: 'Item', keepInput: false }, async (_item, i) => {
			const prop = this.getNodeParameter('binaryPropertyName', i) as string;
			const options = this.getNodeParameter('importOptions', i, {}) as ImportOptions;
			const binary = this.helpers.assertBinaryData(i, prop);
			const data = await this.helpers.getBinaryDataBuffer(i, prop);
			const report = await importRegistryFile(store, data, {
				fileName: binary.fileName,
				encoding: options.encoding,
				sheet: options.sheet || undefined,
				onProgress: (n) => this.logger.info(`SMD registry import: ${n} rows read`),
			});
			for (const id of report.patientRowIds) touched.push(id); // no spread: a 1M-element spread overflows the stack
			const max = options.maxErrors ?? 1000;
			const { patientRowIds, ...rest } = report;
			return {
				json: { ...rest, patients: patientRowIds.length, errors: report.errors.slice(0, max), warnings: report.warnings.slice(0, max), errorCount: report.errors.length, warningCount: report.warnings.length },
			};
		});
	} finally {
		store.audit({ ...auditContext(this), operation: 'patient.importFile', patientRowIds: touched, detail: { files: this.getInputData().length } });
	}
}
