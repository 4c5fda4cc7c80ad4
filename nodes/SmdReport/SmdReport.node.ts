import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { asOfProperty, binaryPropertyNameProperty } from './actions/common.descriptions';
import * as policeFeedback from './actions/policeFeedback.operation';
import { router } from './actions/router';
import * as townshipTaskLists from './actions/townshipTaskLists.operation';
import * as triageJson from './actions/triageJson.operation';
import * as triageSummary from './actions/triageSummary.operation';

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
			asOfProperty,
			binaryPropertyNameProperty,
			...policeFeedback.description,
			...townshipTaskLists.description,
			...triageSummary.description,
			...triageJson.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
