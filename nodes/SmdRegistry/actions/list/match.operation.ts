import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { Matcher, normalizeDay, policeRowFrom, type RegistryStore } from '../../../../lib';
import { columnCache, rowOf } from '../../helpers/policeRows';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [];

const displayOptions = { show: { resource: ['list'], operation: ['match'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Each row linked to a registry patient (auto-link only on identical ID and agreeing name), or its candidates. */
export async function execute(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const touched: number[] = [];
	const matcher = new Matcher(store);
	const fieldsOf = columnCache();
	const out = store.read(() => items.map((item, i) => {
		const input = policeRowFrom(item.json, rowOf(item.json, i), undefined, fieldsOf(item.json));
		const birthDate = input.birthDate === undefined ? null : normalizeDay(input.birthDate);
		const m = matcher.matchRecord({ name: input.name, idNumber: input.idNumber, otherIdNumbers: input.otherIdNumbers, birthDate });
		if (m.patient) touched.push(m.patient.rowId);
		for (const c of m.candidatePatients) touched.push(c.rowId);
		return {
			json: { ...item.json, match: { matchStatus: m.matchStatus, patientId: m.patientId, candidates: m.candidates, reasons: m.reasons } as unknown as IDataObject },
			pairedItem: { item: i },
		};
	}));
	store.audit({ ...auditContext(this), operation: 'list.match', patientRowIds: touched, detail: { rows: items.length } });
	return [out];
}
