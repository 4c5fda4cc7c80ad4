import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { registryBackendProperties } from './actions/common.descriptions';
import * as followUp from './actions/followUp/followUp.resource';
import * as list from './actions/list/list.resource';
import * as patient from './actions/patient/patient.resource';
import * as workList from './actions/workList/workList.resource';
import { router } from './actions/router';

/** Output labels of Triage → One Output per Category, in TRIAGE_OUTPUT_ORDER. */
const CATEGORY_OUTPUTS = [
	'Managed 在管',
	'Follow-Up Overdue 随访逾期',
	'Lost 失访',
	'Closed 死亡/迁出',
	'New Clue 未登记线索',
	'Review 人工核对',
	'Invalid 信息不足',
];

export class SmdRegistry implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Registry',
		name: 'smdRegistry',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["resource"] + ": " + $parameter["operation"]}}',
		description: 'The registry of patients with severe mental disorders (embedded SQLite or PostgreSQL): look-ups, imports, follow-ups, police-list matching and triage, daily work lists',
		defaults: { name: 'SMD Registry' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// n8n's own Postgres credential, as the county's database is already set up in n8n (README,
		// "Lint rules turned off": self-hosted n8n allows it; n8n Cloud verification does not).
		// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed, @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
		credentials: [{ name: 'postgres', required: true, displayOptions: { show: { backend: ['postgres'] } } }],
		outputs: `={{ $parameter.resource === "list" && $parameter.operation === "triage" && $parameter.outputMode === "perCategory" ? ${JSON.stringify(
			CATEGORY_OUTPUTS.map((displayName) => ({ type: 'main', displayName })),
		)} : ["main"] }}`,
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Follow-Up 随访', value: 'followUp' },
					{ name: 'Patient 患者', value: 'patient' },
					{ name: 'Police List 公安名单', value: 'list' },
					{ name: 'Work List 工作清单', value: 'workList' },
				],
				default: 'list',
			},
			patient.operations,
			followUp.operations,
			list.operations,
			workList.operations,
			...registryBackendProperties,
			...patient.description,
			...followUp.description,
			...list.description,
			...workList.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
