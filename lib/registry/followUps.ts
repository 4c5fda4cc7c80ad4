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
}

/**
 * Store a follow-up and bring the patient's current risk, classification and follow-up dates up
 * to date. Idempotent per (patient, date): recording the same day again replaces that record.
 */
export function recordFollowUp(sql: Statements, f: FollowUpInput, now: string): { outcome: 'inserted' | 'replaced'; followUpId: number } {
	const prior = sql.get('SELECT id FROM follow_ups WHERE patient_id = ? AND follow_up_date = ?').get(f.patientRowId, f.date) as
		| Row
		| undefined;
	const args = [
		f.form, f.riskLevel, f.classification, f.medication, f.nextFollowUpDate, JSON.stringify(f.actions),
		JSON.stringify(f.reasons), JSON.stringify(f.observation ?? null),
	];
	let followUpId: number;
	if (prior) {
		followUpId = Number(prior.id);
		sql.get(
			`UPDATE follow_ups SET form = ?, risk_level = ?, classification = ?, medication = ?, next_follow_up_date = ?,
			actions = ?, reasons = ?, observation = ?, created_at = ? WHERE id = ?`,
		).run(...(args as Array<string | number | null>), now, followUpId);
	} else {
		followUpId = Number(
			sql.get(
				`INSERT INTO follow_ups (form, risk_level, classification, medication, next_follow_up_date, actions, reasons,
				observation, created_at, patient_id, follow_up_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			).run(...(args as Array<string | number | null>), now, f.patientRowId, f.date).lastInsertRowid,
		);
	}
	// The patient's current state follows the latest follow-up by date.
	const latest = sql.get(
		`SELECT follow_up_date, risk_level, classification, medication, next_follow_up_date FROM follow_ups
		WHERE patient_id = ? ORDER BY follow_up_date DESC LIMIT 1`,
	).get(f.patientRowId) as Row;
	sql.get(
		`UPDATE patients SET last_follow_up_date = ?, risk_level = ?, classification = ?, medication = COALESCE(?, medication),
		next_follow_up_date = ?, updated_at = ?, row_hash = 'follow-up:' || ? WHERE id = ?`,
	).run(
		latest.follow_up_date as string, latest.risk_level as number, latest.classification as string, (latest.medication as string) ?? null,
		latest.next_follow_up_date as string, now, now, f.patientRowId,
	);
	return { outcome: prior ? 'replaced' : 'inserted', followUpId };

}

export function followUpsOf(sql: Statements, patientRowId: number): StoredFollowUp[] {
	return (sql.get(
		'SELECT follow_up_date, risk_level, classification, next_follow_up_date, actions FROM follow_ups WHERE patient_id = ? ORDER BY follow_up_date',
	).all(patientRowId) as Row[]).map((r) => ({
		date: r.follow_up_date as string,
		riskLevel: Number(r.risk_level),
		classification: r.classification as string,
		nextFollowUpDate: r.next_follow_up_date as string,
		actions: JSON.parse(r.actions as string) as string[],
	}));
}
