// Guessed parameter types ("shapes") and value generation by shape. A shape comes from, in order of
// trust: an example value, a default value, the annotation, usage hints in the code, the name.
import type { PyValue } from '../../../game/types';
import type { Rng } from '../../../game/random';
import type { ParamInfo } from './analysis';
import { bool, float, int, list, none, str, tuple } from './values';

export type Shape =
  | { kind: 'int' | 'float' | 'str' | 'bool' | 'none' }
  | { kind: 'list' | 'tuple' | 'set'; elem: Shape }
  | { kind: 'dict'; key: Shape; value: Shape };

const INT: Shape = { kind: 'int' };
const STR: Shape = { kind: 'str' };
const FLOAT: Shape = { kind: 'float' };

/** Constants of the programs, by type, that generation and mutation draw from. */
export interface LiteralPool {
  ints: bigint[];
  floats: number[];
  strs: string[];
}

export function emptyPool(): LiteralPool {
  return { ints: [], floats: [], strs: [] };
}

export function poolOf(values: readonly PyValue[]): LiteralPool {
  const pool = emptyPool();
  for (const v of values) {
    if (v.t === 'int') pool.ints.push(BigInt(v.v));
    else if (v.t === 'float' && typeof v.v === 'number') pool.floats.push(v.v);
    else if (v.t === 'str') pool.strs.push(v.v);
    else if (v.t === 'bool') pool.ints.push(v.v ? 1n : 0n);
  }
  return pool;
}

export function shapeOfValue(value: PyValue): Shape {
  switch (value.t) {
    case 'int':
      return INT;
    case 'float':
      return FLOAT;
    case 'str':
      return STR;
    case 'bool':
      return { kind: 'bool' };
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset': {
      const first = value.v[0];
      return { kind: value.t === 'frozenset' ? 'set' : value.t, elem: first ? shapeOfValue(first) : INT };
    }
    case 'dict': {
      const first = value.v[0];
      return { kind: 'dict', key: first ? shapeOfValue(first[0]) : STR, value: first ? shapeOfValue(first[1]) : INT };
    }
    default:
      return { kind: 'none' };
  }
}

/** Reads simple annotations: int, str, List[int], list[str], Dict[str, int], Tuple[int, ...]. */
export function shapeOfAnnotation(annotation: string): Shape | null {
  const text = annotation.replace(/\s+/g, '').replace(/^typing\./, '');
  const simple: Record<string, Shape> = { int: INT, float: FLOAT, str: STR, bool: { kind: 'bool' } };
  if (simple[text]) return simple[text];
  const m = /^(List|list|Sequence|Iterable|Tuple|tuple|Set|set|Dict|dict)(?:\[(.*)\])?$/.exec(text);
  if (!m) return null;
  const head = (m[1] as string).toLowerCase();
  const args = splitTopLevel(m[2] ?? '');
  const arg = (i: number): Shape => (args[i] && args[i] !== '...' ? (shapeOfAnnotation(args[i] as string) ?? INT) : INT);
  if (head === 'dict') return { kind: 'dict', key: args[0] ? arg(0) : STR, value: arg(1) };
  if (head === 'tuple') return { kind: 'tuple', elem: arg(0) };
  if (head === 'set') return { kind: 'set', elem: arg(0) };
  return { kind: 'list', elem: arg(0) };
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') out.push(current);
  return out;
}

const STR_NAMES = /^(s|s\d|str\d*|string\d*|text\d*|txt|word\d*|sentence|line|name|char|ch|c|pattern|sub|substr|substring|prefix|suffix|exp|expr|expression|brackets|paren\w*|digits|binary|bin_str|hex\w*|date|time|email|url|password|color|letter\w*|vowels|msg|message|test_str|str_\w*|\w*_str|\w*string\w*|\w*text)$/i;
const LIST_NAMES = /^(l|l\d|lst\w*|list\w*|arr\w*|array\w*|nums\w*|numbers\w*|xs|ys|a|b|items|values|vals|seq\w*|data|elements|test_list\w*|test_tup\w*|tup\w*|scores|prices|heights|weights|grades|digits_list|\w*_list|\w*_arr|\w*s_list)$/i;
const STR_LIST_NAMES = /^(words|strings|strs|names|sentences|lines|letters|chars|list_of_strings|tokens)$/i;
const MATRIX_NAMES = /^(matrix|grid|m|mat|board|arr2d|rows|lists|list_of_lists|nested\w*)$/i;
const DICT_NAMES = /^(d|dict\w*|mapping|map\w*|counts|table|\w*_dict)$/i;
const FLOAT_NAMES = /^(f|r|radius|rate|price|amount|ratio|percent\w*|angle|weight|height|x_float|threshold|temp\w*)$/i;
const BOOL_NAMES = /^(flag|is_\w+|has_\w+|strict|reverse|verbose)$/i;

function shapeOfName(name: string): Shape {
  if (STR_LIST_NAMES.test(name)) return { kind: 'list', elem: STR };
  if (MATRIX_NAMES.test(name)) return { kind: 'list', elem: { kind: 'list', elem: INT } };
  if (DICT_NAMES.test(name)) return { kind: 'dict', key: STR, value: INT };
  if (STR_NAMES.test(name)) return STR;
  if (BOOL_NAMES.test(name)) return { kind: 'bool' };
  if (FLOAT_NAMES.test(name)) return FLOAT;
  if (LIST_NAMES.test(name)) return { kind: 'list', elem: INT };
  return INT;
}

function shapeOfHints(hints: readonly string[], elementHints: readonly string[], name: string): Shape | null {
  const has = (h: string): boolean => hints.includes(h);
  const elem = (): Shape => shapeOfHints(elementHints, [], '') ?? (STR_LIST_NAMES.test(name) ? STR : MATRIX_NAMES.test(name) ? { kind: 'list', elem: INT } : INT);
  if (has('str')) return STR;
  if (has('dict')) return { kind: 'dict', key: STR, value: INT };
  if (has('set')) return { kind: 'set', elem: elem() };
  if (has('list')) return { kind: 'list', elem: elem() };
  if (has('tuple')) return { kind: 'tuple', elem: INT };
  if (has('seq') && !has('int') && !has('float') && !has('number')) {
    const byName = shapeOfName(name);
    return byName.kind === 'str' ? STR : { kind: 'list', elem: elem() };
  }
  if (has('float')) return FLOAT;
  if (has('int') || has('number')) return shapeOfName(name).kind === 'float' ? FLOAT : INT;
  if (has('bool')) return { kind: 'bool' };
  return null;
}

/** The best guess of a parameter's shape from everything known about it. */
export function guessShape(param: ParamInfo, exampleValue: PyValue | undefined): Shape {
  if (exampleValue) return shapeOfValue(exampleValue);
  if (param.default && param.default.t !== 'none') return shapeOfValue(param.default);
  const annotated = param.annotation ? shapeOfAnnotation(param.annotation) : null;
  if (annotated) return annotated;
  return shapeOfHints(param.hints, param.elementHints, param.name) ?? shapeOfName(param.name);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_()[]{}#@';

export function randomChar(rng: Rng, pool: LiteralPool): string {
  if (pool.strs.length > 0 && rng.chance(0.3)) {
    const s = rng.pick(pool.strs);
    if (s.length > 0) return s[rng.int(0, s.length - 1)] as string;
  }
  const r = rng.next();
  if (r < 0.6) return String.fromCharCode(97 + rng.int(0, 25));
  return ALPHABET[rng.int(0, ALPHABET.length - 1)] as string;
}

export function randomInt(rng: Rng, pool: LiteralPool, useLiterals = true): bigint {
  const r = rng.next();
  if (useLiterals && pool.ints.length > 0 && r < 0.25) return rng.pick(pool.ints) + BigInt(rng.int(-1, 1));
  if (r < 0.7) return BigInt(rng.int(-10, 10));
  if (r < 0.92) return BigInt(rng.int(-1000, 1000));
  return BigInt(rng.int(-1_000_000_000, 1_000_000_000));
}

/** A fresh random value of `shape`; `depth` bounds nesting. */
export function randomValue(shape: Shape, rng: Rng, pool: LiteralPool, useLiterals = true, depth = 0): PyValue {
  switch (shape.kind) {
    case 'int':
      return int(randomInt(rng, pool, useLiterals));
    case 'float': {
      if (useLiterals && pool.floats.length > 0 && rng.chance(0.25)) return float(rng.pick(pool.floats));
      return float(Math.round((rng.next() * 200 - 100) * 100) / 100);
    }
    case 'str': {
      if (useLiterals && pool.strs.length > 0 && rng.chance(0.2)) return str(rng.pick(pool.strs));
      const length = rng.chance(0.1) ? 0 : rng.int(1, rng.chance(0.8) ? 8 : 24);
      let s = '';
      for (let i = 0; i < length; i++) s += useLiterals ? randomChar(rng, pool) : randomChar(rng, emptyPool());
      return str(s);
    }
    case 'bool':
      return bool(rng.chance(0.5));
    case 'none':
      return none;
    case 'list':
    case 'tuple':
    case 'set': {
      const length = depth > 2 ? 0 : rng.chance(0.1) ? 0 : rng.int(1, rng.chance(0.8) ? 6 : 16);
      const items: PyValue[] = [];
      for (let i = 0; i < length; i++) items.push(randomValue(shape.elem, rng, pool, useLiterals, depth + 1));
      if (shape.kind === 'set') return { t: 'set', v: dedupe(items) };
      return shape.kind === 'list' ? list(items) : tuple(items);
    }
    case 'dict': {
      const length = depth > 2 ? 0 : rng.int(0, 4);
      const entries: Array<[PyValue, PyValue]> = [];
      const seen = new Set<string>();
      for (let i = 0; i < length; i++) {
        const key = randomValue(shape.key, rng, pool, useLiterals, depth + 1);
        const k = JSON.stringify(key);
        if (seen.has(k)) continue;
        seen.add(k);
        entries.push([key, randomValue(shape.value, rng, pool, useLiterals, depth + 1)]);
      }
      return { t: 'dict', v: entries };
    }
  }
}

export function dedupe(items: PyValue[]): PyValue[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = JSON.stringify(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A few typical values of a shape, simplest first: the seeds used when no example is known. */
export function typicalValues(shape: Shape): PyValue[] {
  switch (shape.kind) {
    case 'int':
      return [int(1), int(0), int(2), int(5), int(-1), int(10), int(3), int(7)];
    case 'float':
      return [float(1.5), float(0), float(2), float(-1.5), float(10.25)];
    case 'str':
      return [str('abc'), str(''), str('a'), str('Hello World'), str('aab'), str('racecar'), str('a1b2')];
    case 'bool':
      return [bool(true), bool(false)];
    case 'none':
      return [none];
    case 'list':
    case 'tuple':
    case 'set': {
      const elems = typicalValues(shape.elem);
      const e = (i: number): PyValue => elems[i % elems.length] as PyValue;
      const rows = [[e(0), e(2), e(3)], [], [e(0)], [e(3), e(0), e(2), e(2)], [e(4), e(5), e(1)], [e(2), e(0)]];
      const make = (items: PyValue[]): PyValue => (shape.kind === 'set' ? { t: 'set', v: dedupe(items) } : shape.kind === 'list' ? list(items) : tuple(items));
      return rows.map(make);
    }
    case 'dict': {
      const keys = typicalValues(shape.key);
      const values = typicalValues(shape.value);
      const k = (i: number): PyValue => keys[i % keys.length] as PyValue;
      const v = (i: number): PyValue => values[i % values.length] as PyValue;
      return [
        { t: 'dict', v: [[k(0), v(0)], [k(2), v(2)]] },
        { t: 'dict', v: [] },
        { t: 'dict', v: [[k(3), v(3)]] },
      ];
    }
  }
}
