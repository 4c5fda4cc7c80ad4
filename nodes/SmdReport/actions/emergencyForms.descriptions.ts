import type { INodeProperties } from 'n8n-workflow';

const recordDisplay = { show: { report: ['emergencyRecord'] } };
const watchDisplay = { show: { report: ['watchList'] } };

/** Parameters of the Emergency Record report (应急处置记录单; nodes/SmdReport/actions/emergencyForms.operation.ts). */
export const emergencyRecordProperties: INodeProperties[] = [
	{
		displayName:
			'Input: one emergency event per item, { event, details, patient }, as the emergency operations output it. One item out per item in, the input kept and the form’s files added (应急处置记录单_&lt;事件编号&gt;). The form is a clinical record: names, ID numbers and addresses are printed in full.',
		name: 'emergencyRecordNotice',
		type: 'notice',
		default: '',
		displayOptions: recordDisplay,
	},
	{
		displayName: 'Formats',
		name: 'emergencyRecordFormats',
		type: 'multiOptions',
		options: [
			{ name: 'HTML', value: 'html', description: 'A4 portrait, one page per event, printable from any browser' },
			{
				name: 'PDF',
				value: 'pdf',
				description: 'Through headless Chromium (env SMD_CHROMIUM_PATH, or /usr/bin/chromium); where it is not installed the item says so and carries the HTML instead',
			},
		],
		default: ['html', 'pdf'],
		description: 'The files to render for each item',
		displayOptions: recordDisplay,
	},
	{
		displayName: 'County Name',
		name: 'emergencyRecordCounty',
		type: 'string',
		default: '本县',
		description: 'Printed in the header of each form',
		displayOptions: recordDisplay,
	},
	{
		displayName: 'Options',
		name: 'emergencyRecordOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: recordDisplay,
		options: [
			{
				displayName: 'Binary Property Prefix',
				name: 'binaryPrefix',
				type: 'string',
				default: '',
				description: 'Put before the binary field names (emergency_html, emergency_pdf)',
			},
			{
				displayName: 'Templates Folder',
				name: 'templateDir',
				type: 'string',
				default: '',
				description: 'Folder of your own templates: a file named emergency-record.hbs or emergency-style.hbs there replaces the package’s. Names cannot reach outside it.',
			},
		],
	},
];

/** Parameters of the Watch List report (重点管控名单; nodes/SmdReport/actions/emergencyForms.operation.ts). */
export const watchListProperties: INodeProperties[] = [
	{
		displayName:
			'Input: one township’s watch list per item (township, period, patients, staff), as the registry’s watch-list operation outputs it. Each item gets its files: 重点管控名单_&lt;township&gt;_&lt;period&gt;.',
		name: 'watchListNotice',
		type: 'notice',
		default: '',
		displayOptions: watchDisplay,
	},
	{
		displayName: 'Mask Names',
		name: 'watchListMaskNames',
		type: 'boolean',
		default: false,
		description:
			'Whether to mask patients’ and guardians’ names (first character kept) and leave out guardians’ phones, for copies that leave the health department. Off: the township staff on duty must know whom to watch.',
		displayOptions: watchDisplay,
	},
	{
		displayName: 'Formats',
		name: 'watchListFormats',
		type: 'multiOptions',
		options: [
			{ name: 'HTML', value: 'html', description: 'A4 landscape page, printable from any browser' },
			{ name: 'XLSX', value: 'xlsx', description: 'The list and the duty roster, printed A4 landscape with the header on every page' },
		],
		default: ['html', 'xlsx'],
		description: 'The files to render for each item',
		displayOptions: watchDisplay,
	},
	{
		displayName: 'County Name',
		name: 'watchListCounty',
		type: 'string',
		default: '本县',
		description: 'Printed in the meta line of each list',
		displayOptions: watchDisplay,
	},
];
