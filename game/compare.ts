// Equality of Python values and of execution outcomes. Values follow Python `==` with one fix
// (NaN equals NaN); outcomes follow the rules in `compareOutcomes`.
import type { Outcome, PyValue } from './types';
import { CLEAN_FINISH_FRACTION, finishedWellWithin } from './timeouts';

/** A real number in canonical form: integral values (bools, ints, integral floats) are exact BigInts. */
type Real = { exact: bigint } | { float: number };

interface Complex {
  re: Real;
  im: Real;
}

type NumericValue = Extract<PyValue, { t: 'bool' | 'int' | 'float' | 'complex' }>;

const ZERO: Real = { exact: 0n };

/**
 * Deepest nesting `compareValues` and `pyValueKey` walk (their recursion is bounded by it). The
 * sandbox refuses values nested deeper than its own cap (100 by default) before they get here; a
 * value past this bound from anywhere else is reported, never a stack overflow.
 */
export const MAX_VALUE_DEPTH = 1000;

export class ValueTooDeepError extends Error {
  constructor() {
    super(`value nested deeper than ${MAX_VALUE_DEPTH} levels`);
    this.name = 'ValueTooDeepError';
  }
}

function isNumeric(value: PyValue): value is NumericValue {
  return value.t === 'bool' || value.t === 'int' || value.t === 'float' || value.t === 'complex';
}

function floatOf(v: number | 'nan' | 'inf' | '-inf'): number {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return v;
}

function realOfFloat(x: number): Real {
  // -0.0 becomes 0n, so it equals 0.0 and 0 as in Python.
  return Number.isInteger(x) ? { exact: BigInt(x) } : { float: x };
}

function realOfInt(decimal: string): Real {
  try {
    return { exact: BigInt(decimal) };
  } catch {
    // Not a decimal integer: cannot come from the sandbox; keep it comparable but never equal to a number.
    return { float: Number.NaN };
  }
}

function toComplex(value: NumericValue): Complex {
  switch (value.t) {
    case 'bool':
      return { re: { exact: value.v ? 1n : 0n }, im: ZERO };
    case 'int':
      return { re: realOfInt(value.v), im: ZERO };
    case 'float':
      return { re: realOfFloat(floatOf(value.v)), im: ZERO };
    case 'complex':
      return { re: realOfFloat(floatOf(value.re)), im: realOfFloat(floatOf(value.im)) };
  }
}

function realEqual(a: Real, b: Real): boolean {
  if ('exact' in a) return 'exact' in b && a.exact === b.exact;
  if ('exact' in b) return false;
  return a.float === b.float || (Number.isNaN(a.float) && Number.isNaN(b.float));
}

function realKey(r: Real): string {
  if ('exact' in r) return `i${r.exact}`;
  return Number.isNaN(r.float) ? 'fnan' : `f${r.float}`;
}

/**
 * Default reprs carry memory addresses (`<Foo object at 0x7f3a…>`, `<function f at 0x…>`), which
 * differ between two processes running the same code; they are blanked before comparing.
 */
export function withoutAddresses(text: string): string {
  return text.replace(/\bat 0x[0-9a-fA-F]+/g, 'at 0x?');
}

function isSetLike(value: PyValue): value is Extract<PyValue, { t: 'set' | 'frozenset' }> {
  return value.t === 'set' || value.t === 'frozenset';
}

/**
 * A canonical text for a value such that `pyValueKey(a) === pyValueKey(b)` exactly when
 * `compareValues(a, b)`. Usable as a hash key for sets, dict keys and de-duplication.
 */
export function pyValueKey(value: PyValue, depth = 0): string {
  if (depth > MAX_VALUE_DEPTH) throw new ValueTooDeepError();
  const key = (item: PyValue): string => pyValueKey(item, depth + 1);
  // Self-delimiting and escape-free (length-prefixed text, counted containers), so a key's length
  // stays proportional to the value's size however deeply it nests.
  if (isNumeric(value)) {
    const c = toComplex(value);
    return `#${realKey(c.re)}|${realKey(c.im)};`;
  }
  const text = (tag: string, v: string): string => `${tag}${v.length}:${v}`;
  const counted = (tag: string, keys: string[]): string => `${tag}${keys.length}[${keys.join('')}]`;
  switch (value.t) {
    case 'none':
      return 'N';
    case 'str':
      return text('s', value.v);
    case 'bytes':
      return text('b', value.v);
    case 'list':
      return counted('L', value.v.map(key));
    case 'tuple':
      return counted('T', value.v.map(key));
    case 'set':
    case 'frozenset':
      return counted('S', [...new Set(value.v.map(key))].sort());
    case 'dict': {
      const entries = new Map<string, string>();
      for (const [k, v] of value.v) entries.set(key(k), key(v));
      return counted(
        'D',
        [...entries.keys()].sort().map((k) => k + (entries.get(k) as string)),
      );
    }
    case 'object':
      return text('o', value.type) + text('', withoutAddresses(value.repr));
  }
}

function sequenceEqual(a: PyValue[], b: PyValue[], depth: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!valuesEqual(a[i] as PyValue, b[i] as PyValue, depth + 1)) return false;
  }
  return true;
}

function setEqual(a: PyValue[], b: PyValue[], depth: number): boolean {
  const left = new Set(a.map((v) => pyValueKey(v, depth + 1)));
  const right = new Set(b.map((v) => pyValueKey(v, depth + 1)));
  if (left.size !== right.size) return false;
  for (const key of left) if (!right.has(key)) return false;
  return true;
}

function dictEqual(a: Array<[PyValue, PyValue]>, b: Array<[PyValue, PyValue]>, depth: number): boolean {
  const right = new Map<string, PyValue>();
  for (const [k, v] of b) right.set(pyValueKey(k, depth + 1), v);
  const seen = new Set<string>();
  for (const [k, v] of a) {
    const key = pyValueKey(k, depth + 1);
    seen.add(key);
    const other = right.get(key);
    if (other === undefined || !valuesEqual(v, other, depth + 1)) return false;
  }
  return seen.size === right.size;
}

/**
 * Python `==` over the tagged tree, with NaN equal to NaN (so a program equals itself):
 * - bool, int, float and complex compare by exact value (`True == 1 == 1.0 == 1+0j`; ints are
 *   unbounded, so `2**53 + 1 != float(2**53)`); `-0.0 == 0.0`;
 * - str and bytes are never equal to each other; a list never equals a tuple;
 * - set and frozenset compare by members regardless of order and of which of the two they are;
 * - dicts compare order-free, with keys matched by the same numeric rules (1, 1.0 and True are one key);
 * - `object` values (anything the sandbox could not convert) are equal iff same type name and repr:
 *   a user `__eq__` cannot be called across the process boundary, so repr is the best evidence;
 *   memory addresses in reprs are ignored (`withoutAddresses`).
 * Throws ValueTooDeepError past MAX_VALUE_DEPTH levels of nesting.
 */
export function compareValues(a: PyValue, b: PyValue): boolean {
  return valuesEqual(a, b, 0);
}

function valuesEqual(a: PyValue, b: PyValue, depth: number): boolean {
  if (depth > MAX_VALUE_DEPTH) throw new ValueTooDeepError();
  if (isNumeric(a) || isNumeric(b)) {
    if (!isNumeric(a) || !isNumeric(b)) return false;
    const x = toComplex(a);
    const y = toComplex(b);
    return realEqual(x.re, y.re) && realEqual(x.im, y.im);
  }
  if (isSetLike(a) && isSetLike(b)) return setEqual(a.v, b.v, depth);
  switch (a.t) {
    case 'none':
      return b.t === 'none';
    case 'str':
      return b.t === 'str' && a.v === b.v;
    case 'bytes':
      return b.t === 'bytes' && a.v === b.v;
    case 'list':
      return b.t === 'list' && sequenceEqual(a.v, b.v, depth);
    case 'tuple':
      return b.t === 'tuple' && sequenceEqual(a.v, b.v, depth);
    case 'dict':
      return b.t === 'dict' && dictEqual(a.v, b.v, depth);
    case 'object':
      return b.t === 'object' && a.type === b.type && withoutAddresses(a.repr) === withoutAddresses(b.repr);
    default:
      return false;
  }
}

export type OutcomeRelation = 'same' | 'different' | 'inconclusive' | 'not-comparable';

/** The sandbox failed to judge the run (the outcome says nothing about the program). */
export function isInfrastructureFailure(outcome: Outcome): boolean {
  return outcome.kind === 'crashed' && outcome.infrastructure === true;
}

export interface OutcomeComparison {
  relation: OutcomeRelation;
  /** Why, in words (goes into logs and episode records). */
  reason: string;
}

function describe(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'returned':
      return 'returned';
    case 'raised':
      return `raised ${outcome.type}`;
    case 'timeout':
      return 'timed out';
    case 'crashed':
      return outcome.infrastructure ? `could not be judged (${outcome.reason})` : `crashed (${outcome.reason})`;
    case 'invalid':
      return `could not run (${outcome.reason})`;
  }
}

/**
 * Compares what two programs did on the same input, `limitMs` being the limit they ran under:
 * - a sandbox failure on either side (`infrastructure`) → inconclusive: nothing is known;
 * - invalid on either side (syntax error, missing entry point, bad input) → not-comparable;
 * - returned vs returned → same iff the values are equal (`compareValues`);
 * - raised vs raised → same iff the exception type and message are equal (not object identity;
 *   memory addresses in messages ignored);
 * - returned vs raised → different;
 * - timeout vs timeout → same (neither halted);
 * - timeout vs returned/raised → different only if the finished side took at most
 *   `CLEAN_FINISH_FRACTION` of the limit, else inconclusive (slow versus slower proves nothing);
 * - crashed vs crashed → same when the reasons are equal, else inconclusive (resource kills
 *   depend on the host);
 * - crashed vs returned/raised → different when the finished side took at most
 *   `CLEAN_FINISH_FRACTION` of the limit (a halting difference), else inconclusive;
 * - crashed vs timeout → inconclusive (neither finished normally).
 */
export function compareOutcomes(a: Outcome, b: Outcome, limitMs: number): OutcomeComparison {
  if (isInfrastructureFailure(a) || isInfrastructureFailure(b)) {
    return { relation: 'inconclusive', reason: `the sandbox could not judge: one side ${describe(isInfrastructureFailure(a) ? a : b)}` };
  }
  if (a.kind === 'invalid' || b.kind === 'invalid') {
    return { relation: 'not-comparable', reason: `not comparable: one side ${describe(a.kind === 'invalid' ? a : b)}` };
  }
  if (a.kind === 'returned' && b.kind === 'returned') {
    let equal: boolean;
    try {
      equal = compareValues(a.value, b.value);
    } catch (err) {
      if (err instanceof ValueTooDeepError) return { relation: 'inconclusive', reason: `values not comparable: ${err.message}` };
      throw err;
    }
    return equal ? { relation: 'same', reason: 'both returned equal values' } : { relation: 'different', reason: 'both returned, values differ' };
  }
  if (a.kind === 'raised' && b.kind === 'raised') {
    if (a.type !== b.type) return { relation: 'different', reason: `raised ${a.type} vs ${b.type}` };
    return withoutAddresses(a.message) === withoutAddresses(b.message)
      ? { relation: 'same', reason: `both raised ${a.type} with the same message` }
      : { relation: 'different', reason: `both raised ${a.type}, messages differ` };
  }
  const finished = (o: Outcome): boolean => o.kind === 'returned' || o.kind === 'raised';
  if (finished(a) && finished(b)) {
    return { relation: 'different', reason: `one ${describe(a)}, the other ${describe(b)}` };
  }
  if (a.kind === 'timeout' && b.kind === 'timeout') return { relation: 'same', reason: 'both timed out' };
  if (a.kind === 'crashed' && b.kind === 'crashed') {
    return a.reason === b.reason
      ? { relation: 'same', reason: `both crashed (${a.reason})` }
      : { relation: 'inconclusive', reason: `both crashed, for different reasons (${a.reason} vs ${b.reason})` };
  }
  const stalled = a.kind === 'timeout' || a.kind === 'crashed' ? a : b;
  const other = stalled === a ? b : a;
  if (!finished(other))
    return { relation: 'inconclusive', reason: `one ${describe(stalled)}, the other ${describe(other)}` };
  const margin = Math.floor(limitMs * CLEAN_FINISH_FRACTION);
  if (finishedWellWithin(other, limitMs)) {
    return {
      relation: 'different',
      reason: `one ${describe(stalled)}, the other ${describe(other)} in ${other.durationMs} ms (≤ ${margin} ms)`,
    };
  }
  return {
    relation: 'inconclusive',
    reason: `one ${describe(stalled)}, the other ${describe(other)} but took ${other.durationMs} ms (> ${margin} ms of a ${limitMs} ms limit)`,
  };
}
