/**
 * Follow-ups in the registry: recording one (idempotent per patient and day) brings the patient's
 * current risk, classification and next follow-up date up to date from the latest follow-up.
 * Called inside the store's transaction (RegistryStore.recordFollowUp).
 */
import type { StatementSync } from 'node:sqlite';
import type { FollowUpInput } from '../model';
import type { Row } from './schema';

/** The store's prepared statements. */
export interface Statements {
	get(sql: string): StatementSync;
}

export interface StoredFollowUp {
	date: string;
	riskLevel: number;
	classification: string;
	nextFollowUpDate: string;
	actions: string[];
	/** Who visited (role codes), or null when not recorded. */
	visitors: string[] | null;
}

/**
 * Store a follow-up and bring the patient's current risk, classification and follow-up dates up
 * to date. Idempotent per (patient, date): recording the same day again replaces that record.
 */
export function recordFollowUp(sql: Statements, f: FollowUpInput, now: string): { outcome: 'inserted' | 'replaced'; followUpId: number } {
	const prior = sql.get('SELECT id FROM follow_ups WHERE patient_id = ? AND follow_up_date = ?').get(f.patientRowId, f.date) as
		| Row
		| undefined;
	const hospitalised = f.hospitalised === undefined || f.hospitalised === null ? null : f.hospitalised ? 1 : 0;
	const args = [
		f.form, f.riskLevel, f.classification, f.medication, f.nextFollowUpDate, JSON.stringify(f.actions),
		JSON.stringify(f.reasons), JSON.stringify(f.observation ?? null), hospitalised, f.recordedClassification ?? null,
		f.visitors ? JSON.stringify(f.visitors) : null,
	];
	let followUpId: number;
	if (prior) {
		followUpId = Number(prior.id);
		// A record made here replaces an imported one: its import provenance and fingerprint no longer apply.
		// Who visited stays as recorded before when this record does not say.
		sql.get(
			`UPDATE follow_ups SET form = ?, risk_level = ?, classification = ?, medication = ?, next_follow_up_date = ?,
			actions = ?, reasons = ?, observation = ?, hospitalised = ?, recorded_classification = ?, visitors = COALESCE(?, visitors), created_at = ?,
			row_hash = NULL, import_id = NULL, import_row = NULL WHERE id = ?`,
		).run(...(args as Array<string | number | null>), now, followUpId);
	} else {
		followUpId = Number(
			sql.get(
				`INSERT INTO follow_ups (form, risk_level, classification, medication, next_follow_up_date, actions, reasons,
				observation, hospitalised, recorded_classification, visitors, created_at, patient_id, follow_up_date)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			).run(...(args as Array<string | number | null>), now, f.patientRowId, f.date).lastInsertRowid,
		);
	}
	sql.get(`${REFRESH_PATIENT} WHERE id = ?`).run(now, f.patientRowId);
	return { outcome: prior ? 'replaced' : 'inserted', followUpId };
}

/**
 * The patient's current state follows the latest follow-up by date: its risk level, its 病情分类
 * (as the national system recorded it when known, else the package's assessment), medication and
 * next follow-up date. Append a WHERE clause on patients; parameter: updated_at. The patient's
 * row_hash stays that of the registry export row last imported, so importing the same export again
 * writes nothing and keeps this state (docs/rules.md §5).
 */
export const REFRESH_PATIENT = `UPDATE patients SET (last_follow_up_date, risk_level, classification, medication, next_follow_up_date) = (
		SELECT f.follow_up_date, f.risk_level, COALESCE(f.recorded_classification, f.classification), COALESCE(f.medication, patients.medication),
			f.next_follow_up_date
		FROM follow_ups f WHERE f.patient_id = patients.id ORDER BY f.follow_up_date DESC LIMIT 1),
	updated_at = ?`;

/** A patient's follow-ups by date (`?`: the patient's row id), on either backend. */
export const FOLLOW_UPS_OF =
	'SELECT follow_up_date, risk_level, classification, next_follow_up_date, actions, visitors FROM follow_ups WHERE patient_id = ? ORDER BY follow_up_date';

/** A FOLLOW_UPS_OF row. */
export function storedFollowUpOf(r: Row): StoredFollowUp {
	return {
		date: r.follow_up_date as string,
		riskLevel: Number(r.risk_level),
		classification: r.classification as string,
		nextFollowUpDate: r.next_follow_up_date as string,
		actions: JSON.parse(r.actions as string) as string[],
		visitors: r.visitors ? (JSON.parse(r.visitors as string) as string[]) : null,
	};
}

export function followUpsOf(sql: Statements, patientRowId: number): StoredFollowUp[] {
	return (sql.get(FOLLOW_UPS_OF).all(patientRowId) as Row[]).map(storedFollowUpOf);
}
