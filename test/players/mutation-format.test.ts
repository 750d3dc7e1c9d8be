import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { enumerateMutants, type Mutant } from '../../actors/policies/mutation/enumerate';

interface TaskLine {
  id: string;
  source: string;
  entryPoint: string;
}

const tasks: TaskLine[] = readFileSync(new URL('../../data/tasks.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as TaskLine);

/** 1-based first and last original lines that differ from the variant (null when none do). */
function changedLines(original: string, variant: string): { first: number; last: number } | null {
  const a = original.split('\n');
  const b = variant.split('\n');
  let prefix = 0;
  while (prefix < Math.min(a.length, b.length) && a[prefix] === b[prefix]) prefix++;
  if (prefix === a.length && prefix === b.length) return null;
  let suffix = 0;
  while (suffix < Math.min(a.length, b.length) - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { first: prefix + 1, last: Math.max(prefix + 1, a.length - suffix) };
}

function expectConfined(source: string, m: Mutant): void {
  const changed = changedLines(source, m.source);
  expect(changed, `${m.description}: the variant equals the original`).not.toBeNull();
  if (!changed) return;
  expect(changed.first, m.description).toBeGreaterThanOrEqual(m.line);
  expect(changed.last, m.description).toBeLessThanOrEqual(m.endLine);
}

describe('mutants keep the original formatting (mutate.py splices the changed piece)', () => {
  // Tasks with double-quoted strings, several statements per function and nested expressions.
  const picked = tasks.filter((_, i) => i % 7 === 0).slice(0, 10);

  it('on tasks of data/tasks.jsonl, every mutant differs from the original only on the lines of its change', async () => {
    expect(picked.length).toBeGreaterThanOrEqual(8);
    let count = 0;
    for (const task of picked) {
      const { mutants } = await enumerateMutants(task.source, task.entryPoint);
      expect(mutants.length, task.id).toBeGreaterThan(0);
      for (const m of mutants) {
        expect(m.formatting, `${task.id}: ${m.description}`).toBe('kept');
        expectConfined(task.source, m);
        count++;
      }
    }
    expect(count).toBeGreaterThan(100);
  });

  it('keeps comments, quote style and spacing that ast.unparse would rewrite', async () => {
    const source = [
      'def f(xs, sep):',
      '    # keep this comment',
      "    parts = [str(x)  for x in xs if x>0]   # and this one",
      '    if len(parts) == 0:',
      '        return "empty"',
      '    return sep.join(parts) + "!"',
      '',
    ].join('\n');
    const { mutants } = await enumerateMutants(source, 'f');
    const comparison = mutants.find((m) => m.description === "'==' -> '!='");
    expect(comparison?.source).toBe(source.replace('if len(parts) == 0:', 'if len(parts) != 0:'));
    const filter = mutants.find((m) => m.description.startsWith('drop filter'));
    expect(filter?.source.split('\n')[2]).toBe('    parts = [str(x)  for x in xs]   # and this one');
    const literal = mutants.find((m) => m.operator === 'constant' && m.description === "'empty' -> ''");
    expect(literal?.source.split('\n')[4]).toBe('        return ""');
    for (const m of mutants) {
      expect(m.formatting).toBe('kept');
      expect(m.source).toContain('# keep this comment');
      expectConfined(source, m);
    }
  });

  it('parenthesizes a replacement where precedence needs it, and the variant still means the mutant', async () => {
    const source = 'def f(a, b, c):\n    return a * (b + c)\n';
    const { mutants } = await enumerateMutants(source, 'f');
    const swapped = mutants.find((m) => m.description === "'+' -> '-'");
    expect(swapped?.source).toBe('def f(a, b, c):\n    return a * (b - c)\n');
    const swapArgs = await enumerateMutants('def f(a, b):\n    return pow( a,  b )\n', 'f');
    expect(swapArgs.mutants.find((m) => m.operator === 'swap-arguments')?.source).toBe('def f(a, b):\n    return pow( b,  a )\n');
  });
});
