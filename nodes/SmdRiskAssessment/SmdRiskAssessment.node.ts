import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import {
	assessRisk,
	assessmentColumns,
	observationFromRecord,
	resolveRiskPolicy,
	type Assessment,
	type Classification,
	type ObservationField,
	type RiskPolicy,
} from '../../lib';
import { runItems } from '../shared/itemRunner';
import { riskAssessmentProperties } from './description';

/** Output order in "one output per classification" mode: the urgent one first. */
const OUTPUT_ORDER: Classification[] = ['unstable', 'basically_stable', 'stable'];

interface Options {
	resultFormat?: 'json' | 'columns';
	outputField?: string;
	includeReasons?: boolean;
	jointFollowUpMinLevel?: number;
	caseManagementForUnstable?: boolean;
	unstableDays?: number;
	basicallyStableDays?: number;
	stableMonths?: number;
}

function policyFrom(o: Options): Partial<RiskPolicy> {
	const policy: Partial<RiskPolicy> = {};
	if (o.jointFollowUpMinLevel !== undefined) policy.jointFollowUpMinLevel = o.jointFollowUpMinLevel || null;
	if (o.caseManagementForUnstable !== undefined) policy.caseManagementForUnstable = o.caseManagementForUnstable;
	policy.intervals = {
		unstable: { days: o.unstableDays ?? 14 },
		basically_stable: { days: o.basicallyStableDays ?? 14 },
		stable: { months: o.stableMonths ?? 3 },
	};
	return policy;
}

function merge(json: IDataObject, assessment: Assessment, o: Options): IDataObject {
	if (o.resultFormat === 'columns') return { ...json, ...assessmentColumns(assessment, o) };
	const result: IDataObject = { ...assessment };
	if (o.includeReasons === false) delete result.reasons;
	const field = o.outputField ?? 'assessment';
	return field === '' ? { ...json, ...result } : { ...json, [field]: result };
}

export class SmdRiskAssessment implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMD Risk Assessment',
		name: 'smdRiskAssessment',
		icon: { light: 'file:smd.svg', dark: 'file:smd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{$parameter["outputMode"] === "perClassification" ? "Route by classification 按病情分类分流" : "Assess 危险性评估"}}',
		description:
			'Risk assessment 危险性评估 and condition classification 病情分类 of follow-up records of patients with severe mental disorders',
		defaults: { name: 'SMD Risk Assessment' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter.outputMode === "perClassification" ? [{ "type": "main", "displayName": "Unstable 不稳定" }, { "type": "main", "displayName": "Basically Stable 基本稳定" }, { "type": "main", "displayName": "Stable 稳定" }] : ["main"] }}`,
		properties: riskAssessmentProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const perClassification = this.getNodeParameter('outputMode', 0) === 'perClassification';
		return await runItems.call(this, { label: 'Row', outputs: perClassification ? OUTPUT_ORDER.length : 1 }, (item, i) => {
			const fieldNames = this.getNodeParameter('fieldNames', i, {}) as Partial<Record<ObservationField, string>>;
			const options = this.getNodeParameter('options', i, {}) as Options;
			const policy = resolveRiskPolicy(policyFrom(options));
			const observation = observationFromRecord(item.json, stripEmpty(fieldNames));
			const assessment = assessRisk(observation, policy);
			return { json: merge(item.json, assessment, options), output: perClassification ? OUTPUT_ORDER.indexOf(assessment.classification) : 0 };
		});
	}
}

function stripEmpty(names: Partial<Record<ObservationField, string>>): Partial<Record<ObservationField, string>> {
	const out: Partial<Record<ObservationField, string>> = {};
	for (const [k, v] of Object.entries(names)) if (typeof v === 'string' && v.trim() !== '') out[k as ObservationField] = v.trim();
	return out;
}
