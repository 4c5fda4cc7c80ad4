/**
 * The on-call roster (值班表) as counties keep it: a CSV (UTF-8 or GBK) or XLSX with one row per
 * shift — 乡镇 (or 全县), 角色, 姓名, 电话, 邮箱, 群机器人, 机器人类型, 开始时间, 结束时间.
 * Configuration, not patient data: a bad row stops the read, naming its row, line and field.
 */
import { EMERGENCY_ROLES, ROBOT_FORMATS, type EmergencyRole, type RobotFormat } from './emergencies';
import { SmdInputError } from './errors';
import { checkEmails } from './recipients';
import type { RosterEntry } from './registry/emergencies';
import { matchColumns, openTable, type ReadTableOptions } from './tabular';

export const ROSTER_COLUMNS = {
	township: ['乡镇', '乡镇（街道）', '乡镇(街道)', '所属乡镇', '范围', 'township'],
	role: ['角色', '岗位', '值班岗位', 'role'],
	person: ['姓名', '值班人员', '值班人', 'person', 'name'],
	phone: ['电话', '联系电话', '手机', 'phone'],
	email: ['邮箱', '电子邮箱', 'Email', 'email'],
	robotUrl: ['群机器人', '群机器人地址', '机器人地址', 'Webhook', 'webhook', 'robotUrl'],
	robotFormat: ['机器人类型', '群类型', 'robotFormat'],
	startsAt: ['开始时间', '值班开始', '开始', 'startsAt'],
	endsAt: ['结束时间', '值班结束', '结束', 'endsAt'],
};

/** Words for the whole county in the 乡镇 column. */
const COUNTY_WIDE = new Set(['*', '全县', '全县（区）', '县级', '县']);

/** A local date and time 'YYYY-MM-DD HH:mm' (or with T, seconds, or an explicit offset) as an ISO timestamp. */
export function localTimestamp(text: string, utcOffset = '+08:00'): string | null {
	const t = text.trim().replace(/\//g, '-');
	const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
	if (!m) return null;
	const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
	const p = (v: string) => v.padStart(2, '0');
	const iso = `${y}-${p(mo)}-${p(d)}T${p(h)}:${mi}:${p(s)}${zone ? (zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone) : utcOffset}`;
	const ms = Date.parse(iso);
	if (Number.isNaN(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 24) return null;
	return new Date(ms).toISOString();
}

function roleOf(text: string): EmergencyRole | null {
	const t = text.trim();
	if (Object.hasOwn(EMERGENCY_ROLES, t)) return t as EmergencyRole;
	const hit = Object.entries(EMERGENCY_ROLES).find(([, label]) => label === t || label.startsWith(t) || t.startsWith(label.slice(0, 4)));
	if (hit) return hit[0] as EmergencyRole;
	const aliases: Record<string, EmergencyRole> = { 精防专干: 'township_staff', 精神科医师: 'psychiatrist', 精神科医生: 'psychiatrist', 值班医生: 'psychiatrist', 派出所: 'police', 公安: 'police', 民警: 'police', 精防办: 'county_office', 卫健委: 'health_commission', 卫生健康委: 'health_commission', 综治: 'zongzhi', 综治中心: 'zongzhi' };
	return aliases[t] ?? null;
}

function robotFormatOf(text: string): RobotFormat | null {
	const t = text.trim();
	if (t === '' || t === 'wecom' || t.includes('企业微信') || t.includes('企微')) return 'wecom';
	if (t === 'dingtalk' || t.includes('钉钉')) return 'dingtalk';
	return Object.hasOwn(ROBOT_FORMATS, t) ? (t as RobotFormat) : null;
}

/** Read a roster file; every shift must name a role, a person and a start before its end. */
export async function readRosterTable(data: Uint8Array, options: Pick<ReadTableOptions, 'fileName' | 'encoding' | 'sheet'> & { utcOffset?: string } = {}): Promise<RosterEntry[]> {
	const table = await openTable(data, { ...options, knownHeaders: Object.values(ROSTER_COLUMNS).flat() });
	const { fields } = matchColumns(table.headers, ROSTER_COLUMNS);
	for (const need of ['township', 'role', 'person', 'startsAt', 'endsAt'] as const) {
		if (!fields[need]) throw new SmdInputError('missing_column', `the roster needs the columns 乡镇, 角色, 姓名, 开始时间 and 结束时间 (${need} is missing)`, { field: need });
	}
	const out: RosterEntry[] = [];
	for await (const row of table.rows) {
		const where = `roster row ${row.row} (line ${row.line})`;
		const at = { row: row.row, line: row.line };
		const v = (f: keyof typeof ROSTER_COLUMNS) => (fields[f] ? (row.values[fields[f] as string] ?? '').trim() : '');
		const townshipText = v('township');
		if (!townshipText) throw new SmdInputError('required', `${where}: 乡镇 is empty (write 全县 for a county-wide shift)`, { field: 'township', ...at });
		const role = roleOf(v('role'));
		if (!role) throw new SmdInputError('invalid', `${where}: 角色 must be one of ${Object.values(EMERGENCY_ROLES).join('、')}`, { field: 'role', ...at });
		const person = v('person');
		if (!person) throw new SmdInputError('required', `${where}: 姓名 is empty`, { field: 'person', ...at });
		const startsAt = localTimestamp(v('startsAt'), options.utcOffset);
		const endsAt = localTimestamp(v('endsAt'), options.utcOffset);
		if (!startsAt) throw new SmdInputError('invalid', `${where}: 开始时间 must be a date and time (YYYY-MM-DD HH:mm)`, { field: 'startsAt', ...at });
		if (!endsAt) throw new SmdInputError('invalid', `${where}: 结束时间 must be a date and time (YYYY-MM-DD HH:mm)`, { field: 'endsAt', ...at });
		if (endsAt <= startsAt) throw new SmdInputError('invalid', `${where}: 结束时间 must be after 开始时间`, { field: 'endsAt', ...at });
		const emailText = v('email');
		const robotUrl = v('robotUrl');
		if (robotUrl && !/^https?:\/\/\S+$/.test(robotUrl)) throw new SmdInputError('invalid', `${where}: 群机器人 must be an http(s) address`, { field: 'robotUrl', ...at });
		const robotFormat = robotFormatOf(v('robotFormat'));
		if (!robotFormat) throw new SmdInputError('invalid', `${where}: 机器人类型 must be 企业微信 or 钉钉`, { field: 'robotFormat', ...at });
		out.push({
			township: COUNTY_WIDE.has(townshipText) ? '*' : townshipText,
			role,
			person,
			phone: v('phone') || null,
			email: emailText ? checkEmails(emailText, where) : null,
			robotUrl: robotUrl || null,
			robotFormat,
			startsAt,
			endsAt,
		});
	}
	if (out.length === 0) throw new SmdInputError('empty', 'the roster has no shifts', { field: 'roster' });
	return out;
}
