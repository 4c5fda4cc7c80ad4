import { assessRisk, observationFromRecord, parseRiskLevel, SmdInputError } from '../../lib';

const chineseRecord = {
	随访日期: '2026年3月5日',
	危险性评估: '3级',
	精神症状: '明显',
	自知力: '2 不全',
	社会功能: '较差',
	药物不良反应: '无',
	躯体疾病: '无',
	是否住院: '否',
};

describe('observationFromRecord', () => {
	test('reads the Chinese labels and option texts of the national follow-up form', () => {
		expect(observationFromRecord(chineseRecord)).toEqual({
			date: '2026-03-05',
			riskLevel: 3,
			symptoms: 'marked',
			insight: 'partial',
			socialFunction: 'poor',
			adverseReaction: 'none',
			somaticDisease: 'none',
			hospitalised: false,
		});
	});

	test('reads English keys and codes', () => {
		expect(
			observationFromRecord({
				date: '2026-03-05',
				riskLevel: 0,
				behaviours: 'verbal_threat, smash_home_stoppable',
				symptoms: 'none',
				insight: 'complete',
				socialFunction: 'fair',
				adverseReaction: 'mild',
				somaticDisease: 'stable',
				hospitalised: true,
				emergency: 'relapse',
			}),
		).toEqual({
			date: '2026-03-05',
			riskLevel: 0,
			behaviours: ['verbal_threat', 'smash_home_stoppable'],
			symptoms: 'none',
			insight: 'complete',
			socialFunction: 'fair',
			adverseReaction: 'mild',
			somaticDisease: 'stable',
			hospitalised: true,
			emergency: ['relapse'],
		});
	});

	test.each([
		['自知力完全', 'complete'],
		['完全', 'complete'],
		['1 完全', 'complete'],
		['（2）不全', 'partial'],
		['自知力缺失', 'absent'],
		['③缺失', 'absent'],
		['ABSENT', 'absent'],
	])('insight "%s" → %s', (text, code) => {
		expect(observationFromRecord({ ...chineseRecord, 自知力: text }).insight).toBe(code);
	});

	test.each([
		['良好', 'good'],
		['一般', 'fair'],
		['社会功能较差', 'poor'],
	])('social function "%s" → %s', (text, code) => {
		expect(observationFromRecord({ ...chineseRecord, 社会功能: text }).socialFunction).toBe(code);
	});

	test('Chinese behaviour labels and separators', () => {
		expect(observationFromRecord({ ...chineseRecord, 危险行为: '口头威胁、纵火；自伤' }).behaviours).toEqual([
			'verbal_threat',
			'arson',
			'self_harm',
		]);
	});

	test('dates in the formats spreadsheets produce', () => {
		for (const [v, d] of [
			['2026/3/5', '2026-03-05'],
			['2026.03.05', '2026-03-05'],
			['20260305', '2026-03-05'],
			['2026-03-05T08:30:00.000Z', '2026-03-05'],
			[46086, '2026-03-05'],
		] as const) {
			expect(observationFromRecord({ ...chineseRecord, 随访日期: v }).date).toBe(d);
		}
	});

	test('configured field names override the defaults', () => {
		const rec = { visit: '2026-03-05', lvl: '0级', s: '无', i: '完全', f: '良好', a: '无', b: '无' };
		const o = observationFromRecord(rec, {
			date: 'visit',
			riskLevel: 'lvl',
			symptoms: 's',
			insight: 'i',
			socialFunction: 'f',
			adverseReaction: 'a',
			somaticDisease: 'b',
		});
		expect(assessRisk(o).classification).toBe('stable');
	});

	test.each([
		[{ 自知力: '也许' }, 'insight'],
		[{ 自知力: '' }, 'insight'],
		[{ 随访日期: '2026-02-30' }, 'date'],
		[{ 随访日期: undefined }, 'date'],
		[{ 危险性评估: '7级' }, 'riskLevel'],
		[{ 危险性评估: '高' }, 'riskLevel'],
		[{ 危险行为: '跳舞' }, 'behaviours'],
		[{ 是否住院: '也许' }, 'hospitalised'],
		[{ 社会功能: 3 }, 'socialFunction'],
	])('bad value %o names %s', (over, field) => {
		let err: unknown;
		try {
			observationFromRecord({ ...chineseRecord, ...over });
		} catch (e) {
			err = e;
		}
		expect(err).toBeInstanceOf(SmdInputError);
		expect((err as SmdInputError).field).toBe(field);
		expect((err as Error).message.startsWith(field)).toBe(true);
	});
});

describe('parseRiskLevel', () => {
	test.each([
		[0, 0],
		['0', 0],
		['3级', 3],
		['三级', 3],
		['危险性评估5级', 5],
		['２级', 2],
		['0级（无）', 0],
		['', undefined],
		[null, undefined],
	])('%p → %p', (v, n) => expect(parseRiskLevel(v)).toBe(n));

	test.each([[6], ['6级'], [1.5], ['十级'], [{}]])('%p is rejected', (v) => {
		expect(() => parseRiskLevel(v)).toThrow(SmdInputError);
	});
});
