import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/index';

describe('sandbox: basic outcomes', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ workers: 2, defaultTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('returns the canonical value of the entry point', async () => {
    const outcome = await sandbox.run({ source: 'def f(x):\n    return x + 1\n', entryPoint: 'f', input: '{"x": 41}' });
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'int', v: '42' } });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('encodes every builtin value type in the tagged tree', async () => {
    const source = [
      'def f():',
      '    return [None, True, 2**70, -1.5, float("nan"), float("-inf"), 1+2j, "é", b"\\x00\\xff",',
      '            (1,), {3, 1, 2}, frozenset(), {"k": [1]}]',
    ].join('\n');
    const outcome = await sandbox.run({ source, entryPoint: 'f', input: '{}' });
    expect(outcome.kind).toBe('returned');
    if (outcome.kind !== 'returned') return;
    expect(outcome.value).toEqual({
      t: 'list',
      v: [
        { t: 'none' },
        { t: 'bool', v: true },
        { t: 'int', v: '1180591620717411303424' },
        { t: 'float', v: -1.5 },
        { t: 'float', v: 'nan' },
        { t: 'float', v: '-inf' },
        { t: 'complex', re: 1, im: 2 },
        { t: 'str', v: 'é' },
        { t: 'bytes', v: Buffer.from([0, 255]).toString('base64') },
        { t: 'tuple', v: [{ t: 'int', v: '1' }] },
        { t: 'set', v: [{ t: 'int', v: '1' }, { t: 'int', v: '2' }, { t: 'int', v: '3' }] },
        { t: 'frozenset', v: [] },
        { t: 'dict', v: [[{ t: 'str', v: 'k' }, { t: 'list', v: [{ t: 'int', v: '1' }] }]] },
      ],
    });
  });

  it('turns other objects into type and repr', async () => {
    const source = 'class P:\n    def __repr__(self):\n        return "P()"\ndef f():\n    return P()\n';
    const outcome = await sandbox.run({ source, entryPoint: 'f', input: '{}' });
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'object', type: '__sinq_program__.P', repr: 'P()' } });
  });

  it('reports a raised exception with its type and message', async () => {
    const outcome = await sandbox.run({ source: 'def f(s):\n    return int(s)\n', entryPoint: 'f', input: '{"s": "x"}' });
    expect(outcome).toMatchObject({ kind: 'raised', type: 'ValueError', message: "invalid literal for int() with base 10: 'x'" });
  });

  it('reports a timeout at the requested limit', async () => {
    const outcome = await sandbox.run({ source: 'def f():\n    while True:\n        pass\n', entryPoint: 'f', input: '{}', timeoutMs: 500 });
    expect(outcome).toMatchObject({ kind: 'timeout', limitMs: 500 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(500);
  });

  it.each([
    ['a syntax error', 'def f(:\n    pass\n', 'f', '{}', /syntax error/],
    ['a missing entry point', 'def g():\n    return 1\n', 'f', '{}', /entry point 'f' is not defined/],
    ['an entry point that is not callable', 'f = 3\n', 'f', '{}', /not callable/],
    ['an input that is not a literal', 'def f(x):\n    return x\n', 'f', '{"x": __import__("os")}', /not a Python literal/],
    ['an input that is not a dict', 'def f(x):\n    return x\n', 'f', '[1]', /not a dict literal/],
    ['an input with unknown parameters', 'def f(x):\n    return x\n', 'f', '{"y": 1}', /does not match the parameters/],
    ['an input missing parameters', 'def f(x, y):\n    return x\n', 'f', '{"x": 1}', /does not match the parameters/],
    ['an entry point that is not an identifier', 'def f():\n    return 1\n', 'f()', '{}', /not a Python identifier/],
  ])('classifies %s as invalid', async (_label, source, entryPoint, input, reason) => {
    const outcome = await sandbox.run({ source, entryPoint, input });
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind === 'invalid') expect(outcome.reason).toMatch(reason);
  });

  it('brings back large results whole', async () => {
    const outcome = await sandbox.run({ source: 'def f(n):\n    return ["x" * 50 for _ in range(n)]\n', entryPoint: 'f', input: '{"n": 100000}' });
    expect(outcome.kind).toBe('returned');
    if (outcome.kind !== 'returned' || outcome.value.t !== 'list') throw new Error('expected a list');
    expect(outcome.value.v).toHaveLength(100000);
    expect(outcome.value.v[99999]).toEqual({ t: 'str', v: 'x'.repeat(50) });
  });

  it('checks parameters of decorated functions, callables and keyword-only parameters', async () => {
    const decorated = [
      'import functools',
      'def deco(fn):',
      '    @functools.wraps(fn)',
      '    def inner(*a, **k):',
      '        return fn(*a, **k)',
      '    return inner',
      '@deco',
      'def f(x, *, y=1):',
      '    return x + y',
    ].join('\n');
    expect(await sandbox.run({ source: decorated, entryPoint: 'f', input: '{"x": 1, "y": 2}' })).toMatchObject({ kind: 'returned', value: { t: 'int', v: '3' } });
    expect(await sandbox.run({ source: decorated, entryPoint: 'f', input: '{"z": 1}' })).toMatchObject({ kind: 'invalid' });
    const callable = 'class C:\n    def __call__(self, n):\n        return n * 2\nf = C()\n';
    expect(await sandbox.run({ source: callable, entryPoint: 'f', input: '{"n": 4}' })).toMatchObject({ kind: 'returned', value: { t: 'int', v: '8' } });
    expect(await sandbox.run({ source: callable, entryPoint: 'f', input: '{}' })).toMatchObject({ kind: 'invalid' });
    const kwonly = 'def f(a, /, b, *, c, d=4, **rest):\n    return [a, b, c, d, rest]\n';
    expect(await sandbox.run({ source: kwonly, entryPoint: 'f', input: '{"a": 1, "b": 2, "c": 3}' })).toMatchObject({ kind: 'invalid' });
    const noPosOnly = 'def f(b, *, c, d=4, **rest):\n    return [b, c, d, sorted(rest)]\n';
    expect(await sandbox.run({ source: noPosOnly, entryPoint: 'f', input: '{"b": 2, "c": 3, "e": 5}' })).toMatchObject({ kind: 'returned' });
    expect(await sandbox.run({ source: noPosOnly, entryPoint: 'f', input: '{"b": 2}' })).toMatchObject({ kind: 'invalid' });
  });

  it('runs a pair on the same input', async () => {
    const pair = await sandbox.runPair({
      original: 'def f(n):\n    return n * 2\n',
      variant: 'def f(n):\n    return n * 2 if n != 3 else 7\n',
      entryPoint: 'f',
      input: '{"n": 3}',
    });
    expect(pair.original).toMatchObject({ kind: 'returned', value: { t: 'int', v: '6' } });
    expect(pair.variant).toMatchObject({ kind: 'returned', value: { t: 'int', v: '7' } });
  });

  it('keeps many concurrent runs apart', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sandbox.run({ source: 'def f(i):\n    return i * i\n', entryPoint: 'f', input: `{"i": ${i}}` })),
    );
    outcomes.forEach((outcome, i) => expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'int', v: String(i * i) } }));
  });
});
