import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOutcomes, compareValues, pyValueKey } from '../../game/compare';
import { CLEAN_FINISH_FRACTION } from '../../game/timeouts';
import type { Outcome, PyValue } from '../../game/types';
import { equalRewrite, pyValueArb } from './arbitraries';

const int = (v: number | bigint | string): PyValue => ({ t: 'int', v: String(v) });
const float = (v: number | 'nan' | 'inf' | '-inf'): PyValue => ({ t: 'float', v });
const bool = (v: boolean): PyValue => ({ t: 'bool', v });
const str = (v: string): PyValue => ({ t: 'str', v });
const list = (...v: PyValue[]): PyValue => ({ t: 'list', v });
const tuple = (...v: PyValue[]): PyValue => ({ t: 'tuple', v });
const set = (...v: PyValue[]): PyValue => ({ t: 'set', v });
const frozenset = (...v: PyValue[]): PyValue => ({ t: 'frozenset', v });
const dict = (...v: Array<[PyValue, PyValue]>): PyValue => ({ t: 'dict', v });

describe('compareValues: Python == semantics', () => {
  it.each<[string, PyValue, PyValue, boolean]>([
    ['1 == 1.0', int(1), float(1), true],
    ['1 == True', int(1), bool(true), true],
    ['0 == False', int(0), bool(false), true],
    ['True == 1.0', bool(true), float(1), true],
    ['1 == 1+0j', int(1), { t: 'complex', re: 1, im: 0 }, true],
    ['1 != 1+1j', int(1), { t: 'complex', re: 1, im: 1 }, false],
    ['0.5 == 0.5+0j', float(0.5), { t: 'complex', re: 0.5, im: 0 }, true],
    ['2**53+1 != float(2**53)', int(2n ** 53n + 1n), float(2 ** 53), false],
    ['2**53 == float(2**53)', int(2n ** 53n), float(2 ** 53), true],
    ['10**300 != 1e300 (1e300 is not exactly 10**300)', int(10n ** 300n), float(1e300), false],
    ['int(1e300) == 1e300', int(BigInt(1e300)), float(1e300), true],
    ['-0.0 == 0.0', float(-0), float(0), true],
    ['-0.0 == 0', float(-0), int(0), true],
    ['nan == nan (deliberate)', float('nan'), float('nan'), true],
    ['nan != 0', float('nan'), float(0), false],
    ['inf == inf', float('inf'), float('inf'), true],
    ['inf != -inf', float('inf'), float('-inf'), false],
    ['inf != huge int', float('inf'), int(10n ** 400n), false],
    ['0.1 != 0', float(0.1), int(0), false],
    ["'1' != 1", str('1'), int(1), false],
    ["'a' != b'a'", str('a'), { t: 'bytes', v: 'YQ==' }, false],
    ["b'a' == b'a'", { t: 'bytes', v: 'YQ==' }, { t: 'bytes', v: 'YQ==' }, true],
    ['[1] != (1,)', list(int(1)), tuple(int(1)), false],
    ['[] != ()', list(), tuple(), false],
    ['[1, 2] != [2, 1]', list(int(1), int(2)), list(int(2), int(1)), false],
    ['[1, 2] == [1.0, True*2]', list(int(1), int(2)), list(float(1), float(2)), true],
    ['[1] != [1, 1]', list(int(1)), list(int(1), int(1)), false],
    ['{1, 2} == {2, 1}', set(int(1), int(2)), set(int(2), int(1)), true],
    ['{1} == frozenset({1})', set(int(1)), frozenset(int(1)), true],
    ['{1} == {True}', set(int(1)), set(bool(true)), true],
    ['{1} != {1, 2}', set(int(1)), set(int(1), int(2)), false],
    ['set() != {}', set(), dict(), false],
    ['set() != []', set(), list(), false],
    [
      "{'a': 1, 'b': 2} == {'b': 2, 'a': 1}",
      dict([str('a'), int(1)], [str('b'), int(2)]),
      dict([str('b'), int(2)], [str('a'), int(1)]),
      true,
    ],
    ['{1: "x"} == {1.0: "x"} == {True: "x"}', dict([int(1), str('x')]), dict([bool(true), str('x')]), true],
    ['{1: "x"} != {1: "y"}', dict([int(1), str('x')]), dict([int(1), str('y')]), false],
    ['{1: "x"} != {1: "x", 2: "x"}', dict([int(1), str('x')]), dict([int(1), str('x')], [int(2), str('x')]), false],
    ['None == None', { t: 'none' }, { t: 'none' }, true],
    ['None != 0', { t: 'none' }, int(0), false],
    ['None != False', { t: 'none' }, bool(false), false],
    [
      'objects: same type and repr',
      { t: 'object', type: 'Foo', repr: '<Foo>' },
      { t: 'object', type: 'Foo', repr: '<Foo>' },
      true,
    ],
    [
      'objects: different repr',
      { t: 'object', type: 'Foo', repr: '<Foo a>' },
      { t: 'object', type: 'Foo', repr: '<Foo b>' },
      false,
    ],
    [
      'objects: different type',
      { t: 'object', type: 'Foo', repr: '<x>' },
      { t: 'object', type: 'Bar', repr: '<x>' },
      false,
    ],
    [
      'objects: addresses in default reprs ignored',
      { t: 'object', type: 'Foo', repr: '<__main__.Foo object at 0x7f3a2b1c0d90>' },
      { t: 'object', type: 'Foo', repr: '<__main__.Foo object at 0x7f11aa000010>' },
      true,
    ],
    [
      'objects: other text in reprs still counts',
      { t: 'object', type: 'Foo', repr: '<__main__.Foo object at 0x7f3a2b1c0d90> 1' },
      { t: 'object', type: 'Foo', repr: '<__main__.Foo object at 0x7f3a2b1c0d90> 2' },
      false,
    ],
    ['[nan] == [nan]', list(float('nan')), list(float('nan')), true],
    ['{nan} == {nan}', set(float('nan')), set(float('nan')), true],
  ])('%s', (_name, a, b, expected) => {
    expect(compareValues(a, b)).toBe(expected);
    expect(compareValues(b, a)).toBe(expected);
    expect(pyValueKey(a) === pyValueKey(b)).toBe(expected);
  });

  it('is reflexive, including NaN anywhere in a value', () => {
    fc.assert(fc.property(pyValueArb({ nan: true, nonLiteral: true }), (v) => compareValues(v, v)));
  });

  it('is symmetric and agrees with pyValueKey on arbitrary pairs', () => {
    fc.assert(
      fc.property(pyValueArb({ nan: true, nonLiteral: true }), pyValueArb({ nan: true, nonLiteral: true }), (a, b) => {
        const ab = compareValues(a, b);
        expect(compareValues(b, a)).toBe(ab);
        expect(pyValueKey(a) === pyValueKey(b)).toBe(ab);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a value equal to its respellings (int/float/bool, set/frozenset, reordered sets and dicts)', () => {
    fc.assert(
      fc.property(pyValueArb({ nan: true, nonLiteral: true }), fc.integer(), (v, seed) => {
        let state = seed >>> 0;
        const rng = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        const w = equalRewrite(v, rng);
        expect(compareValues(v, w)).toBe(true);
        expect(pyValueKey(v)).toBe(pyValueKey(w));
      }),
      { numRuns: 300 },
    );
  });

  it('never equates a list with the tuple of the same items', () => {
    fc.assert(
      fc.property(
        fc.array(pyValueArb(), { maxLength: 4 }),
        (items) => !compareValues({ t: 'list', v: items }, { t: 'tuple', v: items }),
      ),
    );
  });

  it('is order-sensitive for lists with two unequal items', () => {
    fc.assert(
      fc.property(pyValueArb(), pyValueArb(), (a, b) => {
        fc.pre(!compareValues(a, b));
        return !compareValues(list(a, b), list(b, a));
      }),
    );
  });

  it('compares ints exactly against floats', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
        const f = Number(n);
        expect(compareValues(int(n), float(f))).toBe(BigInt(f) === n);
      }),
    );
  });
});

const returned = (value: PyValue, durationMs = 10): Outcome => ({ kind: 'returned', value, durationMs });
const raised = (type: string, message: string, durationMs = 10): Outcome => ({
  kind: 'raised',
  type,
  message,
  durationMs,
});
const timeout = (limitMs = 4000): Outcome => ({ kind: 'timeout', limitMs, durationMs: limitMs });
const crashed = (reason: string, durationMs = 50): Outcome => ({ kind: 'crashed', reason, durationMs });
const invalid = (reason = 'SyntaxError: invalid syntax'): Outcome => ({ kind: 'invalid', reason, durationMs: 5 });

describe('compareOutcomes', () => {
  const limit = 4000;
  const margin = limit * CLEAN_FINISH_FRACTION;

  it.each<[string, Outcome, Outcome, string]>([
    ['equal returns', returned(int(1)), returned(float(1)), 'same'],
    ['unequal returns', returned(int(1)), returned(int(2)), 'different'],
    [
      'same exception type and message (not identity)',
      raised('ValueError', 'bad'),
      raised('ValueError', 'bad'),
      'same',
    ],
    [
      'messages that differ only in a memory address',
      raised('TypeError', "'<' not supported: <Foo object at 0x7f01> and <Foo object at 0x7f02>"),
      raised('TypeError', "'<' not supported: <Foo object at 0x7e99> and <Foo object at 0x7e98>"),
      'same',
    ],
    ['same type, other message', raised('ValueError', 'bad'), raised('ValueError', 'worse'), 'different'],
    ['other exception type', raised('ValueError', 'x'), raised('TypeError', 'x'), 'different'],
    ['return vs raise', returned(int(1)), raised('ValueError', 'x'), 'different'],
    ['timeout vs timeout', timeout(), timeout(), 'same'],
    ['timeout vs quick return', timeout(), returned(int(1), 100), 'different'],
    ['timeout vs quick raise', raised('E', '', 100), timeout(), 'different'],
    ['timeout vs return exactly at the margin', timeout(), returned(int(1), margin), 'different'],
    ['timeout vs slow return (slow versus slower)', timeout(), returned(int(1), margin + 1), 'inconclusive'],
    ['crash vs same crash', crashed('memory limit'), crashed('memory limit'), 'same'],
    ['crash vs other crash', crashed('memory limit'), crashed('killed by SIGSEGV'), 'inconclusive'],
    ['crash vs quick return', crashed('memory limit'), returned(int(1), 20), 'different'],
    ['crash vs slow return', returned(int(1), margin + 500), crashed('memory limit'), 'inconclusive'],
    ['crash vs timeout', crashed('memory limit'), timeout(), 'inconclusive'],
    ['invalid on the left', invalid(), returned(int(1)), 'not-comparable'],
    ['invalid on the right', timeout(), invalid(), 'not-comparable'],
    ['invalid on both', invalid(), invalid(), 'not-comparable'],
  ])('%s', (_name, a, b, relation) => {
    const ab = compareOutcomes(a, b, limit);
    expect(ab.relation).toBe(relation);
    expect(ab.reason.length).toBeGreaterThan(0);
    expect(compareOutcomes(b, a, limit).relation).toBe(relation);
  });

  it('is symmetric for arbitrary outcomes and limits', () => {
    const outcome = fc.oneof(
      fc.record({
        kind: fc.constant('returned' as const),
        value: pyValueArb({ maxDepth: 1 }),
        durationMs: fc.nat(6000),
      }),
      fc.record({
        kind: fc.constant('raised' as const),
        type: fc.constantFrom('ValueError', 'TypeError'),
        message: fc.constantFrom('', 'x'),
        durationMs: fc.nat(6000),
      }),
      fc.record({ kind: fc.constant('timeout' as const), limitMs: fc.constant(4000), durationMs: fc.nat(6000) }),
      fc.record({
        kind: fc.constant('crashed' as const),
        reason: fc.constantFrom('memory', 'signal'),
        durationMs: fc.nat(6000),
      }),
      fc.record({ kind: fc.constant('invalid' as const), reason: fc.constant('bad'), durationMs: fc.nat(100) }),
    );
    fc.assert(
      fc.property(outcome, outcome, fc.integer({ min: 2500, max: 5000 }), (a, b, limitMs) => {
        expect(compareOutcomes(a, b, limitMs).relation).toBe(compareOutcomes(b, a, limitMs).relation);
        expect(compareOutcomes(a, a, limitMs).relation).toMatch(a.kind === 'invalid' ? 'not-comparable' : 'same');
      }),
      { numRuns: 500 },
    );
  });
});
