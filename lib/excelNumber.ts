/**
 * A number of 16 or more digits as Excel shows it in General format: 15 significant digits in
 * scientific form (1.10105194912310e17 → "1.1010519491231E+17"). Excel keeps only 15 significant
 * digits, so an ID number that went through a spreadsheet (or JSON) as a number has lost its last
 * digits; written this way it can never pass for a plausible-looking but wrong ID number. One rule for
 * the XLSX reader, unusable-ID matching and item values given to the registry.
 */
export function excelScientificText(n: number): string {
	const [mantissa, exponent] = n.toPrecision(15).split('e');
	const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
	const e = Number(exponent ?? 0);
	return `${m}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
