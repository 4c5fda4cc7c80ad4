import { assessRisk, DEFAULT_RISK_POLICY, Observation, SmdInputError } from '../../lib';

/** A stable patient: the baseline each test changes one thing of. */
const base: Observation = {
	date: '2026-03-10',
	symptoms: 'none',
	insight: 'complete',
	socialFunction: 'good',
	adverseReaction: 'none',
	somaticDisease: 'none',
};
const obs = (over: Partial<Observation>): Observation => ({ ...base, ...over });

function expectInputError(fn: () => unknown, field: string, pattern?: RegExp) {
	let caught: unknown;
	try {
		fn();
	} catch (e) {
		caught = e;
	}
	expect(caught).toBeInstanceOf(SmdInputError);
	expect((caught as SmdInputError).field).toBe(field);
	expect((caught as Error).message).toContain(field);
	if (pattern) expect((caught as Error).message).toMatch(pattern);
}

describe('risk level = highest behaviour since the last assessment, 0 when none', () => {
	test('no level and no behaviours → 0', () => {
		const a = assessRisk(base);
		expect(a.riskLevel).toBe(0);
		expect(a.reasons).toContain('未发生1~5级中的任何行为：危险性评估0级');
	});

	test.each([
		['verbal_threat', 1],
		['smash_home_stoppable', 2],
		['smash_unstoppable', 3],
		['persistent_smash_or_person', 4],
		['self_harm', 4],
		['suicide_attempt', 4],
		['weapon_violence', 5],
		['arson', 5],
		['explosion', 5],
	] as const)('behaviour %s → level %i', (b, level) => {
		expect(assessRisk(obs({ behaviours: [b] })).riskLevel).toBe(level);
	});

	test('several behaviours: the highest counts', () => {
		expect(assessRisk(obs({ behaviours: ['verbal_threat', 'arson', 'smash_home_stoppable'] })).riskLevel).toBe(5);
	});

	test('recorded level and behaviours disagree: the higher wins and the conflict is a reason', () => {
		const up = assessRisk(obs({ riskLevel: 1, behaviours: ['smash_unstoppable'] }));
		expect(up.riskLevel).toBe(3);
		expect(up.reasons).toContain('填报的危险性评估1级与所列危险行为（最高3级）不一致，按较高者3级评定');
		const down = assessRisk(obs({ riskLevel: 4, behaviours: ['verbal_threat'] }));
		expect(down.riskLevel).toBe(4);
		expect(down.reasons.some((r) => r.includes('不一致，按较高者4级评定'))).toBe(true);
	});

	test('recorded level equal to behaviours: no conflict line', () => {
		const a = assessRisk(obs({ riskLevel: 2, behaviours: ['smash_home_stoppable'] }));
		expect(a.riskLevel).toBe(2);
		expect(a.reasons.some((r) => r.includes('不一致'))).toBe(false);
	});
});

describe('classification (病情分类)', () => {
	test('stable: level 0, symptoms gone, insight complete, social function fair or good, no serious reaction, somatic disease stable', () => {
		for (const socialFunction of ['good', 'fair'] as const) {
			for (const adverseReaction of ['none', 'mild'] as const) {
				for (const somaticDisease of ['none', 'stable'] as const) {
					const a = assessRisk(obs({ socialFunction, adverseReaction, somaticDisease }));
					expect(a.classification).toBe('stable');
					expect(a.classificationLabel).toBe('稳定');
					expect(a.actions).toEqual(['continue_plan']);
				}
			}
		}
	});

	test.each([
		[{ riskLevel: 1 }, '危险性评估1~2级（1级）：病情基本稳定'],
		[{ riskLevel: 2 }, '危险性评估1~2级（2级）：病情基本稳定'],
		[{ symptoms: 'mild' }, '精神症状未基本消失：病情基本稳定'],
		[{ insight: 'partial' }, '自知力不全：病情基本稳定'],
		[{ socialFunction: 'poor' }, '社会功能较差：病情基本稳定'],
	] as Array<[Partial<Observation>, string]>)('basically stable when %o', (over, reason) => {
		const a = assessRisk(obs(over));
		expect(a.classification).toBe('basically_stable');
		expect(a.classificationLabel).toBe('基本稳定');
		expect(a.reasons).toContain(reason);
		expect(a.actions).toEqual(['adjust_medication']);
	});

	test.each([
		[{ riskLevel: 3 }, '危险性评估3级及以上（3级）：病情不稳定'],
		[{ riskLevel: 5 }, '危险性评估3级及以上（5级）：病情不稳定'],
		[{ symptoms: 'marked' }, '精神症状明显：病情不稳定'],
		[{ insight: 'absent' }, '自知力缺失：病情不稳定'],
		[{ adverseReaction: 'serious' }, '有急性药物不良反应或严重药物不良反应：病情不稳定'],
		[{ somaticDisease: 'serious' }, '有严重躯体疾病：病情不稳定'],
	] as Array<[Partial<Observation>, string]>)('unstable when %o', (over, reason) => {
		const a = assessRisk(obs(over));
		expect(a.classification).toBe('unstable');
		expect(a.classificationLabel).toBe('不稳定');
		expect(a.reasons).toContain(reason);
		expect(a.actions).toContain('refer_up');
		expect(a.actions).toContain('case_management');
	});

	test('boundary 2 → 3: level 2 is basically stable, level 3 unstable', () => {
		expect(assessRisk(obs({ riskLevel: 2 })).classification).toBe('basically_stable');
		expect(assessRisk(obs({ riskLevel: 3 })).classification).toBe('unstable');
	});

	test('unstable wins over basically stable criteria and lists every unstable reason', () => {
		const a = assessRisk(obs({ riskLevel: 2, symptoms: 'marked', insight: 'absent', socialFunction: 'poor' }));
		expect(a.classification).toBe('unstable');
		expect(a.reasons).toEqual(expect.arrayContaining(['精神症状明显：病情不稳定', '自知力缺失：病情不稳定']));
		expect(a.reasons.some((r) => r.includes('基本稳定'))).toBe(false);
	});
});

describe('actions', () => {
	test('police notified and joint follow-up from level 3; not below', () => {
		const l2unstable = assessRisk(obs({ riskLevel: 2, symptoms: 'marked' }));
		expect(l2unstable.actions).not.toContain('notify_police');
		expect(l2unstable.actions).toEqual(['refer_up', 'joint_followup', 'case_management']);
		const l3 = assessRisk(obs({ riskLevel: 3 }));
		expect(l3.actions).toEqual(['refer_up', 'notify_police', 'joint_followup', 'case_management']);
		expect(l3.reasons).toContain('危险性评估3级及以上：报告当地公安部门，协助送院治疗');
		expect(l3.reasons).toContain('本地政策：危险性评估3级及以上由专科医师与乡镇精防专干联合随访');
		expect(l3.actionLabels).toEqual(['立即转诊上级医院', '报告公安部门，协助送院', '精神科医师与精防专干（必要时民警）联合随访', '纳入个案管理']);
	});

	test('a hospitalised unstable patient is not referred again and police are not called to admit', () => {
		const a = assessRisk(obs({ riskLevel: 4, hospitalised: true }));
		expect(a.classification).toBe('unstable');
		expect(a.actions).not.toContain('refer_up');
		expect(a.actions).not.toContain('notify_police');
		expect(a.actions).toContain('case_management');
		expect(a.reasons).toContain('患者已住院治疗：无需再转诊，出院后按下转流程2周内随访');
	});

	test('emergency: flag or triggers add emergency_response first', () => {
		const flag = assessRisk(obs({ emergency: true }));
		expect(flag.actions[0]).toBe('emergency_response');
		expect(flag.reasons[flag.reasons.length - 3]).toContain('应急情况');
		const triggers = assessRisk(obs({ riskLevel: 4, behaviours: ['self_harm'], emergency: ['self_harm', 'overdose'] }));
		expect(triggers.actions[0]).toBe('emergency_response');
		expect(triggers.reasons).toContain('发生自伤、自杀、药物过量或急性不良反应：启动应急处置，精神科医师24小时内填报应急处置记录单');
		expect(assessRisk(obs({ emergency: false })).actions).toEqual(['continue_plan']);
	});

	test('local policy: joint follow-up level and case management are configurable', () => {
		const from2 = assessRisk(obs({ riskLevel: 2 }), { jointFollowUpMinLevel: 2 });
		expect(from2.actions).toEqual(['adjust_medication', 'joint_followup']);
		const off = assessRisk(obs({ riskLevel: 2 }), { jointFollowUpMinLevel: null });
		expect(off.actions).toEqual(['adjust_medication']);
		const noCase = assessRisk(obs({ insight: 'absent' }), { caseManagementForUnstable: false });
		expect(noCase.actions).not.toContain('case_management');
	});
});

describe('next follow-up date', () => {
	test('defaults: unstable 2 weeks, basically stable 2 weeks, stable 3 months', () => {
		expect(DEFAULT_RISK_POLICY.intervals).toEqual({ unstable: { days: 14 }, basically_stable: { days: 14 }, stable: { months: 3 } });
		expect(assessRisk(obs({ riskLevel: 3 })).nextFollowUpDate).toBe('2026-03-24');
		expect(assessRisk(obs({ riskLevel: 1 })).nextFollowUpDate).toBe('2026-03-24');
		expect(assessRisk(base).nextFollowUpDate).toBe('2026-06-10');
		expect(assessRisk(base).reasons).toContain('下次随访：3个月后（2026-06-10）');
		expect(assessRisk(obs({ riskLevel: 3 })).reasons).toContain('下次随访：2周后（2026-03-24）');
	});

	test('month ends and year ends', () => {
		expect(assessRisk(obs({ date: '2025-11-30' })).nextFollowUpDate).toBe('2026-02-28');
		expect(assessRisk(obs({ date: '2023-11-30' })).nextFollowUpDate).toBe('2024-02-29');
		expect(assessRisk(obs({ date: '2026-12-25', riskLevel: 2 })).nextFollowUpDate).toBe('2027-01-08');
	});

	test('configurable intervals', () => {
		const a = assessRisk(obs({ riskLevel: 1 }), { intervals: { ...DEFAULT_RISK_POLICY.intervals, basically_stable: { days: 10 } } });
		expect(a.nextFollowUpDate).toBe('2026-03-20');
		expect(a.reasons).toContain('下次随访：10天后（2026-03-20）');
		const m = assessRisk(base, { intervals: { ...DEFAULT_RISK_POLICY.intervals, stable: { months: 1, days: 3 } } });
		expect(m.nextFollowUpDate).toBe('2026-04-13');
	});
});

describe('invalid input names the field', () => {
	test.each([
		[{ riskLevel: 7 }, 'riskLevel', /0–5/],
		[{ riskLevel: -1 }, 'riskLevel', /0–5/],
		[{ riskLevel: 2.5 }, 'riskLevel', /whole number/],
		[{ riskLevel: '3' as unknown as number }, 'riskLevel', /number/],
		[{ behaviours: ['dancing'] as never }, 'behaviours', /verbal_threat/],
		[{ behaviours: 'arson' as never }, 'behaviours', /array/],
		[{ date: '2026-02-30' }, 'date', /YYYY-MM-DD/],
		[{ date: '10/03/2026' }, 'date', /YYYY-MM-DD/],
		[{ date: undefined as unknown as string }, 'date', /required/],
		[{ insight: 'unknown' as never }, 'insight', /complete, partial, absent/],
		[{ symptoms: undefined as never }, 'symptoms', /required/],
		[{ socialFunction: 'excellent' as never }, 'socialFunction', /good, fair, poor/],
		[{ adverseReaction: 'some' as never }, 'adverseReaction', /none, mild, serious/],
		[{ somaticDisease: 1 as never }, 'somaticDisease', /none, stable, serious/],
		[{ hospitalised: 'yes' as never }, 'hospitalised', /boolean/],
		[{ emergency: 'flood' as never }, 'emergency', /emergency trigger/],
	] as Array<[Partial<Observation>, string, RegExp]>)('%o → %s', (over, field, pattern) => {
		expectInputError(() => assessRisk(obs(over)), field, pattern);
	});

	test('non-objects are rejected as a whole', () => {
		for (const v of [null, undefined, 42, 'x', []]) expectInputError(() => assessRisk(v as never), 'observation');
	});

	test('bad policy values name the policy field', () => {
		expectInputError(() => assessRisk(base, { jointFollowUpMinLevel: 9 }), 'policy.jointFollowUpMinLevel');
		expectInputError(
			() => assessRisk(base, { intervals: { ...DEFAULT_RISK_POLICY.intervals, stable: { days: 0 } } }),
			'policy.intervals.stable',
		);
	});

	test('error messages do not repeat the bad value', () => {
		try {
			assessRisk(obs({ insight: 'SECRET-VALUE' as never }));
		} catch (e) {
			expect((e as Error).message).not.toContain('SECRET-VALUE');
		}
		expect.assertions(1);
	});
});
