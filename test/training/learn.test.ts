import { describe, expect, it } from 'vitest';
import { defaultFuzzPolicyState, resolveFuzzPolicyState } from '../../actors/policies/fuzz/state';
import { resolveMutationPolicyState } from '../../actors/policies/mutation/state';
import { killOrigins, mutationFactOf } from '../../training/play-facts';
import { updateFuzzState, updateMutationState, validPlayReward } from '../../training/learn';
import { learnOfflinePlayers } from '../../training/offline';
import { record } from './records';

describe('offline learning', () => {
  it('reads the operator and the kill strategies back from the players’ replies', () => {
    const r = record({ taskId: 'a', operator: 'comparison', kills: ['boundary', null, 'examples'] });
    expect(mutationFactOf(r)).toEqual({ operator: 'comparison', line: 2 });
    expect(killOrigins(r)).toEqual(['boundary', 'examples']);
    const foreign = { ...r, proposal: r.proposal && { ...r.proposal, reply: { ...r.proposal.reply, raw: '# Analysis\n\nI swapped two lines.' } } };
    expect(mutationFactOf(foreign)).toBeNull();
  });

  it('moves operator weights toward operators whose valid plays were hard, and away from invalid ones', () => {
    const records = [
      record({ taskId: 'a', operator: 'comparison', difficulty: 10 }),
      record({ taskId: 'b', operator: 'comparison', difficulty: 6.7 }),
      record({ taskId: 'c', operator: 'arithmetic', difficulty: 0 }),
      record({ taskId: 'd', operator: 'arithmetic', difficulty: 0 }),
      record({ taskId: 'e', operator: 'constant', outcome: 'invalid' }),
      record({ taskId: 'f', operator: 'boolean', outcome: 'failed' }),
    ];
    const previous = { maxCandidates: 5, operatorWeights: { guard: 2 } };
    const update = updateMutationState(previous, records);
    const w = update.operatorWeights;
    expect(w.comparison).toBeGreaterThan(w.guard);
    expect(w.guard).toBeGreaterThan(w.arithmetic);
    expect(w.arithmetic).toBeGreaterThan(w.constant);
    // Operators without plays keep their relative weights; failures are not evidence.
    expect(w.boolean).toBeCloseTo(w.range, 6);
    expect(update.stats.boolean).toBeUndefined();
    // The rest of the state is kept, and the policy accepts the result.
    expect(update.state.maxCandidates).toBe(5);
    expect(resolveMutationPolicyState(update.state).operatorWeights).toEqual(w);
  });

  it('grades plays that were all found by how long the evaluator searched', () => {
    const found = (taskId: string, operator: string, killAfter: number) => record({ taskId, operator, difficulty: 0, kills: ['havoc', 'havoc'], killAfter });
    expect(validPlayReward(found('x', 'constant', 1))).toBe(0);
    expect(validPlayReward(found('x', 'constant', 16))).toBeCloseTo(0.75, 6);
    expect(validPlayReward(record({ taskId: 'y', difficulty: 5, kills: ['havoc', null], killAfter: 1 }))).toBeCloseTo(0.5, 6);
    const update = updateMutationState({}, [found('a', 'constant', 16), found('b', 'constant', 9), found('c', 'index', 1), found('d', 'index', 1)]);
    expect(update.operatorWeights.constant).toBeGreaterThan(update.operatorWeights.arithmetic);
    expect(update.operatorWeights.arithmetic).toBeGreaterThan(update.operatorWeights.index);
  });

  it('moves strategy weights toward the origins that found more than their share of diverging inputs', () => {
    const records = [
      record({ taskId: 'a', kills: ['boundary', 'boundary', null] }),
      record({ taskId: 'b', kills: ['boundary', 'havoc', 'examples'] }),
      record({ taskId: 'c', kills: ['examples', 'examples', 'literals'] }),
      record({ taskId: 'd', outcome: 'invalid' }),
    ];
    const update = updateFuzzState({ maxExecutions: 12 }, records);
    const before = defaultFuzzPolicyState.strategyWeights;
    const share = (w: Record<string, number>, k: string): number => (w[k] ?? 0) / Object.values(w).reduce((a, b) => a + b, 0);
    expect(share(update.strategyWeights, 'boundary')).toBeGreaterThan(share(before, 'boundary'));
    expect(share(update.strategyWeights, 'diff-constant')).toBeLessThan(share(before, 'diff-constant'));
    // A strategy switched off stays off.
    expect(update.strategyWeights.seed).toBe(0);
    expect(share(update.seedSourceWeights, 'literals')).toBeGreaterThan(share(defaultFuzzPolicyState.seedSourceWeights, 'literals'));
    expect(update.kills).toEqual({ boundary: 3, havoc: 1, examples: 3, literals: 1 });
    expect(resolveFuzzPolicyState(update.state).maxExecutions).toBe(12);
  });

  it('leaves the weights alone when a round taught nothing', () => {
    const update = updateFuzzState({}, [record({ taskId: 'a', kills: [null, null] })]);
    expect(update.strategyWeights).toEqual(defaultFuzzPolicyState.strategyWeights);
  });

  it('gives each learnable player a new version and state; other policies are not touched', () => {
    const records = [record({ taskId: 'a', operator: 'comparison', difficulty: 10, kills: ['boundary'] })];
    const updates = learnOfflinePlayers({ campaignId: 'c9', round: 2, generator: { policy: 'mutation' }, evaluator: { policy: 'fuzz' }, records });
    expect(updates.map((u) => [u.role, u.version])).toEqual([
      ['generator', 'mutation-state:c9-r2'],
      ['evaluator', 'fuzz-state:c9-r2'],
    ]);
    expect(updates[0]?.spec).toMatchObject({ policy: 'mutation', model: 'mutation-state:c9-r2' });
    expect(learnOfflinePlayers({ campaignId: 'c9', round: 2, generator: { policy: 'ollama:m' }, evaluator: { policy: 'ollama:m' }, records })).toEqual([]);
  });
});
