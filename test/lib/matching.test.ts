import type { Registry } from '../../lib/registry/backend';
import { idTypoVariants, Matcher, usableNameKey, type ListRecord, type MatchResult } from '../../lib/matching';
import { upgradeId15 } from '../../lib/idNumber';
import { describeBackends } from '../backends';
import { makeId, patient } from '../helpers';

const ZW = makeId('1980-05-06', 11); // 张伟, male
const AY = makeId('1992-07-08', 24); // 阿依古丽·吐尔逊
const OLD = makeId('1965-03-15', 13); // 陈丽华, born 19xx: has a 15-digit form
const NS1 = makeId('1970-01-01', 31);
const NS2 = makeId('1972-02-02', 33);
const TODAY = '2026-11-20';

const typo = (id: string, pos: number) => id.slice(0, pos) + String((Number(id[pos]) + 1) % 10) + id.slice(pos + 1);
const swap = (id: string, pos: number) => id.slice(0, pos) + id[pos + 1] + id[pos] + id.slice(pos + 2);

describeBackends('matching', (b) => {
	let registry: Registry;
	beforeAll(async () => {
		registry = await b.fresh();
		await b.addPatients(registry, [
			patient({ name: '张伟', patientNo: 'P-ZW', idNumber: ZW, birthDate: '1980-05-06' }),
			patient({ name: '阿依古丽·吐尔逊', patientNo: 'P-AY', idNumber: AY, birthDate: '1992-07-08' }),
			patient({ name: '陈丽华', patientNo: 'P-OLD', idNumber: OLD, birthDate: '1965-03-15' }),
			patient({ name: '刘洋', patientNo: 'P-NS1', idNumber: NS1, birthDate: '1970-01-01' }),
			patient({ name: '刘洋', patientNo: 'P-NS2', idNumber: NS2, birthDate: '1972-02-02' }),
			patient({ name: '孙悦', patientNo: 'P-NOID', birthDate: '1988-08-08' }),
		]);
	});

	/** Match through the registry interface: the source the registry gives for this record (read ahead on PostgreSQL). */
	const matchIn = async (r: Registry, record: ListRecord, today: string | null = TODAY): Promise<MatchResult> => {
		const source = await r.matchSourceFor([record], today ?? undefined);
		return new Matcher(source, today ? { today } : {}).match(record);
	};
	const matcher = { match: (record: ListRecord) => matchIn(registry, record) };

	describe('auto-link only on identical normalised ID and agreeing names', () => {
		test.each([
			['exact', '张伟', ZW],
			['full-width digits', '张伟', ZW.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))],
			['spaces and hyphens', ' 张 伟 ', `${ZW.slice(0, 6)}-${ZW.slice(6, 14)} ${ZW.slice(14)}`],
			['traditional characters', '張偉', ZW],
			['minority separator •', '阿依古丽•吐尔逊', AY],
			['minority separator ．', '阿依古丽．吐尔逊', AY],
			['minority name without separator', '阿依古丽吐尔逊', AY],
		])('%s → matched', async (_kind, name, id) => {
			const m = await matcher.match({ name, idNumber: id });
			expect(m.matchStatus).toBe('matched');
			expect(m.patientId).toBe(id === AY ? 'P-AY' : 'P-ZW');
			expect(m.candidates).toEqual([]);
		});

		test('legacy 15-digit ID converts first, then links', async () => {
			const id15 = OLD.slice(0, 6) + OLD.slice(8, 17);
			expect(upgradeId15(id15)).toBe(OLD);
			const m = await matcher.match({ name: '陈丽华', idNumber: id15 });
			expect(m).toMatchObject({ matchStatus: 'matched', patientId: 'P-OLD' });
			expect(m.reasons).toContain('15位身份证号已升位为18位后比对');
		});

		test('lower-case x in the check position', async () => {
			const withX = Array.from({ length: 200 }, (_, i) => makeId('1983-04-05', i)).find((id) => id.endsWith('X'))!;
			const s = await b.fresh();
			await b.addPatients(s, [patient({ name: '周杰', patientNo: 'P-X', idNumber: withX })]);
			expect(await matchIn(s, { name: '周杰', idNumber: withX.toLowerCase() }, null)).toMatchObject({ matchStatus: 'matched', patientId: 'P-X' });
		});
	});

	describe('nothing else links automatically', () => {
		test('ID matches but the name differs → probable, never matched', async () => {
			const m = await matcher.match({ name: '李四', idNumber: ZW });
			expect(m.matchStatus).toBe('probable');
			expect(m.patientId).toBeNull();
			expect(m.candidates).toEqual([{ patientId: 'P-ZW', reason: 'id_match_name_differs' }]);
		});

		test('ID matches and the list has no usable name → probable', async () => {
			for (const name of ['', '不详', '/', null]) {
				expect(await matcher.match({ name, idNumber: ZW })).toMatchObject({ matchStatus: 'probable', patientId: null, candidates: [{ patientId: 'P-ZW', reason: 'id_match_no_name' }] });
			}
		});

		test.each(Array.from({ length: 17 }, (_, pos) => pos))('single-digit typo at position %i (check fails) → probable with the candidate', async (pos) => {
			const bad = typo(ZW, pos);
			const m = await matcher.match({ name: '张伟', idNumber: bad });
			expect(m.matchStatus).toBe('probable');
			expect(m.patientId).toBeNull();
			expect(m.candidates.map((c) => c.patientId)).toEqual(['P-ZW']);
		});

		test('adjacent transposition → probable', async () => {
			let tested = 0;
			for (let pos = 0; pos < 16; pos++) {
				if (ZW[pos] === ZW[pos + 1]) continue;
				tested++;
				const m = await matcher.match({ name: '张伟', idNumber: swap(ZW, pos) });
				expect(m.matchStatus).toBe('probable');
				expect(m.candidates[0]).toEqual({ patientId: 'P-ZW', reason: expect.stringMatching(/^id_typo_name_agrees|name_birth_match_id_differs$/) });
			}
			expect(tested).toBeGreaterThan(8);
		});

		test('a typo’d ID with a different name is not offered as that patient', async () => {
			expect((await matcher.match({ name: '王五', idNumber: typo(ZW, 16) })).matchStatus).toBe('unmatched');
		});

		test('name + birth date from a valid but different ID → probable', async () => {
			const other = makeId('1980-05-06', 97);
			expect(await matcher.match({ name: '张伟', idNumber: other })).toMatchObject({
				matchStatus: 'probable',
				candidates: [{ patientId: 'P-ZW', reason: 'name_birth_match_id_differs' }],
			});
		});

		test('namesakes without an ID → ambiguous with every candidate', async () => {
			const m = await matcher.match({ name: '刘洋' });
			expect(m.matchStatus).toBe('ambiguous');
			expect(m.candidates.map((c) => c.patientId).sort()).toEqual(['P-NS1', 'P-NS2']);
			expect(m.reasons).toContain('有2名候选患者，需人工核对');
		});

		test('namesakes narrowed by a birth date given in the list', async () => {
			expect(await matcher.match({ name: '刘洋', birthDate: '1972-02-02' })).toMatchObject({ matchStatus: 'probable', candidates: [{ patientId: 'P-NS2', reason: 'name_birth_match' }] });
		});

		test('a valid ID not in the registry, with a name only a registry patient without ID has → probable', async () => {
			expect(await matcher.match({ name: '孙悦', idNumber: makeId('1988-08-08', 55) })).toMatchObject({
				matchStatus: 'probable',
				candidates: [{ patientId: 'P-NOID', reason: expect.stringMatching(/name_birth_match_id_differs|name_match_registry_has_no_id/) }],
			});
		});

		test('unknown person → unmatched; nothing usable → invalid', async () => {
			expect((await matcher.match({ name: '钱七', idNumber: makeId('2000-01-01', 77) })).matchStatus).toBe('unmatched');
			expect((await matcher.match({ name: '钱七' })).matchStatus).toBe('unmatched');
			for (const rec of [{}, { name: '合计' }, { name: '', idNumber: '123' }, { name: '/', idNumber: 'abc' }, { name: '不详', idNumber: null }]) {
				const m = await matcher.match(rec);
				expect(m.matchStatus).toBe('invalid');
				expect(m.reasons.join()).toMatch(/信息不足/);
			}
		});
	});
});

describe('helpers', () => {
	test('idTypoVariants: every variant passes the check; the original is not among them', () => {
		const bad = typo(ZW, 5);
		const variants = idTypoVariants(bad);
		expect(variants).toContain(ZW);
		expect(variants).not.toContain(bad);
		expect(variants.length).toBeLessThanOrEqual(1 + 17 + 16);
		expect(idTypoVariants('123')).toEqual([]);
	});

	test('usableNameKey rejects placeholders', () => {
		expect(usableNameKey('不详')).toBe('');
		expect(usableNameKey('123')).toBe('');
		expect(usableNameKey('—')).toBe('');
		expect(usableNameKey('張偉')).toBe('张伟');
	});
});
