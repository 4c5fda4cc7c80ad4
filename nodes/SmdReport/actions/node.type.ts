/** The reports of SMD Report: the values of its `report` parameter, which plays the part of an operation. */
export type SmdReportType = TriageReportType | QuarterlyReportType | 'archiveFiles';

/** Reports of a police-list triage: rendered from the triaged rows, as of the As-Of Date. */
export type TriageReportType = 'policeFeedback' | 'townshipTaskLists' | 'triageJson' | 'triageSummary';

/** Reports of the quarterly joint meeting: rendered from one SMD Indicators item, files appended to it. */
export type QuarterlyReportType = 'quarterlyPack' | 'rankingTable' | 'actionList' | 'catchUpPlan';

export const QUARTERLY_REPORTS: QuarterlyReportType[] = ['quarterlyPack', 'rankingTable', 'actionList', 'catchUpPlan'];

/** Reports that take their input items as they are (no triage rows, no As-Of Date). */
export const ITEM_REPORTS: SmdReportType[] = [...QUARTERLY_REPORTS, 'archiveFiles'];
