import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { importFollowUpFile, type Registry } from '../../../../lib';
import { embeddedStore } from '../../helpers/registry';
import { importFileProperties, importFiles } from '../../helpers/importFile';

const displayOptions = { show: { resource: ['followUp'], operation: ['importFile'] } };

export const description = updateDisplayOptions(displayOptions, importFileProperties('followUpImportOptions', 'follow-up export'));

/** Each input item carries one follow-up export (one row per follow-up); one report item per file. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	return await importFiles(this, embeddedStore(this, registry, 'Follow-Up → Import File'), { optionsName: 'followUpImportOptions', operation: 'followUp.importFile', progress: 'SMD follow-up import', importFn: importFollowUpFile });
}
