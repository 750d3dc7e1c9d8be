import { describe, expect, it } from 'vitest';
import type { Task } from '../../game/types';
import { tasksForRound } from '../../workflows/campaign';
import { episodeWorkflowId } from '../../workflows/definitions';

const tasks: Task[] = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, description: '', source: 'def f():\n    return 1\n', entryPoint: 'f', exampleInputs: [], origin: 'sinq' }));

describe('round task selection', () => {
  it('takes every task when episodesPerRound is absent or large', () => {
    expect(tasksForRound(tasks, undefined, 1, 0).map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    expect(tasksForRound(tasks, 50, 1, 0)).toHaveLength(10);
  });

  it('samples distinct tasks, the same for the same seed and round, different across rounds', () => {
    const a = tasksForRound(tasks, 4, 9, 0).map((t) => t.id);
    expect(new Set(a).size).toBe(4);
    expect(tasksForRound(tasks, 4, 9, 0).map((t) => t.id)).toEqual(a);
    const rounds = Array.from({ length: 5 }, (_, round) => tasksForRound(tasks, 4, 9, round).map((t) => t.id).join(','));
    expect(new Set(rounds).size).toBeGreaterThan(1);
  });

  it('names episodes <campaignId>-r<k>-<taskId>', () => {
    expect(episodeWorkflowId('c7', 2, 'sinq/001-x')).toBe('c7-r2-sinq/001-x');
  });
});
