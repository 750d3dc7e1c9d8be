import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzAttack, createFuzzEvaluator } from '../../actors/policies/fuzz/policy';
import { resolveFuzzPolicyState, PolicyStateError } from '../../actors/policies/fuzz/state';
import type { FuzzFound, FuzzResult } from '../../actors/policies/fuzz/engine';
import { compareOutcomes } from '../../game/compare';
import type { Task } from '../../game/types';
import { silentLogger } from '../../lib/log';
import { createSandbox, type Sandbox } from '../../sandbox/index';

function task(source: string, exampleInputs: string[] = [], entryPoint = 'f'): Task {
  return { id: 't', description: '', source, entryPoint, exampleInputs, origin: 'test' };
}

const budget = resolveFuzzPolicyState({}, { maxExecutions: 150 });

describe('fuzzing evaluator', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ workers: 2 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  async function attack(original: string, variant: string, examples: string[] = [], seed = 1): Promise<FuzzResult> {
    const { attempts } = await fuzzAttack(task(original, examples), variant, { attempts: 1, seed, state: budget, sandbox });
    return attempts[0]!.result;
  }

  it('replays seeds in an order drawn from the seed-source weights, and reports inputs per origin', async () => {
    // Only an example input exposes the change; the other seeds and strategies rarely would.
    const original = 'def f(x):\n    return x\n';
    const variant = 'def f(x):\n    return -1 if x == 987654 else x\n';
    const examples = ['{"x": 987654}'];
    const run = async (seedSourceWeights: Record<string, number>): Promise<FuzzResult> => {
      const state = resolveFuzzPolicyState({ seedSourceWeights, maxExecutions: 4, concurrency: 1, shrinkExecutions: 0 });
      const { attempts } = await fuzzAttack(task(original, examples), variant, { attempts: 1, seed: 5, state, sandbox });
      return attempts[0]!.result;
    };
    const examplesFirst = await run({ examples: 1, defaults: 0, inferred: 0, literals: 0 });
    expect(examplesFirst).toMatchObject({ found: true, executions: 1, strategy: 'examples', draws: { examples: 1 } });
    // With examples switched off they are never replayed, and the draws say where the budget went.
    const examplesOff = await run({ examples: 0 });
    expect(examplesOff.draws.examples).toBeUndefined();
    expect(Object.values(examplesOff.draws).reduce((a, b) => a + b, 0)).toBe(examplesOff.found ? examplesOff.executions : 4);
  });

  it('with the seed strategy on, replays a seed only when that strategy is drawn', async () => {
    const original = 'def f(x):\n    return x\n';
    const variant = 'def f(x):\n    return -1 if x == 987654 else x\n';
    const off = { mutate: 0, havoc: 0, 'diff-constant': 0, literal: 0, boundary: 0, splice: 0, random: 0 };
    const run = async (strategyWeights: Record<string, number>): Promise<FuzzResult> => {
      const state = resolveFuzzPolicyState({ strategyWeights, seedSourceWeights: { examples: 1, defaults: 0, inferred: 0, literals: 0 }, maxExecutions: 3, concurrency: 1, shrinkExecutions: 0 });
      const { attempts } = await fuzzAttack(task(original, ['{"x": 987654}']), variant, { attempts: 1, seed: 5, state, sandbox });
      return attempts[0]!.result;
    };
    expect(await run({ ...off, seed: 1 })).toMatchObject({ found: true, executions: 1, strategy: 'examples' });
    const noSeeds = await run({ ...off, seed: 0.000001, random: 1000 });
    expect(noSeeds.draws.examples).toBeUndefined();
    expect(noSeeds.draws.random).toBeGreaterThan(0);
  });

  async function expectDiverges(original: string, variant: string, input: string): Promise<void> {
    const o = await sandbox.runPair({ original, variant, entryPoint: 'f', input, timeoutMs: 2000 });
    expect(compareOutcomes(o.original, o.variant, 2000).relation).toBe('different');
  }

  it('finds a boundary change (x > 10 vs x >= 10) without examples, shrunk to the boundary', async () => {
    const original = 'def f(x):\n    if x > 10:\n        return "big"\n    return "small"\n';
    const variant = 'def f(x):\n    if x >= 10:\n        return "big"\n    return "small"\n';
    const result = await attack(original, variant);
    expect(result.found).toBe(true);
    const found = result as FuzzFound;
    expect(found.input).toBe('{"x": 10}');
    expect(found.executions).toBeLessThanOrEqual(150);
    await expectDiverges(original, variant, found.input);
  });

  it('finds a changed string constant and shrinks the input', async () => {
    const original = 'def f(text):\n    return text.replace("cat", "dog")\n';
    const variant = 'def f(text):\n    return text.replace("cat", "dot")\n';
    const result = await attack(original, variant, ['{"text": "the quick brown fox jumps over the lazy hound"}']);
    expect(result.found).toBe(true);
    const found = result as FuzzFound;
    expect(found.input).toBe('{"text": "cat"}');
    await expectDiverges(original, variant, found.input);
  });

  it('finds an off-by-one slice and shrinks the list', async () => {
    const original = 'def f(xs, k):\n    return sum(xs[:k])\n';
    const variant = 'def f(xs, k):\n    return sum(xs[:k + 1])\n';
    const result = await attack(original, variant, ['{"xs": [5, 3, 8, 1, 9, 2], "k": 3}']);
    expect(result.found).toBe(true);
    const found = result as FuzzFound;
    expect(found.input.length).toBeLessThan('{"xs": [5, 3, 8, 1, 9, 2], "k": 3}'.length);
    await expectDiverges(original, variant, found.input);
  });

  it('finds a divergence that needs a rare value, guided by the changed line', async () => {
    const original = 'def f(n, s):\n    if n == 7919 and s.endswith("zq"):\n        return -1\n    return n * 2\n';
    const variant = 'def f(n, s):\n    if n == 7919 and s.endswith("zq"):\n        return -2\n    return n * 2\n';
    const result = await attack(original, variant, ['{"n": 4, "s": "abc"}']);
    expect(result.found).toBe(true);
    await expectDiverges(original, variant, (result as FuzzFound).input);
  });

  it('returns none found on an equivalent pair, with the executions spent', async () => {
    const result = await attack('def f(x):\n    return x * 2\n', 'def f(x):\n    return x + x\n');
    expect(result).toMatchObject({ found: false, executions: 150, stoppedBy: 'budget' });
  });

  it('is deterministic for a seed', async () => {
    const original = 'def f(xs):\n    best = 0\n    for x in xs:\n        if x > best:\n            best = x\n    return best\n';
    const variant = 'def f(xs):\n    best = 0\n    for x in xs:\n        if x >= best + 1:\n            best = x\n    return best\n';
    const a = await attack(original, variant, [], 5);
    const b = await attack(original, variant, [], 5);
    const strip = (r: FuzzResult): unknown => ({ ...r, elapsedMs: 0, outcomes: undefined });
    expect(strip(a)).toEqual(strip(b));
  });

  it('answers in the Markdown contract: one reply per attempt, "No" with an input or "Yes" without', async () => {
    const policy = createFuzzEvaluator();
    const context = { signal: new AbortController().signal, log: silentLogger, sandbox };
    const found = await policy.attack({ task: task('def f(x):\n    return x > 3\n', ['{"x": 1}']), variant: 'def f(x):\n    return x > 4\n', attempts: 2, seed: 9 }, context);
    expect(found.replies).toHaveLength(2);
    expect(found.prompt[0]?.role).toBe('system');
    for (const reply of found.replies) {
      expect(reply.parsed.ok).toBe(true);
      if (reply.parsed.ok) {
        expect(reply.parsed.value.equivalent).toBe(false);
        expect(reply.parsed.value.divergingInput).toBe('{"x": 4}');
      }
    }
    const none = await policy.attack(
      { task: task('def f(x):\n    return x * 2\n'), variant: 'def f(x):\n    return 2 * x\n', attempts: 1, seed: 1, policyState: { maxExecutions: 20 } },
      context,
    );
    const parsed = none.replies[0]!.parsed;
    expect(parsed.ok && parsed.value.equivalent === true && parsed.value.divergingInput === null).toBe(true);
    expect(none.replies[0]!.raw).toContain('tried 20 inputs');
    await expect(policy.attack({ task: task('def f(x):\n    return x\n'), variant: 'def f(x):\n    return x\n', attempts: 1, seed: 1, policyState: { maxExecutions: -1 } }, context)).rejects.toBeInstanceOf(PolicyStateError);
  });

  it('throws when cancelled instead of answering "equivalent"', async () => {
    const controller = new AbortController();
    const policy = createFuzzEvaluator();
    const pending = policy.attack(
      { task: task('def f(x):\n    return x * 2\n'), variant: 'def f(x):\n    return x + x\n', attempts: 3, seed: 1 },
      { signal: controller.signal, log: silentLogger, sandbox },
    );
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toBeDefined();
  });

  it('finds a halting difference in a hostile variant and keeps the search short', async () => {
    const original = 'def f(x):\n    return x\n';
    const variant = 'def f(x):\n    while x > 5:\n        pass\n    return x\n';
    const state = resolveFuzzPolicyState({}, { maxExecutions: 60, runTimeoutMs: 300 });
    const { attempts } = await fuzzAttack(task(original, ['{"x": 1}']), variant, { attempts: 1, seed: 2, state, sandbox });
    const result = attempts[0]!.result;
    expect(result.found).toBe(true);
    const found = result as FuzzFound;
    expect(found.outcomes.variant.kind).toBe('timeout');
    expect(found.shrinkExecutions).toBeLessThanOrEqual(2 * state.concurrency);
    expect(attempts[0]!.reply.analysis).toContain('does not halt');
  });
});
