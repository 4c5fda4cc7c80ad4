/**
 * The township's daily work list and the county summary as files (lib/workListReports.ts): the
 * counts and tables agree with the rows, rows are in work order, names masked unless asked, no ID
 * number or address ever printed, the county row is the column sums, hostile values escaped, the
 * XLSX reads back. All people are synthetic (测试甲一…); no ID numbers at all.
 */
import { SmdInputError } from '../../lib/errors';
import { maskName } from '../../lib/mask';
import { readTable } from '../../lib/tabular';
import { compareTownships, UNASSIGNED_TOWNSHIP } from '../../lib/townships';
import {
	WORK_LIST_SECTION_ORDER,
	WORK_LIST_SECTIONS,
	type CountyWorkListSummary,
	type SectionCounts,
	type TownshipWorkList,
	type WorkListRow,
	type WorkListSection,
} from '../../lib/workList';
import {
	parseWorkListItem,
	renderWorkListHtml,
	renderWorkListSummaryHtml,
	sortWorkListRows,
	workListFiles,
	workListSheets,
	workListSummarySheet,
	WORK_LIST_COLUMNS,
} from '../../lib/workListReports';

const DAY = '2026-11-20'; // a Friday
const WEEK_END = '2026-11-22';
const NOW = new Date(2026, 10, 20, 8, 0);

function testName(i: number): string {
	return '测试' + '甲乙丙丁戊己庚辛壬癸'[i % 10] + '一二三四五六七八九十'[Math.floor(i / 10) % 10];
}

function row(section: WorkListSection, i: number, extra: Partial<WorkListRow> = {}): WorkListRow {
	return {
		section,
		patientNo: `T-${String(i).padStart(4, '0')}`,
		name: testName(i),
		township: '测试镇',
		riskLevel: i % 6,
		classification: (['stable', 'basically_stable', 'unstable', null] as const)[i % 4],
		lastFollowUpDate: '2026-08-01',
		nextFollowUpDate: '2026-11-01',
		due: '2026-11-01',
		daysLate: i % 3 === 0 ? null : i,
		task: `测试任务${i}：入户随访，评估危险性`,
		reference: i % 4 === 0 ? `REF-${i}` : null,
		...extra,
	};
}

function countsOf(rows: WorkListRow[]): SectionCounts {
	return Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, rows.filter((r) => r.section === s).length])) as SectionCounts;
}

function list(rows: WorkListRow[], township = '测试镇', notKept: WorkListSection[] = []): TownshipWorkList {
	return {
		kind: 'township',
		day: DAY,
		weekEnd: WEEK_END,
		township,
		rows,
		counts: countsOf(rows),
		patients: new Set(rows.map((r) => r.patientNo)).size,
		notKept,
		email: 'town@example.invalid',
	};
}

/** 20 rows over five sections (the sixth empty); patient T-0001 is in two sections. */
function sampleRows(): WorkListRow[] {
	const five: WorkListSection[] = ['follow_up_overdue', 'follow_up_due', 'joint_follow_up', 'case_management_missing', 'referral_late'];
	const rows = Array.from({ length: 19 }, (_, i) => row(five[i % 5], i + 1));
	rows.push(row('joint_follow_up', 1));
	return rows;
}

const text = (html: string) =>
	html
		.replace(/<[^>]+>/g, '')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"')
		.replace(/&#x27;/g, "'")
		.replace(/&#x3D;/g, '=')
		.replace(/&#x60;/g, '`')
		.replace(/&amp;/g, '&')
		.trim();

/** The body rows of a table as cell texts. */
function bodyRows(table: string): string[][] {
	const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
	return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => text(c[1])));
}

/** Each section of a township page: its heading line and, when it has rows, its table's rows. */
function sectionsOf(html: string): Array<{ heading: string; rows: string[][] | null }> {
	const detail = html.slice(html.indexOf('二、工作明细'));
	const out: Array<{ heading: string; rows: string[][] | null }> = [];
	const re = /<h3>([\s\S]*?)<\/h3>\s*(<table[\s\S]*?<\/table>)|<p class="empty-section">([\s\S]*?)<\/p>/g;
	for (const m of detail.matchAll(re)) out.push(m[3] !== undefined ? { heading: text(m[3]), rows: null } : { heading: text(m[1]), rows: bodyRows(m[2]) });
	return out;
}

/** The counts table at the top: one cell per section, then rows in all, then patients. */
function countsRow(html: string): number[] {
	const table = /一、工作概况<\/h2>\s*(<table[\s\S]*?<\/table>)/.exec(html)![1];
	return bodyRows(table)[0].map(Number);
}

async function readBack(data: Buffer) {
	return await readTable(data, { fileName: 'x.xlsx', knownHeaders: WORK_LIST_COLUMNS.map((c) => c.header) });
}

describe('township daily work list', () => {
	test('counts up top and one table per section match the input rows, sections in order; a section without rows says 无', () => {
		const rows = sampleRows();
		const html = renderWorkListHtml(list(rows), { now: NOW, county: '测试县' });
		expect(html).toContain('<h1>测试镇 严重精神障碍患者管理每日工作清单</h1>');
		expect(html).toContain(`${DAY}（星期五）`);
		expect(html).toContain(`本周 ${DAY} 至 ${WEEK_END}`);
		expect(html).toContain('测试县');
		expect(html).toContain('size: A4');
		expect(html).toContain('<body class="landscape">');
		expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);

		const counts = WORK_LIST_SECTION_ORDER.map((s) => rows.filter((r) => r.section === s).length);
		expect(countsRow(html)).toEqual([...counts, rows.length, new Set(rows.map((r) => r.patientNo)).size]);
		expect(countsRow(html)).toEqual([4, 4, 5, 4, 0, 3, 0, 20, 19]);

		const sections = sectionsOf(html);
		expect(sections.map((s) => s.heading.replace(/（\d+ 条）$/, '').replace(/：无$/, ''))).toEqual(
			WORK_LIST_SECTION_ORDER.map((s, i) => `（${'一二三四五六七'[i]}）${WORK_LIST_SECTIONS[s]}`),
		);
		WORK_LIST_SECTION_ORDER.forEach((s, i) => {
			const expected = rows.filter((r) => r.section === s);
			const section = sections[i];
			if (expected.length === 0) {
				expect(section.rows).toBeNull();
				expect(section.heading).toBe(`（${'一二三四五六七'[i]}）${WORK_LIST_SECTIONS[s]}：无`);
				return;
			}
			expect(section.heading).toBe(`（${'一二三四五六七'[i]}）${WORK_LIST_SECTIONS[s]}（${expected.length} 条）`);
			expect(section.rows!.map((r) => r[1]).sort()).toEqual(expected.map((r) => r.patientNo).sort());
			expect(section.rows!.map((r) => Number(r[0]))).toEqual(expected.map((_, n) => n + 1));
			for (const cells of section.rows!) {
				const r = expected.find((e) => e.patientNo === cells[1])!;
				expect(cells).toEqual([
					cells[0],
					r.patientNo,
					maskName(r.name),
					r.riskLevel === null ? '—' : `${r.riskLevel}级`,
					{ stable: '稳定', basically_stable: '基本稳定', unstable: '不稳定' }[r.classification ?? ''] ?? '—',
					r.lastFollowUpDate,
					r.nextFollowUpDate,
					r.due,
					r.daysLate === null ? '' : String(r.daysLate),
					r.task,
					r.reference ?? '',
				]);
			}
		});
		// The item's counts agree with its rows: no warning.
		expect(html).not.toContain('核对：');
	});

	test('rows sorted by days late (most first, not late last), then due day (none first: never followed up), then patient number', () => {
		const rows: WorkListRow[] = [
			row('follow_up_overdue', 5, { daysLate: null, due: '2026-11-25' }),
			row('follow_up_overdue', 4, { daysLate: 3, due: '2026-11-17' }),
			row('follow_up_overdue', 3, { daysLate: 10, due: '2026-11-10' }),
			row('follow_up_overdue', 2, { daysLate: 3, due: '2026-11-17' }),
			row('follow_up_overdue', 1, { daysLate: 3, due: '2026-11-16' }),
			row('follow_up_overdue', 6, { daysLate: null, due: null }),
			row('follow_up_overdue', 7, { daysLate: null, due: '2026-11-21' }),
			row('follow_up_overdue', 8, { daysLate: 0, due: DAY }),
		];
		const expected = ['T-0003', 'T-0001', 'T-0002', 'T-0004', 'T-0008', 'T-0006', 'T-0007', 'T-0005'];
		expect(sortWorkListRows(rows).map((r) => r.patientNo)).toEqual(expected);
		expect(rows[0].patientNo).toBe('T-0005'); // the input is not reordered
		const html = renderWorkListHtml(list(rows), { now: NOW });
		expect(sectionsOf(html)[0].rows!.map((r) => r[1])).toEqual(expected);
		const sheet = workListSheets(list(rows))[0];
		expect(sheet.rows.map((r) => r.patientNo)).toEqual(expected);
	});

	test('names masked in HTML and XLSX by default, in full with mask: false; no ID number or address ever, even when the item carries them', async () => {
		const rows = sampleRows();
		const withExtras = { ...list(rows), rows: rows.map((r, i) => ({ ...r, idNumber: `SECRET-ID-${i}`, address: `测试路${i}号隐私地址` })) };
		const masked = await workListFiles(withExtras, { formats: ['html', 'xlsx'], now: NOW });
		const full = await workListFiles(withExtras, { formats: ['html', 'xlsx'], now: NOW, mask: false });
		const maskedHtml = masked.files[0].data.toString('utf8');
		const fullHtml = full.files[0].data.toString('utf8');
		const maskedXlsx = await readBack(masked.files[1].data);
		const fullXlsx = await readBack(full.files[1].data);
		const xlsxText = (t: Awaited<ReturnType<typeof readBack>>) => t.rows.map((r) => Object.values(r.values).join('|')).join('\n');
		for (const r of rows) {
			expect(maskedHtml).not.toContain(r.name);
			expect(xlsxText(maskedXlsx)).not.toContain(r.name);
			expect(fullHtml).toContain(r.name);
			expect(xlsxText(fullXlsx)).toContain(r.name);
		}
		expect(maskedXlsx.rows.map((r) => r.values['姓名'])).toEqual(expect.arrayContaining(rows.map((r) => maskName(r.name))));
		expect(maskedHtml).toContain('患者姓名已脱敏');
		expect(fullHtml).toContain('本清单含患者完整姓名');
		for (const out of [maskedHtml, fullHtml, xlsxText(maskedXlsx), xlsxText(fullXlsx)]) {
			expect(out).not.toContain('SECRET-ID');
			expect(out).not.toContain('隐私地址');
		}
		// The checked item itself no longer holds them.
		expect(JSON.stringify(masked.item)).not.toContain('SECRET-ID');
	});

	test('hostile values are escaped, never evaluated; long text is cut on the page and kept whole in the XLSX', async () => {
		const long = '长'.repeat(10_000);
		const rows = [
			row('follow_up_overdue', 1, { name: '<script>alert(1)</script>', task: '{{x}} <img src=x onerror="alert(2)">', reference: '{{#each rows}}X{{/each}}' }),
			row('referral_late', 2, { patientNo: '"><script>alert(3)</script>', name: '{{x}}', task: long }),
		];
		for (const mask of [true, false]) {
			const html = renderWorkListHtml(list(rows, '<script>镇</script>{{township}}'), { now: NOW, mask, county: '<script>县</script>' });
			expect(html).not.toMatch(/<script/i);
			expect(html).not.toMatch(/<img/i);
			expect(html).toContain('&lt;script&gt;镇&lt;/script&gt;{{township}}');
			expect(html).toContain('&lt;script&gt;县&lt;/script&gt;');
			expect(html).toContain('{{x}} &lt;img src&#x3D;x onerror&#x3D;&quot;alert(2)&quot;&gt;');
			expect(html).toContain('{{#each rows}}X{{/each}}');
			if (!mask) expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
			expect(html).not.toContain(long);
			expect(html).toContain('长'.repeat(199) + '…');
		}
		const table = await readBack((await workListFiles(list(rows), { formats: ['xlsx'], mask: false })).files[0].data);
		expect(table.rows.map((r) => r.values['工作任务'])).toContain(long);
		expect(table.rows.map((r) => r.values['姓名'])).toEqual(['<script>alert(1)</script>', '{{x}}']);
	});

	test('XLSX: one sheet 工作清单, 工作类别 first, every row by section then in work order, numbered through, with title and print setup', async () => {
		const rows = sampleRows();
		const sheets = workListSheets(list(rows), { county: '测试县' });
		expect(sheets).toHaveLength(1);
		expect(sheets[0].name).toBe('工作清单');
		expect(sheets[0].title).toBe('测试镇 严重精神障碍患者管理每日工作清单');
		expect(sheets[0].subtitle).toContain(`本周 ${DAY} 至 ${WEEK_END}`);
		expect(sheets[0].columns[0]).toMatchObject({ header: '工作类别' });
		const data = (await workListFiles(list(rows), { formats: ['xlsx'] })).files[0].data;
		const table = await readBack(data);
		expect(table.headers.slice(0, 12)).toEqual(['工作类别', '序号', '患者编号', '姓名', '危险性', '病情分类', '末次随访', '下次随访', '应完成日期', '逾期天数', '工作任务', '关联单号']);
		expect(table.rows).toHaveLength(rows.length);
		const expected = WORK_LIST_SECTION_ORDER.flatMap((s) => sortWorkListRows(rows.filter((r) => r.section === s)));
		expect(table.rows.map((r) => [r.values['工作类别'], r.values['患者编号'], r.values['逾期天数'], r.values['序号']])).toEqual(
			expected.map((r, i) => [WORK_LIST_SECTIONS[r.section], r.patientNo, r.daysLate === null ? '' : String(r.daysLate), String(i + 1)]),
		);
		// Print setup as every XLSX report: A4 landscape, fitted to the width, the header repeated on every page.
		const ExcelJS = await import('exceljs');
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(data as unknown as ArrayBuffer);
		const ws = wb.getWorksheet('工作清单')!;
		expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, printTitlesRow: '3:3' });
		expect(ws.getCell('A1').value).toBe('测试镇 严重精神障碍患者管理每日工作清单');
	});

	test('an empty list: zero counts, every section says 无, the XLSX has the header only', async () => {
		const empty = list([]);
		const html = renderWorkListHtml(empty, { now: NOW });
		expect(countsRow(html)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
		const sections = sectionsOf(html);
		expect(sections).toHaveLength(7);
		for (const [i, s] of sections.entries()) {
			expect(s.rows).toBeNull();
			expect(s.heading).toBe(`（${'一二三四五六七'[i]}）${WORK_LIST_SECTIONS[WORK_LIST_SECTION_ORDER[i]]}：无`);
		}
		expect(html).not.toContain('<tbody>\n  \n  </tbody>');
		const table = await readBack((await workListFiles(empty, { formats: ['xlsx'] })).files[0].data);
		expect(table.rows).toHaveLength(0);
		expect(table.headers[0]).toBe('工作类别');
	});

	test('counts on the item that disagree with its rows: the page counts the rows and says the item disagrees', () => {
		const rows = sampleRows();
		const html = renderWorkListHtml({ ...list(rows), counts: { ...countsOf(rows), follow_up_overdue: 99 } }, { now: NOW });
		expect(countsRow(html)[0]).toBe(4);
		expect(html).toContain('核对：清单所附各类计数或患者数与明细行不一致');
	});

	test('a section the registry keeps no data for is printed 未统计, never 无; a section marked so that has rows shows them', async () => {
		const rows = sampleRows();
		const html = renderWorkListHtml(list(rows, '测试镇', ['emergency_record_late', 'referral_late']), { now: NOW });
		const counts = /一、工作概况<\/h2>\s*(<table[\s\S]*?<\/table>)/.exec(html)![1];
		expect(bodyRows(counts)[0]).toEqual(['4', '4', '5', '4', '0', '3', '未统计', '20', '19']);
		const sections = sectionsOf(html);
		expect(sections[6].heading).toBe('（七）应急处置记录单逾期：未统计（登记库尚无此项数据，请按原渠道核查）');
		expect(sections[5].rows).toHaveLength(3);
		expect(html).toContain('“未统计”：登记库尚无此项数据（应急处置记录单逾期）');
		expect(html.match(/：无<\/p>/g) ?? []).toHaveLength(1); // 个案管理计划到期复核 alone has no rows
		expect(text(html)).toContain('个案管理计划到期复核：无');
		const sheet = workListSheets(list(rows, '测试镇', ['emergency_record_late']))[0];
		expect(sheet.subtitle).toContain('未统计：应急处置记录单逾期（登记库尚无此项数据）');
	});
});

describe('county summary', () => {
	const townships = ['测试乙乡', UNASSIGNED_TOWNSHIP, '测试甲镇', 'Ａ测试', '测试丙镇'];
	function summary(): CountyWorkListSummary {
		const entries = townships.map((township, t) => ({
			township,
			counts: Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s, i) => [s, (t * 7 + i * 3) % 11])) as SectionCounts,
			patients: 10 + t,
		}));
		const counts = Object.fromEntries(WORK_LIST_SECTION_ORDER.map((s) => [s, entries.reduce((a, e) => a + e.counts[s], 0)])) as SectionCounts;
		return {
			kind: 'county',
			day: DAY,
			weekEnd: WEEK_END,
			townships: entries,
			counts,
			patients: entries.reduce((a, e) => a + e.patients, 0),
			notKept: [],
			email: null,
			townshipsWithoutEmail: [],
		};
	}

	test('one row per township in township order, then the county row equal to the column sums', () => {
		const s = summary();
		const html = renderWorkListSummaryHtml(s, { now: NOW, county: '测试县' });
		expect(html).toContain('<h1>测试县 严重精神障碍患者管理每日工作清单汇总</h1>');
		expect(html).toContain(`<meta http-equiv="Content-Security-Policy"`);
		const table = /<table>[\s\S]*?<\/table>/.exec(html)![0];
		const rows = bodyRows(table);
		const expectedOrder = [...townships].sort(compareTownships);
		expect(expectedOrder[expectedOrder.length - 1]).toBe(UNASSIGNED_TOWNSHIP);
		expect(rows.map((r) => r[0])).toEqual([...expectedOrder, '全县']);
		for (const r of rows.slice(0, -1)) {
			const t = s.townships.find((x) => x.township === r[0])!;
			const cells = WORK_LIST_SECTION_ORDER.map((sec) => t.counts[sec]);
			expect(r.slice(1).map(Number)).toEqual([...cells, cells.reduce((a, b) => a + b, 0), t.patients]);
		}
		const numbers = rows.map((r) => r.slice(1).map(Number));
		const sums = numbers[0].map((_, c) => numbers.slice(0, -1).reduce((a, r) => a + r[c], 0));
		expect(numbers[numbers.length - 1]).toEqual(sums);
		expect(html).not.toContain('核对：');

		const sheet = workListSummarySheet(s, { county: '测试县' });
		expect(sheet.name).toBe('工作清单汇总');
		expect(sheet.title).toBe('测试县 严重精神障碍患者管理每日工作清单汇总');
		expect(sheet.rows.map((r) => r.township)).toEqual([...expectedOrder, '全县']);
		const last = sheet.rows[sheet.rows.length - 1];
		for (const c of sheet.columns.slice(1)) {
			expect(last[c.key]).toBe(sheet.rows.slice(0, -1).reduce((a, r) => a + (r[c.key] as number), 0));
		}
	});

	test('the XLSX reads back with every township and the county row; a county total that disagrees is flagged', async () => {
		const s = summary();
		const { files } = await workListFiles(s, { now: NOW });
		expect(files.map((f) => f.fileName)).toEqual([`工作清单汇总_${DAY}.html`, `工作清单汇总_${DAY}.xlsx`]);
		const table = await readTable(files[1].data, { fileName: 'x.xlsx', knownHeaders: ['乡镇', '患者数'] });
		// readTable gives header names NFKC-normalised: （条） reads as (条).
		expect(table.headers).toEqual(['乡镇', ...WORK_LIST_SECTION_ORDER.map((x) => WORK_LIST_SECTIONS[x]), '合计（条）', '患者数'].map((h) => h.normalize('NFKC')));
		expect(table.rows.map((r) => r.values['乡镇'])).toEqual([...[...townships].sort(compareTownships), '全县']);
		expect(table.rows[table.rows.length - 1].values['患者数']).toBe(String(s.patients));

		const off = renderWorkListSummaryHtml({ ...s, patients: s.patients + 1 }, { now: NOW });
		expect(off).toContain('核对：汇总所附全县计数或患者数与各乡镇之和不一致');
	});

	test('no patient-level data: rows an upstream county item carries are dropped', async () => {
		const withRows = { ...summary(), rows: sampleRows() };
		const { files, item } = await workListFiles(withRows, { mask: false });
		expect(item).not.toHaveProperty('rows');
		const html = files[0].data.toString('utf8');
		const table = await readTable(files[1].data, { fileName: 'x.xlsx', knownHeaders: ['乡镇', '患者数'] });
		for (const r of sampleRows()) {
			expect(html).not.toContain(r.name);
			expect(html).not.toContain(r.patientNo);
			expect(JSON.stringify(table.rows)).not.toContain(r.patientNo);
		}
	});

	test('a section not kept: 未统计 on the page, empty cells in the XLSX; townships without an address named', async () => {
		const s = summary();
		for (const t of s.townships) t.counts.emergency_record_late = 0;
		s.counts.emergency_record_late = 0;
		s.notKept = ['emergency_record_late'];
		s.townshipsWithoutEmail = ['测试乙乡', '测试甲镇'];
		const html = renderWorkListSummaryHtml(s, { now: NOW });
		const rows = bodyRows(/<table>[\s\S]*?<\/table>/.exec(html)![0]);
		for (const r of rows) expect(r[7]).toBe('未统计');
		expect(html).toContain('未配置接收邮箱的乡镇（清单需另行送达）：测试甲镇、测试乙乡');
		expect(html).not.toContain('核对：');
		const { files } = await workListFiles(s, { formats: ['xlsx'] });
		const table = await readTable(files[0].data, { fileName: 'x.xlsx', knownHeaders: ['乡镇', '患者数'] });
		for (const r of table.rows) expect(r.values[WORK_LIST_SECTIONS.emergency_record_late]).toBe('');
		expect(workListSummarySheet(s).subtitle).toContain('未统计（空白）：应急处置记录单逾期');
	});

	test('hostile township names escaped', () => {
		const s = summary();
		s.townships[0].township = '<script>alert(1)</script>{{x}}';
		const html = renderWorkListSummaryHtml(s, { now: NOW, county: '{{county}}<b>' });
		expect(html).not.toMatch(/<script/i);
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;{{x}}');
		expect(html).toContain('{{county}}&lt;b&gt;');
	});
});

describe('the item and its files', () => {
	test('a bad item names the field, never the value', () => {
		const good = list(sampleRows());
		const cases: Array<[unknown, string]> = [
			[{ rows: [] }, 'kind'],
			[{ ...good, kind: '测试甲一' }, 'kind'],
			[{ ...good, day: '测试甲一' }, 'day'],
			[{ ...good, rows: [good.rows[0], { ...good.rows[1], section: '测试甲一' }] }, 'rows.1.section'],
			[{ ...good, rows: [{ ...good.rows[0], classification: '测试甲一' }] }, 'rows.0.classification'],
			[{ ...good, rows: [{ ...good.rows[0], name: undefined }] }, 'rows.0.name'],
			[{ ...good, counts: { ...good.counts, referral_late: undefined } }, 'counts.referral_late'],
			[{ kind: 'county', day: DAY, weekEnd: WEEK_END, townships: [{ township: '测试甲一', counts: good.counts }], counts: good.counts, patients: 1 }, 'townships.0.patients'],
			[null, 'kind'],
		];
		for (const [json, field] of cases) {
			let error: unknown;
			try {
				parseWorkListItem(json);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(SmdInputError);
			expect((error as SmdInputError).field).toBe(field);
			expect((error as SmdInputError).message).toMatch(new RegExp(`^the input is not a daily work list: ${field.replace(/\./g, '\\.')} `));
			expect((error as SmdInputError).message).not.toContain('测试甲一');
		}
	});

	test('file names: 工作清单_<township>_<day>, safe whatever the township holds; the formats asked for; PDF skipped without Chromium', async () => {
		const r = await workListFiles(list(sampleRows()), { formats: ['xlsx', 'html'] });
		expect(r.files.map((f) => [f.kind, f.fileName, f.mimeType])).toEqual([
			['html', `工作清单_测试镇_${DAY}.html`, 'text/html'],
			['xlsx', `工作清单_测试镇_${DAY}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
		]);
		expect(r.pdf).toBe('off');
		const odd = await workListFiles(list([], '../测试/镇'), { formats: ['html'] });
		expect(odd.files[0].fileName).toMatch(/^工作清单_[^/\\]+_2026-11-20\.html$/);
		const noChromium = await workListFiles(list([]), { formats: ['pdf'], pdfOptions: { chromiumPath: '/nonexistent/chromium' } });
		expect(noChromium.files).toEqual([]);
		expect(noChromium.pdf).toBe('skipped: Chromium not found (set SMD_CHROMIUM_PATH)');
	});
});
