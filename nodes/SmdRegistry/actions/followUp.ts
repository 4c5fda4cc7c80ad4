import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import {
	assessRisk,
	FOLLOW_UP_FORMS,
	observationFromRecord,
	parseIdNumber,
	parseMedication,
	SmdInputError,
	type RegistryStore,
} from '../../../lib';
import { auditContext, itemErrorJson } from './common';

const show = { resource: ['followUp'] };

export const followUpOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show },
	options: [
		{
			name: 'Record',
			value: 'record',
			action: 'Record a follow up',
			description: 'Assess the follow-up (危险性评估, 病情分类) and store it; the patient’s next follow-up date follows',
		},
	],
	default: 'record',
};

export const followUpFields: INodeProperties[] = [
	{
		displayName: 'Patient',
		name: 'patientRef',
		type: 'string',
		required: true,
		displayOptions: { show },
		default: '={{ $json["患者编号"] ?? $json.patientNo }}',
		description: 'The patient’s 患者编号, or an 18-digit ID number',
	},
];

function formOf(value: unknown): string | null {
	if (value === undefined || value === null || String(value).trim() === '') return null;
	const text = String(value).trim();
	const hit = Object.entries(FOLLOW_UP_FORMS).find(([code, label]) => code === text || label === text || label.startsWith(text));
	if (!hit) throw new SmdInputError('invalid', 'form (随访形式) must be 门诊/家庭访视/电话', { field: 'form' });
	return hit[0];
}

export async function executeFollowUp(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	const touched: number[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const ref = String(this.getNodeParameter('patientRef', i) ?? '').trim();
			if (!ref) throw new SmdInputError('invalid', 'patient (患者编号) is required', { field: 'patient' });
			let patient = store.getByPatientNo(ref);
			if (!patient && /^[\dXx]{15,18}$/.test(ref)) {
				const id = parseIdNumber(ref);
				if (id.ok) patient = store.getByIdNumber(id.id);
			}
			if (!patient) throw new SmdInputError('invalid', 'patient (患者编号) is not in the registry', { field: 'patient' });
			const json = items[i].json;
			const observation = observationFromRecord(json);
			const assessment = assessRisk(observation);
			const medicationRaw = json['服药情况'] ?? json.medication;
			const medication = parseMedication(medicationRaw);
			if (medication === undefined) throw new SmdInputError('invalid', 'medication (服药情况) must be 规律服药/间断服药/不服药/医嘱勿需服药', { field: 'medication' });
			const saved = store.recordFollowUp({
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
			});
			touched.push(patient.rowId);
			out.push({
				json: { ...json, assessment: assessment as unknown as IDataObject, followUp: { outcome: saved.outcome, patientNo: patient.patientNo } },
				pairedItem: { item: i },
			});
		} catch (error) {
			const field = error instanceof SmdInputError ? error.field : undefined;
			const message = `Row ${i + 1}: ${(error as Error).message}`;
			if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), message, { itemIndex: i, description: field ? `Field: ${field}` : undefined });
			out.push({ json: itemErrorJson(this.getNode().onError, items[i].json, message, i, field) as IDataObject, pairedItem: { item: i } });
		}
	}
	store.audit({ ...auditContext(this), operation: 'followUp.record', patientRowIds: touched });
	return [out];
}
