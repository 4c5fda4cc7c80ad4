/**
 * HTML → PDF through headless Chromium where it is installed (no browser is bundled: the package
 * stays small, and counties print with the Chromium their server already has). Chromium 131+ lays
 * out the `@page` margin boxes the reports use for "第 N 页 共 M 页".
 *
 * The HTML holds patient data, so it is written to a private temporary folder (mode 0700, file
 * 0600) with a fresh browser profile beside it, and the whole folder is removed afterwards, whether
 * the conversion worked or not. Chromium runs in its own process group, killed on timeout and after
 * it exits so no helper process is left writing into the folder.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SmdError } from './errors';

export const CHROMIUM_PATH_ENV = 'SMD_CHROMIUM_PATH';
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Why a PDF could not be made: `chromium_not_found`, `timeout` or `failed` (Chromium exited without a PDF). */
export class PdfError extends SmdError<'chromium_not_found' | 'timeout' | 'failed'> {}

export interface PdfOptions {
	/** The Chromium (or Chrome) executable; default env SMD_CHROMIUM_PATH, then the usual Linux paths. */
	chromiumPath?: string;
	/** Milliseconds before Chromium is killed (default 60,000). */
	timeoutMs?: number;
	/** Folder the private temporary folder is made in (default the system's, os.tmpdir()). */
	tmpDir?: string;
}

function executable(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/**
 * The Chromium executable to use, or null: the path given, else env SMD_CHROMIUM_PATH, else the
 * first of /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome that can run. A
 * path given (option or env) that cannot run is not replaced by a default: the setting is wrong.
 */
export function findChromium(options: Pick<PdfOptions, 'chromiumPath'> = {}): string | null {
	const configured = options.chromiumPath?.trim() || process.env[CHROMIUM_PATH_ENV]?.trim();
	if (configured) return executable(configured) ? configured : null;
	return CHROMIUM_CANDIDATES.find(executable) ?? null;
}

/** Whether a Chromium executable is there to convert with (see findChromium). */
export function chromiumAvailable(options: Pick<PdfOptions, 'chromiumPath'> = {}): boolean {
	return findChromium(options) !== null;
}

/** Pages of a PDF: its `/Type /Page` objects (not `/Pages`), which Chromium writes uncompressed. */
export function pdfPageCount(pdf: Buffer): number {
	return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

/** Render `html` (a self-contained document: inline CSS, no network) to an A4 PDF with Chromium. */
export async function htmlToPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
	const chromium = findChromium(options);
	if (!chromium) {
		throw new PdfError('chromium_not_found', `Chromium not found (set ${CHROMIUM_PATH_ENV} or install chromium)`);
	}
	const dir = mkdtempSync(path.join(options.tmpDir ?? tmpdir(), 'smd-pdf-'));
	try {
		const input = path.join(dir, 'in.html');
		const output = path.join(dir, 'out.pdf');
		writeFileSync(input, html, { encoding: 'utf8', mode: 0o600 });
		const args = [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--disable-extensions',
			'--no-pdf-header-footer',
			`--user-data-dir=${path.join(dir, 'profile')}`,
			`--print-to-pdf=${output}`,
			pathToFileURL(input).href,
		];
		await run(chromium, args, options.timeoutMs ?? 60_000);
		let pdf: Buffer;
		try {
			pdf = readFileSync(output);
		} catch {
			throw new PdfError('failed', 'Chromium exited without writing the PDF');
		}
		if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new PdfError('failed', 'Chromium wrote a file that is not a PDF');
		return pdf;
	} finally {
		rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
	}
}

/** Run Chromium in its own process group; resolve when it exits 0, kill the group on timeout. */
function run(file: string, args: string[], timeoutMs: number): Promise<void> {
	return new Promise((resolve, reject) => {
		// Chromium's log (stderr) is not passed on: it may name the page, and tells the user little.
		const child = spawn(file, args, { detached: true, stdio: 'ignore' });
		const killGroup = () => {
			try {
				if (child.pid) process.kill(-child.pid, 'SIGKILL');
			} catch {
				// The group is gone already.
			}
		};
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup();
		}, timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(new PdfError('failed', `Chromium could not be started (${(error as NodeJS.ErrnoException).code ?? error.message})`));
		});
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			// Helpers (zygote, crash handler) may outlive the browser process; they share its group.
			killGroup();
			if (timedOut) reject(new PdfError('timeout', `Chromium did not finish within ${timeoutMs} ms`));
			else if (code !== 0) reject(new PdfError('failed', `Chromium exited with ${code === null ? `signal ${signal}` : `code ${code}`}`));
			else resolve();
		});
	});
}
