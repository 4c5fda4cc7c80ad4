/**
 * The daily work lists from the registry (docs/rules.md §12): per township, on `day`, the patients
 * whose follow-up is overdue or due by the end of the week (from the next follow-up date, which
 * follows each patient's last classification), level ≥ 3 patients due a joint follow-up, unstable
 * patients without a case-management plan in force, and referrals past a deadline.
 */
import { parseIsoDay } from '../dates';
import { maskName } from '../mask';
import { CLASSIFICATIONS } from '../vocabulary';
import { ReferralError } from '../referrals';
import { compareTownships, UNASSIGNED_TOWNSHIP } from '../townships';
import {
	daysBetween,
	emptyCounts,
	WORK_LIST_SECTION_ORDER,
	weekEndOf,
	type CountyWorkListSummary,
	type TownshipWorkList,
	type WorkListRow,
	type WorkListSection,
} from '../workList';
import { listMissingPlans } from './casePlans';
import { dayIn } from './emergencies';
import { listLateReferrals } from './referrals';
import type { RegistryStore } from './store';

export interface WorkListOptions {
	/** From this risk level on, a follow-up is due jointly with the specialist (default 3; the risk policy's). */
	jointFollowUpMinLevel?: number;
	/** Township → address the township's list goes to. */
	townshipEmails?: Record<string, string>;
	/** The county office's address for the summary. */
	countyEmail?: string | null;
	/** Only these townships (default all with active patients). */
	townships?: string[];
	/** Full names in the rows; default masked (first character + *), as the lists leave the health centre by mail. */
	fullNames?: boolean;
	/** The county's time zone, for the day an emergency record falls due (default Asia/Shanghai). */
	timeZone?: string;
}

export interface WorkLists {
	townships: TownshipWorkList[];
	county: CountyWorkListSummary;
	/** Internal row ids of the patients the lists name (for the audit trail). */
	patientRowIds: number[];
}

/** Sections the registry has no data for (none since the emergency module, schema v5). */
const NOT_KEPT: WorkListSection[] = [];

type PatientRow = [number, string, string, string | null, number | null, string | null, string | null, string | null, string | null];

export function buildWorkLists(store: RegistryStore, day: string, options: WorkListOptions = {}): WorkLists {
	if (!parseIsoDay(day)) throw new ReferralError('invalid', 'day must be written YYYY-MM-DD', { field: 'day' });
	const weekEnd = weekEndOf(day);
	const minLevel = options.jointFollowUpMinLevel ?? 3;
	const rows: Array<WorkListRow & { rowId: number }> = [];
	const allTownships = new Set<string>();

	const { due, joint, townships } = store.read(() => ({
		// id, patient_no, name, township, risk_level, classification, last, next, last follow-up's visitors
		due: store.internals
			.arrays(
				`SELECT id, patient_no, name, township, risk_level, classification, last_follow_up_date, next_follow_up_date, NULL
				FROM patients WHERE status = 'active' AND (next_follow_up_date IS NULL OR next_follow_up_date <= ?)`,
			)
			.all(weekEnd) as unknown as PatientRow[],
		joint: store.internals
			.arrays(
				`SELECT p.id, p.patient_no, p.name, p.township, p.risk_level, p.classification, p.last_follow_up_date, p.next_follow_up_date,
					(SELECT f.visitors FROM follow_ups f WHERE f.patient_id = p.id ORDER BY f.follow_up_date DESC LIMIT 1)
				FROM patients p WHERE p.status = 'active' AND p.risk_level >= ?`,
			)
			.all(minLevel) as unknown as PatientRow[],
		townships: (store.internals.arrays("SELECT DISTINCT township FROM patients WHERE status = 'active'").all() as unknown as unknown[][]).map(
			(r) => (r[0] as string | null)?.trim() || UNASSIGNED_TOWNSHIP,
		),
	}));
	for (const t of townships) allTownships.add(t);

	const nameOf = options.fullNames ? (n: string) => n : maskName;
	const base = (r: PatientRow) => ({
		rowId: Number(r[0]),
		patientNo: r[1],
		name: nameOf(r[2]),
		township: r[3]?.trim() || UNASSIGNED_TOWNSHIP,
		riskLevel: r[4] === null ? null : Number(r[4]),
		classification: r[5],
		lastFollowUpDate: r[6],
		nextFollowUpDate: r[7],
	});
	const classLabel = (c: string | null) => (c && Object.hasOwn(CLASSIFICATIONS, c) ? CLASSIFICATIONS[c as keyof typeof CLASSIFICATIONS] : '未分类');

	for (const r of due) {
		const b = base(r);
		const next = b.nextFollowUpDate;
		if (next === null || next < day) {
			rows.push({
				...b,
				section: 'follow_up_overdue',
				due: next,
				daysLate: next === null ? null : daysBetween(next, day),
				task: next === null ? '从未随访：尽快面访，完成危险性评估和病情分类' : `随访逾期：补做随访（病情${classLabel(b.classification)}），完成危险性评估和病情分类`,
				reference: null,
			});
		} else {
			rows.push({ ...b, section: 'follow_up_due', due: next, daysLate: null, task: `本周随访（病情${classLabel(b.classification)}）`, reference: null });
		}
	}
	for (const r of joint) {
		const b = base(r);
		const next = b.nextFollowUpDate;
		const visitors = r[8] ? (JSON.parse(r[8]) as string[]) : null;
		const lastWithoutSpecialist = b.lastFollowUpDate !== null && !(visitors ?? []).includes('specialist');
		const dueThisWeek = next === null || next <= weekEnd;
		if (!dueThisWeek && !lastWithoutSpecialist) continue;
		const why = lastWithoutSpecialist
			? visitors === null
				? '上次随访未记录随访人员'
				: '上次随访无精神科医师参与'
			: '';
		rows.push({
			...b,
			section: 'joint_follow_up',
			due: next,
			daysLate: next !== null && next < day ? daysBetween(next, day) : null,
			task: `危险性${b.riskLevel}级：由精神科医师与精防专干联合随访${why ? `（${why}）` : ''}`,
			reference: null,
		});
	}
	for (const m of listMissingPlans(store)) {
		rows.push({
			rowId: m.patientRowId,
			patientNo: m.patientNo,
			name: nameOf(m.name),
			township: m.township,
			riskLevel: m.riskLevel,
			classification: m.classification,
			lastFollowUpDate: m.lastFollowUpDate,
			nextFollowUpDate: m.nextFollowUpDate,
			section: 'case_management_missing',
			due: m.pendingDueOn,
			daysLate: m.pendingDueOn && m.pendingDueOn < day ? daysBetween(m.pendingDueOn, day) : null,
			task: m.pendingPlanNo ? '组建个案管理小组、制订个案管理计划（已派任务）' : '纳入个案管理：组建管理小组（精防专干、民警、村干部、监护人），制订计划',
			reference: m.pendingPlanNo,
		});
	}
	// Plans in force whose review falls due by the end of the week (or is past due).
	const reviews = store.internals
		.arrays(
			`SELECT p.id, p.patient_no, p.name, p.township, p.risk_level, p.classification, p.last_follow_up_date, p.next_follow_up_date, c.plan_no, c.review_due
			FROM case_plans c JOIN patients p ON p.id = c.patient_id WHERE c.status = 'active' AND p.status = 'active' AND c.review_due <= ?`,
		)
		.all(weekEnd) as unknown as Array<[...PatientRow, string]>;
	for (const r of reviews) {
		const due = r[9];
		rows.push({
			...base(r as unknown as PatientRow),
			section: 'case_review_due',
			due,
			daysLate: due < day ? daysBetween(due, day) : null,
			task: `个案管理计划复核：评估目标完成情况，调整管理措施（计划 ${r[8]}）`,
			reference: r[8],
		});
	}
	const lateReferrals = listLateReferrals(store, day);
	const patientFacts = new Map<number, PatientRow>();
	if (lateReferrals.length) {
		const st = store.internals.arrays(
			'SELECT id, patient_no, name, township, risk_level, classification, last_follow_up_date, next_follow_up_date, NULL FROM patients WHERE id = ?',
		);
		for (const l of lateReferrals) patientFacts.set(l.patientRowId, st.get(l.patientRowId) as unknown as PatientRow);
	}
	for (const l of lateReferrals) {
		const b = base(patientFacts.get(l.patientRowId) as PatientRow);
		for (const late of l.late) {
			rows.push({ ...b, section: 'referral_late', due: late.due, daysLate: daysBetween(late.due, day), task: late.label, reference: l.referral.referralNo });
		}
	}

	// 应急处置记录单 not filed and due by the end of the day (docs/rules.md §13): the psychiatrist's, listed
	// for the township so the 精防专干 can chase it. A person not yet linked to the registry has no row id.
	const unfiled = store.internals
		.get(
			`SELECT e.event_no, e.township, e.record_due, p.id, p.patient_no, p.name, p.risk_level, p.classification, p.last_follow_up_date, p.next_follow_up_date
			FROM emergency_events e LEFT JOIN patients p ON p.id = e.patient_id
			WHERE e.status != 'cancelled' AND e.record_filed_at IS NULL ORDER BY e.record_due`,
		)
		.all() as Array<Record<string, string | number | null>>;
	for (const e of unfiled) {
		const dueDay = dayIn(String(e.record_due), options.timeZone);
		if (dueDay > day) continue;
		const linked = e.id !== null;
		rows.push({
			rowId: linked ? Number(e.id) : -1,
			patientNo: linked ? String(e.patient_no) : '（未关联）',
			name: linked ? nameOf(String(e.name)) : '身份未明',
			township: String(e.township),
			riskLevel: linked && e.risk_level !== null ? Number(e.risk_level) : null,
			classification: linked ? ((e.classification as string | null) ?? null) : null,
			lastFollowUpDate: linked ? ((e.last_follow_up_date as string | null) ?? null) : null,
			nextFollowUpDate: linked ? ((e.next_follow_up_date as string | null) ?? null) : null,
			section: 'emergency_record_late',
			due: dueDay,
			daysLate: daysBetween(dueDay, day),
			task: `应急处置记录单未填报（事件 ${String(e.event_no)}，应于24小时内由精神科医师填报）`,
			reference: String(e.event_no),
		});
	}

	for (const r of rows) allTownships.add(r.township);
	const chosen = options.townships?.length ? new Set(options.townships) : null;
	const order = [...allTownships].filter((t) => !chosen || chosen.has(t)).sort(compareTownships);
	const byTownship = new Map<string, Array<WorkListRow & { rowId: number }>>(order.map((t) => [t, []]));
	for (const r of rows) byTownship.get(r.township)?.push(r);

	const sectionIndex = (s: WorkListSection) => WORK_LIST_SECTION_ORDER.indexOf(s);
	const lists: TownshipWorkList[] = [];
	const ids = new Set<number>();
	for (const township of order) {
		const list = (byTownship.get(township) ?? []).sort(
			(a, b) =>
				sectionIndex(a.section) - sectionIndex(b.section) ||
				(b.daysLate ?? -1) - (a.daysLate ?? -1) ||
				(a.due ?? '') .localeCompare(b.due ?? '') ||
				(a.patientNo < b.patientNo ? -1 : a.patientNo > b.patientNo ? 1 : 0),
		);
		const counts = emptyCounts();
		const patients = new Set<number>();
		for (const r of list) {
			counts[r.section]++;
			if (r.rowId < 0) continue;
			patients.add(r.rowId);
			ids.add(r.rowId);
		}
		lists.push({
			kind: 'township',
			day,
			weekEnd,
			township,
			rows: list.map(({ rowId, ...row }) => (void rowId, row)),
			counts,
			patients: patients.size,
			notKept: [...NOT_KEPT],
			email: options.townshipEmails?.[township]?.trim() || null,
		});
	}
	const county = emptyCounts();
	for (const l of lists) for (const s of WORK_LIST_SECTION_ORDER) county[s] += l.counts[s];
	return {
		townships: lists,
		county: {
			kind: 'county',
			day,
			weekEnd,
			townships: lists.map((l) => ({ township: l.township, counts: l.counts, patients: l.patients })),
			counts: county,
			patients: lists.reduce((n, l) => n + l.patients, 0),
			notKept: [...NOT_KEPT],
			email: options.countyEmail?.trim() || null,
			townshipsWithoutEmail: lists.filter((l) => l.email === null).map((l) => l.township),
		},
		patientRowIds: [...ids],
	};
}
