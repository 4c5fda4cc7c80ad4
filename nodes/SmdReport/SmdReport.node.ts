import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import * as actionList from './actions/actionList.operation';
import * as archiveFiles from './actions/archiveFiles.operation';
import * as catchUpPlan from './actions/catchUpPlan.operation';
import { asOfProperty, binaryPropertyNameProperty } from './actions/common.descriptions';
import { emergencyRecordProperties, watchListProperties } from './actions/emergencyForms.descriptions';
import * as policeFeedback from './actions/policeFeedback.operation';
import { quarterlyProperties } from './actions/quarterly.descriptions';
import * as quarterlyPack from './actions/quarterlyPack.operation';
import * as rankingTable from './actions/rankingTable.operation';
import { referralFormProperties } from './actions/referralForms.descriptions';
import { router } from './actions/router';
import * as townshipTaskLists from './actions/townshipTaskLists.operation';
import * as triageJson from './actions/triageJson.operation';
import * as triageSummary from './actions/triageSummary.operation';
import { workListProperties } from './actions/workList.descriptions';

export class SmdReport implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Report',
		name: 'smdReport',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["report"]}}',
		description:
			'Renders SMD work lists and reports as files: triage task lists, police feedback and summary; the quarterly joint-meeting pack, ranking, action list and catch-up plans; daily work lists; the 双向转诊单 and 出院信息单; the 应急处置记录单 and 重点管控名单 (HTML, PDF, XLSX)',
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
						name: 'Action List 会议督办清单',
						value: 'actionList',
						description:
							'Quarterly: per township, the patients overdue, lost or unstable without case management, with responsible person and due date (HTML, PDF, XLSX). Names and ID numbers masked by default.',
					},
					{
						name: 'Archive Files 归档',
						value: 'archiveFiles',
						description: 'Write every file of the item into &lt;folder&gt;/&lt;quarter&gt;/ (created when missing, replaced on a re-run); the item goes on with its files, e.g. to Send Email',
					},
					{
						name: 'Catch-Up Plan 百日攻坚整改计划',
						value: 'catchUpPlan',
						description: 'Quarterly: one page per township below target on a management indicator, the shortfall in patients and blanks for measures and milestones (HTML, PDF)',
					},
					{
						name: 'Daily Work List 每日工作清单',
						value: 'dailyWorkList',
						description:
							'Per township item: counts per section and one table per section (overdue, due this week, joint follow-up, case management, referrals, emergency records); per county item: the townships’ counts (HTML, XLSX, PDF). Names masked by default.',
					},
					{
						name: 'Discharge Information 出院信息单',
						value: 'dischargeForm',
						description:
							'Per SMD Referral item of a return (回转): the 严重精神障碍患者出院信息单 the hospital sends the township within 10 working days of discharge (HTML, PDF). Full identifiers: a clinical record.',
					},
					{
						name: 'Emergency Record 应急处置记录单',
						value: 'emergencyRecord',
						description:
							'Per emergency event item: the 严重精神障碍患者应急处置记录单, one A4 page — person, report, risk, type, measures, people and outcome as checkboxes, hand-off chain, 24-hour filing (HTML, PDF). Full identifiers: a clinical record.',
					},
					{
						name: 'Police Feedback List 公安反馈清单',
						value: 'policeFeedback',
						description: 'One XLSX in the police’s row order: 已在管/失访/死亡迁出/未登记… Names and ID numbers masked by default',
					},
					{
						name: 'Quarterly Meeting Pack 季度联席会议材料',
						value: 'quarterlyPack',
						description:
							'Quarterly: cover, county indicators, township ranking, charts, patient counts, catch-up areas and the action list, from an SMD Indicators item (HTML, PDF). Identifiers masked by default.',
					},
					{
						name: 'Referral Form 双向转诊单',
						value: 'referralForm',
						description:
							'Per SMD Referral item: the 双向转诊单 — 存根, cut line and the 转出 or 回转 form, with urgency, reasons, consent and the agreement check (HTML, PDF). Full identifiers: a clinical record.',
					},
					{
						name: 'Township Ranking 乡镇排名表',
						value: 'rankingTable',
						description: 'Quarterly: score, rank, change and the ten indicators per township, below-target marked (HTML, PDF, XLSX with the indicator detail)',
					},
					{
						name: 'Township Task Lists 乡镇任务清单',
						value: 'townshipTaskLists',
						description: 'One XLSX per township, high priority and earliest due first; one output item per township',
					},
					{
						name: 'Triage Results JSON 处置结果',
						value: 'triageJson',
						description: 'One JSON object per list row in the police’s order (row, category, match, candidates, priority, due date, reasons), without names or ID numbers',
					},
					{
						name: 'Triage Summary 处置汇总',
						value: 'triageSummary',
						description: 'One-page HTML: counts per category and township, high-priority rows first',
					},
					{
						name: 'Watch List 重点管控名单',
						value: 'watchList',
						description:
							'Per township item: the patients to watch over a holiday or major event, with guardians and the staff on duty (HTML, XLSX). Names in full by default; Mask Names for copies leaving the health department.',
					},
				],
				default: 'triageSummary',
			},
			asOfProperty,
			binaryPropertyNameProperty,
			...quarterlyProperties,
			...quarterlyPack.description,
			...rankingTable.description,
			...actionList.description,
			...catchUpPlan.description,
			...archiveFiles.description,
			...referralFormProperties,
			...workListProperties,
			...emergencyRecordProperties,
			...watchListProperties,
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
