import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import {
	firstWorkingDayOfQuarter,
	indicatorsJson,
	indicatorPeriod,
	lastCompletedQuarter,
	parseDayList,
	populationFromPairs,
	readPopulationTable,
	registryActionList,
	registryIndicatorHistory,
	registryIndicators,
	SmdError,
	type IndicatorCode,
	type IndicatorConfigInput,
	type IndicatorPeriod,
} from '../../lib';
import { isEmptyPlaceholder } from '../shared/items';
import { auditContext, withRegistry } from '../SmdRegistry/helpers/registry';
import { properties } from './description';

interface Options {
	actionList?: boolean;
	maxActionsPerTownship?: number;
	caseManagementTarget?: number;
	catchUpIndicators?: IndicatorCode[];
	holidays?: string;
	workdays?: string;
	onlyOnFirstWorkingDay?: boolean;
	responsibles?: { rows?: Array<{ township: string; person: string }> };
	topBottom?: number;
	trendQuarters?: number;
}

type Pairs = { values?: Array<{ indicator: IndicatorCode; value: number }> };

export class SmdIndicators implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Indicators',
		name: 'smdIndicators',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{"Compute: " + ($parameter["period"] === "quarter" ? $parameter["quarter"] : $parameter["period"])}}',
		description: 'The quarterly indicators of severe mental disorder management per township and county: ten figures, score, rank, trend and the meeting’s action list',
		defaults: { name: 'SMD Indicators' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties,
	};

	/** One output item: the indicators (IndicatorResult) with the action list and the trend history. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const input = this.getInputData();
		const options = this.getNodeParameter('options', 0, {}) as Options;
		const fail = (error: unknown): never => {
			if (error instanceof SmdError) throw new NodeOperationError(this.getNode(), error.message, { description: error.field ? `Check ${error.field}` : undefined });
			throw error;
		};
		const runDay = String(this.getNodeParameter('runDay', 0, '') ?? '').trim();
		let period: IndicatorPeriod;
		let config: IndicatorConfigInput;
		try {
			const mode = this.getNodeParameter('period', 0) as 'lastQuarter' | 'quarter' | 'asOf';
			if (options.onlyOnFirstWorkingDay) {
				const calendar = { holidays: parseDayList(options.holidays, 'Holidays'), workdays: parseDayList(options.workdays, 'Make-Up Working Days') };
				const first = firstWorkingDayOfQuarter(runDay, calendar);
				if (first !== runDay) {
					this.logger.info(`SMD Indicators: ${runDay} is not the first working day of its quarter (${first}); nothing to do`);
					return [[]];
				}
			}
			period =
				mode === 'lastQuarter'
					? indicatorPeriod({ quarter: lastCompletedQuarter(runDay) })
					: mode === 'quarter'
						? indicatorPeriod({ quarter: String(this.getNodeParameter('quarter', 0, '')).trim() })
						: indicatorPeriod({ asOf: String(this.getNodeParameter('asOf', 0, '')).trim() });
			const pairs = (p: Pairs) => Object.fromEntries((p.values ?? []).map((v) => [v.indicator, v.value]));
			config = {
				targets: pairs(this.getNodeParameter('targets', 0, {}) as Pairs),
				weights: pairs(this.getNodeParameter('weights', 0, {}) as Pairs),
				...(options.caseManagementTarget !== undefined ? { caseManagementTarget: options.caseManagementTarget } : {}),
				...(options.catchUpIndicators ? { catchUpIndicators: options.catchUpIndicators } : {}),
				...(options.topBottom !== undefined ? { topBottom: options.topBottom } : {}),
			};
		} catch (error) {
			return fail(error);
		}
		const population = await populationOf(this, input, fail);

		return await withRegistry(this, async (store) => {
			const started = Date.now();
			const result = (() => {
				try {
					return registryIndicators(store, { period, population, config });
				} catch (error) {
					return fail(error);
				}
			})();
			const history = options.trendQuarters ? registryIndicatorHistory(store, period, options.trendQuarters, { population, config }) : [];
			const responsibles = Object.fromEntries((options.responsibles?.rows ?? []).map((r) => [r.township.trim(), r.person]));
			const actions = options.actionList === false ? null : registryActionList(store, period.asOf, { responsibles, maxPerTownship: options.maxActionsPerTownship });
			store.audit({
				...auditContext(this),
				operation: 'indicators.compute',
				// The figures name no one; the action list does, so its patients are recorded.
				patientRowIds: actions?.patientRowIds ?? [],
				detail: { quarter: result.quarter, asOf: result.asOf, patientsRead: result.patientsRead, actionsListed: actions?.items.length ?? 0 },
			});
			this.logger.info(`SMD Indicators: ${result.quarter} for ${result.areas.length} areas from ${result.patientsRead} patients in ${Date.now() - started} ms`);
			const json = {
				...result,
				history,
				actionList: actions?.items ?? [],
				actionSummary: actions?.summary ?? [],
			} as unknown as IDataObject;
			// The figures as a file for the archive and the mail: no name or ID number in it.
			const figures = Buffer.from(JSON.stringify(indicatorsJson(result), null, '\t') + '\n', 'utf8');
			const binary = { indicators_json: await this.helpers.prepareBinaryData(figures, 'indicators.json', 'application/json') };
			return [[{ json, binary, pairedItem: input.map((_, item) => ({ item })) }]];
		});
	}
}

/** The population table from the chosen source; undefined for none. */
async function populationOf(ctx: IExecuteFunctions, input: INodeExecutionData[], fail: (e: unknown) => never): Promise<Map<string, number> | undefined> {
	const source = ctx.getNodeParameter('populationSource', 0) as 'binary' | 'table' | 'none';
	try {
		if (source === 'none') return undefined;
		if (source === 'table') {
			const rows = (ctx.getNodeParameter('populationTable', 0, {}) as { rows?: Array<{ township: string; population: number }> }).rows ?? [];
			return populationFromPairs(rows);
		}
		if (input.length === 0 || isEmptyPlaceholder(input)) {
			throw new NodeOperationError(ctx.getNode(), 'No input item carries the population file', { description: 'Read the 乡镇, 常住人口 file before this node, or choose another Population Source' });
		}
		const prop = ctx.getNodeParameter('binaryPropertyName', 0) as string;
		const binary = ctx.helpers.assertBinaryData(0, prop);
		return await readPopulationTable(await ctx.helpers.getBinaryDataBuffer(0, prop), { fileName: binary.fileName });
	} catch (error) {
		return fail(error);
	}
}
