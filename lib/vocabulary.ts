/**
 * Codes are stored in English; Chinese labels are what users see (docs/rules.md §1, §4).
 * Each table maps code → label; `parseLabel` maps user text (a code or a Chinese label or one of its
 * aliases) back to the code.
 */

export const DISORDERS = {
	schizophrenia: '精神分裂症',
	schizoaffective: '分裂情感性障碍',
	delusional: '偏执性精神病（持久的妄想性障碍）',
	bipolar: '双相（情感）障碍',
	epilepsy_psychosis: '癫痫所致精神障碍',
	intellectual_disability_psychosis: '精神发育迟滞伴发精神障碍',
} as const;
export type DisorderCode = keyof typeof DISORDERS;

export const MANAGEMENT_STATUS = {
	active: '在管',
	lost: '失访',
	deceased: '死亡',
	moved_out: '迁出',
	refused: '拒绝管理',
} as const;
export type ManagementStatus = keyof typeof MANAGEMENT_STATUS;

export const CLASSIFICATIONS = {
	stable: '稳定',
	basically_stable: '基本稳定',
	unstable: '不稳定',
} as const;
export type Classification = keyof typeof CLASSIFICATIONS;

export const MEDICATION = {
	regular: '规律服药',
	intermittent: '间断服药',
	none: '不服药',
	not_required: '医嘱勿需服药',
} as const;
export type Medication = keyof typeof MEDICATION;

export const FOLLOW_UP_FORMS = {
	clinic: '门诊',
	home: '家庭访视',
	phone: '电话',
} as const;
export type FollowUpForm = keyof typeof FOLLOW_UP_FORMS;

/** Risk levels 0–5 with the wording of 严重精神障碍管理治疗工作规范（2018年版）. */
export const RISK_LEVELS = [
	'无符合以下1~5级中的任何行为',
	'口头威胁，喊叫，但没有打砸行为',
	'打砸行为，局限在家里，针对财物，能被劝说制止',
	'明显打砸行为，不分场合，针对财物，不能接受劝说而停止',
	'持续的打砸行为，不分场合，针对财物或人，不能接受劝说而停止（包括自伤、自杀）',
	'持械针对人的任何暴力行为，或者纵火、爆炸等行为，无论在家里还是公共场合',
] as const;

/** Behaviours observed since the last assessment, each with the risk level it implies. */
export const BEHAVIOURS = {
	verbal_threat: { level: 1, label: '口头威胁、喊叫' },
	smash_home_stoppable: { level: 2, label: '在家打砸财物、能被劝止' },
	smash_unstoppable: { level: 3, label: '明显打砸、不分场合、不能劝止' },
	persistent_smash_or_person: { level: 4, label: '持续打砸、针对财物或人' },
	self_harm: { level: 4, label: '自伤' },
	suicide_attempt: { level: 4, label: '自杀（未遂）' },
	weapon_violence: { level: 5, label: '持械伤人' },
	arson: { level: 5, label: '纵火' },
	explosion: { level: 5, label: '爆炸' },
} as const;
export type BehaviourCode = keyof typeof BEHAVIOURS;

export const ACTIONS = {
	continue_plan: '维持原治疗方案',
	adjust_medication: '在规定剂量范围内调整用药或查找原因对症处理',
	refer_up: '立即转诊上级医院',
	notify_police: '报告公安部门，协助送院',
	joint_followup: '精神科医师与精防专干（必要时民警）联合随访',
	case_management: '纳入个案管理',
	emergency_response: '启动应急处置（24小时内填报应急处置记录单）',
} as const;
export type ActionCode = keyof typeof ACTIONS;

export const SYMPTOMS = { none: '基本消失', mild: '轻度/部分存在', marked: '明显' } as const;
export const INSIGHT = { complete: '自知力完全', partial: '自知力不全', absent: '自知力缺失' } as const;
export const SOCIAL_FUNCTION = { good: '良好', fair: '一般', poor: '较差' } as const;
export const ADVERSE_REACTION = { none: '无', mild: '轻度', serious: '严重' } as const;
export const SOMATIC_DISEASE = { none: '无', stable: '稳定', serious: '严重' } as const;

export type Symptoms = keyof typeof SYMPTOMS;
export type Insight = keyof typeof INSIGHT;
export type SocialFunction = keyof typeof SOCIAL_FUNCTION;
export type AdverseReaction = keyof typeof ADVERSE_REACTION;
export type SomaticDisease = keyof typeof SOMATIC_DISEASE;

export const EMERGENCY_TRIGGERS = {
	relapse: '病情复发、急性发作',
	harm_to_others: '伤害他人或危害公共安全',
	self_harm: '自伤、自杀',
	overdose: '药物过量或急性不良反应',
	acute_change: '病情急剧变化',
	incident_risk: '有肇事肇祸风险',
	somatic_disease: '严重躯体疾病',
} as const;
export type EmergencyTrigger = keyof typeof EMERGENCY_TRIGGERS;

/**
 * Chinese texts accepted for each vocabulary, beyond the code itself and its label. The national
 * follow-up form (严重精神障碍患者随访服务记录表) prints options such as "1 完全 2 不全 3 缺失";
 * a leading option number is stripped before lookup.
 */
export const ALIASES: Record<string, Record<string, string[]>> = {
	symptoms: {
		none: ['无', '无症状', '基本消失', '消失', '没有'],
		mild: ['轻', '轻度', '部分', '部分存在', '较轻', '部分缓解'],
		marked: ['明显', '严重', '精神症状明显', '突出'],
	},
	insight: {
		complete: ['完全', '完整', '基本恢复', '恢复'],
		partial: ['不全', '不完全', '部分', '部分存在'],
		absent: ['缺失', '无', '丧失', '没有'],
	},
	socialFunction: {
		good: ['良好', '好'],
		fair: ['一般', '中'],
		poor: ['较差', '差'],
	},
	adverseReaction: {
		none: ['无', '没有'],
		mild: ['有', '轻', '轻度', '一般'],
		serious: ['严重', '急性', '严重不良反应'],
	},
	somaticDisease: {
		none: ['无', '没有'],
		stable: ['稳定', '平稳'],
		serious: ['严重', '不稳定', '严重躯体疾病'],
	},
	behaviours: {
		verbal_threat: ['口头威胁', '喊叫', '口头威胁喊叫'],
		smash_home_stoppable: ['在家打砸', '在家打砸能劝止'],
		smash_unstoppable: ['明显打砸', '打砸不能劝止'],
		persistent_smash_or_person: ['持续打砸', '打砸针对人'],
		self_harm: ['自伤'],
		suicide_attempt: ['自杀', '自杀未遂'],
		weapon_violence: ['持械伤人', '持械暴力'],
		arson: ['纵火'],
		explosion: ['爆炸'],
	},
	emergency: {
		relapse: ['复发', '急性发作'],
		harm_to_others: ['伤人', '危害公共安全'],
		self_harm: ['自伤', '自杀'],
		overdose: ['药物过量', '急性不良反应'],
	},
};

/** Chinese labels of the fields of a follow-up observation, for error messages and forms. */
export const OBSERVATION_FIELD_LABELS = {
	date: '随访日期',
	riskLevel: '危险性评估',
	behaviours: '危险行为',
	symptoms: '精神症状',
	insight: '自知力',
	socialFunction: '社会功能',
	adverseReaction: '药物不良反应',
	somaticDisease: '躯体疾病',
	hospitalised: '住院',
	emergency: '应急处置',
} as const;
