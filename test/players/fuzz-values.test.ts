import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzePair } from '../../actors/policies/fuzz/analysis';
import { boundaryValue, injectConstant, mutateValue } from '../../actors/policies/fuzz/mutators';
import { guessShape, randomValue, shapeOfAnnotation, emptyPool, type Shape } from '../../actors/policies/fuzz/shapes';
import { shrinkCandidates } from '../../actors/policies/fuzz/shrink';
import { renderInput, renderLiteral, valueSize, type FuzzInput } from '../../actors/policies/fuzz/values';
import { compareValues } from '../../game/compare';
import { createRng } from '../../game/random';
import type { PyValue } from '../../game/types';

const shapes: Shape[] = [
  { kind: 'int' },
  { kind: 'float' },
  { kind: 'str' },
  { kind: 'bool' },
  { kind: 'list', elem: { kind: 'int' } },
  { kind: 'tuple', elem: { kind: 'str' } },
  { kind: 'set', elem: { kind: 'int' } },
  { kind: 'dict', key: { kind: 'str' }, value: { kind: 'list', elem: { kind: 'float' } } },
  { kind: 'list', elem: { kind: 'list', elem: { kind: 'int' } } },
];

describe('fuzz values', () => {
  it('renders values that Python reads back as the same values', async () => {
    const rng = createRng(42);
    const pool = { ints: [7n, 10n ** 30n], floats: [2.5], strs: ['q"\\\n\u00e9\u2028'] };
    const inputs: FuzzInput[] = [];
    for (let i = 0; i < 40; i++) inputs.push(shapes.map((shape, k) => [`p${k}`, randomValue(shape, rng, pool)]));
    inputs.push([['big', { t: 'int', v: (10n ** 40n).toString() }], ['neg0', { t: 'float', v: -0 }], ['inf', { t: 'float', v: 'inf' }], ['one', { t: 'tuple', v: [{ t: 'none' }] }], ['b', { t: 'bytes', v: Buffer.from([0, 255, 39]).toString('base64') }], ['c', { t: 'complex', re: 1, im: -2 }], ['e', { t: 'set', v: [] }]]);
    const analysis = await analyzePair({ original: 'def f(**kw):\n    return kw\n', entryPoint: 'f', examples: inputs.map(renderInput) });
    analysis.examples.forEach((parsed, i) => {
      expect(parsed.ok, renderInput(inputs[i]!)).toBe(true);
      if (!parsed.ok) return;
      for (const [name, value] of inputs[i]!) expect(compareValues(parsed.value[name]!, value), `${name}: ${renderLiteral(value)}`).toBe(true);
    });
  });

  it('shrink candidates are strictly smaller and of the same type', () => {
    const rng = createRng(7);
    for (let i = 0; i < 300; i++) {
      const value = randomValue(shapes[i % shapes.length]!, rng, emptyPool());
      for (const candidate of shrinkCandidates(value)) {
        expect(valueSize(candidate)).toBeLessThan(valueSize(value));
        expect(candidate.t).toBe(value.t);
      }
    }
    expect(shrinkCandidates({ t: 'int', v: '0' })).toEqual([]);
    expect(shrinkCandidates({ t: 'str', v: '' })).toEqual([]);
    expect(shrinkCandidates({ t: 'int', v: '-40' }).map((v) => (v as { v: string }).v)).toEqual(['0', '40', '-20', '-39']);
  });

  it('type-aware mutation keeps the top-level type (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: shapes.length - 1 }), (seed, k) => {
        const rng = createRng(seed);
        const value = randomValue(shapes[k]!, rng, emptyPool());
        const mutated = mutateValue(value, rng, { ints: [3n], floats: [], strs: ['ab'] });
        return mutated.t === value.t;
      }),
      { numRuns: 300 },
    );
  });

  it('injects constants from the code into values, lengths and nested elements', () => {
    const rng = createRng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const injected = injectConstant({ t: 'list', v: [{ t: 'int', v: '1' }, { t: 'int', v: '2' }] }, { t: 'int', v: '10' }, rng, emptyPool());
      seen.add(renderLiteral(injected!));
    }
    expect([...seen].some((s) => /\b(9|10|11)\b/.test(s))).toBe(true);
    expect([...seen].some((s) => s.split(',').length >= 9)).toBe(true);
    const text = injectConstant({ t: 'str', v: 'hello' }, { t: 'str', v: 'xyz' }, rng, emptyPool());
    expect(text?.t === 'str' && text.v.includes('xyz')).toBe(true);
    expect(injectConstant({ t: 'bool', v: true }, { t: 'str', v: 'a' }, rng, emptyPool())).toBeNull();
    const equal = boundaryValue({ t: 'int', v: '3' }, { t: 'int', v: '8' }, rng) as PyValue;
    expect(['7', '8', '9']).toContain((equal as { v: string }).v);
  });

  it('guesses shapes from annotations, usage and names', async () => {
    expect(shapeOfAnnotation('List[int]')).toEqual({ kind: 'list', elem: { kind: 'int' } });
    expect(shapeOfAnnotation('dict[str, list[str]]')).toEqual({ kind: 'dict', key: { kind: 'str' }, value: { kind: 'list', elem: { kind: 'str' } } });
    const source = 'def f(a, b, words, n=3):\n    total = 0\n    for x in a:\n        total += x * 2\n    if b.startswith("x"):\n        total += len(words)\n    return total % n\n';
    const analysis = await analyzePair({ original: source, entryPoint: 'f' });
    const byName = Object.fromEntries(analysis.params.map((p) => [p.name, guessShape(p, undefined)]));
    expect(byName.a).toEqual({ kind: 'list', elem: { kind: 'int' } });
    expect(byName.b).toEqual({ kind: 'str' });
    expect(byName.words).toEqual({ kind: 'list', elem: { kind: 'str' } });
    expect(byName.n).toEqual({ kind: 'int' });
  });

  it('finds the constants on the lines that differ, ignoring formatting', async () => {
    const original = 'def f(x, s):\n    # a comment\n    if x > 10:\n        return s + "a"\n    return s\n';
    const variant = 'def f(x, s):\n    if x >= 10:\n        return s + "a"\n    return s\n';
    const analysis = await analyzePair({ original, variant, entryPoint: 'f' });
    expect(analysis.changedLiterals).toEqual([{ t: 'int', v: '10' }]);
    expect(analysis.changedLines.join('\n')).toContain('x >= 10');
    const broken = await analyzePair({ original, variant: 'def f(x, s:\n', entryPoint: 'f' });
    expect(broken.variantError).toContain('does not parse');
    await expect(analyzePair({ original: 'def f(:', entryPoint: 'f' })).rejects.toMatchObject({ code: 'E_SYNTAX' });
  });
});
