// Self-play of the offline players: a 5-round campaign on data/tasks.jsonl for 3 seeds, run
// in-process (same episode machine, activities, store and training step as a deployment, without
// Temporal or NATS). Per round: the generator's mean difficulty of valid plays, and the evaluator's
// kill rate on a fixed set of variant pairs made from held-out tasks (never trained on).
// Prints one JSON line last. Env: BENCH_SELFPLAY_ROUNDS (5), BENCH_SELFPLAY_SEEDS (3),
// BENCH_SELFPLAY_TASKS (training tasks, all played each round, 14), BENCH_SELFPLAY_HELDOUT (held-out pairs, 8).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../actors/policies/registry';
import { fuzzAttack } from '../actors/policies/fuzz/policy';
import { resolveFuzzPolicyState } from '../actors/policies/fuzz/state';
import { enumerateMutants } from '../actors/policies/mutation/enumerate';
import { createActivities } from '../activities/index';
import { createInProcessPlayers } from '../activities/in-process-players';
import { runEpisodeInProcess } from '../activities/run-in-process';
import { compareOutcomes } from '../game/compare';
import { createRng, deriveSeed } from '../game/random';
import { DEFAULT_TIMEOUT_MS } from '../game/timeouts';
import type { Task } from '../game/types';
import { silentLogger } from '../lib/log';
import { tasksForRound } from '../workflows/campaign';
import type { EpisodeRecord, PlayerSpec } from '../machines/types';
import { createSandbox } from '../sandbox/index';
import type { Sandbox } from '../sandbox/api';
import { createStoreCache } from '../store/store-cache';
import { defaultTaskSetPath, loadTaskSet } from '../tasks/index';

const rounds = Number(process.env.BENCH_SELFPLAY_ROUNDS ?? 5);
const seeds = Array.from({ length: Number(process.env.BENCH_SELFPLAY_SEEDS ?? 3) }, (_, i) => 1000 + i);
const trainingTaskCount = Number(process.env.BENCH_SELFPLAY_TASKS ?? 14);
const heldOutPairs = Number(process.env.BENCH_SELFPLAY_HELDOUT ?? 8);
const attempts = 4;
const targetDifficulty = 10;
const concurrency = 2;

/** Small budgets so that the learned weights, not brute force, decide. The same for every round. */
const generatorBudget = {
  candidates: 3,
  maxCandidates: 8,
  rarityInputs: 24,
  witnessExecutions: 24,
  shrinkExecutions: 8,
  concurrency: 4,
  runTimeoutMs: 500,
  maxTimeMs: 5000,
};
const evaluatorBudget = { maxExecutions: 14, shrinkExecutions: 6, concurrency: 4, runTimeoutMs: 500, maxTimeMs: 4000 };

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface HeldOutPair {
  task: Task;
  variant: string;
}

/**
 * Variant pairs from the held-out tasks: seeded first-order mutants that none of the task's example
 * inputs exposes (replaying the examples is not enough) and that a larger fuzzing budget proves
 * inequivalent. Made once, before any training; the same for every seed and round.
 */
async function makeHeldOutPairs(tasks: Task[], sandbox: Sandbox): Promise<HeldOutPair[]> {
  const pairs: HeldOutPair[] = [];
  const proof = resolveFuzzPolicyState({ maxExecutions: 60, shrinkExecutions: 0, concurrency: 4, runTimeoutMs: 500 });
  for (const [i, task] of tasks.entries()) {
    if (pairs.length >= heldOutPairs) break;
    const { mutants } = await enumerateMutants(task.source, task.entryPoint).catch(() => ({ mutants: [] }));
    const rng = createRng(deriveSeed(7, 'held-out', i));
    for (const mutant of rng.shuffle(mutants).slice(0, 10)) {
      let exposed = false;
      for (const input of task.exampleInputs) {
        const o = await sandbox.runPair({
          original: task.source,
          variant: mutant.source,
          entryPoint: task.entryPoint,
          input,
          timeoutMs: DEFAULT_TIMEOUT_MS,
        });
        if (compareOutcomes(o.original, o.variant, DEFAULT_TIMEOUT_MS).relation !== 'same') {
          exposed = true;
          break;
        }
      }
      if (exposed) continue;
      const attack = await fuzzAttack(task, mutant.source, {
        attempts: 1,
        seed: deriveSeed(7, 'held-out-proof', i),
        state: proof,
        sandbox,
      });
      if (attack.attempts[0]?.result.found) {
        pairs.push({ task, variant: mutant.source });
        break;
      }
    }
  }
  return pairs;
}

async function killRate(pairs: HeldOutPair[], evaluator: PlayerSpec, sandbox: Sandbox): Promise<number> {
  const state = resolveFuzzPolicyState(evaluator.policyState);
  let found = 0;
  let total = 0;
  for (const [i, pair] of pairs.entries()) {
    const attack = await fuzzAttack(pair.task, pair.variant, {
      attempts,
      seed: deriveSeed(11, 'held-out-attack', i),
      state,
      sandbox,
    });
    found += attack.attempts.filter((a) => a.result.found).length;
    total += attack.attempts.length;
  }
  return total === 0 ? 0 : found / total;
}

interface RoundResult {
  round: number;
  valid: number;
  episodes: number;
  meanDifficulty: number;
  heldOutKillRate: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const set = await loadTaskSet(defaultTaskSetPath());
  // Every third task is held out for the evaluator's fixed test pairs.
  const shuffled = createRng(20251121).shuffle(set.tasks);
  const heldOut = shuffled.filter((_, i) => i % 3 === 0);
  // The campaign plays the same training tasks every round (like a campaign with a task limit), so
  // round-to-round differences come from what the players learned, not from which tasks were drawn.
  const trainTasks = shuffled.filter((_, i) => i % 3 !== 0).slice(0, trainingTaskCount);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-bench-selfplay-'));
  const sandbox = await createSandbox({});
  const stores = createStoreCache(dir);
  try {
    const pairs = await makeHeldOutPairs(heldOut, sandbox);
    process.stderr.write(`held-out pairs: ${pairs.length} (${Math.round((Date.now() - started) / 1000)} s)\n`);
    const players = createInProcessPlayers(
      { generator: createGeneratorPolicy, evaluator: createEvaluatorPolicy },
      sandbox,
      silentLogger,
    );
    const activities = createActivities({
      sandbox,
      players,
      store: (id) => stores.get(id),
      loadTasks: () => Promise.resolve(trainTasks),
      log: silentLogger,
    });
    const perSeed: RoundResult[][] = [];
    for (const seed of seeds) {
      const campaignId = `selfplay-${seed}`;
      let generator: PlayerSpec = { policy: 'mutation', policyState: generatorBudget };
      let evaluator: PlayerSpec = { policy: 'fuzz', policyState: evaluatorBudget };
      const results: RoundResult[] = [];
      for (let round = 0; round < rounds; round++) {
        const tasks = tasksForRound(trainTasks, undefined, seed, round);
        const records: EpisodeRecord[] = [];
        const queue = [...tasks];
        const worker = async (): Promise<void> => {
          for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
            records.push(
              await runEpisodeInProcess(
                {
                  episodeId: `${campaignId}-r${round}-${task.id}`,
                  campaignId,
                  round,
                  task,
                  targetDifficulty,
                  attempts,
                  seed: deriveSeed(seed, round, task.id),
                  generator,
                  evaluator,
                },
                activities,
              ),
            );
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        const valid = records.filter((r) => r.outcome === 'valid');
        const meanDifficulty =
          valid.length === 0 ? 0 : valid.reduce((s, r) => s + (r.difficulty ?? 0), 0) / valid.length;
        const heldOutKillRate = await killRate(pairs, evaluator, sandbox);
        results.push({
          round,
          valid: valid.length,
          episodes: records.length,
          meanDifficulty: round3(meanDifficulty),
          heldOutKillRate: round3(heldOutKillRate),
        });
        process.stderr.write(
          `seed ${seed} round ${round}: ${valid.length}/${records.length} valid, mean difficulty ${meanDifficulty.toFixed(2)}, held-out kill rate ${heldOutKillRate.toFixed(3)} (${Math.round((Date.now() - started) / 1000)} s)\n`,
        );
        // The campaign's own training step: reads the round's records from the store, learns, records the new versions.
        const trained = await activities.trainRound({ campaignId, round, generator, evaluator });
        generator = trained.generator;
        evaluator = trained.evaluator;
        process.stderr.write(
          `  ${trained.note}\n  weights: ${JSON.stringify({ operators: (generator.policyState as { operatorWeights?: unknown }).operatorWeights, strategies: (evaluator.policyState as { strategyWeights?: unknown }).strategyWeights })}\n`,
        );
      }
      perSeed.push(results);
    }
    const last = rounds - 1;
    const gain = (pick: (r: RoundResult) => number): number[] =>
      perSeed.map((rs) => pick(rs[last] as RoundResult) - pick(rs[0] as RoundResult));
    const at = (round: number, pick: (r: RoundResult) => number): number[] =>
      perSeed.map((rs) => pick(rs[round] as RoundResult));
    const spreadOf = (xs: number[]): number => Math.max(...xs) - Math.min(...xs);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const difficultyGain = gain((r) => r.meanDifficulty);
    const killGain = gain((r) => r.heldOutKillRate);
    const spreadD = Math.max(spreadOf(at(0, (r) => r.meanDifficulty)), spreadOf(at(last, (r) => r.meanDifficulty)));
    const spreadK = Math.max(spreadOf(at(0, (r) => r.heldOutKillRate)), spreadOf(at(last, (r) => r.heldOutKillRate)));
    const line = {
      bench: 'selfplay',
      rounds,
      seeds: seeds.length,
      episodesPerRound: trainTasks.length,
      heldOutPairs: pairs.length,
      perRound: Array.from({ length: rounds }, (_, r) => ({
        round: r,
        meanDifficulty: round3(mean(at(r, (x) => x.meanDifficulty))),
        heldOutKillRate: round3(mean(at(r, (x) => x.heldOutKillRate))),
        meanDifficultyBySeed: at(r, (x) => x.meanDifficulty),
        heldOutKillRateBySeed: at(r, (x) => x.heldOutKillRate),
      })),
      difficultyGain: round3(mean(difficultyGain)),
      difficultySpread: round3(spreadD),
      killRateGain: round3(mean(killGain)),
      killRateSpread: round3(spreadK),
      difficultyBeatsSpread: mean(difficultyGain) > spreadD && difficultyGain.every((g) => g > 0),
      killRateBeatsSpread: mean(killGain) > spreadK && killGain.every((g) => g > 0),
      seconds: Math.round((Date.now() - started) / 1000),
    };
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await stores.closeAll();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
