/**
 * SMD Registry → Follow-Up → Import File and the SMD Indicators node, executed by n8n-core
 * (WorkflowExecute) against a real registry file: the hand-worked county of test/fixtures/quarterly.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { importRegistryFile } from '../../lib/registry/import';
import { RegistryStore } from '../../lib/registry/store';
import { SmdIndicators } from '../../nodes/SmdIndicators/SmdIndicators.node';
import { SmdRegistry } from '../../nodes/SmdRegistry/SmdRegistry.node';
import { runNode } from '../../scripts/n8nEngine';
import { csv, FOLLOW_UP_HEADER, followUps, REGISTRY_HEADER, registry } from '../fixtures/quarterly';

let dir: string;
let registryFile: string;
beforeEach(async () => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'smd-ind-node-'));
	registryFile = path.join(dir, 'registry.sqlite');
	const store = RegistryStore.open(registryFile);
	await importRegistryFile(store, csv(REGISTRY_HEADER, registry), { today: '2026-11-20' });
	store.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (data: Buffer, fileName: string): INodeExecutionData => ({
	json: { fileName },
	binary: { data: { data: data.toString('base64'), mimeType: 'text/csv', fileName } },
});

const importFollowUps = (items: INodeExecutionData[], continueOnFail = false) =>
	runNode({
		nodeType: new SmdRegistry(),
		typeName: 'n8n-nodes-smd.smdRegistry',
		parameters: { registryFile, resource: 'followUp', operation: 'importFile', binaryPropertyName: 'data' },
		inputData: items,
		continueOnFail,
	});

const compute = (parameters: INodeParameters, inputData?: INodeExecutionData[]) =>
	runNode({
		nodeType: new SmdIndicators(),
		typeName: 'n8n-nodes-smd.smdIndicators',
		parameters: { registryFile, ...parameters },
		inputData,
		timezone: 'Asia/Shanghai',
	});

function auditOps(): string[] {
	const store = RegistryStore.open(registryFile);
	try {
		return store.auditTrail(20).map((a) => a.operation);
	} finally {
		store.close();
	}
}

describe('SMD Registry: Follow-Up → Import File', () => {
	test('one report item per file; a file missing a column fails that item only under continueOnFail; audited', async () => {
		const { outputs, error } = await importFollowUps(
			[file(csv(FOLLOW_UP_HEADER, followUps), '随访.csv'), file(Buffer.from('随访日期\r\n2026-01-01\r\n'), 'bad.csv')],
			true,
		);
		expect(error).toBeUndefined();
		const [good, bad] = outputs[0].map((i) => i.json as IDataObject);
		expect(good).toMatchObject({ rows: 15, inserted: 14, superseded: 1, rejected: 0, errorCount: 0, warningCount: 1, fileName: '随访.csv' });
		expect(bad.error).toBe('Item 2: the follow-up file has no 患者编号 (patientNo) column');
		expect(auditOps()).toContain('followUp.importFile');
	});
});

describe('SMD Indicators: Compute', () => {
	beforeEach(async () => {
		const { error } = await importFollowUps([file(csv(FOLLOW_UP_HEADER, followUps), '随访.csv')]);
		expect(error).toBeUndefined();
	});

	test('a quarter with the population from a file: one item with areas, county, action list and history', async () => {
		const population = file(Buffer.from('乡镇,常住人口\r\n甲镇,"2,000"\r\n乙乡,1000\r\n丙村,500\r\n'), '人口.csv');
		const { outputs, error } = await compute({ period: 'quarter', quarter: '2026Q3', populationSource: 'binary', options: { trendQuarters: 2 } }, [population]);
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(1);
		const r = outputs[0][0].json as IDataObject & { areas: Array<IDataObject & { indicators: Record<string, IDataObject> }>; history: IDataObject[]; actionList: IDataObject[] };
		expect(r).toMatchObject({ quarter: '2026Q3', from: '2026-01-01', asOf: '2026-09-30' });
		expect(r.areas.map((a) => [a.township, a.population, a.rank])).toEqual([
			['丙村', 500, 3],
			['甲镇', 2000, 1],
			['乙乡', 1000, 2],
		]);
		expect(r.areas[1].indicators.managementRate).toEqual({ numerator: 4, denominator: 5, value: 0.8 });
		expect(r.history.map((h) => h.quarter)).toEqual(['2026Q1', '2026Q2']);
		expect(r.actionList.map((a) => a.patientNo)).toEqual(expect.arrayContaining(['A6', 'B3']));
		expect(auditOps()[0]).toBe('indicators.compute');
	});

	test('targets and weights from the parameters; a bad target names the field', async () => {
		const ok = await compute({
			period: 'quarter',
			quarter: '2026Q3',
			populationSource: 'table',
			populationTable: { rows: [{ township: '甲镇', population: 2000 }] },
			targets: { values: [{ indicator: 'managementRate', value: 0.95 }] },
			weights: { values: [{ indicator: 'reportedPrevalence', value: 0 }] },
		});
		const r = ok.outputs[0][0].json as IDataObject & { config: { targets: IDataObject; weights: IDataObject } };
		expect(r.config.targets.managementRate).toBe(0.95);
		expect(r.config.weights.reportedPrevalence).toBe(0);
		const bad = await compute({ period: 'quarter', quarter: '2026Q3', populationSource: 'none', targets: { values: [{ indicator: 'stableRate', value: 80 }] } });
		expect(bad.error?.message).toBe('config.targets.stableRate must be 0–1 (a fraction: 0.8 for 80%)');
	});

	test('last completed quarter from the run day; only on the first working day of the quarter', async () => {
		const last = await compute({ period: 'lastQuarter', runDay: '2026-10-08', populationSource: 'none', options: { actionList: false, trendQuarters: 0 } });
		expect(last.outputs[0][0].json).toMatchObject({ quarter: '2026Q3', actionList: [] });
		// 1–7 October are holidays; 8 October 2026 is a Thursday, the first working day of Q4.
		const notYet = await compute({ period: 'lastQuarter', runDay: '2026-10-07', populationSource: 'none', options: { onlyOnFirstWorkingDay: true } });
		expect(notYet.outputs[0]).toEqual([]);
		const due = await compute({ period: 'lastQuarter', runDay: '2026-10-08', populationSource: 'none', options: { onlyOnFirstWorkingDay: true } });
		expect(due.outputs[0]).toHaveLength(1);
		// A make-up working day on a weekend counts.
		const makeUp = await compute({ period: 'lastQuarter', runDay: '2027-01-02', populationSource: 'none', options: { onlyOnFirstWorkingDay: true, workdays: '2027-01-02' } });
		expect(makeUp.outputs[0]).toHaveLength(1);
	});

	test('a bad population file names its row and field', async () => {
		const population = file(Buffer.from('乡镇,常住人口\r\n甲镇,两千\r\n'), '人口.csv');
		const { error } = await compute({ period: 'quarter', quarter: '2026Q3', populationSource: 'binary' }, [population]);
		expect(error?.message).toBe('population table row 1 (line 2): 常住人口 must be a number');
	});
});
