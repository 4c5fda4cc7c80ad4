/** The reports of SMD Report: the values of its `report` parameter, which plays the part of an operation. */
export type SmdReportType = TriageReportType | QuarterlyReportType | ReferralFormReportType | EmergencyReportType | 'archiveFiles' | 'dailyWorkList';

/** Reports of a police-list triage: rendered from the triaged rows, as of the As-Of Date. */
export type TriageReportType = 'policeFeedback' | 'townshipTaskLists' | 'triageJson' | 'triageSummary';

/** Reports of the quarterly joint meeting: rendered from one SMD Indicators item, files appended to it. */
export type QuarterlyReportType = 'quarterlyPack' | 'rankingTable' | 'actionList' | 'catchUpPlan';

export const QUARTERLY_REPORTS: QuarterlyReportType[] = ['quarterlyPack', 'rankingTable', 'actionList', 'catchUpPlan'];

/** The referral forms: one form per item of SMD Referral (a referral and its patient), files appended to it. */
export type ReferralFormReportType = 'referralForm' | 'dischargeForm';

export const REFERRAL_FORM_REPORTS: ReferralFormReportType[] = ['referralForm', 'dischargeForm'];

/** Reports that take their input items as they are (no triage rows, no As-Of Date). */
export const ITEM_REPORTS: SmdReportType[] = [...QUARTERLY_REPORTS, ...REFERRAL_FORM_REPORTS, 'archiveFiles', 'dailyWorkList', 'emergencyRecord', 'watchList'];

/** The emergency outputs: the 应急处置记录单 per event item, the 重点管控名单 per township item. */
export type EmergencyReportType = 'emergencyRecord' | 'watchList';
