// fast-check generators for game values shared by the game tests.
import fc from 'fast-check';
import type { PyValue } from '../../game/types';
import { pyValueKey } from '../../game/compare';

export interface ValueOptions {
  /** Allow NaN floats (no Python literal exists for them). */
  nan?: boolean;
  /** Allow frozenset and object values (not literals). */
  nonLiteral?: boolean;
  maxDepth?: number;
}

const smallInt = fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((v): PyValue => ({ t: 'int', v: v.toString() }));
const tinyInt = fc.integer({ min: -3, max: 3 }).map((v): PyValue => ({ t: 'int', v: String(v) }));

function floatArb(nan: boolean): fc.Arbitrary<PyValue> {
  return fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v): PyValue => ({ t: 'float', v })),
    fc.integer({ min: -3, max: 3 }).map((v): PyValue => ({ t: 'float', v })),
    fc.constantFrom<PyValue>(
      { t: 'float', v: 'inf' },
      { t: 'float', v: '-inf' },
      { t: 'float', v: -0 },
      { t: 'float', v: 0.5 },
    ),
    ...(nan ? [fc.constant<PyValue>({ t: 'float', v: 'nan' })] : []),
  );
}

function scalarArb(options: ValueOptions): fc.Arbitrary<PyValue> {
  const component = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
  return fc.oneof(
    fc.constant<PyValue>({ t: 'none' }),
    fc.boolean().map((v): PyValue => ({ t: 'bool', v })),
    tinyInt,
    smallInt,
    floatArb(options.nan ?? false),
    fc.record({ re: component, im: component }).map(({ re, im }): PyValue => ({ t: 'complex', re, im })),
    fc.string({ maxLength: 6 }).map((v): PyValue => ({ t: 'str', v })),
    fc.constantFrom('a', 'b', 'x').map((v): PyValue => ({ t: 'str', v })),
    fc.uint8Array({ maxLength: 5 }).map((bytes): PyValue => ({ t: 'bytes', v: btoa(String.fromCharCode(...bytes)) })),
    ...(options.nonLiteral
      ? [
          fc.constantFrom<PyValue>(
            { t: 'object', type: 'Foo', repr: '<Foo 1>' },
            { t: 'object', type: 'Foo', repr: '<Foo 2>' },
          ),
        ]
      : []),
  );
}

function hashable(value: PyValue): boolean {
  if (value.t === 'list' || value.t === 'dict' || value.t === 'set') return false;
  if (value.t === 'tuple' || value.t === 'frozenset') return value.v.every(hashable);
  return true;
}

/** Arbitrary PyValue trees; sets and dict keys are hashable and unique under Python equality. */
export function pyValueArb(options: ValueOptions = {}): fc.Arbitrary<PyValue> {
  const { tree } = fc.letrec<{ tree: PyValue; key: PyValue }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: options.maxDepth ?? 3 },
      scalarArb(options),
      fc.array(tie('tree'), { maxLength: 4 }).map((v): PyValue => ({ t: 'list', v })),
      fc.array(tie('tree'), { maxLength: 4 }).map((v): PyValue => ({ t: 'tuple', v })),
      fc.uniqueArray(tie('key'), { maxLength: 4, selector: pyValueKey }).map((v): PyValue => ({ t: 'set', v })),
      ...(options.nonLiteral
        ? [
            fc
              .uniqueArray(tie('key'), { maxLength: 4, selector: pyValueKey })
              .map((v): PyValue => ({ t: 'frozenset', v })),
          ]
        : []),
      fc
        .uniqueArray(fc.tuple(tie('key'), tie('tree')), { maxLength: 4, selector: ([k]) => pyValueKey(k) })
        .map((v): PyValue => ({ t: 'dict', v })),
    ),
    key: scalarArb(options).filter(hashable),
  }));
  return tree;
}

/** A dict of keyword arguments, as a diverging input's value. */
export function kwargsArb(options: ValueOptions = {}): fc.Arbitrary<PyValue> {
  const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/);
  return fc
    .uniqueArray(fc.tuple(name, pyValueArb(options)), { minLength: 1, maxLength: 4, selector: ([k]) => k })
    .map((entries): PyValue => ({
      t: 'dict',
      v: entries.map(([k, v]): [PyValue, PyValue] => [{ t: 'str', v: k }, v]),
    }));
}

/**
 * A value equal to `value` under Python `==` but spelled differently: ints as floats where exact,
 * bools as ints, set members and dict entries reordered, set ↔ frozenset.
 */
export function equalRewrite(value: PyValue, rng: () => number): PyValue {
  const flip = (): boolean => rng() < 0.5;
  const shuffle = <T>(items: T[]): T[] => {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  switch (value.t) {
    case 'int': {
      const n = BigInt(value.v);
      if (flip() && n >= -(2n ** 53n) && n <= 2n ** 53n) return { t: 'float', v: Number(n) };
      if (flip() && (n === 0n || n === 1n)) return { t: 'bool', v: n === 1n };
      return value;
    }
    case 'bool':
      return flip() ? { t: 'int', v: value.v ? '1' : '0' } : value;
    case 'float':
      if (typeof value.v === 'number' && Number.isInteger(value.v) && flip())
        return { t: 'int', v: BigInt(value.v).toString() };
      if (typeof value.v === 'number' && flip()) return { t: 'complex', re: value.v, im: 0 };
      return value;
    case 'list':
    case 'tuple':
      return { t: value.t, v: value.v.map((v) => equalRewrite(v, rng)) };
    case 'set':
    case 'frozenset':
      return { t: flip() ? 'set' : 'frozenset', v: shuffle(value.v.map((v) => equalRewrite(v, rng))) };
    case 'dict':
      return {
        t: 'dict',
        v: shuffle(value.v.map(([k, v]): [PyValue, PyValue] => [equalRewrite(k, rng), equalRewrite(v, rng)])),
      };
    default:
      return value;
  }
}

/** Tag-sensitive canonical text: sets unordered, everything else exact (1 and 1.0 differ). */
export function typedKey(v: PyValue): string {
  switch (v.t) {
    case 'list':
    case 'tuple':
      return `${v.t}[${v.v.map(typedKey).join(',')}]`;
    case 'set':
    case 'frozenset':
      return `set{${v.v.map(typedKey).sort().join(',')}}`;
    case 'dict':
      return `dict{${v.v.map(([k, x]) => `${typedKey(k)}:${typedKey(x)}`).join(',')}}`;
    case 'float':
      return `float(${typeof v.v === 'number' && Object.is(v.v, -0) ? '-0' : String(v.v)})`;
    case 'complex':
      return `complex(${String(v.re)},${String(v.im)})`;
    default:
      return JSON.stringify(v);
  }
}
