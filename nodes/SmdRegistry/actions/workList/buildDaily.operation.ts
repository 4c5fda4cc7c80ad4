import { NodeOperationError, updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { buildWorkLists, checkEmails, isWorkingDay, parseDayList, SmdError, type Registry } from '../../../../lib';
import { readRecipients, recipientsProperties } from '../../../shared/recipients';
import { auditContext, embeddedStore } from '../../helpers/registry';

const properties: INodeProperties[] = [
	{
		displayName: 'Day',
		name: 'day',
		type: 'string',
		default: "={{ $today.toFormat('yyyy-MM-dd') }}",
		description: 'The day of the lists (YYYY-MM-DD, the workflow’s time zone); the week runs to its Sunday',
	},
	...recipientsProperties(),
	{
		displayName: 'County Office Email 县精防办邮箱',
		name: 'countyEmail',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		description: 'Where the county summary goes',
	},
	{
		displayName: 'Options',
		name: 'workListOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Full Names',
				name: 'fullNames',
				type: 'boolean',
				default: false,
				description: 'Whether the items carry full names; off, names are masked (first character + *) before they leave the node, so n8n’s execution data and the mails hold no full name',
			},
			{
				displayName: 'Holidays',
				name: 'holidays',
				type: 'string',
				default: '',
				description: 'Public holidays (YYYY-MM-DD) on which Only On Working Days produces nothing',
			},
			{
				displayName: 'Joint Follow-Up From Level',
				name: 'jointFollowUpMinLevel',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 5 },
				default: 3,
				description: 'Local policy: from this risk level on, follow-ups are joint (specialist and 精防专干)',
			},
			{
				displayName: 'Make-Up Working Days',
				name: 'workdays',
				type: 'string',
				default: '',
				description: 'Weekend days worked (调休上班), YYYY-MM-DD',
			},
			{
				displayName: 'Only On Working Days',
				name: 'onlyOnWorkingDays',
				type: 'boolean',
				default: false,
				description: 'Whether to output nothing when Day is a weekend or a holiday (1 January, 1–7 October and the Holidays above)',
			},
		],
	},
];

const displayOptions = { show: { resource: ['workList'], operation: ['buildDaily'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface Options {
	holidays?: string;
	workdays?: string;
	onlyOnWorkingDays?: boolean;
	jointFollowUpMinLevel?: number;
	fullNames?: boolean;
}

/** Once per run: the lists of every township, then the county summary; audited with the patients they name. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	const store = embeddedStore(this, registry, 'Work List → Build Daily');
	const fail = (error: unknown): never => {
		if (error instanceof SmdError) throw new NodeOperationError(this.getNode(), error.message, { description: error.field ? `Check ${error.field}` : undefined });
		throw error;
	};
	const day = String(this.getNodeParameter('day', 0, '') ?? '').trim();
	const options = this.getNodeParameter('workListOptions', 0, {}) as Options;
	let emails: Record<string, string> = {};
	let countyEmail: string | null = null;
	try {
		if (options.onlyOnWorkingDays) {
			const calendar = { holidays: parseDayList(options.holidays, 'Holidays'), workdays: parseDayList(options.workdays, 'Make-Up Working Days') };
			if (!isWorkingDay(day, calendar)) {
				this.logger.info(`SMD Registry: ${day} is not a working day; no work lists`);
				return [[]];
			}
		}
	} catch (error) {
		return fail(error);
	}
	const readTable = await readRecipients(this);
	try {
		emails = await readTable();
		const county = String(this.getNodeParameter('countyEmail', 0, '') ?? '').trim();
		countyEmail = county ? checkEmails(county, 'County Office Email', 'countyEmail') : null;
	} catch (error) {
		return fail(error);
	}
	let lists;
	try {
		lists = buildWorkLists(store, day, { townshipEmails: emails, countyEmail, jointFollowUpMinLevel: options.jointFollowUpMinLevel, fullNames: options.fullNames });
	} catch (error) {
		return fail(error);
	}
	store.audit({ ...auditContext(this), operation: 'workList.buildDaily', patientRowIds: lists.patientRowIds, detail: { day, townships: lists.townships.length } });
	const items = [...lists.townships, lists.county].map((json) => ({ json: json as unknown as IDataObject, pairedItem: { item: 0 } }));
	return [items];
}
