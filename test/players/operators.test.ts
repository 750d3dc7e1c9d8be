import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { enumerateMutants, MutationError, mutationOperators, type MutantList, type MutationOperator } from '../../actors/policies/mutation/enumerate';

// One small program per operator, and a variant that operator must produce.
const cases: Array<{ operator: MutationOperator; source: string; expected: string }> = [
  { operator: 'arithmetic', source: 'def f(a, b):\n    return a + b\n', expected: 'return a - b' },
  { operator: 'comparison', source: 'def f(x):\n    return x > 10\n', expected: 'return x >= 10' },
  { operator: 'boolean', source: 'def f(a, b):\n    return a and b\n', expected: 'return a or b' },
  { operator: 'boolean', source: 'def f(a):\n    return not a\n', expected: 'return a' },
  { operator: 'constant', source: 'def f(x):\n    return x + 0\n', expected: 'return x + 1' },
  { operator: 'constant', source: 'def f(s):\n    return s + ""\n', expected: 'return s + "x"' },
  { operator: 'constant', source: 'def f():\n    return True\n', expected: 'return False' },
  { operator: 'index', source: 'def f(xs, i):\n    return xs[i]\n', expected: 'return xs[i + 1]' },
  { operator: 'slice', source: 'def f(xs):\n    return xs[1:]\n', expected: 'return xs[2:]' },
  { operator: 'slice', source: 'def f(xs, j):\n    return xs[:j]\n', expected: 'return xs[:j - 1]' },
  { operator: 'range', source: 'def f(n):\n    return list(range(n))\n', expected: 'range(n + 1)' },
  { operator: 'range', source: 'def f(n):\n    return sum(range(1, n))\n', expected: 'range(2, n)' },
  { operator: 'swap-arguments', source: 'def f(a, b):\n    return pow(a, b)\n', expected: 'return pow(b, a)' },
  { operator: 'builtin', source: 'def f(xs):\n    return min(xs)\n', expected: 'return max(xs)' },
  { operator: 'builtin', source: 'def f(xs):\n    return any(xs)\n', expected: 'return all(xs)' },
  { operator: 'builtin', source: 'def f(s):\n    return s.startswith("a")\n', expected: 'return s.endswith("a")' },
  { operator: 'guard', source: 'def f(x):\n    if x < 0:\n        return 0\n    return x\n', expected: 'if True:' },
  { operator: 'guard', source: 'def f(x, y):\n    return x > 0 and y > 0\n', expected: 'return y > 0' },
  { operator: 'guard', source: 'def f(xs):\n    return [x for x in xs if x > 0]\n', expected: 'return [x for x in xs]' },
  { operator: 'break-continue', source: 'def f(xs):\n    t = 0\n    for x in xs:\n        if x < 0:\n            break\n        t += x\n    return t\n', expected: 'continue' },
  { operator: 'augmented-assignment', source: 'def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n', expected: 't -= x' },
  { operator: 'augmented-assignment', source: 'def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n', expected: '        t = x' },
  { operator: 'return-value', source: 'def f(x):\n    return x * 2\n', expected: 'return None' },
  { operator: 'return-value', source: 'def f(x):\n    return x > 2\n', expected: 'return not x > 2' },
];

describe('mutation operators (mutate.py)', () => {
  const lists = new Map<string, MutantList>();
  beforeAll(async () => {
    const sources = [...new Set(cases.map((c) => c.source))];
    const results = await Promise.all(sources.map((s) => enumerateMutants(s, 'f')));
    sources.forEach((s, i) => lists.set(s, results[i] as MutantList));
  });

  it('covers every operator in the cases below', () => {
    expect(new Set(cases.map((c) => c.operator))).toEqual(new Set(mutationOperators));
  });

  for (const c of cases) {
    it(`${c.operator}: produces '${c.expected}'`, () => {
      const { mutants, normalized } = lists.get(c.source) as MutantList;
      const ofOperator = mutants.filter((m) => m.operator === c.operator);
      expect(ofOperator.some((m) => m.source.includes(c.expected)), ofOperator.map((m) => m.source).join('\n---\n')).toBe(true);
      for (const m of mutants) {
        expect(m.source).not.toBe(normalized);
        expect(m.line).toBeGreaterThan(0);
        expect(m.description.length).toBeGreaterThan(0);
      }
    });
  }

  it('is deterministic and has no duplicate variants', async () => {
    const source = 'def f(xs, k):\n    """Docstrings are left alone."""\n    out = []\n    for i in range(len(xs)):\n        if xs[i] % k == 0 and i > 0:\n            out.append(xs[i] * 2)\n    return max(out) if out else -1\n';
    const a = await enumerateMutants(source, 'f');
    const b = await enumerateMutants(source, 'f');
    expect(a).toEqual(b);
    expect(new Set(a.mutants.map((m) => m.source)).size).toBe(a.mutants.length);
    expect(a.mutants.every((m) => m.source.includes('Docstrings are left alone.'))).toBe(true);
    expect(a.mutants.length).toBeGreaterThan(20);
  });

  it('refuses a program that does not parse, or lacks the entry point, with a typed error', async () => {
    await expect(enumerateMutants('def f(:\n  pass\n', 'f')).rejects.toMatchObject({ code: 'E_SYNTAX' });
    await expect(enumerateMutants('def g(x):\n    return x\n', 'f')).rejects.toBeInstanceOf(MutationError);
    await expect(enumerateMutants('def g(x):\n    return x\n', 'f')).rejects.toMatchObject({ code: 'E_NO_ENTRY' });
  });

  it('survives hostile input without running it', async () => {
    const deep = `def f(x):\n    return ${'('.repeat(5000)}x${')'.repeat(5000)}\n`;
    await expect(enumerateMutants(deep, 'f')).rejects.toBeInstanceOf(MutationError);
    // Code that would do harm if executed is only parsed.
    const marker = `/tmp/sinq-players-never-${process.pid}`;
    const harmful = `import os\nos.system("touch ${marker}")\ndef f(x):\n    os.system("touch ${marker}")\n    return x\n`;
    const { mutants } = await enumerateMutants(harmful, 'f');
    expect(mutants.length).toBeGreaterThan(0);
    expect(existsSync(marker)).toBe(false);
  });
});
