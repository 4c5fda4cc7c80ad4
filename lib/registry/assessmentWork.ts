/**
 * What a risk assessment's actions call for, recorded in the registry (docs/rules.md §11): for
 * 立即转诊 an upward referral drafted from the follow-up, for 纳入个案管理 a case-management task.
 * Both or neither (one transaction); keyed by 患者编号 and follow-up date, so the same follow-up again
 * creates nothing (and a draft whose consent was pending takes the consent it brings).
 */
import type { Assessment, Observation } from '../risk';
import { referralKey, type ConsentBy, type ReferralReason, type ReferralStatus } from '../referrals';
import { createPlanTask } from './casePlans';
import { createReferral } from './referrals';
import type { RegistryStore } from './store';

export interface AssessmentWorkInput {
	patientNo: string;
	/** The township health centre that refers up. */
	fromInstitution: string;
	/** The specialist institution. */
	toInstitution: string;
	/** Consent as recorded at the visit; `pending` when not yet signed. */
	consentBy: ConsentBy;
	consentAt: string | null;
}

export interface AssessmentWork {
	referral: { referralNo: string; outcome: 'created' | 'existing'; status: ReferralStatus; consentBy: ConsentBy; warnings: string[] } | null;
	casePlan: { planNo: string; outcome: string; status: string; dueOn: string | null } | null;
	/** Patients written (for the audit trail). */
	patientRowIds: number[];
}

/** Why a patient is referred up, from what the follow-up observed (this package's choice, §11). */
export function referralReasons(o: Observation, a: Assessment): ReferralReason[] {
	const reasons: ReferralReason[] = [];
	const b = o.behaviours ?? [];
	if (b.some((x) => x === 'self_harm' || x === 'suicide_attempt') || a.riskLevel >= 3) reasons.push('violence_self_harm');
	if (o.emergency) reasons.push('acute_episode');
	if (o.adverseReaction === 'serious') reasons.push('acute_toxicity');
	if (reasons.length === 0) reasons.push('unstable');
	return reasons;
}

export function createAssessmentWork(store: RegistryStore, o: Observation, a: Assessment, input: AssessmentWorkInput, options: { today?: string } = {}): AssessmentWork {
	return store.transaction(() => {
		const work: AssessmentWork = { referral: null, casePlan: null, patientRowIds: [] };
		if (a.actions.includes('refer_up')) {
			const r = createReferral(
				store,
				{
					patientNo: input.patientNo,
					direction: 'up',
					fromInstitution: input.fromInstitution,
					toInstitution: input.toInstitution,
					reasons: referralReasons(o, a),
					urgency: o.emergency ? 'emergency' : a.riskLevel >= 3 ? 'urgent' : 'routine',
					consentBy: input.consentBy,
					consentAt: input.consentAt,
					followUpDate: o.date,
					idempotencyKey: referralKey(input.patientNo, 'up', o.date, input.toInstitution),
				},
				{ today: options.today },
			);
			work.patientRowIds.push(r.patientRowId);
			work.referral = { referralNo: r.referral.referralNo, outcome: r.outcome, status: r.referral.status, consentBy: r.referral.consentBy, warnings: r.warnings };
		}
		if (a.actions.includes('case_management')) {
			const t = createPlanTask(
				store,
				{ patientNo: input.patientNo, reason: `随访${o.date}评估：${a.classificationLabel}，危险性${a.riskLevel}级`, followUpDate: o.date, idempotencyKey: `${input.patientNo}/case/${o.date}` },
				{ today: options.today },
			);
			work.patientRowIds.push(t.patientRowId);
			work.casePlan = { planNo: t.plan.planNo, outcome: t.outcome, status: t.plan.status, dueOn: t.plan.dueOn };
		}
		return work;
	});
}
