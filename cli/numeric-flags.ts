// Numeric flag values: plain decimal only. `Number()` would take `1e3`, `0x10`, ` 5`, `-0` and ``
// (as 0), so a typo could silently become a different number; these are usage errors instead.
import { CliError } from './errors';

export interface IntegerBounds {
  min?: number;
  max?: number;
}

// No sign on zero, no leading zeros, no spaces, no exponent, no base prefix.
const plainInteger = /^(?:0|-?[1-9][0-9]*)$/;
// The same with an optional fraction; `-0` and `-0.0` are still refused.
const plainDecimal = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

function range(bounds: IntegerBounds): string {
  const { min, max } = bounds;
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/** A plain decimal integer within `bounds`, or a usage error naming `flag`. */
export function parseIntegerFlag(flag: string, text: string, bounds: IntegerBounds = {}): number {
  const value = Number(text);
  const fits = plainInteger.test(text) && Number.isSafeInteger(value) && (bounds.min === undefined || value >= bounds.min) && (bounds.max === undefined || value <= bounds.max);
  if (!fits) throw new CliError(`${flag} needs a plain decimal integer${range(bounds)}, got '${text}'`);
  return value;
}

/** Like `parseIntegerFlag` for an optional flag: `fallback` when it was not given. */
export function integerFlagOr<F extends number | undefined>(flag: string, text: string | undefined, fallback: F, bounds: IntegerBounds = {}): number | F {
  return text === undefined ? fallback : parseIntegerFlag(flag, text, bounds);
}

/**
 * A plain decimal number (digits with an optional fraction, e.g. `7` or `6.5`) within `bounds`, for
 * the flags whose quantity is not a count (difficulties).
 */
export function parseDecimalFlag(flag: string, text: string, bounds: IntegerBounds = {}): number {
  const value = Number(text);
  const fits = plainDecimal.test(text) && !Object.is(value, -0) && !(text.startsWith('-') && value === 0) && Number.isFinite(value) && (bounds.min === undefined || value >= bounds.min) && (bounds.max === undefined || value <= bounds.max);
  if (!fits) throw new CliError(`${flag} needs a plain decimal number${range(bounds)}, got '${text}'`);
  return value;
}
