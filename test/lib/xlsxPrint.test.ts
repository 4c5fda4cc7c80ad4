/**
 * Every XLSX the package writes must print as an office expects: a title, the header repeated on
 * every page, all columns on one page width, A4, "第 N 页 共 M 页" in the footer.
 * First the page setup read back with exceljs (fast), then the real thing: the files printed to PDF
 * by LibreOffice (Debian's libreoffice-calc-nogui, soffice --convert-to pdf) and read with poppler's
 * pdfinfo and pdftotext. The page counts depend on the fonts: LibreOffice measures column widths
 * with Carlito, metric-compatible with Excel's Calibri (fonts-crosextra-carlito), and draws the
 * Chinese text in Noto Sans CJK (fonts-noto-cjk); CI installs all of them (.ci/run). A missing tool
 * fails these tests rather than skipping them: unprinted, the layout would go untested.
 * All people here are synthetic; their ID numbers use region 439901, assigned to no area.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { actionListSheet, parseQuarterlyInput, rankingSheets } from '../../lib/quarterlyReports';
import { RegistryStore } from '../../lib/registry/store';
import { sampleQuarterlyInput } from '../../scripts/renderPackSample';
import { policeFeedbackFile, townshipTaskLists, TASK_LIST_COLUMNS, type TriagedRow } from '../../lib/reports';
import { readTable, writeXlsx, type WriteSheet } from '../../lib/tabular';
import { Triage } from '../../lib/triage';
import { addPatients, makeId, patient } from '../helpers';

const AS_OF = '2026-09-30';
const TOWNSHIP = '城关镇';

// ---------------------------------------------------------------------------------------------
// Synthetic data
// ---------------------------------------------------------------------------------------------

/** 测试 + two (or three) characters: 300 distinct names that look like names and belong to nobody. */
function testName(i: number): string {
	return '测试' + '甲乙丙丁戊己庚辛壬癸'[i % 10] + '一二三四五六七八九十'[Math.floor(i / 10) % 10] + ['', '子', '丑'][Math.floor(i / 100)];
}

const STATUSES = ['active', 'active', 'active', 'lost', 'deceased', 'moved_out', 'refused'] as const;

/**
 * A township's police list of 200 rows triaged against a registry of 120 patients: linked patients
 * in every status (in care, overdue, lost, refusing, dead, moved out), new clues, rows to review (a
 * registered name without an ID number), repeats of earlier rows and rows too incomplete to use;
 * every seventh person 肇事肇祸 (high priority). The texts are as long as the real ones.
 */
function triagedList(): TriagedRow[] {
	const store = RegistryStore.open(':memory:');
	try {
		addPatients(
			store,
			Array.from({ length: 120 }, (_, i) =>
				patient({
					name: testName(i),
					patientNo: `CG-${String(i + 1).padStart(4, '0')}`,
					idNumber: makeId('1970-01-01', i + 1),
					township: TOWNSHIP,
					status: STATUSES[i % STATUSES.length],
					riskLevel: i % 5,
					classification: i % 3 === 0 ? 'unstable' : 'stable',
					lastFollowUpDate: i % 4 === 0 ? '2026-04-01' : '2026-08-01',
				}),
			),
		);
		const triage = new Triage(store, { asOf: AS_OF });
		return Array.from({ length: 200 }, (_, i) => {
			let name = testName(i);
			let idNumber = makeId('1970-01-01', i + 1);
			if (i >= 120 && i < 170) idNumber = makeId('1990-05-05', i); // not registered: new clues
			if (i >= 170 && i < 185) {
				name = testName(i - 170); // a registered name without an ID number: review
				idNumber = '';
			}
			if (i >= 185 && i < 195) idNumber = makeId('1970-01-01', i - 184); // the same person again
			if (i >= 195) {
				name = '';
				idNumber = '12345';
			}
			const input = {
				序号: i + 1,
				姓名: name,
				身份证号: idNumber,
				现住址: `${TOWNSHIP}测试路${i + 1}号幸福小区${(i % 9) + 1}栋${(i % 5) + 1}单元${101 + i}室`,
				所属乡镇: TOWNSHIP,
				所属派出所: i % 2 ? '城关派出所' : '城东派出所',
				人员类别: i % 7 === 0 ? '肇事肇祸' : '一般关注',
			};
			const result = triage.triageRow({ row: i + 1, name, idNumber, township: TOWNSHIP, policeStation: input.所属派出所, policeCategory: input.人员类别 });
			return { ...result, input };
		});
	} finally {
		store.close();
	}
}

/** A sheet such as other reports write: a follow-up roster with dates, numbers and long notes. */
function rosterSheet(rows: number): WriteSheet {
	return {
		name: '随访登记',
		title: '严重精神障碍患者随访登记表 — 测试乡',
		subtitle: `截至 ${AS_OF} · 共 ${rows} 人`,
		columns: [
			{ header: '序号', key: 'n' },
			{ header: '姓名', key: 'name' },
			{ header: '身份证号', key: 'id' },
			{ header: '随访日期', key: 'date' },
			{ header: '危险性评估', key: 'risk' },
			{ header: '服药情况', key: 'medication' },
			{ header: '随访记录', key: 'note' },
			{ header: '随访医生签名', key: 'sign', width: 14 },
		],
		rows: Array.from({ length: rows }, (_, i) => ({
			n: i + 1,
			name: testName(i),
			id: makeId('1985-03-03', i + 1),
			date: new Date(2026, 8, 1 + (i % 28)),
			risk: i % 6,
			medication: i % 3 ? '规律服药' : '间断服药',
			note: '患者情况稳定，家属监护到位；本次随访未发现危险行为。'.repeat(1 + (i % 3)),
			sign: '',
		})),
	};
}

async function loadXlsx(data: Buffer): Promise<ExcelJS.Worksheet> {
	const workbook = new ExcelJS.Workbook();
	await workbook.xlsx.load(data as unknown as ArrayBuffer);
	return workbook.worksheets[0];
}

async function sheetXml(data: Buffer): Promise<{ sheet: string; workbook: string }> {
	const zip = await JSZip.loadAsync(data);
	return { sheet: await zip.file('xl/worksheets/sheet1.xml')!.async('string'), workbook: await zip.file('xl/workbook.xml')!.async('string') };
}

// ---------------------------------------------------------------------------------------------
// The page setup as written (exceljs reads it back; no LibreOffice needed)
// ---------------------------------------------------------------------------------------------

describe('XLSX page setup', () => {
	test('a titled sheet: merged bold title and subtitle, shaded header frozen and repeated, A4 landscape one page wide, page footer', async () => {
		const spec = rosterSheet(30);
		const data = await writeXlsx([spec]);
		const sheet = await loadXlsx(data);
		const columns = spec.columns.length;
		expect(sheet.getCell('A1').value).toBe(spec.title);
		expect(sheet.getCell('A1').font).toMatchObject({ bold: true, size: 16 });
		expect(sheet.getCell('A1').alignment).toMatchObject({ horizontal: 'center' });
		expect(sheet.getCell('A2').value).toBe(spec.subtitle);
		expect(sheet.model.merges.sort()).toEqual(['A1:H1', 'A2:H2']);
		for (let c = 1; c <= columns; c++) {
			const head = sheet.getRow(3).getCell(c);
			expect(head.value).toBe(spec.columns[c - 1].header);
			expect(head.font).toMatchObject({ bold: true });
			expect(head.fill).toMatchObject({ type: 'pattern', pattern: 'solid' });
			expect(head.border).toMatchObject({ top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } });
			const cell = sheet.getRow(4).getCell(c);
			expect(cell.border).toMatchObject({ top: { style: 'thin' }, bottom: { style: 'thin' } });
			expect(cell.alignment).toMatchObject({ vertical: 'top', wrapText: true });
		}
		expect(sheet.getCell('A4').value).toBe(1);
		expect(sheet.getCell('D4').numFmt).toBe('yyyy-mm-dd');
		expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
		expect(sheet.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '3:3' });
		expect(sheet.pageSetup.margins).toMatchObject({ left: 0.4, right: 0.4 });
		expect(sheet.headerFooter.oddFooter).toBe('&C第 &P 页 共 &N 页');
		// What LibreOffice and Excel need to scale to the width: fitToPage in sheetPr, height 0 = any.
		const xml = await sheetXml(data);
		expect(xml.sheet).toContain('<pageSetUpPr fitToPage="1"/>');
		expect(xml.sheet).toMatch(/<pageSetup [^>]*paperSize="9"[^>]*orientation="landscape"[^>]*fitToWidth="1" fitToHeight="0"/);
		expect(xml.workbook).toContain('<definedName name="_xlnm.Print_Titles" localSheetId="0">&apos;随访登记&apos;!$3:$3</definedName>');
	});

	test('without a title the header is row 1; portrait on request; a sheet name with an apostrophe still gets its print titles', async () => {
		const data = await writeXlsx([{ name: "Dr O'Neil", orientation: 'portrait', columns: [{ header: '姓名', key: 'a' }, { header: '备注', key: 'b' }], rows: [{ a: '测试甲一', b: '无' }] }]);
		const sheet = await loadXlsx(data);
		expect(sheet.getCell('A1').value).toBe('姓名');
		expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
		expect(sheet.pageSetup).toMatchObject({ orientation: 'portrait', printTitlesRow: '1:1', fitToPage: true });
		// exceljs would write 'Dr O'Neil'!$1:$1 (the apostrophe not doubled), which Excel reports as damage.
		expect(sheet.name).toBe('Dr O’Neil');
		expect((await sheetXml(data)).workbook).toContain('&apos;Dr O’Neil&apos;!$1:$1');
	});

	test('column widths fit Chinese text; an explicit width caps a column, or sets an empty one; an ID number never wraps', async () => {
		const sheet = await loadXlsx(
			await writeXlsx([
				{
					name: 'S',
					title: '宽度',
					columns: [
						{ header: '序号', key: 'n' },
						{ header: '姓名', key: 'name' },
						{ header: '身份证号', key: 'id', width: 8 },
						{ header: '现住址', key: 'address' },
						{ header: '依据', key: 'why', width: 30 },
						{ header: '处理结果', key: 'outcome', width: 20 },
					],
					rows: [{ n: 1, name: '测试甲一', id: makeId('1970-01-01', 1), address: '测试路十号幸福小区五栋', why: '身份证号一致且姓名一致：自动关联；登记库中为失访患者；公安人员类别为肇事肇祸：优先处置' }],
				},
			]),
		);
		const width = (c: number) => sheet.getColumn(c).width;
		expect(width(1)).toBe(6); // the minimum
		expect(width(2)).toBe(10); // four CJK characters (2.1 digits each) and the cell margin
		expect(width(3)).toBe(19); // 18 digits: wider than its explicit 8, as an ID number must not break
		expect(width(4)).toBe(24); // eleven CJK characters
		expect(width(5)).toBe(30); // capped by its explicit width; the text wraps
		expect(width(6)).toBe(20); // empty: its explicit width, room to write in
		// The row is as tall as the wrapped text (LibreOffice does not size rows itself), the others one line.
		expect(sheet.getRow(3).height).toBeGreaterThanOrEqual(3 * 16);
		expect(sheet.properties.defaultRowHeight).toBe(18);
	});

	test('title rows change neither TruncatedCell.row nor what readTable reads', async () => {
		const truncated: unknown[] = [];
		const spec: WriteSheet = {
			name: '清单',
			title: '测试清单',
			subtitle: `截至 ${AS_OF}`,
			columns: [
				{ header: '序号', key: 'n' },
				{ header: '姓名', key: 'name' },
				{ header: '备注', key: 'note' },
			],
			rows: [
				{ n: 1, name: '测试甲一', note: '短' },
				{ n: 2, name: '测试乙二', note: '长'.repeat(40_000) },
			],
		};
		const data = await writeXlsx([spec], { onTruncate: (t) => truncated.push(t) });
		expect(truncated).toEqual([{ sheet: '清单', row: 2, column: '备注', length: 40_000 }]);
		const table = await readTable(data, { maxCellLength: 40_000 });
		expect(table.headers).toEqual(['序号', '姓名', '备注']);
		expect(table.preamble).toEqual(['测试清单', `截至 ${AS_OF}`]);
		expect(table.rows.map((r) => r.values.姓名)).toEqual(['测试甲一', '测试乙二']);
		expect(table.rows[1].values.备注).toMatch(/…【已截断，原文 40000 字符/);
	});

	test('the reports have titles: township, as-of day and count on each task list; the feedback list portrait', async () => {
		const rows = triagedList().slice(0, 20);
		const [list] = await townshipTaskLists(rows, AS_OF);
		const tasks = await loadXlsx(list.data);
		expect(tasks.getCell('A1').value).toBe(`严重精神障碍患者纳管名单处置任务清单 — ${TOWNSHIP}`);
		expect(tasks.getCell('A2').value).toBe(`截至 ${AS_OF} · 共 20 条`);
		expect(tasks.getRow(3).values).toEqual([undefined, ...TASK_LIST_COLUMNS.map((c) => c.header)]);
		const feedback = await loadXlsx((await policeFeedbackFile(rows, { asOf: AS_OF })).data);
		expect(feedback.getCell('A1').value).toBe('公安下发纳管名单处置反馈清单');
		expect(feedback.getCell('A2').value).toBe(`截至 ${AS_OF} · 共 20 条`);
		expect(feedback.pageSetup.orientation).toBe('portrait');
		const undated = await loadXlsx((await policeFeedbackFile(rows)).data);
		expect(undated.getCell('A2').value).toBe('共 20 条');
	});
});

// ---------------------------------------------------------------------------------------------
// Printed by LibreOffice
// ---------------------------------------------------------------------------------------------

const INSTALL = 'apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils fonts-crosextra-carlito fonts-noto-cjk';

/** The first of these programs on PATH. */
function onPath(...names: string[]): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		for (const name of names) {
			const file = path.join(dir, name);
			try {
				accessSync(file, constants.X_OK);
				return file;
			} catch {
				// not here
			}
		}
	}
	return undefined;
}

/** LibreOffice, poppler and the fonts the page counts were measured with, or an error saying what to install. */
function printingTools(): { soffice: string } {
	const soffice = onPath('soffice', 'libreoffice');
	const missing: string[] = [];
	if (!soffice) missing.push('LibreOffice Calc (soffice: Debian package libreoffice-calc-nogui)');
	if (!onPath('pdfinfo') || !onPath('pdftotext')) missing.push('pdfinfo and pdftotext (poppler-utils)');
	const output = (command: string, ...args: string[]) => spawnSync(command, args, { encoding: 'utf8' }).stdout ?? '';
	if (!/Carlito|Calibri/.test(output('fc-match', '-f', '%{family}', 'Calibri'))) missing.push('a Calibri-metric font (fonts-crosextra-carlito)');
	if (output('fc-list', ':lang=zh', 'family').trim() === '') missing.push('a Chinese font (fonts-noto-cjk)');
	if (missing.length > 0) {
		throw new Error(`Printing the XLSX files needs ${missing.join(', ')}. Install with: ${INSTALL} (CI installs them in .ci/run)`);
	}
	return { soffice: soffice! };
}

interface Printed {
	pages: number;
	/** Text of each page, white space removed (a header that wraps in its cell still reads as one word). */
	text: string[];
}

function printed(pdf: string): Printed {
	const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
	const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
	// pdftotext ends every page with a form feed.
	const text = execFileSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
		.split('\f')
		.slice(0, pages)
		.map((page) => page.replace(/\s+/g, ''));
	return { pages, text };
}

describe('printed by LibreOffice (A4, to PDF)', () => {
	let dir: string | undefined;
	const pdfs = new Map<'tasks' | 'feedback' | 'roster' | 'ranking' | 'detail' | 'actions', Printed>();
	const quarterly = parseQuarterlyInput(sampleQuarterlyInput());
	const [ranking, detail] = rankingSheets(quarterly);
	const actions = actionListSheet(quarterly);
	let conversionMs = 0;

	beforeAll(async () => {
		const { soffice } = printingTools();
		const out = mkdtempSync(path.join(os.tmpdir(), 'smd-xlsx-print-'));
		dir = out;
		const rows = triagedList();
		const lists = await townshipTaskLists(rows, AS_OF);
		expect(lists.map((l) => [l.township, l.rows])).toEqual([[TOWNSHIP, 200]]);
		const files = {
			tasks: lists[0].data,
			feedback: (await policeFeedbackFile(rows, { asOf: AS_OF })).data,
			roster: await writeXlsx([rosterSheet(150)]),
			// The quarterly reports' sheets (the ranking workbook holds the first two).
			ranking: await writeXlsx([ranking]),
			detail: await writeXlsx([detail]),
			actions: await writeXlsx([actions]),
		};
		const names = Object.keys(files) as Array<keyof typeof files>;
		for (const name of names) writeFileSync(path.join(out, `${name}.xlsx`), files[name]);
		// One soffice run for all files: starting LibreOffice costs more than converting a file. A
		// profile of its own, so that runs in parallel (or a desktop session) do not collide.
		const started = Date.now();
		const run = spawnSync(
			soffice,
			['--headless', '--norestore', `-env:UserInstallation=${pathToFileURL(path.join(out, 'lo-profile')).href}`, '--convert-to', 'pdf', '--outdir', out, ...names.map((n) => path.join(out, `${n}.xlsx`))],
			{ encoding: 'utf8', timeout: 50_000 },
		);
		conversionMs = Date.now() - started;
		for (const name of names) {
			const pdf = path.join(out, `${name}.pdf`);
			if (!existsSync(pdf)) throw new Error(`LibreOffice wrote no ${name}.pdf (exit ${run.status}): ${run.stderr}`);
			pdfs.set(name, printed(pdf));
		}
		console.log(`LibreOffice: ${names.length} XLSX files to PDF in ${conversionMs} ms; pages: ${[...pdfs].map(([n, p]) => `${n} ${p.pages}`).join(', ')}`);
	}, 60_000);

	afterAll(() => {
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	/** What every printed list must show: the title on page 1, all headers on each page, page N of M. */
	function expectOfficeLayout(pdf: Printed, title: string, headers: string[]): void {
		expect(pdf.text[0]).toContain(title.replace(/\s+/g, ''));
		pdf.text.forEach((page, i) => {
			// One page wide: every column's header on every page (the header row repeats).
			for (const header of headers) expect({ page: i + 1, header, found: page.includes(header) }).toEqual({ page: i + 1, header, found: true });
			expect(page).toContain(`第${i + 1}页共${pdf.pages}页`);
		});
	}

	test('the 200-row township task list: 15 landscape pages, all 15 columns on each, header repeated, title, page N of M', () => {
		const pdf = pdfs.get('tasks')!;
		// Before: 24 Letter pages (29 when LibreOffice measured with DejaVu Sans): the 15 columns in
		// bands of 4 to 6 printed one after the other, the header on the first page only, text cut at
		// the cell border. Now: all columns one page wide at about 69 % (as small as 7.5 pt text
		// allows), the long columns (依据, 处置措施, 现住址) wrapped to 2–4 lines: 13–15 rows a page.
		expect(pdf.pages).toBe(15);
		expect(TASK_LIST_COLUMNS).toHaveLength(15);
		expectOfficeLayout(
			pdf,
			`严重精神障碍患者纳管名单处置任务清单 — ${TOWNSHIP}`,
			TASK_LIST_COLUMNS.map((c) => c.header),
		);
		expect(pdf.text[0]).toContain(`截至${AS_OF}·共200条`);
		// Every row printed, none cut off: each synthetic person's address is on some page.
		const all = pdf.text.join('');
		for (let i = 1; i <= 200; i++) expect(all).toContain(`测试路${i}号`);
	});

	test('the police feedback list: 5 portrait pages, 8 columns, masked identifiers', () => {
		const pdf = pdfs.get('feedback')!;
		// 200 single-line rows of 18 pt at full size: 45 a page.
		expect(pdf.pages).toBe(5);
		expectOfficeLayout(pdf, '公安下发纳管名单处置反馈清单', ['序号', '姓名', '身份证号', '所属派出所', '反馈结果', '负责乡镇', '完成时限', '名单内重复']);
		expect(pdf.text[0]).toContain(`截至${AS_OF}·共200条`);
		expect(pdf.text.join('')).not.toContain(makeId('1970-01-01', 1));
	});

	test('any sheet writeXlsx writes: a 150-row roster with a title', () => {
		const pdf = pdfs.get('roster')!;
		// Notes of one, two or three sentences take 1, 2 or 3 lines in the 随访记录 column, which gets
		// the width the page has to spare: rows of 18, 34 and 50 pt, about 14 a page at full size.
		expect(pdf.pages).toBe(11);
		expectOfficeLayout(pdf, '严重精神障碍患者随访登记表 — 测试乡', ['序号', '姓名', '身份证号', '随访日期', '危险性评估', '服药情况', '随访记录', '随访医生签名']);
		expect(pdf.text[0]).toContain(makeId('1985-03-03', 1));
	});

	test('the quarterly ranking, indicator detail and action list: every column on every page, title, page N of M', () => {
		for (const [name, sheet] of [['ranking', ranking], ['detail', detail], ['actions', actions]] as const) {
			const pdf = pdfs.get(name)!;
			expect(pdf.pages).toBeGreaterThanOrEqual(1);
			expectOfficeLayout(pdf, sheet.title!, sheet.columns.map((c) => c.header));
		}
	});

	test('one LibreOffice run converts the six files in well under the time budget', () => {
		expect(conversionMs).toBeLessThan(30_000);
	});
});
