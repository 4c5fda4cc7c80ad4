import type { INodeExecutionData } from 'n8n-workflow';

/**
 * Whether the input is n8n's stand-in for "no items": a node set to Always Output Data sends one
 * empty item when it has nothing (a police list with a header and no rows). SMD nodes treat it as
 * an empty list, so every report of an empty list is still written.
 */
export function isEmptyPlaceholder(items: INodeExecutionData[]): boolean {
	return (
		items.length === 1 &&
		Object.keys(items[0].json).length === 0 &&
		(items[0].binary === undefined || Object.keys(items[0].binary).length === 0)
	);
}
