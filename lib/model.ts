/**
 * The domain's types, apart from any storage: a patient as the registry holds it, what an import or
 * upsert provides, a follow-up to record, an audit-trail entry, a search. Codes in English with
 * Chinese labels beside them (docs/rules.md §1).
 */
import type { Classification, ManagementStatus, Medication } from './vocabulary';

/** A patient as the registry holds it. */
export interface Patient {
	/** The store's internal row id (never shown to users; not the 患者编号, which is `patientNo`). */
	rowId: number;
	patientNo: string;
	name: string;
	nameKey: string;
	sex: 'male' | 'female' | null;
	/**
	 * The ID number: normalised and valid (GB 11643) when `idValid`, else the number as recorded
	 * (normalised text that fails validation: wrong check character, impossible date, wrong length…).
	 */
	idNumber: string | null;
	/** False when `idNumber` is kept as recorded although it is not a valid number (true when there is none). */
	idValid: boolean;
	birthDate: string | null;
	address: string | null;
	township: string | null;
	diagnosis: string | null;
	status: ManagementStatus;
	riskLevel: number | null;
	classification: Classification | null;
	lastFollowUpDate: string | null;
	nextFollowUpDate: string | null;
	medication: Medication | null;
	guardian: string | null;
	guardianPhone: string | null;
	/** 建档日期: the day the patient was registered (optional column of the export). */
	registeredOn: string | null;
	/** 末次体检日期: the last health check (optional column of the export). */
	lastHealthCheck: string | null;
	extra: Record<string, string>;
	updatedAt: string;
}

/** What an import or upsert provides; `patientNo` null lets the store number a new patient. */
export type PatientInput = Omit<Patient, 'rowId' | 'updatedAt' | 'patientNo' | 'idValid' | 'registeredOn' | 'lastHealthCheck'> & {
	patientNo: string | null;
	idValid?: boolean;
	registeredOn?: string | null;
	lastHealthCheck?: string | null;
};

export interface FollowUpInput {
	/** The patient's internal row id (`Patient.rowId`). */
	patientRowId: number;
	date: string;
	form: string | null;
	riskLevel: number;
	classification: Classification;
	medication: Medication | null;
	/** 是否住院 at the follow-up (null when not recorded). */
	hospitalised?: boolean | null;
	/** 病情分类 as the national system recorded it, when the export has it; it wins over `classification` (the package's assessment). */
	recordedClassification?: Classification | null;
	/** Who visited (role codes of lib/referrals.ts CARE_ROLES); null or absent when not recorded. */
	visitors?: string[] | null;
	nextFollowUpDate: string;
	actions: string[];
	reasons: string[];
	observation: unknown;
}

export interface AuditEntry {
	workflowId?: string | null;
	executionId?: string | null;
	node?: string | null;
	operation: string;
	/** Internal row ids of the patients read or written (`Patient.rowId`): no names or ID numbers. */
	patientRowIds: number[];
	detail?: Record<string, unknown>;
}

export interface SearchFilter {
	township?: string;
	status?: ManagementStatus;
	minRiskLevel?: number;
	/** Only patients whose next follow-up is before this day (or who were never followed up). */
	overdueAsOf?: string;
	limit?: number;
	offset?: number;
}

/** What one import did, kept in the registry (`imports` table) so triage can tell a healthy registry. */
export interface ImportRecord {
	at: string;
	kind: string;
	rows: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
	/** Patients kept with an ID number that is not valid (as recorded, `idValid: false`). */
	invalidIds: number;
	detail?: Record<string, unknown>;
}
