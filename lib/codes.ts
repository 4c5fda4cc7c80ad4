/**
 * Reading coded values as national-system exports and police lists write them: English codes,
 * Chinese labels, common variants and ICD-10 codes. Each parser returns the code or null for
 * blank, and `undefined` for text it does not recognise (the caller reports the field).
 */
import {
	CLASSIFICATIONS,
	Classification,
	DisorderCode,
	DISORDERS,
	MANAGEMENT_STATUS,
	ManagementStatus,
	FOLLOW_UP_FORMS,
	FollowUpForm,
	MEDICATION,
	Medication,
} from './vocabulary';

function clean(text: string): string {
	return text.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

function lookup<T extends string>(table: Record<T, string>, aliases: Record<string, T>) {
	const map = new Map<string, T>();
	for (const [code, label] of Object.entries(table) as Array<[T, string]>) {
		map.set(clean(code), code);
		map.set(clean(label), code);
	}
	for (const [alias, code] of Object.entries(aliases)) map.set(clean(alias), code);
	return (value: unknown): T | null | undefined => {
		if (value === null || value === undefined) return null;
		const text = clean(String(value));
		if (text === '') return null;
		return map.get(text);
	};
}

export const parseStatus = lookup<ManagementStatus>(MANAGEMENT_STATUS, {
	管理中: 'active',
	正常管理: 'active',
	在册在管: 'active',
	失访患者: 'lost',
	已死亡: 'deceased',
	亡故: 'deceased',
	已迁出: 'moved_out',
	迁往外地: 'moved_out',
	拒绝: 'refused',
	拒访: 'refused',
});

export const parseClassification = lookup<Classification>(CLASSIFICATIONS, {
	'病情稳定': 'stable',
	'病情基本稳定': 'basically_stable',
	'病情不稳定': 'unstable',
});

export const parseMedication = lookup<Medication>(MEDICATION, {
	规律: 'regular',
	间断: 'intermittent',
	不服: 'none',
	未服药: 'none',
	不需服药: 'not_required',
	无需服药: 'not_required',
	医嘱无需服药: 'not_required',
});

/** 随访形式 as exports write it: 门诊, 家庭访视 (家访, 入户), 电话. */
export const parseFollowUpForm = lookup<FollowUpForm>(FOLLOW_UP_FORMS, {
	门诊随访: 'clinic',
	到门诊: 'clinic',
	家访: 'home',
	入户: 'home',
	入户随访: 'home',
	家庭随访: 'home',
	电话随访: 'phone',
});

const disorderByLabel = lookup<DisorderCode>(DISORDERS, {
	分裂症: 'schizophrenia',
	偏执性精神病: 'delusional',
	持久的妄想性障碍: 'delusional',
	妄想性障碍: 'delusional',
	双相障碍: 'bipolar',
	双相情感障碍: 'bipolar',
	双相情感性障碍: 'bipolar',
	癫痫性精神障碍: 'epilepsy_psychosis',
	精神发育迟滞: 'intellectual_disability_psychosis',
	精神发育迟滞伴精神障碍: 'intellectual_disability_psychosis',
});

/** ICD-10 three-character codes of the six disorders (F06 with G40 for epilepsy). */
const ICD: Array<[RegExp, DisorderCode]> = [
	[/^F20/, 'schizophrenia'],
	[/^F25/, 'schizoaffective'],
	[/^F22/, 'delusional'],
	[/^F31/, 'bipolar'],
	[/^F06/, 'epilepsy_psychosis'],
	[/^F7\d/, 'intellectual_disability_psychosis'],
];

/** "精神分裂症", "F20.0", "F20 精神分裂症", "schizophrenia" → 'schizophrenia'. */
export function parseDisorder(value: unknown): DisorderCode | null | undefined {
	if (value === null || value === undefined) return null;
	const text = String(value).normalize('NFKC').trim();
	if (text === '') return null;
	const icd = /^([A-Za-z]\d{2})(?:\.\d+)?\s*(.*)$/.exec(text);
	if (icd) {
		const hit = ICD.find(([re]) => re.test(icd[1].toUpperCase()));
		if (hit) return hit[1];
		if (icd[2]) return disorderByLabel(icd[2]);
		return undefined;
	}
	return disorderByLabel(text);
}

/** 男/女, M/F, male/female, 1/2 (GB/T 2261.1). */
export function parseSex(value: unknown): 'male' | 'female' | null | undefined {
	if (value === null || value === undefined) return null;
	const text = clean(String(value));
	if (text === '') return null;
	if (['男', '男性', 'm', 'male', '1'].includes(text)) return 'male';
	if (['女', '女性', 'f', 'female', '2'].includes(text)) return 'female';
	return undefined;
}
