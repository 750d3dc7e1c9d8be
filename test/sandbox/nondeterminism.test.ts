// A divergence that is only a lucky draw (random values, str hash order) is recorded as
// nondeterministic; a stable one stays valid. Runs the real sandbox: redraws go to interpreters
// with other hash seeds, and every run seeds `random` afresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAttemptReplies, checkInput } from '../../activities/verify';
import type { EvaluatorReply, ParseResult, Task } from '../../game/types';
import { createSandbox, isolationReport, type Sandbox } from '../../sandbox/index';

const report = isolationReport();
const LIMIT = 3000;
const WORDS = Array.from({ length: 20 }, (_, i) => `"w${i}"`).join(', ');

const task: Task = {
  id: 't',
  description: 'words',
  source: `def f(n):\n    return sorted({${WORDS}})[:n]\n`,
  entryPoint: 'f',
  exampleInputs: ['{"n": 3}'],
  origin: 'sinq',
};

const variants = {
  /** A fresh random value each run: diverges on almost every draw, never the same way twice. */
  random: 'import random\ndef f(n):\n    return [random.randrange(10**9)] * n\n',
  /** Iteration order of a set of str: fixed within one interpreter, changes with its hash seed. */
  hashOrder: `def f(n):\n    return list({${WORDS}})[:n]\n`,
  /** A real, stable difference. */
  stable: `def f(n):\n    return sorted({${WORDS}})[:n + 1]\n`,
};

describe.skipIf(!report.bubblewrap)('sandbox: nondeterminism is not a divergence', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ workers: 2, defaultTimeoutMs: LIMIT });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('a variant returning a random value is a nondeterministic play, with the draws as evidence', async () => {
    const verdict = await checkInput(sandbox, task, variants.random, '{"n": 2}', LIMIT);
    expect(verdict).toMatchObject({ diverges: false, invalidReason: 'nondeterministic' });
    expect(verdict.redraws).toHaveLength(2);
  });

  it('a variant whose result follows str hash order is a nondeterministic play', async () => {
    const verdict = await checkInput(sandbox, task, variants.hashOrder, '{"n": 20}', LIMIT);
    expect(verdict).toMatchObject({ diverges: false, invalidReason: 'nondeterministic' });
    expect(verdict.detail).toMatch(/variant behaved differently/);
  });

  it('a stable divergence stays valid after its redraws', async () => {
    const verdict = await checkInput(sandbox, task, variants.stable, '{"n": 2}', LIMIT);
    expect(verdict).toMatchObject({ diverges: true, invalidReason: null });
    expect(verdict.redraws).toHaveLength(2);
  });

  it('each redraw runs under a str hash seed of its own; a bad draw number is refused', async () => {
    const hashOf = async (draw: number): Promise<string> => {
      const outcome = await sandbox.run({ source: 'def f():\n    return hash("sinq")\n', entryPoint: 'f', input: '{}', draw });
      if (outcome.kind !== 'returned' || outcome.value.t !== 'int') throw new Error(`unexpected ${JSON.stringify(outcome)}`);
      return outcome.value.v;
    };
    const firstRuns = new Set(await Promise.all(Array.from({ length: 8 }, () => hashOf(0))));
    const [one, two] = await Promise.all([hashOf(1), hashOf(2)]);
    expect(one).not.toBe(two);
    expect(firstRuns.has(one!)).toBe(false);
    expect(firstRuns.has(two!)).toBe(false);
    // Same draw, same interpreter: the same seed.
    expect(await hashOf(3)).toBe(one);
    expect(await sandbox.run({ source: 'def f():\n    return 1\n', entryPoint: 'f', input: '{}', draw: -1 })).toMatchObject({ kind: 'invalid' });
  });

  it('no redraws for an input that does not diverge', async () => {
    const verdict = await checkInput(sandbox, task, variants.stable, '{"n": 20}', LIMIT);
    expect(verdict).toMatchObject({ diverges: false, invalidReason: 'no-divergence' });
    expect(verdict.redraws).toBeUndefined();
  });

  it('an evaluator attempt on a random variant is not correct; on a stable one it is', async () => {
    const reply = (input: string): ParseResult<EvaluatorReply> => ({ ok: true, value: { analysis: '', equivalent: false, divergingInput: input } });
    const onRandom = await checkAttemptReplies(sandbox, task, variants.random, [reply('{"n": 1}')], LIMIT);
    expect(onRandom[0]).toMatchObject({ found: false, failure: 'nondeterministic' });
    const onStable = await checkAttemptReplies(sandbox, task, variants.stable, [reply('{"n": 1}')], LIMIT);
    expect(onStable[0]).toMatchObject({ found: true, failure: null });
  });
});
