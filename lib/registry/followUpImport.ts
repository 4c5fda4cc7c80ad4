/**
 * Follow-up import from the national system's export (严重精神障碍患者随访服务记录 导出): CSV in UTF-8
 * or GBK, or XLSX; one row per follow-up. Each row is read, its patient looked up by 患者编号 (an
 * unknown patient is a row error), its observations assessed by the package's rules (risk.ts), and
 * staged; then, in SQL, the later of two rows for one patient and day wins, and the follow-ups are
 * written in one statement. Everything happens in one transaction: all of the file's good rows or
 * nothing. Idempotent: a row equal to the record already held writes nothing.
 *
 * 病情分类: when the export gives it, it is kept as recorded (it is the record of the visit) and used
 * for the indicators and the next follow-up; when the package's assessment of the same row disagrees,
 * the row gets a warning naming both. When the export has no observation columns, the recorded
 * classification alone is stored.
 */
import { SmdError } from '../errors';
import { parseClassification, parseFollowUpForm, parseMedication } from '../codes';
import { observationFromRecord, parseRiskLevel } from '../forms';
import { assessValidated, nextFollowUpAfter, resolveRiskPolicy, type Observation, type RiskPolicy } from '../risk';
import { matchColumns, openTable, type ReadTableOptions } from '../tabular';
import { CLASSIFICATIONS, type Classification } from '../vocabulary';
import { normalizeDay } from '../dates';
import { CARE_ROLES, parseCodeList } from '../referrals';
import { createHash } from 'node:crypto';
import { REFRESH_PATIENT } from './followUps';
import { ImportFileError, RowProblem, type RowError } from './import';
import type { RegistryStore } from './store';

export type FollowUpField =
	| 'patientNo'
	| 'date'
	| 'form'
	| 'riskLevel'
	| 'behaviours'
	| 'symptoms'
	| 'insight'
	| 'socialFunction'
	| 'adverseReaction'
	| 'somaticDisease'
	| 'hospitalised'
	| 'medication'
	| 'classification'
	| 'visitors';

/** Columns of a follow-up export: the national system's header first, then accepted aliases. */
export const FOLLOW_UP_COLUMNS: Record<FollowUpField, string[]> = {
	patientNo: ['患者编号', '编号', 'patientNo', 'patientId'],
	date: ['随访日期', '本次随访日期', 'followUpDate', 'date'],
	form: ['随访形式', '随访方式', 'form'],
	riskLevel: ['危险性评估', '危险性', '危险性级别', '危险性评估级别', 'riskLevel'],
	behaviours: ['危险行为', '肇事肇祸行为', 'behaviours'],
	symptoms: ['精神症状', '目前症状', 'symptoms'],
	insight: ['自知力', 'insight'],
	socialFunction: ['社会功能', '社会功能情况', 'socialFunction'],
	adverseReaction: ['药物不良反应', '不良反应', 'adverseReaction'],
	somaticDisease: ['躯体疾病', '躯体疾病情况', 'somaticDisease'],
	hospitalised: ['是否住院', '住院', '目前住院', 'hospitalised'],
	medication: ['服药情况', '服药依从性', 'medication'],
	classification: ['病情分类', 'classification'],
	// Optional: who visited, as roles (精神科医师、精防专干、民警…; docs/rules.md §11).
	visitors: ['随访人员', 'visitors'],
};

const LABEL: Record<FollowUpField, string> = Object.fromEntries(
	Object.entries(FOLLOW_UP_COLUMNS).map(([k, v]) => [k, `${v[0]} (${k})`]),
) as Record<FollowUpField, string>;

/** The observations that give the classification (an export has all of them or relies on 病情分类). */
const OBSERVATION_FIELDS = ['symptoms', 'insight', 'socialFunction', 'adverseReaction', 'somaticDisease'] as const;

export interface FollowUpImportReport {
	format: string;
	encoding?: string;
	/** Data rows read. */
	rows: number;
	/** Follow-ups new to the registry. */
	inserted: number;
	/** Follow-ups held before whose content changed. */
	updated: number;
	/** Rows equal to what the registry held: nothing written. */
	unchanged: number;
	/** Rows replaced by a later row of the file for the same patient and day. */
	superseded: number;
	/** Rows refused (listed in `errors`). */
	rejected: number;
	/** Rows whose recorded 病情分类 differs from the package's assessment. */
	classificationDisagreements: number;
	errors: RowError[];
	warnings: RowError[];
	/** Internal row ids of the patients whose follow-ups were written (for the audit trail). */
	patientRowIds: number[];
	durationMs: number;
}

export interface FollowUpImportOptions extends Pick<ReadTableOptions, 'fileName' | 'encoding' | 'sheet'> {
	/** Local risk policy (follow-up intervals, joint follow-up, case management); the defaults are the national rules. */
	policy?: Partial<RiskPolicy>;
	onProgress?: (rowsRead: number) => void;
	progressEvery?: number;
}

interface Staged {
	patientId: number;
	date: string;
	form: string | null;
	riskLevel: number;
	classification: Classification;
	recordedClassification: Classification | null;
	medication: string | null;
	hospitalised: number | null;
	/** JSON array of role codes, or null when the export has no 随访人员. */
	visitors: string | null;
	nextFollowUpDate: string;
	actions: string;
	reasons: string;
	observation: string;
}

function bad(field: FollowUpField, what: string, code = 'invalid'): RowProblem {
	return new RowProblem(code, `${LABEL[field]} ${what}`, { field });
}

/** One export row → what to store, or a RowProblem naming the field. Messages never contain values. */
function followUpFromRow(
	values: Record<string, string>,
	fields: Partial<Record<FollowUpField, string>>,
	hasObservations: boolean,
	policy: RiskPolicy,
): Omit<Staged, 'patientId'> & { disagreement: Classification | null } {
	const get = (f: FollowUpField) => {
		const h = fields[f];
		return h === undefined ? '' : (values[h] ?? '').trim();
	};
	const recorded = parseClassification(get('classification'));
	if (recorded === undefined) throw bad('classification', 'must be 稳定/基本稳定/不稳定');
	const form = parseFollowUpForm(get('form'));
	if (form === undefined) throw bad('form', 'must be 门诊/家庭访视/电话');
	const medication = parseMedication(get('medication'));
	if (medication === undefined) throw bad('medication', 'must be 规律服药/间断服药/不服药/医嘱勿需服药');
	let visitors: string | null = null;
	if (get('visitors') !== '') {
		try {
			visitors = JSON.stringify(parseCodeList(CARE_ROLES, get('visitors'), 'visitors'));
		} catch {
			throw bad('visitors', `must list roles such as ${Object.values(CARE_ROLES).slice(0, 4).join('、')}`);
		}
	}

	const observed = hasObservations && OBSERVATION_FIELDS.some((f) => get(f) !== '');
	let observation: Observation;
	try {
		if (observed || !recorded) {
			// English keys present exactly: observationFromRecord takes them without searching.
			// Every key of the observation present (blank when absent), so none is searched for by header matching.
			const record: Record<string, string> = { emergency: '' };
			for (const f of ['date', 'riskLevel', 'behaviours', 'hospitalised', ...OBSERVATION_FIELDS] as const) record[f] = get(f);
			observation = observationFromRecord(record);
		} else {
			// Only the recorded classification: the date, level and admission are still read and checked.
			observation = observationFromRecord({
				emergency: '',
				behaviours: '',
				date: get('date'),
				riskLevel: get('riskLevel'),
				hospitalised: get('hospitalised'),
				symptoms: 'none',
				insight: 'complete',
				socialFunction: 'good',
				adverseReaction: 'none',
				somaticDisease: 'none',
			});
		}
	} catch (error) {
		if (!(error instanceof SmdError)) throw error;
		const field = (error.field ?? 'date') as FollowUpField;
		const what = error.message.replace(/^\S+ \([^)]*\) /, '');
		throw bad(field in LABEL ? field : 'date', what);
	}
	if (!observed && recorded) {
		// Nothing observed to assess: the record of the visit stands, and the level as recorded.
		const level = parseRiskLevel(get('riskLevel')) ?? 0;
		return {
			date: observation.date,
			form: form ?? null,
			riskLevel: level,
			classification: recorded,
			recordedClassification: recorded,
			medication: medication ?? null,
			hospitalised: observation.hospitalised === undefined ? null : observation.hospitalised ? 1 : 0,
			visitors,
			nextFollowUpDate: nextFollowUpAfter(observation.date, recorded, policy.intervals),
			actions: '[]',
			reasons: JSON.stringify([`按导出的病情分类「${CLASSIFICATIONS[recorded]}」（导出未含评估项目）`]),
			observation: JSON.stringify({ date: observation.date, riskLevel: level, hospitalised: observation.hospitalised ?? null }),
			disagreement: null,
		};
	}
	const a = assessValidated(observation, policy);
	const effective = recorded ?? a.classification;
	return {
		date: observation.date,
		form: form ?? null,
		riskLevel: a.riskLevel,
		classification: a.classification,
		recordedClassification: recorded ?? null,
		medication: medication ?? null,
		hospitalised: observation.hospitalised === undefined ? null : observation.hospitalised ? 1 : 0,
		visitors,
		nextFollowUpDate: nextFollowUpAfter(observation.date, effective, policy.intervals),
		actions: JSON.stringify(a.actions),
		reasons: JSON.stringify(a.reasons),
		observation: JSON.stringify(observation),
		disagreement: recorded && recorded !== a.classification ? a.classification : null,
	};
}

/** The day the cached parse of a row's other cells is made with; replaced by the row's own day. */
const PROBE_DAY = '2000-01-03';

/**
 * What a combination of coded cells gives, whatever the day: stored once per import (the `combo`
 * table), so each staged row holds only its patient, its day, its next follow-up date and the id.
 */
interface Combo {
	id: number;
	parsed: ReturnType<typeof followUpFromRow>;
	/** The reasons as JSON without their last line (the next follow-up date) and without the closing bracket. */
	reasonsHead: string;
	/** The last reason without its date ('下次随访：3个月后'), or null when the reasons name no date. */
	nextLine: string | null;
	/** The observation's JSON after its date member. */
	observationTail: string;
	digest: string;
}

/**
 * Rows of an export repeat the same few combinations of coded cells (精神症状, 自知力, 服药情况…):
 * each combination is read and assessed once, and each row then adds only its own day — the next
 * follow-up date, the reasons' last line and the observation's date, put together in SQL when the
 * follow-ups are written. A million-row export is read at nearly the CSV reader's speed instead of
 * NFKC-normalising and assessing every cell again.
 */
class RowReader {
	private readonly cache = new Map<string, Combo | RowProblem>();
	private readonly keyFields: FollowUpField[];
	private nextId = 1;

	constructor(
		private readonly fields: Partial<Record<FollowUpField, string>>,
		private readonly hasObservations: boolean,
		private readonly policy: RiskPolicy,
		private readonly onCombo: (c: Combo) => void,
	) {
		this.keyFields = (Object.keys(FOLLOW_UP_COLUMNS) as FollowUpField[]).filter((f) => f !== 'date' && f !== 'patientNo' && fields[f]);
	}

	read(values: Record<string, string>): { date: string; next: string; combo: Combo } {
		const rawDay = (this.fields.date ? (values[this.fields.date] ?? '') : '').trim();
		let key = '';
		for (const f of this.keyFields) key += (values[this.fields[f] as string] ?? '') + '\u0001';
		let cached = this.cache.get(key);
		if (cached === undefined) {
			cached = this.combo({ ...values, [this.fields.date as string]: PROBE_DAY });
			if (this.cache.size > 50_000) this.cache.clear();
			this.cache.set(key, cached);
		}
		if (cached instanceof RowProblem) throw cached;
		if (!rawDay) throw bad('date', 'is required', 'required');
		const date = normalizeDay(rawDay);
		if (!date) throw bad('date', 'is not a real date (use YYYY-MM-DD)');
		const p = cached.parsed;
		return { date, next: nextFollowUpAfter(date, p.recordedClassification ?? p.classification, this.policy.intervals), combo: cached };
	}

	private combo(probe: Record<string, string>): Combo | RowProblem {
		let parsed: ReturnType<typeof followUpFromRow>;
		try {
			parsed = followUpFromRow(probe, this.fields, this.hasObservations, this.policy);
		} catch (error) {
			if (!(error instanceof RowProblem)) throw error;
			return error;
		}
		const reasons = JSON.parse(parsed.reasons) as string[];
		const last = reasons[reasons.length - 1];
		const dated = last !== undefined && last.startsWith('下次随访：') && last.endsWith(`（${parsed.nextFollowUpDate}）`);
		const head = dated ? reasons.slice(0, -1) : reasons;
		const datePrefix = `{"date":"${PROBE_DAY}"`;
		if (!parsed.observation.startsWith(datePrefix)) throw new Error('follow-up import: the observation does not start with its date');
		const combo: Combo = {
			id: this.nextId++,
			parsed,
			reasonsHead: JSON.stringify(head).slice(0, -1),
			nextLine: dated ? last.slice(0, -`（${parsed.nextFollowUpDate}）`.length) : null,
			observationTail: parsed.observation.slice(datePrefix.length),
			digest: createHash('sha1')
				.update(
					[parsed.form, parsed.riskLevel, parsed.classification, parsed.recordedClassification, parsed.medication, parsed.hospitalised, parsed.actions, parsed.reasons, parsed.observation.slice(datePrefix.length)]
						// Who visited enters the fingerprint only when the export has it: rows imported before keep theirs.
						.concat(parsed.visitors === null ? [] : [parsed.visitors])
						.join('\u0001'),
				)
				.digest('base64'),
		};
		this.onCombo(combo);
		return combo;
	}
}

function checkColumns(fields: Partial<Record<FollowUpField, string>>): boolean {
	const missing: string[] = [];
	if (!fields.patientNo) missing.push('患者编号 (patientNo)');
	if (!fields.date) missing.push('随访日期 (date)');
	if (missing.length) throw new ImportFileError('missing_column', `the follow-up file has no ${missing.join(' and no ')} column`);
	const present = OBSERVATION_FIELDS.filter((f) => fields[f]);
	if (present.length === OBSERVATION_FIELDS.length) return true;
	if (fields.classification && present.length === 0) return false;
	const absent = OBSERVATION_FIELDS.filter((f) => !fields[f]).map((f) => LABEL[f]);
	throw new ImportFileError(
		'missing_column',
		`the follow-up file needs the assessment columns or 病情分类 (classification); missing: ${absent.join(', ')}`,
	);
}

const STAGE = 'smd_follow_up_stage';

/**
 * Import a follow-up export. Bad rows are reported (row, line, field) and the good ones written, all
 * in one transaction; a file-level problem (unreadable, a required column missing) throws
 * ImportFileError or TableError and writes nothing. See the module comment for the rules.
 */
export async function importFollowUpFile(store: RegistryStore, data: Uint8Array, options: FollowUpImportOptions = {}): Promise<FollowUpImportReport> {
	const started = Date.now();
	const policy = resolveRiskPolicy(options.policy);
	const table = await openTable(data, {
		fileName: options.fileName,
		encoding: options.encoding,
		sheet: options.sheet,
		knownHeaders: Object.values(FOLLOW_UP_COLUMNS).flat(),
	});
	const { fields } = matchColumns(table.headers, FOLLOW_UP_COLUMNS);
	const hasObservations = checkColumns(fields);
	const report: FollowUpImportReport = {
		format: table.format,
		encoding: table.encoding,
		rows: 0,
		inserted: 0,
		updated: 0,
		unchanged: 0,
		superseded: 0,
		rejected: 0,
		classificationDisagreements: 0,
		errors: [],
		warnings: [],
		patientRowIds: [],
		durationMs: 0,
	};
	const rowError = (row: number, line: number, field: string, code: string, message: string) => {
		report.rejected++;
		report.errors.push({ row, line, field, code, message: `Row ${row} (line ${line}): ${message}` });
	};
	const warn = (row: number, line: number, field: string, code: string, message: string) =>
		report.warnings.push({ row, line, field, code, message: `Row ${row} (line ${line}): ${message}` });
	const every = options.progressEvery ?? 50_000;
	const sql = store.internals;
	const now = new Date().toISOString();

	await store.transactionAsync(async () => {
		sql.exec(`DROP TABLE IF EXISTS temp.${STAGE}`);
		sql.exec(`DROP TABLE IF EXISTS temp.${STAGE}_combo`);
		sql.exec(`CREATE TEMP TABLE ${STAGE}_combo (id INTEGER PRIMARY KEY, form TEXT, risk_level INTEGER NOT NULL, classification TEXT NOT NULL,
			recorded_classification TEXT, medication TEXT, hospitalised INTEGER, actions TEXT NOT NULL, reasons_head TEXT NOT NULL, next_line TEXT,
			observation_tail TEXT NOT NULL, visitors TEXT)`);
		sql.exec(`CREATE TEMP TABLE ${STAGE} (row INTEGER PRIMARY KEY, line INTEGER NOT NULL, patient_id INTEGER NOT NULL, follow_up_date TEXT NOT NULL,
			next_follow_up_date TEXT NOT NULL, combo INTEGER NOT NULL, row_hash TEXT NOT NULL)`);
		const importId = store.recordImport({
			at: now, kind: 'followUps', rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, invalidIds: 0,
			detail: { format: table.format, fileName: options.fileName ?? null },
		});
		const stage = sql.get(`INSERT INTO ${STAGE} VALUES (?, ?, ?, ?, ?, ?, ?)`);
		const addCombo = sql.get(`INSERT INTO ${STAGE}_combo VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
		const byNo = sql.arrays('SELECT id FROM patients WHERE patient_no = ?');
		const reader = new RowReader(fields, hasObservations, policy, (c) =>
			addCombo.run(c.id, c.parsed.form, c.parsed.riskLevel, c.parsed.classification, c.parsed.recordedClassification, c.parsed.medication,
				c.parsed.hospitalised, c.parsed.actions, c.reasonsHead, c.nextLine, c.observationTail, c.parsed.visitors),
		);
		const patientIds = new Map<string, number | null>();
		const lookup = (no: string): number | null => {
			let id = patientIds.get(no);
			if (id === undefined) {
				const r = byNo.get(no) as unknown[] | undefined;
				id = r ? Number(r[0]) : null;
				// Exports list a patient a few times a year: keep recent look-ups, not the whole registry.
				if (patientIds.size > 200_000) patientIds.clear();
				patientIds.set(no, id);
			}
			return id;
		};

		for await (const row of table.rows) {
			report.rows++;
			if (report.rows % every === 0) options.onProgress?.(report.rows);
			const cellIssue = row.issues.find((i) => i.code === 'control_chars');
			if (cellIssue) {
				rowError(row.row, row.line, cellIssue.field, cellIssue.code, cellIssue.message);
				continue;
			}
			const no = (fields.patientNo ? (row.values[fields.patientNo] ?? '') : '').trim();
			if (!no) {
				rowError(row.row, row.line, 'patientNo', 'required', `${LABEL.patientNo} is required`);
				continue;
			}
			const patientId = no.length <= 64 ? lookup(no) : null;
			if (patientId === null) {
				rowError(row.row, row.line, 'patientNo', 'unknown_patient', `${LABEL.patientNo} is not in the registry; import the registry export first`);
				continue;
			}
			let f: ReturnType<RowReader['read']>;
			try {
				f = reader.read(row.values);
			} catch (error) {
				if (!(error instanceof RowProblem)) throw error;
				rowError(row.row, row.line, error.field, error.code, error.message);
				continue;
			}
			const p = f.combo.parsed;
			if (p.disagreement) {
				report.classificationDisagreements++;
				warn(row.row, row.line, 'classification', 'classification_differs',
					`${LABEL.classification} recorded as ${CLASSIFICATIONS[p.recordedClassification as Classification]}, assessed as ${CLASSIFICATIONS[p.disagreement]}; the recorded one is kept`);
			}
			stage.run(row.row, row.line, patientId, f.date, f.next, f.combo.id, `${f.combo.digest}:${f.next}`);
		}
		options.onProgress?.(report.rows);

		// The later of two rows for one patient and day wins; the earlier ones are named in warnings.
		sql.exec(`CREATE INDEX temp.${STAGE}_key ON ${STAGE} (patient_id, follow_up_date, row)`);
		const superseded = sql.arrays(`SELECT s.row, s.line, (SELECT MAX(t.row) FROM ${STAGE} t WHERE t.patient_id = s.patient_id
			AND t.follow_up_date = s.follow_up_date) AS winner FROM ${STAGE} s WHERE EXISTS (SELECT 1 FROM ${STAGE} t
			WHERE t.patient_id = s.patient_id AND t.follow_up_date = s.follow_up_date AND t.row > s.row) ORDER BY s.row`).all() as unknown as unknown[][];
		for (const [row, line, winner] of superseded) {
			warn(Number(row), Number(line), 'date', 'duplicate', `repeats the patient and 随访日期 of row ${Number(winner)}; the later row wins`);
		}
		report.superseded = superseded.length;
		if (superseded.length) {
			sql.exec(`DELETE FROM ${STAGE} WHERE row IN (SELECT s.row FROM ${STAGE} s WHERE EXISTS (SELECT 1 FROM ${STAGE} t
				WHERE t.patient_id = s.patient_id AND t.follow_up_date = s.follow_up_date AND t.row > s.row))`);
		}
		const counts = sql.arrays(`SELECT
				SUM(f.id IS NULL), SUM(f.id IS NOT NULL AND f.row_hash IS NOT s.row_hash), SUM(f.row_hash IS s.row_hash)
			FROM ${STAGE} s LEFT JOIN follow_ups f ON f.patient_id = s.patient_id AND f.follow_up_date = s.follow_up_date`).get() as unknown as unknown[];
		report.inserted = Number(counts[0] ?? 0);
		report.updated = Number(counts[1] ?? 0);
		report.unchanged = Number(counts[2] ?? 0);

		// Patients whose follow-ups change, then the write itself: one statement, rows equal to the record skipped.
		sql.exec(`CREATE TEMP TABLE ${STAGE}_patients AS SELECT DISTINCT s.patient_id AS id FROM ${STAGE} s
			LEFT JOIN follow_ups f ON f.patient_id = s.patient_id AND f.follow_up_date = s.follow_up_date WHERE f.row_hash IS NOT s.row_hash`);
		// The reasons and the observation are put together from the combination and the row's day.
		sql.get(`INSERT INTO follow_ups (patient_id, follow_up_date, form, risk_level, classification, recorded_classification, medication,
				hospitalised, visitors, next_follow_up_date, actions, reasons, observation, row_hash, created_at, import_id, import_row)
			SELECT s.patient_id, s.follow_up_date, c.form, c.risk_level, c.classification, c.recorded_classification, c.medication, c.hospitalised, c.visitors,
				s.next_follow_up_date, c.actions,
				CASE WHEN c.next_line IS NULL THEN c.reasons_head || ']'
					ELSE c.reasons_head || CASE WHEN c.reasons_head = '[' THEN '' ELSE ',' END || json_quote(c.next_line || '（' || s.next_follow_up_date || '）') || ']' END,
				'{"date":"' || s.follow_up_date || '"' || c.observation_tail, s.row_hash, ?, ?, s.row
			FROM ${STAGE} s JOIN ${STAGE}_combo c ON c.id = s.combo WHERE true
			ON CONFLICT (patient_id, follow_up_date) DO UPDATE SET form = excluded.form, risk_level = excluded.risk_level,
				classification = excluded.classification, recorded_classification = excluded.recorded_classification,
				medication = excluded.medication, hospitalised = excluded.hospitalised, visitors = COALESCE(excluded.visitors, follow_ups.visitors), next_follow_up_date = excluded.next_follow_up_date,
				actions = excluded.actions, reasons = excluded.reasons, observation = excluded.observation, row_hash = excluded.row_hash,
				created_at = excluded.created_at, import_id = excluded.import_id, import_row = excluded.import_row
			WHERE follow_ups.row_hash IS NOT excluded.row_hash`).run(now, importId);
		sql.get(`${REFRESH_PATIENT} WHERE id IN (SELECT id FROM ${STAGE}_patients)`).run(now);
		report.patientRowIds = (sql.arrays(`SELECT id FROM ${STAGE}_patients ORDER BY id`).all() as unknown as unknown[][]).map((r) => Number(r[0]));
		sql.exec(`DROP TABLE temp.${STAGE}_patients`);
		sql.exec(`DROP TABLE temp.${STAGE}`);
		sql.exec(`DROP TABLE temp.${STAGE}_combo`);
		store.updateImportRecord(importId, {
			rows: report.rows,
			inserted: report.inserted,
			updated: report.updated,
			unchanged: report.unchanged,
			rejected: report.rejected,
		});
	});
	report.errors.sort((a, b) => a.row - b.row);
	report.warnings.sort((a, b) => a.row - b.row);
	report.durationMs = Date.now() - started;
	return report;
}
