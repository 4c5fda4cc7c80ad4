import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addWorkingDays, CARE_ROLES, checkTransition, lateItems, parseCodeList, REFERRAL_REASONS, returnDeadlines } from '../../lib/referrals';
import { closePlan, createPlanTask, listMissingPlans, openPlan, plansOf, reviewPlan } from '../../lib/registry/casePlans';
import { registryActionList, registryIndicators } from '../../lib/registry/indicatorFacts';
import { indicatorPeriod } from '../../lib/indicators';
import { createReferral, getReferral, listLateReferrals, stepReferral, upsertAgreement } from '../../lib/registry/referrals';
import { RegistryStore } from '../../lib/registry/store';
import { buildWorkLists } from '../../lib/registry/workListFacts';
import { addPatients, patient } from '../helpers';

let dir: string;
let store: RegistryStore;
const NOW = '2026-11-27T02:00:00.000Z'; // Friday 10:00 in China

beforeEach(() => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-ref-'));
	store = RegistryStore.open(path.join(dir, 'r.sqlite'));
	addPatients(store, [
		patient({ name: '测试甲', patientNo: 'P001', township: '城关镇', riskLevel: 3, classification: 'unstable', lastFollowUpDate: '2026-11-20' }),
		patient({ name: '测试乙', patientNo: 'P002', township: '城关镇', riskLevel: 0, classification: 'stable', lastFollowUpDate: '2026-06-01' }),
		patient({ name: '测试丙', patientNo: 'P003', township: '青山镇', riskLevel: 1, classification: 'unstable', lastFollowUpDate: '2026-11-25' }),
		patient({ name: '测试丁', patientNo: 'P004', township: '青山镇', riskLevel: 0, classification: 'stable', lastFollowUpDate: '2026-10-20' }),
	]);
});
afterEach(() => {
	store.close();
	rmSync(dir, { recursive: true, force: true });
});

const up = (over: Record<string, unknown> = {}) =>
	createReferral(
		store,
		{
			patientNo: 'P001',
			direction: 'up',
			fromInstitution: '城关镇卫生院',
			toInstitution: '县精神卫生中心',
			reasons: ['violence_self_harm'],
			urgency: 'urgent',
			consentBy: 'guardian',
			consentAt: '2026-11-27T01:30:00Z',
			followUpDate: '2026-11-20',
			...over,
		},
		{ now: NOW, today: '2026-11-27' },
	);

const count = (sql: string) => Number((store.internals.get(sql).get() as { n: number }).n);

describe('working-day deadlines', () => {
	test('10 working days after a discharge on the eve of 国庆 skip the holiday week and the weekends', () => {
		expect(addWorkingDays('2026-09-30', 10)).toBe('2026-10-21');
		// A make-up working Saturday (调休上班) counts; without the fixed holidays only weekends are skipped.
		expect(addWorkingDays('2026-09-30', 10, { workdays: ['2026-10-10'] })).toBe('2026-10-20');
		expect(addWorkingDays('2026-09-30', 10, { fixedHolidays: false })).toBe('2026-10-14');
		// A configured holiday (e.g. the year's 调休) moves the deadline on by a day.
		expect(addWorkingDays('2026-09-30', 10, { holidays: ['2026-10-19'] })).toBe('2026-10-22');
		expect(addWorkingDays('2026-10-03', 0)).toBe('2026-10-08');
		expect(() => addWorkingDays('2026-02-30', 1)).toThrow(/YYYY-MM-DD/);
		expect(returnDeadlines('2026-09-30')).toEqual({ dischargeInfoDue: '2026-10-21', communityVisitDue: '2026-10-14' });
	});
});

describe('referral lifecycle', () => {
	test('created → sent → accepted → completed, each step timed and kept as an event', () => {
		const made = up();
		expect(made.outcome).toBe('created');
		expect(made.referral).toMatchObject({ referralNo: 'ZZ20261127-0001', status: 'created', direction: 'up', urgency: 'urgent', responseDue: null });
		expect(made.warnings[0]).toMatch(/no valid referral agreement/);
		const sent = stepReferral(store, { referralNo: made.referral.referralNo, step: 'sent', at: '2026-11-27T03:00:00Z' });
		// Urgent: one working day; sent on Friday → due Monday.
		expect(sent.referral).toMatchObject({ status: 'sent', sentAt: '2026-11-27T03:00:00.000Z', responseDue: '2026-11-30' });
		stepReferral(store, { referralNo: made.referral.referralNo, step: 'accepted', at: '2026-11-30T01:00:00Z' });
		const done = stepReferral(store, { referralNo: made.referral.referralNo, step: 'completed', at: '2026-12-02T01:00:00Z' });
		expect(done.referral).toMatchObject({ status: 'completed', acceptedAt: '2026-11-30T01:00:00.000Z', completedAt: '2026-12-02T01:00:00.000Z' });
		const got = getReferral(store, made.referral.referralNo);
		expect(got?.events.map((e) => `${e.fromStatus ?? '-'}>${e.toStatus}`)).toEqual(['->created', 'created>sent', 'sent>accepted', 'accepted>completed']);
		expect(got?.patient).toMatchObject({ patientNo: 'P001', name: '测试甲' });
	});

	test('refused steps name the status and write nothing', () => {
		const { referral } = up();
		const before = count('SELECT COUNT(*) AS n FROM referral_events');
		expect(() => stepReferral(store, { referralNo: referral.referralNo, step: 'accepted' })).toThrow(
			/a referral that is created \(已创建\) cannot become accepted \(已接收\); allowed: sent 已发送, cancelled 已撤销/,
		);
		expect(() => stepReferral(store, { referralNo: referral.referralNo, step: 'discharge_info_sent' })).toThrow(/belongs to a return/);
		stepReferral(store, { referralNo: referral.referralNo, step: 'sent' });
		expect(() => stepReferral(store, { referralNo: referral.referralNo, step: 'rejected' })).toThrow(/note \(原因\) is required/);
		stepReferral(store, { referralNo: referral.referralNo, step: 'rejected', note: '床位已满，转市级医院' });
		expect(() => stepReferral(store, { referralNo: referral.referralNo, step: 'cancelled', note: 'x' })).toThrow(/cannot become cancelled .*; it is final/);
		expect(() => checkTransition('completed', 'sent')).toThrow(/it is final/);
		expect(count('SELECT COUNT(*) AS n FROM referral_events')).toBe(before + 2);
		expect(getReferral(store, referral.referralNo)?.referral).toMatchObject({ status: 'rejected', statusNote: '床位已满，转市级医院' });
		expect(() => stepReferral(store, { referralNo: 'ZZ19990101-0001', step: 'sent' })).toThrow(/referralNo .* is not in the registry/);
	});

	test('duplicate deliveries: the same key creates one referral and takes a step once', () => {
		const a = up({ idempotencyKey: 'webhook-41' });
		const b = up({ idempotencyKey: 'webhook-41' });
		expect([a.outcome, b.outcome]).toEqual(['created', 'existing']);
		expect(b.referral.referralNo).toBe(a.referral.referralNo);
		expect(count('SELECT COUNT(*) AS n FROM referrals')).toBe(1);
		expect(() => up({ idempotencyKey: 'webhook-41', toInstitution: '市第三人民医院' })).toThrow(/idempotencyKey was already used for a different referral/);
		const s1 = stepReferral(store, { referralNo: a.referral.referralNo, step: 'sent', idempotencyKey: 'send-1' });
		const s2 = stepReferral(store, { referralNo: a.referral.referralNo, step: 'sent', idempotencyKey: 'send-1' });
		const s3 = stepReferral(store, { referralNo: a.referral.referralNo, step: 'sent' });
		expect([s1.outcome, s2.outcome, s3.outcome]).toEqual(['updated', 'unchanged', 'unchanged']);
		expect(count("SELECT COUNT(*) AS n FROM referral_events WHERE event = 'sent'")).toBe(1);
		expect(() => stepReferral(store, { referralNo: a.referral.referralNo, step: 'accepted', idempotencyKey: 'send-1' })).toThrow(/already used for another step/);
		// Without a key, a second referral is made, with a warning that one is open.
		const c = up();
		expect(c.referral.referralNo).toBe('ZZ20261127-0002');
		expect(c.warnings.some((w) => w.includes(`open 上转 referral ${a.referral.referralNo}`))).toBe(true);
	});

	test('a draft with consent pending cannot be sent until consent is recorded, and is late the next day', () => {
		const { referral } = up({ consentBy: 'pending', consentAt: null });
		expect(() => stepReferral(store, { referralNo: referral.referralNo, step: 'sent' })).toThrow(/informed consent \(知情同意\) is still to be signed/);
		expect(listLateReferrals(store, '2026-11-27')).toEqual([]);
		expect(listLateReferrals(store, '2026-11-28')[0].late).toEqual([{ kind: 'not_sent', label: '上转单已创建未发出（待签署知情同意）', due: '2026-11-27' }]);
		expect(() => stepReferral(store, { referralNo: referral.referralNo, step: 'sent', consentBy: 'guardian' })).toThrow(expect.objectContaining({ field: 'consentAt' }));
		const sent = stepReferral(store, { referralNo: referral.referralNo, step: 'sent', consentBy: 'guardian', consentAt: '2026-11-28T01:00:00Z', at: '2026-11-28T02:00:00Z' });
		expect(sent.referral).toMatchObject({ status: 'sent', consentBy: 'guardian', consentAt: '2026-11-28T01:00:00.000Z', responseDue: '2026-11-30' });
	});

	test('a valid agreement between the parties removes the warning; an expired one does not', () => {
		upsertAgreement(store, { agreementNo: 'XY-2025-01', institution: '县精神卫生中心', partner: '城关镇卫生院', signedOn: '2025-01-10', validUntil: '2026-06-30' });
		expect(up().warnings[0]).toMatch(/no valid referral agreement .* on 2026-11-27/);
		expect(upsertAgreement(store, { agreementNo: 'XY-2025-01', institution: '县精神卫生中心', partner: '城关镇卫生院', signedOn: '2025-01-10', validUntil: '2027-12-31' }).outcome).toBe('updated');
		const r = up({ idempotencyKey: 'k2' });
		expect(r.warnings).toEqual([expect.stringMatching(/already has an open 上转/)]);
		expect(r.referral).toMatchObject({ agreementNo: 'XY-2025-01', agreementWarning: null });
		// A note not given keeps the one on file.
		upsertAgreement(store, { agreementNo: 'XY-2025-01', institution: '县精神卫生中心', partner: '城关镇卫生院', signedOn: '2025-01-10', validUntil: '2027-12-31', note: '每年续签' });
		expect(upsertAgreement(store, { agreementNo: 'XY-2025-01', institution: '县精神卫生中心', partner: '城关镇卫生院', signedOn: '2025-01-10', validUntil: '2027-12-31' })).toMatchObject({ outcome: 'unchanged', agreement: { note: '每年续签' } });
		expect(() => upsertAgreement(store, { agreementNo: 'XY-2', institution: 'a', partner: 'b', signedOn: '2026-01-01', validUntil: '2025-01-01' })).toThrow(/validUntil .* before validFrom/);
	});

	test('bad requests name the field', () => {
		expect(() => up({ patientNo: 'P999' })).toThrow(expect.objectContaining({ field: 'patientNo', message: expect.stringMatching(/not in the registry/) }));
		expect(() => up({ reasons: [] })).toThrow(expect.objectContaining({ field: 'reasons' }));
		expect(() => up({ consentAt: null })).toThrow(expect.objectContaining({ field: 'consentAt' }));
		expect(() => up({ toInstitution: '城关镇卫生院' })).toThrow(expect.objectContaining({ field: 'toInstitution' }));
		expect(up({ consentBy: 'none', consentAt: null }).referral.consentBy).toBe('none');
		expect(parseCodeList(REFERRAL_REASONS, '诊断不明确、relapse', 'reasons')).toEqual(['unclear_diagnosis', 'relapse']);
		expect(() => parseCodeList(REFERRAL_REASONS, '不知道', 'reasons')).toThrow(expect.objectContaining({ field: 'reasons' }));
		// A label with full-width brackets matches however the brackets were typed.
		expect(parseCodeList(CARE_ROLES, '乡镇（社区）医生、乡镇(社区)医生、精防专干', 'visitors')).toEqual(['township_doctor', 'mental_health_worker']);
		expect(count('SELECT COUNT(*) AS n FROM referrals')).toBe(1);
	});

	test('a return: discharge information within 10 working days across 国庆, a community visit within 2 weeks', () => {
		const r = createReferral(
			store,
			{ patientNo: 'P003', direction: 'return', fromInstitution: '县精神卫生中心', toInstitution: '青山镇卫生院', reasons: ['stable_return'], consentBy: 'patient', consentAt: '2026-09-30T01:00:00Z', dischargeDate: '2026-09-30' },
			{ now: '2026-09-30T02:00:00Z' },
		).referral;
		expect(r).toMatchObject({ dischargeInfoDue: '2026-10-21', communityVisitDue: '2026-10-14', communityVisitDate: null });
		expect(lateItems(r, '2026-10-14').map((l) => l.kind)).toEqual([]);
		expect(lateItems(r, '2026-10-15').map((l) => l.kind)).toEqual(['community_visit']);
		expect(listLateReferrals(store, '2026-10-22').map((l) => l.late.map((x) => x.kind))).toEqual([['discharge_info', 'community_visit']]);
		stepReferral(store, { referralNo: r.referralNo, step: 'discharge_info_sent', at: '2026-10-20T08:00:00Z' });
		// The township's first follow-up on or after discharge is the community visit.
		store.recordFollowUp({ patientRowId: 3, date: '2026-10-16', form: 'home', riskLevel: 0, classification: 'stable', medication: 'regular', nextFollowUpDate: '2027-01-16', actions: [], reasons: [], observation: null, visitors: ['mental_health_worker'] });
		const after = getReferral(store, r.referralNo)?.referral;
		expect(after).toMatchObject({ dischargeInfoSentAt: '2026-10-20T08:00:00.000Z', communityVisitDate: '2026-10-16' });
		expect(listLateReferrals(store, '2026-10-22')).toEqual([]);
		expect(store.followUpsOf(3)[0].visitors).toEqual(['mental_health_worker']);
	});
});

describe('case management', () => {
	const team = [
		{ role: 'mental_health_worker' as const, name: '精防专干一' },
		{ role: 'police' as const, name: '民警一' },
		{ role: 'guardian' as const, name: '监护人一' },
	];

	test('a task from the assessment, opened by its team, reviewed, closed; one open plan per patient', () => {
		const task = createPlanTask(store, { patientNo: 'P001', reason: '病情不稳定', followUpDate: '2026-11-20', idempotencyKey: 'P001/2026-11-20/case' }, { today: '2026-11-27' });
		expect(task.plan).toMatchObject({ planNo: 'GA20261127-0001', status: 'pending', dueOn: '2026-12-11' });
		expect(createPlanTask(store, { patientNo: 'P001', reason: '病情不稳定', idempotencyKey: 'P001/2026-11-20/case' }).outcome).toBe('existing');
		expect(createPlanTask(store, { patientNo: 'P001', reason: 'again' }).plan.planNo).toBe('GA20261127-0001');
		expect(() => reviewPlan(store, { plan: 'GA20261127-0001' })).toThrow(/pending .* cannot be reviewed; open it with its team first/);
		const opened = openPlan(store, { patientNo: 'P001', team, goals: ['规律服药', '每两周面访'], openedOn: '2026-12-01' });
		expect(opened.outcome).toBe('activated');
		expect(opened.plan).toMatchObject({ planNo: 'GA20261127-0001', status: 'active', openedOn: '2026-12-01', reviewDue: '2027-03-01' });
		expect(opened.warnings).toEqual([]);
		expect(openPlan(store, { patientNo: 'P001', team, goals: ['x'] }).outcome).toBe('existing');
		const reviewed = reviewPlan(store, { plan: 'P001', reviewedOn: '2027-02-25', note: '病情好转', idempotencyKey: 'rv1' });
		expect(reviewed.plan).toMatchObject({ lastReviewedOn: '2027-02-25', reviewDue: '2027-05-25' });
		expect(reviewPlan(store, { plan: 'P001', reviewedOn: '2027-02-25', idempotencyKey: 'rv1' }).outcome).toBe('unchanged');
		expect(closePlan(store, { plan: 'GA20261127-0001', closedOn: '2027-06-01', reason: '病情稳定满6个月' }).plan.status).toBe('closed');
		expect(closePlan(store, { plan: 'GA20261127-0001', reason: 'again' }).outcome).toBe('unchanged');
		expect(closePlan(store, { plan: 'P001', reason: 'x' })).toMatchObject({ outcome: 'unchanged', plan: { planNo: 'GA20261127-0001' } });
		expect(() => closePlan(store, { plan: 'P002', reason: 'x' })).toThrow(/no open plan of that 患者编号/);
		expect(() => reviewPlan(store, { plan: 'GA20261127-0001' })).toThrow(/closed \(已结案\) cannot be reviewed; open a new plan/);
		expect(plansOf(store, 1)).toHaveLength(1);
		// A plan key used for another patient is refused, naming the field.
		expect(() => createPlanTask(store, { patientNo: 'P003', reason: 'x', idempotencyKey: 'P001/2026-11-20/case' })).toThrow(expect.objectContaining({ field: 'idempotencyKey' }));
		expect(() => openPlan(store, { patientNo: 'P002', team: [{ role: 'boss' as never, name: 'x' }], goals: ['x'] })).toThrow(/team member 1: role must be one of/);
		expect(openPlan(store, { patientNo: 'P002', team: [team[0]], goals: ['x'] }).warnings).toEqual([
			expect.stringMatching(/neither unstable nor at risk level 3/),
			expect.stringMatching(/no 民警/),
			expect.stringMatching(/no 监护人/),
		]);
	});

	test('List Missing: unstable patients without a plan in force; a pending task does not count', () => {
		createPlanTask(store, { patientNo: 'P003', reason: '病情不稳定' }, { today: '2026-11-27' });
		expect(listMissingPlans(store).map((m) => [m.patientNo, m.pendingPlanNo])).toEqual([
			['P001', null],
			['P003', 'GA20261127-0001'],
		]);
		openPlan(store, { patientNo: 'P001', team, goals: ['规律服药'], openedOn: '2026-11-27' });
		expect(listMissingPlans(store).map((m) => m.patientNo)).toEqual(['P003']);
		expect(listMissingPlans(store, { township: '城关镇' })).toEqual([]);
	});

	test('个案管理率: unknown until a plan is kept, then plans in force on the last day of the quarter', () => {
		const period = indicatorPeriod({ quarter: '2026Q4' });
		const q4 = () => registryIndicators(store, { period, previous: false });
		for (const [no, d] of [['P001', '2026-11-20'], ['P003', '2026-11-25']] as const) {
			store.recordFollowUp({ patientRowId: no === 'P001' ? 1 : 3, date: d, form: 'home', riskLevel: no === 'P001' ? 3 : 1, classification: 'unstable', medication: 'regular', nextFollowUpDate: '2026-12-04', actions: [], reasons: [], observation: null });
		}
		expect(q4().county.caseManagementRate).toBeNull();
		openPlan(store, { patientNo: 'P001', team, goals: ['x'], openedOn: '2026-12-01' });
		expect(q4().county.caseManagementRate).toMatchObject({ numerator: 1, denominator: 2 });
		const list = registryActionList(store, '2026-12-31');
		expect(list.items.filter((i) => i.category === 'unstable_no_case_management').map((i) => i.patientNo)).toEqual(['P003']);
	});
});

describe('daily work lists', () => {
	test('per township: overdue, due this week, joint follow-up, no case management, referrals late; the county sums them', () => {
		store.recordFollowUp({ patientRowId: 1, date: '2026-11-20', form: 'home', riskLevel: 3, classification: 'unstable', medication: 'regular', nextFollowUpDate: '2026-12-04', actions: [], reasons: [], observation: null, visitors: ['mental_health_worker', 'police'] });
		const { referral } = up();
		stepReferral(store, { referralNo: referral.referralNo, step: 'sent', at: '2026-11-27T03:00:00Z' });
		const { townships, county, patientRowIds } = buildWorkLists(store, '2026-12-01', { townshipEmails: { 城关镇: 'cg@example.org' }, countyEmail: 'jfb@example.org' });
		expect(townships.map((t) => [t.township, t.email])).toEqual([
			['城关镇', 'cg@example.org'],
			['青山镇', null],
		]);
		const cg = townships[0];
		expect(cg.weekEnd).toBe('2026-12-06');
		expect(cg.rows.map((r) => [r.section, r.patientNo, r.due, r.daysLate, r.reference])).toEqual([
			['follow_up_overdue', 'P002', '2026-09-01', 91, null],
			['follow_up_due', 'P001', '2026-12-04', null, null],
			['joint_follow_up', 'P001', '2026-12-04', null, null],
			['case_management_missing', 'P001', null, null, null],
			['referral_late', 'P001', '2026-11-30', 1, referral.referralNo],
		]);
		expect(cg.rows[2].task).toMatch(/上次随访无精神科医师参与/);
		expect(cg.counts).toMatchObject({ follow_up_overdue: 1, follow_up_due: 1, joint_follow_up: 1, case_management_missing: 1, referral_late: 1 });
		expect(cg.patients).toBe(2);
		expect(cg.notKept).toEqual([]);
		expect(county.counts.case_management_missing).toBe(2);
		expect(county.patients).toBe(townships[0].patients + townships[1].patients);
		expect(county.townshipsWithoutEmail).toEqual(['青山镇']);
		expect(patientRowIds.sort()).toEqual([1, 2, 3]);
	});

	test('a plan in force whose review falls due this week, or is past due, is on the list; one due later is not', () => {
		const team = [{ role: 'mental_health_worker' as const, name: '专干' }];
		openPlan(store, { patientNo: 'P001', team, goals: ['规律服药'], openedOn: '2026-09-01', reviewDue: '2026-11-28' }, { today: '2026-11-27' });
		openPlan(store, { patientNo: 'P003', team, goals: ['规律服药'], openedOn: '2026-09-01', reviewDue: '2026-12-20' }, { today: '2026-11-27' });
		const reviews = () => buildWorkLists(store, '2026-12-01').townships.flatMap((t) => t.rows).filter((r) => r.section === 'case_review_due');
		expect(reviews().map((r) => [r.patientNo, r.due, r.daysLate, r.reference])).toEqual([['P001', '2026-11-28', 3, 'GA20261127-0001']]);
		reviewPlan(store, { plan: 'P001', reviewedOn: '2026-12-01' });
		expect(reviews()).toEqual([]);
		// The unstable patients now have a plan in force: none is missing one.
		expect(buildWorkLists(store, '2026-12-01').county.counts.case_management_missing).toBe(0);
	});
});
