// The Python side that turns test calls into keyword-argument dict literals, checked on small rows.
import { describe, expect, it } from 'vitest';
import { analyse } from '../../tasks/analysis';

async function derive(source: string, tests: string[]) {
  const result = (await analyse({ mode: 'mbpp', rows: [{ key: 1, source, tests }] })).get(1);
  if (!result || !result.ok) throw new Error(`analysis failed: ${JSON.stringify(result)}`);
  return result;
}

describe('deriving example inputs from asserts', () => {
  it('maps positional arguments to parameter names and keeps tuples, sets, negatives, bytes and None', async () => {
    const result = await derive('def f(a, b, c=None, *, d=1):\n    return a\n', [
      'assert f((1, -2), {3}, None) == 1',
      "assert f([], b'x\\x00', d=-0.5) == []",
      "assert sorted(f({'k': (1,)}, set())) == []",
    ]);
    expect(result.entryPoint).toBe('f');
    expect(result.params).toEqual(['a', 'b', 'c', 'd']);
    expect(result.inputs).toEqual([
      "{'a': (1, -2), 'b': {3}, 'c': None}",
      "{'a': [], 'b': b'x\\x00', 'd': -0.5}",
      "{'a': {'k': (1,)}, 'b': set()}",
    ]);
  });

  it('drops calls it cannot express as keywords, saying why', async () => {
    const result = await derive('def f(a, /, b=2, *rest):\n    return a\n', [
      'assert f(1) == 1',
      'assert f(x) == 1',
      'assert f(a=1) == 1',
    ]);
    expect(result.inputs).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/positional-only parameter\(s\) a cannot be passed by keyword/);
    expect(result.notes.join('\n')).toMatch(/argument is not a literal: x/);
    const varargs = await derive('def g(*items):\n    return items\n', ['assert g(1, 2) == (1, 2)']);
    expect(varargs.notes[0]).toMatch(/more positional arguments than named parameters/);
  });

  it('folds small constant arithmetic but refuses expressions that would blow up', async () => {
    const result = await derive('def f(x):\n    return x\n', [
      'assert f(3 * 19) == 57',
      "assert f('ab' * 2 + 'c') == 'ababc'",
      'assert f([1 / 4, -(2 ** 3)]) == 0',
      'assert f(10 ** 10 ** 10) == 0',
      "assert f('x' * 10 ** 9) == 0",
      'assert f(len([1])) == 1',
    ]);
    expect(result.inputs).toEqual(["{'x': 57}", "{'x': 'ababc'}", "{'x': [0.25, -8]}"]);
    expect(result.notes).toHaveLength(3);
  });

  it('picks the function the tests call, not a helper or a class', async () => {
    const source = 'class Box:\n    pass\n\ndef helper(v):\n    return v\n\ndef main(v):\n    return helper(v)\n';
    const result = await derive(source, [
      'assert main(1) == 1',
      'assert main(2) == 2 and helper(2) == 2',
      'assert main(3) == 3',
    ]);
    expect(result.entryPoint).toBe('main');
    expect(result.inputs).toEqual(["{'v': 1}", "{'v': 2}", "{'v': 3}"]);
  });

  it('analyses many rows in one process and reports a row that does not parse', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      key: i,
      source: `def f${i}(n):\n    return n\n`,
      tests: [`assert f${i}(${i}) == ${i}`],
    }));
    rows.push({ key: 999, source: 'def broken(:\n', tests: ['assert broken() is None'] });
    const results = await analyse({ mode: 'mbpp', rows });
    expect(results.size).toBe(201);
    expect(results.get(150)).toMatchObject({ ok: true, entryPoint: 'f150', inputs: ["{'n': 150}"] });
    expect(results.get(999)).toMatchObject({ ok: false, reason: expect.stringMatching(/source does not parse/) });
  });
});
