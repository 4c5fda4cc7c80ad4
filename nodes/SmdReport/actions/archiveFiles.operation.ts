import { NodeOperationError, updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { ArchiveError, archiveFiles } from '../../../lib';
import { runItems } from '../../shared/itemRunner';

const properties: INodeProperties[] = [
	{
		displayName: 'Folder',
		name: 'archiveFolder',
		type: 'string',
		required: true,
		default: '',
		placeholder: '/home/node/.n8n-files/smd/out',
		description: 'Absolute path of the archive; must lie inside N8N_RESTRICT_FILE_ACCESS_TO when that is set',
	},
	{
		displayName: 'Subfolder',
		name: 'archiveSubfolder',
		type: 'string',
		default: '={{ $json.quarter }}',
		description: 'Folder inside the archive for this run (created when missing), by default the quarter: &lt;folder&gt;/2026Q3/. Running again replaces its files.',
	},
];

const displayOptions = { show: { report: ['archiveFiles'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/**
 * Write every file of each input item (all its binary fields) into the archive folder, creating the
 * period's folder; the item goes on unchanged, with `archived` listing what was written — so the
 * next node (Send Email) still has every file.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runItems.call(this, { label: 'Item', keepInput: true }, async (item, i) => {
		const folder = String(this.getNodeParameter('archiveFolder', i, '')).trim();
		const subfolder = String(this.getNodeParameter('archiveSubfolder', i, '') ?? '').trim();
		const names = Object.keys(item.binary ?? {});
		if (names.length === 0) throw new NodeOperationError(this.getNode(), 'The item carries no file to archive', { itemIndex: i });
		const files = [];
		for (const name of names) files.push({ fileName: item.binary![name].fileName ?? name, data: await this.helpers.getBinaryDataBuffer(i, name) });
		let archived;
		try {
			archived = await archiveFiles(folder, subfolder, files);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i, description: error instanceof ArchiveError ? 'Check Folder' : undefined });
		}
		this.logger.info(`SMD Report: ${archived.length} files archived in ${subfolder || 'the archive folder'}`);
		return { json: { ...item.json, archived: archived as unknown as IDataObject[] }, binary: item.binary };
	});
}
