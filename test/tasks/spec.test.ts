import { describe, expect, it } from 'vitest';
import { parseTaskSetSpec, TaskSetError } from '../../tasks/index';

describe('task-set specs', () => {
  it('reads explicit kinds and MBPP splits', () => {
    expect(parseTaskSetSpec('mbpp:/d/mbpp.jsonl#test')).toEqual({ kind: 'mbpp', path: '/d/mbpp.jsonl', split: 'test' });
    expect(parseTaskSetSpec('mbpp:/d/x.jsonl')).toEqual({ kind: 'mbpp', path: '/d/x.jsonl' });
    expect(parseTaskSetSpec('humaneval:/d/he.jsonl.gz')).toEqual({ kind: 'humaneval', path: '/d/he.jsonl.gz' });
    expect(parseTaskSetSpec('sinq:/d/mbpp-like.jsonl')).toEqual({ kind: 'sinq', path: '/d/mbpp-like.jsonl' });
  });

  it('guesses the kind from the file name', () => {
    expect(parseTaskSetSpec('/data/HumanEval.jsonl.gz').kind).toBe('humaneval');
    expect(parseTaskSetSpec('../shared/data/mbpp-sanitized.json').kind).toBe('mbpp');
    expect(parseTaskSetSpec('/work/shared/data/mbpp.jsonl#train')).toEqual({
      kind: 'mbpp',
      path: '/work/shared/data/mbpp.jsonl',
      split: 'train',
    });
    expect(parseTaskSetSpec('data/tasks.jsonl').kind).toBe('sinq');
  });

  it('keeps a # that is not a split as part of the path, and rejects misplaced splits', () => {
    expect(parseTaskSetSpec('dir#1/tasks.jsonl')).toEqual({ kind: 'sinq', path: 'dir#1/tasks.jsonl' });
    expect(() => parseTaskSetSpec('mbpp:/d/mbpp.jsonl#dev')).toThrow(/unknown MBPP split 'dev'/);
    expect(() => parseTaskSetSpec('data/tasks.jsonl#test')).toThrow(/splits apply to MBPP task sets only/);
    expect(() => parseTaskSetSpec('')).toThrow(TaskSetError);
  });
});
