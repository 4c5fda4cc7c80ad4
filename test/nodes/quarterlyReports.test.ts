/**
 * The quarterly reports of SMD Report in n8n-core's engine: a chain Pack → Ranking → Action List →
 * Catch-Up Plan over one SMD Indicators item ends with one item carrying every file; a wrong item
 * stops the node naming the missing field; Chromium missing gives the HTML and says so. The input
 * is a synthetic county computed with computeIndicators (scripts/renderPackSample.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { NodeOperationError, type IConnections, type INode, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { SmdReport } from '../../nodes/SmdReport/SmdReport.node';
import { runNode, runWorkflow } from '../../scripts/n8nEngine';
import { sampleQuarterlyInput } from '../../scripts/renderPackSample';

const REPORT = 'n8n-nodes-smd.smdReport';
const nodeType = new SmdReport();
const input = sampleQuarterlyInput();
const HTML = 'text/html';
const PDF = 'application/pdf';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const report = (parameters: INodeParameters, items: INodeExecutionData[], continueOnFail = false) =>
	runNode({ nodeType, typeName: REPORT, parameters: { countyName: '示例县', ...parameters }, inputData: items, continueOnFail });

const bytes = (item: INodeExecutionData, key: string) => Buffer.from(item.binary![key].data, 'base64');

async function xlsxText(data: Buffer): Promise<string> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(data as unknown as ArrayBuffer);
	const out: string[] = [];
	wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text)))));
	return out.join('\n');
}

describe('SMD Report quarterly reports in n8n-core', () => {
	test('Pack → Ranking → Action List → Catch-Up Plan: one item with every file, names and types; the indicators json kept', async () => {
		const chain: Array<[string, string]> = [
			['Pack', 'quarterlyPack'],
			['Ranking', 'rankingTable'],
			['Action List', 'actionList'],
			['Catch-Up Plan', 'catchUpPlan'],
		];
		const nodes: INode[] = chain.map(([name, reportName], i) => ({
			id: `n${i}`,
			name,
			type: REPORT,
			typeVersion: 1,
			position: [200 * (i + 1), 0],
			parameters: { report: reportName, countyName: '示例县' },
		}));
		const connections: IConnections = {};
		for (let i = 0; i < chain.length - 1; i++) connections[chain[i][0]] = { main: [[{ node: chain[i + 1][0], type: 'main', index: 0 }]] };
		const started = Date.now();
		const result = await runWorkflow({ nodeTypes: { [REPORT]: nodeType }, workflow: { nodes, connections }, inputItems: [input as never] });
		console.log(`four quarterly reports with PDFs through n8n: ${Date.now() - started} ms`);
		expect(result.error).toBeUndefined();
		const out = result.outputs('Catch-Up Plan');
		expect(out).toHaveLength(1);
		expect(out[0]).toHaveLength(1);
		const item = out[0][0];
		expect(item.pairedItem).toEqual({ item: 0 });
		const files = Object.fromEntries(Object.entries(item.binary!).map(([k, b]) => [k, [b.fileName, b.mimeType]]));
		expect(files).toEqual({
			pack_html: ['季度联席会议材料_2026Q3.html', HTML],
			pack_pdf: ['季度联席会议材料_2026Q3.pdf', PDF],
			ranking_html: ['乡镇排名表_2026Q3.html', HTML],
			ranking_pdf: ['乡镇排名表_2026Q3.pdf', PDF],
			ranking_xlsx: ['乡镇排名_2026Q3.xlsx', XLSX],
			actions_html: ['督办清单_2026Q3.html', HTML],
			actions_pdf: ['督办清单_2026Q3.pdf', PDF],
			actions_xlsx: ['督办清单_2026Q3.xlsx', XLSX],
			catchup_html: ['百日攻坚整改计划_2026Q3.html', HTML],
			catchup_pdf: ['百日攻坚整改计划_2026Q3.pdf', PDF],
		});
		for (const key of ['pack_pdf', 'ranking_pdf', 'actions_pdf', 'catchup_pdf']) expect(bytes(item, key).subarray(0, 5).toString('latin1')).toBe('%PDF-');
		expect(bytes(item, 'pack_html').toString('utf8')).toContain('示例县严重精神障碍患者管理工作季度联席会议材料');
		// The indicators stay on the item for the next node; what each report made is noted beside them.
		expect(item.json).toMatchObject({ quarter: '2026Q3', from: input.from, asOf: input.asOf, top: input.top, catchUp: input.catchUp });
		expect(item.json.actionList).toEqual(input.actionList);
		expect(item.json.reports).toEqual({
			quarterlyPack: { files: ['季度联席会议材料_2026Q3.html', '季度联席会议材料_2026Q3.pdf'], binaries: ['pack_html', 'pack_pdf'], pdf: 'rendered' },
			rankingTable: {
				files: ['乡镇排名表_2026Q3.html', '乡镇排名表_2026Q3.pdf', '乡镇排名_2026Q3.xlsx'],
				binaries: ['ranking_html', 'ranking_pdf', 'ranking_xlsx'],
				pdf: 'rendered',
			},
			actionList: {
				files: ['督办清单_2026Q3.html', '督办清单_2026Q3.pdf', '督办清单_2026Q3.xlsx'],
				binaries: ['actions_html', 'actions_pdf', 'actions_xlsx'],
				pdf: 'rendered',
			},
			catchUpPlan: { files: ['百日攻坚整改计划_2026Q3.html', '百日攻坚整改计划_2026Q3.pdf'], binaries: ['catchup_html', 'catchup_pdf'], pdf: 'rendered' },
		});
		// Masked by default: no patient's full name or ID number in any text file.
		const texts = [bytes(item, 'pack_html').toString('utf8'), bytes(item, 'actions_html').toString('utf8'), await xlsxText(bytes(item, 'actions_xlsx'))];
		for (const a of input.actionList) {
			for (const text of texts) {
				expect(text).not.toContain(a.name);
				expect(text).not.toContain(a.idNumber);
			}
		}
	});

	test('files are appended: earlier binaries kept, the prefix option names the new ones; Mask off gives full identifiers', async () => {
		const earlier = { data: Buffer.from('earlier').toString('base64'), mimeType: 'text/plain', fileName: 'earlier.txt' };
		const { outputs, error } = await report(
			{ report: 'actionList', quarterlyPdf: false, quarterlyMask: false, quarterlyOptions: { binaryPrefix: 'cityA_', title: '督办清单（测试）' } },
			[{ json: input as never, binary: { data: earlier } }],
		);
		expect(error).toBeUndefined();
		const item = outputs[0][0];
		expect(Object.keys(item.binary!).sort()).toEqual(['cityA_actions_html', 'cityA_actions_xlsx', 'data']);
		expect(item.binary!.data).toEqual(earlier);
		expect(item.json.reports).toEqual({
			cityA_actionList: { files: ['督办清单_2026Q3.html', '督办清单_2026Q3.xlsx'], binaries: ['cityA_actions_html', 'cityA_actions_xlsx'], pdf: 'off' },
		});
		const html = bytes(item, 'cityA_actions_html').toString('utf8');
		expect(html).toContain('<h1>督办清单（测试）</h1>');
		const xlsx = await xlsxText(bytes(item, 'cityA_actions_xlsx'));
		for (const a of input.actionList) {
			expect(html).toContain(a.name);
			expect(xlsx).toContain(a.idNumber);
		}
	});

	test('Chromium not installed: the HTML only, and the item says why there is no PDF', async () => {
		process.env.SMD_CHROMIUM_PATH = '/nonexistent/chromium';
		try {
			const { outputs, error } = await report({ report: 'catchUpPlan' }, [{ json: input as never }]);
			expect(error).toBeUndefined();
			const item = outputs[0][0];
			expect(Object.keys(item.binary!)).toEqual(['catchup_html']);
			expect(item.json.reports).toEqual({
				catchUpPlan: { files: ['百日攻坚整改计划_2026Q3.html'], binaries: ['catchup_html'], pdf: 'skipped: Chromium not found (set SMD_CHROMIUM_PATH)' },
			});
		} finally {
			delete process.env.SMD_CHROMIUM_PATH;
		}
	});

	test('an item that is not an SMD Indicators output stops the node naming the missing field', async () => {
		const cases: Array<[Record<string, unknown>, string]> = [
			[{ rows: 3, category: 'managed' }, 'quarter'],
			[{ ...input, actionList: undefined }, 'actionList'],
			[{ ...input, areas: [{ ...input.areas[0], indicators: {} }] }, 'areas.0.indicators.reportedPrevalence'],
		];
		for (const [json, field] of cases) {
			const { error, outputs } = await report({ report: 'rankingTable', quarterlyPdf: false }, [{ json: json as never }]);
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error!.message).toBe(`Item 1: the input is not an SMD Indicators output: ${field} is required`);
			expect((error as NodeOperationError).description).toBe(`Field: ${field}`);
			expect(outputs).toEqual([]);
		}
		// Continuing on fail: the item carries the error, the others go on.
		const { outputs, error } = await report({ report: 'rankingTable', quarterlyPdf: false }, [{ json: { nothing: true } }, { json: input as never }], true);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(2);
		expect(outputs[0][0].json.error).toBe('Item 1: the input is not an SMD Indicators output: quarter is required');
		expect(Object.keys(outputs[0][1].binary!)).toEqual(['ranking_html', 'ranking_xlsx']);
	});

	test('parameters: the triage-only As-Of Date and output field are hidden for the quarterly reports', () => {
		const props = nodeType.description.properties;
		const quarterly = ['quarterlyPack', 'rankingTable', 'actionList', 'catchUpPlan'];
		// Other item reports (daily work list, referral forms…) hide them too.
		for (const name of ['asOf', 'binaryPropertyName']) {
			expect(props.find((p) => p.name === name)!.displayOptions).toEqual({ hide: { report: expect.arrayContaining([...quarterly, 'archiveFiles']) } });
		}
		for (const name of ['quarterlyMask', 'quarterlyPdf', 'countyName', 'quarterlyOptions']) {
			expect(props.find((p) => p.name === name)!.displayOptions).toEqual({ show: { report: quarterly } });
		}
		expect(props.find((p) => p.name === 'quarterlyMask')!.default).toBe(true);
		expect(props.find((p) => p.name === 'quarterlyPdf')!.default).toBe(true);
		expect(props.find((p) => p.name === 'countyName')!.default).toBe('本县');
		const reports = props.find((p) => p.name === 'report')!.options!.map((o) => (o as { value: string }).value);
		for (const r of quarterly) expect(reports).toContain(r);
	});

	test('Archive Files: every file of the item into <folder>/<quarter>/, created when missing and replaced on a re-run; outside the allowed folders refused', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'smd-archive-'));
		const file = (name: string, text: string) => ({ data: Buffer.from(text).toString('base64'), fileName: name, mimeType: 'text/plain' });
		const item: INodeExecutionData = { json: { quarter: '2026Q3' }, binary: { a: file('一.html', 'one'), b: file('../二.pdf', 'two') } };
		const previous = process.env.N8N_RESTRICT_FILE_ACCESS_TO;
		try {
			process.env.N8N_RESTRICT_FILE_ACCESS_TO = dir;
			const { outputs, error } = await report({ report: 'archiveFiles', archiveFolder: path.join(dir, 'out'), archiveSubfolder: '={{ $json.quarter }}' }, [item]);
			expect(error).toBeUndefined();
			expect(Object.keys(outputs[0][0].binary!)).toEqual(['a', 'b']);
			const written = readdirSync(path.join(dir, 'out', '2026Q3')).sort();
			expect(written).toHaveLength(2);
			expect(written).toContain('一.html');
			expect(written.find((f) => f.endsWith('.pdf'))).toMatch(/^[^/\\]+\.pdf$/); // "../" made safe, not followed
			writeFileSync(path.join(dir, 'out', '2026Q3', '一.html'), 'stale');
			await report({ report: 'archiveFiles', archiveFolder: path.join(dir, 'out'), archiveSubfolder: '2026Q3' }, [item]);
			expect(readFileSync(path.join(dir, 'out', '2026Q3', '一.html'), 'utf8')).toBe('one');
			const outside = await report({ report: 'archiveFiles', archiveFolder: path.join(os.tmpdir(), 'elsewhere'), archiveSubfolder: '2026Q3' }, [item]);
			expect(outside.error?.message).toMatch(/^Item 1: the archive folder is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO/);
		} finally {
			if (previous === undefined) delete process.env.N8N_RESTRICT_FILE_ACCESS_TO;
			else process.env.N8N_RESTRICT_FILE_ACCESS_TO = previous;
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
