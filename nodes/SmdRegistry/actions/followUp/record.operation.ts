import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { assessRisk, CARE_ROLES, FOLLOW_UP_FORMS, observationFromRecord, parseCodeList, parseIdNumber, parseMedication, SmdInputError, type Registry } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [
	{
		displayName: 'Patient',
		name: 'patientRef',
		type: 'string',
		required: true,
		default: '={{ $json["患者编号"] ?? $json.patientNo }}',
		description: 'The patient’s 患者编号, or an 18-digit ID number',
	},
];

const displayOptions = { show: { resource: ['followUp'], operation: ['record'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function formOf(value: unknown): string | null {
	if (value === undefined || value === null || String(value).trim() === '') return null;
	const text = String(value).trim();
	const hit = Object.entries(FOLLOW_UP_FORMS).find(([code, label]) => code === text || label === text || label.startsWith(text));
	if (!hit) throw new SmdInputError('invalid', 'form (随访形式) must be 门诊/家庭访视/电话', { field: 'form' });
	return hit[0];
}

/** Who visited as stored for the follow-up (a record without 随访人员 keeps those recorded before). */
async function storedVisitors(registry: Registry, patientRowId: number, date: string): Promise<string[]> {
	return (await registry.followUpsOf(patientRowId)).find((f) => f.date === date)?.visitors ?? [];
}

/** Each item is one follow-up record: assess it, store it, and move the patient's next follow-up date. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	// Each item commits on its own: the audit entry is written even when a later item stops the node.
	try {
		return await runItems.call(this, { label: 'Row' }, async (item, i) => {
			const refValue = this.getNodeParameter('patientRef', i);
			if (typeof refValue === 'number' && !Number.isSafeInteger(refValue)) {
				throw new SmdInputError('lost_precision', 'patient (患者编号) is a number that lost its last digits; give the 患者编号 or ID number as text', { field: 'patient' });
			}
			const ref = String(refValue ?? '').trim();
			if (!ref) throw new SmdInputError('invalid', 'patient (患者编号) is required', { field: 'patient' });
			let patient = await registry.getByPatientNo(ref);
			if (!patient && /^[\dXx]{15,18}$/.test(ref)) {
				const id = parseIdNumber(ref);
				if (id.ok) patient = await registry.getByIdNumber(id.id);
			}
			if (!patient) throw new SmdInputError('invalid', 'patient (患者编号) is not in the registry', { field: 'patient' });
			const json = item.json;
			const observation = observationFromRecord(json);
			const assessment = assessRisk(observation);
			const medicationRaw = json['服药情况'] ?? json.medication;
			const medication = parseMedication(medicationRaw);
			if (medication === undefined) throw new SmdInputError('invalid', 'medication (服药情况) must be 规律服药/间断服药/不服药/医嘱勿需服药', { field: 'medication' });
			// 随访人员: who visited (精神科医师、精防专干、民警…); a level ≥ 3 follow-up without a specialist is flagged.
			const visitorsRaw = json['随访人员'] ?? json.visitors;
			const visitors = visitorsRaw === undefined || visitorsRaw === null || String(visitorsRaw).trim() === '' ? null : parseCodeList(CARE_ROLES, visitorsRaw, 'visitors (随访人员)');
			const saved = await registry.recordFollowUp({
				patientRowId: patient.rowId,
				date: observation.date,
				form: formOf(json['随访形式'] ?? json.form),
				riskLevel: assessment.riskLevel,
				classification: assessment.classification,
				medication,
				nextFollowUpDate: assessment.nextFollowUpDate,
				actions: assessment.actions,
				reasons: assessment.reasons,
				observation,
				visitors,
			});
			touched.push(patient.rowId);
			return {
				json: {
					...json,
					assessment: assessment as unknown as IDataObject,
					followUp: {
						outcome: saved.outcome,
						patientNo: patient.patientNo,
						// What was stored, as codes: what SMD County API → Push Follow-Ups sends.
						date: observation.date,
						medication,
						form: formOf(json['随访形式'] ?? json.form),
						visitors,
						// Joint follow-up (联合随访) from level 3: missing when no 精神科医师 visited, or who visited was not recorded.
						jointFollowUpMissing: assessment.riskLevel >= 3 && !(await storedVisitors(registry, patient.rowId, observation.date)).includes('specialist'),
					},
				},
			};
		});
	} finally {
		await registry.audit({ ...auditContext(this), operation: 'followUp.record', patientRowIds: touched });
	}
}
