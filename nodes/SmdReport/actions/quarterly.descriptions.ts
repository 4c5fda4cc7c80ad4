import type { INodeProperties } from 'n8n-workflow';
import { QUARTERLY_REPORTS } from './node.type';

const displayOptions = { show: { report: QUARTERLY_REPORTS } };

/** Parameters every quarterly report shares (each report's own are in its *.operation.ts). */
export const quarterlyProperties: INodeProperties[] = [
	{
		displayName: 'Input: the item of SMD Indicators (its quarter, areas, county, action list). The files are added to that item, so a chain Pack → Ranking → Action List → Catch-Up Plan ends with one item holding every file.',
		name: 'quarterlyNotice',
		type: 'notice',
		default: '',
		displayOptions,
	},
	{
		displayName: 'Mask Names and ID Numbers',
		name: 'quarterlyMask',
		type: 'boolean',
		default: true,
		description:
			'Whether to mask patients’ identifiers (ID: first 6 and last 4; name: first character). These reports go to other departments; turn off only where a statutory duty requires full identifiers.',
		displayOptions,
	},
	{
		displayName: 'PDF',
		name: 'quarterlyPdf',
		type: 'boolean',
		default: true,
		description:
			'Whether to render a PDF besides the HTML through headless Chromium (env SMD_CHROMIUM_PATH, or /usr/bin/chromium). Where Chromium is not installed the item says so and carries the HTML only.',
		displayOptions,
	},
	{
		displayName: 'County Name',
		name: 'countyName',
		type: 'string',
		default: '本县',
		description: 'Printed in titles and on the cover',
		displayOptions,
	},
	{
		displayName: 'Options',
		name: 'quarterlyOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions,
		options: [
			{
				displayName: 'Binary Property Prefix',
				name: 'binaryPrefix',
				type: 'string',
				default: '',
				description: 'Put before the binary field names (pack_html, pack_pdf, ranking_xlsx…), e.g. to keep two counties’ files apart on one item',
			},
			{
				displayName: 'Templates Folder',
				name: 'templateDir',
				type: 'string',
				default: '',
				description:
					'Folder of your own templates: a file named quarterly-pack.hbs, ranking-table.hbs, action-list.hbs, catch-up-plan.hbs or quarterly-style.hbs there replaces the package’s. Names cannot reach outside it.',
			},
			{ displayName: 'Title', name: 'title', type: 'string', default: '', description: 'Replaces the report’s title (default: county name + the report’s name)' },
		],
	},
];
