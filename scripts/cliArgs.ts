/**
 * Command-line options for the scripts, with Node's own `util.parseArgs` (strict: unknown options
 * and missing values are errors), its error texts turned into the scripts' short ones.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed values and positionals of `argv`; throws "unknown argument --x (try --help)" and the like. */
export function readArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
	try {
		return parseArgs({ args: argv, options, strict: true, allowPositionals });
	} catch (error) {
		const e = error as { code?: string; message: string };
		const flag = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
		if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown argument ${flag} (try --help)`);
		if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${flag.split(' ')[0]} needs a value (try --help)`);
		if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new Error(`unexpected argument (try --help)`);
		throw error;
	}
}
