import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareValues } from '../../game/compare';
import { canonicalInput, extractDictLiteral, inputKeys } from '../../game/input';
import { formatPyLiteral, parsePyLiteral } from '../../game/literal';
import type { PyValue } from '../../game/types';
import { pyValueArb } from './arbitraries';

function parsed(text: string): PyValue {
  const result = parsePyLiteral(text);
  if (!result.ok) throw new Error(`${text}: ${result.error}`);
  return result.value;
}

function formatted(value: PyValue): string {
  const result = formatPyLiteral(value);
  if (!result.ok) throw new Error(result.error);
  return result.text;
}

/** Same tags all the way down (compareValues alone would accept 1 for 1.0). */
function sameShape(a: PyValue, b: PyValue): boolean {
  if (a.t !== b.t) return false;
  if ((a.t === 'list' || a.t === 'tuple' || a.t === 'set') && (b.t === 'list' || b.t === 'tuple' || b.t === 'set')) {
    return a.v.length === b.v.length && a.v.every((x, i) => sameShape(x, b.v[i] as PyValue));
  }
  if (a.t === 'dict' && b.t === 'dict') {
    return (
      a.v.length === b.v.length &&
      a.v.every(
        ([k, v], i) =>
          sameShape(k, (b.v[i] as [PyValue, PyValue])[0]) && sameShape(v, (b.v[i] as [PyValue, PyValue])[1]),
      )
    );
  }
  return true;
}

describe('parsePyLiteral', () => {
  it.each<[string, PyValue]>([
    ['None', { t: 'none' }],
    ['True', { t: 'bool', v: true }],
    ['-17', { t: 'int', v: '-17' }],
    ['0x_ff', { t: 'int', v: '255' }],
    ['0o17', { t: 'int', v: '15' }],
    ['0b101', { t: 'int', v: '5' }],
    ['1_000_000', { t: 'int', v: '1000000' }],
    ['123456789012345678901234567890', { t: 'int', v: '123456789012345678901234567890' }],
    ['1.5e3', { t: 'float', v: 1500 }],
    ['.5', { t: 'float', v: 0.5 }],
    ['5.', { t: 'float', v: 5 }],
    ['1e999', { t: 'float', v: 'inf' }],
    ['-1e999', { t: 'float', v: '-inf' }],
    ['2j', { t: 'complex', re: 0, im: 2 }],
    ['1-2.5j', { t: 'complex', re: 1, im: -2.5 }],
    ["'a\\nb\\x41\\u00e9\\101'", { t: 'str', v: 'a\nbAéA' }],
    ["r'a\\nb'", { t: 'str', v: 'a\\nb' }],
    ['\'ab\' "cd"', { t: 'str', v: 'abcd' }],
    ["'''multi\nline'''", { t: 'str', v: 'multi\nline' }],
    ["b'\\x00\\xff'", { t: 'bytes', v: 'AP8=' }],
    ['(1,)', { t: 'tuple', v: [{ t: 'int', v: '1' }] }],
    ['(1)', { t: 'int', v: '1' }],
    ['()', { t: 'tuple', v: [] }],
    [
      '1, 2',
      {
        t: 'tuple',
        v: [
          { t: 'int', v: '1' },
          { t: 'int', v: '2' },
        ],
      },
    ],
    ['set()', { t: 'set', v: [] }],
    ['{}', { t: 'dict', v: [] }],
    ['{1, 1.0, True}', { t: 'set', v: [{ t: 'int', v: '1' }] }],
    [
      "{'a': 1, 'a': 2}",
      {
        t: 'dict',
        v: [
          [
            { t: 'str', v: 'a' },
            { t: 'int', v: '2' },
          ],
        ],
      },
    ],
    [
      "{'k': [1, (2, 3),], # comment\n 'j': None}",
      {
        t: 'dict',
        v: [
          [
            { t: 'str', v: 'k' },
            {
              t: 'list',
              v: [
                { t: 'int', v: '1' },
                {
                  t: 'tuple',
                  v: [
                    { t: 'int', v: '2' },
                    { t: 'int', v: '3' },
                  ],
                },
              ],
            },
          ],
          [{ t: 'str', v: 'j' }, { t: 'none' }],
        ],
      },
    ],
  ])('reads %s', (text, value) => {
    expect(parsed(text)).toEqual(value);
  });

  it.each([
    '{',
    "{'a': }",
    "{'a' 1}",
    '[1 2]',
    '007',
    'x',
    'f(1)',
    '1 + 2',
    '--1',
    "'unterminated",
    '{[1]: 2}',
    '{[1], 2}',
    "f'x'",
    "b'é'",
    '[1,,2]',
    "{'a': 1} extra",
    '0x',
    '1__0',
    "'\\N{BULLET}'",
  ])('refuses %s with a message', (text) => {
    const result = parsePyLiteral(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
  });

  it('reads deeply nested tuples as set members and dict keys (keys stay proportional to size)', () => {
    const nested = '('.repeat(150) + "'a\"b'," + '),'.repeat(149) + ')';
    const value = parsed(`{${nested}: {${nested}}}`);
    expect(value.t).toBe('dict');
    expect(compareValues(value, parsed(`{${nested}: {${nested}, ${nested}}}`))).toBe(true);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(parsePyLiteral('['.repeat(5000) + ']'.repeat(5000)).ok).toBe(false);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[{}[\]()'",:0-9a-zA-Z.\\ +\-_#\n]{0,40}$/)),
        (text) => {
          const result = parsePyLiteral(text);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('formatPyLiteral', () => {
  it('round-trips: parse(format(v)) equals v with the same types, and formatting is stable', () => {
    fc.assert(
      fc.property(pyValueArb(), (v) => {
        const text = formatted(v);
        const back = parsed(text);
        expect(compareValues(back, v)).toBe(true);
        expect(sameShape(back, v)).toBe(true);
        expect(formatted(back)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('writes infinities as 1e999 and refuses NaN, frozenset and objects', () => {
    expect(formatted({ t: 'float', v: 'inf' })).toBe('1e999');
    expect(formatted({ t: 'float', v: 2 })).toBe('2.0');
    expect(formatted({ t: 'float', v: -0 })).toBe('-0.0');
    expect(formatted({ t: 'tuple', v: [{ t: 'int', v: '1' }] })).toBe('(1,)');
    expect(formatted({ t: 'set', v: [] })).toBe('set()');
    expect(formatPyLiteral({ t: 'float', v: 'nan' }).ok).toBe(false);
    expect(formatPyLiteral({ t: 'frozenset', v: [] }).ok).toBe(false);
    expect(formatPyLiteral({ t: 'object', type: 'Foo', repr: '<Foo>' }).ok).toBe(false);
  });
});

describe('diverging input text', () => {
  it.each<[string, string | null]>([
    ["{'a': 1}", "{'a': 1}"],
    ["input = {'a': 1}", "{'a': 1}"],
    ["kwargs: dict = {'a': 1}", "{'a': 1}"],
    ["Input: {'a': 1}", "{'a': 1}"],
    ["f(**{'a': 1})", "{'a': 1}"],
    ["solution.f( **{'a': (1, 2)})  # call", "{'a': (1, 2)}"],
    ["**{'a': 1}", "{'a': 1}"],
    ["# why\n\n{'a': 1}  # returns 2", "{'a': 1}"],
    ["{'a': '}'} and more", "{'a': '}'}"],
    ["{'a': [1,\n  2]}\n{'a': 3}", "{'a': [1,\n  2]}"],
    ["{'a': [1, 2", "{'a': [1, 2"],
    ['f(a=1)', null],
    ['', null],
  ])('extracts from %j', (text, expected) => {
    expect(extractDictLiteral(text)).toBe(expected);
  });

  it('gives one canonical form to the same input spelled differently', () => {
    expect(canonicalInput("{ 'x' : [1,2, 3], }")).toBe(canonicalInput('{"x":[1,2,3]}'));
    expect(canonicalInput('{"x": 0x10}')).toBe(canonicalInput('{"x": 16}'));
    expect(canonicalInput('{"x": 1}')).not.toBe(canonicalInput('{"x": 1.0}'));
    expect(canonicalInput('{"x": 1, "y": 2}')).not.toBe(canonicalInput('{"y": 2, "x": 1}'));
    // Not a literal: whitespace and comments outside strings still do not matter.
    expect(canonicalInput('{"x": float("nan")}  # nan')).toBe(canonicalInput('{"x":float("nan")}'));
    expect(canonicalInput('{"x": " a "}')).not.toBe(canonicalInput('{"x": "a"}'));
  });

  it('reads the keys of an input', () => {
    expect(inputKeys('{\'a\': 1, "b": [2]}')).toEqual(['a', 'b']);
    expect(inputKeys('{1: 2}')).toBeNull();
    expect(inputKeys('[1]')).toBeNull();
    expect(inputKeys('{')).toBeNull();
  });
});
