/**
 * Reading follow-up records as people write them: English keys or the Chinese labels of the
 * national follow-up form (严重精神障碍患者随访服务记录表), option texts such as "2 不全" or
 * "自知力缺失", levels such as "3级" or "三级". Produces a validated `Observation`.
 */
import { findColumn, headersByKey } from './columns';
import { normalizeDay } from './dates';
import { SmdInputError } from './errors';
import { Observation } from './risk';
import {
	ADVERSE_REACTION,
	ALIASES,
	BEHAVIOURS,
	EMERGENCY_TRIGGERS,
	INSIGHT,
	OBSERVATION_FIELD_LABELS as FIELD_LABELS,
	SOCIAL_FUNCTION,
	SOMATIC_DISEASE,
	SYMPTOMS,
} from './vocabulary';

export type ObservationField = keyof Observation;

/** Keys looked for in a record, in order, when no field name is configured. */
export const DEFAULT_FIELD_KEYS: Record<ObservationField, string[]> = {
	date: ['date', 'followUpDate', 'visitDate', '随访日期', '本次随访日期'],
	riskLevel: ['riskLevel', '危险性评估', '危险性', '危险性评估级别', '危险性级别'],
	behaviours: ['behaviours', 'behaviors', '危险行为', '肇事肇祸行为'],
	symptoms: ['symptoms', '精神症状', '目前症状'],
	insight: ['insight', '自知力'],
	socialFunction: ['socialFunction', '社会功能', '社会功能情况'],
	adverseReaction: ['adverseReaction', '药物不良反应', '不良反应'],
	somaticDisease: ['somaticDisease', '躯体疾病', '躯体疾病情况'],
	hospitalised: ['hospitalised', 'hospitalized', '住院', '是否住院', '目前住院'],
	emergency: ['emergency', '应急处置', '是否应急处置'],
};

/** Clean a value for lookup: NFKC, no spaces, lower case, a leading option number dropped. */
function clean(text: string): string {
	return text
		.normalize('NFKC')
		.replace(/\s+/g, '')
		.replace(/^(?:\(?\d{1,2}[).、:：]?|[①②③④⑤⑥])(?=\D)/, '')
		.toLowerCase();
}

function buildLookup(fieldLabel: string, table: Record<string, string | { label: string }>, aliases: Record<string, string[]>) {
	const map = new Map<string, string>();
	const put = (text: string, code: string) => {
		const k = clean(text);
		if (k && !map.has(k)) map.set(k, code);
		const withLabel = clean(fieldLabel + text);
		if (!map.has(withLabel)) map.set(withLabel, code);
	};
	for (const [code, v] of Object.entries(table)) {
		put(code, code);
		put(typeof v === 'string' ? v : v.label, code);
	}
	for (const [code, list] of Object.entries(aliases)) for (const a of list) put(a, code);
	return map;
}

const LOOKUPS = {
	symptoms: buildLookup('精神症状', SYMPTOMS, ALIASES.symptoms),
	insight: buildLookup('自知力', INSIGHT, ALIASES.insight),
	socialFunction: buildLookup('社会功能', SOCIAL_FUNCTION, ALIASES.socialFunction),
	adverseReaction: buildLookup('药物不良反应', ADVERSE_REACTION, ALIASES.adverseReaction),
	somaticDisease: buildLookup('躯体疾病', SOMATIC_DISEASE, ALIASES.somaticDisease),
	behaviours: buildLookup('', BEHAVIOURS, ALIASES.behaviours),
	emergency: buildLookup('', EMERGENCY_TRIGGERS, ALIASES.emergency),
};

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 };
const TRUE_TEXT = new Set(['true', 'yes', 'y', '1', '是', '有', '住院', '在院', '目前住院']);
const FALSE_TEXT = new Set(['false', 'no', 'n', '0', '否', '无', '未住院', '不在院', '没有']);

function isBlank(v: unknown): boolean {
	return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function fieldError(field: ObservationField, what: string): SmdInputError {
	return new SmdInputError('invalid', `${field} (${FIELD_LABELS[field]}) ${what}`, { field: field });
}

export function parseRiskLevel(value: unknown): number | undefined {
	if (isBlank(value)) return undefined;
	if (typeof value === 'number') {
		if (Number.isInteger(value) && value >= 0 && value <= 5) return value;
		throw fieldError('riskLevel', 'must be a whole number 0–5');
	}
	if (typeof value !== 'string') throw fieldError('riskLevel', 'must be a number 0–5 or text such as "3级"');
	const t = value.normalize('NFKC').replace(/\s+/g, '').replace(/^危险性(评估)?/, '');
	const m = /^([0-9]|[零〇一二两三四五])(级)?(\(.*\)|（.*）)?$/.exec(t);
	if (!m) throw fieldError('riskLevel', 'must be a level 0–5 (for example 3 or "3级")');
	const n = /\d/.test(m[1]) ? Number(m[1]) : CN_DIGITS[m[1]];
	if (n > 5) throw fieldError('riskLevel', 'must be 0–5');
	return n;
}

function parseEnum<T extends string>(field: keyof typeof LOOKUPS & ObservationField, value: unknown): T {
	if (isBlank(value)) throw fieldError(field, 'is required');
	if (typeof value !== 'string') throw fieldError(field, 'must be text');
	const code = LOOKUPS[field].get(clean(value));
	if (!code) {
		const options = [...new Set(LOOKUPS[field].values())].join(', ');
		throw fieldError(field, `is not a recognised option (expected one of ${options} or their Chinese labels)`);
	}
	return code as T;
}

function splitList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') return value.split(/[,，、;；/|\n]+/).filter((s) => s.trim() !== '');
	return [value];
}

function parseBehaviours(value: unknown): Observation['behaviours'] {
	if (isBlank(value)) return undefined;
	return splitList(value).map((v) => {
		const code = typeof v === 'string' ? LOOKUPS.behaviours.get(clean(v)) : undefined;
		if (!code) throw fieldError('behaviours', `has an unknown behaviour (expected codes ${Object.keys(BEHAVIOURS).join(', ')} or their Chinese labels)`);
		return code as keyof typeof BEHAVIOURS;
	});
}

function parseBoolean(field: ObservationField, value: unknown): boolean | undefined {
	if (isBlank(value)) return undefined;
	if (typeof value === 'boolean') return value;
	const t = typeof value === 'number' ? String(value) : typeof value === 'string' ? clean(value) : '';
	if (TRUE_TEXT.has(t)) return true;
	if (FALSE_TEXT.has(t)) return false;
	throw fieldError(field, 'must be yes/no (是/否)');
}

function parseEmergency(value: unknown): Observation['emergency'] {
	if (isBlank(value)) return undefined;
	if (typeof value === 'boolean') return value;
	const triggers = splitList(value).map((v) => (typeof v === 'string' ? LOOKUPS.emergency.get(clean(v)) : undefined));
	if (triggers.every((t) => t !== undefined)) return triggers as Observation['emergency'];
	return parseBoolean('emergency', value);
}

/**
 * The key of `record` (with a value other than undefined) for `names`: the first name present
 * exactly, else the first name that a key matches by `headerKey` (as table headers are matched, see
 * `matchColumns`: "随访日期：", "*随访日期" and "随访 日期" all match "随访日期"). `byKey` is built on
 * the first call that needs it and kept for the record's other fields.
 */
function keyFinder(record: Record<string, unknown>): (names: readonly string[]) => string | undefined {
	let byKey: Map<string, string> | undefined;
	return (names) => {
		const exact = names.find((k) => record[k] !== undefined);
		if (exact !== undefined) return exact;
		byKey ??= headersByKey(Object.keys(record).filter((k) => record[k] !== undefined));
		return findColumn(byKey, names);
	};
}

/**
 * Which key of `record` holds `field`: the configured name, else the first default key present.
 * Keys present exactly come first; failing that, a key that matches by `headerKey` (the rule table
 * headers are matched by). A configured name that no key matches is returned as it is.
 */
export function findFieldKey(record: Record<string, unknown>, field: ObservationField, configured?: string): string | undefined {
	return fieldKey(keyFinder(record), field, configured);
}

function fieldKey(find: ReturnType<typeof keyFinder>, field: ObservationField, configured: string | undefined): string | undefined {
	if (configured) return find([configured]) ?? configured;
	return find(DEFAULT_FIELD_KEYS[field]);
}

/**
 * Build an observation from a record. `fieldNames` overrides the key of any field; otherwise the
 * English key or Chinese label is looked up. Throws SmdInputError naming the field.
 */
export function observationFromRecord(
	record: Record<string, unknown>,
	fieldNames: Partial<Record<ObservationField, string>> = {},
): Observation {
	const find = keyFinder(record);
	const get = (f: ObservationField) => {
		const key = fieldKey(find, f, fieldNames[f]);
		return key === undefined ? undefined : record[key];
	};
	const rawDate = get('date');
	if (isBlank(rawDate)) throw fieldError('date', 'is required');
	const date = normalizeDay(rawDate);
	if (!date) throw fieldError('date', 'is not a real date (use YYYY-MM-DD)');

	const obs: Observation = {
		date,
		symptoms: parseEnum('symptoms', get('symptoms')),
		insight: parseEnum('insight', get('insight')),
		socialFunction: parseEnum('socialFunction', get('socialFunction')),
		adverseReaction: parseEnum('adverseReaction', get('adverseReaction')),
		somaticDisease: parseEnum('somaticDisease', get('somaticDisease')),
	};
	const riskLevel = parseRiskLevel(get('riskLevel'));
	if (riskLevel !== undefined) obs.riskLevel = riskLevel;
	const behaviours = parseBehaviours(get('behaviours'));
	if (behaviours) obs.behaviours = behaviours;
	const hospitalised = parseBoolean('hospitalised', get('hospitalised'));
	if (hospitalised !== undefined) obs.hospitalised = hospitalised;
	const emergency = parseEmergency(get('emergency'));
	if (emergency !== undefined) obs.emergency = emergency;
	return obs;
}
