// Type-aware mutation of fuzz values: small steps on ints, floats, strings, containers and nested
// values, plus injection of constants taken from the programs (above all from the changed lines).
import type { PyValue } from '../../../game/types';
import type { Rng } from '../../../game/random';
import { dedupe, randomChar, randomValue, shapeOfValue, type LiteralPool, type Shape } from './shapes';
import { float, int, intValue, str } from './values';

const LARGE = [2n ** 31n - 1n, -(2n ** 31n), 10n ** 9n, -(10n ** 9n), 2n ** 63n, 10n ** 18n + 7n];

function mutateInt(n: bigint, rng: Rng, pool: LiteralPool): bigint {
  const r = rng.int(0, 9);
  switch (r) {
    case 0:
      return n + 1n;
    case 1:
      return n - 1n;
    case 2:
      return rng.pick([0n, 1n, -1n, 2n]);
    case 3:
      return rng.pick(LARGE);
    case 4:
      return pool.ints.length > 0 ? rng.pick(pool.ints) + BigInt(rng.int(-1, 1)) : n + BigInt(rng.int(-5, 5));
    case 5:
      return -n;
    case 6:
      return n * 2n;
    case 7:
      return n / 2n;
    case 8:
      return n + BigInt(rng.int(-100, 100));
    default:
      return BigInt(rng.int(-20, 20));
  }
}

function mutateFloat(x: number, rng: Rng, pool: LiteralPool): number {
  switch (rng.int(0, 8)) {
    case 0:
      return x + 1;
    case 1:
      return x - 1;
    case 2:
      return rng.pick([0, 0.5, -0.5, 1, -1]);
    case 3:
      return pool.floats.length > 0 ? rng.pick(pool.floats) : x * 10;
    case 4:
      return -x;
    case 5:
      return x * 2;
    case 6:
      return x / 2;
    case 7:
      return Math.round(x);
    default:
      return x + (rng.next() - 0.5) * 0.01;
  }
}

function mutateString(s: string, rng: Rng, pool: LiteralPool): string {
  const at = rng.int(0, s.length);
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
      return s.slice(0, at) + randomChar(rng, pool) + s.slice(at);
    case 2:
      return s.length === 0 ? randomChar(rng, pool) : s.slice(0, Math.min(at, s.length - 1)) + s.slice(Math.min(at, s.length - 1) + 1);
    case 3: {
      if (s.length === 0) return randomChar(rng, pool);
      const i = rng.int(0, s.length - 1);
      return s.slice(0, i) + randomChar(rng, pool) + s.slice(i + 1);
    }
    case 4:
      return pool.strs.length > 0 ? s.slice(0, at) + rng.pick(pool.strs) + s.slice(at) : s + s;
    case 5:
      return pool.strs.length > 0 ? rng.pick(pool.strs) : '';
    case 6:
      return s + s.slice(0, rng.int(1, Math.max(1, s.length)));
    case 7:
      return rng.chance(0.5) ? s.toUpperCase() : s.toLowerCase();
    case 8:
      return [...s].reverse().join('');
    default:
      return s.length > 0 && rng.chance(0.5) ? '' : s + ' ' + s;
  }
}

function mutateSequence(items: PyValue[], elem: Shape, rng: Rng, pool: LiteralPool, depth: number): PyValue[] {
  const out = items.slice();
  const at = rng.int(0, out.length);
  switch (rng.int(0, 9)) {
    case 0:
      out.splice(at, 0, randomValue(elem, rng, pool, true, depth + 1));
      return out;
    case 1:
      if (out.length > 0) out.splice(rng.int(0, out.length - 1), 1);
      return out;
    case 2:
      if (out.length > 0) out.splice(at, 0, out[rng.int(0, out.length - 1)] as PyValue);
      return out;
    case 3:
      return rng.shuffle(out);
    case 4:
      if (out.length > 1) {
        const i = rng.int(0, out.length - 2);
        [out[i], out[i + 1]] = [out[i + 1] as PyValue, out[i] as PyValue];
      }
      return out;
    case 5:
      return rng.chance(0.5) ? [] : out.reverse();
    case 6:
      return sortValues(out);
    default:
      if (out.length === 0) return [randomValue(elem, rng, pool, true, depth + 1)];
      {
        const i = rng.int(0, out.length - 1);
        out[i] = mutateValue(out[i] as PyValue, rng, pool, depth + 1);
      }
      return out;
  }
}

function sortValues(items: PyValue[]): PyValue[] {
  const key = (v: PyValue): number | string => (v.t === 'int' ? Number(v.v) : v.t === 'float' && typeof v.v === 'number' ? v.v : v.t === 'str' ? v.v : 0);
  return items.slice().sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** One small type-preserving change somewhere in `value`. */
export function mutateValue(value: PyValue, rng: Rng, pool: LiteralPool, depth = 0): PyValue {
  switch (value.t) {
    case 'int':
      return int(mutateInt(intValue(value) ?? 0n, rng, pool));
    case 'float':
      return float(mutateFloat(typeof value.v === 'number' ? value.v : 0, rng, pool));
    case 'str':
      return str(mutateString(value.v, rng, pool));
    case 'bool':
      return { t: 'bool', v: !value.v };
    case 'none':
      return rng.chance(0.5) ? int(0) : value;
    case 'list':
    case 'tuple': {
      const elem = value.v[0] ? shapeOfValue(value.v[0]) : { kind: 'int' as const };
      return { t: value.t, v: mutateSequence(value.v, elem, rng, pool, depth) };
    }
    case 'set':
    case 'frozenset': {
      const elem = value.v[0] ? shapeOfValue(value.v[0]) : { kind: 'int' as const };
      return { t: value.t, v: dedupe(mutateSequence(value.v, elem, rng, pool, depth)) };
    }
    case 'dict': {
      const entries = value.v.slice();
      const first = entries[0];
      const r = rng.int(0, 3);
      if (r === 0 || entries.length === 0) {
        const keyShape = first ? shapeOfValue(first[0]) : { kind: 'str' as const };
        const valueShape = first ? shapeOfValue(first[1]) : { kind: 'int' as const };
        const key = randomValue(keyShape, rng, pool, true, depth + 1);
        if (!entries.some(([k]) => JSON.stringify(k) === JSON.stringify(key))) entries.push([key, randomValue(valueShape, rng, pool, true, depth + 1)]);
      } else if (r === 1) {
        entries.splice(rng.int(0, entries.length - 1), 1);
      } else {
        const i = rng.int(0, entries.length - 1);
        const [k, v] = entries[i] as [PyValue, PyValue];
        entries[i] = [k, mutateValue(v, rng, pool, depth + 1)];
      }
      return { t: 'dict', v: entries };
    }
    default:
      return value;
  }
}

/** Paths to every scalar inside a value, for targeted replacement. */
type Path = number[];

function scalarPaths(value: PyValue, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  if (depth > 4) return out;
  if (value.t === 'list' || value.t === 'tuple' || value.t === 'set' || value.t === 'frozenset') {
    value.v.forEach((item, i) => scalarPaths(item, [...prefix, i], out, depth + 1));
  } else if (value.t === 'dict') {
    value.v.forEach(([k, v], i) => {
      scalarPaths(k, [...prefix, i, 0], out, depth + 1);
      scalarPaths(v, [...prefix, i, 1], out, depth + 1);
    });
  } else out.push(prefix);
  return out;
}

function getAt(value: PyValue, path: Path): PyValue {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    const step = path[i] as number;
    if (current.t === 'dict') {
      const entry = current.v[step] as [PyValue, PyValue];
      current = entry[path[++i] as number] as PyValue;
    } else if ('v' in current && Array.isArray(current.v)) current = current.v[step] as PyValue;
  }
  return current;
}

function setAt(value: PyValue, path: Path, replacement: PyValue): PyValue {
  if (path.length === 0) return replacement;
  const [step, ...rest] = path as [number, ...number[]];
  if (value.t === 'dict') {
    const [side, ...deeper] = rest as [number, ...number[]];
    const entries = value.v.slice();
    const entry = entries[step] as [PyValue, PyValue];
    entries[step] = side === 0 ? [setAt(entry[0], deeper, replacement), entry[1]] : [entry[0], setAt(entry[1], deeper, replacement)];
    return { t: 'dict', v: entries };
  }
  if (value.t === 'list' || value.t === 'tuple' || value.t === 'set' || value.t === 'frozenset') {
    const items = value.v.slice();
    items[step] = setAt(items[step] as PyValue, rest, replacement);
    return { t: value.t, v: items };
  }
  return replacement;
}

function near(c: bigint, rng: Rng): bigint {
  return c + BigInt(rng.pick([0, 0, 1, -1]));
}

/** A scalar like `target`'s type built around constant `c`, or null when they do not fit. */
function constantFor(target: PyValue, c: PyValue, rng: Rng): PyValue | null {
  if (target.t === 'int' || target.t === 'bool') {
    if (c.t === 'int') return int(near(BigInt(c.v), rng));
    if (c.t === 'float' && typeof c.v === 'number') return int(near(BigInt(Math.round(c.v)), rng));
    if (c.t === 'str' && target.t === 'int') return int(c.v.length);
    return null;
  }
  if (target.t === 'float') {
    if ((c.t === 'float' && typeof c.v === 'number') || c.t === 'int') {
      const base = c.t === 'int' ? Number(c.v) : (c.v as number);
      return float(base + rng.pick([0, 0, 1, -1, 0.5, -0.5, 1e-9]));
    }
    return null;
  }
  if (target.t === 'str') {
    if (c.t !== 'str') return null;
    const at = rng.int(0, target.v.length);
    switch (rng.int(0, 3)) {
      case 0:
        return str(c.v);
      case 1:
        return str(target.v.slice(0, at) + c.v + target.v.slice(at));
      case 2:
        return str(c.v + target.v);
      default:
        return str(target.v + c.v);
    }
  }
  return null;
}

/** Resizes a sequence or string to a length around `n` (constants compared with len()). */
function resized(value: PyValue, n: number, rng: Rng, pool: LiteralPool): PyValue | null {
  if (n < 0 || n > 200) return null;
  if (value.t === 'str') {
    let s = value.v.slice(0, n);
    while (s.length < n) s += randomChar(rng, pool);
    return str(s);
  }
  if (value.t === 'list' || value.t === 'tuple') {
    const items = value.v.slice(0, n);
    const elem = value.v[0] ? shapeOfValue(value.v[0]) : { kind: 'int' as const };
    while (items.length < n) items.push(value.v.length > 0 && rng.chance(0.5) ? (rng.pick(value.v) as PyValue) : randomValue(elem, rng, pool));
    return { t: value.t, v: items };
  }
  return null;
}

/**
 * Puts constant `c` (or its neighbour) somewhere into `value`: the value itself, a nested scalar,
 * or, for ints, the length of a string or sequence. Null when `c` fits nowhere.
 */
export function injectConstant(value: PyValue, c: PyValue, rng: Rng, pool: LiteralPool): PyValue | null {
  if (c.t === 'int' && (value.t === 'str' || value.t === 'list' || value.t === 'tuple') && rng.chance(0.35)) {
    return resized(value, Number(near(BigInt(c.v), rng)), rng, pool);
  }
  const paths = scalarPaths(value);
  for (const path of rng.shuffle(paths)) {
    const replacement = constantFor(getAt(value, path), c, rng);
    if (replacement) return setAt(value, path, replacement);
  }
  return null;
}

/** Makes two scalars of an input equal or adjacent: where `<` and `<=` part ways. */
export function boundaryValue(value: PyValue, other: PyValue, rng: Rng): PyValue | null {
  const targets = scalarPaths(value);
  const sources = scalarPaths(other).map((p) => getAt(other, p));
  for (const path of rng.shuffle(targets)) {
    const target = getAt(value, path);
    const candidates = sources.filter((s) => s.t === target.t && JSON.stringify(s) !== JSON.stringify(target));
    if (candidates.length === 0) continue;
    const source = rng.pick(candidates);
    const replacement = constantFor(target, source, rng) ?? source;
    return setAt(value, path, replacement);
  }
  return null;
}
