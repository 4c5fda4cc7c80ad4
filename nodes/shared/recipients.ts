import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { allowedFileFolders, checkEmails, isFileAccessAllowed, readRecipientsTable, SmdError } from '../../lib';

/** Where each township's mail goes: a file (乡镇, 邮箱) and a table in the node that wins over it. */
export const recipientsProperties = (show?: Record<string, string[]>): INodeProperties[] => [
	{
		displayName: 'Recipients File',
		name: 'recipientsFile',
		type: 'string',
		default: '',
		placeholder: '/home/node/.n8n-files/smd/in/township-contacts.csv',
		description: 'CSV (UTF-8 or GBK) or XLSX with the columns 乡镇 and 邮箱: where each township’s list goes. Empty: only the table below.',
		...(show ? { displayOptions: { show } } : {}),
	},
	{
		displayName: 'Recipients',
		name: 'recipients',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Township',
		default: {},
		description: 'Township addresses; they win over the file’s',
		...(show ? { displayOptions: { show } } : {}),
		options: [
			{
				displayName: 'Township',
				name: 'values',
				values: [
					{ displayName: 'Township 乡镇', name: 'township', type: 'string', default: '' },
					{ displayName: 'Email 邮箱', name: 'email', type: 'string', placeholder: 'name@email.com', default: '' },
				],
			},
		],
	},
];

/**
 * The township → address map of the node's Recipients File and Recipients table. The file must lie
 * inside N8N_RESTRICT_FILE_ACCESS_TO; a file that cannot be read stops the node; a bad row or entry
 * is an SmdError naming it (the caller decides whether it stops the node).
 */
export async function readRecipients(ctx: IExecuteFunctions): Promise<() => Promise<Record<string, string>>> {
	const file = String(ctx.getNodeParameter('recipientsFile', 0, '') ?? '').trim();
	if (file && !isFileAccessAllowed(file)) {
		throw new NodeOperationError(ctx.getNode(), 'Access to the recipients file is not allowed: it is outside the folders in N8N_RESTRICT_FILE_ACCESS_TO', {
			description: `Put it inside one of: ${allowedFileFolders().join('; ')}`,
		});
	}
	let data: Buffer | null = null;
	if (file) {
		try {
			data = await readFile(file);
		} catch {
			throw new NodeOperationError(ctx.getNode(), `The recipients file ${path.basename(file)} cannot be read: check Recipients File`);
		}
	}
	// Parsing comes second, so the caller can turn a bad row into its own error output.
	return async () => {
		const emails: Record<string, string> = data ? Object.fromEntries(await readRecipientsTable(data, { fileName: file })) : {};
		const table = (ctx.getNodeParameter('recipients', 0, {}) as { values?: Array<{ township?: string; email?: string }> }).values ?? [];
		table.forEach((r, i) => {
			const township = String(r.township ?? '').trim();
			if (!township) throw new SmdError('required', `Recipients entry ${i + 1}: 乡镇 is empty`, { field: 'township' });
			emails[township] = checkEmails(String(r.email ?? '').trim(), `Recipients entry ${i + 1}`);
		});
		return emails;
	};
}
