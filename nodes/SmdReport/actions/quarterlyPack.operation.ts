import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { INDICATOR_CODES, INDICATOR_LABELS } from '../../../lib';
import { chosenIndicators, runQuarterlyReport } from '../helpers/quarterly';

const indicatorOptions = INDICATOR_CODES.map((c) => ({ name: `${INDICATOR_LABELS[c]} ${c}`, value: c }));

const properties: INodeProperties[] = [
	{
		displayName: 'Bar Chart Indicators',
		name: 'chartIndicators',
		type: 'multiOptions',
		options: indicatorOptions,
		default: [],
		description: 'Indicators drawn as a bar per township against the target. None chosen: the catch-up indicators of the SMD Indicators configuration.',
	},
];

const displayOptions = { show: { report: ['quarterlyPack'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** 季度联席会议材料: cover, county summary, ranking, charts, counts, catch-up areas, action list — HTML and PDF. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runQuarterlyReport(this, 'quarterlyPack', (i) => ({ chartIndicators: chosenIndicators(this, 'chartIndicators', i) }));
}
