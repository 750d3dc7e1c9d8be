import { describe, expect, it } from 'vitest';
import { boundSiteWeights, maxSitePrograms, maxSitesPerProgram, programKey, siteKey } from '../../actors/policies/mutation/site';
import { mutationPolicyStateSchema, resolveMutationPolicyState } from '../../actors/policies/mutation/state';
import { playReply } from '../../actors/policies/mutation/policy';
import { renderGeneratorReply, parseGeneratorReply } from '../../game/reply';
import { defaultLearningOptions, updateMutationState } from '../../training/learn';
import { learnOfflinePlayers } from '../../training/offline';
import { mutationFactOf } from '../../training/play-facts';
import { record } from './records';

const sourceA = 'def f(x):\n    if x < 3:\n        return x + 1\n    return x\n';
const sourceB = 'def g(xs):\n    return sorted(xs)[0]\n';
const boundary = { line: 2, col: 7, description: "'<' -> '<='" };
const flipped = { line: 2, col: 7, description: "'<' -> '>'" };
const plusOne = { line: 3, col: 15, description: "'+' -> '-'" };

describe('generator site memory', () => {
  it('reads the same site key back from a play reply that the generator computes for the mutant', () => {
    const mutant = { operator: 'comparison' as const, line: 2, col: 7, description: "'<' -> '<='", source: 'def f(x):\n    if x <= 3:\n        return x + 1\n    return x\n' };
    const reply = playReply(
      {
        variant: mutant.source,
        witness: '{"x": 3}',
        operator: mutant.operator,
        location: { line: mutant.line, col: mutant.col, kind: 'condition' },
        description: mutant.description,
        rarity: 0.9,
        exposed: 1,
        sampleSize: 16,
        witnessFrom: 'random-sample',
        outcomes: { original: { kind: 'returned', value: { t: 'int', v: '3' } }, variant: { kind: 'returned', value: { t: 'int', v: '4' } } },
        reason: 'different return values',
      } as Parameters<typeof playReply>[0],
      'f',
    );
    const raw = renderGeneratorReply(reply);
    const base = record({ taskId: 'a', source: sourceA });
    const fact = mutationFactOf({ proposal: base.proposal && { ...base.proposal, reply: { raw, parsed: parseGeneratorReply(raw), durationMs: 1 } } });
    expect(fact?.site).toBe(siteKey(mutant));
    expect(fact?.location).toBe('condition');
  });

  it('moves weight toward a site whose play was hard and away from one whose play was easy or invalid', () => {
    const records = [
      record({ taskId: 'a', source: sourceA, operator: 'comparison', site: boundary, difficulty: 10, kills: [null, null] }),
      record({ taskId: 'b', source: sourceB, operator: 'comparison', site: flipped, difficulty: 0, kills: ['havoc', 'havoc'], killAfter: 1 }),
      record({ taskId: 'c', source: sourceA, operator: 'arithmetic', site: plusOne, outcome: 'invalid' }),
    ];
    const options = { ...defaultLearningOptions, siteEta: 4 };
    const update = updateMutationState({}, records, options);
    const a = update.siteWeights[programKey(sourceA, 'f')] ?? {};
    const b = update.siteWeights[programKey(sourceB, 'f')] ?? {};
    const hard = a[siteKey({ operator: 'comparison', ...boundary })] ?? 1;
    const easy = b[siteKey({ operator: 'comparison', ...flipped })] ?? 1;
    const invalid = a[siteKey({ operator: 'arithmetic', ...plusOne })] ?? 1;
    expect(hard).toBeGreaterThan(1);
    expect(easy).toBeLessThan(1);
    expect(invalid).toBeLessThan(easy);
    // Sites are per program: the easy site is not remembered for program A.
    expect(a[siteKey({ operator: 'comparison', ...flipped })]).toBeUndefined();
    // A second hard round moves it further; the policy reads the memory back.
    const again = updateMutationState(update.state, [records[0]!, records[1]!], options);
    expect(again.siteWeights[programKey(sourceA, 'f')]?.[siteKey({ operator: 'comparison', ...boundary })]).toBeGreaterThan(hard);
    expect(resolveMutationPolicyState(again.state).siteWeights).toEqual(again.siteWeights);
    expect(update.siteStats[0]).toMatchObject({ program: programKey(sourceA, 'f'), plays: 1, valid: 1 });
    // With the default (large) step the weights stay within their bounds.
    const strong = updateMutationState({}, records);
    for (const w of Object.values(strong.siteWeights).flatMap((p) => Object.values(p))) {
      expect(w).toBeLessThanOrEqual(defaultLearningOptions.maxSiteWeight);
      expect(w).toBeGreaterThanOrEqual(defaultLearningOptions.minSiteWeight);
    }
  });

  it('judges a site against plays on untried sites, so replaying known-hard sites does not raise the bar', () => {
    const known = siteKey({ operator: 'comparison', ...boundary });
    const previous = { siteWeights: { [programKey(sourceA, 'f')]: { [known]: 500 } } };
    const records = [
      record({ taskId: 'a', source: sourceA, operator: 'comparison', site: boundary, difficulty: 10, kills: [null, null] }),
      record({ taskId: 'b', source: sourceB, operator: 'comparison', site: flipped, difficulty: 5, kills: [null, 'havoc'], killAfter: 1 }),
      record({ taskId: 'c', source: sourceB, operator: 'arithmetic', site: plusOne, difficulty: 0, kills: ['havoc', 'havoc'], killAfter: 1 }),
    ];
    const update = updateMutationState(previous, records);
    const b = update.siteWeights[programKey(sourceB, 'f')] ?? {};
    // 0.5 beats the untried plays' mean (0.25) by more than the optimism margin: preferred from now on.
    expect(b[siteKey({ operator: 'comparison', ...flipped })]).toBeGreaterThan(1);
    expect(b[siteKey({ operator: 'arithmetic', ...plusOne })]).toBeLessThan(1);
    expect(update.siteWeights[programKey(sourceA, 'f')]?.[known]).toBeGreaterThan(500);
  });

  it('keeps the memory bounded: at most N sites per program (those furthest from 1) and M programs', () => {
    const sites = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, i === 0 ? 1 : 1 + i / 10]));
    const bounded = boundSiteWeights({ p1: { ...sites, low: 0.01 }, p2: { x: 1.05 }, p3: { y: 3 } }, 4, 2);
    expect(Object.keys(bounded)).toEqual(['p1', 'p3']);
    expect(Object.keys(bounded.p1 ?? {})).toEqual(['low', 's7', 's8', 's9']);
    // Many programs and sites through the learner: the bounds of the state hold.
    const records = Array.from({ length: 300 }, (_, i) =>
      record({ taskId: `t${i}`, source: `def f(x):\n    return x + ${i}\n`, operator: 'arithmetic', site: { line: 2, col: 11 + (i % 3), description: `d${i}` }, difficulty: i % 2 === 0 ? 10 : 0, kills: [null] }),
    );
    const update = updateMutationState({}, records);
    expect(Object.keys(update.siteWeights).length).toBe(maxSitePrograms);
    for (const program of Object.values(update.siteWeights)) expect(Object.keys(program).length).toBeLessThanOrEqual(maxSitesPerProgram);
    expect(JSON.parse(JSON.stringify(update.state))).toEqual(update.state);
  });

  it('loads old states without a site memory, and rejects a malformed one', () => {
    const old = resolveMutationPolicyState({ operatorWeights: { comparison: 2 }, locationWeights: { loop: 0.5 }, candidates: 1 });
    expect(old.siteWeights).toEqual({});
    expect(old.operatorWeights.comparison).toBe(2);
    expect(mutationPolicyStateSchema.safeParse({ siteWeights: { p1: { s: -1 } } }).success).toBe(false);
    expect(mutationPolicyStateSchema.safeParse({ siteWeights: { p1: [1] } }).success).toBe(false);
    // The learner starts a memory from an old state and keeps the rest of it.
    const update = updateMutationState({ candidates: 1 }, [
      record({ taskId: 'a', source: sourceA, site: boundary, difficulty: 10, kills: [null] }),
      record({ taskId: 'b', source: sourceA, site: flipped, difficulty: 0, kills: ['havoc'], killAfter: 1 }),
    ]);
    expect(update.state.candidates).toBe(1);
    expect(Object.keys(update.siteWeights)).toEqual([programKey(sourceA, 'f')]);
  });

  it('ranks a site that did no better than the round’s average below an untried one (optimism), and learns nothing without it', () => {
    const single = [record({ taskId: 'a', source: sourceA, site: boundary, difficulty: 10, kills: [null] })];
    const update = updateMutationState({}, single);
    expect(update.siteWeights[programKey(sourceA, 'f')]?.[siteKey({ operator: 'arithmetic', ...boundary })]).toBeLessThan(1);
    expect(updateMutationState({}, single, { ...defaultLearningOptions, siteExploration: 0 }).siteWeights).toEqual({});
  });

  it('records the size of the memory and the sites played with the learned state', () => {
    const [update] = learnOfflinePlayers({
      campaignId: 'c1',
      round: 0,
      generator: { policy: 'mutation' },
      evaluator: { policy: 'echo' },
      records: [
        record({ taskId: 'a', source: sourceA, site: boundary, difficulty: 10, kills: [null] }),
        record({ taskId: 'b', source: sourceB, site: flipped, difficulty: 0, kills: ['havoc'], killAfter: 1 }),
      ],
    });
    expect(update?.metrics.siteMemory).toEqual({ programs: 2, sites: 2 });
    expect(update?.metrics.sitesPlayed).toHaveLength(2);
  });
});
