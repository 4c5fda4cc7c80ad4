import { idCheckChar, parseIdNumber, upgradeId15 } from '../../lib';

// Sample numbers printed in GB 11643-1999 and its commentary (fictitious persons).
const SAMPLE_18 = '11010519491231002X';
const SAMPLE_18B = '440524188001010014';
const TODAY = { today: '2026-11-22' };

/** Build a valid 18-character number from its first 17 digits. */
const make = (first17: string) => first17 + idCheckChar(first17);

describe('parseIdNumber: valid numbers (GB 11643-1999)', () => {
	test('standard samples parse with birth date, sex and region', () => {
		expect(parseIdNumber(SAMPLE_18, TODAY)).toEqual({
			ok: true,
			id: SAMPLE_18,
			birthDate: '1949-12-31',
			sex: 'female',
			regionCode: '110105',
			legacy15: false,
		});
		expect(parseIdNumber(SAMPLE_18B, TODAY)).toMatchObject({ ok: true, birthDate: '1880-01-01', sex: 'male' });
	});

	test('check character is computed with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 mod 11 over "10X98765432"', () => {
		expect(idCheckChar('11010519491231002')).toBe('X');
		expect(idCheckChar('44052418800101001')).toBe('4');
		// S mod 11 = 0 → "1", = 1 → "0", = 2 → "X": find digits hitting each.
		const seen = new Set<string>();
		for (let seq = 0; seq < 1000 && seen.size < 11; seq++) seen.add(idCheckChar('3201021990010' + String(seq).padStart(3, '0') + '0'));
		expect([...seen].sort().join('')).toBe('0123456789X');
	});

	test('sequence digit: odd is male, even is female', () => {
		expect(parseIdNumber(make('32010219900101002'), TODAY)).toMatchObject({ ok: true, sex: 'female' });
		expect(parseIdNumber(make('32010219900101011'), TODAY)).toMatchObject({ ok: true, sex: 'male' });
		expect(parseIdNumber(make('32010219900101020'), TODAY)).toMatchObject({ ok: true, sex: 'female' });
	});

	test('normalises full-width digits, spaces, hyphens and lower-case x', () => {
		const variants = [
			'１１０１０５１９４９１２３１００２Ｘ',
			' 110105 19491231 002x ',
			'110105-19491231-002X',
			'110105\u300019491231\u3000002X',
			'１１０１０５－１９４９１２３１－００２ｘ',
			'\t11010519491231002x\n',
		];
		for (const v of variants) expect(parseIdNumber(v, TODAY)).toMatchObject({ ok: true, id: SAMPLE_18 });
	});

	test('legacy 15-digit numbers get "19" inserted and a check character appended', () => {
		expect(upgradeId15('110105491231002')).toBe(SAMPLE_18);
		expect(parseIdNumber('110105491231002', TODAY)).toEqual({
			ok: true,
			id: SAMPLE_18,
			birthDate: '1949-12-31',
			sex: 'female',
			regionCode: '110105',
			legacy15: true,
		});
		// The 15th digit carries the sex in a legacy number.
		expect(parseIdNumber('320102650315013', TODAY)).toMatchObject({ ok: true, sex: 'male', birthDate: '1965-03-15' });
	});

	test('a safe integer is accepted as a 15-digit number', () => {
		expect(parseIdNumber(110105491231002, TODAY)).toMatchObject({ ok: true, id: SAMPLE_18, legacy15: true });
	});

	test('leap days: 2000-02-29 and 2024-02-29 are real, 1900-02-29 and 2023-02-29 are not', () => {
		expect(parseIdNumber(make('32010220000229001'), TODAY).ok).toBe(true);
		expect(parseIdNumber(make('32010220240229001'), TODAY).ok).toBe(true);
		expect(parseIdNumber(make('32010219000229001'), TODAY)).toMatchObject({ ok: false, code: 'bad_date' });
		expect(parseIdNumber(make('32010220230229001'), TODAY)).toMatchObject({ ok: false, code: 'bad_date' });
	});

	test('the birth date may be today but not tomorrow', () => {
		expect(parseIdNumber(make('32010220261122001'), TODAY).ok).toBe(true);
		expect(parseIdNumber(make('32010220261123001'), TODAY)).toMatchObject({ ok: false, code: 'bad_date' });
	});
});

describe('parseIdNumber: bad input never throws, is an error code, and never echoes the number', () => {
	const cases: Array<[unknown, string]> = [
		[null, 'empty'],
		[undefined, 'empty'],
		['', 'empty'],
		['   ', 'empty'],
		[{}, 'not_text'],
		[[], 'not_text'],
		[true, 'not_text'],
		[Symbol('x'), 'not_text'],
		[() => SAMPLE_18, 'not_text'],
		[110105194912310020, 'not_text'], // lost precision as a JS number
		[-5, 'not_text'],
		[Number.NaN, 'not_text'],
		['abc', 'bad_characters'],
		['11010519491231002Y', 'bad_characters'],
		['1101051949X231002X', 'bad_characters'],
		['11010549123100X', 'bad_characters'],
		['1101051949123100', 'bad_length'],
		['1101051949123100200', 'bad_length'],
		['X'.repeat(10_000), 'bad_characters'],
		['1'.repeat(10_000), 'bad_length'],
		['00010519491231002X', 'bad_region'],
		['99010519491231002X', 'bad_region'],
		['11010519491331002X', 'bad_date'],
		['11010519490231002X', 'bad_date'],
		['11010518700101002X', 'bad_date'],
		['110105491331002', 'bad_date'],
		['110105194912310021', 'bad_check'],
		['110105194912310028', 'bad_check'],
	];
	test.each(cases.map(([v, c], i) => [i, v, c]))('case %i → %s', (_i, value, code) => {
		let result: ReturnType<typeof parseIdNumber> | undefined;
		expect(() => (result = parseIdNumber(value, TODAY))).not.toThrow();
		expect(result).toMatchObject({ ok: false, code });
		if (result && !result.ok) {
			expect(result.error).toMatch(/身份证号/);
			if (typeof value === 'string' && value.trim().length >= 6) expect(result.error).not.toContain(value.trim().slice(0, 6));
		}
	});

	test('every single-digit substitution of a valid number fails the check (mod 11 catches them all)', () => {
		let caught = 0;
		let total = 0;
		for (let pos = 0; pos < 17; pos++) {
			for (let d = 0; d <= 9; d++) {
				if (String(d) === SAMPLE_18[pos]) continue;
				const typo = SAMPLE_18.slice(0, pos) + d + SAMPLE_18.slice(pos + 1);
				const r = parseIdNumber(typo, TODAY);
				total++;
				if (!r.ok) caught++;
			}
		}
		expect(total).toBe(153);
		expect(caught).toBe(153);
	});

	test('every adjacent transposition of distinct digits fails', () => {
		const base = make('32010219850607123');
		for (let pos = 0; pos < 16; pos++) {
			if (base[pos] === base[pos + 1]) continue;
			const swapped = base.slice(0, pos) + base[pos + 1] + base[pos] + base.slice(pos + 2);
			expect(parseIdNumber(swapped, TODAY).ok).toBe(false);
		}
	});

	test('a failed number still offers its normalised text for typo matching', () => {
		expect(parseIdNumber('１１０１０５１９４９１２３１００２１', TODAY)).toMatchObject({
			ok: false,
			code: 'bad_check',
			normalized: '110105194912310021',
		});
	});
});
