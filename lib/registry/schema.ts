/**
 * The registry's schema: the migrations that build it, version by version, and how a table row
 * becomes a Patient. Never edit a released migration; add the next one.
 */
import type { Patient, SearchFilter } from '../model';
import type { Classification, ManagementStatus, Medication } from '../vocabulary';

interface Migration {
	version: number;
	description: string;
	sql: string;
}

/** Schema versions, applied in order, each in its own transaction. Never edit a released one. */
export const MIGRATIONS: Migration[] = [
	{
		version: 1,
		description: 'patients, follow-ups, audit trail',
		sql: `
			CREATE TABLE patients (
				id INTEGER PRIMARY KEY,
				patient_no TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL,
				name_key TEXT NOT NULL,
				sex TEXT CHECK (sex IN ('male', 'female')),
				id_number TEXT UNIQUE,
				birth_date TEXT,
				address TEXT,
				township TEXT,
				diagnosis TEXT,
				status TEXT NOT NULL DEFAULT 'active'
					CHECK (status IN ('active', 'lost', 'deceased', 'moved_out', 'refused')),
				risk_level INTEGER CHECK (risk_level BETWEEN 0 AND 5),
				classification TEXT CHECK (classification IN ('stable', 'basically_stable', 'unstable')),
				last_follow_up_date TEXT,
				next_follow_up_date TEXT,
				medication TEXT,
				guardian TEXT,
				guardian_phone TEXT,
				extra TEXT NOT NULL DEFAULT '{}',
				row_hash TEXT NOT NULL,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			);
			CREATE INDEX patients_name_birth ON patients (name_key, birth_date);
			CREATE INDEX patients_township_status ON patients (township, status);
			CREATE TABLE follow_ups (
				id INTEGER PRIMARY KEY,
				patient_id INTEGER NOT NULL REFERENCES patients (id),
				follow_up_date TEXT NOT NULL,
				form TEXT,
				risk_level INTEGER NOT NULL,
				classification TEXT NOT NULL,
				medication TEXT,
				next_follow_up_date TEXT NOT NULL,
				actions TEXT NOT NULL,
				reasons TEXT NOT NULL,
				observation TEXT NOT NULL,
				created_at TEXT NOT NULL,
				UNIQUE (patient_id, follow_up_date)
			);
			CREATE TABLE audit_log (
				id INTEGER PRIMARY KEY,
				at TEXT NOT NULL,
				workflow_id TEXT,
				execution_id TEXT,
				node TEXT,
				operation TEXT NOT NULL,
				patient_count INTEGER NOT NULL,
				detail TEXT
			);
			CREATE TABLE audit_patients (
				audit_id INTEGER NOT NULL REFERENCES audit_log (id),
				patient_id INTEGER NOT NULL,
				PRIMARY KEY (audit_id, patient_id)
			) WITHOUT ROWID;
			CREATE INDEX audit_patients_patient ON audit_patients (patient_id);
		`,
	},
	{
		version: 2,
		description: 'keep invalid ID numbers as recorded (id_valid); ID uniqueness checked per import, not per row; import history',
		// SQLite cannot drop a UNIQUE column constraint: the table is rebuilt (foreign keys are switched
		// off around migrations, as SQLite's ALTER TABLE procedure prescribes). Valid ID numbers stay
		// unique, but the import checks that at the end of its transaction, so an export that swaps
		// two patients' numbers imports.
		sql: `
			CREATE TABLE patients_v2 (
				id INTEGER PRIMARY KEY,
				patient_no TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL,
				name_key TEXT NOT NULL,
				sex TEXT CHECK (sex IN ('male', 'female')),
				id_number TEXT,
				id_valid INTEGER NOT NULL DEFAULT 1 CHECK (id_valid IN (0, 1)),
				birth_date TEXT,
				address TEXT,
				township TEXT,
				diagnosis TEXT,
				status TEXT NOT NULL DEFAULT 'active'
					CHECK (status IN ('active', 'lost', 'deceased', 'moved_out', 'refused')),
				risk_level INTEGER CHECK (risk_level BETWEEN 0 AND 5),
				classification TEXT CHECK (classification IN ('stable', 'basically_stable', 'unstable')),
				last_follow_up_date TEXT,
				next_follow_up_date TEXT,
				medication TEXT,
				guardian TEXT,
				guardian_phone TEXT,
				extra TEXT NOT NULL DEFAULT '{}',
				row_hash TEXT NOT NULL,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			);
			INSERT INTO patients_v2 (id, patient_no, name, name_key, sex, id_number, id_valid, birth_date, address, township, diagnosis,
				status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, extra,
				row_hash, created_at, updated_at)
			SELECT id, patient_no, name, name_key, sex, id_number, 1, birth_date, address, township, diagnosis,
				status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian, guardian_phone, extra,
				row_hash, created_at, updated_at FROM patients;
			DROP TABLE patients;
			ALTER TABLE patients_v2 RENAME TO patients;
			CREATE INDEX patients_id_number ON patients (id_number);
			CREATE INDEX patients_name_birth ON patients (name_key, birth_date);
			CREATE INDEX patients_township_status ON patients (township, status);
			CREATE INDEX patients_name_no_valid_id ON patients (name_key) WHERE id_number IS NULL OR id_valid = 0;
			CREATE TABLE imports (
				id INTEGER PRIMARY KEY,
				at TEXT NOT NULL,
				kind TEXT NOT NULL,
				rows INTEGER NOT NULL,
				inserted INTEGER NOT NULL,
				updated INTEGER NOT NULL,
				unchanged INTEGER NOT NULL,
				rejected INTEGER NOT NULL,
				invalid_ids INTEGER NOT NULL,
				detail TEXT
			);
		`,
	},
	{
		version: 3,
		description: 'registration and health-check dates; follow-ups keep 是否住院, the recorded 病情分类 and their import provenance',
		sql: `
			ALTER TABLE patients ADD COLUMN registered_on TEXT;
			ALTER TABLE patients ADD COLUMN last_health_check TEXT;
			ALTER TABLE follow_ups ADD COLUMN hospitalised INTEGER CHECK (hospitalised IN (0, 1));
			ALTER TABLE follow_ups ADD COLUMN recorded_classification TEXT
				CHECK (recorded_classification IN ('stable', 'basically_stable', 'unstable'));
			ALTER TABLE follow_ups ADD COLUMN row_hash TEXT;
			ALTER TABLE follow_ups ADD COLUMN import_id INTEGER;
			ALTER TABLE follow_ups ADD COLUMN import_row INTEGER;
			-- Everything the quarterly indicators read of a follow-up, in patient order: they scan this index alone.
			CREATE INDEX follow_ups_facts ON follow_ups (patient_id, follow_up_date, form, risk_level, classification,
				recorded_classification, medication, hospitalised);
		`,
	},
	{
		version: 4,
		description: 'two-way referrals with their steps, referral agreements (协议书), case-management plans and reviews; who visited at a follow-up',
		sql: `
			CREATE TABLE referral_agreements (
				id INTEGER PRIMARY KEY,
				agreement_no TEXT NOT NULL UNIQUE,
				institution TEXT NOT NULL,
				partner TEXT NOT NULL,
				signed_on TEXT NOT NULL,
				valid_from TEXT NOT NULL,
				valid_until TEXT,
				note TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			);
			CREATE INDEX referral_agreements_parties ON referral_agreements (institution, partner);
			CREATE TABLE referrals (
				id INTEGER PRIMARY KEY,
				referral_no TEXT NOT NULL UNIQUE,
				idempotency_key TEXT UNIQUE,
				request_hash TEXT NOT NULL,
				patient_id INTEGER NOT NULL REFERENCES patients (id),
				direction TEXT NOT NULL CHECK (direction IN ('up', 'return')),
				from_institution TEXT NOT NULL,
				to_institution TEXT NOT NULL,
				reasons TEXT NOT NULL,
				urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'urgent', 'emergency')),
				consent_by TEXT NOT NULL CHECK (consent_by IN ('patient', 'guardian', 'none', 'pending')),
				consent_at TEXT,
				follow_up_date TEXT,
				emergency_ref TEXT,
				status TEXT NOT NULL CHECK (status IN ('created', 'sent', 'accepted', 'completed', 'rejected', 'cancelled')),
				created_at TEXT NOT NULL,
				created_on TEXT NOT NULL,
				sent_at TEXT,
				accepted_at TEXT,
				completed_at TEXT,
				rejected_at TEXT,
				cancelled_at TEXT,
				status_note TEXT,
				response_due TEXT,
				discharge_date TEXT,
				discharge_info_due TEXT,
				discharge_info_sent_at TEXT,
				community_visit_due TEXT,
				clinical TEXT NOT NULL DEFAULT '{}',
				agreement_no TEXT,
				agreement_warning TEXT,
				updated_at TEXT NOT NULL
			);
			CREATE INDEX referrals_patient ON referrals (patient_id, created_at);
			CREATE INDEX referrals_open ON referrals (status) WHERE status NOT IN ('completed', 'rejected', 'cancelled');
			CREATE TABLE referral_events (
				id INTEGER PRIMARY KEY,
				referral_id INTEGER NOT NULL REFERENCES referrals (id),
				at TEXT NOT NULL,
				event TEXT NOT NULL,
				from_status TEXT,
				to_status TEXT NOT NULL,
				note TEXT,
				idempotency_key TEXT UNIQUE
			);
			CREATE INDEX referral_events_referral ON referral_events (referral_id, id);
			CREATE TABLE case_plans (
				id INTEGER PRIMARY KEY,
				plan_no TEXT NOT NULL UNIQUE,
				idempotency_key TEXT UNIQUE,
				patient_id INTEGER NOT NULL REFERENCES patients (id),
				status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'closed')),
				reason TEXT,
				created_on TEXT NOT NULL,
				due_on TEXT,
				opened_on TEXT,
				team TEXT NOT NULL DEFAULT '[]',
				goals TEXT NOT NULL DEFAULT '[]',
				review_due TEXT,
				last_reviewed_on TEXT,
				closed_on TEXT,
				close_reason TEXT,
				follow_up_date TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			);
			-- At most one plan not closed per patient (a task waiting for its team, or the plan in force).
			CREATE UNIQUE INDEX case_plans_one_open ON case_plans (patient_id) WHERE status != 'closed';
			CREATE INDEX case_plans_patient ON case_plans (patient_id, opened_on);
			CREATE TABLE case_plan_reviews (
				id INTEGER PRIMARY KEY,
				plan_id INTEGER NOT NULL REFERENCES case_plans (id),
				reviewed_on TEXT NOT NULL,
				note TEXT,
				next_review TEXT,
				idempotency_key TEXT UNIQUE,
				created_at TEXT NOT NULL
			);
			CREATE INDEX case_plan_reviews_plan ON case_plan_reviews (plan_id, reviewed_on);
			-- JSON array of role codes (lib/referrals.ts CARE_ROLES); NULL where not recorded.
			ALTER TABLE follow_ups ADD COLUMN visitors TEXT;
		`,
	},
	{
		version: 5,
		description: 'emergency events (应急处置) with their hand-off steps and log; the on-call roster',
		sql: `
			CREATE TABLE emergency_events (
				id INTEGER PRIMARY KEY,
				event_no TEXT NOT NULL UNIQUE,
				idempotency_key TEXT NOT NULL UNIQUE,
				request_hash TEXT NOT NULL,
				reported_at TEXT NOT NULL,
				reported_on TEXT NOT NULL,
				occurred_at TEXT,
				channel TEXT NOT NULL,
				reporter TEXT NOT NULL DEFAULT '{}',
				township TEXT NOT NULL,
				place TEXT,
				description TEXT,
				triggers TEXT NOT NULL,
				behaviours TEXT NOT NULL DEFAULT '[]',
				risk_level INTEGER NOT NULL CHECK (risk_level BETWEEN 0 AND 5),
				public_safety INTEGER NOT NULL DEFAULT 0,
				incident INTEGER NOT NULL DEFAULT 0,
				major INTEGER NOT NULL DEFAULT 0,
				patient_id INTEGER REFERENCES patients (id),
				match_state TEXT NOT NULL CHECK (match_state IN ('linked', 'unsure', 'unidentified')),
				candidates TEXT NOT NULL DEFAULT '[]',
				person TEXT NOT NULL DEFAULT '{}',
				status TEXT NOT NULL CHECK (status IN ('open', 'handling', 'disposed', 'closed', 'cancelled')),
				disposition TEXT CHECK (disposition IN ('on_site', 'observation', 'admission', 'referral', 'compulsory')),
				disposition_at TEXT,
				disposition_by TEXT,
				disposition_note TEXT,
				record_due TEXT NOT NULL,
				record_filed_at TEXT,
				record TEXT,
				record_reminded_at TEXT,
				follow_up_due TEXT,
				review TEXT,
				reviewed_at TEXT,
				closed_at TEXT,
				status_note TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			);
			CREATE INDEX emergency_events_open ON emergency_events (status) WHERE status NOT IN ('closed', 'cancelled');
			CREATE INDEX emergency_events_patient ON emergency_events (patient_id);
			CREATE INDEX emergency_events_township ON emergency_events (township, reported_on);
			CREATE TABLE emergency_steps (
				id INTEGER PRIMARY KEY,
				event_id INTEGER NOT NULL REFERENCES emergency_events (id),
				seq INTEGER NOT NULL,
				role TEXT NOT NULL,
				kind TEXT NOT NULL CHECK (kind IN ('opened', 'handoff', 'escalation')),
				person TEXT,
				email TEXT,
				robot_url TEXT,
				robot_format TEXT,
				needs_ack INTEGER NOT NULL,
				note TEXT,
				notified_at TEXT NOT NULL,
				ack_due TEXT,
				ack_token_hash TEXT,
				acknowledged_at TEXT,
				acknowledged_by TEXT,
				escalated_at TEXT,
				escalated_to INTEGER,
				UNIQUE (event_id, seq)
			);
			CREATE INDEX emergency_steps_waiting ON emergency_steps (ack_due) WHERE needs_ack = 1 AND acknowledged_at IS NULL AND escalated_at IS NULL;
			CREATE TABLE emergency_log (
				id INTEGER PRIMARY KEY,
				event_id INTEGER NOT NULL REFERENCES emergency_events (id),
				at TEXT NOT NULL,
				action TEXT NOT NULL,
				from_status TEXT,
				to_status TEXT NOT NULL,
				by TEXT,
				note TEXT
			);
			CREATE INDEX emergency_log_event ON emergency_log (event_id, id);
			CREATE TABLE on_call_roster (
				id INTEGER PRIMARY KEY,
				-- '*' = the whole county (county office, health commission, the psychiatrist on call for all).
				township TEXT NOT NULL,
				role TEXT NOT NULL,
				person TEXT NOT NULL,
				phone TEXT,
				email TEXT,
				robot_url TEXT,
				robot_format TEXT NOT NULL DEFAULT 'wecom' CHECK (robot_format IN ('wecom', 'dingtalk')),
				starts_at TEXT NOT NULL,
				ends_at TEXT NOT NULL,
				created_at TEXT NOT NULL,
				UNIQUE (township, role, starts_at, person)
			);
			CREATE INDEX on_call_roster_lookup ON on_call_roster (role, township, starts_at);
		`,
	},
	{
		version: 6,
		description: 'county platform sync: where each pull resumes',
		sql: `
			CREATE TABLE sync_cursors (
				source TEXT PRIMARY KEY,
				cursor TEXT,
				pulled INTEGER NOT NULL DEFAULT 0,
				updated_at TEXT NOT NULL
			);
		`,
	},
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Columns matching and triage need: no address, guardian or extra (less to read and build per probe). */
export const MATCH_COLUMNS = `id, patient_no, name, name_key, sex, id_number, birth_date, township, status, risk_level, classification,
	last_follow_up_date, next_follow_up_date, updated_at, id_valid`;

/** A Patient from a MATCH_COLUMNS array row; fields not read are null. */
export function matchPatient(a: unknown[]): Patient {
	const str = (v: unknown) => (v === null || v === undefined ? null : (v as string));
	return {
		rowId: Number(a[0]),
		patientNo: a[1] as string,
		name: a[2] as string,
		nameKey: a[3] as string,
		sex: str(a[4]) as Patient['sex'],
		idNumber: str(a[5]),
		idValid: a[14] === undefined || a[14] === null ? true : Number(a[14]) === 1,
		birthDate: str(a[6]),
		address: null,
		township: str(a[7]),
		diagnosis: null,
		status: a[8] as ManagementStatus,
		riskLevel: a[9] === null || a[9] === undefined ? null : Number(a[9]),
		classification: str(a[10]) as Classification | null,
		lastFollowUpDate: str(a[11]),
		nextFollowUpDate: str(a[12]),
		medication: null,
		guardian: null,
		guardianPhone: null,
		registeredOn: null,
		lastHealthCheck: null,
		extra: {},
		updatedAt: a[13] as string,
	};
}

export const PATIENT_COLUMNS = `id, patient_no, name, name_key, sex, id_number, id_valid, birth_date, address, township, diagnosis,
	status, risk_level, classification, last_follow_up_date, next_follow_up_date, medication, guardian,
	guardian_phone, registered_on, last_health_check, extra, updated_at`;

export type Row = Record<string, unknown>;

/**
 * The Patient → Search query, `?` placeholders, on either backend. Text is ordered byte by byte, as
 * SQLite does; PostgreSQL is given `COLLATE "C"` for the same order.
 */
export function searchQuery(filter: SearchFilter, collate = ''): { sql: string; args: Array<string | number> } {
	const where: string[] = [];
	const args: Array<string | number> = [];
	if (filter.township) {
		where.push('township = ?');
		args.push(filter.township);
	}
	if (filter.status) {
		where.push('status = ?');
		args.push(filter.status);
	}
	if (filter.minRiskLevel !== undefined) {
		where.push('risk_level >= ?');
		args.push(filter.minRiskLevel);
	}
	if (filter.overdueAsOf) {
		where.push("status = 'active' AND (next_follow_up_date IS NULL OR next_follow_up_date < ?)");
		args.push(filter.overdueAsOf);
	}
	const sql = `SELECT ${PATIENT_COLUMNS} FROM patients ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
		ORDER BY township${collate}, patient_no${collate} LIMIT ? OFFSET ?`;
	args.push(filter.limit ?? 1000, filter.offset ?? 0);
	return { sql, args };
}

export function toPatient(r: Row): Patient {
	return {
		rowId: Number(r.id),
		patientNo: r.patient_no as string,
		name: r.name as string,
		nameKey: r.name_key as string,
		sex: (r.sex as Patient['sex']) ?? null,
		idNumber: (r.id_number as string) ?? null,
		idValid: r.id_valid === undefined || r.id_valid === null ? true : Number(r.id_valid) === 1,
		birthDate: (r.birth_date as string) ?? null,
		address: (r.address as string) ?? null,
		township: (r.township as string) ?? null,
		diagnosis: (r.diagnosis as string) ?? null,
		status: r.status as ManagementStatus,
		riskLevel: r.risk_level === null || r.risk_level === undefined ? null : Number(r.risk_level),
		classification: (r.classification as Classification) ?? null,
		lastFollowUpDate: (r.last_follow_up_date as string) ?? null,
		nextFollowUpDate: (r.next_follow_up_date as string) ?? null,
		medication: (r.medication as Medication) ?? null,
		guardian: (r.guardian as string) ?? null,
		guardianPhone: (r.guardian_phone as string) ?? null,
		registeredOn: (r.registered_on as string) ?? null,
		lastHealthCheck: (r.last_health_check as string) ?? null,
		extra: r.extra ? (JSON.parse(r.extra as string) as Record<string, string>) : {},
		updatedAt: r.updated_at as string,
	};
}
