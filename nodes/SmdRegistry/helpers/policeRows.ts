import type { IDataObject } from 'n8n-workflow';
import { mapPoliceColumns } from '../../../lib';

/** Column mapping per distinct set of item keys (items from one file share one). */
export function columnCache() {
	const cache = new Map<string, ReturnType<typeof mapPoliceColumns>>();
	const get = (json: IDataObject) => {
		const keys = Object.keys(json);
		const sig = keys.join('\u0001');
		let columns = cache.get(sig);
		if (!columns) {
			columns = mapPoliceColumns(keys);
			cache.set(sig, columns);
		}
		return columns;
	};
	return Object.assign(get, { all: () => [...cache.values()], keySets: () => [...cache.keys()].map((k) => (k === '' ? [] : k.split('\u0001'))) });
}

/** The 1-based row of an item: its `row` field from Read File, else its position. */
export function rowOf(json: IDataObject, index: number): number {
	return typeof json.row === 'number' && Number.isInteger(json.row) && json.row > 0 ? json.row : index + 1;
}
