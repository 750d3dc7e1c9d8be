// The activities on a real sandbox and real offline players, run in-process (no Temporal, no NATS).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type SinqActivities } from '../../activities/index';
import { createInProcessPlayers } from '../../activities/in-process-players';
import { runEpisodeInProcess } from '../../activities/run-in-process';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../../actors/policies/registry';
import type { Task } from '../../game/types';
import { silentLogger } from '../../lib/log';
import type { Sandbox } from '../../sandbox/api';
import { createSandbox } from '../../sandbox/index';
import { createStoreCache, type StoreCache } from '../../store/store-cache';

const task: Task = {
  id: 'clamp',
  description: 'clamp x into [lo, hi]',
  source: 'def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n',
  entryPoint: 'clamp',
  exampleInputs: ['{"x": 5, "lo": 0, "hi": 10}', '{"x": -3, "lo": 0, "hi": 10}', '{"x": 12, "lo": 0, "hi": 10}'],
  origin: 'sinq',
};
const variant = 'def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x >= hi:\n        return hi + 1\n    return x\n';

describe('activities on a real sandbox', () => {
  let dir: string;
  let sandbox: Sandbox;
  let stores: StoreCache;
  let activities: SinqActivities;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-act-'));
    sandbox = await createSandbox();
    stores = createStoreCache(dir);
    activities = createActivities({
      sandbox,
      players: createInProcessPlayers({ generator: createGeneratorPolicy, evaluator: createEvaluatorPolicy }, sandbox, silentLogger),
      store: (id) => stores.get(id),
      loadTasks: () => Promise.resolve([task]),
      log: silentLogger,
    });
  }, 60_000);

  afterAll(async () => {
    stores?.closeAll();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a diverging input and refuses one that does not diverge or does not fit the signature', async () => {
    const base = { episodeId: 'e', task, variant, limitMs: 3000 };
    const good = await activities.verifyPlay({ ...base, input: '{"x": 20, "lo": 0, "hi": 10}' });
    expect(good.diverges).toBe(true);
    const same = await activities.verifyPlay({ ...base, input: '{"x": 5, "lo": 0, "hi": 10}' });
    expect(same).toMatchObject({ diverges: false, invalidReason: 'no-divergence' });
    const bad = await activities.verifyPlay({ ...base, input: '{"y": 1}' });
    expect(bad).toMatchObject({ diverges: false, invalidReason: 'input-invalid' });
  }, 30_000);

  it('checks attempts, merging identical inputs, and marks each with its failure', async () => {
    const found = { ok: true as const, value: { analysis: '', equivalent: false, divergingInput: '{"x": 10, "lo": 0, "hi": 10}' } };
    const verdicts = await activities.checkAttempts({
      episodeId: 'e',
      task,
      variant,
      limitMs: 3000,
      replies: [
        found,
        { ok: true, value: { analysis: '', equivalent: false, divergingInput: "{'x': 10, 'lo': 0, 'hi': 10}" } },
        { ok: true, value: { analysis: '', equivalent: false, divergingInput: '{"x": 1, "lo": 0, "hi": 10}' } },
        { ok: true, value: { analysis: '', equivalent: true, divergingInput: null } },
        { ok: false, reason: 'empty', detail: 'nothing' },
      ],
    });
    expect(verdicts.map((v) => v.found)).toEqual([true, true, false, false, false]);
    expect(verdicts.map((v) => v.failure)).toEqual([null, null, 'no-divergence', 'said-equivalent', 'unparsable']);
  }, 30_000);

  it('plays a whole episode with the offline players and records it once', async () => {
    const input = {
      episodeId: 'act-r0-clamp',
      campaignId: 'act',
      round: 0,
      task,
      targetDifficulty: 5,
      attempts: 2,
      seed: 11,
      generator: { policy: 'mutation', policyState: { maxTimeMs: 8000 } },
      evaluator: { policy: 'fuzz', policyState: { maxTimeMs: 4000 } },
    };
    const record = await runEpisodeInProcess(input, activities);
    expect(['valid', 'invalid']).toContain(record.outcome);
    expect(record.proposal?.reply.raw.length).toBeGreaterThan(0);
    if (record.outcome === 'valid') {
      expect(record.playVerdict?.diverges).toBe(true);
      expect(record.attemptVerdicts).toHaveLength(2);
      expect(record.difficulty).not.toBeNull();
    } else {
      expect(record.reason?.detail).toBeTruthy();
    }
    expect(await activities.recordEpisode(record)).toEqual({ inserted: false });
    expect(await (await stores.get('act')).countsByRoundTask('act')).toEqual([{ round: 0, taskId: 'clamp', count: 1 }]);
  }, 60_000);

  it('refuses an unknown policy as a final (non-retryable) failure', async () => {
    await expect(activities.propose({ episodeId: 'e', task, targetDifficulty: 5, seed: 1, generator: { policy: 'no-such-policy' } })).rejects.toMatchObject({
      type: 'actor-failed',
      nonRetryable: true,
    });
  });
});
