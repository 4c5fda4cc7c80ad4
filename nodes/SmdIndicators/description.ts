import type { INodeProperties } from 'n8n-workflow';
import { INDICATOR_CODES, INDICATOR_LABELS, DEFAULT_TARGETS } from '../../lib';
import { registryFileProperty } from '../SmdRegistry/actions/common.descriptions';

const indicatorOptions = INDICATOR_CODES.map((c) => ({
	name: `${INDICATOR_LABELS[c]} (${c})`,
	value: c,
	description: `Default target ${c === 'reportedPrevalence' ? `${DEFAULT_TARGETS[c]}‰` : `${DEFAULT_TARGETS[c] * 100}%`}`,
}));

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Compute',
				value: 'compute',
				action: 'Compute the quarterly indicators',
				description: 'The ten indicators per township and for the county, score and rank, change since the previous quarter, and the meeting’s action list',
			},
		],
		default: 'compute',
	},
	registryFileProperty,
	{
		displayName: 'Period',
		name: 'period',
		type: 'options',
		options: [
			{ name: 'Last Completed Quarter', value: 'lastQuarter', description: 'The quarter before the one Run Day falls in (on 2026-10-08: 2026Q3)' },
			{ name: 'Quarter', value: 'quarter', description: 'A quarter such as 2026Q3 (to its last day)' },
			{ name: 'As-Of Date', value: 'asOf', description: 'Any day: 1 January of its year up to it' },
		],
		default: 'lastQuarter',
	},
	{
		displayName: 'Quarter',
		name: 'quarter',
		type: 'string',
		default: '',
		placeholder: '2026Q3',
		displayOptions: { show: { period: ['quarter'] } },
		description: 'Written 2026Q3, 2026-Q3 or 2026年第三季度',
	},
	{
		displayName: 'As-Of Date',
		name: 'asOf',
		type: 'string',
		default: '',
		placeholder: '2026-09-30',
		displayOptions: { show: { period: ['asOf'] } },
	},
	{
		displayName: 'Run Day',
		name: 'runDay',
		type: 'string',
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		description: 'The day the run counts as (YYYY-MM-DD, the workflow’s time zone): it picks the last completed quarter and is checked by Only On First Working Day',
	},
	{
		displayName: 'Population Source',
		name: 'populationSource',
		type: 'options',
		options: [
			{ name: 'File in Input Binary Field', value: 'binary', description: 'A CSV or XLSX with the columns 乡镇 and 常住人口 (from Read/Write Files from Disk)' },
			{ name: 'Table Below', value: 'table' },
			{ name: 'None', value: 'none', description: 'No 报告患病率 (it is left out of the score)' },
		],
		default: 'binary',
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		displayOptions: { show: { populationSource: ['binary'] } },
	},
	{
		displayName: 'Population',
		name: 'populationTable',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Township',
		default: {},
		displayOptions: { show: { populationSource: ['table'] } },
		options: [
			{
				displayName: 'Township',
				name: 'rows',
				values: [
					{ displayName: 'Township 乡镇', name: 'township', type: 'string', default: '' },
					{ displayName: 'Resident Population 常住人口', name: 'population', type: 'number', typeOptions: { minValue: 0 }, default: 0 },
				],
			},
		],
	},
	{
		displayName: 'Targets',
		name: 'targets',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Target',
		default: {},
		description: 'Targets that differ from the defaults: a fraction (0.85 for 85%), ‰ for 报告患病率',
		options: [
			{
				displayName: 'Target',
				name: 'values',
				values: [
					{ displayName: 'Indicator', name: 'indicator', type: 'options', options: indicatorOptions, default: 'managementRate' },
					{ displayName: 'Target', name: 'value', type: 'number', typeOptions: { minValue: 0, numberPrecision: 4 }, default: 0.8 },
				],
			},
		],
	},
	{
		displayName: 'Weights',
		name: 'weights',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Weight',
		default: {},
		description: 'Weights in the composite score that differ from the default 1 (0 leaves an indicator out)',
		options: [
			{
				displayName: 'Weight',
				name: 'values',
				values: [
					{ displayName: 'Indicator', name: 'indicator', type: 'options', options: indicatorOptions, default: 'managementRate' },
					{ displayName: 'Weight', name: 'value', type: 'number', typeOptions: { minValue: 0 }, default: 1 },
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Action List',
				name: 'actionList',
				type: 'boolean',
				default: true,
				description: 'Whether to add the meeting’s action list: overdue, lost and unstable patients per township, with responsible person and due date',
			},
			{
				displayName: 'Action List Rows per Township',
				name: 'maxActionsPerTownship',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 500,
				description: 'Patients listed per township (all are counted in actionSummary)',
			},
			{
				displayName: 'Case Management Target',
				name: 'caseManagementTarget',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.9,
				description: '个案管理率 target, a fraction of unstable patients',
			},
			{
				displayName: 'Catch-Up Plan Indicators',
				name: 'catchUpIndicators',
				type: 'multiOptions',
				options: indicatorOptions,
				default: ['managementRate', 'standardManagementRate', 'faceToFaceRate', 'medicationRate'],
				description: 'An area below target on any of these writes a 100-day catch-up plan',
			},
			{
				displayName: 'Holidays',
				name: 'holidays',
				type: 'string',
				default: '',
				placeholder: '2027-01-01, 2027-02-16',
				description: 'Days off this year beyond weekends, 1 January and 1–7 October (from the State Council’s holiday notice), for Only On First Working Day',
			},
			{
				displayName: 'Make-Up Working Days',
				name: 'workdays',
				type: 'string',
				default: '',
				placeholder: '2026-10-10',
				description: 'Weekend days worked (调休上班日)',
			},
			{
				displayName: 'Only On First Working Day',
				name: 'onlyOnFirstWorkingDay',
				type: 'boolean',
				default: false,
				description: 'Whether to output nothing unless Run Day is the first working day of its quarter (for a Schedule Trigger that fires on the first days of each quarter)',
			},
			{
				displayName: 'Responsible Persons',
				name: 'responsibles',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				description: '责任人 per township for the action list (the township’s 精防专干)',
				options: [
					{
						displayName: 'Township',
						name: 'rows',
						values: [
							{ displayName: 'Township 乡镇', name: 'township', type: 'string', default: '' },
							{ displayName: 'Responsible Person 责任人', name: 'person', type: 'string', default: '' },
						],
					},
				],
			},
			{
				displayName: 'Top and Bottom',
				name: 'topBottom',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 50 },
				default: 3,
				description: 'How many areas report at each end of the ranking',
			},
			{
				displayName: 'Trend Quarters',
				name: 'trendQuarters',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 8 },
				default: 3,
				description: 'Earlier quarters computed for the trend chart (history), besides the previous quarter’s change',
			},
		],
	},
];
