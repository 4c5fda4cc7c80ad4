/**
 * The emergency outputs of SMD Report in n8n-core's engine: Emergency Record (应急处置记录单, one item
 * `{ event, details, patient }` in, the same item out with the form's HTML and PDF) and Watch List
 * (重点管控名单, one township's list in, its HTML and XLSX out). A broken item names the field
 * (`Item 2: …`), and with Continue On Fail becomes an error item while the others render. People
 * and places are invented (测试甲, 示例县).
 */
import * as ExcelJS from 'exceljs';
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { EMERGENCY_ROLES } from '../../lib/emergencies';
import { idCheckChar } from '../../lib/idNumber';
import type { ReferralPatient } from '../../lib/referrals';
import type { EmergencyDetails, EmergencyEvent, TownshipWatchList } from '../../lib/registry/emergencies';
import { SmdReport } from '../../nodes/SmdReport/SmdReport.node';
import { runNode } from '../../scripts/n8nEngine';

const REPORT = 'n8n-nodes-smd.smdReport';
const nodeType = new SmdReport();
const HTML = 'text/html';
const PDF = 'application/pdf';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const ID17 = '43990119900307123';

const patient = (patientNo: string, name: string): ReferralPatient => ({
	patientNo,
	name,
	sex: 'female',
	birthDate: '1990-03-07',
	idNumber: ID17 + idCheckChar(ID17),
	address: '示例县示例镇测试村2组',
	township: '示例镇',
	diagnosis: '双相情感障碍',
	guardian: '测试戊',
	guardianPhone: '13900000000',
});

const event = (eventNo: string, patientNo: string | null): EmergencyEvent => ({
	eventNo,
	status: 'disposed',
	township: '示例镇',
	channel: 'family',
	reportedAt: '2026-11-29T02:00:00.000Z',
	reportedOn: '2026-11-29',
	occurredAt: null,
	triggers: ['self_harm'],
	riskLevel: 3,
	publicSafety: false,
	incident: false,
	major: false,
	matchState: patientNo ? 'linked' : 'unidentified',
	patientNo,
	candidates: [],
	disposition: 'observation',
	dispositionAt: '2026-11-29T04:00:00.000Z',
	dispositionBy: '测试丙',
	recordDue: '2026-11-30T02:00:00.000Z',
	recordFiledAt: '2026-11-29T09:00:00.000Z',
	followUpDue: '2026-12-13',
	followUpDate: null,
	review: null,
	closedAt: null,
	statusNote: null,
	steps: [
		{
			seq: 1,
			role: 'township_staff',
			roleLabel: EMERGENCY_ROLES.township_staff,
			kind: 'opened',
			person: '测试丁',
			needsAck: true,
			note: null,
			notifiedAt: '2026-11-29T02:00:00.000Z',
			ackDue: '2026-11-29T02:15:00.000Z',
			acknowledgedAt: '2026-11-29T02:05:00.000Z',
			acknowledgedBy: '测试丁',
			escalatedAt: null,
			escalatedTo: null,
		},
	],
});

const details: EmergencyDetails = {
	place: '示例镇测试村',
	description: '家属报告患者割腕。',
	reporter: { role: '家属', name: '测试戊' },
	person: {},
	record: { measures: ['crisis_intervention', 'oral_medication'], participants: ['township_staff', 'psychiatrist'], summary: '伤口包扎，心理干预，留观。', medication: null, doctor: '测试丙', doctorPhone: null, filedBy: null },
	dispositionNote: null,
};

/** An item as SMD Emergency → Get (with details) puts it out. */
const item = (eventNo: string, p: ReferralPatient | null): INodeExecutionData => ({
	json: { event: event(eventNo, p?.patientNo ?? null) as unknown as IDataObject, details: details as unknown as IDataObject, patient: p as unknown as IDataObject, log: [], referrals: [] },
});

const E1 = item('YJ20261129-0001', patient('P0101', '测试甲'));
const E2 = item('YJ20261129-0002', null);

const watch = (township: string, names: string[]): TownshipWatchList => ({
	township,
	period: { name: '国庆', from: '2026-10-01', to: '2026-10-07' },
	patients: names.map((name, i) => ({
		patientNo: `P02${i}`,
		name,
		sex: 'male',
		age: 30 + i,
		riskLevel: 3,
		classification: 'unstable',
		lastFollowUpDate: '2026-09-01',
		guardian: `${name}之母`,
		guardianPhone: `1370000000${i}`,
		recentEmergencies: i,
	})),
	staff: [{ role: 'township_staff', roleLabel: EMERGENCY_ROLES.township_staff, person: '测试丁', phone: '13900000001', startsAt: '2026-09-30T16:00:00.000Z', endsAt: '2026-10-07T16:00:00.000Z' }],
	patientRowIds: names.map((_, i) => i + 1),
});

/** An item as SMD Emergency → Watch List → Build puts it out. */
const watchItem = (w: TownshipWatchList): INodeExecutionData => {
	const json: Partial<TownshipWatchList> = { ...w };
	delete json.patientRowIds;
	return { json: { ...(json as unknown as IDataObject), email: 'township@example.invalid', patientCount: w.patients.length } };
};

const W1 = watchItem(watch('示例镇', ['测试甲', '测试乙']));
const W2 = watchItem(watch('测试乡', []));

const run = (parameters: INodeParameters, inputData: INodeExecutionData[], continueOnFail = false) => runNode({ nodeType, typeName: REPORT, parameters, inputData, continueOnFail });

const bytes = (out: INodeExecutionData, key: string) => Buffer.from(out.binary![key].data, 'base64');
const files = (out: INodeExecutionData) => Object.fromEntries(Object.entries(out.binary ?? {}).map(([k, b]) => [k, [b.fileName, b.mimeType]]));

async function xlsxText(data: Buffer): Promise<string> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(data as unknown as ArrayBuffer);
	const out: string[] = [];
	wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => out.push(String(cell.text)))));
	return out.join('\n');
}

describe('SMD Report emergency outputs in n8n-core', () => {
	test('the two reports are offered in alphabetical order among the others; their parameters show for them only', () => {
		const report = nodeType.description.properties.find((p) => p.name === 'report')!;
		const names = report.options!.map((o) => (o as { name: string }).name);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
		expect(names).toEqual(expect.arrayContaining(['Emergency Record 应急处置记录单', 'Watch List 重点管控名单']));
		for (const name of ['emergencyRecordNotice', 'emergencyRecordFormats', 'emergencyRecordCounty', 'emergencyRecordOptions']) {
			expect(nodeType.description.properties.find((p) => p.name === name)!.displayOptions).toEqual({ show: { report: ['emergencyRecord'] } });
		}
		for (const name of ['watchListNotice', 'watchListMaskNames', 'watchListFormats', 'watchListCounty']) {
			expect(nodeType.description.properties.find((p) => p.name === name)!.displayOptions).toEqual({ show: { report: ['watchList'] } });
		}
		expect(nodeType.description.properties.find((p) => p.name === 'watchListMaskNames')!.default).toBe(false);
		for (const name of ['asOf', 'binaryPropertyName']) {
			const hidden = nodeType.description.properties.find((p) => p.name === name)!.displayOptions!.hide!.report as string[];
			expect(hidden).toEqual(expect.arrayContaining(['emergencyRecord', 'watchList']));
		}
	});

	test('Emergency Record: two items → two items, each with its 应急处置记录单 as HTML and PDF, the input kept', async () => {
		const started = Date.now();
		const { outputs, error } = await run({ report: 'emergencyRecord', emergencyRecordCounty: '示例县' }, [E1, E2]);
		console.log(`two emergency records with PDFs through n8n: ${Date.now() - started} ms`);
		expect(error).toBeUndefined();
		expect(outputs).toHaveLength(1);
		expect(outputs[0]).toHaveLength(2);
		for (const [i, input, no] of [
			[0, E1, 'YJ20261129-0001'],
			[1, E2, 'YJ20261129-0002'],
		] as Array<[number, INodeExecutionData, string]>) {
			const out = outputs[0][i];
			expect(out.pairedItem).toEqual({ item: i });
			expect(files(out)).toEqual({ emergency_html: [`应急处置记录单_${no}.html`, HTML], emergency_pdf: [`应急处置记录单_${no}.pdf`, PDF] });
			const html = bytes(out, 'emergency_html').toString('utf8');
			expect(html).toContain('<h1>严重精神障碍患者应急处置记录单</h1>');
			expect(html).toContain(`事件编号：${no}`);
			expect(html).toContain('示例县 · 严重精神障碍患者应急处置');
			expect(html).toContain('<span class="opt"><span class="box">☑</span>心理危机干预</span>');
			expect(bytes(out, 'emergency_pdf').subarray(0, 5).toString('latin1')).toBe('%PDF-');
			const { reports, ...rest } = out.json;
			expect(rest).toEqual(input.json);
			expect(reports).toEqual({ emergencyRecord: { eventNo: no, files: [`应急处置记录单_${no}.html`, `应急处置记录单_${no}.pdf`], binaries: ['emergency_html', 'emergency_pdf'], pdf: 'rendered' } });
		}
		expect(bytes(outputs[0][0], 'emergency_html').toString('utf8')).toContain('<th>患者姓名</th><td>测试甲</td>');
		expect(bytes(outputs[0][1], 'emergency_html').toString('utf8')).toContain('<span class="opt"><span class="box">☑</span>身份未明</span>');
	});

	test('Emergency Record: HTML only with a prefix; a file already on the item stays', async () => {
		const earlier = { data: Buffer.from('earlier').toString('base64'), mimeType: 'text/plain', fileName: 'earlier.txt' };
		const { outputs, error } = await run({ report: 'emergencyRecord', emergencyRecordFormats: ['html'], emergencyRecordOptions: { binaryPrefix: 'yj_' } }, [{ ...E1, binary: { data: earlier } }]);
		expect(error).toBeUndefined();
		const out = outputs[0][0];
		expect(Object.keys(out.binary!).sort()).toEqual(['data', 'yj_emergency_html']);
		expect(out.binary!.data).toEqual(earlier);
		expect(out.json.reports).toEqual({ yj_emergencyRecord: { eventNo: 'YJ20261129-0001', files: ['应急处置记录单_YJ20261129-0001.html'], binaries: ['yj_emergency_html'], pdf: 'off' } });
	});

	test('Emergency Record, Continue On Fail: the broken item becomes an error item naming the field, never the value; the others render', async () => {
		const broken: INodeExecutionData = { json: { ...E2.json, event: { ...(E2.json.event as IDataObject), channel: 'secret-value' } } };
		const otherPatient: INodeExecutionData = { json: { ...E1.json, patient: patient('P0999', '测试己') as unknown as IDataObject } };
		const noEvent: INodeExecutionData = { json: { details: E1.json.details } };
		const { outputs, error } = await run({ report: 'emergencyRecord', emergencyRecordFormats: ['html'] }, [E1, broken, otherPatient, noEvent], true);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(4);
		expect(Object.keys(outputs[0][0].binary!)).toEqual(['emergency_html']);
		const bad = outputs[0][1];
		expect(bad.binary).toBeUndefined();
		expect(bad.pairedItem).toEqual({ item: 1 });
		expect(bad.json.error).toBe('Item 2: event.channel must be one of police_110, family, village_doctor, township_staff, hospital, public, other');
		expect(bad.json.errorDetails).toMatchObject({ row: 2, field: 'event.channel' });
		expect(JSON.stringify(bad.json.error)).not.toContain('secret-value');
		expect(outputs[0][2].json.error).toBe('Item 3: patient.patientNo is not the patient of the event (event.patientNo)');
		expect(outputs[0][2].json.errorDetails).toMatchObject({ field: 'patient.patientNo' });
		expect(outputs[0][3].json.error).toBe('Item 4: event is required');
	});

	test('Emergency Record without Continue On Fail: the node stops with `Item 2: …` and the field as description; no format chosen is refused', async () => {
		const broken: INodeExecutionData = { json: { ...E2.json, event: { ...(E2.json.event as IDataObject), riskLevel: 7 } } };
		const { outputs, error } = await run({ report: 'emergencyRecord', emergencyRecordFormats: ['html'] }, [E1, broken]);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toBe('Item 2: event.riskLevel must be 0–5');
		expect((error as NodeOperationError).description).toBe('Field: event.riskLevel');
		expect(outputs).toEqual([]);
		const none = await run({ report: 'emergencyRecord', emergencyRecordFormats: [] }, [E1]);
		expect(none.error!.message).toBe('Item 1: Choose at least one of the Formats');
	});

	test('Watch List: one item per township with its HTML and XLSX, names in full by default; an empty township says so', async () => {
		const { outputs, error } = await run({ report: 'watchList', watchListCounty: '示例县' }, [W1, W2]);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(2);
		const [one, two] = outputs[0];
		expect(files(one)).toEqual({ watchlist_html: ['重点管控名单_示例镇_国庆.html', HTML], watchlist_xlsx: ['重点管控名单_示例镇_国庆.xlsx', XLSX] });
		expect(files(two)).toEqual({ watchlist_html: ['重点管控名单_测试乡_国庆.html', HTML], watchlist_xlsx: ['重点管控名单_测试乡_国庆.xlsx', XLSX] });
		const html = bytes(one, 'watchlist_html').toString('utf8');
		for (const text of ['<h1>示例镇 严重精神障碍患者重点管控名单</h1>', '<td>测试甲</td>', '<td>测试甲之母</td>', '<td>13700000000</td>', '<td>测试丁</td>', '10-01 00:00 至 10-08 00:00']) expect(html).toContain(text);
		const xlsx = await xlsxText(bytes(one, 'watchlist_xlsx'));
		for (const text of ['测试甲', '测试乙', '13700000001', '近90天应急事件', '测试丁']) expect(xlsx).toContain(text);
		expect(bytes(two, 'watchlist_html').toString('utf8')).toContain('本乡镇无需重点管控的患者');
		expect(await xlsxText(bytes(two, 'watchlist_xlsx'))).toContain('本乡镇无需重点管控的患者');
		const { reports, ...rest } = one.json;
		expect(rest).toEqual(W1.json);
		expect(reports).toEqual({
			watchList: { township: '示例镇', period: '国庆', patients: 2, masked: false, files: ['重点管控名单_示例镇_国庆.html', '重点管控名单_示例镇_国庆.xlsx'], binaries: ['watchlist_html', 'watchlist_xlsx'] },
		});
		expect((two.json.reports as IDataObject).watchList).toMatchObject({ patients: 0 });
	});

	test('Watch List, Mask Names: no patient or guardian name, no guardian phone in either file', async () => {
		const { outputs, error } = await run({ report: 'watchList', watchListMaskNames: true, watchListFormats: ['html', 'xlsx'] }, [W1]);
		expect(error).toBeUndefined();
		const out = outputs[0][0];
		const html = bytes(out, 'watchlist_html').toString('utf8');
		const xlsx = await xlsxText(bytes(out, 'watchlist_xlsx'));
		for (const text of [html, xlsx]) {
			for (const secret of ['测试甲', '测试乙', '之母', '13700000000', '13700000001']) expect(text).not.toContain(secret);
			expect(text).toContain('测*');
			expect(text).toContain('测试丁');
		}
		expect((out.json.reports as IDataObject).watchList).toMatchObject({ masked: true });
		// One format only.
		const htmlOnly = await run({ report: 'watchList', watchListFormats: ['html'] }, [W1]);
		expect(Object.keys(htmlOnly.outputs[0][0].binary!)).toEqual(['watchlist_html']);
	});

	test('Watch List, Continue On Fail: a broken item names the field; the other renders; without it the node stops', async () => {
		const broken: INodeExecutionData = { json: { ...W1.json, period: { name: '国庆', from: '2026-10-01', to: 'secret-value' } } };
		const { outputs, error } = await run({ report: 'watchList', watchListFormats: ['html'] }, [broken, W2], true);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(2);
		expect(outputs[0][0].json.error).toBe('Item 1: the input is not a watch list: period.to must be a date written YYYY-MM-DD');
		expect(outputs[0][0].json.errorDetails).toMatchObject({ row: 1, field: 'period.to' });
		expect(JSON.stringify(outputs[0][0].json.error)).not.toContain('secret-value');
		expect(Object.keys(outputs[0][1].binary!)).toEqual(['watchlist_html']);
		const stopped = await run({ report: 'watchList', watchListFormats: ['html'] }, [W2, { json: { township: '示例镇' } }]);
		expect(stopped.error).toBeInstanceOf(NodeOperationError);
		expect(stopped.error!.message).toBe('Item 2: the input is not a watch list: period is required');
		expect((stopped.error as NodeOperationError).description).toBe('Field: period');
		const none = await run({ report: 'watchList', watchListFormats: [] }, [W1]);
		expect(none.error!.message).toBe('Item 1: Choose at least one of the Formats');
	});
});
