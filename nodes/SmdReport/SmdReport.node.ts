import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import {
	policeFeedbackFile,
	renderTemplate,
	triageJsonRows,
	summaryModel,
	TemplateError,
	townshipTaskLists,
	TRIAGE_CATEGORIES,
	type TriagedRow,
	type TriageResult,
} from '../../lib';
import { isEmptyPlaceholder } from '../shared/items';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Keys a triage result adds to an item; everything else on the item is the original list row. */
const RESULT_KEYS: Array<keyof TriageResult> = [
	'row', 'line', 'category', 'categoryLabel', 'action', 'matchStatus', 'patientId', 'candidates', 'duplicateOfRow', 'priority',
	'dueDate', 'township', 'policeStation', 'policeCategory', 'registryStatus', 'registryRiskLevel', 'nextFollowUpDate', 'reasons',
];

/** Rebuild triage rows from items of SMD Registry → Police List → Triage. */
export function triagedRowsFrom(ctx: IExecuteFunctions, items: INodeExecutionData[]): TriagedRow[] {
	return items.map((item, i) => {
		const json = item.json;
		if (typeof json.category !== 'string' || !(json.category in TRIAGE_CATEGORIES) || typeof json.row !== 'number') {
			throw new NodeOperationError(ctx.getNode(), `Item ${i + 1} is not a triage result (no category/row): connect the output of SMD Registry → Triage`, {
				itemIndex: i,
			});
		}
		const input: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(json)) if (!(RESULT_KEYS as string[]).includes(k) && k !== 'cellIssues') input[k] = v;
		const result = Object.fromEntries(RESULT_KEYS.map((k) => [k, json[k] ?? null])) as unknown as TriageResult;
		result.candidates = (json.candidates as TriageResult['candidates']) ?? [];
		result.reasons = (json.reasons as string[]) ?? [];
		return { ...result, input };
	});
}

export class SmdReport implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Report',
		name: 'smdReport',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["report"]}}',
		description: 'Renders SMD work lists and reports (XLSX task lists, police feedback, one-page HTML summary) as files',
		defaults: { name: 'SMD Report' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Report',
				name: 'report',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Police Feedback List 公安反馈清单',
						value: 'policeFeedback',
						description: 'One XLSX in the police’s row order: 已在管/失访/死亡迁出/未登记… Names and ID numbers masked by default',
					},
					{
						name: 'Triage Results JSON 处置结果',
						value: 'triageJson',
						description: 'One JSON object per list row in the police’s order (row, category, match, candidates, priority, due date, reasons), without names or ID numbers',
					},
					{
						name: 'Township Task Lists 乡镇任务清单',
						value: 'townshipTaskLists',
						description: 'One XLSX per township, high priority and earliest due first; one output item per township',
					},
					{
						name: 'Triage Summary 处置汇总',
						value: 'triageSummary',
						description: 'One-page HTML: counts per category and township, high-priority rows first',
					},
				],
				default: 'triageSummary',
			},
			{
				displayName: 'As-Of Date',
				name: 'asOf',
				type: 'string',
				default: "={{ $today.toFormat('yyyy-MM-dd') }}",
				description: 'The triage day, printed on the reports and in file names (YYYY-MM-DD)',
			},
			{
				displayName: 'Put Output File in Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				description: 'Binary field for the rendered file; its file name is set, ready for Read/Write Files from Disk',
			},
			{
				displayName: 'Mask Names and ID Numbers',
				name: 'mask',
				type: 'boolean',
				displayOptions: { show: { report: ['policeFeedback'] } },
				default: true,
				description: 'Whether to mask identifiers (ID: first 6 and last 4; name: first character). Turn off only where a statutory duty requires full identifiers.',
			},
			{
				displayName: 'Mask Names and ID Numbers',
				name: 'maskTaskLists',
				type: 'boolean',
				displayOptions: { show: { report: ['townshipTaskLists'] } },
				default: false,
				description: 'Whether to mask identifiers; task lists stay inside the health system, where staff need them to find the person',
			},
			{
				displayName: 'Options',
				name: 'summaryOptions',
				type: 'collection',
				placeholder: 'Add Option',
				displayOptions: { show: { report: ['triageSummary'] } },
				default: {},
				options: [
					{ displayName: 'Title', name: 'title', type: 'string', default: '公安下发纳管名单处置汇总' },
					{ displayName: 'Template Name', name: 'template', type: 'string', default: 'triage-summary', description: 'A Handlebars template (.hbs) by name; looked up in Templates Folder, then in the package' },
					{ displayName: 'Templates Folder', name: 'templateDir', type: 'string', default: '', description: 'Folder of your own templates; names cannot reach outside it' },
					{ displayName: 'High-Priority Rows Listed', name: 'maxHighRows', type: 'number', typeOptions: { minValue: 0 }, default: 30 },
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const input = this.getInputData();
		if (input.length === 0) return [[]];
		// An empty triage (Triage set to Always Output Data sends one empty item): empty reports, still written.
		const items = isEmptyPlaceholder(input) ? [] : input;
		const report = this.getNodeParameter('report', 0) as string;
		const asOf = String(this.getNodeParameter('asOf', 0) ?? '').trim();
		if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new NodeOperationError(this.getNode(), 'As-Of Date must be written YYYY-MM-DD');
		const prop = this.getNodeParameter('binaryPropertyName', 0) as string;
		const rows = triagedRowsFrom(this, items);
		const all = input.map((_, i) => ({ item: i }));

		if (report === 'townshipTaskLists') {
			const lists = await townshipTaskLists(rows, asOf, { mask: this.getNodeParameter('maskTaskLists', 0, false) as boolean });
			const out: INodeExecutionData[] = [];
			for (const l of lists) {
				const members = rows.map((r, i) => ({ r, i })).filter(({ r }) => (r.township || '未分配乡镇') === l.township);
				out.push({
					json: { township: l.township, rows: l.rows, high: l.high, fileName: l.fileName, truncatedCells: l.truncated as unknown as IDataObject[] },
					binary: { [prop]: await this.helpers.prepareBinaryData(l.data, l.fileName, XLSX_MIME) },
					pairedItem: members.map(({ i }) => ({ item: i })),
				});
			}
			return [out];
		}
		if (report === 'policeFeedback') {
			const { data, truncated } = await policeFeedbackFile(rows, { mask: this.getNodeParameter('mask', 0, true) as boolean });
			const fileName = `公安反馈清单_${asOf}.xlsx`;
			return [[{ json: { rows: rows.length, fileName, truncatedCells: truncated as unknown as IDataObject[] }, binary: { [prop]: await this.helpers.prepareBinaryData(data, fileName, XLSX_MIME) }, pairedItem: all }]];
		}
		if (report === 'triageJson') {
			const fileName = 'triage.json';
			const text = JSON.stringify(triageJsonRows(rows), null, 2);
			return [[{ json: { rows: rows.length, fileName }, binary: { [prop]: await this.helpers.prepareBinaryData(Buffer.from(text, 'utf8'), fileName, 'application/json') }, pairedItem: all }]];
		}
		if (report === 'triageSummary') {
			const o = this.getNodeParameter('summaryOptions', 0, {}) as { title?: string; template?: string; templateDir?: string; maxHighRows?: number };
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
			return [[
				{
					json: model as unknown as IDataObject,
					binary: { [prop]: await this.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), fileName, 'text/html') },
					pairedItem: all,
				},
			]];
		}
		throw new NodeOperationError(this.getNode(), `Unknown report ${report}`);
	}
}
