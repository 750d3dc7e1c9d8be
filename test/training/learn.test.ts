import { describe, expect, it } from 'vitest';
import { defaultFuzzPolicyState, resolveFuzzPolicyState } from '../../actors/policies/fuzz/state';
import { siteKey } from '../../actors/policies/mutation/site';
import { resolveMutationPolicyState } from '../../actors/policies/mutation/state';
import { drawOrigins, killOrigins, mutationFactOf } from '../../training/play-facts';
import { updateFuzzState, updateMutationState, validPlayReward } from '../../training/learn';
import { learnOfflinePlayers } from '../../training/offline';
import { record } from './records';

describe('offline learning', () => {
  it('reads the operator and the kill strategies back from the players’ replies', () => {
    const r = record({ taskId: 'a', operator: 'comparison', kills: ['boundary', null, 'examples'] });
    expect(mutationFactOf(r)).toEqual({ operator: 'comparison', line: 2, location: null, site: siteKey({ operator: 'comparison', line: 2, col: 11, description: "'+' -> '-'" }) });
    expect(mutationFactOf(record({ taskId: 'a', operator: 'guard', location: 'condition' }))).toMatchObject({ operator: 'guard', line: 2, location: 'condition' });
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

  it('moves location weights toward the kinds of statement whose plays were hard', () => {
    const records = [
      record({ taskId: 'a', operator: 'comparison', location: 'condition', difficulty: 10 }),
      record({ taskId: 'b', operator: 'arithmetic', location: 'condition', difficulty: 10 }),
      record({ taskId: 'c', operator: 'comparison', location: 'return', difficulty: 0 }),
      record({ taskId: 'd', operator: 'arithmetic', location: 'return', difficulty: 0 }),
      record({ taskId: 'e', operator: 'constant', location: 'assignment', outcome: 'invalid' }),
    ];
    const update = updateMutationState({}, records);
    const w = update.locationWeights;
    expect(w.condition).toBeGreaterThan(w.loop);
    expect(w.loop).toBeGreaterThan(w.return);
    expect(w.return).toBeGreaterThan(w.assignment);
    // Kinds without plays keep equal weights; the policy reads the learned weights back.
    expect(w.loop).toBeCloseTo(w.expression, 6);
    expect(update.locationStats.condition).toMatchObject({ plays: 2, valid: 2 });
    expect(resolveMutationPolicyState(update.state).locationWeights).toEqual(w);
    // Operators played equally hard in both places learn nothing from the locations.
    expect(update.operatorWeights.comparison).toBeCloseTo(update.operatorWeights.arithmetic, 6);
  });

  it('credits strategies and seed sources by kills per execution when the replies report executions', () => {
    const records = [
      record({ taskId: 'a', kills: ['boundary', null], draws: [{ examples: 3, boundary: 1 }, { examples: 3, havoc: 9 }] }),
      record({ taskId: 'b', kills: ['boundary', 'literals'], draws: [{ examples: 3, boundary: 2 }, { examples: 3, literals: 1 }] }),
      record({ taskId: 'c', kills: ['havoc', null], draws: [{ examples: 3, havoc: 4 }, { examples: 3, havoc: 9 }] }),
    ];
    expect(drawOrigins(records[0] as (typeof records)[number])).toEqual({ examples: 6, boundary: 1, havoc: 9 });
    const update = updateFuzzState({}, records);
    expect(update.draws).toEqual({ examples: 18, boundary: 3, havoc: 22, literals: 1 });
    const before = defaultFuzzPolicyState;
    const share = (w: Record<string, number>, k: string): number => (w[k] ?? 0) / Object.values(w).reduce((a, b) => a + b, 0);
    // boundary: 2 kills in 3 executions beats havoc's 1 in 22.
    expect(share(update.strategyWeights, 'boundary')).toBeGreaterThan(share(before.strategyWeights, 'boundary'));
    expect(share(update.strategyWeights, 'havoc')).toBeLessThan(share(before.strategyWeights, 'havoc'));
    // Examples were replayed 18 times and never killed: they lose weight; literals gain it.
    expect(share(update.seedSourceWeights, 'examples')).toBeLessThan(share(before.seedSourceWeights, 'examples'));
    expect(share(update.seedSourceWeights, 'literals')).toBeGreaterThan(share(before.seedSourceWeights, 'literals'));
    // Origins never tried keep their relative weights.
    expect(update.strategyWeights.random / update.strategyWeights.splice).toBeCloseTo(before.strategyWeights.random / before.strategyWeights.splice, 6);
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
