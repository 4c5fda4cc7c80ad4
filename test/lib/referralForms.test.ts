/**
 * The referral forms (lib/referralForms.ts): the 双向转诊单 (存根 + 转出 or 回转 form) and the 出院信息单,
 * as HTML and as PDF through Chromium. Every person and institution is invented (测试甲…, 示例县); the
 * ID number is generated with a valid check character under prefecture code 4399, which GB/T 2260
 * assigns to no area. The PDF test needs Chromium and poppler-utils (pdfinfo, pdftotext), installed
 * on CI: without them it fails, it is not skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatIsoDay } from '../../lib/dates';
import { SmdInputError } from '../../lib/errors';
import { idCheckChar } from '../../lib/idNumber';
import { chromiumAvailable, htmlToPdf, pdfPageCount } from '../../lib/pdf';
import {
	ageAt,
	dischargeFormModel,
	localDayAndTime,
	parseReferralPair,
	referralFormFiles,
	referralFormModel,
	renderDischargeFormHtml,
	renderDischargeFormsHtml,
	renderReferralFormHtml,
	renderReferralFormsHtml,
} from '../../lib/referralForms';
import { REFERRAL_REASONS, type Referral, type ReferralPatient } from '../../lib/referrals';

const ID17 = '43990119850612123';
const ID = ID17 + idCheckChar(ID17);

const PATIENT: ReferralPatient = {
	patientNo: 'P0001',
	name: '测试甲',
	sex: 'male',
	birthDate: '1985-06-12',
	idNumber: ID,
	address: '示例县示例镇测试村1组8号',
	township: '示例镇',
	diagnosis: '精神分裂症',
	guardian: '测试乙',
	guardianPhone: '13800000000',
};

/** 04:00 UTC: 29 November in every time zone from UTC−4 to UTC+19, so the day is the same wherever the test runs. */
const CREATED = '2026-11-29T04:00:00.000Z';

const UP: Referral = {
	referralNo: 'ZZ20261129-0001',
	patientNo: 'P0001',
	direction: 'up',
	fromInstitution: '示例镇卫生院',
	toInstitution: '示例县精神卫生中心',
	reasons: ['acute_episode', 'violence_self_harm'],
	urgency: 'urgent',
	consentBy: 'guardian',
	consentAt: '2026-11-29 09:30',
	followUpDate: '2026-11-29',
	emergencyRef: null,
	status: 'sent',
	createdAt: CREATED,
	createdOn: '2026-11-29',
	sentAt: CREATED,
	acceptedAt: null,
	completedAt: null,
	rejectedAt: null,
	cancelledAt: null,
	statusNote: null,
	dischargeDate: null,
	dischargeInfoDue: null,
	dischargeInfoSentAt: null,
	communityVisitDue: null,
	communityVisitDate: null,
	responseDue: '2026-11-30',
	clinical: {
		impression: '精神分裂症急性发作',
		presentIllness: '近两周凭空闻声，夜眠差，在家打砸物品。',
		pastHistory: '2015年诊断精神分裂症，规律服药至今年8月。',
		treatment: '利培酮 2mg/日，效果不佳。',
		department: '精神科',
		doctor: '测试丙',
		doctorPhone: '0000-1234567',
	},
	agreementWarning: null,
	agreementNo: 'XY2026-01',
};

const RETURN: Referral = {
	...UP,
	referralNo: 'ZZ20261215-0002',
	direction: 'return',
	fromInstitution: '示例县精神卫生中心',
	toInstitution: '示例镇卫生院',
	reasons: ['stable_return'],
	urgency: 'routine',
	createdAt: '2026-12-15T04:00:00.000Z',
	createdOn: '2026-12-15',
	dischargeDate: '2026-12-14',
	dischargeInfoDue: '2026-12-28',
	communityVisitDue: '2026-12-28',
	responseDue: null,
	clinical: {
		impression: '精神分裂症（偏执型）',
		examinations: '血常规、肝功能未见异常。',
		treatment: '住院治疗两周，幻听消失。',
		plan: '继续利培酮 4mg/日，两周内社区随访。',
		inpatientNo: 'ZY2026-1234',
		admissionDate: '2026-11-30',
		dischargeDiagnosis: '精神分裂症（偏执型）F20.0',
		medications: '利培酮片 2mg 每日2次',
		doctor: '测试丁',
		doctorPhone: '0000-7654321',
	},
};

/** A blank of the form: the value on an underline, or the underline alone. */
const blank = (width: string, value = '') => `<span class="u ${width}">${value}</span>`;
const dateBlanks = (y: string, m: string, d: string) => `${blank('w-y', y)}年${blank('w-md', m)}月${blank('w-md', d)}日`;

const LONG = '长'.repeat(10_000);
const LONG_TEXT = '病'.repeat(10_000);

/** The error a function throws. */
function thrown(f: () => unknown): SmdInputError {
	try {
		f();
	} catch (e) {
		return e as SmdInputError;
	}
	throw new Error('did not throw');
}

describe('双向转诊单', () => {
	test('upward: 存根 and 双向转诊（转出）单 with the referral’s values, age at the referral’s day, the cut line between', () => {
		const html = renderReferralFormHtml(UP, PATIENT, { county: '示例县' });
		expect(html).toMatch(/^\s*<!DOCTYPE html>/);
		expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
		expect(html).toContain('size: A4 portrait');
		expect(html).toContain('@page');
		expect(html).toContain('示例县 · 严重精神障碍患者双向转诊');
		expect(html).toContain('转诊单号：ZZ20261129-0001');
		// The stub.
		const [stub, form] = html.split('<div class="cut">');
		expect(stub).toContain('<h2>存根</h2>');
		expect(stub).toContain(`患者姓名${blank('w-name', '测试甲')}性别${blank('w-sex', '男')}年龄${blank('w-age', '41')}档案编号${blank('w-no', 'P0001')}`);
		expect(stub).toContain(`家庭住址${blank('w-addr', '示例县示例镇测试村1组8号')}`);
		expect(stub).toContain(`联系电话${blank('w-phone', '13800000000')}`);
		expect(stub).toContain(`于${dateBlanks('2026', '11', '29')}因病情需要，转入${blank('w-inst', '示例县精神卫生中心')}<span class="nw">单位`);
		expect(stub).toContain(`${blank('w-dept', '精神科')}科室`);
		expect(stub).toContain(`${blank('w-doc')}接诊医生。`);
		expect(stub).toContain(`转诊医生（签字）：${blank('w-doc', '测试丙')}`);
		expect(stub).not.toContain('住院病案号');
		// The form.
		expect(form).toContain('（沿虚线剪开）');
		expect(form).toContain('<h1>双向转诊（转出）单</h1>');
		expect(form).toContain(`${blank('w-inst', '示例县精神卫生中心')}（机构名称）：`);
		expect(form).toContain(`现有患者${blank('w-name', '测试甲')}性别${blank('w-sex', '男')}年龄${blank('w-age', '41')}因病情需要，需转入贵单位，请予以接诊。`);
		expect(form).toContain('<b>初步印象：</b><div class="text">精神分裂症急性发作</div>');
		expect(form).toContain('<b>主要现病史（转出原因）：</b><div class="text">近两周凭空闻声，夜眠差，在家打砸物品。</div>');
		expect(form).toContain('<b>主要既往史：</b><div class="text">2015年诊断精神分裂症，规律服药至今年8月。</div>');
		expect(form).toContain('<b>治疗经过：</b><div class="text">利培酮 2mg/日，效果不佳。</div>');
		expect(form).toContain(`转诊医生（签字）：${blank('w-doc', '测试丙')}`);
		expect(form).toContain(`联系电话：${blank('w-phone', '0000-1234567')}`);
		expect(form).toContain(`${blank('w-inst', '示例镇卫生院')}（机构名称）`);
		expect(form).toContain(dateBlanks('2026', '11', '29'));
		// Urgency, reasons (labels), consent with a line for the signature, the agreement.
		expect(form).toContain('<span class="u w-dept urgent">紧急</span>');
		expect(form).toContain(`转诊原因：${blank('w-long', `${REFERRAL_REASONS.acute_episode}；${REFERRAL_REASONS.violence_self_harm}`)}`);
		expect(form).toContain(`知情同意：${blank('w-name', '监护人')}同意时间：${blank('w-no', '2026-11-29 09:30')}患者/监护人签字：${blank('w-doc')}`);
		expect(form).toContain('转诊协议书编号：XY2026-01');
		expect(html).not.toContain('未找到有效的双向转诊协议书');
		expect(html).not.toContain('回转');
		expect(html.match(/<section/g)).toHaveLength(1);
		expect(html).not.toMatch(/https?:\/\//);
	});

	test('return: 存根 and 双向转诊（回转）单 with the diagnosis, 住院病案号, examinations, treatment and plan', () => {
		const html = renderReferralFormHtml(RETURN, PATIENT, { county: '示例县' });
		const [stub, form] = html.split('<div class="cut">');
		expect(stub).toContain(`档案编号${blank('w-no', 'P0001')}<span class="nw">住院病案号${blank('w-no', 'ZY2026-1234')}</span>`);
		expect(stub).toContain(`于${dateBlanks('2026', '12', '15')}因病情需要，转回${blank('w-inst', '示例镇卫生院')}单位`);
		expect(form).toContain('<h1>双向转诊（回转）单</h1>');
		expect(form).toContain(`${blank('w-inst', '示例镇卫生院')}（机构名称）：`);
		expect(form).toContain(`现有患者${blank('w-name', '测试甲')}因病情需要，现转回贵单位，请予以接诊。`);
		expect(form).toContain(`诊断结果${blank('w-long', '精神分裂症（偏执型）')}住院病案号${blank('w-no', 'ZY2026-1234')}`);
		expect(form).toContain('<b>主要检查结果：</b><div class="text">血常规、肝功能未见异常。</div>');
		expect(form).toContain('<b>治疗经过、下一步治疗方案及康复建议：</b><div class="text tall">住院治疗两周，幻听消失。\n继续利培酮 4mg/日，两周内社区随访。</div>');
		expect(form).toContain(`转诊医生（签字）：${blank('w-doc', '测试丁')}`);
		expect(form).toContain(`${blank('w-inst', '示例县精神卫生中心')}（机构名称）`);
		expect(form).toContain(`<span class="u w-dept">普通</span>转诊原因：${blank('w-long', REFERRAL_REASONS.stable_return)}`);
		expect(html).not.toContain('初步印象');
		expect(html).not.toContain('转出');
	});

	test('age: full years at the referral’s day; from a valid ID number when the birth date is missing; blank when unknown', () => {
		expect(ageAt('1985-06-12', '2026-06-11')).toBe(40);
		expect(ageAt('1985-06-12', '2026-06-12')).toBe(41);
		expect(ageAt('2000-02-29', '2026-02-28')).toBe(25);
		expect(ageAt('2000-02-29', '2026-03-01')).toBe(26);
		expect(ageAt('2027-01-01', '2026-11-29')).toBeNull();
		expect(ageAt(null, '2026-11-29')).toBeNull();
		expect(referralFormModel({ ...UP, createdAt: '2026-06-11T04:00:00.000Z', createdOn: '2026-06-11' }, PATIENT).age).toBe('40');
		const fromId = referralFormModel(UP, { ...PATIENT, birthDate: null, sex: null });
		expect([fromId.age, fromId.sex]).toEqual(['41', '男']);
		const unknown = referralFormModel(UP, { ...PATIENT, birthDate: null, sex: null, idNumber: null });
		expect([unknown.age, unknown.sex]).toEqual(['', '']);
		expect(renderReferralFormHtml(UP, { ...PATIENT, birthDate: null, sex: null, idNumber: null })).toContain(`性别${blank('w-sex')}年龄${blank('w-age')}`);
		expect(referralFormModel(UP, { ...PATIENT, sex: 'female' }).sex).toBe('女');
	});

	test('the referral’s day and times are read as the registry reckons them (local time of a stored ISO time)', () => {
		expect(localDayAndTime('2026-11-29')).toEqual({ day: '2026-11-29', time: null });
		expect(localDayAndTime('2026-11-29 09:12')).toEqual({ day: '2026-11-29', time: '09:12' });
		const stamp = '2026-11-28T17:30:00.000Z';
		const local = new Date(stamp);
		expect(localDayAndTime(stamp)).toEqual({ day: formatIsoDay(local), time: `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}` });
		expect(localDayAndTime('2026-02-30')).toBeNull();
		expect(localDayAndTime('soon')).toBeNull();
	});

	test('empty fields print as blank lines to write on; consent pending prints 待签署 with no time', () => {
		const bare: Referral = {
			...UP,
			reasons: [],
			consentBy: 'pending',
			consentAt: null,
			agreementNo: null,
			clinical: {},
		};
		const html = renderReferralFormHtml(bare, { ...PATIENT, address: null, guardianPhone: null });
		expect(html).toContain(`家庭住址${blank('w-addr')}`);
		expect(html).toContain(`联系电话${blank('w-phone')}</span>`);
		expect(html).toContain(`${blank('w-dept')}科室`);
		expect(html.match(/<div class="text"><\/div>/g)).toHaveLength(4);
		expect(html).toContain(`转诊医生（签字）：${blank('w-doc')}`);
		expect(html).toContain(`联系电话：${blank('w-phone')}`);
		expect(html).toContain(`转诊原因：${blank('w-long')}`);
		expect(html).toContain(`知情同意：${blank('w-name', '待签署')}同意时间：${blank('w-no')}`);
		expect(html).not.toContain('转诊协议书编号');
		// A referral day that cannot be read leaves the date blanks empty (an item from elsewhere, without createdOn).
		const model = referralFormModel({ ...UP, createdAt: '2026-13-01', createdOn: null } as unknown as Referral, PATIENT);
		expect(model.day).toEqual({ y: '', m: '', d: '' });
		expect(model.age).toBe('');
	});

	test('no valid 协议书: a visible warning on the form; a cancelled referral says so across the form', () => {
		const warning = 'no valid referral agreement (协议书) between 示例镇卫生院 and 示例县精神卫生中心 on 2026-11-29 / 双方无有效转诊协议';
		const html = renderReferralFormHtml({ ...UP, agreementWarning: warning, agreementNo: null }, PATIENT);
		expect(html).toContain(`<div class="warn-box">未找到有效的双向转诊协议书：${warning}</div>`);
		const cancelled = renderReferralFormHtml({ ...UP, status: 'cancelled', statusNote: '家属改为自行送诊' }, PATIENT);
		expect(cancelled).toContain('<div class="warn-box">本转诊单已撤销，不得据此转诊（家属改为自行送诊）</div>');
	});

	test('several referrals in one document: one per page, in order; an empty list says so', () => {
		const html = renderReferralFormsHtml(
			[
				{ referral: UP, patient: PATIENT },
				{ referral: RETURN, patient: PATIENT },
				{ referral: { ...UP, referralNo: 'ZZ20261129-0003' }, patient: PATIENT },
			],
			{ county: '示例县' },
		);
		expect(html.match(/<section/g)).toHaveLength(3);
		expect(html.match(/<section class="form [a-z]+ page">/g)).toHaveLength(2);
		expect(html.match(/<!DOCTYPE html>/g)).toHaveLength(1);
		const numbers = [...html.matchAll(/转诊单号：([\w-]+)/g)].map((m) => m[1]);
		expect(numbers).toEqual(['ZZ20261129-0001', 'ZZ20261215-0002', 'ZZ20261129-0003']);
		expect(html).toContain('<title>示例县双向转诊单（3 份）</title>');
		expect(renderReferralFormsHtml([], { county: '示例县' })).toContain('示例县：无转诊单。');
		// A wrong entry is named by its place in the list.
		const e = thrown(() => renderReferralFormsHtml([{ referral: UP, patient: PATIENT }, { referral: { ...UP, direction: 'sideways' } as never, patient: PATIENT }]));
		expect(e.field).toBe('1.referral.direction');
	});

	test('hostile values are escaped, never evaluated; single-line fields are cut, clinical text is kept whole', () => {
		const hostile = ['<script>alert(1)</script>', '</style><script>alert(2)</script>', '{{x}}', '{{#each forms}}X{{/each}}', '"引号" & \'单引号\''];
		for (const value of hostile) {
			const referral: Referral = {
				...UP,
				referralNo: value,
				fromInstitution: value,
				toInstitution: value,
				statusNote: value,
				status: 'rejected',
				agreementWarning: value,
				agreementNo: value,
				clinical: { impression: value, presentIllness: value, pastHistory: value, treatment: value, department: value, doctor: value, doctorPhone: value },
			};
			const patient: ReferralPatient = { ...PATIENT, name: value, address: value, guardianPhone: value };
			for (const html of [
				renderReferralFormHtml(referral, patient, { county: value }),
				renderReferralFormHtml({ ...referral, direction: 'return' }, patient, { county: value }),
				renderDischargeFormHtml({ ...referral, direction: 'return', clinical: { ...referral.clinical, medications: value, plan: value, dischargeDiagnosis: value } }, { ...patient, guardian: value }, { county: value }),
			]) {
				expect(html).not.toMatch(/<script/i);
				expect(html.match(/<\/style>/g)).toHaveLength(1);
				expect(html.match(/<style>/g)).toHaveLength(1);
				expect(html).not.toContain('"引号"');
				expect(html).not.toContain('[object Object]');
			}
			if (value.startsWith('{{')) expect(renderReferralFormHtml(referral, patient)).toContain(value);
		}
		expect(renderReferralFormHtml({ ...UP, toInstitution: '<script>alert(1)</script>' }, PATIENT)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		// 10,000 characters: a name, an address, an institution are cut with "…"; the clinical text is printed in full.
		const long = renderReferralFormHtml(
			{ ...UP, toInstitution: LONG, clinical: { ...UP.clinical, presentIllness: LONG_TEXT } },
			{ ...PATIENT, name: LONG, address: LONG },
			{ county: LONG },
		);
		expect(long).not.toContain(LONG.slice(0, 200));
		expect(long).toContain(blank('w-name', `${'长'.repeat(29)}…`));
		expect(long).toContain(LONG_TEXT);
		const discharge = renderDischargeFormHtml({ ...RETURN, clinical: { ...RETURN.clinical, medications: LONG_TEXT } }, { ...PATIENT, idNumber: LONG });
		expect(discharge).toContain(LONG_TEXT);
		expect(discharge).not.toContain(LONG.slice(0, 200));
	});

	test('a missing or wrong referral or patient names the field, never the value', () => {
		const cases: Array<[unknown, unknown, string]> = [
			[undefined, PATIENT, 'referral'],
			['ZZ20261129-0001', PATIENT, 'referral'],
			[{ ...UP, referralNo: undefined }, PATIENT, 'referral.referralNo'],
			[{ ...UP, referralNo: '  ' }, PATIENT, 'referral.referralNo'],
			[{ ...UP, direction: 'secret-value' }, PATIENT, 'referral.direction'],
			[{ ...UP, reasons: ['secret-value'] }, PATIENT, 'referral.reasons.0'],
			[{ ...UP, createdAt: 'secret-value' }, PATIENT, 'referral.createdAt'],
			[{ ...UP, clinical: { admissionDate: 'secret-value' } }, PATIENT, 'referral.clinical.admissionDate'],
			[UP, null, 'patient'],
			[UP, { ...PATIENT, name: undefined }, 'patient.name'],
			[UP, { ...PATIENT, birthDate: 'secret-value' }, 'patient.birthDate'],
			[UP, { ...PATIENT, patientNo: 'P9999' }, 'patient.patientNo'],
		];
		for (const [referral, patient, field] of cases) {
			const e = thrown(() => renderReferralFormHtml(referral as Referral, patient as ReferralPatient));
			expect(e).toBeInstanceOf(SmdInputError);
			expect(e.field).toBe(field);
			expect(e.message.startsWith(field)).toBe(true);
			expect(e.message).not.toContain('secret-value');
			expect(e.message).not.toContain('P9999');
		}
		// The names of the item fields they came from.
		expect(thrown(() => parseReferralPair({ ...UP, direction: 'x' }, PATIENT, { referral: 'data.ref', patient: 'pt' })).field).toBe('data.ref.direction');
	});
});

describe('出院信息单', () => {
	test('every field of the form with the return’s values; the deadlines; signature, stamp and date blanks', () => {
		const html = renderDischargeFormHtml(RETURN, PATIENT, { county: '示例县' });
		expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
		expect(html).toContain('<h1>严重精神障碍患者出院信息单</h1>');
		expect(html).toContain('示例县 · 严重精神障碍患者管理');
		expect(html).toContain('转诊单号：ZZ20261215-0002');
		expect(html).toContain(`送达：${blank('w-inst', '示例镇卫生院')}`);
		const cells: Array<[string, string]> = [
			['患者姓名', '测试甲'],
			['性别', '男'],
			['出生日期', '1985-06-12'],
			['身份证号', ID],
			['患者编号', 'P0001'],
			['现住址', '示例县示例镇测试村1组8号'],
			['监护人及电话', '测试乙 13800000000'],
			['住院病案号', 'ZY2026-1234'],
			['入院日期', '2026-11-30'],
			['出院日期', '2026-12-14'],
			['出院诊断', '精神分裂症（偏执型）F20.0'],
			['住院治疗情况', '住院治疗两周，幻听消失。'],
			['出院时用药', '利培酮片 2mg 每日2次'],
			['下一步治疗方案及康复建议', '继续利培酮 4mg/日，两周内社区随访。'],
			['出院信息应送达日期', '2026-12-28'],
			['社区随访应完成日期', '2026-12-28'],
		];
		for (const [label, value] of cells) expect(html).toMatch(new RegExp(`<th>${label}</th><td[^>]*>${value.replace(/[()（）.]/g, '\\$&')}</td>`));
		expect(html).toContain(`主治医生（签字）：${blank('w-doc', '测试丁')}`);
		expect(html).toContain(`医疗机构（盖章）：${blank('w-inst', '示例县精神卫生中心')}`);
		expect(html).toContain(`填表日期：${dateBlanks('', '', '')}`);
		expect(html).toContain('10个工作日内');
		expect(renderDischargeFormHtml(RETURN, PATIENT, { filledOn: '2026-12-16' })).toContain(`填表日期：${dateBlanks('2026', '12', '16')}`);
		expect(thrown(() => renderDischargeFormHtml(RETURN, PATIENT, { filledOn: '16/12/2026' })).field).toBe('filledOn');
	});

	test('empty fields are empty cells; the discharge diagnosis falls back to the impression', () => {
		const model = dischargeFormModel({ ...RETURN, dischargeInfoDue: null, communityVisitDue: null, clinical: { impression: '精神分裂症' } }, { ...PATIENT, guardian: null, guardianPhone: null });
		expect(model).toMatchObject({ dischargeDiagnosis: '精神分裂症', treatment: '', medications: '', plan: '', guardian: '', dischargeInfoDue: '', communityVisitDue: '', doctor: '' });
		const html = renderDischargeFormHtml({ ...RETURN, clinical: {} }, PATIENT);
		expect(html).toContain('<th>住院治疗情况</th><td colspan="5" class="block"></td>');
		expect(html).toContain('<th>出院时用药</th><td colspan="5" class="block"></td>');
		expect(html).toContain(`主治医生（签字）：${blank('w-doc')}`);
	});

	test('refused for an upward referral, naming the field direction', () => {
		const e = thrown(() => renderDischargeFormHtml(UP, PATIENT));
		expect(e).toBeInstanceOf(SmdInputError);
		expect(e.field).toBe('direction');
		expect(e.message).toMatch(/^direction must be return/);
		expect(thrown(() => renderDischargeFormsHtml([{ referral: RETURN, patient: PATIENT }, { referral: UP, patient: PATIENT }])).field).toBe('1.direction');
		const two = renderDischargeFormsHtml([{ referral: RETURN, patient: PATIENT }, { referral: { ...RETURN, referralNo: 'ZZ20261215-0003' }, patient: PATIENT }], { county: '示例县' });
		expect(two.match(/<section/g)).toHaveLength(2);
		expect(two).toContain('<title>示例县严重精神障碍患者出院信息单（2 份）</title>');
	});
});

describe('files and PDF', () => {
	test('file names carry the referral number; the formats asked for; without Chromium the PDF is said to be skipped', async () => {
		const off = await referralFormFiles('referralForm', UP, PATIENT, { formats: ['html'] });
		expect(off.files.map((f) => [f.kind, f.fileName, f.mimeType])).toEqual([['html', '双向转诊单_ZZ20261129-0001.html', 'text/html']]);
		expect(off.pdf).toBe('off');
		expect(off.referralNo).toBe('ZZ20261129-0001');
		const skipped = await referralFormFiles('dischargeForm', RETURN, PATIENT, { pdfOptions: { chromiumPath: '/nonexistent/chromium' } });
		expect(skipped.files.map((f) => f.fileName)).toEqual(['出院信息单_ZZ20261215-0002.html']);
		expect(skipped.pdf).toBe('skipped: Chromium not found (set SMD_CHROMIUM_PATH)');
		// PDF alone and no Chromium: the HTML instead, so the form can still be printed.
		const pdfOnly = await referralFormFiles('dischargeForm', RETURN, PATIENT, { formats: ['pdf'], pdfOptions: { chromiumPath: '/nonexistent/chromium' } });
		expect(pdfOnly.files.map((f) => f.kind)).toEqual(['html']);
		expect(pdfOnly.pdf).toBe('skipped: Chromium not found (set SMD_CHROMIUM_PATH)');
		// A number that is no file name is made safe.
		const odd = await referralFormFiles('referralForm', { ...UP, referralNo: '../ZZ/1' }, PATIENT, { formats: ['html'] });
		expect(odd.files[0].fileName).toMatch(/^双向转诊单_[^/\\]+\.html$/);
		expect(odd.files[0].fileName).not.toContain('..');
	});

	test('PDF through Chromium: one A4 page per referral, the titles and values in the text (pdfinfo, pdftotext)', async () => {
		if (!chromiumAvailable()) {
			throw new Error('Chromium is needed for this test and was not found: install it (apt-get install chromium) or set SMD_CHROMIUM_PATH');
		}
		const dir = mkdtempSync(path.join(tmpdir(), 'smd-referral-pdf-'));
		const info = (pdf: Buffer, name: string) => {
			const file = path.join(dir, `${name}.pdf`);
			writeFileSync(file, pdf);
			const meta = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
			return {
				pages: Number(/^Pages:\s+(\d+)/m.exec(meta)![1]),
				size: /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(meta)!.slice(1).map(Number),
				text: execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }),
			};
		};
		try {
			const started = Date.now();
			const files = await referralFormFiles('referralForm', UP, PATIENT, { county: '示例县' });
			const pdf = files.files.find((f) => f.kind === 'pdf')!;
			expect(files.pdf).toBe('rendered');
			expect(pdf.fileName).toBe('双向转诊单_ZZ20261129-0001.pdf');
			const one = info(pdf.data, 'one');
			// A4 portrait: 595 × 842 points.
			expect(one.size[0]).toBeCloseTo(595, 0);
			expect(one.size[1]).toBeCloseTo(842, 0);
			expect(one.pages).toBe(1);
			expect(pdfPageCount(pdf.data)).toBe(1);
			for (const text of ['双向转诊（转出）单', '存根', '测试甲', '示例县精神卫生中心', '初步印象', '沿虚线剪开', 'ZZ20261129-0001']) expect(one.text).toContain(text);

			const day = info(await htmlToPdf(renderReferralFormsHtml([{ referral: UP, patient: PATIENT }, { referral: RETURN, patient: PATIENT }], { county: '示例县' })), 'day');
			expect(day.pages).toBe(2);
			const pages = day.text.split('\f');
			expect(pages[0]).toContain('双向转诊（转出）单');
			expect(pages[1]).toContain('双向转诊（回转）单');
			expect(pages[1]).toContain('ZY2026-1234');

			const discharge = await referralFormFiles('dischargeForm', RETURN, PATIENT, { county: '示例县' });
			const d = info(discharge.files.find((f) => f.kind === 'pdf')!.data, 'discharge');
			expect(d.pages).toBe(1);
			for (const text of ['严重精神障碍患者出院信息单', '出院时用药', '2026-12-28', ID]) expect(d.text).toContain(text);

			// 10,000 characters of clinical text flow onto further pages; nothing is lost or breaks the conversion.
			const long = info(await htmlToPdf(renderReferralFormHtml({ ...UP, clinical: { ...UP.clinical, presentIllness: LONG_TEXT } }, PATIENT)), 'long');
			expect(long.pages).toBeGreaterThan(1);
			expect((long.text.match(/病/g) ?? []).length).toBeGreaterThanOrEqual(10_000);
			console.log(`referral forms: 4 PDFs in ${Date.now() - started} ms`);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
