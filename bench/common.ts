/** What the benchmarks share: timed steps collected into a table, and a registry export spread over townships. */
import { createWriteStream } from 'node:fs';
import { DemoCounty, REGISTRY_HEADERS } from '../scripts/demoCounty';

export const mb = (): string => `${Math.round(process.memoryUsage().rss / 1048576)} MB`;

/** Timed steps: each prints its time as it ends and becomes a row of the closing table. */
export class Steps {
	readonly rows: Array<[string, string, string]> = [];

	async step<T>(what: string, fn: () => Promise<T> | T, per?: (r: T, ms: number) => string): Promise<T> {
		const t = Date.now();
		const r = await fn();
		const ms = Date.now() - t;
		this.rows.push([what, `${(ms / 1000).toFixed(2)} s`, per ? per(r, ms) : mb()]);
		process.stderr.write(`${what}: ${(ms / 1000).toFixed(2)} s\n`);
		return r;
	}

	print(title: string): void {
		console.log(`\n${title}\n`);
		console.log('| step | time | detail |\n|---|---|---|');
		for (const [a, b, c] of this.rows) console.log(`| ${a} | ${b} | ${c} |`);
	}
}

/** The demo county's township names spread over `townships` (第001乡镇…): patient i's township. */
export const benchTownship = (townships: number) => (i: number): string =>
	`第${String((Math.imul(i, 2654435761) >>> 0) % townships + 1).padStart(3, '0')}乡镇`;

const csvCell = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

/** The registry export of `patients` demo patients, each in the township `townshipOf` gives, as a UTF-8 CSV with BOM. */
export async function writeRegistryExport(file: string, county: DemoCounty, patients: number, townshipOf: (i: number) => string): Promise<void> {
	const out = createWriteStream(file);
	const t = REGISTRY_HEADERS.indexOf('所属乡镇');
	let chunk = '\uFEFF' + REGISTRY_HEADERS.join(',') + '\r\n';
	for (let i = 0; i < patients; i++) {
		const r = county.rowAt(i);
		r[t] = townshipOf(i);
		chunk += r.map(csvCell).join(',') + '\r\n';
		if (chunk.length > 1 << 20) {
			if (!out.write(chunk)) await new Promise<void>((res) => out.once('drain', () => res()));
			chunk = '';
		}
	}
	await new Promise<void>((res) => out.end(chunk, () => res()));
}
