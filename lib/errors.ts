/**
 * One base class for every error the domain core throws on bad input or a bad file, so callers (the
 * n8n nodes, county integrators) handle them alike: `code` says what went wrong, `field` (and `row`,
 * `line`, `columns`) say where, and the message never holds the value — values may be names, ID
 * numbers or addresses (精神卫生法 第四条; docs/rules.md §8).
 *
 * Every subclass takes the same arguments in the same order: `(code, message, details?)`.
 */
export interface SmdErrorDetails {
	/** The field (column) concerned, by its English key or its header; never its value. */
	field?: string;
	/** 1-based row in the caller's batch, where known. */
	row?: number;
	/** 1-based line in the file (CSV) or sheet row (XLSX), where known. */
	line?: number;
	/** Column names concerned (header names, never values). */
	columns?: string[];
}

export class SmdError<Code extends string = string> extends Error {
	readonly code: Code;
	// Declared, not initialised: a detail that was not given is absent, not `undefined`.
	declare field?: string;
	declare row?: number;
	declare readonly line?: number;
	declare readonly columns?: string[];

	constructor(code: Code, message: string, details: SmdErrorDetails = {}) {
		super(message);
		this.name = new.target.name;
		this.code = code;
		if (details.field !== undefined) this.field = details.field;
		if (details.row !== undefined) this.row = details.row;
		if (details.line !== undefined) this.line = details.line;
		if (details.columns !== undefined) this.columns = details.columns;
	}
}

/** An input problem in one record (an observation, a policy setting): `field` names it. */
export class SmdInputError extends SmdError {
	declare field: string;
	constructor(code: string, message: string, details: SmdErrorDetails & { field: string }) {
		super(code, message, details);
	}
}
