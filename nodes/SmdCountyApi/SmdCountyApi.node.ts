import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import {
	CountyApiClient,
	pullPatients,
	pullStoppedMessage,
	pushBodyFrom,
	SmdError,
	type CountyApiAuth,
	type PushKind,
	type Registry,
} from '../../lib';
import { registryBackendProperties } from '../SmdRegistry/actions/common.descriptions';
import { auditContext, withRegistryBackend } from '../SmdRegistry/helpers/registry';
import { isEmptyPlaceholder } from '../shared/items';
import { runItems } from '../shared/itemRunner';
import { todayIn } from '../shared/today';

const PULL = { show: { operation: ['pullPatients'] } };

/** The registry properties, shown for the pull only (pushes send what comes in). */
const registryProperties: INodeProperties[] = registryBackendProperties.map((p) => ({
	...p,
	displayOptions: { show: { ...(p.displayOptions?.show ?? {}), operation: ['pullPatients'] } },
}));

const PUSH_KIND: Record<string, PushKind> = { pushFollowUps: 'followUp', pushTriageOutcomes: 'triageOutcome', pushReferrals: 'referral' };

interface ClientOptions {
	timeoutSeconds?: number;
	retries?: number;
	backoffMs?: number;
	maxRetryAfterSeconds?: number;
}

/**
 * The county platform API (docs/county-api.openapi.yaml): pull the patients changed since the saved
 * cursor into the registry, page by page; push follow-ups, police-list triage outcomes and referrals
 * back, each with an Idempotency-Key derived from the record so a retry or a re-run never stores it
 * twice. Timeouts, retries with back-off on timeouts, 5xx and 429 (Retry-After honoured), none on
 * other 4xx; every answer checked against the contract (lib/countyApi).
 */
export class SmdCountyApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD County API',
		name: 'smdCountyApi',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Sync the SMD registry with the county health platform: pull changed patients, push follow-ups, triage outcomes and referrals',
		defaults: { name: 'SMD County API' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'smdCountyApi', required: true },
			// n8n's own Postgres credential for the PostgreSQL registry (see SmdRegistry.node.ts).
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed, @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'postgres', required: true, displayOptions: { show: { backend: ['postgres'], operation: ['pullPatients'] } } },
		],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Pull Changed Patients', value: 'pullPatients', action: 'Pull changed patients into the registry', description: 'Patients changed since the saved cursor, page by page, into the registry' },
					{ name: 'Push Follow-Ups', value: 'pushFollowUps', action: 'Push follow ups', description: 'Each item: a follow-up recorded by SMD Registry → Follow-Up → Record' },
					{ name: 'Push Referrals', value: 'pushReferrals', action: 'Push referrals', description: 'Each item: a referral from SMD Referral' },
					{ name: 'Push Triage Outcomes', value: 'pushTriageOutcomes', action: 'Push triage outcomes', description: 'Each item: a police-list row triaged by SMD Registry → Police List → Triage' },
				],
				default: 'pullPatients',
			},
			...registryProperties,
			{
				displayName: 'Sync Name',
				name: 'syncName',
				type: 'string',
				default: 'county-platform',
				required: true,
				displayOptions: PULL,
				description: 'Name under which the registry keeps where this pull resumes (one per platform)',
			},
			{
				displayName: 'Page Size',
				name: 'pageSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 200,
				displayOptions: PULL,
				description: 'Patients per request; each page is written with its cursor in one transaction',
			},
			{
				displayName: 'Max Pages',
				name: 'maxPages',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				displayOptions: PULL,
				description: 'Pages per run at most (0: until the platform has no more); the next run goes on from the cursor',
			},
			{
				displayName: 'List ID',
				name: 'listId',
				type: 'string',
				default: '',
				required: true,
				displayOptions: { show: { operation: ['pushTriageOutcomes'] } },
				placeholder: '={{ $("Read Police List").first().binary.data.fileName }}',
				description: 'Which police list the outcomes answer (its file name or the police’s list number)',
			},
			{
				displayName: 'Options',
				name: 'clientOptions',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{ displayName: 'Back-Off (Ms)', name: 'backoffMs', type: 'number', typeOptions: { minValue: 0 }, default: 500, description: 'First wait before a retry, doubled for each further one' },
					{ displayName: 'Longest Retry-After (Seconds)', name: 'maxRetryAfterSeconds', type: 'number', typeOptions: { minValue: 0 }, default: 60, description: 'A 429/503 asking to wait longer than this fails at once instead of holding the workflow' },
					{ displayName: 'Retries', name: 'retries', type: 'number', typeOptions: { minValue: 0, maxValue: 10 }, default: 3, description: 'Retries after a timeout, a refused connection, a 5xx or a 429 (never after other 4xx)' },
					{ displayName: 'Timeout (Seconds)', name: 'timeoutSeconds', type: 'number', typeOptions: { minValue: 1 }, default: 10, description: 'Deadline of each attempt' },
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		const credentials = await this.getCredentials('smdCountyApi');
		const auth: CountyApiAuth =
			credentials.authType === 'bearer'
				? { type: 'bearer', token: String(credentials.token ?? '') }
				: { type: 'hmac', appKey: String(credentials.appKey ?? ''), appSecret: String(credentials.appSecret ?? '') };
		const o = this.getNodeParameter('clientOptions', 0, {}) as ClientOptions;
		let client: CountyApiClient;
		try {
			client = new CountyApiClient({
				baseUrl: String(credentials.baseUrl ?? ''),
				auth,
				timeoutMs: (o.timeoutSeconds ?? 10) * 1000,
				retries: o.retries ?? 3,
				backoffMs: o.backoffMs ?? 500,
				maxRetryAfterMs: (o.maxRetryAfterSeconds ?? 60) * 1000,
				onRetry: (r) => this.logger.warn(`SMD County API: ${r.request} attempt ${r.attempt} failed (${r.reason}); retrying in ${r.waitMs} ms`),
			});
		} catch (error) {
			// A base URL, key, secret or token the client cannot use: the credential's (or an option's) fault, said so.
			if (!(error instanceof SmdError)) throw new NodeOperationError(this.getNode(), error as Error);
			const option = ['timeoutMs', 'retries', 'backoffMs', 'maxRetryAfterMs'].includes(error.field ?? '');
			throw new NodeOperationError(this.getNode(), option ? `Options: ${error.message}` : `SMD County Platform API credential: ${error.message}`, {
				description: option ? 'Check the node’s Options' : 'Check the credential’s Base URL and its app key and secret or token',
			});
		}
		if (operation === 'pullPatients') return await withRegistryBackend(this, async (registry) => [[await pull.call(this, client, registry)]]);
		const kind = PUSH_KIND[operation];
		if (!kind) throw new NodeOperationError(this.getNode(), `Unknown operation ${operation}`);
		const items = this.getInputData();
		if (isEmptyPlaceholder(items)) return [[]];
		return await runItems.call(this, { label: 'Row' }, async (item, i) => {
			const listId = kind === 'triageOutcome' ? String(this.getNodeParameter('listId', i, '') ?? '').trim() : undefined;
			const { body, key } = pushBodyFrom(kind, item.json, { listId });
			const result =
				kind === 'followUp'
					? await client.pushFollowUp(body as never, key)
					: kind === 'referral'
						? await client.pushReferral(body as never, key)
						: await client.pushTriageOutcome(body as never, key);
			// runItems adds pairedItem: { item: i } to what each item returns.
			// eslint-disable-next-line @n8n/community-nodes/missing-paired-item
			return { json: { ...item.json, countyPush: { ...result, idempotencyKey: key } as IDataObject } };
		});
	}
}

/**
 * Pull every page changed since the saved cursor; each page is written with its cursor in one
 * transaction, so a run that stops (the platform down, a timeout after the retries) keeps the pages
 * it wrote and the next run resumes after them. One summary item; patients the registry could not
 * take are listed by 患者编号 and field.
 */
async function pull(this: IExecuteFunctions, client: CountyApiClient, registry: Registry): Promise<INodeExecutionData> {
	const source = String(this.getNodeParameter('syncName', 0, 'county-platform') ?? '').trim() || 'county-platform';
	const pageSize = Number(this.getNodeParameter('pageSize', 0, 200));
	const maxPages = Number(this.getNodeParameter('maxPages', 0, 0));
	let result: Awaited<ReturnType<typeof pullPatients>> | undefined;
	try {
		result = await pullPatients(client, registry, { source, pageSize, maxPages, today: todayIn(this) });
	} catch (error) {
		throw new NodeOperationError(this.getNode(), error as Error);
	} finally {
		await registry.audit({ ...auditContext(this), operation: 'county.pullPatients', patientRowIds: result?.patientRowIds ?? [], detail: { source, pages: result?.summary.pages ?? 0 } });
	}
	const { summary, error } = result;
	if (!error) return { json: summary as unknown as IDataObject, pairedItem: { item: 0 } };
	if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), pullStoppedMessage(error, summary), { description: `Request: ${error.request}` });
	return { json: { ...(summary as unknown as IDataObject), error: error.message, errorDetails: { code: error.code, request: error.request, status: error.status, attempts: error.attempts } }, pairedItem: { item: 0 } };
}
