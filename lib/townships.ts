/**
 * Townships as every list and report orders them: by name in Chinese collation, with patients of no
 * township gathered under 未分配乡镇 at the end.
 */
export const UNASSIGNED_TOWNSHIP = '未分配乡镇';

/** Sort order of township names: Chinese collation, 未分配乡镇 last. */
export function compareTownships(a: string, b: string): number {
	if (a === b) return 0;
	if (a === UNASSIGNED_TOWNSHIP) return 1;
	if (b === UNASSIGNED_TOWNSHIP) return -1;
	return a.localeCompare(b, 'zh');
}
