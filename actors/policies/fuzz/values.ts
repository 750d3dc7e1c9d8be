// Fuzz inputs as canonical value trees: building them, rendering them as the Python dict literal
// the sandbox reads (with ast.literal_eval), and measuring their size for shrinking.
import type { DivergingInput, PyValue } from '../../../game/types';

/** One input: keyword arguments in parameter order. */
export type FuzzInput = Array<[string, PyValue]>;

export const none: PyValue = { t: 'none' };
export const int = (v: bigint | number): PyValue => ({ t: 'int', v: BigInt(v).toString() });
export const float = (v: number): PyValue => ({ t: 'float', v: Number.isNaN(v) ? 0 : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v });
export const str = (v: string): PyValue => ({ t: 'str', v });
export const bool = (v: boolean): PyValue => ({ t: 'bool', v });
export const list = (v: PyValue[]): PyValue => ({ t: 'list', v });
export const tuple = (v: PyValue[]): PyValue => ({ t: 'tuple', v });

export function intValue(value: PyValue): bigint | null {
  if (value.t !== 'int') return null;
  try {
    return BigInt(value.v);
  } catch {
    return null;
  }
}

function floatText(v: number | 'nan' | 'inf' | '-inf'): string {
  // literal_eval cannot build NaN; infinities come from an overflowing literal.
  if (v === 'inf') return '1e999';
  if (v === '-inf') return '-1e999';
  if (v === 'nan') return '0.0';
  if (Object.is(v, -0)) return '-0.0';
  const text = String(v);
  return /[.eE]/.test(text) || /inf|nan/i.test(text) ? text : `${text}.0`;
}

function complexText(re: number | 'nan' | 'inf' | '-inf', im: number | 'nan' | 'inf' | '-inf'): string {
  const imText = floatText(im);
  return imText.startsWith('-') ? `(${floatText(re)}${imText}j)` : `(${floatText(re)}+${imText}j)`;
}

function bytesText(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  let body = '';
  for (const b of bytes) body += `\\x${b.toString(16).padStart(2, '0')}`;
  return `b'${body}'`;
}

/** A Python literal that `ast.literal_eval` reads back as the same value (frozensets become sets). */
export function renderLiteral(value: PyValue): string {
  switch (value.t) {
    case 'none':
      return 'None';
    case 'bool':
      return value.v ? 'True' : 'False';
    case 'int':
      return value.v;
    case 'float':
      return floatText(value.v);
    case 'complex':
      return complexText(value.re, value.im);
    case 'str':
      // A JSON string is a valid Python string literal with the same value.
      return JSON.stringify(value.v);
    case 'bytes':
      return bytesText(value.v);
    case 'list':
      return `[${value.v.map(renderLiteral).join(', ')}]`;
    case 'tuple':
      return value.v.length === 1 ? `(${renderLiteral(value.v[0] as PyValue)},)` : `(${value.v.map(renderLiteral).join(', ')})`;
    case 'set':
    case 'frozenset':
      return value.v.length === 0 ? 'set()' : `{${value.v.map(renderLiteral).join(', ')}}`;
    case 'dict':
      return `{${value.v.map(([k, v]) => `${renderLiteral(k)}: ${renderLiteral(v)}`).join(', ')}}`;
    case 'object':
      return 'None';
  }
}

/** The input as the Python dict literal of keyword arguments. */
export function renderInput(input: FuzzInput): DivergingInput {
  return `{${input.map(([name, value]) => `${JSON.stringify(name)}: ${renderLiteral(value)}`).join(', ')}}`;
}

function bigAbs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** A complexity measure: shrinking only accepts candidates that make it strictly smaller. */
export function valueSize(value: PyValue): number {
  switch (value.t) {
    case 'none':
      return 0;
    case 'bool':
      return value.v ? 1 : 0;
    case 'int': {
      const n = intValue(value) ?? 0n;
      const abs = bigAbs(n);
      const magnitude = abs < 2n ** 52n ? Math.log2(1 + Number(abs)) : abs.toString(2).length;
      return magnitude + (n === 0n ? 0 : 1) + (n < 0n ? 0.5 : 0);
    }
    case 'float': {
      const v = typeof value.v === 'number' ? value.v : 1e308;
      const magnitude = Math.log2(1 + Math.min(Math.abs(v), 1e300));
      return magnitude + (Number.isInteger(v) ? 0 : 2) + (v < 0 ? 1 : 0) + 0.5;
    }
    case 'complex':
      return 8;
    case 'str':
      return value.v.length * 4 + 1;
    case 'bytes':
      return value.v.length * 3 + 1;
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      return 2 + value.v.reduce((sum, item) => sum + 2 + valueSize(item), 0);
    case 'dict':
      return 2 + value.v.reduce((sum, [k, v]) => sum + 2 + valueSize(k) + valueSize(v), 0);
    case 'object':
      return 1000;
  }
}

export function inputSize(input: FuzzInput): number {
  return input.reduce((sum, [, value]) => sum + valueSize(value), 0);
}

export function replaceParam(input: FuzzInput, index: number, value: PyValue): FuzzInput {
  return input.map((entry, i) => (i === index ? [entry[0], value] : entry));
}
