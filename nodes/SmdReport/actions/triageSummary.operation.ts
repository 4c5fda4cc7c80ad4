import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';
import { renderTemplate, summaryModel, TemplateError } from '../../../lib';
import type { ReportInput } from '../helpers/interfaces';

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'summaryOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{ displayName: 'Title', name: 'title', type: 'string', default: '公安下发纳管名单处置汇总' },
			{ displayName: 'Template Name', name: 'template', type: 'string', default: 'triage-summary', description: 'A Handlebars template (.hbs) by name; looked up in Templates Folder, then in the package' },
			{ displayName: 'Templates Folder', name: 'templateDir', type: 'string', default: '', description: 'Folder of your own templates; names cannot reach outside it' },
			{ displayName: 'High-Priority Rows Listed', name: 'maxHighRows', type: 'number', typeOptions: { minValue: 0 }, default: 30 },
		],
	},
];

const displayOptions = { show: { report: ['triageSummary'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface SummaryOptions {
	title?: string;
	template?: string;
	templateDir?: string;
	maxHighRows?: number;
}

/** One-page HTML: counts per category and township, high-priority rows first. */
export async function execute(this: IExecuteFunctions, { rows, asOf, binaryPropertyName, allItems }: ReportInput): Promise<INodeExecutionData[]> {
	const o = this.getNodeParameter('summaryOptions', 0, {}) as SummaryOptions;
	const model = summaryModel(rows, asOf, { title: o.title, maxHighRows: o.maxHighRows });
	let html: string;
	try {
		html = renderTemplate(o.template || 'triage-summary', model, o.templateDir ? [o.templateDir] : []);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, {
			description: error instanceof TemplateError ? 'Check Template Name and Templates Folder' : undefined,
		});
	}
	const fileName = `处置汇总_${asOf}.html`;
	return [
		{
			json: model as unknown as IDataObject,
			binary: { [binaryPropertyName]: await this.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), fileName, 'text/html') },
			pairedItem: allItems,
		},
	];
}
