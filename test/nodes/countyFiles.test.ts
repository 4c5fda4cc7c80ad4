/**
 * Real county files through the nodes, in n8n-core's engine: Read File on real shapes of police
 * lists (GBK with a title row, XLSX with numeric ID cells), Triage refusing what it cannot triage,
 * the reports on an empty list and on a 40,000-character cell, the Registry File restriction.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { SmdRegistry } from '../../nodes/SmdRegistry/SmdRegistry.node';
import { SmdReport } from '../../nodes/SmdReport/SmdReport.node';
import { importRegistryFile } from '../../lib/registry/import';
import { RegistryStore } from '../../lib/registry/store';
import { readTable } from '../../lib/tabular';
import { runNode } from '../../scripts/n8nEngine';
import { makeId } from '../helpers';
import { encodeGbk } from '../../scripts/demoCounty';

const REGISTRY = 'n8n-nodes-smd.smdRegistry';
const REPORT = 'n8n-nodes-smd.smdReport';
const AS_OF = '2026-11-20';
const ID_A = makeId('1987-10-18', 123);
const ID_B = makeId('1975-04-12', 31);

let dir: string;
let registryFile: string;

beforeEach(async () => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-county-node-'));
	registryFile = path.join(dir, 'registry.sqlite');
	const store = RegistryStore.open(registryFile);
	const csv = ['患者编号,姓名,性别,身份证号,所属乡镇,管理状态,末次随访日期,病情分类', `K-1,钱多多,男,${ID_A},城关镇,在管,2026-11-01,稳定`, `K-2,孙少少,女,${ID_B},河西乡,在管,2026-10-20,稳定`];
	await importRegistryFile(store, Buffer.from(csv.join('\r\n'), 'utf8'), { today: AS_OF });
	store.close();
});
afterEach(() => {
	delete process.env.N8N_RESTRICT_FILE_ACCESS_TO;
	rmSync(dir, { recursive: true, force: true });
});

function fileItem(data: Buffer, fileName: string, mimeType: string): INodeExecutionData {
	return { json: {}, binary: { data: { data: data.toString('base64'), mimeType, fileName } } };
}

const readFile = (data: Buffer, fileName: string, mimeType = 'text/csv', continueOnFail = false) =>
	runNode({
		nodeType: new SmdRegistry(),
		typeName: REGISTRY,
		parameters: { registryFile, resource: 'list', operation: 'readFile', binaryPropertyName: 'data' },
		inputData: [fileItem(data, fileName, mimeType)],
		continueOnFail,
	});

const triage = (items: INodeExecutionData[] | IDataObject[], policy: INodeParameters = {}) =>
	runNode({
		nodeType: new SmdRegistry(),
		typeName: REGISTRY,
		parameters: { registryFile, resource: 'list', operation: 'triage', asOf: AS_OF, policy },
		...(items.length > 0 && 'json' in items[0] ? { inputData: items as INodeExecutionData[] } : { items: items as IDataObject[] }),
	});

const report = (parameters: INodeParameters, items: INodeExecutionData[]) =>
	runNode({ nodeType: new SmdReport(), typeName: REPORT, parameters: { asOf: AS_OF, binaryPropertyName: 'data', ...parameters }, inputData: items });

describe('Read File on real list shapes', () => {
	test('a GBK police list with a two-cell title row and its own header names', async () => {
		const lines = [
			'XX市公安局,2026年11月下发',
			'序号,人员姓名,公民身份号码,所属派出所,人员类别',
			`1,钱多多,${ID_A},城关派出所,一般关注`,
			`2,孙少少,${ID_B},河西派出所,肇事肇祸`,
		];
		const { bytes } = encodeGbk(lines.join('\r\n') + '\r\n');
		const read = await readFile(bytes, '名单.csv');
		expect(read.error).toBeUndefined();
		const rows = read.outputs[0].map((i) => i.json);
		expect(rows.map((r) => [r.row, r.line, r['人员姓名']])).toEqual([[1, 3, '钱多多'], [2, 4, '孙少少']]);
		const triaged = await triage(read.outputs[0]);
		expect(triaged.error).toBeUndefined();
		expect(triaged.outputs[0].map((i) => [i.json.category, i.json.patientId, i.json.priority])).toEqual([
			['managed', 'K-1', 'normal'],
			['managed', 'K-2', 'high'],
		]);
	});

	test('an XLSX list whose ID cells are numbers: each row ends in review with its candidate, never a link, never invalid', async () => {
		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('名单');
		ws.addRow(['姓名', '身份证号', '所属乡镇']);
		ws.addRow(['钱多多', Number(ID_A.slice(0, 17)), '城关镇']);
		ws.addRow(['孙少少', Number(ID_B.slice(0, 17)), '河西乡']);
		ws.addRow(['郑新', Number(makeId('1999-09-09', 9).slice(0, 17)), '青山镇']);
		const read = await readFile(Buffer.from(await wb.xlsx.writeBuffer()), '名单.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
		const rows = read.outputs[0];
		expect(rows.map((r) => (r.json.cellIssues as Array<{ code: string }>)[0].code)).toEqual(['lost_precision', 'lost_precision', 'lost_precision']);
		const triaged = await triage(rows);
		const out = triaged.outputs[0].map((i) => i.json);
		expect(out.map((o) => [o.category, o.patientId, (o.candidates as Array<{ patientId: string }>).map((c) => c.patientId)])).toEqual([
			['review', null, ['K-1']],
			['review', null, ['K-2']],
			['new_clue', null, []],
		]);
	});

	test('an unreadable file follows On Error: stops with the item, or continues with the error on the item', async () => {
		const bad = Buffer.from('%PDF-1.4 not a table');
		const stop = await readFile(bad, 'x.csv');
		expect(stop.error).toBeInstanceOf(NodeOperationError);
		expect(stop.error?.message).toMatch(/^Item 1: The file is not a CSV or XLSX table: it is a PDF document/);
		const go = await readFile(bad, 'x.csv', 'text/csv', true);
		expect(go.error).toBeUndefined();
		expect(go.outputs[0]).toHaveLength(1);
		expect(go.outputs[0][0].json).toMatchObject({ error: expect.stringMatching(/PDF document/), errorDetails: { row: 1 } });
	});
});

describe('Triage refuses what it cannot triage', () => {
	test('no name or ID column (a list without a header row): refused, listing the accepted headers, echoing no data', async () => {
		const lines = [`钱多多,${ID_A},城关镇`, `孙少少,${ID_B},河西乡`];
		const read = await readFile(Buffer.from(lines.join('\r\n'), 'utf8'), 'noheader.csv');
		const result = await triage(read.outputs[0]);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^The police list has no column for the name \(姓名\) or the ID number \(身份证号\)/);
		expect(result.error?.message).toContain('Accepted headers');
		for (const secret of ['钱多多', ID_A, '孙少少', ID_B]) expect(result.error?.message).not.toContain(secret);
	});

	test('an empty registry, or a mostly rejected import: refused unless Triage With Incomplete Registry is on', async () => {
		const empty = path.join(dir, 'empty.sqlite');
		const list = [{ 姓名: '钱多多', 身份证号: ID_A }];
		const run = (policy: INodeParameters) =>
			runNode({ nodeType: new SmdRegistry(), typeName: REGISTRY, parameters: { registryFile: empty, resource: 'list', operation: 'triage', asOf: AS_OF, policy }, items: list });
		const refused = await run({});
		expect(refused.error?.message).toMatch(/^The registry is empty, so every row would come out as unregistered/);
		const forced = await run({ allowIncompleteRegistry: true });
		expect(forced.error).toBeUndefined();
		expect(forced.outputs[0][0].json.category).toBe('new_clue');

		const store = RegistryStore.open(registryFile);
		await importRegistryFile(store, Buffer.from(['患者编号,姓名,身份证号', 'K-1,钱多多,' + ID_A, 'K-8,,', 'K-9,,'].join('\r\n')), { today: AS_OF });
		store.close();
		const mostlyRejected = await triage(list);
		expect(mostlyRejected.error?.message).toMatch(/last import .* rejected 2 of 3 rows/);
	});

	test('a list with a header and no rows: an empty triage, and every report is still written', async () => {
		// Read File of a headers-only list gives no items; with Always Output Data n8n sends one empty item.
		const read = await readFile(Buffer.from('姓名,身份证号\r\n', 'utf8'), 'empty.csv');
		expect(read.outputs[0]).toEqual([]);
		const placeholder: INodeExecutionData[] = [{ json: {} }];
		const triaged = await triage(placeholder);
		expect(triaged.error).toBeUndefined();
		expect(triaged.outputs[0]).toEqual([]);
		const json = await report({ report: 'triageJson' }, placeholder);
		expect(Buffer.from(json.outputs[0][0].binary!.data.data, 'base64').toString('utf8')).toBe('[]');
		const feedback = await report({ report: 'policeFeedback' }, placeholder);
		const table = await readTable(Buffer.from(feedback.outputs[0][0].binary!.data.data, 'base64'));
		expect(table.rows).toHaveLength(0);
		expect(table.headers[0]).toBe('序号');
		const summary = await report({ report: 'triageSummary' }, placeholder);
		expect(Buffer.from(summary.outputs[0][0].binary!.data.data, 'base64').toString('utf8')).toContain('名单共 0 行');
		const lists = await report({ report: 'townshipTaskLists' }, placeholder);
		expect(lists.error).toBeUndefined();
		expect(lists.outputs[0]).toEqual([]);
	});

	test('the Registry File honours N8N_RESTRICT_FILE_ACCESS_TO', async () => {
		const allowed = path.join(dir, 'allowed');
		mkdirSync(allowed);
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = allowed;
		const refused = await triage([{ 姓名: '钱多多', 身份证号: ID_A }]);
		expect(refused.error?.message).toBe('Access to the registry file is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO');
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = dir;
		const ok = await triage([{ 姓名: '钱多多', 身份证号: ID_A }]);
		expect(ok.error).toBeUndefined();
	});
});

describe('Match reads the list as Triage does', () => {
	test('two ID columns that disagree are never linked; the second fills an empty first', async () => {
		const run = await runNode({
			nodeType: new SmdRegistry(),
			typeName: REGISTRY,
			parameters: { registryFile, resource: 'list', operation: 'match' },
			items: [
				{ 姓名: '钱多多', 身份证号: ID_A, 公民身份号码: ID_B },
				{ 姓名: '钱多多', 身份证号: '', 公民身份号码: ID_A },
			],
		});
		expect(run.error).toBeUndefined();
		const out = run.outputs[0].map((i) => i.json.match as { matchStatus: string; patientId: string | null; candidates: Array<{ patientId: string; reason: string }> });
		expect(out[0]).toMatchObject({ matchStatus: 'ambiguous', patientId: null });
		expect(out[0].candidates).toEqual([{ patientId: 'K-1', reason: 'id_columns_disagree' }, { patientId: 'K-2', reason: 'id_match_name_differs' }]);
		expect(out[1]).toMatchObject({ matchStatus: 'matched', patientId: 'K-1' });
	});
});

describe('one bad cell never ends a run', () => {
	test('a 40,000-character address is shortened with a visible marker in the task list and listed on the item; the other reports are written', async () => {
		const long = '长'.repeat(40_000);
		const triaged = await triage([
			{ 序号: 1, 姓名: '钱多多', 身份证号: ID_A, 现住址: long },
			{ 序号: 2, 姓名: '郑新', 身份证号: makeId('1999-09-09', 9), 现住址: '城关镇一街', 所属乡镇: '城关镇' },
		]);
		expect(triaged.error).toBeUndefined();
		const lists = await report({ report: 'townshipTaskLists' }, triaged.outputs[0]);
		expect(lists.error).toBeUndefined();
		const item = lists.outputs[0][0];
		expect(item.json).toMatchObject({ township: '城关镇', rows: 2, truncatedCells: [{ row: 1, column: '现住址', length: 40_000 }] });
		const table = await readTable(Buffer.from(item.binary!.data.data, 'base64'), { maxCellLength: 40_000 });
		const cell = table.rows.find((r) => r.values['序号'] === '1')!.values['现住址'];
		expect(cell.length).toBeLessThanOrEqual(32_767);
		expect(cell).toMatch(/…【已截断，原文 40000 字符 \/ truncated, 40000 characters】$/);
		const feedback = await report({ report: 'policeFeedback' }, triaged.outputs[0]);
		expect(feedback.error).toBeUndefined();
		const summary = await report({ report: 'triageSummary' }, triaged.outputs[0]);
		expect(summary.error).toBeUndefined();
	});

	test('townships named with "/", ".." or 200 characters give valid, distinct task-list file names', async () => {
		const towns = ['城关/镇', '城关_镇', '../../etc', '镇'.repeat(200), `${'镇'.repeat(199)}乡`];
		const triaged = await triage(towns.map((t, i) => ({ 序号: i + 1, 姓名: `新人${i}`, 身份证号: makeId('1999-09-09', 11 + i * 2), 所属乡镇: t })));
		const lists = await report({ report: 'townshipTaskLists' }, triaged.outputs[0]);
		const names = lists.outputs[0].map((i) => String(i.json.fileName));
		expect(names).toHaveLength(5);
		expect(new Set(names).size).toBe(5);
		for (const n of names) {
			expect(n).not.toMatch(/[/\\]|\.\./);
			expect(Buffer.byteLength(n)).toBeLessThanOrEqual(255);
			expect(lists.outputs[0].find((i) => i.json.fileName === n)!.binary!.data.fileName).toBe(n);
		}
		expect(lists.outputs[0].map((i) => i.json.township).sort()).toEqual([...towns].sort());
	});
});

describe('numbers that lost precision', () => {
	test('Upsert: an ID number that arrives as a JSON number beyond 2^53 is kept as recorded and flagged, never as a valid number', async () => {
		const run = await runNode({
			nodeType: new SmdRegistry(),
			typeName: REGISTRY,
			parameters: { registryFile, resource: 'patient', operation: 'upsert' },
			items: [{ 患者编号: 'K-9', 姓名: '郑九', 身份证号: Number(makeId('1987-10-18', 125).slice(0, 17)) * 10 }],
		});
		expect(run.error).toBeUndefined();
		const store = RegistryStore.open(registryFile);
		const p = store.getByPatientNo('K-9');
		store.close();
		expect(p).toMatchObject({ idValid: false });
		expect(p?.idNumber).toMatch(/^\d\.\d+E\+17$/);
	});

	test('Follow-Up → Record refuses a patient reference that is a number beyond 2^53', async () => {
		const run = await runNode({
			nodeType: new SmdRegistry(),
			typeName: REGISTRY,
			parameters: { registryFile, resource: 'followUp', operation: 'record', patientRef: '={{ $json.ref }}' },
			items: [{ ref: Number(ID_A.slice(0, 17)) * 10, 随访日期: '2026-11-10', 危险性评估: 0, 精神症状: '无', 自知力: '完全', 社会功能: '良好', 药物不良反应: '无', 躯体疾病: '无', 服药情况: '规律服药' }],
		});
		expect(run.error?.message).toMatch(/^Row 1: patient \(患者编号\) is a number that lost its last digits/);
	});
});

describe('Patient → Search follows On Error', () => {
	test('a bad filter stops with the item, or with continue becomes an error item while the other searches run', async () => {
		const search = (continueOnFail: boolean) =>
			runNode({
				nodeType: new SmdRegistry(),
				typeName: REGISTRY,
				parameters: { registryFile, resource: 'patient', operation: 'search', returnAll: true, filters: { overdueAsOf: '={{ $json.asOf }}' } },
				items: [{ asOf: '2026/11/20' }, { asOf: '2026-11-20' }],
				continueOnFail,
			});
		const stop = await search(false);
		expect(stop.error?.message).toBe('Item 1: Follow-Up Overdue As Of must be a date written YYYY-MM-DD');
		const go = await search(true);
		expect(go.error).toBeUndefined();
		expect(go.outputs[0][0].json).toMatchObject({ asOf: '2026/11/20', error: 'Item 1: Follow-Up Overdue As Of must be a date written YYYY-MM-DD', errorDetails: { row: 1, field: 'overdueAsOf' } });
		expect(go.outputs[0].slice(1).every((i) => i.pairedItem && (i.pairedItem as { item: number }).item === 1)).toBe(true);
	});
});
