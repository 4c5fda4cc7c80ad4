import type { Registry } from '../../lib/registry/backend';
import { countByCategory, DEFAULT_TRIAGE_POLICY, Triage, TRIAGE_CATEGORIES, type PoliceListRow, type TriageOptions } from '../../lib/triage';
import { SmdInputError } from '../../lib/errors';
import { describeBackends } from '../backends';
import { makeId, patient } from '../helpers';

const AS_OF = '2026-11-20';
const id = (n: number) => makeId('1980-01-01', n);

describeBackends('police list triage', (b) => {
	let store: Registry;
	beforeAll(async () => {
		store = await b.fresh();
		await b.addPatients(store, [
			patient({ name: '甲一', patientNo: 'A1', idNumber: id(1), lastFollowUpDate: '2026-10-01', classification: 'stable' }), // next 2027-01-01
			patient({ name: '甲二', patientNo: 'A2', idNumber: id(2), lastFollowUpDate: '2026-07-01', classification: 'stable' }), // next 2026-10-01: overdue
			patient({ name: '甲三', patientNo: 'A3', idNumber: id(3), lastFollowUpDate: '2026-11-01', classification: 'unstable', riskLevel: 4 }), // next 11-15: overdue
			patient({ name: '甲四', patientNo: 'A4', idNumber: id(4), status: 'lost' }),
			patient({ name: '甲五', patientNo: 'A5', idNumber: id(5), status: 'deceased' }),
			patient({ name: '甲六', patientNo: 'A6', idNumber: id(6), status: 'moved_out' }),
			patient({ name: '甲七', patientNo: 'A7', idNumber: id(7), status: 'refused' }),
			patient({ name: '甲八', patientNo: 'A8', idNumber: id(8), lastFollowUpDate: null }),
			patient({ name: '甲九', patientNo: 'A9', idNumber: id(9), nextFollowUpDate: '2026-11-25', lastFollowUpDate: '2026-01-01' }),
		]);
	});

	/**
	 * A triage through the registry interface: the match source for the whole list (read ahead on
	 * PostgreSQL), then the rows in input order.
	 */
	const triage = async (options: TriageOptions, rows: PoliceListRow[]) => {
		const source = await store.matchSourceFor(rows.map(Triage.recordOf), options.today ?? options.asOf);
		const t = new Triage(source, options);
		return { t, results: rows.map((r) => t.triageRow(r)) };
	};

	test('every row ends in exactly one of the seven categories, in input order, and counts reconcile', async () => {
		const { results: rows } = await triage(
			{ asOf: AS_OF },
			[
				{ name: '甲一', idNumber: id(1) },
				{ name: '甲二', idNumber: id(2) },
				{ name: '甲四', idNumber: id(4) },
				{ name: '甲五', idNumber: id(5) },
				{ name: '甲六', idNumber: id(6) },
				{ name: '新人', idNumber: makeId('1999-09-09', 9) },
				{ name: '乙某', idNumber: id(1) },
				{ name: '', idNumber: '12345' },
				{ name: '甲七', idNumber: id(7) },
				{ name: '甲八', idNumber: id(8) },
				{ name: '甲九', idNumber: id(9) },
			].map((r, i) => ({ ...r, row: i + 1 })),
		);
		expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
		expect(rows.map((r) => r.category)).toEqual([
			'managed', 'followup_overdue', 'lost', 'closed', 'closed', 'new_clue', 'review', 'invalid', 'lost', 'followup_overdue', 'managed',
		]);
		expect(rows.map((r) => r.patientId)).toEqual(['A1', 'A2', 'A4', 'A5', 'A6', null, null, null, 'A7', 'A8', 'A9']);
		const counts = countByCategory(rows);
		expect(counts).toEqual({ managed: 2, followup_overdue: 2, lost: 2, closed: 2, new_clue: 1, review: 1, invalid: 1, total: 11 });
		expect(rows[1].reasons).toContain('应于2026-10-01随访，截至2026-11-20已逾期');
		expect(rows[9].reasons).toContain('登记库中无随访记录');
		expect(rows[0].categoryLabel).toBe(TRIAGE_CATEGORIES.managed);
		expect(rows[0].township).toBe('城关镇');
	});

	test('priority: 肇事肇祸 or registry risk >= 3 is high; due dates from the policy', async () => {
		const {
			results: [a, clue, c],
		} = await triage({ asOf: AS_OF }, [
			{ row: 1, name: '甲三', idNumber: id(3) },
			{ row: 2, name: '新人', idNumber: makeId('1999-09-09', 19), policeCategory: '肇事肇祸', township: '河西乡' },
			{ row: 3, name: '甲一', idNumber: id(1), policeCategory: '一般关注' },
		]);
		expect(a).toMatchObject({ category: 'followup_overdue', priority: 'high', dueDate: '2026-11-23' });
		expect(a.reasons).toContain('登记库危险性评估4级：优先处置');
		expect(clue).toMatchObject({ category: 'new_clue', priority: 'high', dueDate: '2026-11-23', township: '河西乡', policeCategory: '肇事肇祸' });
		expect(c).toMatchObject({ priority: 'normal', dueDate: '2026-12-20' });
	});

	test('a probable link to a high-risk patient is high priority too', async () => {
		const { results } = await triage({ asOf: AS_OF }, [{ row: 1, name: '别人', idNumber: id(3) }]);
		expect(results[0]).toMatchObject({ category: 'review', priority: 'high' });
	});

	test('duplicates of one person are each kept and marked with the row they repeat', async () => {
		const { results: r } = await triage({ asOf: AS_OF }, [
			{ row: 1, name: '甲一', idNumber: id(1) },
			{ row: 2, name: '新人', idNumber: makeId('1999-09-09', 29) },
			{ row: 3, name: '甲一', idNumber: id(1).toLowerCase() },
			{ row: 4, name: '新人', idNumber: makeId('1999-09-09', 29) },
			{ row: 5, name: '鄭某某', idNumber: '' },
			{ row: 6, name: '郑某某', idNumber: '' },
		]);
		expect(r.map((x) => x.duplicateOfRow)).toEqual([null, null, 1, 2, null, 5]);
		expect(r[2].category).toBe('managed');
		expect(r[2].reasons).toContain('与第1行为同一人员（名单内重复）');
	});

	test('policy is configurable and validated', async () => {
		const { results } = await triage({ asOf: AS_OF, policy: { dueDays: { new_clue: { high: 1, normal: 5 } }, highPriorityPoliceCategories: ['重点关注'], overdueGraceDays: 60 } }, [
			{ row: 1, name: '新', idNumber: makeId('1999-09-09', 39) },
			{ row: 2, name: '新', idNumber: makeId('1999-09-09', 49), policeCategory: '重点关注' },
			{ row: 3, name: '甲二', idNumber: id(2) },
		]);
		expect(results[0]).toMatchObject({ dueDate: '2026-11-25', priority: 'normal' });
		expect(results[1]).toMatchObject({ dueDate: '2026-11-21', priority: 'high' });
		expect(results[2].category).toBe('managed'); // 50 days late < 60 days grace
		expect(DEFAULT_TRIAGE_POLICY.dueDays.review.normal).toBe(7);
		const source = await store.matchSourceFor([], AS_OF);
		expect(() => new Triage(source, { asOf: '2026-02-30' })).toThrow(SmdInputError);
		expect(() => new Triage(source, { asOf: AS_OF, policy: { dueDays: { lost: { high: -1, normal: 3 } } } })).toThrow(/policy\.dueDays\.lost\.high/);
	});

	test('the triage records which patients it read', async () => {
		const { t } = await triage({ asOf: AS_OF }, [
			{ row: 1, name: '甲一', idNumber: id(1) },
			{ row: 2, name: '别人', idNumber: id(2) },
			{ row: 3, name: '新人', idNumber: makeId('1999-09-09', 59) },
		]);
		const read = await Promise.all([...t.patientsRead].map(async (pid) => (await store.getById(pid))!.patientNo));
		expect(read.sort()).toEqual(['A1', 'A2']);
	});
});
