/**
 * A patient outside the store: as output (codes with Chinese labels), as a fingerprint (to skip
 * unchanged rows), with its next follow-up date filled in.
 */
import { createHash } from 'node:crypto';
import type { Patient, PatientInput } from '../model';
import { nextFollowUpAfter } from '../risk';
import { CLASSIFICATIONS, DISORDERS, MANAGEMENT_STATUS, MEDICATION } from '../vocabulary';

/** A patient for output: English codes with Chinese labels beside them. */
export function patientToJson(p: Patient): Record<string, unknown> {
	return {
		patientNo: p.patientNo,
		name: p.name,
		sex: p.sex,
		idNumber: p.idNumber,
		idValid: p.idValid,
		birthDate: p.birthDate,
		address: p.address,
		township: p.township,
		diagnosis: p.diagnosis,
		diagnosisLabel: p.diagnosis ? ((DISORDERS as Record<string, string>)[p.diagnosis] ?? p.diagnosis) : null,
		status: p.status,
		statusLabel: MANAGEMENT_STATUS[p.status],
		riskLevel: p.riskLevel,
		classification: p.classification,
		classificationLabel: p.classification ? CLASSIFICATIONS[p.classification] : null,
		lastFollowUpDate: p.lastFollowUpDate,
		nextFollowUpDate: p.nextFollowUpDate,
		medication: p.medication,
		medicationLabel: p.medication ? MEDICATION[p.medication] : null,
		guardian: p.guardian,
		guardianPhone: p.guardianPhone,
		registeredOn: p.registeredOn,
		lastHealthCheck: p.lastHealthCheck,
		extra: p.extra,
		updatedAt: p.updatedAt,
	};
}

/** A stable fingerprint of what a patient row stores: equal fingerprints mean nothing to write. */
export function patientHash(p: PatientInput): string {
	const parts = [
		p.patientNo, p.name, p.sex, p.idNumber, p.birthDate, p.address, p.township, p.diagnosis, p.status, p.riskLevel,
		p.classification, p.lastFollowUpDate, p.nextFollowUpDate, p.medication, p.guardian, p.guardianPhone,
		JSON.stringify(p.extra, Object.keys(p.extra).sort()),
	];
	// Only an invalid number adds a part, so fingerprints written before id_valid existed stay equal.
	if (p.idNumber && p.idValid === false) parts.push('id-invalid');
	// Likewise the dates of schema v3: only when given, so rows imported before v3 stay 'unchanged'.
	if (p.registeredOn) parts.push(`registered:${p.registeredOn}`);
	if (p.lastHealthCheck) parts.push(`health-check:${p.lastHealthCheck}`);
	return createHash('sha1')
		.update(parts.map((x) => (x === null || x === undefined ? '\u0000' : String(x))).join('\u0001'))
		.digest('base64');
}

/**
 * A patient with its next follow-up date filled in when only the last one is known: last + the
 * national interval for its classification (3 months stable, else 2 weeks), so searches and triage agree.
 */
export function withNextFollowUp(p: PatientInput): PatientInput {
	if (p.nextFollowUpDate || !p.lastFollowUpDate) return p;
	return { ...p, nextFollowUpDate: nextFollowUpAfter(p.lastFollowUpDate, p.classification) };
}
