/**
 * The resident population per township (常住人口), the denominator of the reported prevalence: a
 * CSV (UTF-8 or GBK) or XLSX with the columns 乡镇 and 常住人口. A population table is configuration,
 * not patient data: a bad row stops the read, naming its row, line and field.
 */
import { SmdInputError } from './errors';
import { matchColumns, openTable, type ReadTableOptions } from './tabular';

export const POPULATION_COLUMNS = {
	township: ['乡镇', '乡镇（街道）', '乡镇(街道)', '所属乡镇', '乡镇名称', 'township'],
	population: ['常住人口', '常住人口数', '人口', '人口数', 'population'],
};

/** Township → population, in the file's order. */
export async function readPopulationTable(data: Uint8Array, options: Pick<ReadTableOptions, 'fileName' | 'encoding' | 'sheet'> = {}): Promise<Map<string, number>> {
	const table = await openTable(data, { ...options, knownHeaders: Object.values(POPULATION_COLUMNS).flat() });
	const { fields } = matchColumns(table.headers, POPULATION_COLUMNS);
	if (!fields.township || !fields.population) {
		throw new SmdInputError('missing_column', 'the population table needs the columns 乡镇 and 常住人口', { field: fields.township ? 'population' : 'township' });
	}
	const out = new Map<string, number>();
	for await (const row of table.rows) {
		const where = `population table row ${row.row} (line ${row.line})`;
		const township = (row.values[fields.township] ?? '').trim();
		if (!township) throw new SmdInputError('required', `${where}: 乡镇 is empty`, { field: 'township', row: row.row, line: row.line });
		const text = (row.values[fields.population] ?? '').replace(/[,，\s]/g, '');
		const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
		if (!Number.isFinite(n)) throw new SmdInputError('invalid', `${where}: 常住人口 must be a number`, { field: 'population', row: row.row, line: row.line });
		if (out.has(township)) throw new SmdInputError('duplicate', `${where}: 乡镇 is listed twice`, { field: 'township', row: row.row, line: row.line });
		out.set(township, n);
	}
	return out;
}

/** From n8n-style pairs or an object: township → population, validated. */
export function populationFromPairs(pairs: Array<{ township?: unknown; population?: unknown }>): Map<string, number> {
	const out = new Map<string, number>();
	pairs.forEach((p, i) => {
		const township = String(p.township ?? '').trim();
		const n = Number(p.population);
		if (!township) throw new SmdInputError('required', `population entry ${i + 1}: 乡镇 is empty`, { field: 'township' });
		if (!Number.isFinite(n) || n < 0) throw new SmdInputError('invalid', `population entry ${i + 1}: 常住人口 must be a number 0 or more`, { field: 'population' });
		if (out.has(township)) throw new SmdInputError('duplicate', `population entry ${i + 1}: 乡镇 is listed twice`, { field: 'township' });
		out.set(township, n);
	});
	return out;
}
