import type { INodeProperties } from 'n8n-workflow';
import { REFERRAL_FORM_REPORTS } from './node.type';

const displayOptions = { show: { report: REFERRAL_FORM_REPORTS } };

/** Parameters of the two referral forms, 双向转诊单 (Referral Form) and 出院信息单 (Discharge Information). */
export const referralFormProperties: INodeProperties[] = [
	{
		displayName:
			'Input: items of SMD Referral, each holding the referral and its patient. One item out per item in, the input kept and the form’s files added. The forms are clinical records for the receiving institution: names, ID numbers and addresses are printed in full.',
		name: 'referralFormNotice',
		type: 'notice',
		default: '',
		displayOptions,
	},
	{
		displayName: 'Referral Field',
		name: 'referralField',
		type: 'string',
		default: 'referral',
		required: true,
		description: 'Field of the item holding the referral (转诊单号, direction, institutions, clinical text), as SMD Referral outputs it; a dotted path (data.referral) reaches into an object',
		displayOptions,
	},
	{
		displayName: 'Patient Field',
		name: 'patientField',
		type: 'string',
		default: 'patient',
		required: true,
		description: 'Field of the item holding the referral’s patient (name, sex, birth date, ID number, address, guardian)',
		displayOptions,
	},
	{
		displayName: 'Formats',
		name: 'referralFormFormats',
		type: 'multiOptions',
		options: [
			{ name: 'HTML', value: 'html', description: 'A4 portrait, printable from any browser' },
			{
				name: 'PDF',
				value: 'pdf',
				description: 'Through headless Chromium (env SMD_CHROMIUM_PATH, or /usr/bin/chromium); where it is not installed the item says so and carries the HTML instead',
			},
		],
		default: ['html', 'pdf'],
		description: 'The files to render for each item',
		displayOptions,
	},
	{
		displayName: 'County Name',
		name: 'referralFormCounty',
		type: 'string',
		default: '本县',
		description: 'Printed in the header of each form',
		displayOptions,
	},
	{
		displayName: 'Options',
		name: 'referralFormOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions,
		options: [
			{
				displayName: 'Binary Property Prefix',
				name: 'binaryPrefix',
				type: 'string',
				default: '',
				description: 'Put before the binary field names (referral_html, referral_pdf, discharge_html, discharge_pdf)',
			},
			{
				displayName: 'Form Date',
				name: 'filledOn',
				type: 'string',
				default: '',
				placeholder: '2026-12-15',
				description: 'Discharge Information only: the 填表日期 printed on the form (YYYY-MM-DD). Empty: blanks, filled in by hand when the form is signed.',
			},
			{
				displayName: 'Templates Folder',
				name: 'templateDir',
				type: 'string',
				default: '',
				description:
					'Folder of your own templates: a file named referral-form.hbs, discharge-form.hbs or referral-style.hbs there replaces the package’s. Names cannot reach outside it.',
			},
		],
	},
];
