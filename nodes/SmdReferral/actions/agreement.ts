import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { listAgreements, upsertAgreement, type RegistryStore } from '../../../lib';
import { runItems } from '../../shared/itemRunner';
import { auditContext } from '../../SmdRegistry/helpers/registry';
import { text } from './common';

const show = (operation: string[]) => ({ resource: ['agreement'], operation });

export const operations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['agreement'] } },
	options: [
		{ name: 'List', value: 'list', action: 'List referral agreements', description: 'Every agreement, one item each' },
		{ name: 'Create or Update', value: 'upsert', action: 'Create or update a referral agreement', description: 'Create a new record, or update the current one if it already exists (upsert)' },
	],
	default: 'upsert',
};

const field = (name: string, displayName: string, expression: string, required = true, placeholder = ''): INodeProperties => ({
	displayName,
	name,
	type: 'string',
	required,
	default: `={{ ${expression} }}`,
	placeholder,
	displayOptions: { show: show(['upsert']) },
});

export const description: INodeProperties[] = [
	field('agreementNo', 'Agreement No. 协议编号', '$json["协议编号"] ?? $json.agreementNo'),
	field('institution', 'Specialist Institution 专科机构', '$json["专科机构"] ?? $json.institution'),
	field('partner', 'Partner 签约机构', '$json["签约机构"] ?? $json.partner', true, '城关镇卫生院'),
	field('signedOn', 'Signed On 签订日期', '$json["签订日期"] ?? $json.signedOn', true, 'YYYY-MM-DD'),
	field('validFrom', 'Valid From 生效日期', '$json["生效日期"] ?? $json.validFrom ?? ""', false, 'YYYY-MM-DD (default: signed on)'),
	field('validUntil', 'Valid Until 有效期至', '$json["有效期至"] ?? $json.validUntil ?? ""', false, 'YYYY-MM-DD (empty: until revoked)'),
];

export async function execute(this: IExecuteFunctions, store: RegistryStore, operation: string): Promise<INodeExecutionData[][]> {
	if (operation === 'list') {
		const out = [listAgreements(store).map((a) => ({ json: a as unknown as IDataObject, pairedItem: { item: 0 } }))];
		store.audit({ ...auditContext(this), operation: 'agreement.list', patientRowIds: [] });
		return out;
	}
	try {
		return await runItems.call(this, { label: 'Row' }, (item, i) => {
			const r = upsertAgreement(store, {
				agreementNo: text(this, 'agreementNo', i) ?? '',
				institution: text(this, 'institution', i) ?? '',
				partner: text(this, 'partner', i) ?? '',
				signedOn: text(this, 'signedOn', i) ?? '',
				validFrom: text(this, 'validFrom', i),
				validUntil: text(this, 'validUntil', i),
			});
			return { json: { ...item.json, outcome: r.outcome, agreement: r.agreement as unknown as IDataObject } };
		});
	} finally {
		store.audit({ ...auditContext(this), operation: `agreement.${operation}`, patientRowIds: [] });
	}
}
