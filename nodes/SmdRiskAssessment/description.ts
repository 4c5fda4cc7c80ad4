import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_FIELD_KEYS, OBSERVATION_FIELD_LABELS, ObservationField } from '../../lib';
import { registryFileProperty } from '../SmdRegistry/actions/common.descriptions';

const FIELD_DISPLAY: Record<ObservationField, string> = {
	date: 'Follow-up Date 随访日期',
	riskLevel: 'Risk Level 危险性评估',
	behaviours: 'Behaviours 危险行为',
	symptoms: 'Symptoms 精神症状',
	insight: 'Insight 自知力',
	socialFunction: 'Social Function 社会功能',
	adverseReaction: 'Adverse Drug Reaction 药物不良反应',
	somaticDisease: 'Somatic Disease 躯体疾病',
	hospitalised: 'Hospitalised 住院',
	emergency: 'Emergency 应急处置',
};

const fieldNameOptions: INodeProperties[] = (Object.keys(FIELD_DISPLAY) as ObservationField[]).map((f) => ({
	displayName: FIELD_DISPLAY[f],
	name: f,
	type: 'string',
	default: '',
	placeholder: DEFAULT_FIELD_KEYS[f][0],
	description: `Key of the input field that holds ${OBSERVATION_FIELD_LABELS[f]}. Leave empty to use the first of: ${DEFAULT_FIELD_KEYS[f].join(', ')}.`,
}));

export const riskAssessmentProperties: INodeProperties[] = [
	{
		displayName:
			'Reads one follow-up record per item (English keys or the Chinese labels of the national follow-up form) and adds the risk level, condition classification, actions and next follow-up date (严重精神障碍管理治疗工作规范 2018).',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Single Output',
				value: 'single',
				description: 'All items leave through one output with the assessment added',
			},
			{
				name: 'One Output per Classification',
				value: 'perClassification',
				description:
					'Items leave through Unstable 不稳定, Basically Stable 基本稳定 or Stable 稳定; with "Continue (using regular output)" items in error leave through the first output',
			},
		],
		default: 'single',
	},
	{
		displayName: 'Field Names',
		name: 'fieldNames',
		type: 'collection',
		placeholder: 'Add Field Name',
		default: {},
		description: 'Where each part of the follow-up record is found in the input item',
		options: fieldNameOptions,
	},
	{
		displayName: 'Create Referral and Case-Management Task',
		name: 'createWork',
		type: 'boolean',
		default: false,
		description:
			'Whether to record in the registry what the actions call for: an upward referral (上转, drafted; consent from the item or pending) when the action is 立即转诊, and a case-management task (个案管理, waiting for its team) when it is 纳入个案管理. Idempotent per patient and follow-up date.',
	},
	{
		displayName: 'Patient No. 患者编号',
		name: 'workPatientNo',
		type: 'string',
		required: true,
		default: '={{ $json["患者编号"] ?? $json.patientNo }}',
		displayOptions: { show: { createWork: [true] } },
	},
	{
		displayName: 'Refer From 转出机构',
		name: 'referFrom',
		type: 'string',
		required: true,
		default: '={{ ($json["乡镇"] ?? $json.township ?? "") + "卫生院" }}',
		displayOptions: { show: { createWork: [true] } },
		description: 'The township health centre that refers the patient up',
	},
	{
		displayName: 'Refer To 接收机构',
		name: 'referTo',
		type: 'string',
		required: true,
		default: '',
		placeholder: '县精神卫生中心',
		displayOptions: { show: { createWork: [true] } },
		description: 'The specialist institution that receives upward referrals',
	},
	{
		displayName: 'Consent 知情同意',
		name: 'consentBy',
		type: 'string',
		default: '={{ $json["知情同意"] ?? "" }}',
		displayOptions: { show: { createWork: [true] } },
		description: '患者本人 or 监护人 (or patient / guardian) when consent was signed at the visit; empty drafts the referral with consent pending (待签署)',
	},
	{
		displayName: 'Consent Time 知情同意时间',
		name: 'consentAt',
		type: 'string',
		default: '={{ $json["知情同意时间"] ?? "" }}',
		displayOptions: { show: { createWork: [true] } },
	},
	{ ...registryFileProperty, displayOptions: { show: { createWork: [true] } } },
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Basically Stable: Days to Next Follow-Up',
				name: 'basicallyStableDays',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 366 },
				default: 14,
				description: 'Follow-up interval for basically stable patients (national rule: 2 weeks)',
			},
			{
				displayName: 'Case Management for Unstable',
				name: 'caseManagementForUnstable',
				type: 'boolean',
				default: true,
				description: 'Whether unstable patients are put into case management 个案管理 (local policy)',
			},
			{
				displayName: 'Include Reasons',
				name: 'includeReasons',
				type: 'boolean',
				default: true,
				description: 'Whether to add the Chinese reason lines, each citing its rule',
			},
			{
				displayName: 'Joint Follow-Up From Level',
				name: 'jointFollowUpMinLevel',
				type: 'options',
				options: [
					{ name: 'Off', value: 0 },
					{ name: 'Level 1', value: 1 },
					{ name: 'Level 2', value: 2 },
					{ name: 'Level 3', value: 3 },
					{ name: 'Level 4', value: 4 },
					{ name: 'Level 5', value: 5 },
				],
				default: 3,
				description:
					'Local policy: from this risk level on, a specialist and the township 精防专干 follow up jointly',
			},
			{
				displayName: 'Put Result In Field',
				name: 'outputField',
				type: 'string',
				default: 'assessment',
				description:
					'Name of the field that receives the assessment (JSON format). Leave empty to merge its keys into the item.',
			},
			{
				displayName: 'Result Format',
				name: 'resultFormat',
				type: 'options',
				options: [
					{
						name: 'JSON (Codes and Lists)',
						value: 'json',
						description: 'An object with riskLevel, classification, actions[], reasons[] and their Chinese labels',
					},
					{
						name: 'Spreadsheet Columns (Chinese)',
						value: 'columns',
						description: 'Flat columns 评定危险性级别, 病情分类, 处置措施, 下次随访日期, 评估依据, ready for Convert to File',
					},
				],
				default: 'json',
			},
			{
				displayName: 'Stable: Months to Next Follow-Up',
				name: 'stableMonths',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 12 },
				default: 3,
				description: 'Follow-up interval for stable patients (national rule: 3 months)',
			},
			{
				displayName: 'Unstable: Days to Next Follow-Up',
				name: 'unstableDays',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 366 },
				default: 14,
				description: 'Follow-up interval for unstable patients not admitted (national rule: within 2 weeks)',
			},
		],
	},
];
