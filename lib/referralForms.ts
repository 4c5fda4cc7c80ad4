/**
 * The printed forms of a two-way referral (docs/rules.md §11): the 双向转诊单 of 国家基本公共卫生服务规范
 * （第三版） — 存根 and 双向转诊（转出）单 for an upward referral, 存根 and 双向转诊（回转）单 for a return —
 * and the 严重精神障碍患者出院信息单 of 严重精神障碍管理治疗工作规范（2018年版）, which the hospital sends
 * to the township within 10 working days of discharge. Each is an A4 HTML page (inline CSS, nothing
 * fetched) that Chromium turns into a PDF (lib/pdf.ts).
 *
 * These are clinical records that go from one institution to the other: they carry the patient's full
 * name, ID number and address (精神卫生法 第四条 allows disclosure for the statutory duty; the forms are
 * not masked). Errors name the field, never its value.
 *
 * Templates: Handlebars files in templates/ (referral-form, discharge-form, referral-style) rendered
 * by `renderTemplate` with HTML escaping on. The models hold display text only. The one value
 * inserted unescaped is `css` (the referral-style template, a file of the same trust as the
 * template). Single-line fields (names, institutions, numbers) are cut to a printable length with
 * "…"; the clinical text (现病史, 治疗经过, 出院时用药…) is printed in full, wrapped, because a
 * clinical record must not lose content.
 */
import { z } from 'zod';
import { formatIsoDay, parseIsoDay } from './dates';
import { SmdInputError } from './errors';
import { safeFileNamePart } from './fileNames';
import { parseIdNumber } from './idNumber';
import { chromiumAvailable, htmlToPdf, type PdfOptions } from './pdf';
import { codesOf, zodInputError } from './policy';
import { HTML_MIME, PDF_MIME, PDF_SKIPPED_NO_CHROMIUM, type ReportFile } from './quarterlyReports';
import {
	CONSENT_BY,
	REFERRAL_DIRECTIONS,
	REFERRAL_REASONS,
	REFERRAL_STATUSES,
	REFERRAL_URGENCY,
	type ConsentBy,
	type Referral,
	type ReferralDirection,
	type ReferralPatient,
	type ReferralReason,
	type ReferralStatus,
	type ReferralUrgency,
} from './referrals';
import { renderTemplate } from './reports';
import { clip as clipText } from './printText';

// ---------------------------------------------------------------------------------------------
// Input: the referral and the patient as SMD Referral puts them in its item's json

const optionalText = z.string().nullish();
const requiredText = z.string().trim().min(1, 'is required');
const day = z.string().refine((s) => parseIsoDay(s) !== null, 'must be a date written YYYY-MM-DD');
const stamp = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date or date-time written YYYY-MM-DD…');

const clinicalSchema = z.object({
	impression: optionalText,
	presentIllness: optionalText,
	pastHistory: optionalText,
	treatment: optionalText,
	examinations: optionalText,
	plan: optionalText,
	inpatientNo: optionalText,
	admissionDate: day.nullish(),
	dischargeDiagnosis: optionalText,
	medications: optionalText,
	department: optionalText,
	doctor: optionalText,
	doctorPhone: optionalText,
});

/**
 * What the forms read of a referral. The number, the patient, the direction, the two institutions
 * and the creation time are required; the rest may be missing or null (printed as a blank to fill
 * in by hand). Other fields of a `Referral` are ignored.
 */
export const referralFormInputSchema = z.object({
	referralNo: requiredText,
	patientNo: requiredText,
	direction: z.enum(codesOf(REFERRAL_DIRECTIONS)),
	fromInstitution: z.string(),
	toInstitution: z.string(),
	reasons: z.array(z.enum(codesOf(REFERRAL_REASONS))).nullish(),
	urgency: z.enum(codesOf(REFERRAL_URGENCY)).nullish(),
	consentBy: z.enum(codesOf(CONSENT_BY)).nullish(),
	consentAt: stamp.nullish(),
	status: z.enum(codesOf(REFERRAL_STATUSES)).nullish(),
	statusNote: optionalText,
	createdAt: stamp,
	/** The day it was made in the county's time zone (the day of its number); preferred over createdAt's. */
	createdOn: day.nullish(),
	dischargeDate: day.nullish(),
	dischargeInfoDue: day.nullish(),
	communityVisitDue: day.nullish(),
	clinical: clinicalSchema.nullish(),
	agreementWarning: optionalText,
	agreementNo: optionalText,
});

export const referralPatientSchema = z.object({
	patientNo: requiredText,
	name: requiredText,
	sex: z.enum(['male', 'female']).nullish(),
	birthDate: day.nullish(),
	idNumber: optionalText,
	address: optionalText,
	township: optionalText,
	diagnosis: optionalText,
	guardian: optionalText,
	guardianPhone: optionalText,
});

/** A referral as the forms read it: a `Referral`, or any object with the fields of referralFormInputSchema. */
export type ReferralFormInput = z.infer<typeof referralFormInputSchema>;
export type ReferralPatientInput = z.infer<typeof referralPatientSchema>;

function parseObject<T>(schema: z.ZodType<T>, json: unknown, name: string): T {
	if (json === undefined || json === null) throw new SmdInputError('invalid_type', `${name} is required`, { field: name });
	if (typeof json !== 'object' || Array.isArray(json)) throw new SmdInputError('invalid_type', `${name} must be an object`, { field: name });
	const parsed = schema.safeParse(json);
	if (parsed.success) return parsed.data;
	throw zodInputError(parsed.error, { prefix: `${name}.`, fallback: name });
}

/**
 * The referral of a form, checked. Throws SmdInputError naming the first missing or wrong field
 * (`referral.direction`; `name` is the prefix, the item field it came from), never its value.
 */
export function parseReferralFormInput(json: unknown, name = 'referral'): ReferralFormInput {
	return parseObject(referralFormInputSchema, json, name);
}

/** The patient of a form, checked like parseReferralFormInput (`patient.name`). */
export function parseReferralPatient(json: unknown, name = 'patient'): ReferralPatientInput {
	return parseObject(referralPatientSchema, json, name);
}

/**
 * Both, checked, and checked to belong together: a form printed with another patient's details
 * would be the worst mistake it can make, so a patient whose 患者编号 is not the referral's is refused
 * (field `<patient>.patientNo`).
 */
export function parseReferralPair(
	referral: unknown,
	patient: unknown,
	names: { referral?: string; patient?: string } = {},
): { referral: ReferralFormInput; patient: ReferralPatientInput } {
	const r = parseReferralFormInput(referral, names.referral ?? 'referral');
	const p = parseReferralPatient(patient, names.patient ?? 'patient');
	if (r.patientNo.trim() !== p.patientNo.trim()) {
		const field = `${names.patient ?? 'patient'}.patientNo`;
		throw new SmdInputError('mismatch', `${field} is not the patient of the referral (${names.referral ?? 'referral'}.patientNo)`, { field });
	}
	return { referral: r, patient: p };
}

// ---------------------------------------------------------------------------------------------
// Formatting

/**
 * The local day and time of a stored time, by the same rule as the registry (registry/referrals.ts
 * numbers a referral by the local day of its creation): a day ('2026-11-29') stays itself; a
 * date-time with a zone ('2026-11-29T01:12:00.000Z', as the registry stores it) is read in the
 * process's time zone (TZ, Asia/Shanghai on a county's server); a date-time without a zone is taken
 * as local. Null when it is not a real date.
 */
export function localDayAndTime(text: string | null | undefined): { day: string; time: string | null } | null {
	const trimmed = String(text ?? '').trim();
	const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(trimmed);
	if (!m || !parseIsoDay(m[1])) return null;
	if (m[4] && m[2] !== undefined) {
		const t = new Date(trimmed);
		if (Number.isNaN(t.getTime())) return null;
		const pad = (n: number) => String(n).padStart(2, '0');
		return { day: formatIsoDay(t), time: `${pad(t.getHours())}:${pad(t.getMinutes())}` };
	}
	return { day: m[1], time: m[2] === undefined ? null : `${m[2]}:${m[3]}` };
}

/** Full years from `birthDate` to `day` (both YYYY-MM-DD); null when either is missing or the birth is later. */
export function ageAt(birthDate: string | null | undefined, on: string | null | undefined): number | null {
	const b = birthDate ? parseIsoDay(birthDate) : null;
	const d = on ? parseIsoDay(on) : null;
	if (!b || !d) return null;
	let age = d.getFullYear() - b.getFullYear();
	if (d.getMonth() < b.getMonth() || (d.getMonth() === b.getMonth() && d.getDate() < b.getDate())) age--;
	return age >= 0 ? age : null;
}

/** Text cut to `max` characters with "…" (trimmed first): a 10,000-character name must not fill the page. */
function clip(text: string | null | undefined, max: number): string {
	return clipText(String(text ?? '').trim(), max);
}

/** Clinical text in full, trimmed ('' when missing: the template prints ruled lines). */
function full(text: string | null | undefined): string {
	return String(text ?? '').trim();
}

/** A date as the form prints it, in three blanks: 2026 年 11 月 29 日, or empty blanks to fill in. */
export interface DateParts {
	y: string;
	m: string;
	d: string;
}

function dateParts(isoDay: string | null | undefined): DateParts {
	const d = isoDay ? parseIsoDay(isoDay) : null;
	return d ? { y: String(d.getFullYear()), m: String(d.getMonth() + 1), d: String(d.getDate()) } : { y: '', m: '', d: '' };
}

const SEX_LABELS = { male: '男', female: '女' } as const;

/**
 * Birth date and sex: as the registry gives them, else read from a valid ID number (GB 11643 holds
 * both), else unknown.
 */
function birthAndSex(p: ReferralPatientInput, on: string | null): { birthDate: string | null; sex: 'male' | 'female' | null } {
	const id = p.idNumber ? parseIdNumber(p.idNumber, on ? { today: on } : {}) : null;
	const fromId = id && id.ok ? id : null;
	return { birthDate: p.birthDate ?? fromId?.birthDate ?? null, sex: p.sex ?? fromId?.sex ?? null };
}

function countyOf(options: ReferralFormOptions): string {
	return clip(options.county?.trim() || '本县', 40);
}

// ---------------------------------------------------------------------------------------------
// Models

export interface ReferralFormOptions {
	/** The county's name, printed in each form's header. Default '本县'. */
	county?: string;
	/** Folders of the county's own templates, searched before the package's (see resolveTemplate). */
	templateDirs?: string[];
	/** The discharge form's 填表日期 (YYYY-MM-DD); default blank, filled in by hand when the form is signed. */
	filledOn?: string | null;
}

export interface ReferralFormModel {
	county: string;
	/** 'up' or 'return'; `up` is true for the 转出 form. */
	direction: ReferralDirection;
	up: boolean;
	/** 双向转诊（转出）单 or 双向转诊（回转）单. */
	formTitle: string;
	referralNo: string;
	status: string;
	/** Non-empty when the referral was cancelled or rejected: printed across the form. */
	statusWarning: string;
	patientNo: string;
	name: string;
	sex: string;
	age: string;
	address: string;
	/** The patient's contact telephone: the guardian's (the registry keeps no other). */
	phone: string;
	fromInstitution: string;
	toInstitution: string;
	department: string;
	doctor: string;
	doctorPhone: string;
	/** The referral's day (its creation, local time as the registry reckons it). */
	day: DateParts;
	dayText: string;
	impression: string;
	presentIllness: string;
	pastHistory: string;
	treatment: string;
	examinations: string;
	/** Return: 治疗经过 then 下一步治疗方案及康复建议, one block as the form has it. */
	treatmentAndPlan: string;
	diagnosis: string;
	inpatientNo: string;
	urgency: string;
	urgent: boolean;
	reasons: string;
	consentBy: string;
	consentAt: string;
	agreementNo: string;
	agreementWarning: string;
}

const STATUS_WARNINGS: Partial<Record<ReferralStatus, string>> = {
	cancelled: '本转诊单已撤销，不得据此转诊',
	rejected: '本转诊单已被接收机构拒收',
};

/** Everything a 双向转诊单 prints, formatted; blanks are ''. The input is checked (see parseReferralPair). */
export function referralFormModel(referral: Referral | ReferralFormInput, patient: ReferralPatient | ReferralPatientInput, options: ReferralFormOptions = {}): ReferralFormModel {
	const { referral: r, patient: p } = parseReferralPair(referral, patient);
	const c = r.clinical ?? {};
	const on = r.createdOn ?? localDayAndTime(r.createdAt)?.day ?? null;
	const { birthDate, sex } = birthAndSex(p, on);
	const age = ageAt(birthDate, on);
	const consent = r.consentBy ? localDayAndTime(r.consentAt) : null;
	const status = r.status ?? null;
	const warning = status ? STATUS_WARNINGS[status] : undefined;
	return {
		county: countyOf(options),
		direction: r.direction,
		up: r.direction === 'up',
		formTitle: r.direction === 'up' ? '双向转诊（转出）单' : '双向转诊（回转）单',
		referralNo: clip(r.referralNo, 40),
		status: status ? REFERRAL_STATUSES[status] : '',
		statusWarning: warning ? `${warning}${r.statusNote?.trim() ? `（${clip(r.statusNote, 100)}）` : ''}` : '',
		patientNo: clip(p.patientNo, 40),
		name: clip(p.name, 30),
		sex: sex ? SEX_LABELS[sex] : '',
		age: age === null ? '' : String(age),
		address: clip(p.address, 100),
		phone: clip(p.guardianPhone, 40),
		fromInstitution: clip(r.fromInstitution, 60),
		toInstitution: clip(r.toInstitution, 60),
		department: clip(c.department, 30),
		doctor: clip(c.doctor, 20),
		doctorPhone: clip(c.doctorPhone, 40),
		day: dateParts(on),
		dayText: on ?? '',
		impression: full(c.impression),
		presentIllness: full(c.presentIllness),
		pastHistory: full(c.pastHistory),
		treatment: full(c.treatment),
		examinations: full(c.examinations),
		treatmentAndPlan: [full(c.treatment), full(c.plan)].filter((t) => t !== '').join('\n'),
		diagnosis: full(c.impression) || full(c.dischargeDiagnosis),
		inpatientNo: clip(c.inpatientNo, 40),
		urgency: r.urgency ? REFERRAL_URGENCY[r.urgency as ReferralUrgency] : '',
		urgent: r.urgency === 'urgent' || r.urgency === 'emergency',
		reasons: (r.reasons ?? []).map((x) => REFERRAL_REASONS[x as ReferralReason]).join('；'),
		consentBy: r.consentBy ? CONSENT_BY[r.consentBy as ConsentBy] : '',
		consentAt: consent ? [consent.day, consent.time].filter(Boolean).join(' ') : '',
		agreementNo: clip(r.agreementNo, 40),
		agreementWarning: clip(r.agreementWarning, 300),
	};
}

export interface DischargeFormModel {
	county: string;
	referralNo: string;
	statusWarning: string;
	name: string;
	sex: string;
	birthDate: string;
	idNumber: string;
	patientNo: string;
	address: string;
	/** 监护人及电话: '测试乙 13800000000'. */
	guardian: string;
	inpatientNo: string;
	admissionDate: string;
	dischargeDate: string;
	dischargeDiagnosis: string;
	treatment: string;
	medications: string;
	plan: string;
	dischargeInfoDue: string;
	communityVisitDue: string;
	doctor: string;
	/** The hospital (the return's sending institution): 医疗机构（盖章）. */
	hospital: string;
	/** The township health centre the form goes to. */
	toInstitution: string;
	filledOn: DateParts;
}

/**
 * Everything a 出院信息单 prints. Only a return (回转) has one: an upward referral is refused with
 * SmdInputError naming the field `direction`.
 */
export function dischargeFormModel(referral: Referral | ReferralFormInput, patient: ReferralPatient | ReferralPatientInput, options: ReferralFormOptions = {}): DischargeFormModel {
	const { referral: r, patient: p } = parseReferralPair(referral, patient);
	if (r.direction !== 'return') {
		throw new SmdInputError('invalid', 'direction must be return (回转): the discharge information form (出院信息单) is sent after a return, not an upward referral', {
			field: 'direction',
		});
	}
	if (options.filledOn && !parseIsoDay(options.filledOn)) throw new SmdInputError('invalid', 'filledOn (填表日期) must be written YYYY-MM-DD', { field: 'filledOn' });
	const c = r.clinical ?? {};
	const on = r.createdOn ?? localDayAndTime(r.createdAt)?.day ?? null;
	const { birthDate, sex } = birthAndSex(p, on);
	const status = r.status ?? null;
	const warning = status ? STATUS_WARNINGS[status] : undefined;
	return {
		county: countyOf(options),
		referralNo: clip(r.referralNo, 40),
		statusWarning: warning ? `${warning}${r.statusNote?.trim() ? `（${clip(r.statusNote, 100)}）` : ''}` : '',
		name: clip(p.name, 30),
		sex: sex ? SEX_LABELS[sex] : '',
		birthDate: birthDate ?? '',
		idNumber: clip(p.idNumber, 30),
		patientNo: clip(p.patientNo, 40),
		address: clip(p.address, 100),
		guardian: [clip(p.guardian, 30), clip(p.guardianPhone, 40)].filter((t) => t !== '').join(' '),
		inpatientNo: clip(c.inpatientNo, 40),
		admissionDate: c.admissionDate ?? '',
		dischargeDate: r.dischargeDate ?? '',
		dischargeDiagnosis: full(c.dischargeDiagnosis) || full(c.impression),
		treatment: full(c.treatment),
		medications: full(c.medications),
		plan: full(c.plan),
		dischargeInfoDue: r.dischargeInfoDue ?? '',
		communityVisitDue: r.communityVisitDue ?? '',
		doctor: clip(c.doctor, 20),
		hospital: clip(r.fromInstitution, 60),
		toInstitution: clip(r.toInstitution, 60),
		filledOn: dateParts(options.filledOn ?? null),
	};
}

// ---------------------------------------------------------------------------------------------
// HTML

/** A referral with its patient, as SMD Referral puts them on an item. */
export interface ReferralWithPatient {
	referral: Referral | ReferralFormInput;
	patient: ReferralPatient | ReferralPatientInput;
}

export const REFERRAL_FORM_TEMPLATE = 'referral-form';
export const DISCHARGE_FORM_TEMPLATE = 'discharge-form';
/** The print style sheet the two forms share (overridable in a templates folder like the others). */
export const REFERRAL_STYLE_TEMPLATE = 'referral-style';

/** Models of a list, an error naming the entry (`1.referral.direction`) when one is wrong. */
function modelsOf<M>(list: ReferralWithPatient[], make: (r: ReferralWithPatient) => M): M[] {
	return list.map((entry, i) => {
		try {
			return make(entry);
		} catch (error) {
			if (error instanceof SmdInputError && list.length > 1) {
				throw new SmdInputError(error.code, `${i}.${error.message}`, { field: `${i}.${error.field}` });
			}
			throw error;
		}
	});
}

function renderDocument(template: string, title: string, forms: unknown[], options: ReferralFormOptions): string {
	const dirs = options.templateDirs ?? [];
	const css = renderTemplate(REFERRAL_STYLE_TEMPLATE, {}, dirs);
	return renderTemplate(template, { title, county: countyOf(options), forms, css }, dirs);
}

/**
 * 双向转诊单 of several referrals in one A4 HTML document, one referral per page (存根, the cut line,
 * then the 转出 or 回转 form) — e.g. a day's referrals printed at once.
 */
export function renderReferralFormsHtml(list: ReferralWithPatient[], options: ReferralFormOptions = {}): string {
	const forms = modelsOf(list, (e) => referralFormModel(e.referral, e.patient, options));
	const title = forms.length === 1 ? `双向转诊单 ${forms[0].referralNo}` : `${countyOf(options)}双向转诊单（${forms.length} 份）`;
	return renderDocument(REFERRAL_FORM_TEMPLATE, title, forms, options);
}

/** The 双向转诊单 of one referral (存根 and 转出 or 回转 form) as a self-contained A4 HTML document. */
export function renderReferralFormHtml(referral: Referral | ReferralFormInput, patient: ReferralPatient | ReferralPatientInput, options: ReferralFormOptions = {}): string {
	return renderReferralFormsHtml([{ referral, patient }], options);
}

/** 出院信息单 of several returns in one A4 HTML document, one per page; an upward referral is refused (field `direction`). */
export function renderDischargeFormsHtml(list: ReferralWithPatient[], options: ReferralFormOptions = {}): string {
	const forms = modelsOf(list, (e) => dischargeFormModel(e.referral, e.patient, options));
	const title = forms.length === 1 ? `严重精神障碍患者出院信息单 ${forms[0].referralNo}` : `${countyOf(options)}严重精神障碍患者出院信息单（${forms.length} 份）`;
	return renderDocument(DISCHARGE_FORM_TEMPLATE, title, forms, options);
}

/** The 出院信息单 of one return as a self-contained A4 HTML document; an upward referral is refused (field `direction`). */
export function renderDischargeFormHtml(referral: Referral | ReferralFormInput, patient: ReferralPatient | ReferralPatientInput, options: ReferralFormOptions = {}): string {
	return renderDischargeFormsHtml([{ referral, patient }], options);
}

// ---------------------------------------------------------------------------------------------
// Files

export type ReferralFormKind = 'referralForm' | 'dischargeForm';

/** The binary name stem and the file name stem of each form: `referral_html`, `双向转诊单_<number>.html`. */
export const REFERRAL_FORM_FILES: Record<ReferralFormKind, { binary: string; stem: string }> = {
	referralForm: { binary: 'referral', stem: '双向转诊单' },
	dischargeForm: { binary: 'discharge', stem: '出院信息单' },
};

/** The files a form can be made as: the HTML, and the PDF rendered from it through Chromium. */
export type ReferralFormFormat = 'html' | 'pdf';
export const REFERRAL_FORM_FORMATS: ReferralFormFormat[] = ['html', 'pdf'];

export interface ReferralFilesOptions extends ReferralFormOptions {
	/**
	 * The files to make (default both). Where the PDF alone is asked for and Chromium is not
	 * installed, the HTML is given instead, so the form can still be printed from a browser.
	 */
	formats?: ReferralFormFormat[];
	/** Where Chromium is, and how long a conversion may take (lib/pdf.ts). */
	pdfOptions?: PdfOptions;
	/** The names errors give the two inputs (the item fields they came from); default 'referral' and 'patient'. */
	names?: { referral?: string; patient?: string };
}

export interface ReferralFilesResult {
	files: ReportFile[];
	/** 'rendered', 'off', or 'skipped: <why>' when Chromium is not installed. */
	pdf: string;
	referralNo: string;
}

/**
 * The files of one form from a referral and its patient as they come (checked here: errors name the
 * field under `names`): the HTML and the PDF, as `formats` asks (default both); without Chromium
 * `pdf` says the PDF was skipped. File names `双向转诊单_<转诊单号>.html/.pdf`, `出院信息单_<转诊单号>…`.
 */
export async function referralFormFiles(kind: ReferralFormKind, referral: unknown, patient: unknown, options: ReferralFilesOptions = {}): Promise<ReferralFilesResult> {
	const pair = parseReferralPair(referral, patient, options.names);
	const html = kind === 'referralForm' ? renderReferralFormHtml(pair.referral, pair.patient, options) : renderDischargeFormHtml(pair.referral, pair.patient, options);
	const stem = `${REFERRAL_FORM_FILES[kind].stem}_${safeFileNamePart(pair.referral.referralNo.trim(), 60)}`;
	const formats = new Set(options.formats ?? REFERRAL_FORM_FORMATS);
	const htmlFile: ReportFile = { kind: 'html', fileName: `${stem}.html`, mimeType: HTML_MIME, data: Buffer.from(html, 'utf8') };
	const files: ReportFile[] = formats.has('html') ? [htmlFile] : [];
	let pdf = 'off';
	if (formats.has('pdf')) {
		if (!chromiumAvailable(options.pdfOptions)) {
			pdf = PDF_SKIPPED_NO_CHROMIUM;
			if (files.length === 0) files.push(htmlFile);
		} else {
			files.push({ kind: 'pdf', fileName: `${stem}.pdf`, mimeType: PDF_MIME, data: await htmlToPdf(html, options.pdfOptions) });
			pdf = 'rendered';
		}
	}
	return { files, pdf, referralNo: pair.referral.referralNo.trim() };
}
