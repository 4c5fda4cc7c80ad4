import type { INodeProperties } from 'n8n-workflow';

export const asOfProperty: INodeProperties = {
	displayName: 'As-Of Date',
	name: 'asOf',
	type: 'string',
	default: "={{ $today.toFormat('yyyy-MM-dd') }}",
	description: 'The triage day, printed on the reports and in file names (YYYY-MM-DD)',
};

export const binaryPropertyNameProperty: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	description: 'Binary field for the rendered file; its file name is set, ready for Read/Write Files from Disk',
};
