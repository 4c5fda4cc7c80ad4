/** The reports of SMD Report: the values of its `report` parameter, which plays the part of an operation. */
export type SmdReportType = 'policeFeedback' | 'townshipTaskLists' | 'triageJson' | 'triageSummary';
