import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { Matcher, policeRowFrom, Triage, type Registry } from '../../../../lib';
import { columnCache, rowOf } from '../../helpers/policeRows';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [];

const displayOptions = { show: { resource: ['list'], operation: ['match'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Each row linked to a registry patient (auto-link only on identical ID and agreeing name), or its candidates. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const touched: number[] = [];
	const fieldsOf = columnCache();
	const records = items.map((item, i) => Triage.recordOf(policeRowFrom(item.json, rowOf(item.json, i), undefined, fieldsOf(item.json))));
	// Every look-up of the list in one snapshot (PostgreSQL reads them ahead in a few queries).
	const matcher = new Matcher(await registry.matchSourceFor(records));
	const out = await registry.read(() => items.map((item, i) => {
		const m = matcher.matchRecord(records[i]);
		if (m.patient) touched.push(m.patient.rowId);
		for (const c of m.candidatePatients) touched.push(c.rowId);
		return {
			json: { ...item.json, match: { matchStatus: m.matchStatus, patientId: m.patientId, candidates: m.candidates, reasons: m.reasons } as unknown as IDataObject },
			pairedItem: { item: i },
		};
	}));
	await registry.audit({ ...auditContext(this), operation: 'list.match', patientRowIds: touched, detail: { rows: items.length } });
	return [out];
}
