/**
 * SVG charts for the quarterly reports, drawn from the indicator data as plain strings: three
 * chart kinds need a few dozen rectangles and lines each, which no chart library would make
 * simpler, and a string keeps the output deterministic (same data, same bytes) and free of any
 * script or external resource, so it can be inlined in the printed HTML and converted to PDF.
 *
 * Every text that reaches the SVG passes through `escapeXml` here (township names and quarter
 * labels are user data), and labels are cut to the room they have (`truncateLabel`). The charts
 * set presentation attributes only (no <style> element): an inline SVG's style sheet would apply
 * to the whole HTML page it sits in.
 */
import { INDICATOR_CODES, INDICATOR_LABELS, INDICATOR_UNITS, type Figure, type IndicatorCode } from './indicators';

export const CHART_FONT_FAMILY = "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','Microsoft YaHei','SimSun',sans-serif";

/** Colours: bars at or above target, below target (warning), and text. */
export const CHART_COLORS = { ok: '#3a6ea5', below: '#c62828', target: '#e08600', text: '#1b1b1b', muted: '#666666', grid: '#dddddd' } as const;

/** Risk levels 0–5 from calm to alarming, then 未随访 in grey. */
export const RISK_COLORS = ['#4c9a6a', '#9cc36b', '#f2c14e', '#ef8a3c', '#d9472b', '#8e1b1b', '#b0b0b0'] as const;
export const RISK_KEYS = ['0', '1', '2', '3', '4', '5', 'none'] as const;
export const RISK_LABELS = ['0级', '1级', '2级', '3级', '4级', '5级', '未随访'] as const;

// Characters XML 1.0 cannot hold (controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF):
// an SVG with one of them fails to parse when saved on its own.
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe inside an XML/HTML element or a quoted attribute. */
export function escapeXml(text: string): string {
	return String(text)
		.replace(XML_INVALID, '')
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

/** Width of a character in ems: CJK and full-width characters are square, the rest about half. */
function charWidth(ch: string): number {
	return /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\uD840-\uD8BF][\uDC00-\uDFFF]/.test(ch) ? 1 : 0.56;
}

/** Estimated width of a text in ems. */
export function textWidthEm(text: string): number {
	let w = 0;
	for (const ch of text) w += charWidth(ch);
	return w;
}

/**
 * A label cut to at most `maxEm` ems with "…" at the end when it does not fit; white space runs
 * become one space. Cuts between code points, never inside a surrogate pair.
 */
export function truncateLabel(text: string, maxEm: number): string {
	const clean = String(text).replace(XML_INVALID, '').replace(/\s+/g, ' ').trim();
	if (textWidthEm(clean) <= maxEm) return clean;
	let out = '';
	let w = 0;
	for (const ch of clean) {
		const cw = charWidth(ch);
		if (w + cw > maxEm - 1) break;
		out += ch;
		w += cw;
	}
	return out + '…';
}

/** A coordinate with one decimal: short output, and the same bytes for the same data. */
function n(x: number): string {
	return String(Math.round(x * 10) / 10);
}

/** '85.3%' for a fraction, '4.52‰' for the prevalence, '—' for no value. */
export function formatIndicatorValue(value: number | null | undefined, unit: '%' | '‰'): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	return unit === '‰' ? `${value.toFixed(2)}‰` : `${(value * 100).toFixed(1)}%`;
}

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): string {
	const a = Object.entries({ 'font-size': 11, fill: CHART_COLORS.text, ...attrs })
		.map(([k, v]) => ` ${k}="${typeof v === 'number' ? n(v) : escapeXml(v)}"`)
		.join('');
	return `<text x="${n(x)}" y="${n(y)}"${a}>${escapeXml(content)}</text>`;
}

function svgOpen(width: number, height: number, cls: string, label: string): string {
	return (
		`<svg xmlns="http://www.w3.org/2000/svg" class="chart ${cls}" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}"` +
		` role="img" aria-label="${escapeXml(truncateLabel(label, 80))}" font-family="${escapeXml(CHART_FONT_FAMILY)}">`
	);
}

/** A round maximum for a per-mille axis: 1, 2 or 5 times a power of ten, at least `v`. */
function niceCeil(v: number): number {
	if (!(v > 0)) return 1;
	const p = 10 ** Math.floor(Math.log10(v));
	for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
	return 10 * p;
}

// ---------------------------------------------------------------------------------------------
// (a) One indicator against its target, a bar per township

export interface IndicatorBar {
	label: string;
	value: number | null;
}

export interface IndicatorBarChartInput {
	title: string;
	unit: '%' | '‰';
	/** Fraction (‰ for the prevalence), as in the indicator configuration. */
	target: number;
	bars: IndicatorBar[];
	/** Sort bars by value, highest first (default true); false keeps the order given. */
	sort?: boolean;
	width?: number;
}

/** Layout of the bar chart, exported so a test can check positions against values. */
export const BAR_LAYOUT = { width: 680, labelWidth: 128, valueWidth: 64, top: 52, rowHeight: 20, barHeight: 13, fontSize: 11 } as const;

/**
 * Horizontal bars, one per township (`<rect class="bar">`; `bar below` in the warning colour when
 * under target, `bar missing` with zero width when there is no value), the value at the end of
 * each bar, a dashed target line (`<line class="target">`) and a 0–100% axis (0 to a round
 * maximum for ‰).
 */
export function indicatorBarChart(input: IndicatorBarChartInput): string {
	const L = BAR_LAYOUT;
	const width = input.width ?? L.width;
	const plotLeft = L.labelWidth + 8;
	const plotWidth = width - plotLeft - L.valueWidth;
	const values = input.bars.map((b) => b.value).filter((v): v is number => v !== null && Number.isFinite(v));
	const max = input.unit === '%' ? 1 : niceCeil(Math.max(input.target, ...values, 0) * 1.1);
	const x = (v: number) => plotLeft + (Math.min(Math.max(v, 0), max) / max) * plotWidth;
	const order = input.bars.map((b, i) => ({ ...b, i }));
	if (input.sort !== false) {
		order.sort((a, b) => (a.value === null ? (b.value === null ? a.i - b.i : 1) : b.value === null ? -1 : b.value - a.value || a.i - b.i));
	}
	const height = L.top + Math.max(order.length, 1) * L.rowHeight + 30;
	const bottom = L.top + Math.max(order.length, 1) * L.rowHeight;
	const parts: string[] = [svgOpen(width, height, 'indicator-bars', input.title)];
	parts.push(text(0, 16, truncateLabel(input.title, (width - 10) / 13), { 'font-size': 13, 'font-weight': 'bold' }));
	// Legend: what the colours and the dashed line mean.
	const ly = 34;
	parts.push(`<rect x="0" y="${ly - 9}" width="12" height="10" fill="${CHART_COLORS.ok}"/>`, text(16, ly, '达标', { 'font-size': 10 }));
	parts.push(`<rect x="52" y="${ly - 9}" width="12" height="10" fill="${CHART_COLORS.below}"/>`, text(68, ly, '未达标', { 'font-size': 10 }));
	parts.push(`<line x1="116" y1="${ly - 4}" x2="136" y2="${ly - 4}" stroke="${CHART_COLORS.target}" stroke-width="2" stroke-dasharray="4 3"/>`);
	parts.push(text(140, ly, `目标 ${formatIndicatorValue(input.target, input.unit)}`, { 'font-size': 10 }));
	// Grid and axis.
	for (let k = 0; k <= 5; k++) {
		const v = (max * k) / 5;
		const gx = x(v);
		parts.push(`<line x1="${n(gx)}" y1="${L.top - 4}" x2="${n(gx)}" y2="${n(bottom)}" stroke="${CHART_COLORS.grid}" stroke-width="1"/>`);
		const tick = input.unit === '%' ? `${Math.round(v * 100)}%` : `${Number(v.toFixed(2))}‰`;
		parts.push(text(gx, bottom + 14, tick, { 'font-size': 9, fill: CHART_COLORS.muted, 'text-anchor': 'middle' }));
	}
	order.forEach((b, row) => {
		const y = L.top + row * L.rowHeight;
		const cy = y + L.barHeight / 2 + 4;
		parts.push(text(L.labelWidth, cy, truncateLabel(b.label, L.labelWidth / L.fontSize), { 'text-anchor': 'end' }));
		if (b.value === null || !Number.isFinite(b.value)) {
			parts.push(`<rect class="bar missing" x="${n(plotLeft)}" y="${n(y)}" width="0" height="${L.barHeight}" fill="${CHART_COLORS.grid}"/>`);
			parts.push(text(plotLeft + 4, cy, '—', { fill: CHART_COLORS.muted }));
			return;
		}
		const below = b.value < input.target - 1e-12;
		const w = x(b.value) - plotLeft;
		parts.push(
			`<rect class="bar${below ? ' below' : ''}" x="${n(plotLeft)}" y="${n(y)}" width="${n(w)}" height="${L.barHeight}" fill="${below ? CHART_COLORS.below : CHART_COLORS.ok}"/>`,
		);
		parts.push(text(plotLeft + w + 4, cy, formatIndicatorValue(b.value, input.unit), { 'font-size': 10, fill: below ? CHART_COLORS.below : CHART_COLORS.text }));
	});
	const tx = x(input.target);
	parts.push(
		`<line class="target" x1="${n(tx)}" y1="${L.top - 8}" x2="${n(tx)}" y2="${n(bottom + 2)}" stroke="${CHART_COLORS.target}" stroke-width="2" stroke-dasharray="4 3"/>`,
	);
	parts.push('</svg>');
	return parts.join('');
}

/** Chart (a) for one indicator of the areas given (a bar per area, the county's figure in the title). */
export function indicatorChartFor(
	areas: Array<{ township: string; indicators: Record<IndicatorCode, Figure> }>,
	county: { indicators: Record<IndicatorCode, Figure> },
	code: IndicatorCode,
	target: number,
): string {
	const unit = INDICATOR_UNITS[code];
	return indicatorBarChart({
		title: `${INDICATOR_LABELS[code]}（全县 ${formatIndicatorValue(county.indicators[code].value, unit)}，目标 ${formatIndicatorValue(target, unit)}）`,
		unit,
		target,
		bars: areas.map((a) => ({ label: a.township, value: a.indicators[code].value })),
	});
}

// ---------------------------------------------------------------------------------------------
// (b) Risk-level distribution

export interface RiskRow {
	label: string;
	counts: Record<(typeof RISK_KEYS)[number], number>;
	/** Drawn in bold above the others (the county). */
	total?: boolean;
}

/**
 * One bar per row (the county first when given with `total`), split by the risk level of each
 * patient's last follow-up (0–5, 未随访), as shares of the row's patients so townships of different
 * size compare; each segment wide enough shows its count, the row's total is at the end.
 */
export function riskDistributionChart(rows: RiskRow[], options: { title?: string; width?: number } = {}): string {
	const width = options.width ?? 680;
	const labelWidth = 128;
	const plotLeft = labelWidth + 8;
	const plotWidth = width - plotLeft - 60;
	const top = 52;
	const rowHeight = 20;
	const barHeight = 14;
	const ordered = [...rows.filter((r) => r.total), ...rows.filter((r) => !r.total)];
	const height = top + Math.max(ordered.length, 1) * rowHeight + 26;
	const title = options.title ?? '危险性评估级别分布（末次随访）';
	const parts: string[] = [svgOpen(width, height, 'risk-distribution', title)];
	parts.push(text(0, 16, truncateLabel(title, (width - 10) / 13), { 'font-size': 13, 'font-weight': 'bold' }));
	RISK_LABELS.forEach((label, k) => {
		const lx = k * 64;
		parts.push(`<rect x="${lx}" y="25" width="12" height="10" fill="${RISK_COLORS[k]}"/>`, text(lx + 16, 34, label, { 'font-size': 10 }));
	});
	ordered.forEach((r, row) => {
		const y = top + row * rowHeight;
		const cy = y + barHeight / 2 + 4;
		parts.push(text(labelWidth, cy, truncateLabel(r.label, labelWidth / 11), { 'text-anchor': 'end', ...(r.total ? { 'font-weight': 'bold' } : {}) }));
		const total = RISK_KEYS.reduce((s, k) => s + (r.counts[k] ?? 0), 0);
		parts.push(`<g class="risk-row">`);
		if (total === 0) {
			parts.push(`<rect x="${plotLeft}" y="${n(y)}" width="${n(plotWidth)}" height="${barHeight}" fill="none" stroke="${CHART_COLORS.grid}"/>`);
		}
		let offset = 0;
		RISK_KEYS.forEach((k, i) => {
			const count = r.counts[k] ?? 0;
			if (count === 0) return;
			const w = (count / total) * plotWidth;
			parts.push(`<rect class="segment level-${k}" x="${n(plotLeft + offset)}" y="${n(y)}" width="${n(w)}" height="${barHeight}" fill="${RISK_COLORS[i]}"/>`);
			if (w >= 8 * String(count).length + 4) {
				const light = i >= 4 && i <= 5;
				parts.push(text(plotLeft + offset + w / 2, cy, String(count), { 'font-size': 9, 'text-anchor': 'middle', fill: light ? '#ffffff' : CHART_COLORS.text }));
			}
			offset += w;
		});
		parts.push('</g>');
		parts.push(text(plotLeft + plotWidth + 6, cy, `${total} 人`, { 'font-size': 10, fill: CHART_COLORS.muted }));
	});
	parts.push('</svg>');
	return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// (c) Quarter-on-quarter trend

export interface TrendPoint {
	quarter: string;
	values: Partial<Record<IndicatorCode, number | null>>;
}

/** The rates drawn by default: the follow-up management ones and stability (prevalence has another unit). */
export const DEFAULT_TREND_CODES: IndicatorCode[] = [
	'managementRate',
	'standardManagementRate',
	'faceToFaceRate',
	'medicationRate',
	'regularMedicationRate',
	'stableRate',
];

const SERIES_COLORS = ['#3a6ea5', '#c62828', '#2e7d32', '#e08600', '#6a3d9a', '#00838f', '#8d6e63', '#ad1457', '#546e7a'];
const SERIES_DASHES = ['', '6 3', '2 2', '8 3 2 3', '', '6 3', '2 2', '8 3 2 3', ''];

/**
 * One line per indicator over the quarters given (oldest first), 0–100% on the y axis, each line in
 * its own colour and dash so it reads in black and white too; the legend on the right gives each
 * indicator's latest value. Per-mille indicators are left out (another scale).
 */
export function trendChart(points: TrendPoint[], options: { codes?: IndicatorCode[]; title?: string; width?: number } = {}): string {
	const width = options.width ?? 680;
	const codes = (options.codes ?? DEFAULT_TREND_CODES).filter((c) => INDICATOR_CODES.includes(c) && INDICATOR_UNITS[c] === '%');
	const legendWidth = 190;
	const left = 44;
	const right = width - legendWidth - 10;
	const top = 30;
	const bottom = 250;
	const height = bottom + 30;
	const title = options.title ?? '全县主要指标季度变化';
	const parts: string[] = [svgOpen(width, height, 'trend', title)];
	parts.push(text(0, 16, truncateLabel(title, (width - 10) / 13), { 'font-size': 13, 'font-weight': 'bold' }));
	const y = (v: number) => bottom - Math.min(Math.max(v, 0), 1) * (bottom - top);
	const x = (i: number) => (points.length <= 1 ? (left + right) / 2 : left + 20 + (i * (right - left - 40)) / (points.length - 1));
	for (let k = 0; k <= 5; k++) {
		const gy = y(k / 5);
		parts.push(`<line x1="${left}" y1="${n(gy)}" x2="${n(right)}" y2="${n(gy)}" stroke="${CHART_COLORS.grid}" stroke-width="1"/>`);
		parts.push(text(left - 4, gy + 3, `${k * 20}%`, { 'font-size': 9, fill: CHART_COLORS.muted, 'text-anchor': 'end' }));
	}
	points.forEach((p, i) => parts.push(text(x(i), bottom + 16, truncateLabel(p.quarter, 8), { 'font-size': 10, 'text-anchor': 'middle' })));
	codes.forEach((code, s) => {
		const color = SERIES_COLORS[s % SERIES_COLORS.length];
		const dash = SERIES_DASHES[s % SERIES_DASHES.length];
		const pts = points.map((p, i) => ({ i, v: p.values[code] })).filter((p): p is { i: number; v: number } => typeof p.v === 'number' && Number.isFinite(p.v));
		parts.push(`<g class="series" data-indicator="${code}">`);
		if (pts.length > 1) {
			parts.push(
				`<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map((p) => `${n(x(p.i))},${n(y(p.v))}`).join(' ')}"/>`,
			);
		}
		for (const p of pts) parts.push(`<circle cx="${n(x(p.i))}" cy="${n(y(p.v))}" r="3" fill="${color}"/>`);
		parts.push('</g>');
		const ly = top + 6 + s * 20;
		const lx = right + 16;
		parts.push(`<line x1="${n(lx)}" y1="${n(ly - 4)}" x2="${n(lx + 22)}" y2="${n(ly - 4)}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
		const last = points.length ? points[points.length - 1].values[code] : null;
		parts.push(text(lx + 28, ly, `${INDICATOR_LABELS[code]} ${formatIndicatorValue(last ?? null, '%')}`, { 'font-size': 10 }));
	});
	if (points.length <= 1) {
		parts.push(text((left + right) / 2, top + 14, '仅有本季度数据', { 'font-size': 10, fill: CHART_COLORS.muted, 'text-anchor': 'middle' }));
	}
	parts.push('</svg>');
	return parts.join('');
}
