/** Test helpers: synthetic patients with valid fictitious ID numbers (region 4399xx is assigned to no area). */
import { idCheckChar } from '../lib/idNumber';
import { nameKey } from '../lib/name';
import { patientHash, type PatientInput, type RegistryStore } from '../lib/registry/store';


export function makeId(birth: string, seq: number, region = '439901'): string {
	const body = region + birth.replace(/-/g, '') + String(seq).padStart(3, '0');
	return body + idCheckChar(body);
}

export function patient(over: Partial<PatientInput> & { name: string }): PatientInput {
	return {
		patientNo: null,
		nameKey: nameKey(over.name),
		sex: null,
		idNumber: null,
		birthDate: null,
		address: null,
		township: '城关镇',
		diagnosis: 'schizophrenia',
		status: 'active',
		riskLevel: 0,
		classification: 'stable',
		lastFollowUpDate: '2026-10-01',
		nextFollowUpDate: null,
		medication: 'regular',
		guardian: null,
		guardianPhone: null,
		extra: {},
		...over,
	};
}

export function addPatients(store: RegistryStore, list: PatientInput[]): void {
	store.transaction(() => {
		for (const p of list) store.upsertPatient(p, patientHash(p));
	});
}
