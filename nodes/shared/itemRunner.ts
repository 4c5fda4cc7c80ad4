import {
	NodeOperationError,
	type IBinaryKeyData,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
} from 'n8n-workflow';
import { SmdError } from '../../lib';
import { itemErrorJson } from './itemError';

/** What an operation makes of one input item; the runner adds `pairedItem: { item: i }`. */
export interface ItemOutput {
	json: IDataObject;
	binary?: IBinaryKeyData;
	/** Index of the node output the item leaves through (default 0). */
	output?: number;
}

/** The work done for one input item: nothing, one output item or several (all or none go on). */
export type PerItem = (
	item: INodeExecutionData,
	itemIndex: number,
) => Promise<ItemOutput | ItemOutput[] | undefined> | ItemOutput | ItemOutput[] | undefined;

export interface ItemRunnerOptions {
	/**
	 * The word before the 1-based item number in error messages: `Row 2: …` where each item is a
	 * record (a patient, a follow-up), `Item 1: …` where each item carries a file.
	 */
	label: 'Row' | 'Item';
	/** How many outputs the node has; items in error leave through the first. Default 1. */
	outputs?: number;
	/**
	 * Whether an item in error keeps the input item's fields beside the error (Continue (using regular
	 * output)). Off for items that carry a file: the error item then holds only the error. Default on.
	 */
	keepInput?: boolean;
}

/** The field an error names, if any: errors of the domain core (lib) carry it as `field`. */
function fieldOf(error: unknown): string | undefined {
	return error instanceof SmdError ? error.field : undefined;
}

/**
 * The error that stops the node for item `itemIndex`: `message` as given, the original error kept as
 * its cause. NodeOperationError hands back a NodeOperationError it is given unchanged (its message
 * would lose the row prefix), so that one is kept as the cause of a new error instead.
 */
function stopError(node: INode, error: unknown, message: string, itemIndex: number, field: string | undefined): NodeOperationError {
	const options = { message, itemIndex, description: field ? `Field: ${field}` : undefined };
	if (error instanceof Error && !(error instanceof NodeOperationError)) return new NodeOperationError(node, error, options);
	const stop = new NodeOperationError(node, message, options);
	Object.defineProperty(stop, 'cause', { value: error, writable: true, configurable: true, enumerable: false });
	return stop;
}

/**
 * Run `perItem` for every input item, one by one. An item that fails stops the node with
 * `<label> <n>: <message>` (and `Field: <field>` as description when the error names a field), or,
 * with the node set to continue on fail, becomes an error item (nodes/shared/itemError.ts) on the
 * first output while the other items go on. Every output item is paired with its input item.
 */
export async function runItems(this: IExecuteFunctions, options: ItemRunnerOptions, perItem: PerItem): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const outputs: INodeExecutionData[][] = Array.from({ length: options.outputs ?? 1 }, () => []);
	const node = this.getNode();
	for (let i = 0; i < items.length; i++) {
		let result: ItemOutput | ItemOutput[] | undefined;
		try {
			result = await perItem(items[i], i);
		} catch (error) {
			const field = fieldOf(error);
			const message = `${options.label} ${i + 1}: ${error instanceof Error ? error.message : String(error)}`;
			if (!this.continueOnFail()) throw stopError(node, error, message, i, field);
			const input = options.keepInput === false ? {} : items[i].json;
			const code = error instanceof SmdError ? error.code : undefined;
			outputs[0].push({ json: itemErrorJson(node.onError, input, message, i, field, code) as IDataObject, pairedItem: { item: i } });
			continue;
		}
		if (result === undefined) continue;
		for (const { output, ...data } of Array.isArray(result) ? result : [result]) {
			outputs[output ?? 0].push({ ...data, pairedItem: { item: i } });
		}
	}
	return outputs;
}
