import type { INodeProperties } from 'n8n-workflow';
import { ITEM_REPORTS } from './node.type';

/** The quarterly reports take their period from the indicators item and name their own binaries; Archive Files writes what it gets. */
const triageOnly = { hide: { report: ITEM_REPORTS } };

export const asOfProperty: INodeProperties = {
	displayName: 'As-Of Date',
	name: 'asOf',
	type: 'string',
	default: "={{ $today.toFormat('yyyy-MM-dd') }}",
	description: 'The triage day, printed on the reports and in file names (YYYY-MM-DD)',
	displayOptions: triageOnly,
};

export const binaryPropertyNameProperty: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	description: 'Binary field for the rendered file; its file name is set, ready for Read/Write Files from Disk',
	displayOptions: triageOnly,
};
