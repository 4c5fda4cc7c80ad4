/**
 * Registry import from a national-system style export (CSV in UTF-8 or GBK, or XLSX) with Chinese
 * headers. Upsert by 患者编号, else by ID number; idempotent (an unchanged row writes nothing);
 * per-row errors are reported while the good rows load; all good rows commit in one transaction or
 * none do.
 */
import { SmdError, type SmdErrorDetails } from '../errors';
import type { ImportRecord } from '../model';
import { parseClassification, parseDisorder, parseMedication, parseSex, parseStatus } from '../codes';
import { normalizeDay } from '../dates';
import { parseRiskLevel } from '../forms';
import { parseIdNumber, readUnusableId } from '../idNumber';
import { nameKey, normalizeName } from '../name';
import { matchColumns, openTable, type ReadTableOptions, type TableRow } from '../tabular';
import { patientHash, type PatientInput, type UpsertOutcome } from './store';
import type { ImportTarget, ImportTx } from './backend';

export type RegistryField = keyof Omit<PatientInput, 'nameKey' | 'extra' | 'nextFollowUpDate' | 'idValid'>;

/** Columns of a registry export: the Chinese header first, then accepted aliases. */
export const REGISTRY_COLUMNS: Record<RegistryField, string[]> = {
	patientNo: ['患者编号', '编号', 'patientNo', 'patientId'],
	name: ['姓名', '患者姓名', 'name'],
	sex: ['性别', 'sex', 'gender'],
	idNumber: ['身份证号', '身份证号码', '公民身份号码', 'idNumber'],
	birthDate: ['出生日期', 'birthDate'],
	address: ['现住址', '现住地址', '住址', 'address'],
	township: ['所属乡镇', '乡镇', '乡镇（街道）', '乡镇(街道)', 'township'],
	diagnosis: ['诊断', '疾病诊断', '目前诊断', 'diagnosis'],
	status: ['管理状态', 'status'],
	riskLevel: ['危险性评估', '危险性', '危险性级别', 'riskLevel'],
	classification: ['病情分类', 'classification'],
	lastFollowUpDate: ['末次随访日期', '最近随访日期', 'lastFollowUpDate'],
	medication: ['服药情况', '服药依从性', 'medication'],
	guardian: ['监护人', '监护人姓名', 'guardian'],
	guardianPhone: ['监护人电话', '监护人联系电话', 'guardianPhone'],
	registeredOn: ['建档日期', '建档时间', '登记日期', 'registeredOn'],
	lastHealthCheck: ['末次体检日期', '最近体检日期', '体检日期', 'lastHealthCheck'],
};

export const REGISTRY_FIELD_LABELS: Record<RegistryField, string> = Object.fromEntries(
	Object.entries(REGISTRY_COLUMNS).map(([k, v]) => [k, v[0]]),
) as Record<RegistryField, string>;

/**
 * Longest text per field. Identifiers and the name longer than this reject the row (a 40,000-character
 * 患者编号 identifies no one); the other fields are kept, shortened to the limit with a visible marker,
 * and the row gets a warning — one bad cell never costs a registered patient.
 */
const MAX_LENGTH: Partial<Record<RegistryField, number>> = {
	patientNo: 64,
	name: 50,
	idNumber: 40,
	address: 300,
	township: 50,
	guardian: 50,
	guardianPhone: 40,
	diagnosis: 100,
};
const REJECT_WHEN_TOO_LONG = new Set<RegistryField>(['patientNo', 'name']);
const MAX_EXTRA_LENGTH = 2000;

/** The marker that ends a shortened value. */
export function truncationMarker(originalLength: number): string {
	return `…【已截断，原文${originalLength}字符】`;
}

/** `text` cut to at most `max` characters, ending with the truncation marker. */
export function truncateWithMarker(text: string, max: number): string {
	const marker = truncationMarker(text.length);
	return [...text].slice(0, Math.max(0, max - marker.length)).join('') + marker;
}

export interface RowError {
	row: number;
	line: number;
	field: string;
	code: string;
	message: string;
}

/** What an import did: the counts kept in the registry (ImportRecord), with each row's problems. */
export interface ImportReport extends Pick<ImportRecord, 'rows' | 'inserted' | 'updated' | 'unchanged' | 'rejected' | 'invalidIds'> {
	format: string;
	encoding?: string;
	errors: RowError[];
	warnings: RowError[];
	/** Internal row ids of the patients written or confirmed (`Patient.rowId`, for the audit trail). */
	patientRowIds: number[];
	durationMs: number;
}

/** Map each registry field to the header present in the file (first alias found). */
export function mapHeaders(headers: string[]): { fields: Partial<Record<RegistryField, string>>; unknown: string[] } {
	return matchColumns(headers, REGISTRY_COLUMNS);
}

const FORMULA = /^[=@]|^[+-](?!\d+$)(?=.*[A-Za-z(!|])/;

type Parsed = { patient: PatientInput; warnings: Array<Omit<RowError, 'row' | 'line'>> };

/** A row that cannot be imported, naming the field; the message never contains the value. */
export class RowProblem extends SmdError {
	declare field: string;
	constructor(code: string, message: string, details: SmdErrorDetails & { field: string }) {
		super(code, message, details);
	}
}

/**
 * One export row → a patient, or a RowProblem naming the field. Messages never contain values.
 */
export function patientFromRow(
	values: Record<string, string>,
	fields: Partial<Record<RegistryField, string>>,
	unknown: string[],
	today?: string,
): Parsed {
	const warnings: Parsed['warnings'] = [];
	const label = (f: RegistryField) => `${REGISTRY_FIELD_LABELS[f]} (${f})`;
	const get = (f: RegistryField): string => {
		const h = fields[f];
		const v = h === undefined ? '' : (values[h] ?? '').trim();
		const max = MAX_LENGTH[f];
		if (max && v.length > max) {
			if (REJECT_WHEN_TOO_LONG.has(f)) throw new RowProblem('too_long', `${label(f)} is longer than ${max} characters`, { field: f });
			if (f === 'idNumber') {
				warnings.push({ field: f, code: 'too_long', message: `${label(f)} has ${v.length} characters, which is no ID number; it was not kept` });
				return '';
			}
			warnings.push({ field: f, code: 'truncated', message: `${label(f)} has ${v.length} characters; kept shortened to ${max}, ending with a marker` });
			return truncateWithMarker(v, max);
		}
		if ((f === 'patientNo' || f === 'name' || f === 'idNumber') && FORMULA.test(v)) {
			throw new RowProblem('formula', `${label(f)} looks like a spreadsheet formula, not a value`, { field: f });
		}
		return v;
	};
	const bad = (f: RegistryField, what: string, code = 'invalid') => new RowProblem(code, `${label(f)} ${what}`, { field: f });

	const patientNo = get('patientNo') || null;
	const rawName = get('name');
	const name = normalizeName(rawName);
	if (!name) throw bad('name', rawName ? 'is not a usable name' : 'is required', rawName ? 'invalid' : 'required');

	const rawId = get('idNumber');
	let idNumber: string | null = null;
	let idValid = true;
	let sex = parseSex(get('sex'));
	if (sex === undefined) throw bad('sex', 'must be 男/女 (male/female)');
	let birthDate: string | null = null;
	const rawBirth = get('birthDate');
	if (rawBirth) {
		birthDate = normalizeDay(rawBirth);
		if (!birthDate) throw bad('birthDate', 'is not a real date');
	}
	if (rawId) {
		const id = parseIdNumber(rawId, today ? { today } : {});
		if (id.ok) {
			idNumber = id.id;
			if (sex && sex !== id.sex) warnings.push({ field: 'sex', code: 'conflict', message: `${label('sex')} differs from the ID number; the ID number is used` });
			if (birthDate && birthDate !== id.birthDate) {
				warnings.push({ field: 'birthDate', code: 'conflict', message: `${label('birthDate')} differs from the ID number; the ID number is used` });
			}
			sex = id.sex;
			birthDate = id.birthDate;
		} else {
			// Kept as recorded and flagged: the patient is registered whatever the number's flaw, and
			// takes part in matching (as a candidate for review, never as an automatic link).
			const readable = readUnusableId(rawId, today ? { today } : {});
			idNumber = readable.text || rawId;
			idValid = false;
			warnings.push({
				field: 'idNumber',
				code: `id_${id.code}`,
				message: `${label('idNumber')} is not a valid ID number (${id.error}); imported as recorded, flagged idValid=false — correct it at the source`,
			});
			if (!birthDate && readable.birthDate) birthDate = readable.birthDate;
		}
	}
	if (!patientNo && !idNumber) throw bad('patientNo', 'or 身份证号 (idNumber) is required to identify the patient', 'required');

	const rawDiagnosis = get('diagnosis');
	let diagnosis: string | null = parseDisorder(rawDiagnosis) ?? null;
	if (rawDiagnosis && !diagnosis) {
		diagnosis = rawDiagnosis;
		warnings.push({ field: 'diagnosis', code: 'unknown', message: `${label('diagnosis')} is not one of the six disorders; kept as text` });
	}
	const status = parseStatus(get('status'));
	if (status === undefined) throw bad('status', 'must be 在管/失访/死亡/迁出/拒绝管理');
	let riskLevel: number | null = null;
	try {
		riskLevel = parseRiskLevel(get('riskLevel')) ?? null;
	} catch {
		throw bad('riskLevel', 'must be 0–5 (for example 3 or "3级")');
	}
	const classification = parseClassification(get('classification'));
	if (classification === undefined) throw bad('classification', 'must be 稳定/基本稳定/不稳定');
	const rawLast = get('lastFollowUpDate');
	const lastFollowUpDate = rawLast ? normalizeDay(rawLast) : null;
	if (rawLast && !lastFollowUpDate) throw bad('lastFollowUpDate', 'is not a real date');
	const day = (f: 'registeredOn' | 'lastHealthCheck'): string | null => {
		const raw = get(f);
		if (!raw) return null;
		const d = normalizeDay(raw);
		if (!d) throw bad(f, 'is not a real date');
		return d;
	};
	const registeredOn = day('registeredOn');
	const lastHealthCheck = day('lastHealthCheck');
	const medication = parseMedication(get('medication'));
	if (medication === undefined) throw bad('medication', 'must be 规律服药/间断服药/不服药/医嘱勿需服药');

	const extra: Record<string, string> = {};
	for (const h of unknown) {
		const v = (values[h] ?? '').trim();
		if (v === '') continue;
		if (v.length > MAX_EXTRA_LENGTH) {
			warnings.push({ field: h, code: 'truncated', message: `${h} has ${v.length} characters; kept shortened to ${MAX_EXTRA_LENGTH}, ending with a marker` });
			extra[h] = truncateWithMarker(v, MAX_EXTRA_LENGTH);
			continue;
		}
		extra[h] = v;
	}

	return {
		patient: {
			patientNo,
			name,
			nameKey: nameKey(name),
			sex,
			idNumber,
			idValid,
			birthDate,
			address: get('address') || null,
			township: get('township') || null,
			diagnosis,
			status: status ?? 'active',
			riskLevel,
			classification: classification ?? null,
			lastFollowUpDate,
			nextFollowUpDate: null, // filled in by the store from the last follow-up
			medication: medication ?? null,
			guardian: get('guardian') || null,
			guardianPhone: get('guardianPhone') || null,
			registeredOn,
			lastHealthCheck,
			extra,
		},
		warnings,
	};
}

export interface ImportOptions extends Pick<ReadTableOptions, 'fileName' | 'encoding' | 'sheet'> {
	/** Called every `progressEvery` rows (default 50,000) and at the end. */
	onProgress?: (rowsRead: number) => void;
	progressEvery?: number;
	/** The day birth dates may not pass (default today). */
	today?: string;
}

/** Columns the file must have: a name, and 患者编号 or 身份证号. */
function checkRequired(fields: Partial<Record<RegistryField, string>>): void {
	if (!fields.name) throw new ImportFileError('missing_column', 'the file has no 姓名 (name) column');
	if (!fields.patientNo && !fields.idNumber) {
		throw new ImportFileError('missing_column', 'the file has neither a 患者编号 (patientNo) nor a 身份证号 (idNumber) column');
	}
}

/** A file that cannot be imported at all (a required column missing); nothing is written. */
export class ImportFileError extends SmdError {}

/** Rows a backend with `prefetch` (ImportTx) reads ahead at once. */
const PREFETCH_CHUNK = 1000;

/** A row of the file, read: the patient, or why the row cannot be imported. */
interface ReadRow {
	row: TableRow;
	parsed?: Parsed;
	problem?: { field: string; code: string; message: string };
}

/** A row whose valid ID number another patient held when it was read: written once the file is through. */
interface DeferredRow {
	row: number;
	line: number;
	key: string;
	patient: PatientInput;
	hash: string;
}

/**
 * Import a registry export into the store. Bad rows are reported (row, line, field) and skipped;
 * the good rows are written in one transaction. A file-level problem (unreadable, missing column)
 * throws ImportFileError or TableError and writes nothing.
 *
 * Valid ID numbers stay unique, checked once the whole file is read: a row whose number another
 * patient holds waits until the end, so an export that swaps two patients' numbers (or moves a
 * number to its rightful owner further down) imports; only a number still held by someone else
 * then is a row error. Invalid numbers are kept as recorded (`idValid: false`) with a warning.
 * What the import did is recorded in the registry (`lastImport()`), for triage to check.
 */
export async function importRegistryFile(target: ImportTarget, data: Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
	const started = Date.now();
	const table = await openTable(data, {
		fileName: options.fileName,
		encoding: options.encoding,
		sheet: options.sheet,
		knownHeaders: Object.values(REGISTRY_COLUMNS).flat(),
	});
	const { fields, unknown } = mapHeaders(table.headers);
	checkRequired(fields);

	const report: ImportReport = {
		format: table.format,
		encoding: table.encoding,
		rows: 0,
		inserted: 0,
		updated: 0,
		unchanged: 0,
		rejected: 0,
		invalidIds: 0,
		errors: [],
		warnings: [],
		patientRowIds: [],
		durationMs: 0,
	};
	const seenNo = new Map<string, number>();
	const every = options.progressEvery ?? 50_000;
	const counts: Record<UpsertOutcome, number> = { inserted: 0, updated: 0, unchanged: 0 };
	const rowError = (row: number, line: number, field: string, code: string, message: string) => {
		report.rejected++;
		report.errors.push({ row, line, field, code, message: `Row ${row} (line ${line}): ${message}` });
	};

	// One transaction over the whole file, streamed: either every good row is written or none is.
	const ids = new Set<number>();
	const deferred = new Map<string, DeferredRow>();
	const now = new Date().toISOString();
	await target.importTransaction(async (store) => {
		// Each row is read (parsed) as it streams in, and written in file order.
		const read = (row: TableRow): ReadRow => {
			const cellIssue = row.issues.find((i) => i.code === 'control_chars');
			if (cellIssue) return { row, problem: cellIssue };
			try {
				return { row, parsed: patientFromRow(row.values, fields, unknown, options.today) };
			} catch (error) {
				if (!(error instanceof RowProblem)) throw error;
				return { row, problem: error };
			}
		};
		const write = async ({ row, parsed, problem }: ReadRow) => {
			if (!parsed) {
				rowError(row.row, row.line, problem!.field, problem!.code, problem!.message);
				return;
			}
			const { patient, warnings } = parsed;
			for (const w of warnings) {
				report.warnings.push({ row: row.row, line: row.line, ...w, message: `Row ${row.row} (line ${row.line}): ${w.message}` });
			}
			if (patient.idValid === false) report.invalidIds++;
			const key = patient.patientNo ?? `id:${patient.idValid === false ? 'recorded:' : ''}${patient.idNumber}`;
			const earlier = seenNo.get(key);
			if (earlier !== undefined) {
				report.warnings.push({
					row: row.row,
					line: row.line,
					field: patient.patientNo ? 'patientNo' : 'idNumber',
					code: 'duplicate',
					message: `Row ${row.row} (line ${row.line}) repeats the patient of row ${earlier}; the later row wins`,
				});
				// A row waiting for its ID number is superseded by this later one: it writes nothing.
				if (deferred.delete(key)) counts.unchanged++;
			}
			seenNo.set(key, row.row);
			const hash = patientHash(patient);
			try {
				const written = await store.upsertOrDefer(patient, hash, now, 'defer');
				if (written === null) {
					deferred.set(key, { row: row.row, line: row.line, key, patient, hash });
					return;
				}
				counts[written.outcome]++;
				ids.add(written.rowId);
			} catch (error) {
				if ((error as Error).name !== 'RegistryError') throw error; // unexpected: roll everything back
				rowError(row.row, row.line, 'idNumber', 'conflict', (error as Error).message);
			}
		};
		// A backend that reads ahead (PostgreSQL) gets the rows in chunks: what a chunk's rows need is
		// read in one query, then they are written one by one in file order, exactly as without chunks.
		const chunkSize = store.prefetch ? PREFETCH_CHUNK : 1;
		let chunk: ReadRow[] = [];
		const flushChunk = async () => {
			if (store.prefetch && chunk.length > 0) await store.prefetch(chunk.flatMap((r) => (r.parsed ? [r.parsed.patient] : [])));
			for (const r of chunk) await write(r);
			chunk = [];
		};
		for await (const row of table.rows) {
			report.rows++;
			if (report.rows % every === 0) options.onProgress?.(report.rows);
			chunk.push(read(row));
			if (chunk.length >= chunkSize) await flushChunk();
		}
		await flushChunk();
		await writeDeferred(store, [...deferred.values()], now, counts, ids, rowError);
		Object.assign(report, counts);
		await store.recordImport({
			at: now,
			kind: 'patients',
			rows: report.rows,
			inserted: counts.inserted,
			updated: counts.updated,
			unchanged: counts.unchanged,
			rejected: report.rejected,
			invalidIds: report.invalidIds,
			detail: { format: table.format, fileName: options.fileName ?? null },
		});
	});
	report.errors.sort((a, b) => a.row - b.row);
	report.patientRowIds = [...ids];
	options.onProgress?.(report.rows);
	report.durationMs = Date.now() - started;
	return report;
}

/**
 * Write the rows whose valid ID number was held by another patient when they were read. Inside a
 * savepoint: write them all, then look for numbers held twice; the rows that claimed such a number
 * are rejected (the holder that is not in the file keeps it), the savepoint is rolled back and the
 * rest written again, until no number is held twice.
 */
async function writeDeferred(
	store: ImportTx,
	rows: DeferredRow[],
	now: string,
	counts: Record<UpsertOutcome, number>,
	ids: Set<number>,
	rowError: (row: number, line: number, field: string, code: string, message: string) => void,
): Promise<void> {
	let pending = rows;
	while (pending.length > 0) {
		const written: Array<{ outcome: UpsertOutcome; rowId: number }> = [];
		let blamed: DeferredRow[] = [];
		try {
			await store.savepoint('deferred_ids', async () => {
				for (const r of pending) written.push(await store.upsertPatient(r.patient, r.hash, now, { allowIdConflict: true }));
				const twice = await store.duplicateValidIds(pending.map((r) => r.patient.idNumber as string));
				if (twice.size === 0) return;
				blamed = pending.filter((r) => twice.has(r.patient.idNumber as string));
				throw new Error('held twice'); // roll back the savepoint; the blamed rows are dropped below
			});
		} catch (error) {
			if (blamed.length === 0) throw error;
			for (const r of blamed) {
				const holder = (await store.validIdHolder(r.patient.idNumber as string, r.patient.patientNo)) ?? '?';
				rowError(r.row, r.line, 'idNumber', 'conflict', `身份证号 (idNumber) is already registered under 患者编号 ${holder}`);
			}
			pending = pending.filter((r) => !blamed.includes(r));
			continue;
		}
		for (const w of written) {
			counts[w.outcome]++;
			ids.add(w.rowId);
		}
		return;
	}
}

