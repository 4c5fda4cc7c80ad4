import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_EMERGENCY_POLICY, openingChain, parseEmergencyReport, reportKey, robotBody, type EmergencyReport } from '../../lib/emergencies';
import { idCheckChar } from '../../lib/idNumber';
import {
	acknowledgeStep,
	cancelEmergency,
	closeEmergency,
	escalateOverdue,
	fileRecord,
	getEmergency,
	handOff,
	importRoster,
	lateRecordsByTownship,
	linkPatient,
	listEmergencies,
	onDuty,
	openEmergency,
	recordDisposition,
	reviewIncident,
	watchLists,
	type RosterEntry,
} from '../../lib/registry/emergencies';
import { localTimestamp, readRosterTable } from '../../lib/roster';
import { RegistryStore } from '../../lib/registry/store';
import { buildWorkLists } from '../../lib/registry/workListFacts';
import { addPatients, patient } from '../helpers';

let dir: string;
let store: RegistryStore;
const T0 = '2026-11-29T06:00:00.000Z'; // 14:00 in China
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const id17 = '11010519800101123';
const ID = id17 + idCheckChar(id17);

const shift = (township: string, role: RosterEntry['role'], person: string, extra: Partial<RosterEntry> = {}): RosterEntry => ({
	township,
	role,
	person,
	phone: '13800000000',
	email: `${role}@county.test`,
	robotUrl: null,
	robotFormat: 'wecom',
	startsAt: '2026-11-29T00:00:00.000Z',
	endsAt: '2026-11-30T00:00:00.000Z',
	...extra,
});

beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-emg-'));
	store = RegistryStore.open(path.join(dir, 'r.sqlite'));
	addPatients(store, [
		patient({ name: '测试甲', patientNo: 'P001', township: '城关镇', idNumber: ID, riskLevel: 3, classification: 'unstable', guardian: '测试监护人', guardianPhone: '13900000000' }),
		patient({ name: '测试乙', patientNo: 'P002', township: '城关镇', riskLevel: 0, classification: 'stable' }),
		patient({ name: '测试乙', patientNo: 'P003', township: '青山镇', riskLevel: 1, classification: 'basically_stable' }),
	]);
	importRoster(store, [
		shift('城关镇', 'township_staff', '值班甲', { robotUrl: 'http://127.0.0.1:9/robot', robotFormat: 'dingtalk' }),
		shift('*', 'psychiatrist', '医师乙'),
		shift('城关镇', 'police', '民警丙'),
		shift('*', 'county_office', '精防办丁'),
		shift('*', 'health_commission', '卫健戊'),
		shift('*', 'zongzhi', '综治己'),
	]);
});
afterEach(() => {
	store.close();
	rmSync(dir, { recursive: true, force: true });
});

const report = (over: Partial<EmergencyReport> = {}): EmergencyReport =>
	parseEmergencyReport({ channel: 'police_110', township: '城关镇', triggers: ['harm_to_others'], riskLevel: 4, patient: { idNumber: ID, name: '测试甲' }, place: '某村某组', ...over });
const count = (sql: string) => Number((store.internals.get(sql).get() as { n: number }).n);

describe('the report payload', () => {
	test('a bad payload names the field, not the value', () => {
		expect(() => parseEmergencyReport({ channel: 'fax', township: '城关镇', triggers: ['relapse'], riskLevel: 1 })).toThrow(/^channel: must be one of police_110/);
		expect(() => parseEmergencyReport({ channel: 'family', township: '城关镇', triggers: ['nope'], riskLevel: 1 })).toThrow(/^triggers\[0\]:/);
		expect(() => parseEmergencyReport({ channel: 'family', township: '城关镇', triggers: ['relapse'] })).toThrow('riskLevel: riskLevel or behaviours is required');
		expect(() => parseEmergencyReport({ channel: 'family', township: '城关镇', triggers: ['relapse'], riskLevel: 9 })).toThrow('riskLevel: must be 0–5');
		expect(() => parseEmergencyReport({ channel: 'family', township: '城关镇', triggers: ['relapse'], riskLevel: 1, patient: { nme: '测试甲' } })).toThrow('patient.nme: is not a field of the report');
		try {
			parseEmergencyReport({ channel: 'family', township: '城关镇', triggers: ['relapse'], riskLevel: 1, patient: { idNumber: 123 } });
			throw new Error('not refused');
		} catch (e) {
			expect((e as { field: string }).field).toBe('patient.idNumber');
			expect((e as Error).message).not.toContain('123');
		}
	});

	test('behaviours raise the level; the key is the caller’s or a hash of the report', () => {
		const r = parseEmergencyReport({ channel: 'family', township: '城关镇', triggers: ['self_harm'], behaviours: ['suicide_attempt'] });
		expect(openingChain(4, false, false).map((s) => s.role)).toEqual(['township_staff', 'psychiatrist', 'police']);
		expect(openingChain(2, false, true).map((s) => s.role)).toEqual(['township_staff', 'psychiatrist', 'zongzhi']);
		expect(reportKey(r, 'abc')).toBe('abc');
		expect(reportKey(r)).toMatch(/^auto:[0-9a-f]{32}$/);
		expect(reportKey(parseEmergencyReport({ behaviours: ['suicide_attempt'], triggers: ['self_harm'], township: '城关镇', channel: 'family' }))).toBe(reportKey(r));
	});

	test('robot bodies in WeCom and DingTalk markdown', () => {
		expect(robotBody('wecom', 'S', 'S\nline')).toEqual({ msgtype: 'markdown', markdown: { content: '**S**\n\nline' } });
		expect(robotBody('dingtalk', 'S', 'S\nline')).toEqual({ msgtype: 'markdown', markdown: { title: 'S', text: '**S**\n\nline' } });
	});
});

describe('opening an event', () => {
	test('links the patient by ID and name, notifies the chain, writes nothing twice', () => {
		const first = openEmergency(store, report(), 'r-1', { now: T0, message: { ackBaseUrl: 'http://n8n.test/webhook/ack' } });
		expect(first.outcome).toBe('created');
		expect(first.event.eventNo).toBe('YJ20261129-0001');
		expect(first.event).toMatchObject({ status: 'open', matchState: 'linked', patientNo: 'P001', riskLevel: 4, publicSafety: true, recordDue: '2026-11-30T06:00:00.000Z' });
		expect(first.event.steps.map((s) => [s.seq, s.role, s.person, s.ackDue])).toEqual([
			[1, 'township_staff', '值班甲', at(15)],
			[2, 'psychiatrist', '医师乙', at(15)],
			[3, 'police', '民警丙', at(10)],
		]);
		// Three e-mails and one robot message (the township's group is on DingTalk).
		expect(first.notifications.map((n) => `${n.channel}:${n.role}`)).toEqual(['email:township_staff', 'robot:township_staff', 'email:psychiatrist', 'email:police']);
		for (const n of first.notifications) {
			expect(n.text).toContain('YJ20261129-0001');
			expect(n.text).toContain('城关镇');
			expect(n.text).toContain('危险性评估：4级');
			for (const secret of ['测试甲', ID, '某村某组', '测试监护人']) expect(JSON.stringify(n)).not.toContain(secret);
		}
		expect(first.notifications[0].ackUrl).toMatch(/^http:\/\/n8n\.test\/webhook\/ack\?event=YJ20261129-0001&step=1&token=[\w-]{24}$/);
		expect(first.notifications[1].robotBody).toMatchObject({ msgtype: 'markdown', markdown: { title: first.notifications[1].subject } });

		const again = openEmergency(store, report(), 'r-1', { now: at(1) });
		expect(again.outcome).toBe('existing');
		expect(again.notifications).toEqual([]);
		expect(again.event.eventNo).toBe('YJ20261129-0001');
		expect(count('SELECT COUNT(*) AS n FROM emergency_events')).toBe(1);
		expect(count('SELECT COUNT(*) AS n FROM emergency_steps')).toBe(3);
		expect(() => openEmergency(store, report({ riskLevel: 5 }), 'r-1', { now: at(1) })).toThrow('the idempotency key was already used for a different report');
		expect(openEmergency(store, report(), 'r-2', { now: at(2) }).event.eventNo).toBe('YJ20261129-0002');
	});

	test('a name alone in the township is unsure, never linked; linked later by a person', () => {
		const r = openEmergency(store, report({ patient: { name: '测试乙' }, riskLevel: 2, triggers: ['relapse'] }), 'r-3', { now: T0 });
		expect(r.event).toMatchObject({ matchState: 'unsure', patientNo: null, candidates: ['P002', 'P003'] });
		expect(r.warnings[0]).toMatch(/may be one of 2 registry patient/);
		// Relapse at level 2 with no public-safety risk: no police.
		expect(r.event.steps.map((s) => s.role)).toEqual(['township_staff', 'psychiatrist']);
		const unknown = openEmergency(store, report({ patient: undefined, riskLevel: 1, triggers: ['relapse'] }), 'r-4', { now: T0 });
		expect(unknown.event.matchState).toBe('unidentified');
		const linked = linkPatient(store, { eventNo: r.event.eventNo, patientNo: 'P002' }, { now: at(5) });
		expect(linked.event).toMatchObject({ matchState: 'linked', patientNo: 'P002' });
		expect(getEmergency(store, r.event.eventNo).details.person).toEqual({});
		expect(() => linkPatient(store, { eventNo: r.event.eventNo, patientNo: 'P003' })).toThrow('already linked to another patient');
	});

	test('nobody on duty is a warning, and the step is still kept for escalation', () => {
		const r = openEmergency(store, report({ township: '青山镇', patient: undefined }), 'r-5', { now: T0 });
		expect(r.warnings).toContain(`nobody on duty in the roster for 公安（辖区派出所） (police) in 青山镇 at ${T0}`);
		expect(r.event.steps.find((s) => s.role === 'police')?.person).toBeNull();
	});
});

describe('acknowledgement, escalation, lifecycle', () => {
	const open = () => openEmergency(store, report(), 'k', { now: T0, message: { ackBaseUrl: 'http://n8n.test/ack' } });
	const tokenOf = (o: ReturnType<typeof open>, seq: number) => new URL(o.notifications.find((n) => n.stepSeq === seq && n.channel === 'email')!.ackUrl!).searchParams.get('token')!;

	test('a step needs its own token; acknowledging moves the event to handling once', () => {
		const o = open();
		expect(() => acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 1, token: tokenOf(o, 2) })).toThrow('token does not match this step');
		expect(() => acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 1 })).toThrow('token does not match');
		const a = acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 1, token: tokenOf(o, 1) }, { now: at(3) });
		expect(a.outcome).toBe('updated');
		expect(a.event.status).toBe('handling');
		expect(a.event.steps[0]).toMatchObject({ acknowledgedAt: at(3), acknowledgedBy: '值班甲' });
		expect(acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 1, token: tokenOf(o, 1) }, { now: at(4) }).outcome).toBe('unchanged');
		// A person recording a phone call may acknowledge without the link.
		expect(acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 2, requireToken: false, by: '电话确认' }, { now: at(4) }).event.steps[1].acknowledgedBy).toBe('电话确认');
	});

	test('an unacknowledged step escalates township → county office → health commission; an acknowledged one does not', () => {
		const o = open();
		acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 2, token: tokenOf(o, 2) }, { now: at(1) });
		expect(escalateOverdue(store, { now: at(9) }).escalated).toEqual([]);
		// At 10 minutes the police step (10 min) is due; at 15 the township's.
		const r1 = escalateOverdue(store, { now: at(10) });
		expect(r1.escalated).toEqual([{ eventNo: o.event.eventNo, fromSeq: 3, fromRole: 'police', toSeq: 4, toRole: 'county_office' }]);
		expect(r1.notifications.map((n) => `${n.kind}:${n.role}:${n.person}`)).toEqual(['escalation:county_office:精防办丁']);
		expect(r1.notifications[0].text).toContain('公安（辖区派出所） 民警丙未在时限内确认（第3步）');
		const r2 = escalateOverdue(store, { now: at(16) });
		// The township's step goes to the county office step already waiting.
		expect(r2.escalated).toEqual([{ eventNo: o.event.eventNo, fromSeq: 1, fromRole: 'township_staff', toSeq: 4, toRole: 'county_office' }]);
		expect(r2.notifications).toEqual([]);
		const r3 = escalateOverdue(store, { now: at(26) });
		expect(r3.escalated).toEqual([{ eventNo: o.event.eventNo, fromSeq: 4, fromRole: 'county_office', toSeq: 5, toRole: 'health_commission' }]);
		const r4 = escalateOverdue(store, { now: at(60) });
		expect(r4.escalated).toEqual([{ eventNo: o.event.eventNo, fromSeq: 5, fromRole: 'health_commission', toSeq: null, toRole: null }]);
		expect(escalateOverdue(store, { now: at(90) }).escalated).toEqual([]);
		expect(listEmergencies(store, 'unacknowledged', { now: at(90) }).map((e) => e.eventNo)).toEqual([o.event.eventNo]);
	});

	test('the record reminder goes once before the 24 hours are up; an overdue record is listed per township', () => {
		const o = open();
		expect(escalateOverdue(store, { now: at(60) }).reminders).toEqual([]);
		const r = escalateOverdue(store, { now: at(24 * 60 - 100) });
		expect(r.reminders).toEqual([o.event.eventNo]);
		expect(r.notifications.filter((n) => n.kind === 'record_reminder').map((n) => n.role)).toEqual(['psychiatrist', 'county_office']);
		expect(escalateOverdue(store, { now: at(24 * 60 - 50) }).reminders).toEqual([]);
		expect(lateRecordsByTownship(store, at(24 * 60 + 1)).get('城关镇')).toEqual([{ eventNo: o.event.eventNo, patientNo: 'P001', recordDue: at(24 * 60) }]);
	});

	test('an unfiled record due by the list’s day is on the township’s daily work list, linked or not', () => {
		const o = open();
		openEmergency(store, report({ patient: undefined, riskLevel: 1, triggers: ['relapse'] }), 'anon', { now: T0 });
		// Due 2026-11-30 14:00 China time: not on the 29th's list, on the 30th's and later.
		expect(buildWorkLists(store, '2026-11-29').townships.find((t) => t.township === '城关镇')?.counts.emergency_record_late).toBe(0);
		const lists = buildWorkLists(store, '2026-12-01');
		const cg = lists.townships.find((t) => t.township === '城关镇')!;
		expect(cg.notKept).toEqual([]);
		expect(cg.rows.filter((r) => r.section === 'emergency_record_late').map((r) => [r.patientNo, r.name, r.due, r.daysLate, r.reference])).toEqual([
			['P001', '测*', '2026-11-30', 1, o.event.eventNo],
			['（未关联）', '身份未明', '2026-11-30', 1, 'YJ20261129-0002'],
		]);
		expect(lists.county.counts.emergency_record_late).toBe(2);
		recordDisposition(store, { eventNo: o.event.eventNo, disposition: 'admission' }, { now: at(10) });
		fileRecord(store, { eventNo: o.event.eventNo, record: { measures: ['escort'], participants: [], summary: '送院', medication: null, doctor: '医师乙', doctorPhone: null } }, { now: at(20) });
		expect(buildWorkLists(store, '2026-12-01').county.counts.emergency_record_late).toBe(1);
	});

	test('refused steps write nothing; closing needs the record, the review and the follow-up', () => {
		const o = open();
		const no = o.event.eventNo;
		const logs = () => count('SELECT COUNT(*) AS n FROM emergency_log');
		const before = logs();
		expect(() => closeEmergency(store, { eventNo: no })).toThrow('closing is not allowed: the event is open (待响应); from open it can go to handling, disposed, cancelled');
		expect(() => fileRecord(store, { eventNo: no, record: { measures: ['crisis_intervention'], participants: [], summary: 'x', medication: null, doctor: '医师乙', doctorPhone: null } })).toThrow('record the disposition (处置结果) first');
		expect(() => reviewIncident(store, { eventNo: no, review: { missed: ['follow_up'], responsibility: null, reportedUp: true, major: false, note: null } })).toThrow('a review is for 肇事肇祸 events');
		expect(logs()).toBe(before);

		const d = recordDisposition(store, { eventNo: no, disposition: 'on_site', by: '医师乙' }, { now: at(60) });
		expect(d.event).toMatchObject({ status: 'disposed', disposition: 'on_site', followUpDue: '2026-12-13' });
		expect(() => cancelEmergency(store, { eventNo: no, reason: '误报' })).toThrow('cancelling is not allowed: the event is disposed');
		expect(() => closeEmergency(store, { eventNo: no })).toThrow('closing is not allowed: the 应急处置记录单 is not filed; the post-emergency follow-up (due 2026-12-13) is not recorded');
		const f = fileRecord(store, { eventNo: no, record: { measures: ['crisis_intervention', 'oral_medication'], participants: ['township_staff', 'psychiatrist'], summary: '现场劝说后服药', medication: '奥氮平', doctor: '医师乙', doctorPhone: null } }, { now: at(120) });
		expect(f.event.recordFiledAt).toBe(at(120));
		expect(f.warnings).toEqual([]);
		expect(() => fileRecord(store, { eventNo: no, record: { measures: ['injection'], participants: [], summary: '改写', medication: null, doctor: '医师乙', doctorPhone: null } })).toThrow('already filed with other content');
		// Due 2026-12-13: listed from the 14th until a follow-up is recorded.
		expect(listEmergencies(store, 'follow_up_overdue', { now: '2026-12-13T02:00:00.000Z' })).toEqual([]);
		expect(listEmergencies(store, 'follow_up_overdue', { now: '2026-12-14T02:00:00.000Z' }).map((e) => e.eventNo)).toEqual([no]);
		store.recordFollowUp({ patientRowId: store.getByPatientNo('P001')!.rowId, date: '2026-12-05', form: 'home', riskLevel: 1, classification: 'basically_stable', medication: 'regular', nextFollowUpDate: '2026-12-19', actions: [], reasons: [], observation: {} } as never);
		expect(listEmergencies(store, 'follow_up_overdue', { now: '2026-12-14T02:00:00.000Z' })).toEqual([]);
		const c = closeEmergency(store, { eventNo: no, note: '结案' }, { now: at(60 * 24 * 7) });
		expect(c.event).toMatchObject({ status: 'closed', followUpDate: '2026-12-05' });
		const full = getEmergency(store, no);
		expect(full.log.map((l) => l.action)).toEqual(['opened', 'disposition: on_site', 'record filed', 'closed']);
		expect(full.details.place).toBe('某村某组');
	});

	test('a 肇事肇祸 event informs 综治 and cannot close before its review; the major flag is kept', () => {
		const o = openEmergency(store, report({ incident: true, triggers: ['incident_risk'] }), 'inc', { now: T0 });
		expect(o.event.steps.map((s) => [s.role, s.needsAck])).toEqual([
			['township_staff', true],
			['psychiatrist', true],
			['police', true],
			['zongzhi', false],
		]);
		recordDisposition(store, { eventNo: o.event.eventNo, disposition: 'admission' }, { now: at(30) });
		fileRecord(store, { eventNo: o.event.eventNo, record: { measures: ['police_control', 'escort'], participants: ['police', 'psychiatrist'], summary: '送院', medication: null, doctor: '医师乙', doctorPhone: null } }, { now: at(40) });
		expect(() => closeEmergency(store, { eventNo: o.event.eventNo })).toThrow('the 肇事肇祸 review is not recorded');
		reviewIncident(store, { eventNo: o.event.eventNo, review: { missed: ['follow_up', 'medication'], responsibility: '城关镇卫生院', reportedUp: true, major: true, note: null } }, { now: at(50) });
		const closed = closeEmergency(store, { eventNo: o.event.eventNo }, { now: at(60) });
		expect(closed.event).toMatchObject({ status: 'closed', major: true, review: { missed: ['follow_up', 'medication'] } });
	});

	test('hand-off adds a notified step; a cancelled event takes no acknowledgement', () => {
		const o = openEmergency(store, report({ riskLevel: 1, triggers: ['relapse'], publicSafety: false }), 'h', { now: T0, message: { ackBaseUrl: 'http://n8n.test/ack' } });
		const h = handOff(store, { eventNo: o.event.eventNo, role: 'police', note: '家属请求协助送医' }, { now: at(5), message: { ackBaseUrl: 'http://n8n.test/ack' } });
		expect(h.event.steps.map((s) => s.role)).toEqual(['township_staff', 'psychiatrist', 'police']);
		expect(h.notifications.map((n) => `${n.kind}:${n.role}`)).toEqual(['handoff:police']);
		cancelEmergency(store, { eventNo: o.event.eventNo, reason: '误报' }, { now: at(6) });
		expect(() => acknowledgeStep(store, { eventNo: o.event.eventNo, seq: 3, token: new URL(h.notifications[0].ackUrl!).searchParams.get('token')! })).toThrow('the event is cancelled');
		expect(escalateOverdue(store, { now: at(120) }).escalated).toEqual([]);
	});
});

describe('roster and watch list', () => {
	test('a roster spreadsheet is read with local times; a bad row names its row and field', async () => {
		const csv = '乡镇,角色,姓名,电话,邮箱,群机器人,机器人类型,开始时间,结束时间\n城关镇,乡镇精防专干,值班甲,138,a@b.cn,https://qyapi.weixin.qq.com/x,企业微信,2026-12-01 08:00,2026-12-02 08:00\n全县,值班精神科医师,医师乙,139,,,,2026-12-01 08:00,2026-12-01 20:00\n';
		const rows = await readRosterTable(Buffer.from(csv), { fileName: 'roster.csv' });
		expect(rows).toEqual([
			expect.objectContaining({ township: '城关镇', role: 'township_staff', robotFormat: 'wecom', startsAt: '2026-12-01T00:00:00.000Z', endsAt: '2026-12-02T00:00:00.000Z' }),
			expect.objectContaining({ township: '*', role: 'psychiatrist', email: null, endsAt: '2026-12-01T12:00:00.000Z' }),
		]);
		await expect(readRosterTable(Buffer.from(csv.replace('2026-12-01 20:00', '2026-12-01 07:00')), { fileName: 'r.csv' })).rejects.toThrow('roster row 2 (line 3): 结束时间 must be after 开始时间');
		await expect(readRosterTable(Buffer.from(csv.replace('乡镇精防专干', '厨师')), { fileName: 'r.csv' })).rejects.toThrow(/roster row 1 \(line 2\): 角色 must be one of/);
		expect(localTimestamp('2026/12/1 8:00')).toBe('2026-12-01T00:00:00.000Z');
		importRoster(store, rows);
		expect(onDuty(store, '城关镇', 'psychiatrist', '2026-12-01T03:00:00.000Z')?.person).toBe('医师乙');
		expect(onDuty(store, '城关镇', 'psychiatrist', '2026-12-01T13:00:00.000Z')).toBeNull();
		// Importing the same file again replaces its shifts instead of doubling them.
		expect(importRoster(store, rows)).toEqual({ inserted: 2, replaced: 2 });
		expect(count("SELECT COUNT(*) AS n FROM on_call_roster WHERE starts_at >= '2026-12-01'")).toBe(2);
		// Another township's file for the same days leaves these shifts alone.
		importRoster(store, [{ ...rows[0], township: '青山镇', person: '值班庚' }]);
		expect(count("SELECT COUNT(*) AS n FROM on_call_roster WHERE starts_at >= '2026-12-01'")).toBe(3);
		expect(onDuty(store, '城关镇', 'township_staff', '2026-12-01T03:00:00.000Z')?.person).toBe('值班甲');
	});

	test('the watch list holds risk ≥ 3 or unstable patients per township with staff on duty; empty townships are listed', () => {
		openEmergency(store, report(), 'w', { now: T0 });
		const lists = watchLists(store, { name: '元旦', from: '2026-11-29', to: '2026-11-29' }, { townships: ['城关镇', '青山镇'] });
		expect(lists.map((l) => [l.township, l.patients.map((p) => p.patientNo)])).toEqual([
			['城关镇', ['P001']],
			['青山镇', []],
		]);
		expect(lists[0].patients[0]).toMatchObject({ guardian: '测试监护人', riskLevel: 3, recentEmergencies: 1 });
		expect(lists[0].staff.map((s) => s.role).sort()).toEqual(['police', 'psychiatrist', 'township_staff']);
	});

	test('policy defaults', () => {
		expect(DEFAULT_EMERGENCY_POLICY.recordHours).toBe(24);
		expect(DEFAULT_EMERGENCY_POLICY.followUpDays).toBe(14);
	});
});
