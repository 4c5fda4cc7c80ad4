import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { importFollowUpFile, type RegistryStore } from '../../../../lib';
import { importFileProperties, importFiles } from '../../helpers/importFile';

const displayOptions = { show: { resource: ['followUp'], operation: ['importFile'] } };

export const description = updateDisplayOptions(displayOptions, importFileProperties('followUpImportOptions', 'follow-up export'));

/** Each input item carries one follow-up export (one row per follow-up); one report item per file. */
export async function execute(this: IExecuteFunctions, store: RegistryStore): Promise<INodeExecutionData[][]> {
	return await importFiles(this, store, { optionsName: 'followUpImportOptions', operation: 'followUp.importFile', progress: 'SMD follow-up import', importFn: importFollowUpFile });
}
