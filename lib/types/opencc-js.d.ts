// opencc-js ships its types for ESM resolution only; this declares the CommonJS entry used by lib/name.ts.
declare module 'opencc-js/t2cn' {
	export type ConverterFunction = (text: string) => string;
	export function Converter(options: { from: string; to: string }): ConverterFunction;
}
