// Campaign throughput: the durable path (engine, NATS, actor processes, a worker process, offline
// players) against the same machine and players run in-process without Temporal and NATS.
// Prints one JSON line last: episodes_per_s, inprocess_episodes_per_s, ratio (durable / in-process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index';
import { createInProcessPlayers } from '../activities/in-process-players';
import { runEpisodeInProcess } from '../activities/run-in-process';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../actors/policies/registry';
import { campaignState, connectCampaignClient, startCampaign } from '../deploy/campaign-client';
import { loadCampaignConfig } from '../deploy/config-file';
import { startStack } from '../deploy/launcher';
import { deriveSeed } from '../game/random';
import { silentLogger } from '../lib/log';
import type { CampaignConfig } from '../machines/campaign-config';
import { createSandbox } from '../sandbox/index';
import { createStoreCache } from '../store/store-cache';
import { loadTaskSet } from '../tasks/index';
import { episodeWorkflowId } from '../workflows/definitions';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TASKS = Number(process.env.BENCH_TASKS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function durable(config: CampaignConfig, dir: string): Promise<number> {
  const stack = await startStack({ dir, log: silentLogger, workers: 1, actorConcurrency: config.concurrency, env: { SINQ_LOG_LEVEL: 'warn' } });
  try {
    const cc = await connectCampaignClient(stack.temporalAddress);
    try {
      const started = performance.now();
      await startCampaign(cc, 'bench', config);
      for (;;) {
        const state = await campaignState(cc, 'bench');
        if (!state.running) {
          if (state.closedStatus !== 'COMPLETED') throw new Error(`durable campaign ended ${state.closedStatus}`);
          break;
        }
        await sleep(100);
      }
      return (performance.now() - started) / 1000;
    } finally {
      await cc.close();
    }
  } finally {
    await stack.stop();
  }
}

async function inProcess(config: CampaignConfig, dir: string): Promise<number> {
  const sandbox = await createSandbox();
  const stores = createStoreCache(dir);
  try {
    const tasks = (await loadTaskSet(config.taskSet, { limit: config.limit })).tasks;
    const activities = createActivities({
      sandbox,
      players: createInProcessPlayers({ generator: createGeneratorPolicy, evaluator: createEvaluatorPolicy }, sandbox, silentLogger),
      store: (id) => stores.get(id),
      loadTasks: () => Promise.resolve(tasks),
      log: silentLogger,
    });
    const started = performance.now();
    for (let round = 0; round < config.rounds; round++) {
      const queue = [...tasks];
      const lane = async (): Promise<void> => {
        for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
          await runEpisodeInProcess(
            {
              episodeId: episodeWorkflowId('bench-inprocess', round, task.id),
              campaignId: 'bench-inprocess',
              round,
              task,
              targetDifficulty: config.targetDifficulty,
              attempts: config.attempts,
              seed: deriveSeed(config.seed, round, task.id),
              generator: { policy: config.generator.policy, ...(config.generator.policyState ? { policyState: config.generator.policyState } : {}) },
              evaluator: { policy: config.evaluator.policy, ...(config.evaluator.policyState ? { policyState: config.evaluator.policyState } : {}) },
            },
            activities,
          );
        }
      };
      await Promise.all(Array.from({ length: config.concurrency }, lane));
    }
    return (performance.now() - started) / 1000;
  } finally {
    stores.closeAll();
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const base = loadCampaignConfig(path.join(repoRoot, 'data/campaigns/quickstart.yaml'));
  const config: CampaignConfig = { ...base, limit: TASKS, rounds: ROUNDS };
  const episodes = TASKS * ROUNDS;
  const dir = mkdtempSync(path.join(tmpdir(), 'sinq-bench-campaign-'));
  try {
    const inprocessSeconds = await inProcess(config, path.join(dir, 'inprocess'));
    process.stderr.write(`in-process: ${episodes} episodes in ${inprocessSeconds.toFixed(1)} s\n`);
    const durableSeconds = await durable(config, path.join(dir, 'durable'));
    process.stderr.write(`durable:    ${episodes} episodes in ${durableSeconds.toFixed(1)} s\n`);
    const episodesPerS = episodes / durableSeconds;
    const inprocessPerS = episodes / inprocessSeconds;
    process.stdout.write(
      JSON.stringify({
        bench: 'campaign',
        episodes,
        concurrency: config.concurrency,
        episodes_per_s: Number(episodesPerS.toFixed(4)),
        inprocess_episodes_per_s: Number(inprocessPerS.toFixed(4)),
        ratio: Number((episodesPerS / inprocessPerS).toFixed(3)),
        target_ratio: 0.5,
      }) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
