/**
 * n8n-nodes-smd domain core: plain TypeScript with no n8n import, for the package's nodes and for
 * county integrators (`require('n8n-nodes-smd')`).
 */
export { parseIdNumber, normalizeIdText, idCheckChar, upgradeId15, isCalendarDate } from './idNumber';
export type { ParsedId, IdError, IdErrorCode, IdParseResult, ParseIdOptions } from './idNumber';
export { normalizeName, nameKey, namesAgree, toSimplified } from './name';
export {
	assessRisk,
	validateObservation,
	resolveRiskPolicy,
	describeInterval,
	assessmentColumns,
	ASSESSMENT_COLUMNS,
	DEFAULT_RISK_POLICY,
	POLICE_NOTIFY_MIN_LEVEL,
} from './risk';
export type { Observation, RiskPolicy, Assessment } from './risk';
export { observationFromRecord, parseRiskLevel, findFieldKey, DEFAULT_FIELD_KEYS } from './forms';
export type { ObservationField } from './forms';
export { normalizeDay, addInterval, parseIsoDay, formatIsoDay } from './dates';
export type { Interval } from './dates';
export { SmdInputError } from './errors';
export * from './vocabulary';
