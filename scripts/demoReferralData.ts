/**
 * The demo county's inputs for the referral and daily work-list workflows: a day of follow-up visits
 * as the township 精防专干 record them (who visited, the observation, and informed consent where a
 * referral was agreed at the visit), and the townships' e-mail addresses. Derived from (seed, patient
 * index) like the registry (scripts/demoCounty.ts): the same options give byte-identical files, and
 * nothing is a real person or address (example.invalid).
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { DEMO_TOWNSHIPS, DemoCounty, hash3, Rng } from './demoCounty';

export const VISIT_HEADERS = [
	'患者编号', '乡镇', '随访日期', '随访形式', '随访人员', '危险性评估', '精神症状', '自知力', '社会功能', '药物不良反应', '躯体疾病', '服药情况', '知情同意', '知情同意时间',
] as const;

/** A stream of its own (scripts/demoCounty.ts STREAM holds 1–7). */
const VISIT_STREAM = 8;

export interface VisitOptions {
	/** The day of the visits (default a week after the county's as-of day). */
	day?: string;
	/** How many visits (default 40). */
	count?: number;
}

/** The visits, in patient order: a quarter unstable at level 3–4 (half of them with consent signed), the rest stable or basically stable. */
export function visitRows(county: DemoCounty, options: VisitOptions = {}): Array<Record<(typeof VISIT_HEADERS)[number], string>> {
	const day = options.day ?? new Date(Date.parse(`${county.asOf}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
	const count = options.count ?? 40;
	const rows: Array<Record<(typeof VISIT_HEADERS)[number], string>> = [];
	for (let i = 0; i < county.patients && rows.length < count; i++) {
		const p = county.personAt(i);
		if (p.status !== 'active') continue;
		const r = new Rng(hash3(county.seed, VISIT_STREAM, i));
		const k = rows.length;
		const unstable = k % 4 === 0;
		const basically = !unstable && k % 4 === 1;
		const consent = unstable && k % 8 === 0;
		rows.push({
			患者编号: p.patientNo,
			乡镇: p.township,
			随访日期: day,
			随访形式: unstable || r.chance(0.5) ? '家庭访视' : '门诊',
			随访人员: unstable ? (r.chance(0.5) ? '精防专干、民警' : '精神科医师、精防专干、民警') : '精防专干',
			危险性评估: unstable ? `${r.range(3, 4)}级` : basically ? '1级' : '0级',
			精神症状: unstable ? '明显' : basically ? '部分存在' : '基本消失',
			自知力: unstable ? '缺失' : basically ? '不全' : '完全',
			社会功能: unstable ? '较差' : basically ? '一般' : '良好',
			药物不良反应: '无',
			躯体疾病: '无',
			服药情况: unstable ? '间断服药' : '规律服药',
			知情同意: consent ? '监护人' : '',
			知情同意时间: consent ? `${day}T10:30:00+08:00` : '',
		});
	}
	return rows;
}

export async function writeVisitsCsv(file: string, county: DemoCounty, options: VisitOptions = {}): Promise<number> {
	const rows = visitRows(county, options);
	await writeFile(file, stringify(rows, { header: true, columns: [...VISIT_HEADERS], bom: true }));
	return rows.length;
}

/** Demo addresses per township (example.invalid never delivers); 石桥镇 has none, to show a township without an address. */
export const DEMO_TOWNSHIP_EMAILS: Record<string, string> = {
	城关镇: 'chengguan-jf@example.invalid',
	河西乡: 'hexi-jf@example.invalid',
	青山镇: 'qingshan-jf@example.invalid',
	柳林乡: 'liulin-jf@example.invalid',
};

export async function writeTownshipContactsCsv(file: string): Promise<void> {
	const rows = DEMO_TOWNSHIPS.filter((t) => DEMO_TOWNSHIP_EMAILS[t]).map((t) => ({ 乡镇: t, 邮箱: DEMO_TOWNSHIP_EMAILS[t] }));
	await writeFile(file, stringify(rows, { header: true, columns: ['乡镇', '邮箱'], bom: true }));
}
