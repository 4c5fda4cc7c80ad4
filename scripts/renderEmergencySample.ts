/**
 * A synthetic emergency, run through the registry as the workflow runs it (open from a report,
 * acknowledge, admission, the record filed) and its 应急处置记录单 rendered as the SMD Report node
 * renders it: the source of docs/screenshots/emergency-record.png. The patient is the referral
 * sample's 示例患者 (ID number in region 4399, assigned to no area).
 *
 *   npm run build && node dist/scripts/renderEmergencySample.js --out out/emergency-sample [--screenshot docs/screenshots/emergency-record.png]
 */
import path from 'node:path';
import { parseEmergencyReport } from '../lib/emergencies';
import { emergencyRecordFiles } from '../lib/emergencyForms';
import { nameKey } from '../lib/name';
import { acknowledgeStep, fileRecord, getEmergency, importRoster, openEmergency, recordDisposition } from '../lib/registry/emergencies';
import { referralPatient } from '../lib/registry/referrals';
import { patientHash, RegistryStore } from '../lib/registry/store';
import { readArgs } from './cliArgs';
import { SAMPLE_PATIENT, writeSample } from './renderReferralSample';

const T0 = '2026-11-27T06:03:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export function sampleEmergency(): unknown {
	const store = RegistryStore.open(':memory:');
	try {
		const p = { ...SAMPLE_PATIENT, nameKey: nameKey(SAMPLE_PATIENT.name), status: 'active' as const, riskLevel: 3, classification: 'unstable' as const, lastFollowUpDate: '2026-11-20', nextFollowUpDate: null, medication: 'intermittent' as const, extra: {} };
		store.transaction(() => store.upsertPatient(p, patientHash(p)));
		const shift = { phone: '13800000000', email: 'duty@example.invalid', robotUrl: null, robotFormat: 'wecom' as const, startsAt: '2026-11-27T00:00:00.000Z', endsAt: '2026-11-28T00:00:00.000Z' };
		importRoster(store, [
			{ township: '城关镇', role: 'township_staff', person: '示例专干', ...shift },
			{ township: '*', role: 'psychiatrist', person: '示例医师', ...shift },
			{ township: '城关镇', role: 'police', person: '示例民警', ...shift },
			{ township: '*', role: 'county_office', person: '精防办值班', ...shift },
		]);
		const report = parseEmergencyReport({
			channel: 'police_110',
			township: '城关镇',
			triggers: ['harm_to_others', 'relapse'],
			behaviours: ['persistent_smash_or_person'],
			publicSafety: true,
			occurredAt: '2026-11-27T13:50:00+08:00',
			place: '示例村1组家中',
			description: '家属报警：患者停药两周，持续打砸家具并推搡家属，不能劝止。',
			reporter: { role: '民警', name: '示例报警人' },
			patient: { patientNo: SAMPLE_PATIENT.patientNo },
		});
		const opened = openEmergency(store, report, 'sample-1', { now: T0, message: { ackBaseUrl: 'http://localhost:5678/webhook/smd-emergency-ack' } });
		const no = opened.event.eventNo;
		for (const [seq, minutes] of [[1, 6], [2, 4], [3, 8]] as const) {
			const token = new URL(opened.notifications.find((n) => n.stepSeq === seq)!.ackUrl!).searchParams.get('token')!;
			acknowledgeStep(store, { eventNo: no, seq, token }, { now: at(minutes) });
		}
		recordDisposition(store, { eventNo: no, disposition: 'admission', by: '示例医师', note: '经精神科医师电话指导，民警协助送县精神卫生中心住院' }, { now: at(75) });
		fileRecord(
			store,
			{
				eventNo: no,
				record: {
					measures: ['crisis_intervention', 'police_control', 'escort'],
					participants: ['township_staff', 'psychiatrist', 'police'],
					summary: '14:09 乡镇精防专干到场，安抚患者及家属；14:11 民警到场控制现场；精神科医师电话评估为危险性4级，建议住院；15:18 民警与家属护送至县精神卫生中心，办理住院。',
					medication: '入院后遵医嘱',
					doctor: '示例医师',
					doctorPhone: '0000-0000000',
				},
			},
			{ now: at(20 * 60) },
		);
		const full = getEmergency(store, no);
		return { event: full.event, details: full.details, patient: referralPatient(store.getByPatientNo(SAMPLE_PATIENT.patientNo)!) };
	} finally {
		store.close();
	}
}

async function main(): Promise<void> {
	const { values } = readArgs(process.argv.slice(2), { out: { type: 'string' }, screenshot: { type: 'string' } });
	const { files } = await emergencyRecordFiles(sampleEmergency(), { county: '示例县' });
	writeSample(files, path.resolve(values.out ?? 'out/emergency-sample'), values.screenshot);
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(error.message);
		process.exitCode = 1;
	});
}
