import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMutant } from '../../actors/policies/mutation/generate';
import { createMutationGenerator, noPlayOf } from '../../actors/policies/mutation/policy';
import { resolveMutationPolicyState } from '../../actors/policies/mutation/state';
import { compareOutcomes } from '../../game/compare';
import type { Task } from '../../game/types';
import { silentLogger } from '../../lib/log';
import { createSandbox, type Sandbox } from '../../sandbox/index';

const clamp: Task = {
  id: 'clamp',
  description: 'Sum of the values clamped to [lo, hi].',
  source: 'def clamp_sum(xs, lo, hi):\n    total = 0\n    for x in xs:\n        if x < lo:\n            total += lo\n        elif x > hi:\n            total += hi\n        else:\n            total += x\n    return total\n',
  entryPoint: 'clamp_sum',
  exampleInputs: ['{"xs": [1, 5, 12, -3], "lo": 0, "hi": 10}', '{"xs": [], "lo": 1, "hi": 2}'],
  origin: 'test',
};

const small = resolveMutationPolicyState({ candidates: 4, maxCandidates: 10, rarityInputs: 16, witnessExecutions: 80 });

describe('mutation generator', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ workers: 2 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('proposes a variant whose witness really diverges, and is deterministic for a seed', async () => {
    const a = await generateMutant(clamp, { targetDifficulty: 5, seed: 11, state: small, sandbox });
    const b = await generateMutant(clamp, { targetDifficulty: 5, seed: 11, state: small, sandbox });
    expect(a.play).not.toBeNull();
    expect(a.play?.variant).toBe(b.play?.variant);
    expect(a.play?.witness).toBe(b.play?.witness);
    const play = a.play!;
    expect(play.variant).not.toBe(clamp.source);
    const outcomes = await sandbox.runPair({ original: clamp.source, variant: play.variant, entryPoint: clamp.entryPoint, input: play.witness, timeoutMs: 4000 });
    expect(compareOutcomes(outcomes.original, outcomes.variant, 4000).relation).toBe('different');
    expect(a.stats.mutantsKilled).toBeGreaterThan(0);
    expect(play.rarity).toBeGreaterThanOrEqual(0);
    expect(play.rarity).toBeLessThanOrEqual(1);
  });

  it('gives different variants for different seeds', async () => {
    const variants = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const r = await generateMutant(clamp, { targetDifficulty: 5, seed, state: small, sandbox });
      if (r.play) variants.add(r.play.variant);
    }
    expect(variants.size).toBeGreaterThanOrEqual(2);
  });

  it('prefers rarer divergences at a high target than at a low one', async () => {
    let high = 0;
    let low = 0;
    for (const seed of [5, 6]) {
      const hard = await generateMutant(clamp, { targetDifficulty: 10, seed, state: small, sandbox });
      const easy = await generateMutant(clamp, { targetDifficulty: 0, seed, state: small, sandbox });
      high += hard.play?.rarity ?? 0;
      low += easy.play?.rarity ?? 1;
    }
    expect(high).toBeGreaterThan(low);
  });

  it('honours operator weights from the policy state', async () => {
    const onlyComparisons = resolveMutationPolicyState({ ...small, operatorWeights: Object.fromEntries(['arithmetic', 'comparison', 'boolean', 'constant', 'index', 'slice', 'range', 'swap-arguments', 'builtin', 'guard', 'break-continue', 'augmented-assignment', 'return-value'].map((op) => [op, op === 'comparison' ? 1 : 0])) });
    const r = await generateMutant(clamp, { targetDifficulty: 5, seed: 3, state: onlyComparisons, sandbox });
    expect(r.play?.operator).toBe('comparison');
  });

  it('honours location weights: only mutants in the kind of statement left switched on are drawn', async () => {
    const onlyConditions = resolveMutationPolicyState({ ...small, locationWeights: { condition: 1, loop: 0, return: 0, assignment: 0, expression: 0 } });
    const r = await generateMutant(clamp, { targetDifficulty: 5, seed: 3, state: onlyConditions, sandbox });
    expect(r.play?.location.kind).toBe('condition');
    expect(['if x < lo:', 'elif x > hi:']).toContain(clamp.source.split('\n')[(r.play?.location.line ?? 0) - 1]?.trim());
  });

  it('discards mutants with no witness within budget: no play when every mutant is equivalent', async () => {
    const task: Task = { id: 'dead', description: '', source: 'def f(x):\n    y = x + 1\n    return None\n', entryPoint: 'f', exampleInputs: ['{"x": 3}'], origin: 'test' };
    const r = await generateMutant(task, { targetDifficulty: 5, seed: 1, state: resolveMutationPolicyState({ ...small, witnessExecutions: 30 }), sandbox });
    expect(r.play).toBeNull();
    expect(r.stats.mutantsTried).toBeGreaterThan(0);
    expect(r.stats.mutantsDiscarded).toBe(r.stats.mutantsTried);
    expect(r.stats.mutantsKilled).toBe(0);
    expect(noPlayOf(r).cause).toBe('search-exhausted');
  });

  it('declines with a typed no-play when its budget runs out, and the game records it as no-play, not a parse failure', async () => {
    const policy = createMutationGenerator();
    const context = { signal: new AbortController().signal, log: silentLogger, sandbox };
    const result = await policy.propose({ task: clamp, targetDifficulty: 5, seed: 1, policyState: { ...small, maxTimeMs: 1 } }, context);
    expect(result.noPlay?.cause).toBe('budget-exhausted');
    expect(result.noPlay?.detail).toContain('mutants enumerated');
    expect(result.reply.parsed.ok).toBe(false);
  });

  it('replies in the Markdown contract that the game parses, with the prompt an LLM would get', async () => {
    const policy = createMutationGenerator();
    const result = await policy.propose({ task: clamp, targetDifficulty: 7, seed: 21, policyState: { ...small } }, { signal: new AbortController().signal, log: silentLogger, sandbox });
    expect(result.policy).toBe('mutation');
    expect(result.prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(result.prompt[0]?.content).toContain('# Generated program');
    expect(result.prompt[1]?.content).toContain(clamp.entryPoint);
    expect(result.reply.parsed.ok).toBe(true);
    if (!result.reply.parsed.ok) return;
    const outcomes = await sandbox.runPair({ original: clamp.source, variant: result.reply.parsed.value.program, entryPoint: clamp.entryPoint, input: result.reply.parsed.value.divergingInput, timeoutMs: 4000 });
    expect(compareOutcomes(outcomes.original, outcomes.variant, 4000).relation).toBe('different');
  });

  it('records a program it cannot mutate as a reply with no program, and refuses one that does not parse', async () => {
    const policy = createMutationGenerator();
    const context = { signal: new AbortController().signal, log: silentLogger, sandbox };
    const nothing = await policy.propose({ task: { ...clamp, source: 'def clamp_sum(xs, lo, hi):\n    pass\n' }, targetDifficulty: 5, seed: 1 }, context);
    expect(nothing.reply.parsed.ok).toBe(false);
    expect(nothing.reply.raw).toContain('No mutant');
    expect(nothing.noPlay?.cause).toBe('nothing-to-change');
    await expect(policy.propose({ task: { ...clamp, source: 'def clamp_sum(:' }, targetDifficulty: 5, seed: 1 }, context)).rejects.toMatchObject({ code: 'E_SYNTAX' });
  });
});
