import { SmdError, SmdInputError } from '../../lib/errors';
import { ImportFileError, RowProblem } from '../../lib/registry/import';
import { RegistryError } from '../../lib/registry/store';
import { TemplateError } from '../../lib/reports';
import { TableError } from '../../lib/tabular';

describe('one error base class', () => {
	test('every lib error extends SmdError, takes (code, message, details) and keeps its own name', () => {
		const errors: SmdError[] = [
			new SmdInputError('invalid', 'riskLevel (危险性评估) must be 0–5', { field: 'riskLevel' }),
			new RowProblem('too_long', '姓名 (name) is longer than 50 characters', { field: 'name', row: 3 }),
			new ImportFileError('missing_column', 'the file has no 姓名 (name) column'),
			new RegistryError('locked', 'The registry file is locked'),
			new TableError('bad_csv', 'line 4', { line: 4, columns: ['姓名'] }),
			new TemplateError('not_found', 'template x.hbs not found'),
		];
		expect(errors.map((e) => [e instanceof SmdError, e instanceof Error, e.name, e.code])).toEqual([
			[true, true, 'SmdInputError', 'invalid'],
			[true, true, 'RowProblem', 'too_long'],
			[true, true, 'ImportFileError', 'missing_column'],
			[true, true, 'RegistryError', 'locked'],
			[true, true, 'TableError', 'bad_csv'],
			[true, true, 'TemplateError', 'not_found'],
		]);
		expect([errors[0].field, errors[1].field, errors[1].row, errors[4].line, errors[4].columns]).toEqual(['riskLevel', 'name', 3, 4, ['姓名']]);
		expect('field' in errors[2]).toBe(false);
	});
});
