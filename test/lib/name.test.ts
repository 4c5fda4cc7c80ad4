import { nameKey, namesAgree, normalizeName, toSimplified } from '../../lib';

describe('normalizeName', () => {
	test('trims, removes inner and full-width spaces', () => {
		expect(normalizeName('  张 伟  ')).toBe('张伟');
		expect(normalizeName('张\u3000伟')).toBe('张伟');
		expect(normalizeName('\t王\u00A0芳\n')).toBe('王芳');
	});

	test('full-width Latin letters become half-width upper case', () => {
		expect(normalizeName('ｊｏｈｎ')).toBe('JOHN');
	});

	test('middle-dot family is unified to U+00B7, leading and trailing dots dropped', () => {
		for (const sep of ['·', '•', '・', '．', '‧', '･', '∙', '⋅', '.']) {
			expect(normalizeName(`阿依古丽${sep}买买提`)).toBe('阿依古丽·买买提');
		}
		expect(normalizeName('阿依古丽··买买提')).toBe('阿依古丽·买买提');
		expect(normalizeName('·阿依古丽·')).toBe('阿依古丽');
	});

	test('traditional characters (incl. Taiwan and Hong Kong forms) become simplified', () => {
		expect(normalizeName('張偉')).toBe('张伟');
		expect(normalizeName('陳麗華')).toBe('陈丽华');
		expect(normalizeName('劉國強')).toBe('刘国强');
		expect(normalizeName('鄭曉東')).toBe('郑晓东');
		expect(toSimplified('買買提')).toBe('买买提');
	});

	test('non-text and names without a letter are empty', () => {
		for (const v of [null, undefined, 42, {}, [], '', '   ', '···', '123', '-', '？？']) expect(normalizeName(v)).toBe('');
	});
});

describe('namesAgree', () => {
	test('agree across spacing, width, separators and scripts', () => {
		expect(namesAgree('张伟', ' 張 偉 ')).toBe(true);
		expect(namesAgree('买买提·艾力', '買買提•艾力')).toBe(true);
		expect(namesAgree('买买提·艾力', '买买提艾力')).toBe(true);
		expect(namesAgree('买买提·艾力', '买买提 艾力')).toBe(true);
		expect(namesAgree('买买提·艾力', '买买提．艾力')).toBe(true);
	});

	test('different names do not agree', () => {
		expect(namesAgree('张伟', '张玮')).toBe(false);
		expect(namesAgree('张伟', '张伟伟')).toBe(false);
		expect(namesAgree('李娜', '李那')).toBe(false);
	});

	test('empty or missing names never agree, even with each other', () => {
		expect(namesAgree('', '')).toBe(false);
		expect(namesAgree(null, null)).toBe(false);
		expect(namesAgree(undefined, '张伟')).toBe(false);
		expect(namesAgree('···', '•')).toBe(false);
	});

	test('nameKey drops separators', () => {
		expect(nameKey('買買提・艾力')).toBe('买买提艾力');
	});
});
