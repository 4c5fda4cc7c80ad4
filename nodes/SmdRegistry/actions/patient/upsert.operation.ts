import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { mapHeaders, patientFromRow, patientHash, type RegistryStore } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [];

const displayOptions = { show: { resource: ['patient'], operation: ['upsert'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Each item is one registry row (export headers or English keys): create the patient or update it. */
export async function execute(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	const outputs = await runItems.call(this, { label: 'Row' }, (item) => {
		const values = Object.fromEntries(Object.entries(item.json).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
		const { fields, unknown } = mapHeaders(Object.keys(values));
		const { patient, warnings } = patientFromRow(values, fields, unknown.filter((k) => !['row', 'line'].includes(k)));
		const result = store.transaction(() => store.upsertPatient(patient, patientHash(patient)));
		touched.push(result.rowId);
		return { json: { ...item.json, upsert: { outcome: result.outcome, patientNo: result.patientNo, warnings: warnings.map((w) => w.message) } } };
	});
	store.audit({ ...auditContext(this), operation: 'patient.upsert', patientRowIds: touched });
	return outputs;
}
