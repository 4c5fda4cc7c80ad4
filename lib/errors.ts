/**
 * An input problem in one record. The message names the field (and, in batch operations, the row)
 * but never repeats the value: values may be names, ID numbers or addresses.
 */
export class SmdInputError extends Error {
	readonly field: string;
	readonly code: string;
	/** 1-based row in the caller's batch, where the caller knows it. */
	row?: number;

	constructor(field: string, message: string, code = 'invalid') {
		super(message);
		this.name = 'SmdInputError';
		this.field = field;
		this.code = code;
	}
}
