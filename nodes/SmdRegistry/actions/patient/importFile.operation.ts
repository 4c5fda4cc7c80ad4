import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { importRegistryFile, type Registry } from '../../../../lib';
import { importFileProperties, importFiles } from '../../helpers/importFile';

const displayOptions = { show: { resource: ['patient'], operation: ['importFile'] } };

export const description = updateDisplayOptions(displayOptions, importFileProperties('importOptions', 'registry export'));

/** Each input item carries one registry export: upsert all its rows; one report item per file. */
export async function execute(this: IExecuteFunctions, registry: Registry): Promise<INodeExecutionData[][]> {
	return await importFiles(this, registry, { optionsName: 'importOptions', operation: 'patient.importFile', progress: 'SMD registry import', importFn: importRegistryFile });
}
