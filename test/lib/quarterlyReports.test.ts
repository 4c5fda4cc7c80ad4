/**
 * The quarterly joint-meeting reports (lib/quarterlyReports.ts), their charts (lib/charts.ts) and
 * the PDF conversion (lib/pdf.ts). The fixture is a synthetic county computed with
 * computeIndicators (scripts/renderPackSample.ts); names and ID numbers are invented (region 4399).
 * The PDF test needs Chromium (installed on CI): without it the test fails, it is not skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import {
	BAR_LAYOUT,
	CHART_COLORS,
	escapeXml,
	indicatorBarChart,
	indicatorChartFor,
	riskDistributionChart,
	trendChart,
	truncateLabel,
} from '../../lib/charts';
import { SmdInputError } from '../../lib/errors';
import { DEFAULT_TARGETS } from '../../lib/indicators';
import { maskIdNumber, maskName } from '../../lib/mask';
import { chromiumAvailable, findChromium, htmlToPdf, pdfPageCount } from '../../lib/pdf';
import {
	catchUpPlanModel,
	formatChange,
	parseQuarterlyInput,
	quarterlyReportFiles,
	renderQuarterlyHtml,
	shortfallPatients,
	trendPoints,
	type QuarterlyReportKind,
} from '../../lib/quarterlyReports';
import { UNASSIGNED_TOWNSHIP } from '../../lib/reports';
import { sampleQuarterlyInput, SAMPLE_TOWNSHIPS } from '../../scripts/renderPackSample';

const KINDS: QuarterlyReportKind[] = ['quarterlyPack', 'rankingTable', 'actionList', 'catchUpPlan'];
const NOW = new Date(2026, 9, 8, 9, 30);

const LONG = '长'.repeat(10_000);
const HOSTILE = [
	'<script>alert(1)</script>',
	'{{constructor}}',
	'{{#each areas}}X{{/each}}',
	'</svg><svg onload="alert(2)">',
	'"双引号" & \'单引号\'',
	LONG,
];

/** Every `<svg>…</svg>` of an HTML text. */
function svgsOf(html: string): string[] {
	return html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

/**
 * Whether an SVG fragment is well-formed XML of the kind lib/charts.ts writes: elements with
 * double-quoted attributes, text, and the five predefined entities or numeric references. Throws
 * naming the offset where it is not.
 */
function assertWellFormed(xml: string): void {
	const token = /<\/([a-zA-Z][\w:-]*)\s*>|<([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
	const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
	const stack: string[] = [];
	let at = 0;
	while (at < xml.length) {
		token.lastIndex = at;
		const m = token.exec(xml);
		if (!m) throw new Error(`not well-formed at ${at}: ${xml.slice(at, at + 40)}`);
		if (m[1]) {
			if (stack.pop() !== m[1]) throw new Error(`unbalanced </${m[1]}> at ${at}`);
		} else if (m[2]) {
			if (entity.test(m[3])) throw new Error(`bare & in an attribute at ${at}`);
			if (!m[4]) stack.push(m[2]);
		} else if (entity.test(m[5])) {
			throw new Error(`bare & in text at ${at}`);
		}
		at = token.lastIndex;
	}
	if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
}

/** Every cell's text of every sheet of an XLSX. */
async function xlsxText(data: Buffer): Promise<string> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(data as unknown as ArrayBuffer);
	const out: string[] = [];
	wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text)))));
	return out.join('\n');
}

/**
 * The text of each page of a PDF, read by pdfjs-dist (n8n-nodes-base's PDF reader, installed with
 * the dev dependencies) in a child process: it is an ES module, which jest's CommonJS sandbox
 * cannot load.
 */
function pdfPageTexts(pdf: Buffer): { numPages: number; pages: string[] } {
	const script = `
		const chunks = [];
		for await (const c of process.stdin) chunks.push(c);
		const pdfjs = await import(process.argv[1]);
		const doc = await pdfjs.getDocument({ data: new Uint8Array(Buffer.concat(chunks)), verbosity: 0 }).promise;
		const pages = [];
		for (let i = 1; i <= doc.numPages; i++) pages.push((await (await doc.getPage(i)).getTextContent()).items.map((t) => t.str).join(''));
		process.stdout.write(JSON.stringify({ numPages: doc.numPages, pages }));`;
	const pdfjs = require.resolve('pdfjs-dist/legacy/build/pdf.mjs');
	return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, pdfjs], { input: pdf, encoding: 'utf8' }));
}

describe('charts', () => {
	const bars = [
		{ label: '甲镇', value: 0.9 },
		{ label: '乙乡', value: 0.4 },
		{ label: '丙乡', value: 0.8 },
		{ label: '丁镇', value: null },
	];
	const svg = indicatorBarChart({ title: '规范管理率', unit: '%', target: 0.8, bars, sort: false });
	const rects = [...svg.matchAll(/<rect class="(bar[^"]*)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="([^"]+)"/g)].map((m) => ({
		cls: m[1],
		x: Number(m[2]),
		width: Number(m[3]),
		fill: m[4],
	}));

	test('bar chart: one bar per township, below-target bars in the warning colour, the target line where the target is', () => {
		expect(rects).toHaveLength(bars.length);
		expect(rects.map((r) => r.cls)).toEqual(['bar', 'bar below', 'bar', 'bar missing']);
		expect(rects[1].fill).toBe(CHART_COLORS.below);
		expect(rects[0].fill).toBe(CHART_COLORS.ok);
		const target = /<line class="target" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/.exec(svg)!;
		const tx = Number(target[1]);
		expect(Number(target[2])).toBe(tx);
		// The bar whose value equals the target ends on the target line; values scale linearly from the axis.
		expect(rects[2].x + rects[2].width).toBeCloseTo(tx, 0);
		const plotWidth = BAR_LAYOUT.width - BAR_LAYOUT.labelWidth - 8 - BAR_LAYOUT.valueWidth;
		expect(tx - rects[2].x).toBeCloseTo(0.8 * plotWidth, 0);
		expect(rects[1].width).toBeCloseTo(rects[2].width / 2, 0);
		expect(svg).toContain('>40.0%<');
		expect(indicatorBarChart({ title: '规范管理率', unit: '%', target: 0.8, bars, sort: false })).toBe(svg);
	});

	test('bar chart from a result: a bar per township (patients of no township are not a township)', () => {
		const input = sampleQuarterlyInput({ townships: [...SAMPLE_TOWNSHIPS.slice(0, 5)] });
		input.areas.push({ ...input.areas[0], township: UNASSIGNED_TOWNSHIP, rank: null, score: null });
		const townships = input.areas.filter((a) => a.township !== UNASSIGNED_TOWNSHIP);
		const chart = indicatorChartFor(townships, input.county, 'managementRate', DEFAULT_TARGETS.managementRate);
		expect(chart.match(/<rect class="bar/g)).toHaveLength(5);
		const below = townships.filter((a) => (a.indicators.managementRate.value as number) < 0.8).length;
		expect(chart.match(/<rect class="bar below"/g) ?? []).toHaveLength(below);
	});

	test('risk chart: county first, each row split into its risk levels and summing to the full width', () => {
		const svg = riskDistributionChart([
			{ label: '全县', counts: { '0': 6, '1': 2, '2': 1, '3': 0, '4': 0, '5': 1, none: 2 }, total: true },
			{ label: '甲镇', counts: { '0': 6, '1': 2, '2': 1, '3': 0, '4': 0, '5': 1, none: 2 }, total: false },
		]);
		const rows = svg.split('<g class="risk-row">').slice(1);
		expect(rows).toHaveLength(2);
		const widths = [...rows[0].matchAll(/class="segment level-\w+" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
		expect(widths).toHaveLength(5);
		expect(widths.reduce((a, b) => a + b, 0)).toBeCloseTo(680 - 136 - 60, 0);
		expect(svg).toContain('12 人');
		expect(svg.indexOf('全县')).toBeLessThan(svg.indexOf('甲镇'));
	});

	test('trend chart: history and this quarter, or the previous quarter reconstructed from the change', () => {
		const withHistory = sampleQuarterlyInput();
		const points = trendPoints(withHistory);
		expect(points.map((p) => p.quarter)).toEqual(['2026Q1', '2026Q2', '2026Q3']);
		const svg = trendChart(points);
		expect(svg.match(/<g class="series"/g)).toHaveLength(6);
		expect(svg.match(/<polyline [^>]*points="[^"]+"/g)![0].match(/,/g)).toHaveLength(3);

		const noHistory = sampleQuarterlyInput({ history: false });
		const two = trendPoints(noHistory);
		expect(two.map((p) => p.quarter)).toEqual(['2026Q2', '2026Q3']);
		const c = noHistory.county;
		expect(two[0].values.managementRate).toBeCloseTo((c.indicators.managementRate.value as number) - (c.change!.managementRate as number), 12);
		// The reconstruction agrees with the previous quarter's own figures.
		expect(two[0].values.managementRate).toBeCloseTo(withHistory.history![1].county.indicators.managementRate.value as number, 12);
		expect(trendChart([points[2]])).toContain('仅有本季度数据');
	});

	test('labels: XML-escaped, invalid characters dropped, long ones cut with an ellipsis', () => {
		expect(escapeXml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
		expect(escapeXml('a\u0000b\uD800c')).toBe('abc');
		const cut = truncateLabel(LONG, 10);
		expect(cut.endsWith('…')).toBe(true);
		expect([...cut].length).toBeLessThanOrEqual(10);
		expect(truncateLabel('城关镇', 10)).toBe('城关镇');
		expect(truncateLabel('𠀀'.repeat(20), 5)).toBe('𠀀𠀀𠀀𠀀…');
	});
});

describe('quarterly reports', () => {
	const input = sampleQuarterlyInput();

	test('the input is checked: a missing or wrong field is named, never its value', () => {
		expect(parseQuarterlyInput(input).areas).toHaveLength(SAMPLE_TOWNSHIPS.length);
		const cases: Array<[unknown, string]> = [
			[{ ...input, areas: undefined }, 'areas'],
			[{ ...input, actionList: undefined }, 'actionList'],
			[{ ...input, quarter: '2026-3' }, 'quarter'],
			[{ ...input, county: { ...input.county, indicators: { ...input.county.indicators, stableRate: undefined } } }, 'county.indicators.stableRate'],
			[{ ...input, actionList: [{ ...input.actionList[0], category: 'secret-value' }] }, 'actionList.0.category'],
		];
		for (const [json, field] of cases) {
			let error: unknown;
			try {
				parseQuarterlyInput(json);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(SmdInputError);
			expect((error as SmdInputError).field).toBe(field);
			expect((error as Error).message).toMatch(new RegExp(`^the input is not an SMD Indicators output: ${field.replace(/\./g, '\\.')} `));
			expect((error as Error).message).not.toContain('secret-value');
		}
		expect(() => parseQuarterlyInput('nothing')).toThrow(/json must be object/);
	});

	test('values are formatted: 85.3%, 4.52‰, — for none; change in points', () => {
		const html = renderQuarterlyHtml('quarterlyPack', input, { now: NOW });
		expect(html).toMatch(/\d+\.\d%/);
		expect(html).toMatch(/\d\.\d\d‰/);
		expect(formatChange(0.0213, '%')).toBe('+2.1');
		expect(formatChange(-0.004, '%')).toBe('−0.4');
		expect(formatChange(0.12, '‰')).toBe('+0.12‰');
		expect(formatChange(null, '%')).toBe('—');
	});

	test('the pack has every section, the charts and the figures of the result', () => {
		const html = renderQuarterlyHtml('quarterlyPack', input, { county: '示例县', now: NOW });
		for (const heading of ['一、全县指标汇总', '二、乡镇排名', '三、各乡镇指标与目标', '四、在册患者构成', '五、未达标乡镇与百日攻坚', '六、会议督办清单']) expect(html).toContain(heading);
		expect(html).toContain('示例县严重精神障碍患者管理工作季度联席会议材料');
		expect(html).toContain('2026-01-01 至 2026-09-30');
		expect(html).toContain('2026-10-08 09:30');
		expect(html).toContain('@bottom-center');
		expect(html).toContain('thead { display: table-header-group; }');
		// 4 indicator charts (the catch-up indicators), the risk chart and the trend chart.
		expect(svgsOf(html)).toHaveLength(6);
		for (const svg of svgsOf(html)) assertWellFormed(svg);
		expect(html).toContain(`>${input.county.counts.registered}</b>在册患者`);
		for (const t of input.top) expect(html).toContain(t);
		expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
	});

	test('catch-up plans: the gap in patients is ceil(target × denominator − numerator)', () => {
		expect(shortfallPatients(0.8, 79, 100, '%')).toBe(1);
		expect(shortfallPatients(0.8, 80, 100, '%')).toBe(0);
		expect(shortfallPatients(0.7, 0, 10, '%')).toBe(7);
		expect(shortfallPatients(0.6, 5, 3, '%')).toBe(0);
		expect(shortfallPatients(4.5, 40, 10_000, '‰')).toBe(5);
		const model = catchUpPlanModel(input);
		expect(model.areas.map((a) => a.township)).toEqual(input.catchUp.map((c) => c.township));
		const first = input.areas.find((a) => a.township === input.catchUp[0].township)!;
		const code = input.catchUp[0].indicators[0];
		const f = first.indicators[code];
		expect(model.areas[0].shortfalls[0].gap).toBe(Math.ceil(input.config.targets[code] * f.denominator - f.numerator - 1e-9));
		const html = renderQuarterlyHtml('catchUpPlan', input, { now: NOW });
		expect(html.match(/<section/g)).toHaveLength(input.catchUp.length);
		expect(html.match(/class="page"/g)).toHaveLength(input.catchUp.length - 1);
		expect(html).toContain('第100天');
		const none = renderQuarterlyHtml('catchUpPlan', { ...input, catchUp: [] }, { now: NOW });
		expect(none).toContain('无需制定百日攻坚整改计划');
	});

	test('hostile township and patient names: escaped, never evaluated, the SVG stays well-formed, nothing throws', async () => {
		const hostile = sampleQuarterlyInput({ townships: HOSTILE, names: HOSTILE, patientsPerTownship: 12 });
		expect(hostile.actionList.length).toBeGreaterThan(0);
		for (const mask of [true, false]) {
			for (const kind of KINDS) {
				const html = renderQuarterlyHtml(kind, hostile, { mask, county: '<script>县</script>', title: '{{county}}', now: NOW });
				expect(html).not.toMatch(/<script/i);
				expect(html).not.toMatch(/<svg onload/i);
				expect(html).not.toContain('</svg><svg onload');
				// Template syntax in data is printed, not run.
				expect(html).toContain('{{county}}');
				expect(html).not.toContain('[object Object]');
				expect(html).not.toContain('function Object');
				expect(html).not.toContain(LONG.slice(0, 100));
				const svgs = svgsOf(html);
				expect(html.split('<svg').length).toBe(html.split('</svg>').length);
				for (const svg of svgs) assertWellFormed(svg);
				if (kind === 'quarterlyPack') {
					expect(svgs).toHaveLength(6);
					expect(html).toContain('{{constructor}}');
					expect(html).toContain('{{#each areas}}X{{/each}}');
					expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
					expect(html).toContain('&lt;/svg&gt;&lt;svg onload');
				}
			}
			const files = await quarterlyReportFiles('actionList', hostile, { mask, pdf: false });
			const text = await xlsxText(files.files.find((f) => f.kind === 'xlsx')!.data);
			// The spreadsheet holds the text as it is (a cell is not HTML).
			for (const township of new Set(hostile.actionList.map((a) => a.township))) expect(text).toContain(township);
		}
	});

	test('masked by default: no full name or ID number of an action-list patient in HTML or XLSX; full with mask false', async () => {
		const people = input.actionList.map((a) => ({ name: a.name, id: a.idNumber as string }));
		expect(people.length).toBeGreaterThan(10);
		/** The text of every file of every report, by file name. */
		const rendered = async (mask: boolean | undefined) => {
			const out: Record<string, string> = {};
			for (const kind of KINDS) {
				const { files } = await quarterlyReportFiles(kind, input, { pdf: false, now: NOW, ...(mask === undefined ? {} : { mask }) });
				for (const f of files) out[f.fileName] = f.kind === 'xlsx' ? await xlsxText(f.data) : f.data.toString('utf8');
			}
			return out;
		};
		const masked = await rendered(undefined);
		expect(Object.keys(masked)).toHaveLength(6);
		for (const text of Object.values(masked)) {
			for (const p of people) {
				expect(text).not.toContain(p.name);
				expect(text).not.toContain(p.id);
			}
		}
		const pack = masked['季度联席会议材料_2026Q3.html'];
		expect(pack).toContain(maskName(people[0].name));
		expect(pack).toContain(maskIdNumber(people[0].id));
		expect(pack).toContain('已脱敏');
		const full = await rendered(false);
		const packFull = full['季度联席会议材料_2026Q3.html'];
		for (const text of [packFull, full['督办清单_2026Q3.html'], full['督办清单_2026Q3.xlsx']]) {
			for (const p of people) {
				expect(text).toContain(p.name);
				expect(text).toContain(p.id);
			}
		}
		expect(packFull).toContain('含患者完整身份信息');
	});

	test('XLSX: the ranking (one row per township), the indicator detail and the action list, with titles', async () => {
		const ranking = (await quarterlyReportFiles('rankingTable', input, { pdf: false, county: '示例县' })).files.find((f) => f.kind === 'xlsx')!;
		expect(ranking.fileName).toBe('乡镇排名_2026Q3.xlsx');
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(ranking.data as unknown as ArrayBuffer);
		expect(wb.worksheets.map((s) => s.name)).toEqual(['乡镇排名', '指标明细']);
		const sheet = wb.worksheets[0];
		expect(String(sheet.getCell('A1').value)).toBe('示例县 2026年第3季度 严重精神障碍患者管理指标排名');
		expect(String(sheet.getCell('A2').value)).toContain('统计区间 2026-01-01 至 2026-09-30');
		const headerRow = [1, 2, 3, 4].find((r) => sheet.getRow(r).getCell(1).text === '排名')!;
		const header = (sheet.getRow(headerRow).values as unknown[]).slice(1).map(String);
		expect(header).toContain('在册患者管理率(%)');
		expect(header).toContain('报告患病率(‰)');
		const first = input.areas.find((a) => a.rank === 1)!;
		const row = sheet.getRow(headerRow + 1);
		expect(row.getCell(1).value).toBe(1);
		expect(row.getCell(2).value).toBe(first.township);
		expect(row.getCell(header.indexOf('在册患者管理率(%)') + 1).value).toBe(Math.round((first.indicators.managementRate.value as number) * 1000) / 10);
		expect(sheet.rowCount - headerRow).toBe(input.areas.length + 1);
		expect(wb.worksheets[1].rowCount).toBeGreaterThanOrEqual((input.areas.length + 1) * 10);

		const actions = (await quarterlyReportFiles('actionList', input, { pdf: false })).files.find((f) => f.kind === 'xlsx')!;
		const wa = new ExcelJS.Workbook();
		await wa.xlsx.load(actions.data as unknown as ArrayBuffer);
		const list = wa.worksheets[0];
		const h = [1, 2, 3, 4].find((r) => list.getRow(r).getCell(1).text === '序号')!;
		const rows: string[][] = [];
		for (let r = h + 1; r <= list.rowCount; r++) rows.push([2, 3, 14].map((c) => list.getRow(r).getCell(c).text));
		expect(rows).toHaveLength(input.actionList.length);
		const order = ['随访逾期', '失访', '病情不稳定未纳入个案管理'];
		const sorted = [...rows].sort((a, b) => a[0].localeCompare(b[0], 'zh') || order.indexOf(a[1]) - order.indexOf(b[1]) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
		expect(rows).toEqual(sorted);
	});

	test('PDF through Chromium: several A4 pages, "第 1 页 共 N 页" in the footer, nothing left in the temporary folder', async () => {
		if (!chromiumAvailable()) {
			throw new Error(`Chromium is needed for this test and was not found (looked at $SMD_CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome): install it (apt-get install chromium) or set SMD_CHROMIUM_PATH`);
		}
		expect(findChromium()).toBeTruthy();
		const parent = mkdtempSync(path.join(tmpdir(), 'smd-pdf-test-'));
		const html = renderQuarterlyHtml('quarterlyPack', input, { county: '示例县', now: NOW });
		const started = Date.now();
		const pdf = await htmlToPdf(html, { tmpDir: parent });
		const ms = Date.now() - started;
		expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		const pages = pdfPageCount(pdf);
		expect(pages).toBeGreaterThan(1);
		const { numPages, pages: texts } = pdfPageTexts(pdf);
		expect(numPages).toBe(pages);
		// Noto CJK's ToUnicode maps the glyph of 页 to the radical ⻚ (U+2EDA), which a reader may return.
		const footer = (n: number) => new RegExp(`第\\s*${n}\\s*[页⻚]\\s*共\\s*${pages}\\s*[页⻚]`);
		expect(texts[0]).toMatch(footer(1));
		expect(texts[pages - 1]).toMatch(footer(pages));
		// The HTML with patient data, the profile and the PDF are gone.
		expect(readdirSync(parent)).toEqual([]);
		rmdirSync(parent);
		console.log(`pack: ${pages} pages, HTML → PDF in ${ms} ms`);
	});

	test('a conversion over its time is killed, reported as a timeout, and leaves nothing behind', async () => {
		const parent = mkdtempSync(path.join(tmpdir(), 'smd-pdf-test-'));
		await expect(htmlToPdf('<p>x</p>', { timeoutMs: 1, tmpDir: parent })).rejects.toMatchObject({ code: 'timeout' });
		expect(readdirSync(parent)).toEqual([]);
		rmdirSync(parent);
	});

	test('a Chromium path that cannot run is reported, not replaced by a default', async () => {
		const missing = path.join(tmpdir(), 'no-such-chromium');
		expect(chromiumAvailable({ chromiumPath: missing })).toBe(false);
		await expect(htmlToPdf('<p>x</p>', { chromiumPath: missing })).rejects.toMatchObject({ code: 'chromium_not_found' });
		const { files, pdf } = await quarterlyReportFiles('catchUpPlan', input, { pdfOptions: { chromiumPath: missing } });
		expect(pdf).toBe('skipped: Chromium not found (set SMD_CHROMIUM_PATH)');
		expect(files.map((f) => f.fileName)).toEqual(['百日攻坚整改计划_2026Q3.html']);
	});
});
