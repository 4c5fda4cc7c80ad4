/**
 * The referral forms of SMD Report in n8n-core's engine: items shaped as SMD Referral outputs them
 * (`{ outcome, referral, patient, warnings }`) in, one item out per item with the form's HTML and PDF
 * added; a broken item names the field (`Item 2: …`), and with Continue On Fail becomes an error item
 * while the others render. People and institutions are invented (测试甲, 示例县).
 */
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { idCheckChar } from '../../lib/idNumber';
import type { Referral, ReferralPatient } from '../../lib/referrals';
import { SmdReport } from '../../nodes/SmdReport/SmdReport.node';
import { runNode } from '../../scripts/n8nEngine';

const REPORT = 'n8n-nodes-smd.smdReport';
const nodeType = new SmdReport();
const HTML = 'text/html';
const PDF = 'application/pdf';

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

const referral = (referralNo: string, patientNo: string, direction: 'up' | 'return'): Referral => ({
	referralNo,
	patientNo,
	direction,
	fromInstitution: direction === 'up' ? '示例镇卫生院' : '示例县精神卫生中心',
	toInstitution: direction === 'up' ? '示例县精神卫生中心' : '示例镇卫生院',
	reasons: direction === 'up' ? ['relapse'] : ['stable_return'],
	urgency: 'routine',
	consentBy: 'patient',
	consentAt: '2026-11-29T02:00:00.000Z',
	followUpDate: null,
	emergencyRef: null,
	status: 'created',
	createdAt: '2026-11-29T04:00:00.000Z',
	createdOn: '2026-11-29',
	sentAt: null,
	acceptedAt: null,
	completedAt: null,
	rejectedAt: null,
	cancelledAt: null,
	statusNote: null,
	dischargeDate: direction === 'return' ? '2026-11-28' : null,
	dischargeInfoDue: direction === 'return' ? '2026-12-12' : null,
	dischargeInfoSentAt: null,
	communityVisitDue: direction === 'return' ? '2026-12-12' : null,
	communityVisitDate: null,
	responseDue: null,
	clinical: { impression: '双相情感障碍，躁狂发作', treatment: '碳酸锂 0.5g 每日2次', medications: '碳酸锂片 0.25g 每日2次', plan: '两周后复诊', doctor: '测试己' },
	agreementWarning: null,
	agreementNo: 'XY2026-01',
});

/** An item as SMD Referral → Create / Get puts it out. */
const item = (r: Referral, p: ReferralPatient): INodeExecutionData => ({
	json: { outcome: 'created', referral: r as unknown as IDataObject, patient: p as unknown as IDataObject, warnings: [] },
});

const UP1 = item(referral('ZZ20261129-0001', 'P0101', 'up'), patient('P0101', '测试甲'));
const UP2 = item(referral('ZZ20261129-0002', 'P0102', 'up'), patient('P0102', '测试乙'));
const RETURN1 = item(referral('ZZ20261129-0003', 'P0103', 'return'), patient('P0103', '测试丙'));

const report = (parameters: INodeParameters, inputData: INodeExecutionData[], continueOnFail = false) =>
	runNode({ nodeType, typeName: REPORT, parameters: { referralFormCounty: '示例县', ...parameters }, inputData, continueOnFail });

const bytes = (out: INodeExecutionData, key: string) => Buffer.from(out.binary![key].data, 'base64');
const files = (out: INodeExecutionData) => Object.fromEntries(Object.entries(out.binary ?? {}).map(([k, b]) => [k, [b.fileName, b.mimeType]]));

describe('SMD Report referral forms in n8n-core', () => {
	test('the two reports are offered in alphabetical order, and their parameters show for them only', () => {
		const report = nodeType.description.properties.find((p) => p.name === 'report')!;
		const names = report.options!.map((o) => (o as { name: string }).name);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
		const values = report.options!.map((o) => (o as { value: string }).value);
		expect(values).toEqual(expect.arrayContaining(['referralForm', 'dischargeForm']));
		for (const name of ['referralField', 'patientField', 'referralFormFormats', 'referralFormCounty', 'referralFormOptions']) {
			const property = nodeType.description.properties.find((p) => p.name === name)!;
			expect(property.displayOptions).toEqual({ show: { report: ['referralForm', 'dischargeForm'] } });
		}
		// Not a triage report: no As-Of Date, no output field for them.
		for (const name of ['asOf', 'binaryPropertyName']) {
			const hidden = nodeType.description.properties.find((p) => p.name === name)!.displayOptions!.hide!.report as string[];
			expect(hidden).toEqual(expect.arrayContaining(['referralForm', 'dischargeForm']));
		}
	});

	test('Referral Form: two items → two items, each with its 双向转诊单 as HTML and PDF, the input kept', async () => {
		const started = Date.now();
		const { outputs, error } = await report({ report: 'referralForm' }, [UP1, UP2]);
		console.log(`two referral forms with PDFs through n8n: ${Date.now() - started} ms`);
		expect(error).toBeUndefined();
		expect(outputs).toHaveLength(1);
		expect(outputs[0]).toHaveLength(2);
		for (const [i, [input, no, name]] of [
			[UP1, 'ZZ20261129-0001', '测试甲'],
			[UP2, 'ZZ20261129-0002', '测试乙'],
		].entries() as IterableIterator<[number, [INodeExecutionData, string, string]]>) {
			const out = outputs[0][i];
			expect(out.pairedItem).toEqual({ item: i });
			expect(files(out)).toEqual({ referral_html: [`双向转诊单_${no}.html`, HTML], referral_pdf: [`双向转诊单_${no}.pdf`, PDF] });
			const html = bytes(out, 'referral_html').toString('utf8');
			expect(html).toContain('双向转诊（转出）单');
			expect(html).toContain(`转诊单号：${no}`);
			expect(html).toContain(`<span class="u w-name">${name}</span>`);
			expect(html).toContain('示例县 · 严重精神障碍患者双向转诊');
			expect(bytes(out, 'referral_pdf').subarray(0, 5).toString('latin1')).toBe('%PDF-');
			const { reports, ...rest } = out.json;
			expect(rest).toEqual(input.json);
			expect(reports).toEqual({
				referralForm: { referralNo: no, files: [`双向转诊单_${no}.html`, `双向转诊单_${no}.pdf`], binaries: ['referral_html', 'referral_pdf'], pdf: 'rendered' },
			});
		}
	});

	test('Discharge Information: the 出院信息单 of a return as HTML and PDF; earlier files kept; field names and prefix configurable', async () => {
		const { outputs, error } = await report({ report: 'dischargeForm', referralFormOptions: { filledOn: '2026-12-01' } }, [RETURN1]);
		expect(error).toBeUndefined();
		const out = outputs[0][0];
		expect(files(out)).toEqual({ discharge_html: ['出院信息单_ZZ20261129-0003.html', HTML], discharge_pdf: ['出院信息单_ZZ20261129-0003.pdf', PDF] });
		const html = bytes(out, 'discharge_html').toString('utf8');
		expect(html).toContain('<h1>严重精神障碍患者出院信息单</h1>');
		expect(html).toContain('<th>出院时用药</th><td colspan="5" class="block">碳酸锂片 0.25g 每日2次</td>');
		expect(html).toContain('<th>出院信息应送达日期</th><td colspan="2">2026-12-12</td>');
		expect(html).toContain('<span class="u w-y">2026</span>年<span class="u w-md">12</span>月<span class="u w-md">1</span>日');

		// Formats: the PDF alone.
		const pdfOnly = await report({ report: 'dischargeForm', referralFormFormats: ['pdf'] }, [RETURN1]);
		expect(files(pdfOnly.outputs[0][0])).toEqual({ discharge_pdf: ['出院信息单_ZZ20261129-0003.pdf', PDF] });

		// Other field names (a dotted path reaches into an object), a prefix, no PDF; a file already on the item stays.
		const earlier = { data: Buffer.from('earlier').toString('base64'), mimeType: 'text/plain', fileName: 'earlier.txt' };
		const moved: INodeExecutionData = { json: { data: { ref: RETURN1.json.referral }, person: RETURN1.json.patient }, binary: { data: earlier } };
		const second = await report(
			{ report: 'referralForm', referralField: 'data.ref', patientField: 'person', referralFormFormats: ['html'], referralFormOptions: { binaryPrefix: 'zz_' } },
			[moved],
		);
		expect(second.error).toBeUndefined();
		const o = second.outputs[0][0];
		expect(Object.keys(o.binary!).sort()).toEqual(['data', 'zz_referral_html']);
		expect(o.binary!.data).toEqual(earlier);
		expect(bytes(o, 'zz_referral_html').toString('utf8')).toContain('双向转诊（回转）单');
		expect(o.json.reports).toEqual({ zz_referralForm: { referralNo: 'ZZ20261129-0003', files: ['双向转诊单_ZZ20261129-0003.html'], binaries: ['zz_referral_html'], pdf: 'off' } });
	});

	test('Continue On Fail: the broken item becomes an error item naming the field, never the value; the other item renders', async () => {
		const broken: INodeExecutionData = { json: { ...UP2.json, referral: { ...(UP2.json.referral as IDataObject), direction: 'secret-value' } } };
		const { outputs, error } = await report({ report: 'referralForm', referralFormFormats: ['html'] }, [UP1, broken], true);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(2);
		expect(Object.keys(outputs[0][0].binary!)).toEqual(['referral_html']);
		const bad = outputs[0][1];
		expect(bad.binary).toBeUndefined();
		expect(bad.pairedItem).toEqual({ item: 1 });
		expect(bad.json.error).toBe('Item 2: referral.direction must be one of up, return');
		expect(bad.json.errorDetails).toEqual({ row: 2, field: 'referral.direction', code: 'invalid_enum_value' });
		expect(JSON.stringify(bad.json.error)).not.toContain('secret-value');

		// An item without a patient, an item whose patient is another patient.
		const noPatient: INodeExecutionData = { json: { referral: UP1.json.referral } };
		const otherPatient: INodeExecutionData = { json: { referral: UP1.json.referral, patient: UP2.json.patient } };
		const more = await report({ report: 'referralForm', referralFormFormats: ['html'] }, [noPatient, otherPatient, UP2], true);
		expect(more.outputs[0].map((o) => o.json.error ?? Object.keys(o.binary!)[0])).toEqual([
			'Item 1: patient is required',
			'Item 2: patient.patientNo is not the patient of the referral (referral.patientNo)',
			'referral_html',
		]);
	});

	test('without Continue On Fail the node stops with `Item 2: …` and the field as description', async () => {
		const broken: INodeExecutionData = { json: { ...UP2.json, referral: { ...(UP2.json.referral as IDataObject), referralNo: undefined } } };
		const { outputs, error } = await report({ report: 'referralForm', referralFormFormats: ['html'] }, [UP1, broken]);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error!.message).toBe('Item 2: referral.referralNo is required');
		expect((error as NodeOperationError).description).toBe('Field: referral.referralNo');
		expect(outputs).toEqual([]);

		// The discharge form of an upward referral: refused, naming the direction.
		const up = await report({ report: 'dischargeForm', referralFormFormats: ['html'] }, [RETURN1, UP1]);
		expect(up.error).toBeInstanceOf(NodeOperationError);
		expect(up.error!.message).toMatch(/^Item 2: direction must be return \(回转\)/);
		expect((up.error as NodeOperationError).description).toBe('Field: direction');

		// No format chosen.
		const none = await report({ report: 'referralForm', referralFormFormats: [] }, [UP1]);
		expect(none.error!.message).toBe('Item 1: Choose at least one of the Formats');

		// A field name that holds nothing.
		const missing = await report({ report: 'dischargeForm', referralField: 'ref', referralFormFormats: ['html'] }, [RETURN1]);
		expect(missing.error!.message).toBe('Item 1: ref is required');
	});

	test('Chromium not installed: the HTML only, and the item says why there is no PDF', async () => {
		process.env.SMD_CHROMIUM_PATH = '/nonexistent/chromium';
		try {
			const { outputs, error } = await report({ report: 'referralForm' }, [UP1]);
			expect(error).toBeUndefined();
			expect(Object.keys(outputs[0][0].binary!)).toEqual(['referral_html']);
			expect((outputs[0][0].json.reports as IDataObject).referralForm).toMatchObject({ pdf: 'skipped: Chromium not found (set SMD_CHROMIUM_PATH)' });
			// The PDF alone was asked for: the HTML instead, so the form can still be printed.
			const pdfOnly = await report({ report: 'referralForm', referralFormFormats: ['pdf'] }, [UP1]);
			expect(Object.keys(pdfOnly.outputs[0][0].binary!)).toEqual(['referral_html']);
		} finally {
			delete process.env.SMD_CHROMIUM_PATH;
		}
	});
});
