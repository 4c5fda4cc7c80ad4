import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { parseIdNumber, patientToJson, RowProblem, type Registry } from '../../../../lib';
import { runItems } from '../../../shared/itemRunner';
import { auditContext } from '../../helpers/registry';

const properties: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		options: [
			{ name: '患者编号 (Patient No.)', value: 'patientNo' },
			{ name: '身份证号 (ID Number)', value: 'idNumber' },
		],
		default: 'patientNo',
	},
	{
		displayName: 'Value',
		name: 'lookupValue',
		type: 'string',
		required: true,
		default: '',
		placeholder: '={{ $json["患者编号"] }}',
		description: 'The 患者编号 or ID number to look up; the item gets a `patient` field (null when not found)',
	},
];

const displayOptions = { show: { resource: ['patient'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Each item gets the patient found by 患者编号 or ID number, or null. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const touched: number[] = [];
	const outputs = await runItems.call(this, { label: 'Row' }, async (item, i) => {
		const by = this.getNodeParameter('lookupBy', i) as 'patientNo' | 'idNumber';
		const value = String(this.getNodeParameter('lookupValue', i) ?? '').trim();
		let p;
		if (by === 'idNumber') {
			const id = parseIdNumber(value);
			if (!id.ok) throw new RowProblem(id.code, `身份证号 (idNumber): ${id.error}`, { field: 'idNumber' });
			const hit = await registry.getByIdNumber(id.id);
			p = hit && (await registry.getById(hit.rowId));
		} else {
			p = value ? await registry.getByPatientNo(value) : undefined;
		}
		if (p) touched.push(p.rowId);
		return { json: { ...item.json, patient: p ? (patientToJson(p) as IDataObject) : null } };
	});
	await registry.audit({ ...auditContext(this), operation: 'patient.get', patientRowIds: touched });
	return outputs;
}
