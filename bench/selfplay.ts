// Self-play of the offline players: a 5-round campaign on data/tasks.jsonl for 3 seeds, run
// in-process (same episode machine, activities, store and training step as a deployment, without
// Temporal or NATS). Each number measures one player against a fixed opponent: per round, the
// generator's mean difficulty of its valid plays as measured by the *initial* evaluator (same
// budget), and the evaluator's kill rate on a fixed set of variant pairs made from held-out tasks
// (never trained on). The in-campaign difficulty (against the co-learning evaluator) is reported too.
// `--no-learning` plays the same campaign with the training step's new states discarded (a control:
// it must show no trend). Prints one JSON line last; stderr shows per round how the generator's plays
// split over the sites it remembers. Env: BENCH_SELFPLAY_ROUNDS (5), BENCH_SELFPLAY_SEEDS (3),
// BENCH_SELFPLAY_TASKS (training tasks, all played each round, 24), BENCH_SELFPLAY_HELDOUT (held-out
// pairs, 24), BENCH_SELFPLAY_HELDOUT_ATTEMPTS (12), BENCH_SELFPLAY_REFERENCE_ATTEMPTS (6).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../actors/policies/registry';
import { fuzzAttack } from '../actors/policies/fuzz/policy';
import { fuzzStrategies, resolveFuzzPolicyState, seedSources } from '../actors/policies/fuzz/state';
import { generateMutant } from '../actors/policies/mutation/generate';
import { programKey } from '../actors/policies/mutation/site';
import { resolveMutationPolicyState } from '../actors/policies/mutation/state';
import { createActivities } from '../activities/index';
import { createInProcessPlayers } from '../activities/in-process-players';
import { runEpisodeInProcess } from '../activities/run-in-process';
import { createRng, deriveSeed } from '../game/random';
import type { Task } from '../game/types';
import { silentLogger } from '../lib/log';
import { tasksForRound } from '../workflows/campaign';
import type { EpisodeRecord, PlayerSpec } from '../machines/types';
import { createSandbox } from '../sandbox/index';
import type { Sandbox } from '../sandbox/api';
import { createStoreCache } from '../store/store-cache';
import { defaultTaskSetPath, loadTaskSet } from '../tasks/index';
import { defaultLearningOptions, validPlayReward } from '../training/learn';
import { mutationFactOf } from '../training/play-facts';

const rounds = Number(process.env.BENCH_SELFPLAY_ROUNDS ?? 5);
const seeds = Array.from({ length: Number(process.env.BENCH_SELFPLAY_SEEDS ?? 3) }, (_, i) => 1000 + i);
const trainingTaskCount = Number(process.env.BENCH_SELFPLAY_TASKS ?? 24);
const heldOutPairs = Number(process.env.BENCH_SELFPLAY_HELDOUT ?? 24);
const { values: flags } = parseArgs({ options: { 'no-learning': { type: 'boolean', default: false } } });
const learning = !flags['no-learning'];
const attempts = 4;
/** Attempts of the evaluator per held-out pair when measuring its kill rate (finer than the campaign's 4). */
const heldOutAttempts = Number(process.env.BENCH_SELFPLAY_HELDOUT_ATTEMPTS ?? 12);
/** Attempts of the initial evaluator per valid play when measuring the generator (finer than the campaign's 4). */
const referenceAttempts = Number(process.env.BENCH_SELFPLAY_REFERENCE_ATTEMPTS ?? 6);
const targetDifficulty = 10;
const concurrency = 2;

/**
 * Small budgets so that the learned weights, not brute force, decide; the same for every round. Both
 * players start from uniform weights (no hand-tuned prior): what they prefer later, they learned.
 * The evaluator's `seed` strategy is on, so replaying the task's seeds competes for the budget too.
 */
const generatorBudget = {
  candidates: 1,
  maxCandidates: 3,
  rarityInputs: 16,
  witnessExecutions: 24,
  shrinkExecutions: 8,
  concurrency: 4,
  runTimeoutMs: 500,
  maxTimeMs: 5000,
};
const uniform = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 1])) as Record<K, number>;
const evaluatorBudget = {
  strategyWeights: uniform(fuzzStrategies),
  seedSourceWeights: uniform(seedSources),
  maxExecutions: 6,
  shrinkExecutions: 6,
  concurrency: 4,
  runTimeoutMs: 500,
  maxTimeMs: 4000,
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface HeldOutPair {
  task: Task;
  variant: string;
}

/**
 * Variant pairs from the held-out tasks, made once before any training by a fixed generator that
 * never learns: the default mutation generator with a larger budget, asked for the hardest play
 * (its mutant with the rarest divergence on random inputs, with a witness). The same for every seed
 * and round; no player of the campaign has a hand in them.
 */
async function makeHeldOutPairs(tasks: Task[], sandbox: Sandbox): Promise<HeldOutPair[]> {
  const pairs: HeldOutPair[] = [];
  const fixedGenerator = resolveMutationPolicyState({ candidates: 4, maxCandidates: 10, rarityInputs: 24, witnessExecutions: 60, shrinkExecutions: 0 });
  for (const [i, task] of tasks.entries()) {
    if (pairs.length >= heldOutPairs) break;
    const made = await generateMutant(task, { targetDifficulty: 10, seed: deriveSeed(7, 'held-out', i), state: fixedGenerator, sandbox }).catch(
      () => null,
    );
    if (made?.play) pairs.push({ task, variant: made.play.variant });
  }
  return pairs;
}

/** Runs `f` over `items`, `limit` at a time (results keyed by the caller; each call is seeded on its own). */
async function forEachLimited<T>(items: readonly T[], limit: number, f: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await f(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function killRate(pairs: HeldOutPair[], evaluator: PlayerSpec, sandbox: Sandbox, seed: number): Promise<number> {
  const state = resolveFuzzPolicyState(evaluator.policyState);
  let found = 0;
  let total = 0;
  await forEachLimited(pairs, concurrency, async (pair, i) => {
    const attack = await fuzzAttack(pair.task, pair.variant, {
      attempts: heldOutAttempts,
      seed: deriveSeed(seed, 'held-out-attack', i),
      state,
      sandbox,
    });
    found += attack.attempts.filter((a) => a.result.found).length;
    total += attack.attempts.length;
  });
  return total === 0 ? 0 : found / total;
}

/**
 * Mean difficulty (0..10) of the round's valid plays as the initial evaluator measures them: the
 * same budget as in the campaign, more attempts (a finer grade), attack seeds fixed per task so that
 * rounds differ only in the plays.
 */
async function referenceDifficulty(records: EpisodeRecord[], sandbox: Sandbox, seed: number): Promise<Map<string, number>> {
  const state = resolveFuzzPolicyState(evaluatorBudget);
  const scores = new Map<string, number>();
  await forEachLimited(records, concurrency, async (record) => {
    const parsed = record.proposal?.reply.parsed;
    if (record.outcome !== 'valid' || !parsed?.ok) return;
    const attack = await fuzzAttack(record.task, parsed.value.program, {
      attempts: referenceAttempts,
      seed: deriveSeed(seed, 'reference-attack', record.task.id),
      state,
      sandbox,
    });
    const missed = attack.attempts.filter((a) => !a.result.found).length;
    scores.set(record.episodeId, (10 * missed) / Math.max(1, attack.attempts.length));
  });
  return scores;
}

const meanOf = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Pearson correlation of two equally long series (0 when either is constant). */
function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mx = meanOf(xs);
  const my = meanOf(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const y = ys[i] ?? my;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/**
 * Diagnostics for stderr: how many of the round's plays were on sites the generator remembered as
 * hard (weight > 1) or easy (< 1), or on new sites, and the mean reward the campaign gave each group.
 */
function describeSiteMemory(records: EpisodeRecord[], generator: PlayerSpec, reference: Map<string, number>): string {
  const memory = resolveMutationPolicyState(generator.policyState).siteWeights;
  const groups = { preferred: [] as number[], avoided: [] as number[], fresh: [] as number[], none: 0, invalid: 0 };
  // Does the campaign's reward (against the co-learning evaluator) rank plays as the initial evaluator does?
  const rewards: number[] = [];
  const references: number[] = [];
  let programsWithPreferred = 0;
  for (const record of records) {
    const sites = memory[programKey(record.task.source, record.task.entryPoint)] ?? {};
    if (Object.values(sites).some((w) => w > 1)) programsWithPreferred++;
    const fact = mutationFactOf(record);
    if (!fact?.site) {
      groups.none++;
      continue;
    }
    if (record.outcome !== 'valid') groups.invalid++;
    const reward = record.outcome === 'valid' ? validPlayReward(record) : defaultLearningOptions.invalidReward;
    const referenceScore = reference.get(record.episodeId);
    if (referenceScore !== undefined) {
      rewards.push(reward);
      references.push(referenceScore);
    }
    const weight = sites[fact.site];
    (weight === undefined ? groups.fresh : weight > 1 ? groups.preferred : groups.avoided).push(reward);
  }
  const avg = (xs: number[]): string => (xs.length === 0 ? '-' : (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2));
  const sites = Object.values(memory).reduce((n, p) => n + Object.keys(p).length, 0);
  return (
    `site memory ${Object.keys(memory).length} programs/${sites} sites, ${programsWithPreferred} of the round's programs with a preferred site; ` +
    `plays (mean reward) on preferred sites ${groups.preferred.length} (${avg(groups.preferred)}), on avoided sites ${groups.avoided.length} (${avg(groups.avoided)}), ` +
    `on new sites ${groups.fresh.length} (${avg(groups.fresh)}); invalid ${groups.invalid}, no play ${groups.none}; ` +
    `correlation of reward with difficulty vs the initial evaluator ${correlation(rewards, references).toFixed(2)}`
  );
}

interface RoundResult {
  round: number;
  valid: number;
  episodes: number;
  /** Against the initial evaluator (the generator's learning alone). */
  meanDifficulty: number;
  /** Against the round's own (co-learning) evaluator, as the campaign recorded it. */
  inCampaignDifficulty: number;
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
        const roundStarted = Date.now();
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
                  // Common random numbers: a task's episode seed is the same in every round, so rounds
                  // differ only in the players' learned state (with learning off, every round is the same).
                  seed: deriveSeed(seed, task.id),
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
        const inCampaignDifficulty =
          valid.length === 0 ? 0 : valid.reduce((s, r) => s + (r.difficulty ?? 0), 0) / valid.length;
        const playedAt = Date.now();
        const reference = await referenceDifficulty(records, sandbox, seed);
        const meanDifficulty = meanOf([...reference.values()]);
        const referencedAt = Date.now();
        const heldOutKillRate = await killRate(pairs, evaluator, sandbox, seed);
        const seconds = (from: number, to: number): string => `${((to - from) / 1000).toFixed(0)} s`;
        process.stderr.write(`  time: episodes ${seconds(roundStarted, playedAt)}, reference ${seconds(playedAt, referencedAt)}, held-out ${seconds(referencedAt, Date.now())}\n`);
        results.push({
          round,
          valid: valid.length,
          episodes: records.length,
          meanDifficulty: round3(meanDifficulty),
          inCampaignDifficulty: round3(inCampaignDifficulty),
          heldOutKillRate: round3(heldOutKillRate),
        });
        process.stderr.write(
          `seed ${seed} round ${round}: ${valid.length}/${records.length} valid, difficulty vs initial evaluator ${meanDifficulty.toFixed(2)} (in campaign ${inCampaignDifficulty.toFixed(2)}), held-out kill rate ${heldOutKillRate.toFixed(3)} (${Math.round((Date.now() - started) / 1000)} s)\n`,
        );
        process.stderr.write(`  ${describeSiteMemory(records, generator, reference)}\n`);
        // The campaign's own training step: reads the round's records from the store, learns, records the new versions.
        const trained = await activities.trainRound({ campaignId, round, generator, evaluator });
        // The control run discards what was learned: same code, same budgets, initial states throughout.
        if (learning) {
          generator = trained.generator;
          evaluator = trained.evaluator;
        }
        process.stderr.write(
          `  ${trained.note}\n  weights: ${JSON.stringify({ operators: (trained.generator.policyState as { operatorWeights?: unknown }).operatorWeights, locations: (trained.generator.policyState as { locationWeights?: unknown }).locationWeights, strategies: (trained.evaluator.policyState as { strategyWeights?: unknown }).strategyWeights, sources: (trained.evaluator.policyState as { seedSourceWeights?: unknown }).seedSourceWeights })}\n`,
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
      learning,
      difficultyMeasuredAgainst: 'initial evaluator',
      initialWeights: 'uniform',
      episodeSeeds: 'same for a task in every round',
      killRateMeasuredOn: 'fixed held-out variant pairs',
      rounds,
      seeds: seeds.length,
      episodesPerRound: trainTasks.length,
      referenceAttempts,
      heldOutPairs: pairs.length,
      heldOutAttempts,
      perRound: Array.from({ length: rounds }, (_, r) => ({
        round: r,
        meanDifficulty: round3(mean(at(r, (x) => x.meanDifficulty))),
        heldOutKillRate: round3(mean(at(r, (x) => x.heldOutKillRate))),
        inCampaignDifficulty: round3(mean(at(r, (x) => x.inCampaignDifficulty))),
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
