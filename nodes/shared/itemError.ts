/**
 * The json of an item in error, shared by every node so rows in = rows out with nothing lost. Under
 * "Continue (using error output)" n8n routes items whose json holds only error/details to the error
 * output and merges the input row back in (WorkflowExecute.handleNodeErrorOutput); under "Continue
 * (using regular output)" the input row is kept here, with the error beside it.
 */
export function itemErrorJson(
	onError: string | undefined,
	input: Record<string, unknown>,
	message: string,
	index: number,
	field?: string,
	code?: string,
): Record<string, unknown> {
	// code: what went wrong, for a caller that answers by it (invalid → 400, conflict → 409, …).
	const details = { row: index + 1, ...(field ? { field } : {}), ...(code ? { code } : {}) };
	if (onError === 'continueErrorOutput') return { error: message, details };
	return { ...input, error: message, errorDetails: details };
}
