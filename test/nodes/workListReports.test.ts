/**
 * The Daily Work List report of SMD Report in n8n-core's engine: the builder's items (one per
 * township, one for the county) each come out with their files; a bad item names its field and,
 * continuing on fail, leaves the others rendered. All people are synthetic (测试甲一…).
 */
import * as ExcelJS from 'exceljs';
import { NodeOperationError, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { SmdReport } from '../../nodes/SmdReport/SmdReport.node';
import { runNode } from '../../scripts/n8nEngine';
import { WORK_LIST_SECTION_ORDER, type CountyWorkListSummary, type SectionCounts, type TownshipWorkList, type WorkListRow } from '../../lib/workList';

const REPORT = 'n8n-nodes-smd.smdReport';
const nodeType = new SmdReport();
const HTML = 'text/html';
const PDF = 'application/pdf';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DAY = '2026-11-20';
const WEEK_END = '2026-11-22';
const TOWNSHIPS = ['测试乙乡', '测试甲镇', '测试丙镇'];

const report = (parameters: INodeParameters, items: INodeExecutionData[], continueOnFail = false) =>
	runNode({ nodeType, typeName: REPORT, parameters: { report: 'dailyWorkList', ...parameters }, inputData: items, continueOnFail });

const bytes = (item: INodeExecutionData, key: string) => Buffer.from(item.binary![key].data, 'base64');

async function xlsxText(data: Buffer): Promise<string> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(data as unknown as ArrayBuffer);
	const out: string[] = [];
	wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text)))));
	return out.join('\n');
}

function counts(rows: WorkListRow[]): SectionCounts {
	return Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, rows.filter((r) => r.section === s).length])) as SectionCounts;
}

function township(t: number): TownshipWorkList {
	const rows: WorkListRow[] = Array.from({ length: 3 + t * 2 }, (_, i) => ({
		section: WORK_LIST_SECTION_ORDER[i % 5],
		patientNo: `T${t}-${String(i + 1).padStart(3, '0')}`,
		name: `测试${'甲乙丙'[t]}${'一二三四五六七八九'[i]}`,
		township: TOWNSHIPS[t],
		riskLevel: i % 6,
		classification: i % 2 ? 'unstable' : 'stable',
		lastFollowUpDate: '2026-08-01',
		nextFollowUpDate: '2026-11-01',
		due: '2026-11-01',
		daysLate: 19,
		task: '补做随访',
		reference: null,
	}));
	return {
		kind: 'township',
		day: DAY,
		weekEnd: WEEK_END,
		township: TOWNSHIPS[t],
		rows,
		counts: counts(rows),
		patients: rows.length,
		notKept: ['emergency_record_late'],
		email: null,
	};
}

function county(lists: TownshipWorkList[]): CountyWorkListSummary {
	const total = Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, lists.reduce((a, l) => a + l.counts[s], 0)])) as SectionCounts;
	return {
		kind: 'county',
		day: DAY,
		weekEnd: WEEK_END,
		townships: lists.map((l) => ({ township: l.township, counts: l.counts, patients: l.patients })),
		counts: total,
		patients: lists.reduce((a, l) => a + l.patients, 0),
		notKept: ['emergency_record_late'],
		email: null,
		townshipsWithoutEmail: lists.map((l) => l.township),
	};
}

const lists = TOWNSHIPS.map((_, t) => township(t));
const items = (): INodeExecutionData[] => [...lists, county(lists)].map((json) => ({ json: json as never }));

describe('SMD Report Daily Work List in n8n-core', () => {
	test('three township items and the county item: four items, each with its HTML and XLSX, json kept, names masked', async () => {
		const started = Date.now();
		const { outputs, error } = await report({}, items());
		console.log(`daily work list, 3 townships + county, HTML and XLSX through n8n: ${Date.now() - started} ms`);
		expect(error).toBeUndefined();
		expect(outputs).toHaveLength(1);
		expect(outputs[0]).toHaveLength(4);
		outputs[0].forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));
		const files = outputs[0].map((item) => Object.fromEntries(Object.entries(item.binary!).map(([k, b]) => [k, [b.fileName, b.mimeType]])));
		expect(files).toEqual([
			...TOWNSHIPS.map((t) => ({ worklist_html: [`工作清单_${t}_${DAY}.html`, HTML], worklist_xlsx: [`工作清单_${t}_${DAY}.xlsx`, XLSX] })),
			{ worklist_html: [`工作清单汇总_${DAY}.html`, HTML], worklist_xlsx: [`工作清单汇总_${DAY}.xlsx`, XLSX] },
		]);
		for (const [t, item] of outputs[0].slice(0, 3).entries()) {
			const { reports, ...json } = item.json;
			expect(json).toEqual(lists[t]);
			expect(reports).toEqual({
				dailyWorkList: { files: [`工作清单_${TOWNSHIPS[t]}_${DAY}.html`, `工作清单_${TOWNSHIPS[t]}_${DAY}.xlsx`], binaries: ['worklist_html', 'worklist_xlsx'], pdf: 'off' },
			});
			const html = bytes(item, 'worklist_html').toString('utf8');
			const xlsx = await xlsxText(bytes(item, 'worklist_xlsx'));
			expect(html).toContain(`<h1>${TOWNSHIPS[t]} 严重精神障碍患者管理每日工作清单</h1>`);
			expect(html).toContain('本县');
			for (const r of lists[t].rows) {
				expect(html).toContain(r.patientNo);
				expect(xlsx).toContain(r.patientNo);
				expect(html).not.toContain(r.name);
				expect(xlsx).not.toContain(r.name);
			}
		}
		const summary = bytes(outputs[0][3], 'worklist_html').toString('utf8');
		expect(summary).toContain('<h1>本县 严重精神障碍患者管理每日工作清单汇总</h1>');
		for (const t of TOWNSHIPS) expect(summary).toContain(t);
		for (const r of lists.flatMap((l) => l.rows)) expect(summary).not.toContain(r.patientNo);
		expect(await xlsxText(bytes(outputs[0][3], 'worklist_xlsx'))).toContain('全县');
	});

	test('options: Formats (PDF, HTML only), Mask Names off, County Name; earlier binaries kept', async () => {
		const earlier = { data: Buffer.from('earlier').toString('base64'), mimeType: 'text/plain', fileName: 'earlier.txt' };
		const { outputs, error } = await report({ workListFormats: ['html', 'pdf'], workListMask: false, workListCountyName: '测试县' }, [
			{ json: lists[0] as never, binary: { data: earlier } },
		]);
		expect(error).toBeUndefined();
		const item = outputs[0][0];
		expect(Object.keys(item.binary!).sort()).toEqual(['data', 'worklist_html', 'worklist_pdf']);
		expect(item.binary!.data).toEqual(earlier);
		expect(item.binary!.worklist_pdf).toMatchObject({ fileName: `工作清单_${TOWNSHIPS[0]}_${DAY}.pdf`, mimeType: PDF });
		expect(bytes(item, 'worklist_pdf').subarray(0, 5).toString('latin1')).toBe('%PDF-');
		expect((item.json.reports as Record<string, { pdf: string }>).dailyWorkList.pdf).toBe('rendered');
		const html = bytes(item, 'worklist_html').toString('utf8');
		expect(html).toContain('测试县');
		for (const r of lists[0].rows) expect(html).toContain(r.name);
	});

	test('a bad item: stops the node naming the field; continuing on fail, an error item naming the field and the others rendered', async () => {
		const bad = { ...lists[1], rows: [lists[1].rows[0], { ...lists[1].rows[1], section: '测试甲一' }] };
		const stopped = await report({}, [{ json: lists[0] as never }, { json: bad as never }]);
		expect(stopped.error).toBeInstanceOf(NodeOperationError);
		expect(stopped.error!.message).toBe(
			'Item 2: the input is not a daily work list: rows.1.section must be one of follow_up_overdue, follow_up_due, joint_follow_up, case_management_missing, case_review_due, referral_late, emergency_record_late',
		);
		expect((stopped.error as NodeOperationError).description).toBe('Field: rows.1.section');
		expect(stopped.outputs).toEqual([]);

		const noKind = await report({}, [{ json: { township: '测试甲镇' } }]);
		expect(noKind.error!.message).toBe('Item 1: the input is not a daily work list: kind is required');

		const { outputs, error } = await report({}, [...items().slice(0, 1), { json: bad as never }, ...items().slice(2)], true);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(4);
		const failed = outputs[0][1];
		expect(failed.json.error).toMatch(/^Item 2: the input is not a daily work list: rows\.1\.section must be one of /);
		expect(failed.json.error).not.toContain('测试甲一');
		expect(failed.json.errorDetails).toEqual({ row: 2, field: 'rows.1.section', code: 'invalid_enum_value' });
		expect(failed.binary).toBeUndefined();
		for (const i of [0, 2, 3]) expect(Object.keys(outputs[0][i].binary!)).toEqual(['worklist_html', 'worklist_xlsx']);
	});

	test('parameters: shown for Daily Work List only, As-Of Date and output field hidden, defaults', () => {
		const props = nodeType.description.properties;
		for (const name of ['workListNotice', 'workListMask', 'workListFormats', 'workListCountyName']) {
			expect(props.find((p) => p.name === name)!.displayOptions).toEqual({ show: { report: ['dailyWorkList'] } });
		}
		for (const name of ['asOf', 'binaryPropertyName']) expect(props.find((p) => p.name === name)!.displayOptions!.hide!.report).toContain('dailyWorkList');
		expect(props.find((p) => p.name === 'workListMask')!.default).toBe(true);
		expect(props.find((p) => p.name === 'workListFormats')!.default).toEqual(['html', 'xlsx']);
		expect(props.find((p) => p.name === 'workListCountyName')!.default).toBe('本县');
		const option = props.find((p) => p.name === 'report')!.options!.find((o) => (o as { value: string }).value === 'dailyWorkList');
		expect(option).toMatchObject({ name: 'Daily Work List 每日工作清单' });
	});
});
