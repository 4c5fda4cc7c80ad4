import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { AuditEntry, RowError } from '../../../lib';
import { runItems } from '../../shared/itemRunner';
import { binaryInputProperty, csvEncodingOption, sheetOption } from '../actions/common.descriptions';
import { auditContext } from './registry';

interface FileImportOptions {
	encoding?: 'auto' | 'utf-8' | 'gb18030';
	sheet?: string;
	maxErrors?: number;
}

/** What an import of the domain core reports (registry export, follow-up export). */
interface FileImportReport {
	errors: RowError[];
	warnings: RowError[];
	patientRowIds: number[];
}

/** The registry an import writes to (either backend, or the embedded store): it keeps the audit trail. */
interface Audited {
	audit(entry: AuditEntry): unknown;
}

type ImportFn<S extends Audited, R extends FileImportReport> = (
	store: S,
	data: Uint8Array,
	options: { fileName?: string; encoding?: FileImportOptions['encoding']; sheet?: string; onProgress: (rows: number) => void },
) => Promise<R>;

/** The parameters of an Import File operation: the binary field and the options collection named `optionsName`. */
export function importFileProperties(optionsName: string, what: string): INodeProperties[] {
	return [
		binaryInputProperty(`Binary field holding the ${what} (from Read/Write Files from Disk or an HTTP download)`),
		{
			displayName: 'Options',
			name: optionsName,
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
}

/**
 * Each input item carries one export file: import it (all its good rows in one transaction) and
 * output one report item per file. Each item commits on its own, and the audit entry covering every
 * patient written is recorded even when a later item stops the node.
 */
export async function importFiles<S extends Audited, R extends FileImportReport>(
	ctx: IExecuteFunctions,
	store: S,
	spec: { optionsName: string; operation: string; progress: string; importFn: ImportFn<S, R> },
): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	try {
		return await runItems.call(ctx, { label: 'Item', keepInput: false }, async (_item, i) => {
			const prop = ctx.getNodeParameter('binaryPropertyName', i) as string;
			const options = ctx.getNodeParameter(spec.optionsName, i, {}) as FileImportOptions;
			const binary = ctx.helpers.assertBinaryData(i, prop);
			const report = await spec.importFn(store, await ctx.helpers.getBinaryDataBuffer(i, prop), {
				fileName: binary.fileName,
				encoding: options.encoding,
				sheet: options.sheet || undefined,
				onProgress: (n) => ctx.logger.info(`${spec.progress}: ${n} rows read`),
			});
			for (const id of report.patientRowIds) touched.push(id); // no spread: a 1M-element spread overflows the stack
			const max = options.maxErrors ?? 1000;
			const { patientRowIds, ...rest } = report;
			return {
				json: {
					...(rest as unknown as Record<string, unknown>),
					fileName: binary.fileName ?? null,
					patients: patientRowIds.length,
					errors: report.errors.slice(0, max),
					warnings: report.warnings.slice(0, max),
					errorCount: report.errors.length,
					warningCount: report.warnings.length,
				} as never,
			};
		});
	} finally {
		await store.audit({ ...auditContext(ctx), operation: spec.operation, patientRowIds: touched, detail: { files: ctx.getInputData().length } });
	}
}
