/**
 * The printed outputs of emergency response: the 应急处置记录单 (lib/emergencyForms.ts) and the
 * holiday / major-event watch list 重点管控名单 (lib/watchListReports.ts), as HTML, PDF and XLSX.
 * Every person and place is invented (测试甲…, 示例县); the ID number is generated with a valid check
 * character under prefecture code 4399, which GB/T 2260 assigns to no area. The PDF test needs
 * Chromium and poppler-utils (pdfinfo, pdftotext), as the referral forms' test does: without them it
 * fails, it is not skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { DISPOSITIONS, EMERGENCY_MEASURES, EMERGENCY_ROLES } from '../../lib/emergencies';
import {
	emergencyRecordFiles,
	emergencyRecordModel,
	parseEmergencyRecordItem,
	renderEmergencyRecordHtml,
	renderEmergencyRecordsHtml,
	type EmergencyRecordItemInput,
} from '../../lib/emergencyForms';
import { SmdInputError } from '../../lib/errors';
import { idCheckChar } from '../../lib/idNumber';
import { chromiumAvailable, pdfPageCount } from '../../lib/pdf';
import type { ReferralPatient } from '../../lib/referrals';
import type { EmergencyDetails, EmergencyEvent, EmergencyStep, TownshipWatchList } from '../../lib/registry/emergencies';
import { EMERGENCY_TRIGGERS } from '../../lib/vocabulary';
import { parseWatchListItem, renderWatchListHtml, watchListFiles, watchListModel, watchListXlsx, WATCH_LIST_COLUMNS } from '../../lib/watchListReports';

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

/** 06:03 UTC = 14:03 in Asia/Shanghai. */
const REPORTED = '2026-11-29T06:03:00.000Z';

const step = (seq: number, over: Partial<EmergencyStep>): EmergencyStep => ({
	seq,
	role: 'township_staff',
	roleLabel: EMERGENCY_ROLES.township_staff,
	kind: 'opened',
	person: null,
	needsAck: true,
	note: null,
	notifiedAt: REPORTED,
	ackDue: '2026-11-29T06:18:00.000Z',
	acknowledgedAt: null,
	acknowledgedBy: null,
	escalatedAt: null,
	escalatedTo: null,
	...over,
});

const EVENT: EmergencyEvent = {
	eventNo: 'YJ20261129-0001',
	status: 'disposed',
	township: '示例镇',
	channel: 'police_110',
	reportedAt: REPORTED,
	reportedOn: '2026-11-29',
	occurredAt: '2026-11-29T05:40:00.000Z',
	triggers: ['relapse', 'harm_to_others'],
	riskLevel: 4,
	publicSafety: true,
	incident: true,
	major: false,
	matchState: 'linked',
	patientNo: 'P0001',
	candidates: [],
	disposition: 'admission',
	dispositionAt: '2026-11-29T08:30:00.000Z',
	dispositionBy: '测试丙',
	recordDue: '2026-11-30T06:03:00.000Z',
	recordFiledAt: '2026-11-30T01:00:00.000Z',
	followUpDue: '2026-12-13',
	followUpDate: null,
	review: null,
	closedAt: null,
	statusNote: null,
	steps: [
		step(1, { person: '测试丁', acknowledgedAt: '2026-11-29T06:10:00.000Z', acknowledgedBy: '测试丁' }),
		step(2, { role: 'psychiatrist', roleLabel: EMERGENCY_ROLES.psychiatrist, person: '测试丙', escalatedAt: '2026-11-29T06:18:00.000Z', escalatedTo: 5 }),
		step(3, { role: 'police', roleLabel: EMERGENCY_ROLES.police, person: '测试戊', acknowledgedAt: '2026-11-29T06:08:00.000Z' }),
		step(4, { role: 'zongzhi', roleLabel: EMERGENCY_ROLES.zongzhi, needsAck: false, ackDue: null }),
		step(5, { role: 'county_office', roleLabel: EMERGENCY_ROLES.county_office, kind: 'escalation', person: '测试己', notifiedAt: '2026-11-29T06:18:00.000Z', acknowledgedAt: '2026-11-29T06:25:00.000Z' }),
	],
};

const DETAILS: EmergencyDetails = {
	place: '示例镇测试村村委会门口',
	description: '家属报告患者持木棍追打邻居，已被村民隔开。',
	reporter: { role: '家属', name: '测试乙', phone: '13800000000' },
	person: {},
	record: {
		measures: ['crisis_intervention', 'injection', 'police_control', 'escort'],
		participants: ['township_staff', 'psychiatrist', 'police'],
		summary: '14:20到达现场，患者情绪激动，言语威胁。公安控制后予氟哌啶醇5mg肌注，约20分钟后安静，护送至县精神卫生中心住院。',
		medication: '氟哌啶醇注射液 5mg 肌注 1次',
		doctor: '测试丙',
		doctorPhone: '0000-1234567',
		filedBy: '测试丙',
	},
	dispositionNote: '送县精神卫生中心住院',
};

const ITEM: EmergencyRecordItemInput = { event: EVENT, details: DETAILS, patient: PATIENT };

/** A printed checkbox as the template writes it. */
const box = (label: string, checked: boolean) => `<span class="opt"><span class="box">${checked ? '☑' : '☐'}</span>${label}</span>`;

const LONG = '长'.repeat(10_000);

function thrown(f: () => unknown): SmdInputError {
	try {
		f();
	} catch (e) {
		return e as SmdInputError;
	}
	throw new Error('did not throw');
}

async function thrownAsync(f: () => Promise<unknown>): Promise<SmdInputError> {
	try {
		await f();
	} catch (e) {
		return e as SmdInputError;
	}
	throw new Error('did not throw');
}

describe('应急处置记录单', () => {
	test('the model: the patient from the registry, times in Beijing time, labels of the vocabularies, the record filed in time', () => {
		const m = emergencyRecordModel(ITEM, { county: '示例县' });
		expect(m).toMatchObject({
			county: '示例县',
			eventNo: 'YJ20261129-0001',
			status: '已处置',
			statusWarning: '',
			subject: '在册患者',
			identityNote: '',
			fromRegistry: true,
			patientNo: 'P0001',
			name: '测试甲',
			sex: '男',
			age: '41',
			idNumber: ID,
			address: '示例县示例镇测试村1组8号',
			guardian: '测试乙 13800000000',
			township: '示例镇',
			reportedAt: '2026-11-29 14:03',
			channel: '公安110指挥中心',
			reporter: '家属 测试乙 13800000000',
			occurredAt: '2026-11-29 13:40',
			place: '示例镇测试村村委会门口',
			riskLevel: 4,
			triggers: `${EMERGENCY_TRIGGERS.relapse}、${EMERGENCY_TRIGGERS.harm_to_others}`,
			incident: true,
			publicSafety: true,
			major: false,
			dispositionAt: '2026-11-29 16:30',
			dispositionNote: '送县精神卫生中心住院',
			medication: '氟哌啶醇注射液 5mg 肌注 1次',
			doctor: '测试丙',
			doctorPhone: '0000-1234567',
			filed: true,
			filedAt: '2026-11-30 09:00',
			recordDue: '2026-11-30 14:03',
			recordHours: 24,
			late: false,
			timeliness: '按时（24小时内）',
			unfiledBanner: '',
			copyTo: '县级精防机构、接收部门、存档',
			zone: '北京时间',
		});
		expect(m.subjectBoxes).toEqual([
			{ label: '在册患者', checked: true },
			{ label: '疑似患者', checked: false },
			{ label: '身份未明', checked: false },
		]);
		expect(m.riskBoxes.filter((b) => b.checked).map((b) => b.label)).toEqual(['4级']);
		expect(m.measureBoxes.filter((b) => b.checked).map((b) => b.label)).toEqual(['心理危机干预', '注射镇静药物', '公安现场控制', '护送就医']);
		expect(m.measureBoxes).toHaveLength(Object.keys(EMERGENCY_MEASURES).length);
		expect(m.participantBoxes.filter((b) => b.checked).map((b) => b.label)).toEqual([EMERGENCY_ROLES.township_staff, EMERGENCY_ROLES.psychiatrist, EMERGENCY_ROLES.police]);
		expect(m.dispositionBoxes.filter((b) => b.checked).map((b) => b.label)).toEqual([DISPOSITIONS.admission]);
		expect(m.steps).toEqual([
			{ seq: '1', kind: '启动', role: '乡镇精防专干', person: '测试丁', notifiedAt: '11-29 14:03', acknowledgedAt: '11-29 14:10', escalated: '' },
			{ seq: '2', kind: '启动', role: '值班精神科医师', person: '测试丙', notifiedAt: '11-29 14:03', acknowledgedAt: '未确认', escalated: '11-29 14:18 转第5步' },
			{ seq: '3', kind: '启动', role: '公安（辖区派出所）', person: '测试戊', notifiedAt: '11-29 14:03', acknowledgedAt: '11-29 14:08', escalated: '' },
			{ seq: '4', kind: '启动', role: '综治中心', person: '', notifiedAt: '11-29 14:03', acknowledgedAt: '（知会）', escalated: '' },
			{ seq: '5', kind: '升级', role: '县精防办值班人员', person: '测试己', notifiedAt: '11-29 14:18', acknowledgedAt: '11-29 14:25', escalated: '' },
		]);
		expect(m.stepsOmitted).toBe(0);
		// Another time zone moves every time; a wrong one names the option.
		expect(emergencyRecordModel(ITEM, { timeZone: 'UTC' })).toMatchObject({ reportedAt: '2026-11-29 06:03', zone: 'UTC' });
		expect(thrown(() => emergencyRecordModel(ITEM, { timeZone: 'Mars/Olympus' })).field).toBe('timeZone');
	});

	test('the page: one A4 section with every field, checkboxes ticked as recorded, 肇事肇祸 flagged, the chain table, 抄送', () => {
		const html = renderEmergencyRecordHtml(ITEM, { county: '示例县' });
		expect(html).toMatch(/^\s*<!DOCTYPE html>/);
		expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
		expect(html).toContain('size: A4 portrait');
		expect(html).toContain('<title>严重精神障碍患者应急处置记录单 YJ20261129-0001</title>');
		expect(html).toContain('<h1>严重精神障碍患者应急处置记录单</h1>');
		expect(html).toContain('示例县 · 严重精神障碍患者应急处置');
		expect(html).toContain('事件编号：YJ20261129-0001（已处置）');
		expect(html.match(/<section/g)).toHaveLength(1);
		for (const [label, value] of [
			['患者姓名', '测试甲'],
			['性别', '男'],
			['年龄', '41'],
			['身份证号', ID],
			['住址', '示例县示例镇测试村1组8号'],
			['监护人及电话', '测试乙 13800000000'],
			['报告时间', '2026-11-29 14:03'],
			['报告渠道', '公安110指挥中心'],
			['发生时间', '2026-11-29 13:40'],
			['处置地点', '示例镇测试村村委会门口'],
			['乡镇', '示例镇'],
			['处置经过', DETAILS.record!.summary],
			['用药情况', '氟哌啶醇注射液 5mg 肌注 1次'],
			['填报时间', '2026-11-30 09:00'],
			['是否按时', '按时（24小时内）'],
		]) {
			expect(html).toMatch(new RegExp(`<th>${label}</th><td[^>]*>${value.replace(/[()（）.]/g, '\\$&')}</td>`));
		}
		// Every option of each list printed, the recorded ones ticked.
		for (const [code, label] of Object.entries(EMERGENCY_MEASURES)) expect(html).toContain(box(label, DETAILS.record!.measures.includes(code as never)));
		for (const [code, label] of Object.entries(EMERGENCY_ROLES)) expect(html).toContain(box(label, DETAILS.record!.participants.includes(code as never)));
		for (const [code, label] of Object.entries(DISPOSITIONS)) expect(html).toContain(box(label, code === 'admission'));
		for (const [code, label] of Object.entries(EMERGENCY_TRIGGERS)) expect(html).toContain(box(label, EVENT.triggers.includes(code as never)));
		expect(html).toContain(`${box('在册患者', true)}${box('疑似患者', false)}${box('身份未明', false)}`);
		expect(html).toContain(`${box('3级', false)}${box('4级', true)}${box('5级', false)}`);
		expect(html).toContain('<span class="flag">【肇事肇祸】</span>');
		expect(html).toContain('<span class="flag">【危害公共安全】</span>');
		expect(html).not.toContain('【重大事件】');
		// The chain.
		expect(html).toContain('<tr><td>2</td><td>启动</td><td>值班精神科医师</td><td>测试丙</td><td>11-29 14:03</td><td>未确认</td><td>11-29 14:18 转第5步</td></tr>');
		expect(html).toContain('<tr><td>4</td><td>启动</td><td>综治中心</td><td></td><td>11-29 14:03</td><td>（知会）</td><td></td></tr>');
		expect(html).toContain('<tr><td>5</td><td>升级</td><td>县精防办值班人员</td><td>测试己</td><td>11-29 14:18</td><td>11-29 14:25</td><td></td></tr>');
		expect(html).toContain('处置医师（签名）：<span class="u">测试丙</span>');
		expect(html).toContain('联系电话：<span class="u">0000-1234567</span>');
		expect(html).toContain('抄送：县级精防机构、接收部门、存档');
		expect(html).not.toContain('记录单未填报');
		expect(html).not.toContain('逾期');
		expect(html).not.toMatch(/https?:\/\//);
	});

	test('a record filed after its deadline is marked 逾期', () => {
		const late = { ...ITEM, event: { ...EVENT, recordFiledAt: '2026-11-30T08:00:00.000Z' } };
		const m = emergencyRecordModel(late);
		expect(m).toMatchObject({ late: true, filedAt: '2026-11-30 16:00', recordDue: '2026-11-30 14:03', timeliness: '逾期' });
		expect(renderEmergencyRecordHtml(late)).toContain('<th>填报时间</th><td>2026-11-30 16:00</td><th>应填报时间</th><td>2026-11-30 14:03</td><th>是否按时</th><td><span class="late">逾期</span></td>');
		// Filed exactly at the deadline is in time.
		expect(emergencyRecordModel({ ...ITEM, event: { ...EVENT, recordFiledAt: EVENT.recordDue } }).late).toBe(false);
	});

	test('no record filed yet: a banner with the deadline (overdue once past it), the rest of the form still printed', () => {
		const open: EmergencyRecordItemInput = {
			event: { ...EVENT, status: 'handling', disposition: null, dispositionAt: null, recordFiledAt: null },
			details: { ...DETAILS, record: null, dispositionNote: null },
			patient: PATIENT,
		};
		const before = new Date('2026-11-29T10:00:00.000Z');
		const m = emergencyRecordModel(open, { now: before });
		expect(m).toMatchObject({ filed: false, filedAt: '', timeliness: '', late: false, unfiledBanner: '记录单未填报（应于 2026-11-30 14:03 前填报）', summary: '', doctor: '' });
		const html = renderEmergencyRecordHtml(open, { now: before });
		expect(html).toContain('<div class="warn-box unfiled">记录单未填报（应于 2026-11-30 14:03 前填报）</div>');
		for (const label of Object.values(EMERGENCY_MEASURES)) expect(html).toContain(box(label, false));
		for (const label of Object.values(DISPOSITIONS)) expect(html).toContain(box(label, false));
		// The rest is there: the person, the report, the chain.
		for (const text of ['测试甲', ID, '2026-11-29 14:03', '公安110指挥中心', '<td>测试戊</td>', '事件编号：YJ20261129-0001（处置中）']) expect(html).toContain(text);
		expect(html).toContain('处置医师（签名）：<span class="u"></span>');
		const after = emergencyRecordModel(open, { now: new Date('2026-11-30T07:00:00.000Z') });
		expect(after.unfiledBanner).toBe('记录单未填报（应于 2026-11-30 14:03 前填报）：已逾期');
		// A record without its filing time (or the reverse) is not filed either.
		expect(emergencyRecordModel({ ...ITEM, event: { ...EVENT, recordFiledAt: null } }).filed).toBe(false);
	});

	test('a person not linked to the registry: the reported name, sex and age marked 身份未明 or 疑似; blanks when nothing is known', () => {
		const unidentified: EmergencyRecordItemInput = {
			event: { ...EVENT, matchState: 'unidentified', patientNo: null },
			details: { ...DETAILS, person: { name: '测试庚', sex: 'female', age: 35, idNumber: '不打印的号码' } },
			patient: null,
		};
		const m = emergencyRecordModel(unidentified);
		expect(m).toMatchObject({ subject: '身份未明', name: '测试庚', sex: '女', age: '35', identityNote: '身份未明', idNumber: '', address: '', guardian: '', patientNo: '', fromRegistry: false });
		const html = renderEmergencyRecordHtml(unidentified);
		expect(html).toContain('<th>患者姓名</th><td>测试庚<span class="mark">（身份未明）</span></td>');
		expect(html).toContain(`${box('在册患者', false)}${box('疑似患者', false)}${box('身份未明', true)}`);
		expect(html).toContain('<th>身份证号</th><td colspan="5"></td>');
		expect(html).not.toContain('不打印的号码');

		const unsure = emergencyRecordModel({ ...unidentified, event: { ...EVENT, matchState: 'unsure', patientNo: null, candidates: ['P0001', 'P0002'] } });
		expect(unsure).toMatchObject({ subject: '疑似患者', identityNote: '疑似，身份待核实', name: '测试庚' });
		expect(unsure.subjectBoxes.find((b) => b.checked)!.label).toBe('疑似患者');

		const nothing = emergencyRecordModel({ event: { ...EVENT, matchState: 'unidentified', patientNo: null } });
		expect(nothing).toMatchObject({ name: '', sex: '', age: '', identityNote: '', place: '', description: '', summary: '', filed: false });
		expect(renderEmergencyRecordHtml({ event: { ...EVENT, matchState: 'unidentified', patientNo: null } })).toContain('<th>患者姓名</th><td></td>');

		// Linked, but the item carries only the event: the 患者编号, blank lines for the rest.
		const bare = emergencyRecordModel({ event: EVENT, details: DETAILS });
		expect(bare).toMatchObject({ patientNo: 'P0001', name: '', idNumber: '', sex: '', age: '', identityNote: '', subject: '在册患者' });
		// A linked event ignores what the caller said about the person.
		expect(emergencyRecordModel({ event: EVENT, details: { ...DETAILS, person: { name: '测试辛' } } }).name).toBe('');
	});

	test('sex and age from a valid ID number when the registry has none; a cancelled event says so across the form', () => {
		const m = emergencyRecordModel({ ...ITEM, patient: { ...PATIENT, sex: null, birthDate: null } });
		expect([m.sex, m.age]).toEqual(['男', '41']);
		const cancelled = renderEmergencyRecordHtml({ ...ITEM, event: { ...EVENT, status: 'cancelled', statusNote: '重复报告' } });
		expect(cancelled).toContain('<div class="warn-box">本事件已撤销（重复报告），本记录单仅供存档</div>');
		expect(emergencyRecordModel({ ...ITEM, event: { ...EVENT, major: true } }).major).toBe(true);
	});

	test('hostile values are escaped, never evaluated; long texts are cut with “…”; a long chain is cut at 8 rows', () => {
		const hostile = ['<script>alert(1)</script>', '</style><script>alert(2)</script>', '{{x}}', '"引号" & \'单引号\''];
		for (const value of hostile) {
			const item: EmergencyRecordItemInput = {
				event: { ...EVENT, eventNo: value, township: value, statusNote: value, status: 'cancelled', steps: [step(1, { person: value })] },
				details: { ...DETAILS, place: value, description: value, reporter: { name: value, phone: value }, dispositionNote: value, record: { ...DETAILS.record!, summary: value, medication: value, doctor: value, doctorPhone: value, filedBy: value } },
				patient: { ...PATIENT, name: value, address: value, guardian: value, guardianPhone: value, idNumber: value },
			};
			const html = renderEmergencyRecordHtml(item, { county: value });
			expect(html).not.toMatch(/<script/i);
			expect(html.match(/<\/style>/g)).toHaveLength(1);
			expect(html).not.toContain('"引号"');
			expect(html).not.toContain('[object Object]');
			if (value.startsWith('{{')) expect(html).toContain(value);
		}
		expect(renderEmergencyRecordHtml({ ...ITEM, details: { ...DETAILS, place: '<script>alert(1)</script>' } })).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		const long = emergencyRecordModel({
			...ITEM,
			details: { ...DETAILS, place: LONG, description: LONG, record: { ...DETAILS.record!, summary: LONG, medication: LONG, doctor: LONG } },
			patient: { ...PATIENT, name: LONG, address: LONG },
		});
		expect(long.summary).toBe(`${'长'.repeat(299)}…`);
		expect(long.medication).toBe(`${'长'.repeat(89)}…`);
		expect(long.name).toBe(`${'长'.repeat(11)}…`);
		for (const text of [long.place, long.description, long.address, long.doctor]) expect(text.endsWith('…')).toBe(true);
		const many = emergencyRecordModel({ ...ITEM, event: { ...EVENT, steps: Array.from({ length: 15 }, (_, i) => step(i + 1, { person: `测试${i}` })) } });
		expect(many.steps.map((s) => s.seq)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
		expect(many.stepsOmitted).toBe(7);
		expect(renderEmergencyRecordHtml({ ...ITEM, event: { ...EVENT, steps: Array.from({ length: 15 }, (_, i) => step(i + 1, {})) } })).toContain('另有 7 步未列出');
	});

	test('a missing or wrong field is named, never its value; a patient who is not the event’s is refused', () => {
		const cases: Array<[unknown, string]> = [
			[null, 'event'],
			['YJ20261129-0001', 'event'],
			[{ details: DETAILS }, 'event'],
			[{ ...ITEM, event: { ...EVENT, eventNo: undefined } }, 'event.eventNo'],
			[{ ...ITEM, event: { ...EVENT, eventNo: '  ' } }, 'event.eventNo'],
			[{ ...ITEM, event: { ...EVENT, channel: 'secret-value' } }, 'event.channel'],
			[{ ...ITEM, event: { ...EVENT, triggers: ['secret-value'] } }, 'event.triggers.0'],
			[{ ...ITEM, event: { ...EVENT, riskLevel: 9 } }, 'event.riskLevel'],
			[{ ...ITEM, event: { ...EVENT, reportedAt: 'secret-value' } }, 'event.reportedAt'],
			[{ ...ITEM, event: { ...EVENT, recordDue: undefined } }, 'event.recordDue'],
			[{ ...ITEM, event: { ...EVENT, matchState: 'secret-value' } }, 'event.matchState'],
			[{ ...ITEM, event: { ...EVENT, steps: [{ ...EVENT.steps[0], role: 'secret-value' }] } }, 'event.steps.0.role'],
			[{ ...ITEM, details: { ...DETAILS, record: { ...DETAILS.record, measures: ['secret-value'] } } }, 'details.record.measures.0'],
			[{ ...ITEM, details: { ...DETAILS, person: { sex: 'secret-value' } } }, 'details.person.sex'],
			[{ ...ITEM, patient: { ...PATIENT, name: undefined } }, 'patient.name'],
			[{ ...ITEM, patient: { ...PATIENT, birthDate: 'secret-value' } }, 'patient.birthDate'],
			[{ ...ITEM, patient: { ...PATIENT, patientNo: 'P9999' } }, 'patient.patientNo'],
			[{ ...ITEM, event: { ...EVENT, matchState: 'unsure', patientNo: null } }, 'patient.patientNo'],
		];
		for (const [item, field] of cases) {
			const e = thrown(() => parseEmergencyRecordItem(item));
			expect(e).toBeInstanceOf(SmdInputError);
			expect(e.field).toBe(field);
			expect(e.message).toContain(field);
			expect(e.message).not.toContain('secret-value');
			expect(e.message).not.toContain('P9999');
		}
		// In a list, the entry is named by its place.
		const e = thrown(() => renderEmergencyRecordsHtml([ITEM, { ...ITEM, event: { ...EVENT, channel: 'x' } }]));
		expect(e.field).toBe('1.event.channel');
	});

	test('several events in one document: one per page, in order; an empty list says so', () => {
		const second = { ...ITEM, event: { ...EVENT, eventNo: 'YJ20261129-0002' } };
		const html = renderEmergencyRecordsHtml([ITEM, second], { county: '示例县' });
		expect(html.match(/<section/g)).toHaveLength(2);
		expect(html.match(/<section class="form emergency page">/g)).toHaveLength(1);
		expect([...html.matchAll(/事件编号：([\w-]+)/g)].map((m) => m[1])).toEqual(['YJ20261129-0001', 'YJ20261129-0002']);
		expect(html).toContain('<title>示例县严重精神障碍患者应急处置记录单（2 份）</title>');
		expect(renderEmergencyRecordsHtml([], { county: '示例县' })).toContain('示例县：无应急处置记录单。');
	});
});

describe('应急处置记录单 files and PDF', () => {
	test('file names carry the event number; the formats asked for; without Chromium the PDF is said to be skipped', async () => {
		const off = await emergencyRecordFiles(ITEM, { formats: ['html'] });
		expect(off.files.map((f) => [f.kind, f.fileName, f.mimeType])).toEqual([['html', '应急处置记录单_YJ20261129-0001.html', 'text/html']]);
		expect(off.pdf).toBe('off');
		expect(off.eventNos).toEqual(['YJ20261129-0001']);
		const skipped = await emergencyRecordFiles(ITEM, { pdfOptions: { chromiumPath: '/nonexistent/chromium' } });
		expect(skipped.files.map((f) => f.fileName)).toEqual(['应急处置记录单_YJ20261129-0001.html']);
		expect(skipped.pdf).toBe('skipped: Chromium not found (set SMD_CHROMIUM_PATH)');
		const pdfOnly = await emergencyRecordFiles(ITEM, { formats: ['pdf'], pdfOptions: { chromiumPath: '/nonexistent/chromium' } });
		expect(pdfOnly.files.map((f) => f.kind)).toEqual(['html']);
		const two = await emergencyRecordFiles([ITEM, { ...ITEM, event: { ...EVENT, eventNo: 'YJ20261129-0002' } }], { formats: ['html'] });
		expect(two.files[0].fileName).toBe('应急处置记录单_YJ20261129-0001_等2份.html');
		expect(two.eventNos).toEqual(['YJ20261129-0001', 'YJ20261129-0002']);
		const odd = await emergencyRecordFiles({ ...ITEM, event: { ...EVENT, eventNo: '../YJ/1' } }, { formats: ['html'] });
		expect(odd.files[0].fileName).toMatch(/^应急处置记录单_[^/\\]+\.html$/);
		expect(odd.files[0].fileName).not.toContain('..');
		expect((await thrownAsync(() => emergencyRecordFiles([]))).field).toBe('event');
		expect((await thrownAsync(() => emergencyRecordFiles({ event: { ...EVENT, channel: 'x' } }))).field).toBe('event.channel');
	});

	test('PDF through Chromium: one A4 page per event, even with every text at its longest and a long chain (pdfinfo, pdftotext)', async () => {
		if (!chromiumAvailable()) {
			throw new Error('Chromium is needed for this test and was not found: install it (apt-get install chromium) or set SMD_CHROMIUM_PATH');
		}
		const dir = mkdtempSync(path.join(tmpdir(), 'smd-emergency-pdf-'));
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
			const one = await emergencyRecordFiles(ITEM, { county: '示例县' });
			expect(one.pdf).toBe('rendered');
			const pdf = one.files.find((f) => f.kind === 'pdf')!;
			expect(pdf.fileName).toBe('应急处置记录单_YJ20261129-0001.pdf');
			const i1 = info(pdf.data, 'one');
			expect(i1.size[0]).toBeCloseTo(595, 0);
			expect(i1.size[1]).toBeCloseTo(842, 0);
			expect(i1.pages).toBe(1);
			expect(pdfPageCount(pdf.data)).toBe(1);
			for (const text of ['严重精神障碍患者应急处置记录单', 'YJ20261129-0001', '测试甲', '心理危机干预', '肇事肇祸', '抄送']) expect(i1.text).toContain(text);

			// The longest texts (cut), 15 steps, cancelled and unfiled, every box ticked, three events: three pages.
			const longest: EmergencyRecordItemInput = {
				event: { ...EVENT, eventNo: LONG, township: LONG, status: 'cancelled', statusNote: LONG, major: true, recordFiledAt: null, steps: Array.from({ length: 15 }, (_, i) => step(i + 1, { person: LONG, escalatedAt: REPORTED, escalatedTo: i + 2 })) },
				details: {
					...DETAILS,
					place: LONG,
					description: LONG,
					reporter: { role: LONG, name: LONG, phone: LONG },
					dispositionNote: LONG,
					record: { ...DETAILS.record!, measures: Object.keys(EMERGENCY_MEASURES) as never, participants: Object.keys(EMERGENCY_ROLES) as never, summary: LONG, medication: LONG, doctor: LONG, doctorPhone: LONG, filedBy: LONG },
				},
				patient: { ...PATIENT, name: LONG, address: LONG, guardian: LONG, guardianPhone: LONG, idNumber: LONG },
			};
			const three = await emergencyRecordFiles([ITEM, longest, { ...ITEM, event: { ...EVENT, eventNo: 'YJ20261129-0003' } }], { county: LONG, formats: ['pdf'] });
			const i3 = info(three.files[0].data, 'three');
			expect(i3.pages).toBe(3);
			const pages = i3.text.split('\f');
			for (const text of ['记录单未填报', '本事件已撤销', '另有 7 步未列出', '抄送']) expect(pages[1]).toContain(text);
			expect(pages[2]).toContain('YJ20261129-0003');
			console.log(`emergency records: 2 PDFs (1 + 3 pages) in ${Date.now() - started} ms`);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

// ---------------------------------------------------------------------------------------------

const WATCH: TownshipWatchList = {
	township: '示例镇',
	period: { name: '春节', from: '2027-02-05', to: '2027-02-11' },
	patients: [
		{ patientNo: 'P0001', name: '测试甲', sex: 'male', age: 41, riskLevel: 4, classification: 'unstable', lastFollowUpDate: '2027-01-20', guardian: '测试乙', guardianPhone: '13800000000', recentEmergencies: 2 },
		{ patientNo: 'P0002', name: '测试丙', sex: 'female', age: 29, riskLevel: 3, classification: 'basically_stable', lastFollowUpDate: null, guardian: null, guardianPhone: null, recentEmergencies: 0 },
	],
	staff: [
		{ role: 'township_staff', roleLabel: '乡镇精防专干', person: '测试丁', phone: '13900000001', startsAt: '2027-02-05T00:00:00.000Z', endsAt: '2027-02-08T00:00:00.000Z' },
		{ role: 'police', roleLabel: '公安（辖区派出所）', person: '测试戊', phone: '13900000002', startsAt: '2027-02-05T00:00:00.000Z', endsAt: '2027-02-12T00:00:00.000Z' },
		{ role: 'township_staff', roleLabel: '乡镇精防专干', person: '测试己', phone: null, startsAt: '2027-02-08T00:00:00.000Z', endsAt: '2027-02-12T00:00:00.000Z' },
	],
	patientRowIds: [1, 2],
};

const NOW = new Date(2027, 1, 2, 9, 0);

async function sheetOf(data: Buffer, name: string): Promise<ExcelJS.Worksheet> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(data as unknown as ArrayBuffer);
	return wb.getWorksheet(name)!;
}

function rowsOf(sheet: ExcelJS.Worksheet, from: number): string[][] {
	const out: string[][] = [];
	for (let r = from; r <= sheet.rowCount; r++) out.push((sheet.getRow(r).values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v))));
	return out;
}

describe('重点管控名单', () => {
	test('the page: the staff on duty above the table, one row per patient in the given order, names and guardian phones in full', () => {
		const html = renderWatchListHtml(WATCH, { county: '示例县', now: NOW });
		expect(html).toMatch(/^\s*<!DOCTYPE html>/);
		expect(html).toContain('<body class="landscape">');
		expect(html).toContain('size: A4 landscape');
		expect(html).toContain('<h1>示例镇 严重精神障碍患者重点管控名单</h1>');
		expect(html).toContain('示例县 ｜ 春节 ｜ 2027-02-05 至 2027-02-11 ｜ 共 2 名患者 ｜ 生成于 2027-02-02 09:00');
		expect(html).toContain('仅限乡镇卫生院、派出所等管控责任人履行职责使用');
		expect(html.indexOf('一、值班安排')).toBeLessThan(html.indexOf('二、重点管控患者'));
		expect(html).toContain('<tr><td class="l">乡镇精防专干</td><td>测试丁</td><td>13900000001</td><td>02-05 08:00 至 02-08 08:00</td></tr>');
		expect(html).toContain('<tr><td class="l">公安（辖区派出所）</td><td>测试戊</td><td>13900000002</td><td>02-05 08:00 至 02-12 08:00</td></tr>');
		const headers = [...html.matchAll(/<th>([^<]+)<\/th>/g)].map((m) => m[1]);
		expect(headers.slice(-11)).toEqual(WATCH_LIST_COLUMNS.map((c) => c.header));
		expect(WATCH_LIST_COLUMNS.map((c) => c.header)).toEqual(['患者编号', '姓名', '性别', '年龄', '危险性', '病情分类', '末次随访', '近90天应急事件', '监护人', '监护人电话', '责任人']);
		expect(html).toContain(
			'<tr><td>P0001</td><td>测试甲</td><td>男</td><td>41</td><td>4级</td><td>不稳定</td><td>2027-01-20</td><td>2</td><td>测试乙</td><td>13800000000</td><td class="text">测试丁、测试己</td></tr>',
		);
		expect(html).toContain('<tr><td>P0002</td><td>测试丙</td><td>女</td><td>29</td><td>3级</td><td>基本稳定</td><td>—</td><td>0</td><td></td><td></td><td class="text">测试丁、测试己</td></tr>');
		expect(html.indexOf('P0001')).toBeLessThan(html.indexOf('P0002'));
		expect(html).not.toContain('本乡镇无需重点管控的患者');
		// A 责任人 named on the patient wins over the staff on duty.
		const named = watchListModel({ ...WATCH, patients: [{ ...WATCH.patients[0], responsible: '测试村医' }] });
		expect(named.rows[0].responsible).toBe('测试村医');
	});

	test('Mask Names: patients’ and guardians’ names masked, guardian phones left out, in the page and the XLSX; the staff stay named', async () => {
		const files = await watchListFiles(WATCH, { maskNames: true, now: NOW });
		expect(files.masked).toBe(true);
		const html = files.files[0].data.toString('utf8');
		const sheet = await sheetOf(files.files[1].data, '重点管控名单');
		const xlsx = rowsOf(sheet, 1).flat().join('|');
		for (const text of [html, xlsx]) {
			for (const secret of ['测试甲', '测试乙', '测试丙', '13800000000']) expect(text).not.toContain(secret);
			expect(text).toContain('测*');
			expect(text).toContain('（不提供）');
			expect(text).toContain('测试丁');
		}
		expect(html).toContain('患者及监护人姓名已脱敏，监护人电话不提供');
		expect(html).toContain('<td>13900000001</td>');
		// Default: full.
		const full = await watchListFiles(WATCH, { now: NOW });
		expect(full.masked).toBe(false);
		expect(full.files[0].data.toString('utf8')).toContain('<td>测试甲</td>');
	});

	test('the XLSX: the same columns and rows, frozen header, A4 landscape fitted to the width with the header on every page; the duty roster sheet', async () => {
		const data = await watchListXlsx(WATCH, { county: '示例县', now: NOW });
		const sheet = await sheetOf(data, '重点管控名单');
		expect(sheet.getCell('A1').value).toBe('示例镇 严重精神障碍患者重点管控名单（春节）');
		expect(String(sheet.getCell('A2').value)).toContain('共 2 名患者');
		expect(rowsOf(sheet, 3)).toEqual([
			WATCH_LIST_COLUMNS.map((c) => c.header),
			['P0001', '测试甲', '男', '41', '4级', '不稳定', '2027-01-20', '2', '测试乙', '13800000000', '测试丁、测试己'],
			['P0002', '测试丙', '女', '29', '3级', '基本稳定', '—', '0', '', '', '测试丁、测试己'],
		]);
		expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
		expect(sheet.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, printTitlesRow: '3:3' });
		const roster = await sheetOf(data, '值班安排');
		expect(rowsOf(roster, 3)).toEqual([
			['岗位', '姓名', '电话', '开始', '结束'],
			['乡镇精防专干', '测试丁', '13900000001', '02-05 08:00', '02-08 08:00'],
			['公安（辖区派出所）', '测试戊', '13900000002', '02-05 08:00', '02-12 08:00'],
			['乡镇精防专干', '测试己', '', '02-08 08:00', '02-12 08:00'],
		]);
	});

	test('an empty township says 本乡镇无需重点管控的患者 in the page and the XLSX; no staff is flagged', async () => {
		const empty: TownshipWatchList = { ...WATCH, township: '测试乡', patients: [], staff: [], patientRowIds: [] };
		const files = await watchListFiles(empty, { now: NOW });
		const html = files.files[0].data.toString('utf8');
		expect(html).toContain('<b>本乡镇无需重点管控的患者</b>（春节，2027-02-05 至 2027-02-11）');
		expect(html).not.toContain('<th>患者编号</th>');
		expect(html).toContain('值班表中无本乡镇该时段的值班安排');
		const sheet = await sheetOf(files.files[1].data, '重点管控名单');
		expect(String(sheet.getCell('A2').value)).toContain('本乡镇无需重点管控的患者');
		expect(rowsOf(sheet, 4)).toEqual([]);
		expect(files.patients).toBe(0);
	});

	test('file names 重点管控名单_<township>_<period>; the formats asked for; fields the list does not have never reach a file', async () => {
		const both = await watchListFiles(WATCH, { now: NOW });
		expect(both.files.map((f) => [f.kind, f.fileName, f.mimeType])).toEqual([
			['html', '重点管控名单_示例镇_春节.html', 'text/html'],
			['xlsx', '重点管控名单_示例镇_春节.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
		]);
		expect((await watchListFiles(WATCH, { formats: ['xlsx'] })).files.map((f) => f.kind)).toEqual(['xlsx']);
		const odd = await watchListFiles({ ...WATCH, township: '../示例/镇', period: { ...WATCH.period, name: 'a:b' } }, { formats: ['html'] });
		expect(odd.files[0].fileName).toMatch(/^重点管控名单_[^/\\:]+_[^/\\:]+\.html$/);
		const extra = { ...WATCH, patients: [{ ...WATCH.patients[0], idNumber: ID, address: '示例县示例镇测试村1组8号' }] };
		const withExtra = await watchListFiles(extra, { now: NOW });
		const xlsx = rowsOf(await sheetOf(withExtra.files[1].data, '重点管控名单'), 1).flat().join('|');
		for (const text of [withExtra.files[0].data.toString('utf8'), xlsx]) {
			expect(text).not.toContain(ID);
			expect(text).not.toContain('测试村1组');
		}
	});

	test('hostile values are escaped; a wrong field is named, never its value', () => {
		const value = '<script>alert(1)</script>';
		const html = renderWatchListHtml({ ...WATCH, township: value, period: { ...WATCH.period, name: value }, patients: [{ ...WATCH.patients[0], name: value, guardian: value, classification: value }], staff: [{ ...WATCH.staff[0], person: value }] }, { county: value });
		expect(html).not.toMatch(/<script/i);
		expect(html).toContain('&lt;script&gt;');
		const cases: Array<[unknown, string]> = [
			[null, 'township'],
			[{ ...WATCH, township: undefined }, 'township'],
			[{ ...WATCH, period: undefined }, 'period'],
			[{ ...WATCH, period: { ...WATCH.period, from: 'secret-value' } }, 'period.from'],
			[{ ...WATCH, period: { ...WATCH.period, to: '2027-01-01' } }, 'period.to'],
			[{ ...WATCH, patients: [WATCH.patients[0], { ...WATCH.patients[1], riskLevel: 'secret-value' }] }, 'patients.1.riskLevel'],
			[{ ...WATCH, patients: [{ ...WATCH.patients[0], name: undefined }] }, 'patients.0.name'],
			[{ ...WATCH, staff: [{ ...WATCH.staff[0], role: 'secret-value' }] }, 'staff.0.role'],
		];
		for (const [item, field] of cases) {
			const e = thrown(() => parseWatchListItem(item));
			expect(e).toBeInstanceOf(SmdInputError);
			expect(e.field).toBe(field);
			expect(e.message).toContain(field);
			expect(e.message).not.toContain('secret-value');
		}
	});
});
