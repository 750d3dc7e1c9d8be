import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadTaskSet } from '../../tasks/index';
import { humanEvalFile, jsonl, tempDir } from './helpers';

describe.skipIf(!existsSync(humanEvalFile))(
  `HumanEval loader on the public file (skipped: ${humanEvalFile} is missing)`,
  () => {
    it('loads 164 tasks with their entry points and inputs derived from check()', async () => {
      const { tasks, skipped, warnings } = await loadTaskSet(`humaneval:${humanEvalFile}`);
      expect(tasks).toHaveLength(164);
      expect(skipped).toEqual([]);
      expect(tasks.map((t) => t.id)).toEqual(Array.from({ length: 164 }, (_, i) => `HumanEval/${i}`));
      const first = tasks[0]!;
      expect(first.entryPoint).toBe('has_close_elements');
      expect(first.origin).toBe('humaneval:HumanEval/0');
      expect(first.exampleInputs[0]).toBe("{'numbers': [1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 'threshold': 0.3}");
      expect(first.exampleInputs).toHaveLength(7);
      expect(first.source).toMatch(/def has_close_elements\(numbers: List\[float\], threshold: float\) -> bool:/);
      expect(first.source).toMatch(/\n {4}for idx, elem in enumerate\(numbers\):/);
      expect(first.description).toMatch(/^Check if in given list of numbers/);
      for (const task of tasks) expect(task.source).toMatch(new RegExp(`def ${task.entryPoint}\\(`));
      // Inputs built only from non-literal expressions cannot be derived: those tasks are kept and reported.
      const empty = tasks.filter((t) => t.exampleInputs.length === 0).map((t) => t.id);
      expect(empty).toEqual(['HumanEval/32', 'HumanEval/38', 'HumanEval/50']);
      expect(warnings.filter((w) => w.reason.includes('no derivable')).map((w) => w.line)).toEqual([33, 39, 51]);
      expect(tasks.filter((t) => t.exampleInputs.length >= 3).length).toBeGreaterThan(150);
      // Constant arithmetic in a call is folded: HumanEval/25 asserts candidate(3 * 19).
      expect(tasks[25]!.exampleInputs).toContain("{'n': 57}");
    });

    it('is recognised from the file name without a prefix', async () => {
      const { tasks } = await loadTaskSet(humanEvalFile, { limit: 5 });
      expect(tasks.map((t) => t.origin)).toEqual([
        'humaneval:HumanEval/0',
        'humaneval:HumanEval/1',
        'humaneval:HumanEval/2',
        'humaneval:HumanEval/3',
        'humaneval:HumanEval/4',
      ]);
    });
  },
);

describe('HumanEval loader on small files', () => {
  const row = {
    task_id: 'T/0',
    prompt: 'def inc(x, step=1):\n    """Add step to x."""\n',
    entry_point: 'inc',
    canonical_solution: '    return x + step\n',
    test: 'def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(-1, step=(2, 3)[0]) == 1\n    assert candidate(x=5, step=-5) == 0\n',
  };

  it('reads plain and gzip JSONL, names bad rows, and skips them with lenient', async () => {
    const tmp = tempDir();
    try {
      const plain = tmp.write('humaneval-small.jsonl', jsonl([row]));
      const set = await loadTaskSet(plain);
      expect(set.tasks[0]!.exampleInputs).toEqual(["{'x': 1}", "{'x': 5, 'step': -5}"]);
      expect(set.tasks[0]!.description).toBe('Add step to x.');
      expect(set.warnings[0]!.reason).toMatch(/T\/0: 1 test call\(s\) not usable/);

      const gz = tmp.write('humaneval-small.jsonl.gz', '');
      await import('node:fs').then((fs) =>
        fs.writeFileSync(
          gz,
          gzipSync(
            jsonl([row, { ...row, task_id: 'T/1', entry_point: 'missing' }, { ...row, task_id: 'T/2', test: 7 }]),
          ),
        ),
      );
      await expect(loadTaskSet(gz)).rejects.toMatchObject({
        code: 'E_TASK_ROW',
        message: expect.stringMatching(/humaneval-small\.jsonl\.gz:3: field 'test': /),
      });
      const lenient = await loadTaskSet(gz, { lenient: true });
      expect(lenient.tasks.map((t) => t.id)).toEqual(['T/0']);
      expect(lenient.skipped.map((s) => s.line)).toEqual([2, 3]);
      expect(lenient.skipped[0]!.reason).toMatch(/T\/1: entry point 'missing' is not a top-level function/);
    } finally {
      tmp.cleanup();
    }
  });
});
