import type { IAuthenticate, ICredentialDataDecryptedObject, ICredentialTestRequest, ICredentialType, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';
import { signRequest } from '../lib/countyApi/signing';

/**
 * The county platform API (docs/county-api.openapi.yaml): its base URL and either a bearer token or
 * an app key + secret that signs every request with HMAC-SHA256 over method, path, timestamp and
 * body hash (docs/county-api.md). The SMD County API node signs with it; so does n8n's HTTP Request
 * node (Authentication → Predefined Credential Type → SMD County Platform API) for any other call.
 */
export class SmdCountyApi implements ICredentialType {
	name = 'smdCountyApi';

	displayName = 'SMD County Platform API';

	icon = { light: 'file:../nodes/SmdCountyApi/smd.svg', dark: 'file:../nodes/SmdCountyApi/smd.dark.svg' } as const;

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-smd#county-platform-sync';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://platform.example.gov.cn/api/v1',
			description: 'The API address including its path prefix, without a trailing slash',
		},
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			options: [
				{ name: 'App Key and Secret (HMAC-SHA256 Signature)', value: 'hmac' },
				{ name: 'Bearer Token', value: 'bearer' },
			],
			default: 'hmac',
		},
		// The app key names the account and is sent in every request; the secret is what signs.
		{
			displayName: 'App Key',
			name: 'appKey',
			// eslint-disable-next-line n8n-nodes-base/cred-class-field-type-options-password-missing
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authType: ['hmac'] } },
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authType: ['hmac'] } },
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authType: ['bearer'] } },
		},
	];

	/** Sign the request as it will be sent: the query is moved into the URL and a JSON body into text first. */
	authenticate: IAuthenticate = async (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> => {
		const options = { ...requestOptions, headers: { ...(requestOptions.headers ?? {}) } };
		if (credentials.authType === 'bearer') {
			options.headers.Authorization = `Bearer ${String(credentials.token ?? '')}`;
			return options;
		}
		const base = String(options.baseURL ?? credentials.baseUrl ?? '').replace(/\/+$/, '');
		const raw = String(options.url ?? '');
		const url = new URL(/^https?:\/\//i.test(raw) ? raw : base + (raw.startsWith('/') ? raw : `/${raw}`));
		for (const [k, v] of Object.entries((options.qs ?? {}) as Record<string, unknown>)) if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
		delete options.qs;
		delete options.baseURL;
		options.url = url.toString();
		let body: string | undefined;
		if (options.body !== undefined && options.body !== null && options.body !== '') {
			body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			options.body = body;
			options.json = false;
			if (!Object.keys(options.headers).some((h) => h.toLowerCase() === 'content-type')) options.headers['Content-Type'] = 'application/json';
		}
		Object.assign(
			options.headers,
			signRequest({ method: String(options.method ?? 'GET').toUpperCase(), pathAndQuery: url.pathname + url.search, body, appKey: String(credentials.appKey ?? ''), appSecret: String(credentials.appSecret ?? '') }),
		);
		return options;
	};

	/** The health endpoint answers only a correctly signed (or authorised) request: a wrong secret fails the test. */
	test: ICredentialTestRequest = {
		request: { baseURL: '={{ $credentials.baseUrl.replace(/\\/+$/, "") }}', url: '/health', method: 'GET' },
	};
}
