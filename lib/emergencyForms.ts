/**
 * The 严重精神障碍患者应急处置记录单 (严重精神障碍管理治疗工作规范（2018年版） 附件) of an emergency event
 * (lib/emergencies.ts, lib/registry/emergencies.ts): one A4 portrait page per event — who the person
 * is (在册患者, 疑似患者 or 身份未明), when and how it was reported, the risk level, the type of event
 * (肇事肇祸 flagged), the measures, the people and the outcome as printed checkboxes, the account
 * and the medication, the hand-off chain with its times, the doctor's signature, and whether the
 * record was filed within its 24 hours. A record not yet filed is printed with a banner saying so
 * and by when, the rest of the form as far as it is known. HTML (inline CSS, nothing fetched) that
 * Chromium turns into a PDF (lib/pdf.ts).
 *
 * The form is a clinical record kept by the county's mental-health institution and copied to the
 * departments that handled the event (抄送：县级精防机构、接收部门、存档): names, ID numbers and
 * addresses are printed in full (精神卫生法 第四条 allows disclosure for the statutory duty). Errors
 * name the field, never its value.
 *
 * Templates: templates/emergency-record.hbs and templates/emergency-style.hbs, rendered by
 * `renderTemplate` with HTML escaping on; the models hold display text only and the one value
 * inserted unescaped is `css` (the style template, a file of the same trust). Every text is cut to
 * a printable length with "…" (lib/printText.ts `clip`), so a form stays one page.
 */
import { z } from 'zod';
import {
	DISPOSITIONS,
	EMERGENCY_CHANNELS,
	EMERGENCY_MEASURES,
	EMERGENCY_ROLES,
	EMERGENCY_STATUSES,
	MATCH_STATES,
	shortTime,
	type Disposition,
	type EmergencyChannel,
	type EmergencyMeasure,
	type EmergencyRole,
	type EmergencyStatus,
	type MatchState,
} from './emergencies';
import { SmdInputError } from './errors';
import { safeFileNamePart } from './fileNames';
import { parseIdNumber } from './idNumber';
import { chromiumAvailable, htmlToPdf, type PdfOptions } from './pdf';
import { codesOf, zodInputError } from './policy';
import { clip } from './printText';
import { HTML_MIME, PDF_MIME, PDF_SKIPPED_NO_CHROMIUM, type ReportFile } from './quarterlyReports';
import { ageAt, referralPatientSchema, type ReferralPatientInput } from './referralForms';
import type { EmergencyDetails, EmergencyEvent } from './registry/emergencies';
import { renderTemplate } from './reports';
import { EMERGENCY_TRIGGERS, type EmergencyTrigger } from './vocabulary';

// ---------------------------------------------------------------------------------------------
// Input: an event as the emergency nodes put it on an item, with its details and patient

const optionalText = z.string().nullish();
const requiredText = z.string().trim().min(1, 'is required');
const timestamp = z
	.string()
	.max(40, 'must be a date and time (ISO 8601)')
	.refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time (ISO 8601, e.g. 2026-11-29T14:03:00+08:00)');
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');

const stepSchema = z.object({
	seq: z.number().int().min(1),
	role: z.enum(codesOf(EMERGENCY_ROLES)),
	roleLabel: optionalText,
	kind: z.enum(['opened', 'handoff', 'escalation']).nullish(),
	person: optionalText,
	needsAck: z.boolean().nullish(),
	note: optionalText,
	notifiedAt: timestamp,
	ackDue: timestamp.nullish(),
	acknowledgedAt: timestamp.nullish(),
	acknowledgedBy: optionalText,
	escalatedAt: timestamp.nullish(),
	escalatedTo: z.number().int().nullish(),
});

/**
 * What the form reads of an `EmergencyEvent`. The number, township, channel, report time, triggers,
 * risk level, match state and record deadline are required; the rest may be missing or null
 * (printed as blanks). Other fields are ignored.
 */
export const emergencyEventSchema = z.object({
	eventNo: requiredText,
	status: z.enum(codesOf(EMERGENCY_STATUSES)).nullish(),
	township: z.string(),
	channel: z.enum(codesOf(EMERGENCY_CHANNELS)),
	reportedAt: timestamp,
	reportedOn: isoDay.nullish(),
	occurredAt: timestamp.nullish(),
	triggers: z.array(z.enum(codesOf(EMERGENCY_TRIGGERS))),
	riskLevel: z.number().int('must be a whole number 0–5').min(0, 'must be 0–5').max(5, 'must be 0–5'),
	publicSafety: z.boolean().nullish(),
	incident: z.boolean().nullish(),
	major: z.boolean().nullish(),
	matchState: z.enum(codesOf(MATCH_STATES)),
	patientNo: optionalText,
	disposition: z.enum(codesOf(DISPOSITIONS)).nullish(),
	dispositionAt: timestamp.nullish(),
	dispositionBy: optionalText,
	recordDue: timestamp,
	recordFiledAt: timestamp.nullish(),
	statusNote: optionalText,
	steps: z.array(stepSchema).nullish(),
});

const recordSchema = z.object({
	measures: z.array(z.enum(codesOf(EMERGENCY_MEASURES))),
	participants: z.array(z.enum(codesOf(EMERGENCY_ROLES))).nullish(),
	summary: z.string(),
	medication: optionalText,
	doctor: z.string(),
	doctorPhone: optionalText,
	filedBy: optionalText,
});

/** What the form reads of `EmergencyDetails`: the place, the report, the person as the caller described them, the record. */
export const emergencyDetailsSchema = z.object({
	place: optionalText,
	description: optionalText,
	reporter: z.object({ role: optionalText, name: optionalText, phone: optionalText }).nullish(),
	/** The person as reported (an event not linked to the registry); only name, sex and age are printed. */
	person: z
		.object({
			name: optionalText,
			sex: z.enum(['male', 'female']).nullish(),
			age: z.number().int().min(0).max(130).nullish(),
		})
		.nullish(),
	record: recordSchema.nullish(),
	dispositionNote: optionalText,
});

export const emergencyRecordItemSchema = z.object({
	event: emergencyEventSchema,
	details: emergencyDetailsSchema.nullish(),
	patient: referralPatientSchema.nullish(),
});

export type EmergencyEventInput = z.infer<typeof emergencyEventSchema>;
export type EmergencyDetailsInput = z.infer<typeof emergencyDetailsSchema>;

/** An item of the record form, checked (parseEmergencyRecordItem). */
export interface EmergencyRecordItem {
	event: EmergencyEventInput;
	details: EmergencyDetailsInput | null;
	patient: ReferralPatientInput | null;
}

/** The item as the emergency operations put it out: `{ event, details?, patient? }`. */
export interface EmergencyRecordItemInput {
	event: EmergencyEvent | EmergencyEventInput;
	details?: EmergencyDetails | EmergencyDetailsInput | null;
	patient?: ReferralPatientInput | null;
}

/**
 * An item of the record form, checked: `{ event, details?, patient? }`. Fields the shapes do not
 * have are dropped. Throws SmdInputError naming the first missing or wrong field (`event.channel`,
 * `details.record.measures.0`, `patient.name`), never its value; a patient whose 患者编号 is not the
 * event's is refused (`patient.patientNo`): a record printed with another person's details would be
 * the worst mistake the form can make.
 */
export function parseEmergencyRecordItem(json: unknown): EmergencyRecordItem {
	if (json === null || json === undefined || typeof json !== 'object' || Array.isArray(json)) {
		throw new SmdInputError('invalid_type', 'the input is not an emergency event: event is required', { field: 'event' });
	}
	const parsed = emergencyRecordItemSchema.safeParse(json);
	if (!parsed.success) throw zodInputError(parsed.error, { fallback: 'event' });
	const { event, details, patient } = parsed.data;
	if (patient && patient.patientNo.trim() !== (event.patientNo ?? '').trim()) {
		throw new SmdInputError('mismatch', 'patient.patientNo is not the patient of the event (event.patientNo)', { field: 'patient.patientNo' });
	}
	return { event, details: details ?? null, patient: patient ?? null };
}

// ---------------------------------------------------------------------------------------------
// Formatting

export interface EmergencyFormOptions {
	/** The county's name, printed in the header. Default '本县'. */
	county?: string;
	/** IANA time zone the times are written in (default Asia/Shanghai). */
	timeZone?: string;
	/** The time the form is printed, for "overdue" on a record not yet filed (default now). */
	now?: Date;
	/** Folders of the county's own templates, searched before the package's (see resolveTemplate). */
	templateDirs?: string[];
}

const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

function zoned(iso: string, timeZone: string): { day: string; time: string } {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
			.formatToParts(new Date(iso))
			.map((p) => [p.type, p.value]),
	);
	return { day: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** 'YYYY-MM-DD HH:mm' of an ISO timestamp in the zone; '' when missing. */
export function fullTime(iso: string | null | undefined, timeZone = DEFAULT_TIME_ZONE): string {
	if (!iso || Number.isNaN(Date.parse(iso))) return '';
	const parts = zoned(iso, timeZone);
	return `${parts.day} ${parts.time}`;
}

/** The time zone of the options, checked (a wrong one is an SmdInputError naming `timeZone`). */
function timeZoneOf(options: EmergencyFormOptions): string {
	const tz = options.timeZone?.trim() || DEFAULT_TIME_ZONE;
	try {
		new Intl.DateTimeFormat('en-CA', { timeZone: tz });
	} catch {
		throw new SmdInputError('invalid', 'timeZone must be an IANA time zone such as Asia/Shanghai', { field: 'timeZone' });
	}
	return tz;
}

const SEX_LABELS = { male: '男', female: '女' } as const;

/** 处置对象 by the event's match state. */
export const EMERGENCY_SUBJECTS: Record<MatchState, string> = { linked: '在册患者', unsure: '疑似患者', unidentified: '身份未明' };

/** The mark beside a name taken from the report rather than the registry. */
const IDENTITY_NOTES: Record<MatchState, string> = { linked: '', unsure: '疑似，身份待核实', unidentified: '身份未明' };

const STEP_KINDS = { opened: '启动', handoff: '移交', escalation: '升级' } as const;

/** What goes to whom besides the file: printed at the foot of the form. */
export const EMERGENCY_RECORD_COPY_TO = '县级精防机构、接收部门、存档';

/** Rows of the hand-off chain printed; more are counted under the table (the form stays one page). */
export const MAX_PRINTED_STEPS = 8;

/** A printed checkbox: ☑ when checked, ☐ when not, then the label. */
export interface CheckBox {
	label: string;
	checked: boolean;
}

const boxes = <K extends string>(table: Record<K, string>, chosen: readonly K[] | null | undefined): CheckBox[] =>
	(Object.keys(table) as K[]).map((k) => ({ label: table[k], checked: (chosen ?? []).includes(k) }));

export interface EmergencyStepRow {
	seq: string;
	kind: string;
	role: string;
	person: string;
	notifiedAt: string;
	acknowledgedAt: string;
	escalated: string;
}

export interface EmergencyRecordModel {
	county: string;
	eventNo: string;
	status: string;
	/** Non-empty for a cancelled event: printed across the form. */
	statusWarning: string;
	/** 处置对象: 在册患者 / 疑似患者 / 身份未明, one ticked. */
	subject: string;
	subjectBoxes: CheckBox[];
	/** 身份未明 or 疑似 beside a name from the report; '' for the registry's patient. */
	identityNote: string;
	/** Whether the person's details come from the registry (a patient on the item). */
	fromRegistry: boolean;
	patientNo: string;
	name: string;
	sex: string;
	age: string;
	idNumber: string;
	address: string;
	/** 监护人及电话: '测试乙 13800000000'. */
	guardian: string;
	township: string;
	reportedAt: string;
	channel: string;
	reporter: string;
	occurredAt: string;
	place: string;
	riskLevel: number;
	riskBoxes: CheckBox[];
	triggers: string;
	triggerBoxes: CheckBox[];
	/** 肇事肇祸 (or its risk): flagged on the form. */
	incident: boolean;
	publicSafety: boolean;
	major: boolean;
	description: string;
	measureBoxes: CheckBox[];
	participantBoxes: CheckBox[];
	dispositionBoxes: CheckBox[];
	dispositionAt: string;
	dispositionNote: string;
	summary: string;
	medication: string;
	steps: EmergencyStepRow[];
	/** Steps beyond MAX_PRINTED_STEPS, not printed. */
	stepsOmitted: number;
	doctor: string;
	doctorPhone: string;
	filedBy: string;
	/** Whether the record is filed (details.record and event.recordFiledAt). */
	filed: boolean;
	filedAt: string;
	recordDue: string;
	/** Hours from the report to the deadline (24 by the 规范). */
	recordHours: number;
	/** Filed after event.recordDue. */
	late: boolean;
	/** '按时（24小时内）' or '逾期' (filed after recordDue); '' while not filed. */
	timeliness: string;
	/** '记录单未填报（应于 … 前填报）' while not filed; '' once filed. */
	unfiledBanner: string;
	copyTo: string;
	/** The time zone the times are written in: 北京时间 for Asia/Shanghai, else its IANA name. */
	zone: string;
}

function sexAndAge(item: EmergencyRecordItem, on: string): { sex: string; age: string } {
	const p = item.patient;
	if (p) {
		const id = p.idNumber ? parseIdNumber(p.idNumber, { today: on }) : null;
		const fromId = id && id.ok ? id : null;
		const sex = p.sex ?? fromId?.sex ?? null;
		const age = ageAt(p.birthDate ?? fromId?.birthDate ?? null, on);
		return { sex: sex ? SEX_LABELS[sex] : '', age: age === null ? '' : String(age) };
	}
	const person = item.event.matchState === 'linked' ? null : item.details?.person;
	return { sex: person?.sex ? SEX_LABELS[person.sex] : '', age: person?.age === null || person?.age === undefined ? '' : String(person.age) };
}

function stepRow(s: NonNullable<EmergencyEventInput['steps']>[number], tz: string): EmergencyStepRow {
	let acknowledged = '';
	if (s.acknowledgedAt) acknowledged = shortTime(s.acknowledgedAt, tz);
	else if (s.needsAck === false) acknowledged = '（知会）';
	else acknowledged = '未确认';
	let escalated = '';
	if (s.escalatedAt) escalated = `${shortTime(s.escalatedAt, tz)} ${s.escalatedTo ? `转第${s.escalatedTo}步` : '无更高层级'}`;
	return {
		seq: String(s.seq),
		kind: s.kind ? STEP_KINDS[s.kind] : '',
		role: clip(EMERGENCY_ROLES[s.role as EmergencyRole], 20),
		person: clip(s.person?.trim(), 8),
		notifiedAt: shortTime(s.notifiedAt, tz),
		acknowledgedAt: acknowledged,
		escalated,
	};
}

/**
 * Everything the 应急处置记录单 of one event prints, formatted; blanks are ''. The item is checked
 * (parseEmergencyRecordItem). Times are written in Asia/Shanghai unless `timeZone` says otherwise.
 */
export function emergencyRecordModel(item: EmergencyRecordItemInput | EmergencyRecordItem | unknown, options: EmergencyFormOptions = {}): EmergencyRecordModel {
	const checked = parseEmergencyRecordItem(item);
	const { event: e, details, patient: p } = checked;
	const tz = timeZoneOf(options);
	const record = details?.record ?? null;
	const on = e.reportedOn ?? zoned(e.reportedAt, tz).day;
	const { sex, age } = sexAndAge(checked, on);
	const person = e.matchState === 'linked' ? null : (details?.person ?? null);
	const status = (e.status ?? null) as EmergencyStatus | null;
	const reportedMs = Date.parse(e.reportedAt);
	const dueMs = Date.parse(e.recordDue);
	const filed = Boolean(record && e.recordFiledAt);
	const late = filed && Date.parse(e.recordFiledAt!) > dueMs;
	const recordHours = Math.max(0, Math.round((dueMs - reportedMs) / 3_600_000));
	const due = fullTime(e.recordDue, tz);
	const overdue = !filed && (options.now ?? new Date()).getTime() > dueMs;
	const reporter = details?.reporter;
	const steps = [...(e.steps ?? [])].sort((a, b) => a.seq - b.seq);
	const name = p ? clip(p.name.trim(), 12) : clip(person?.name?.trim(), 12);
	return {
		county: clip(options.county?.trim() || '本县', 30),
		eventNo: clip(e.eventNo.trim(), 30),
		status: status ? EMERGENCY_STATUSES[status] : '',
		statusWarning: status === 'cancelled' ? `本事件已撤销${e.statusNote?.trim() ? `（${clip(e.statusNote.trim(), 60)}）` : ''}，本记录单仅供存档` : '',
		subject: EMERGENCY_SUBJECTS[e.matchState as MatchState],
		subjectBoxes: boxes(EMERGENCY_SUBJECTS, [e.matchState as MatchState]),
		identityNote: p || !name ? '' : IDENTITY_NOTES[e.matchState as MatchState],
		fromRegistry: p !== null,
		patientNo: clip((p?.patientNo ?? e.patientNo ?? '').trim(), 20),
		name,
		sex,
		age,
		idNumber: clip(p?.idNumber?.trim(), 30),
		address: clip(p?.address?.trim(), 45),
		guardian: [clip(p?.guardian?.trim(), 20), clip(p?.guardianPhone?.trim(), 20)].filter((t) => t !== '').join(' '),
		township: clip(e.township.trim(), 20),
		reportedAt: fullTime(e.reportedAt, tz),
		channel: EMERGENCY_CHANNELS[e.channel as EmergencyChannel],
		reporter: [clip(reporter?.role?.trim(), 8), clip(reporter?.name?.trim(), 10), clip(reporter?.phone?.trim(), 20)].filter((t) => t !== '').join(' '),
		occurredAt: fullTime(e.occurredAt, tz),
		place: clip(details?.place?.trim(), 45),
		riskLevel: e.riskLevel,
		riskBoxes: [0, 1, 2, 3, 4, 5].map((n) => ({ label: `${n}级`, checked: n === e.riskLevel })),
		triggers: e.triggers.map((t) => EMERGENCY_TRIGGERS[t as EmergencyTrigger]).join('、'),
		triggerBoxes: boxes(EMERGENCY_TRIGGERS, e.triggers as EmergencyTrigger[]),
		incident: e.incident === true || e.triggers.includes('incident_risk'),
		publicSafety: e.publicSafety === true,
		major: e.major === true,
		description: clip(details?.description?.trim(), 90),
		measureBoxes: boxes(EMERGENCY_MEASURES, (record?.measures ?? []) as EmergencyMeasure[]),
		participantBoxes: boxes(EMERGENCY_ROLES, (record?.participants ?? []) as EmergencyRole[]),
		dispositionBoxes: boxes(DISPOSITIONS, e.disposition ? [e.disposition as Disposition] : []),
		dispositionAt: fullTime(e.dispositionAt, tz),
		dispositionNote: clip(details?.dispositionNote?.trim(), 45),
		summary: clip(record?.summary?.trim(), 300),
		medication: clip(record?.medication?.trim(), 90),
		steps: steps.slice(0, MAX_PRINTED_STEPS).map((s) => stepRow(s, tz)),
		stepsOmitted: Math.max(0, steps.length - MAX_PRINTED_STEPS),
		doctor: clip(record?.doctor?.trim(), 12),
		doctorPhone: clip(record?.doctorPhone?.trim(), 16),
		filedBy: clip(record?.filedBy?.trim(), 12),
		filed,
		filedAt: filed ? fullTime(e.recordFiledAt, tz) : '',
		recordDue: due,
		recordHours,
		late,
		timeliness: !filed ? '' : late ? '逾期' : `按时（${recordHours}小时内）`,
		unfiledBanner: filed ? '' : `记录单未填报（应于 ${due} 前填报）${overdue ? '：已逾期' : ''}`,
		copyTo: EMERGENCY_RECORD_COPY_TO,
		zone: tz === DEFAULT_TIME_ZONE ? '北京时间' : clip(tz, 40),
	};
}

// ---------------------------------------------------------------------------------------------
// HTML

export const EMERGENCY_RECORD_TEMPLATE = 'emergency-record';
/** The print style sheet of the record form (overridable in a templates folder like the others). */
export const EMERGENCY_STYLE_TEMPLATE = 'emergency-style';

/**
 * 应急处置记录单 of several events in one A4 HTML document, one event per page, in the order given —
 * e.g. a week's events printed for the file. A wrong entry is named by its place in the list
 * (`1.event.channel`).
 */
export function renderEmergencyRecordsHtml(list: unknown[], options: EmergencyFormOptions = {}): string {
	const forms = list.map((entry, i) => {
		try {
			return emergencyRecordModel(entry, options);
		} catch (error) {
			if (error instanceof SmdInputError && list.length > 1) throw new SmdInputError(error.code, `${i}.${error.message}`, { field: `${i}.${error.field}` });
			throw error;
		}
	});
	const county = clip(options.county?.trim() || '本县', 30);
	const title = forms.length === 1 ? `严重精神障碍患者应急处置记录单 ${forms[0].eventNo}` : `${county}严重精神障碍患者应急处置记录单（${forms.length} 份）`;
	const dirs = options.templateDirs ?? [];
	const css = renderTemplate(EMERGENCY_STYLE_TEMPLATE, {}, dirs);
	return renderTemplate(EMERGENCY_RECORD_TEMPLATE, { title, county, forms, css }, dirs);
}

/** The 应急处置记录单 of one event as a self-contained A4 HTML document. */
export function renderEmergencyRecordHtml(item: unknown, options: EmergencyFormOptions = {}): string {
	return renderEmergencyRecordsHtml([item], options);
}

// ---------------------------------------------------------------------------------------------
// Files

export type EmergencyRecordFormat = 'html' | 'pdf';
export const EMERGENCY_RECORD_FORMATS: EmergencyRecordFormat[] = ['html', 'pdf'];
export const EMERGENCY_RECORD_FILE_STEM = '应急处置记录单';

export interface EmergencyRecordFilesOptions extends EmergencyFormOptions {
	/**
	 * The files to make (default both). Where the PDF alone is asked for and Chromium is not
	 * installed, the HTML is given instead, so the form can still be printed from a browser.
	 */
	formats?: EmergencyRecordFormat[];
	/** Where Chromium is, and how long a conversion may take (lib/pdf.ts). */
	pdfOptions?: PdfOptions;
}

export interface EmergencyRecordFilesResult {
	files: ReportFile[];
	/** 'rendered', 'off', or 'skipped: <why>' when Chromium is not installed. */
	pdf: string;
	/** The events' numbers, in the order printed. */
	eventNos: string[];
}

/**
 * The files of the record form of one item, or of a list of items in one document (one page per
 * event), checked here (errors name the field): the HTML and the PDF as `formats` asks (default
 * both); without Chromium `pdf` says the PDF was skipped. File names `应急处置记录单_<事件编号>.html/.pdf`
 * (several events: `应急处置记录单_<first>_等<n>份`).
 */
export async function emergencyRecordFiles(items: unknown, options: EmergencyRecordFilesOptions = {}): Promise<EmergencyRecordFilesResult> {
	const list = Array.isArray(items) ? items : [items];
	if (list.length === 0) throw new SmdInputError('invalid_type', 'the input holds no emergency event: event is required', { field: 'event' });
	const html = renderEmergencyRecordsHtml(list, options);
	const eventNos = list.map((entry) => parseEmergencyRecordItem(entry).event.eventNo.trim());
	const first = safeFileNamePart(eventNos[0], 60);
	const stem = `${EMERGENCY_RECORD_FILE_STEM}_${first}${eventNos.length > 1 ? `_等${eventNos.length}份` : ''}`;
	const formats = new Set(options.formats ?? EMERGENCY_RECORD_FORMATS);
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
	return { files, pdf, eventNos };
}
