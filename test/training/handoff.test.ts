// The round-to-round hand-off with the offline players, in-process on the real sandbox: round 0's
// outcomes train new player versions, and round 1's episodes are played by exactly those versions.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../../actors/policies/registry';
import { createActivities } from '../../activities/index';
import { createInProcessPlayers } from '../../activities/in-process-players';
import { runEpisodeInProcess } from '../../activities/run-in-process';
import type { Task } from '../../game/types';
import { silentLogger } from '../../lib/log';
import type { EpisodeRecord, PlayerSpec } from '../../machines/types';
import { createSandbox } from '../../sandbox/index';
import type { Sandbox } from '../../sandbox/api';
import { createStoreCache, type StoreCache } from '../../store/store-cache';
import { defaultTaskSetPath, loadTaskSet } from '../../tasks/index';
import { ModelRegistry } from '../../training/registry';

let dir: string;
let sandbox: Sandbox;
let stores: StoreCache;
let tasks: Task[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-handoff-'));
  sandbox = await createSandbox({});
  stores = createStoreCache(dir);
  tasks = (await loadTaskSet(defaultTaskSetPath())).tasks.slice(0, 3);
});

afterAll(async () => {
  stores.closeAll();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const budgets = {
  generator: { candidates: 2, maxCandidates: 4, rarityInputs: 8, witnessExecutions: 16, shrinkExecutions: 8, runTimeoutMs: 500, maxTimeMs: 5_000 },
  evaluator: { maxExecutions: 12, shrinkExecutions: 6, runTimeoutMs: 500, maxTimeMs: 5_000 },
};

describe('round-to-round hand-off', () => {
  it('round k+1 plays with the versions and learned state that training after round k produced', async () => {
    const players = createInProcessPlayers({ generator: createGeneratorPolicy, evaluator: createEvaluatorPolicy }, sandbox, silentLogger);
    const activities = createActivities({ sandbox, players, store: (id) => stores.get(id), loadTasks: () => Promise.resolve(tasks), log: silentLogger });
    const campaignId = 'hand';
    const playRound = async (round: number, generator: PlayerSpec, evaluator: PlayerSpec): Promise<EpisodeRecord[]> => {
      const records: EpisodeRecord[] = [];
      for (const task of tasks) {
        records.push(
          await runEpisodeInProcess(
            { episodeId: `${campaignId}-r${round}-${task.id}`, campaignId, round, task, targetDifficulty: 8, attempts: 2, seed: 17 + round, generator, evaluator },
            activities,
          ),
        );
      }
      return records;
    };

    const round0 = await playRound(0, { policy: 'mutation', policyState: budgets.generator }, { policy: 'fuzz', policyState: budgets.evaluator });
    expect(round0.filter((r) => r.outcome === 'valid').length).toBeGreaterThan(0);
    expect(round0.every((r) => r.versions.generator?.model === 'mutation-v1')).toBe(true);

    const trained = await activities.trainRound({ campaignId, round: 0, generator: round0[0]!.generator, evaluator: round0[0]!.evaluator });
    expect(trained.generator.model).toBe('mutation-state:hand-r0');
    expect(trained.evaluator.model).toBe('fuzz-state:hand-r0');
    const generatorState = trained.generator.policyState as { operatorWeights: Record<string, number>; maxCandidates: number };
    expect(generatorState.maxCandidates).toBe(budgets.generator.maxCandidates);
    expect(Object.keys(generatorState.operatorWeights).length).toBeGreaterThan(5);
    expect((trained.evaluator.policyState as { strategyWeights: Record<string, number> }).strategyWeights).toBeDefined();

    // A retried training step returns the same players and adds no registry rows.
    const retried = await activities.trainRound({ campaignId, round: 0, generator: round0[0]!.generator, evaluator: round0[0]!.evaluator });
    expect({ generator: retried.generator, evaluator: retried.evaluator }).toEqual({ generator: trained.generator, evaluator: trained.evaluator });
    const store = await stores.get(campaignId);
    const registry = await ModelRegistry.open(store.file);
    try {
      const rows = await registry.list(campaignId);
      expect(rows.map((r) => [r.role, r.round, r.kind, r.tag])).toEqual([
        ['evaluator', 0, 'policy-state', 'fuzz-state:hand-r0'],
        ['generator', 0, 'policy-state', 'mutation-state:hand-r0'],
      ]);
      expect(rows.find((r) => r.role === 'generator')?.policyState).toEqual(trained.generator.policyState);
      expect(rows[0]?.metrics).toMatchObject({ episodes: 3 });
    } finally {
      registry.close();
    }

    const round1 = await playRound(1, trained.generator, trained.evaluator);
    for (const record of round1) {
      expect(record.generator).toEqual(trained.generator);
      expect(record.versions.generator?.model).toBe('mutation-state:hand-r0');
      if (record.outcome === 'valid') expect(record.versions.evaluator?.model).toBe('fuzz-state:hand-r0');
    }
  });
});
