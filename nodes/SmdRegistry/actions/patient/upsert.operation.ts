import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { excelScientificText, mapHeaders, patientFromRow, patientHash, type Registry } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [];

const displayOptions = { show: { resource: ['patient'], operation: ['upsert'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Each item is one registry row (export headers or English keys): create the patient or update it. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	// Each row commits on its own: the audit entry is written even when a later row stops the node.
	try {
		return await runItems.call(this, { label: 'Row' }, async (item) => {
			const values = Object.fromEntries(Object.entries(item.json).map(([k, v]) => [k, cellText(v)]));
			const { fields, unknown } = mapHeaders(Object.keys(values));
			const { patient, warnings } = patientFromRow(values, fields, unknown.filter((k) => !['row', 'line'].includes(k)));
			const result = await registry.upsertPatient(patient, patientHash(patient));
			touched.push(result.rowId);
			return { json: { ...item.json, upsert: { outcome: result.outcome, patientNo: result.patientNo, warnings: warnings.map((w) => w.message) } } };
		});
	} finally {
		await registry.audit({ ...auditContext(this), operation: 'patient.upsert', patientRowIds: touched });
	}
}

/**
 * An item value as the text a registry export would hold. A number beyond 2^53 (an ID number that
 * went through a spreadsheet or JSON as a number) has lost its last digits: it is written the way
 * Excel shows it (4.39901198710189E+17), so it can never pass for a valid but wrong ID number.
 */
function cellText(v: unknown): string {
	if (v === null || v === undefined) return '';
	if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) >= 1e15) return excelScientificText(v);
	return String(v);
}
