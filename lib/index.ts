/**
 * n8n-nodes-smd domain core: plain TypeScript with no n8n import, for the package's nodes and for
 * county integrators (`require('n8n-nodes-smd')`).
 */
export { parseIdNumber, normalizeIdText, idCheckChar, upgradeId15, isCalendarDate, readUnusableId, oneEditApart } from './idNumber';
export type { ParsedId, IdError, IdErrorCode, IdParseResult, ParseIdOptions, UnusableIdInfo } from './idNumber';
export { normalizeName, nameKey, namesAgree, toSimplified } from './name';
export {
	assessRisk,
	validateObservation,
	resolveRiskPolicy,
	describeInterval,
	assessmentColumns,
	nextFollowUpAfter,
	ASSESSMENT_COLUMNS,
	DEFAULT_RISK_POLICY,
	POLICE_NOTIFY_MIN_LEVEL,
} from './risk';
export type { Observation, RiskPolicy, Assessment } from './risk';
export { observationFromRecord, parseRiskLevel, findFieldKey, DEFAULT_FIELD_KEYS } from './forms';
export type { ObservationField } from './forms';
export { normalizeDay, addInterval, parseIsoDay, formatIsoDay } from './dates';
export type { Interval } from './dates';
export { SmdError, SmdInputError } from './errors';
export type { SmdErrorDetails } from './errors';
export * from './vocabulary';
export { parseStatus, parseClassification, parseMedication, parseDisorder, parseSex } from './codes';
export { maskIdNumber, maskName, maskAddress } from './mask';
export {
	RegistryStore,
	RegistryError,
	explainSqliteError,
	sqliteCode,
	defaultRegistryPath,
	patientToJson,
	patientHash,
	REGISTRY_FILE_ENV,
	SCHEMA_VERSION,
	MIGRATIONS,
} from './registry/store';
export type { Patient, PatientInput, FollowUpInput, AuditEntry, SearchFilter } from './model';
export type { OpenOptions, UpsertOutcome, ImportRecord, RegistryErrorCode } from './registry/store';
export { openRegistry, type RegistryConfig } from './registry/open';
export { SqliteRegistry } from './registry/sqliteBackend';
export { PostgresRegistry, PG_SCHEMA_VERSION, type PostgresConfig } from './registry/postgres';
export type { Registry, BackendKind, ImportTarget, ImportTx, SyncCursor, SyncPageResult, AuditRecord, UpsertResult } from './registry/backend';
export type { SyncEntry } from './registry/sync';
export {
	importRegistryFile,
	mapHeaders,
	patientFromRow,
	RowProblem,
	ImportFileError,
	REGISTRY_COLUMNS,
	REGISTRY_FIELD_LABELS,
	truncateWithMarker,
	truncationMarker,
} from './registry/import';
export type { ImportReport, ImportOptions, RowError, RegistryField } from './registry/import';
export { Matcher, idTypoVariants, usableNameKey, CANDIDATE_REASON_LABELS, AUTO_LINK_REASON } from './matching';
export type { MatchResult, MatchStatus, MatchCandidate, CandidateReason, PersonRecord, ListRecord, MatchSource, MatchOptions } from './matching';
export {
	Triage,
	triageOptionsProblem,
	TRIAGE_CATEGORIES,
	TRIAGE_ACTIONS,
	DEFAULT_TRIAGE_POLICY,
	resolveTriagePolicy,
	countByCategory,
	nextFollowUpDue,
	POLICE_COLUMNS,
	mapPoliceHeaders,
	mapPoliceColumns,
	policeListProblem,
	registryTriageProblem,
	policeRowFrom,
} from './triage';
export type { TriageCategory, TriageResult, TriagePolicy, TriagePolicyInput, PoliceListRow, Priority, PoliceField, TriageOptions, PoliceColumns, RegistryHealthSource } from './triage';
export * from './tabular';
export * from './reports';
export { safeFileNamePart, uniqueFileNames } from './fileNames';
export { allowedFileFolders, isFileAccessAllowed, realPathOf, RESTRICT_FILE_ACCESS_ENV } from './paths';
export { codesOf, intervalSchema, issueField, issueMessage, jsonValue, parseOrThrow, zodInputError } from './policy';
export { excelScientificText } from './excelNumber';
export {
	INDICATOR_CODES,
	INDICATOR_LABELS,
	INDICATOR_UNITS,
	DEFAULT_TARGETS,
	DEFAULT_WEIGHTS,
	DEFAULT_INDICATOR_CONFIG,
	ACTION_CATEGORIES,
	resolveIndicatorConfig,
	indicatorPeriod,
	previousPeriod,
	quarterOf,
	IndicatorAccumulator,
	indicatorsFromTallies,
	computeIndicators,
	compositeScore,
	rankByScore,
	indicatorsJson,
} from './indicators';
export type {
	IndicatorCode,
	Figure,
	IndicatorConfig,
	IndicatorConfigInput,
	IndicatorPeriod,
	PatientFacts,
	AreaCounts,
	AreaIndicators,
	IndicatorResult,
	ComputeInput,
	ActionCategory,
	ActionItem,
} from './indicators';
export { importFollowUpFile, FOLLOW_UP_COLUMNS } from './registry/followUpImport';
export type { FollowUpImportReport, FollowUpImportOptions, FollowUpField } from './registry/followUpImport';
export {
	forEachIndicatorFacts,
	registryIndicators,
	registryIndicatorHistory,
	registryActionList,
	DEFAULT_ACTION_DUE_DAYS,
	ACTION_TEXT,
} from './registry/indicatorFacts';
export type { ActionListOptions, ActionList } from './registry/indicatorFacts';
export { parseFollowUpForm } from './codes';
export * from './charts';
export * from './quarterlyReports';
export { htmlToPdf, findChromium, chromiumAvailable, pdfPageCount, PdfError, CHROMIUM_PATH_ENV, CHROMIUM_CANDIDATES } from './pdf';
export type { PdfOptions } from './pdf';
export { isWorkingDay, firstWorkingDayOfQuarter, lastCompletedQuarter, parseDayList } from './workdays';
export type { WorkCalendar } from './workdays';
export { readPopulationTable, populationFromPairs, POPULATION_COLUMNS } from './population';
export { archiveFiles, ArchiveError } from './archive';
export type { ArchivedFile } from './archive';
export { compareTownships } from './townships';
export * from './referrals';
export {
	renderReferralFormHtml,
	renderReferralFormsHtml,
	renderDischargeFormHtml,
	renderDischargeFormsHtml,
	referralFormModel,
	dischargeFormModel,
	referralFormFiles,
	parseReferralFormInput,
	parseReferralPatient,
	parseReferralPair,
	localDayAndTime,
	ageAt,
	referralFormInputSchema,
	referralPatientSchema,
	REFERRAL_FORM_FILES,
	REFERRAL_FORM_FORMATS,
	REFERRAL_FORM_TEMPLATE,
	DISCHARGE_FORM_TEMPLATE,
	REFERRAL_STYLE_TEMPLATE,
} from './referralForms';
export type {
	ReferralFormInput,
	ReferralPatientInput,
	ReferralFormOptions,
	ReferralFormModel,
	DischargeFormModel,
	ReferralWithPatient,
	ReferralFormKind,
	ReferralFormFormat,
	ReferralFilesOptions,
	ReferralFilesResult,
	DateParts,
} from './referralForms';
export * from './workList';
export {
	upsertAgreement,
	listAgreements,
	findAgreement,
	createReferral,
	stepReferral,
	getReferral,
	listLateReferrals,
	referralsOf,
	referralPatient,
} from './registry/referrals';
export type { AgreementInput, Agreement, ReferralInput, ReferralOptions, StepInput, CreateResult, StepResult, ReferralEvent, LateReferral } from './registry/referrals';
export { openPlan, createPlanTask, reviewPlan, closePlan, plansOf, listMissingPlans } from './registry/casePlans';
export type { CasePlan, OpenPlanInput, PlanTaskInput, PlanOptions, PlanResult, ReviewInput, MissingPlan } from './registry/casePlans';
export { buildWorkLists } from './registry/workListFacts';
export type { WorkListOptions, WorkLists } from './registry/workListFacts';
export { readRecipientsTable, checkEmails, RECIPIENT_COLUMNS } from './recipients';
export { createAssessmentWork, referralReasons } from './registry/assessmentWork';
export type { AssessmentWork, AssessmentWorkInput } from './registry/assessmentWork';
export * from './emergencies';
export * from './registry/emergencies';
export * from './roster';
export {
	parseEmergencyRecordItem,
	emergencyRecordModel,
	renderEmergencyRecordsHtml,
	renderEmergencyRecordHtml,
	emergencyRecordFiles,
	EMERGENCY_RECORD_TEMPLATE,
	EMERGENCY_STYLE_TEMPLATE,
	EMERGENCY_RECORD_FORMATS,
	EMERGENCY_SUBJECTS,
} from './emergencyForms';
export type {
	EmergencyRecordItem,
	EmergencyRecordItemInput,
	EmergencyFormOptions,
	EmergencyRecordModel,
	EmergencyStepRow,
	CheckBox,
	EmergencyRecordFormat,
	EmergencyRecordFilesOptions,
	EmergencyRecordFilesResult,
} from './emergencyForms';
export {
	parseWatchListItem,
	watchListModel,
	renderWatchListHtml,
	watchListSheets,
	watchListXlsx,
	watchListFiles,
	watchListFileStem,
	WATCH_LIST_COLUMNS,
	WATCH_LIST_TEMPLATE,
	WATCH_LIST_EMPTY_TEXT,
} from './watchListReports';
export type { WatchListInput, WatchListOptions, WatchListModel, WatchListRow, WatchListStaffRow, WatchListFormat, WatchListFilesOptions, WatchListFilesResult } from './watchListReports';
export * from './countyApi';
export { followUpPushFrom, triageOutcomePushFrom, referralPushFrom, pushBodyFrom, type PushKind } from './countyApi/mapping';
export { pullPatients, pullStoppedMessage, type PullOptions, type PullSummary } from './countyApi/pull';
