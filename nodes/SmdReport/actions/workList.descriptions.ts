import type { INodeProperties } from 'n8n-workflow';

const displayOptions = { show: { report: ['dailyWorkList'] } };

/** Parameters of the Daily Work List report (nodes/SmdReport/actions/dailyWorkList.operation.ts). */
export const workListProperties: INodeProperties[] = [
	{
		displayName:
			'Input: the daily work list items, one per township (kind "township", with its rows) and one for the county (kind "county", counts only). Each item gets its files: 工作清单_<township>_<day> or 工作清单汇总_<day>.',
		name: 'workListNotice',
		type: 'notice',
		default: '',
		displayOptions,
	},
	{
		displayName: 'Mask Names',
		name: 'workListMask',
		type: 'boolean',
		default: true,
		description: 'Whether to mask patients’ names (first character kept). The list holds no ID number or address either way.',
		displayOptions,
	},
	{
		displayName: 'Formats',
		name: 'workListFormats',
		type: 'multiOptions',
		options: [
			{ name: 'HTML', value: 'html', description: 'A4 landscape page, printable from any browser' },
			{ name: 'PDF', value: 'pdf', description: 'Through headless Chromium (env SMD_CHROMIUM_PATH, or /usr/bin/chromium); where it is not installed the item says so' },
			{ name: 'XLSX', value: 'xlsx', description: 'One sheet, printed A4 landscape with the header on every page' },
		],
		default: ['html', 'xlsx'],
		description: 'The files to render for each item',
		displayOptions,
	},
	{
		displayName: 'County Name',
		name: 'workListCountyName',
		type: 'string',
		default: '本县',
		description: 'Printed on the township lists and in the title of the county summary',
		displayOptions,
	},
];
