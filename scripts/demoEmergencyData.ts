/**
 * The demo county's on-call roster (值班表) for the emergency workflows, and synthetic emergency
 * reports for tests and the load benchmark. Staff names are made up (值班员甲…); addresses are
 * example.invalid unless a test gives its own mail and robot sinks.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { addInterval } from '../lib/dates';
import { DEMO_TOWNSHIPS } from './demoCounty';
import { DEMO_TOWNSHIP_EMAILS } from './demoReferralData';

export const ROSTER_HEADERS = ['乡镇', '角色', '姓名', '电话', '邮箱', '群机器人', '机器人类型', '开始时间', '结束时间'] as const;

export interface RosterOptions {
	/** First day of the roster (YYYY-MM-DD); shifts run 08:00 to 08:00 the next day. */
	from: string;
	days: number;
	/** A group-robot webhook for the townships' groups (e.g. a test's HTTP sink). */
	robotUrl?: string;
	/** The e-mail domain of the staff (default example.invalid). */
	domain?: string;
}

const STAFF = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛'];

/** One row per shift: the township 精防专干 and police of each township, the county's psychiatrist, office and commission. */
export function rosterRows(options: RosterOptions): Array<Record<(typeof ROSTER_HEADERS)[number], string>> {
	const domain = options.domain ?? 'example.invalid';
	const rows: Array<Record<(typeof ROSTER_HEADERS)[number], string>> = [];
	for (let d = 0; d < options.days; d++) {
		const day = addInterval(options.from, { days: d });
		const next = addInterval(day, { days: 1 });
		const shift = { 开始时间: `${day} 08:00`, 结束时间: `${next} 08:00` };
		const who = STAFF[d % STAFF.length];
		DEMO_TOWNSHIPS.forEach((t, i) => {
			const local = (DEMO_TOWNSHIP_EMAILS[t] ?? `township${i + 1}-jf@example.invalid`).split('@')[0];
			rows.push({ 乡镇: t, 角色: '乡镇精防专干', 姓名: `${t}值班员${who}`, 电话: `1380000${String(i).padStart(2, '0')}01`, 邮箱: `${local}@${domain}`, 群机器人: options.robotUrl ?? '', 机器人类型: i % 2 === 0 ? '企业微信' : '钉钉', ...shift });
			rows.push({ 乡镇: t, 角色: '公安（辖区派出所）', 姓名: `${t}派出所值班民警`, 电话: `1380000${String(i).padStart(2, '0')}02`, 邮箱: `police-${i + 1}@${domain}`, 群机器人: '', 机器人类型: '', ...shift });
		});
		rows.push({ 乡镇: '全县', 角色: '值班精神科医师', 姓名: `精神科值班医师${who}`, 电话: '13800009901', 邮箱: `psychiatrist@${domain}`, 群机器人: '', 机器人类型: '', ...shift });
		rows.push({ 乡镇: '全县', 角色: '县精防办值班人员', 姓名: `精防办值班员${who}`, 电话: '13800009902', 邮箱: `jingfangban@${domain}`, 群机器人: '', 机器人类型: '', ...shift });
		rows.push({ 乡镇: '全县', 角色: '县卫生健康委', 姓名: '卫健委值班室', 电话: '13800009903', 邮箱: `weijianwei@${domain}`, 群机器人: '', 机器人类型: '', ...shift });
		rows.push({ 乡镇: '全县', 角色: '综治中心', 姓名: '综治中心值班室', 电话: '13800009904', 邮箱: `zongzhi@${domain}`, 群机器人: '', 机器人类型: '', ...shift });
	}
	return rows;
}

export async function writeRosterCsv(file: string, options: RosterOptions): Promise<number> {
	const rows = rosterRows(options);
	await writeFile(file, stringify(rows, { header: true, columns: [...ROSTER_HEADERS], bom: true }));
	return rows.length;
}

/** A synthetic report (JSON) as a 110 dispatch or a township system would post it. */
export function demoReport(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
	const triggers = [['relapse'], ['harm_to_others'], ['self_harm'], ['acute_change'], ['incident_risk', 'harm_to_others']][n % 5];
	return {
		channel: ['police_110', 'family', 'village_doctor', 'township_staff'][n % 4],
		township: DEMO_TOWNSHIPS[n % DEMO_TOWNSHIPS.length],
		triggers,
		riskLevel: [2, 4, 4, 3, 5][n % 5],
		occurredAt: new Date(Date.UTC(2026, 10, 29, 6, 0) + n * 60_000).toISOString(),
		description: `演示报告 ${n}`,
		...over,
	};
}
