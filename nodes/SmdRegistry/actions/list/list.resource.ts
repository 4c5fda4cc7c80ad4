import type { INodeProperties } from 'n8n-workflow';
import * as match from './match.operation';
import * as readFile from './readFile.operation';
import * as triage from './triage.operation';

export { match, readFile, triage };

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['list'] } },
	options: [
		{ name: 'Match', value: 'match', action: 'Match people to patients', description: 'Link each row to a registry patient (auto-link only on identical ID and agreeing name)' },
		{ name: 'Read File', value: 'readFile', action: 'Read a list file', description: 'One item per row of a CSV (UTF-8 or GBK) or XLSX list, with its row and line numbers' },
		{ name: 'Triage', value: 'triage', action: 'Triage a police list', description: 'Sort every row into one of seven categories with action, township, priority and due date' },
	],
	default: 'triage',
};

export const description: INodeProperties[] = [...readFile.description, ...match.description, ...triage.description];
