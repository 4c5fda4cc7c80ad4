import type { IAuthenticate, ICredentialDataDecryptedObject, ICredentialTestRequest, ICredentialType, IDataObject, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';
import { signRequest } from '../lib/countyApi/signing';

/**
 * The county platform API (docs/county-api.openapi.yaml): its base URL and either a bearer token or
 * an app key + secret that signs every request with HMAC-SHA256 over method, path, timestamp and
 * body hash (docs/county-api.openapi.yaml, security scheme smdHmac). The SMD County API node signs with it; so does n8n's HTTP Request
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

	/**
	 * Sign the request as it will be sent: the query is moved into the URL and the body turned into the
	 * exact bytes that go on the wire first. Both of n8n's request paths come here: httpRequest (`url`,
	 * `baseURL`, `qs`, `body`) and the legacy one n8n's HTTP Request node takes (`uri`, `qs`, `body`, `form`).
	 */
	authenticate: IAuthenticate = async (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> => {
		const options = { ...requestOptions, headers: { ...(requestOptions.headers ?? {}) } } as IHttpRequestOptions & { headers: IDataObject; uri?: unknown; form?: unknown; formData?: unknown };
		if (credentials.authType === 'bearer') {
			options.headers.Authorization = `Bearer ${String(credentials.token ?? '')}`;
			return options;
		}
		const base = String(options.baseURL ?? credentials.baseUrl ?? '').replace(/\/+$/, '');
		// The HTTP Request node sends `uri` (legacy request options); `url` wins over it when both are set.
		const raw = String(options.url ?? options.uri ?? '');
		const url = new URL(/^https?:\/\//i.test(raw) ? raw : base + (raw.startsWith('/') ? raw : `/${raw}`));
		appendQuery(url.searchParams, options.qs);
		delete options.qs;
		delete options.baseURL;
		delete options.uri;
		options.url = url.toString();
		const body = wireBody(options);
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

/** `qs` into the URL: arrays as repeated keys (a=1&a=2), undefined and null left out. */
function appendQuery(params: URLSearchParams, qs: unknown): void {
	for (const [k, v] of Object.entries((qs ?? {}) as Record<string, unknown>)) {
		for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null) params.append(k, typeof one === 'object' ? JSON.stringify(one) : String(one));
	}
}

/**
 * Set the request's body to exactly the bytes that will be sent and return them (undefined: no body).
 * JSON and text go as a Buffer, which neither of n8n's request paths transforms (axios trims a JSON
 * string); a form as text, which both send as it is. A multipart or streamed body cannot be signed
 * before it is sent: that is an error rather than a request the platform refuses with 401.
 */
function wireBody(options: IHttpRequestOptions & { headers: IDataObject; form?: unknown; formData?: unknown }): Buffer | string | undefined {
	const contentTypeKey = () => Object.keys(options.headers).find((h) => h.toLowerCase() === 'content-type');
	const setContentType = (value: string) => {
		const key = contentTypeKey();
		if (key !== undefined) delete options.headers[key];
		options.headers['Content-Type'] = value;
	};
	const empty = (v: unknown) => v === undefined || v === null || v === '';
	let body: unknown = options.body;
	// The legacy request options carry a urlencoded form as `form`.
	if (empty(body) && !empty(options.form)) {
		body = options.form;
		setContentType('application/x-www-form-urlencoded');
	}
	delete options.form;
	const key = contentTypeKey();
	const contentType = key === undefined ? '' : String(options.headers[key]).toLowerCase();
	if (options.formData !== undefined || contentType.includes('multipart/form-data') || (typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function')) {
		throw new Error('The SMD County Platform API credential cannot sign a multipart or streamed body; send JSON, a form or text');
	}
	if (empty(body)) {
		delete options.body;
		return undefined;
	}
	let bytes: Buffer | string;
	if (body instanceof URLSearchParams || (contentType.startsWith('application/x-www-form-urlencoded') && typeof body === 'object' && !(body instanceof Uint8Array))) {
		const params = new URLSearchParams(body instanceof URLSearchParams ? body : undefined);
		if (!(body instanceof URLSearchParams)) appendQuery(params, body);
		bytes = params.toString();
		if (key === undefined) setContentType('application/x-www-form-urlencoded');
	} else if (typeof body === 'string') {
		bytes = contentType.startsWith('application/x-www-form-urlencoded') ? body : Buffer.from(body, 'utf8');
	} else if (body instanceof Uint8Array) {
		bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
	} else {
		bytes = Buffer.from(JSON.stringify(body), 'utf8');
	}
	if (contentTypeKey() === undefined) setContentType('application/json');
	options.body = bytes;
	return bytes;
}
