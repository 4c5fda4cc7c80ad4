import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { openTable, POLICE_COLUMNS, REGISTRY_COLUMNS } from '../../../../lib';
import { runItems, type ItemOutput } from '../../../shared/itemRunner';
import { binaryInputProperty, csvEncodingOption, sheetOption } from '../common.descriptions';

const properties: INodeProperties[] = [
	binaryInputProperty('Binary field holding the list file'),
	{
		displayName: 'Options',
		name: 'readOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			csvEncodingOption,
			sheetOption,
		],
	},
];

const displayOptions = { show: { resource: ['list'], operation: ['readFile'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Every header the package knows, so Read File finds the header row below title rows. */
const KNOWN_HEADERS = [...new Set([...Object.values(POLICE_COLUMNS).flat(), ...Object.values(REGISTRY_COLUMNS).flat()])];

/**
 * Each input item carries one list file: one output item per row. A file that cannot be read gives
 * none of its rows, only the error.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runItems.call(this, { label: 'Item', keepInput: false }, async (_item, i) => {
		const prop = this.getNodeParameter('binaryPropertyName', i) as string;
		const options = this.getNodeParameter('readOptions', i, {}) as { encoding?: 'auto' | 'utf-8' | 'gb18030'; sheet?: string };
		const binary = this.helpers.assertBinaryData(i, prop);
		const data = await this.helpers.getBinaryDataBuffer(i, prop);
		const table = await openTable(data, { fileName: binary.fileName, encoding: options.encoding, sheet: options.sheet || undefined, knownHeaders: KNOWN_HEADERS });
		const rows: ItemOutput[] = [];
		for await (const r of table.rows) {
			const json: IDataObject = { row: r.row, line: r.line, ...r.values };
			if (r.issues.length) json.cellIssues = r.issues.map((x) => ({ field: x.field, code: x.code, message: x.message }));
			rows.push({ json });
		}
		return rows;
	});
}
