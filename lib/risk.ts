/**
 * Risk assessment (危险性评估) and condition classification (病情分类) at a follow-up.
 *
 * Rules: 严重精神障碍管理治疗工作规范（2018年版） and 国家基本公共卫生服务规范（第三版）
 * 严重精神障碍患者管理服务规范 (docs/rules.md §4). Local policy on top (joint follow-up, case
 * management, follow-up intervals) is configurable; the defaults are the seed plans'.
 */
import { z } from 'zod';
import { addInterval, Interval, parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { intervalSchema, parseOrThrow } from './policy';
import {
	ActionCode,
	ACTIONS,
	BehaviourCode,
	BEHAVIOURS,
	Classification,
	CLASSIFICATIONS,
	EMERGENCY_TRIGGERS,
	EmergencyTrigger,
	OBSERVATION_FIELD_LABELS as FIELD_LABELS,
} from './vocabulary';

export interface Observation {
	/** Date of the follow-up (YYYY-MM-DD). */
	date: string;
	/** Risk level 0–5 as recorded on the form. */
	riskLevel?: number;
	/** Behaviours observed since the last assessment. */
	behaviours?: BehaviourCode[];
	symptoms: 'none' | 'mild' | 'marked';
	insight: 'complete' | 'partial' | 'absent';
	socialFunction: 'good' | 'fair' | 'poor';
	adverseReaction: 'none' | 'mild' | 'serious';
	somaticDisease: 'none' | 'stable' | 'serious';
	/** Currently admitted to hospital. */
	hospitalised?: boolean;
	/** An emergency (应急处置) occurred: true, or the trigger(s). */
	emergency?: boolean | EmergencyTrigger | EmergencyTrigger[];
}

export interface RiskPolicy {
	/** Local policy: from this level on, a specialist and the township 精防专干 follow up jointly. Default 3; null turns it off. */
	jointFollowUpMinLevel: number | null;
	/** Local policy: unstable patients get case management (个案管理). Default true. */
	caseManagementForUnstable: boolean;
	/** Interval to the next follow-up per classification. Defaults: 2 weeks, 2 weeks, 3 months. */
	intervals: Record<Classification, Interval>;
}

export const DEFAULT_RISK_POLICY: RiskPolicy = {
	jointFollowUpMinLevel: 3,
	caseManagementForUnstable: true,
	intervals: {
		unstable: { days: 14 },
		basically_stable: { days: 14 },
		stable: { months: 3 },
	},
};

/** The national rule: police are notified from level 3 (必要时报告公安部门，协助送院治疗). Not configurable. */
export const POLICE_NOTIFY_MIN_LEVEL = 3;

export interface Assessment {
	riskLevel: number;
	classification: Classification;
	classificationLabel: string;
	nextFollowUpDate: string;
	actions: ActionCode[];
	actionLabels: string[];
	reasons: string[];
}

const behaviourCodes = Object.keys(BEHAVIOURS) as [BehaviourCode, ...BehaviourCode[]];
const triggerCodes = Object.keys(EMERGENCY_TRIGGERS) as [EmergencyTrigger, ...EmergencyTrigger[]];

const observationSchema = z.object({
	date: z.string().refine((s) => parseIsoDay(s) !== null, 'must be a real date written YYYY-MM-DD'),
	riskLevel: z.number().int('must be a whole number 0–5').min(0, 'must be 0–5').max(5, 'must be 0–5').optional(),
	behaviours: z.array(z.enum(behaviourCodes)).optional(),
	symptoms: z.enum(['none', 'mild', 'marked']),
	insight: z.enum(['complete', 'partial', 'absent']),
	socialFunction: z.enum(['good', 'fair', 'poor']),
	adverseReaction: z.enum(['none', 'mild', 'serious']),
	somaticDisease: z.enum(['none', 'stable', 'serious']),
	hospitalised: z.boolean().optional(),
	emergency: z.union([z.boolean(), z.enum(triggerCodes), z.array(z.enum(triggerCodes))]).optional(),
});

const policySchema = z.object({
	jointFollowUpMinLevel: z.number().int().min(1).max(5).nullable(),
	caseManagementForUnstable: z.boolean(),
	intervals: z.object({ unstable: intervalSchema, basically_stable: intervalSchema, stable: intervalSchema }),
});

/** Validate and complete a (partial) policy. Throws SmdInputError naming the policy field. */
export function resolveRiskPolicy(policy: Partial<RiskPolicy> = {}): RiskPolicy {
	const merged = {
		...DEFAULT_RISK_POLICY,
		...policy,
		intervals: { ...DEFAULT_RISK_POLICY.intervals, ...(policy.intervals ?? {}) },
	};
	return parseOrThrow(policySchema, merged, { prefix: 'policy.' }) as RiskPolicy;
}

/** Validate an observation. Throws SmdInputError naming the first bad field. */
export function validateObservation(observation: unknown): Observation {
	if (observation === null || typeof observation !== 'object' || Array.isArray(observation)) {
		throw new SmdInputError('invalid', 'observation must be an object', { field: 'observation' });
	}
	return parseOrThrow(observationSchema, observation, { fallback: 'observation', labels: FIELD_LABELS, namesOnly: true }) as Observation;
}

/**
 * The one next-follow-up rule: the day after `lastFollowUpDate` by the interval for the patient's
 * classification (national: 3 months stable, 2 weeks otherwise; `intervals` for local policy). A
 * patient never classified counts as stable. Used by the assessment, the registry (a patient imported
 * with only a last follow-up date) and triage (overdue follow-ups).
 */
export function nextFollowUpAfter(
	lastFollowUpDate: string,
	classification: Classification | null,
	intervals: RiskPolicy['intervals'] = DEFAULT_RISK_POLICY.intervals,
): string {
	return addInterval(lastFollowUpDate, intervals[classification ?? 'stable']);
}

/** "2周", "3个月", "1个月10天" */
export function describeInterval(interval: Interval): string {
	const parts: string[] = [];
	if (interval.months) parts.push(`${interval.months}个月`);
	const days = interval.days ?? 0;
	if (days) parts.push(days % 7 === 0 && !interval.months ? `${days / 7}周` : `${days}天`);
	return parts.join('');
}

function triggersOf(emergency: Observation['emergency']): EmergencyTrigger[] | null {
	if (emergency === undefined || emergency === false) return null;
	if (emergency === true) return [];
	return Array.isArray(emergency) ? emergency : [emergency];
}

/**
 * Assess one follow-up observation. Level = the highest of the recorded level and the behaviours
 * observed (0 when neither); classification and actions per docs/rules.md §4. Throws SmdInputError for
 * invalid input, naming the field.
 */
export function assessRisk(observation: Observation, options: Partial<RiskPolicy> = {}): Assessment {
	return assessValidated(validateObservation(observation), resolveRiskPolicy(options));
}

/**
 * `assessRisk` for an observation and policy already validated (`validateObservation` or
 * `observationFromRecord`, `resolveRiskPolicy`): the follow-up import assesses a million rows and
 * validates each row's fields as it reads them.
 */
export function assessValidated(obs: Observation, policy: RiskPolicy): Assessment {
	const reasons: string[] = [];

	// 1. Risk level.
	let behaviourLevel = 0;
	let worst: BehaviourCode | undefined;
	for (const b of obs.behaviours ?? []) {
		if (BEHAVIOURS[b].level > behaviourLevel) {
			behaviourLevel = BEHAVIOURS[b].level;
			worst = b;
		}
	}
	const recorded = obs.riskLevel;
	const riskLevel = Math.max(recorded ?? 0, behaviourLevel);
	if (worst) reasons.push(`随访期间最高危险行为「${BEHAVIOURS[worst].label}」对应危险性${behaviourLevel}级`);
	if (recorded !== undefined && worst && recorded !== behaviourLevel) {
		reasons.push(`填报的危险性评估${recorded}级与所列危险行为（最高${behaviourLevel}级）不一致，按较高者${riskLevel}级评定`);
	}
	if (riskLevel === 0) reasons.push('未发生1~5级中的任何行为：危险性评估0级');

	// 2. Classification (病情分类).
	const unstableBy: string[] = [];
	if (riskLevel >= 3) unstableBy.push(`危险性评估3级及以上（${riskLevel}级）：病情不稳定`);
	if (obs.symptoms === 'marked') unstableBy.push('精神症状明显：病情不稳定');
	if (obs.insight === 'absent') unstableBy.push('自知力缺失：病情不稳定');
	if (obs.adverseReaction === 'serious') unstableBy.push('有急性药物不良反应或严重药物不良反应：病情不稳定');
	if (obs.somaticDisease === 'serious') unstableBy.push('有严重躯体疾病：病情不稳定');

	const basicallyBy: string[] = [];
	if (riskLevel >= 1 && riskLevel <= 2) basicallyBy.push(`危险性评估1~2级（${riskLevel}级）：病情基本稳定`);
	if (obs.symptoms === 'mild') basicallyBy.push('精神症状未基本消失：病情基本稳定');
	if (obs.insight === 'partial') basicallyBy.push('自知力不全：病情基本稳定');
	if (obs.socialFunction === 'poor') basicallyBy.push('社会功能较差：病情基本稳定');

	let classification: Classification;
	if (unstableBy.length > 0) {
		classification = 'unstable';
		reasons.push(...unstableBy);
	} else if (basicallyBy.length > 0) {
		classification = 'basically_stable';
		reasons.push(...basicallyBy);
	} else {
		classification = 'stable';
		reasons.push(
			'危险性0级，精神症状基本消失，自知力基本恢复，社会功能一般或良好，无严重药物不良反应，躯体疾病稳定或无：病情稳定',
		);
	}

	// 3. Actions.
	const actions: ActionCode[] = [];
	const add = (a: ActionCode, why: string) => {
		if (!actions.includes(a)) actions.push(a);
		reasons.push(why);
	};

	const triggers = triggersOf(obs.emergency);
	if (triggers) {
		const what = triggers.length ? triggers.map((t) => EMERGENCY_TRIGGERS[t]).join('、') : '应急情况';
		add('emergency_response', `发生${what}：启动应急处置，精神科医师24小时内填报应急处置记录单`);
	}

	if (classification === 'unstable') {
		if (obs.hospitalised) {
			reasons.push('患者已住院治疗：无需再转诊，出院后按下转流程2周内随访');
		} else {
			add('refer_up', '病情不稳定：对症处理后立即转诊到上级医院');
			if (riskLevel >= POLICE_NOTIFY_MIN_LEVEL) {
				add('notify_police', `危险性评估${POLICE_NOTIFY_MIN_LEVEL}级及以上：报告当地公安部门，协助送院治疗`);
			}
			add('joint_followup', '未能住院或转诊的，2周内由精神科医师、居委会人员、民警共同随访');
		}
		if (policy.caseManagementForUnstable) add('case_management', '本地政策：病情不稳定患者纳入个案管理');
	} else if (classification === 'basically_stable') {
		add('adjust_medication', '病情基本稳定：在规定剂量范围内调整现用药物剂量，或查找原因对症治疗');
	} else {
		add('continue_plan', '病情稳定：继续执行原治疗方案');
	}
	if (policy.jointFollowUpMinLevel !== null && riskLevel >= policy.jointFollowUpMinLevel) {
		add(
			'joint_followup',
			`本地政策：危险性评估${policy.jointFollowUpMinLevel}级及以上由专科医师与乡镇精防专干联合随访`,
		);
	}

	// 4. Next follow-up.
	const interval = policy.intervals[classification];
	const nextFollowUpDate = nextFollowUpAfter(obs.date, classification, policy.intervals);
	reasons.push(`下次随访：${describeInterval(interval)}后（${nextFollowUpDate}）`);

	return {
		riskLevel,
		classification,
		classificationLabel: CLASSIFICATIONS[classification],
		nextFollowUpDate,
		actions,
		actionLabels: actions.map((a) => ACTIONS[a]),
		reasons,
	};
}

/** Chinese column names of an assessment laid out as spreadsheet columns. */
export const ASSESSMENT_COLUMNS = {
	riskLevel: '评定危险性级别',
	classification: '病情分类',
	actions: '处置措施',
	nextFollowUpDate: '下次随访日期',
	reasons: '评估依据',
} as const;

/**
 * An assessment as flat spreadsheet columns with Chinese headers: labels instead of codes, lists
 * joined with "；".
 */
export function assessmentColumns(a: Assessment, options: { includeReasons?: boolean } = {}): Record<string, string | number> {
	const row: Record<string, string | number> = {
		[ASSESSMENT_COLUMNS.riskLevel]: a.riskLevel,
		[ASSESSMENT_COLUMNS.classification]: a.classificationLabel,
		[ASSESSMENT_COLUMNS.actions]: a.actionLabels.join('；'),
		[ASSESSMENT_COLUMNS.nextFollowUpDate]: a.nextFollowUpDate,
	};
	if (options.includeReasons !== false) row[ASSESSMENT_COLUMNS.reasons] = a.reasons.join('；');
	return row;
}
