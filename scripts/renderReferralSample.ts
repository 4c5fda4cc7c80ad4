/**
 * A synthetic upward referral and its 双向转诊单 (never a real person: the name is 示例患者 and the ID
 * number lies in region 4399, assigned to no area), rendered as the SMD Report node renders it: the
 * source of docs/screenshots/referral-form.png.
 *
 *   npm run build && node dist/scripts/renderReferralSample.js --out out/referral-sample [--screenshot docs/screenshots/referral-form.png]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { idCheckChar } from '../lib/idNumber';
import { referralFormFiles } from '../lib/referralForms';
import type { Referral, ReferralPatient } from '../lib/referrals';
import { readArgs } from './cliArgs';

const body = '43990119850312004';
export const SAMPLE_PATIENT: ReferralPatient = {
	patientNo: 'DEMO-000002',
	name: '示例患者',
	sex: 'male',
	birthDate: '1985-03-12',
	idNumber: body + idCheckChar(body),
	address: '示例县城关镇示例村1组1号',
	township: '城关镇',
	diagnosis: 'schizophrenia',
	guardian: '示例监护人',
	guardianPhone: '13800000000',
};

export const SAMPLE_REFERRAL: Referral = {
	referralNo: 'ZZ20261127-0001',
	patientNo: 'DEMO-000002',
	direction: 'up',
	fromInstitution: '城关镇卫生院',
	toInstitution: '县精神卫生中心',
	reasons: ['violence_self_harm', 'relapse'],
	urgency: 'urgent',
	consentBy: 'guardian',
	consentAt: '2026-11-27T02:30:00.000Z',
	followUpDate: '2026-11-27',
	emergencyRef: null,
	status: 'created',
	createdAt: '2026-11-27T03:00:00.000Z',
	createdOn: '2026-11-27',
	sentAt: null,
	acceptedAt: null,
	completedAt: null,
	rejectedAt: null,
	cancelledAt: null,
	statusNote: null,
	dischargeDate: null,
	dischargeInfoDue: null,
	dischargeInfoSentAt: null,
	communityVisitDue: null,
	communityVisitDate: null,
	responseDue: null,
	clinical: {
		impression: '精神分裂症，病情不稳定',
		presentIllness: '近两周自行停药，夜间吵闹，在家打砸家具，不能劝止（危险性3级）。',
		pastHistory: '2015年起病，曾住院两次。',
		treatment: '家庭访视，联系监护人看护，报告派出所。',
		doctor: '示例医生',
		doctorPhone: '0000-0000000',
	},
	agreementWarning: null,
	agreementNo: 'XY-2026-01',
};

/** Write a sample's files into `out`; with `screenshot`, the PDF's first page as a PNG there too (pdftoppm). */
export function writeSample(files: Array<{ fileName: string; data: Uint8Array }>, out: string, screenshot?: string): void {
	mkdirSync(out, { recursive: true });
	for (const f of files) writeFileSync(path.join(out, f.fileName), f.data);
	const pdf = files.find((f) => f.fileName.endsWith('.pdf'));
	if (screenshot && pdf) {
		const stem = path.join(out, 'page');
		execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', path.join(out, pdf.fileName), stem]);
		mkdirSync(path.dirname(path.resolve(screenshot)), { recursive: true });
		writeFileSync(path.resolve(screenshot), readFileSync(`${stem}.png`));
	}
	process.stdout.write(`${files.map((f) => f.fileName).join(', ')} in ${out}\n`);
}

async function main(): Promise<void> {
	const { values } = readArgs(process.argv.slice(2), { out: { type: 'string' }, screenshot: { type: 'string' } });
	const { files } = await referralFormFiles('referralForm', SAMPLE_REFERRAL, SAMPLE_PATIENT, { county: '示例县' });
	writeSample(files, path.resolve(values.out ?? 'out/referral-sample'), values.screenshot);
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(error.message);
		process.exitCode = 1;
	});
}
