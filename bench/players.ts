// The offline players on our task set. The mutation generator makes one high-difficulty variant
// per task; the fuzzing evaluator and a plain random-input baseline (same shapes, no seeds, no
// constants, no corpus) then attack each pair with the same budget, in the same run.
// Prints one JSON line last. Env: BENCH_PLAYERS_TASKS (tasks used, spread over the set; default 30),
// BENCH_PLAYERS_DIFFICULTY (default 10), BENCH_PLAYERS_BUDGET (executions per attack; default 300).
import { analyzePair } from '../actors/policies/fuzz/analysis';
import { fuzzPair, type FuzzResult } from '../actors/policies/fuzz/engine';
import { buildModel } from '../actors/policies/fuzz/model';
import { resolveFuzzPolicyState } from '../actors/policies/fuzz/state';
import { generateMutant, type MutantPlay } from '../actors/policies/mutation/generate';
import { resolveMutationPolicyState } from '../actors/policies/mutation/state';
import { createRng, deriveSeed } from '../game/random';
import { DEFAULT_TIMEOUT_MS } from '../game/timeouts';
import type { Task } from '../game/types';
import { verifyPlay } from '../game/verify';
import { createSandbox } from '../sandbox/index';
import { defaultTaskSetPath, loadTaskSet } from '../tasks/index';

const taskCount = Number(process.env.BENCH_PLAYERS_TASKS ?? 30);
const difficulty = Number(process.env.BENCH_PLAYERS_DIFFICULTY ?? 10);
const budget = Number(process.env.BENCH_PLAYERS_BUDGET ?? 300);
const seed = 20251;
// The corpus is the hard end of the generator (top target, a larger random sample for the rarity
// estimate, a wider search): pairs that plain random testing finds hard.
const generatorState = {
  rarityInputs: Number(process.env.BENCH_PLAYERS_RARITY_INPUTS ?? 64),
  tolerance: Number(process.env.BENCH_PLAYERS_TOLERANCE ?? 0.05),
  candidates: Number(process.env.BENCH_PLAYERS_CANDIDATES ?? 16),
  maxCandidates: Number(process.env.BENCH_PLAYERS_MAX_CANDIDATES ?? 40),
};
const generationLanes = Number(process.env.BENCH_PLAYERS_LANES ?? 3);

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function spread<T>(items: T[], count: number): T[] {
  if (count >= items.length) return items;
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const started = Date.now();
  const set = await loadTaskSet(defaultTaskSetPath());
  const tasks = spread(set.tasks, taskCount);
  const sandbox = await createSandbox({});
  try {
    // 1. The generator.
    const pairs: Array<{ task: Task; play: MutantPlay }> = [];
    let tried = 0;
    let killed = 0;
    let invalidPlays = 0;
    const genStarted = Date.now();
    // A few tasks at once: each search keeps only a handful of runs in flight, the pool has room for more.
    const generated = new Array<{ task: Task; play: MutantPlay | null; valid: boolean }>(tasks.length);
    let nextTask = 0;
    const lane = async (): Promise<void> => {
      while (nextTask < tasks.length) {
        const i = nextTask++;
        const task = tasks[i] as Task;
        const result = await generateMutant(task, { targetDifficulty: difficulty, seed: deriveSeed(seed, 'generate', i), state: resolveMutationPolicyState(generatorState), sandbox });
        tried += result.stats.mutantsTried;
        killed += result.stats.mutantsKilled;
        if (!result.play) {
          generated[i] = { task, play: null, valid: false };
          continue;
        }
        // Every play is checked the way an episode checks it, at the episode's default limit.
        const outcomes = await sandbox.runPair({ original: task.source, variant: result.play.variant, entryPoint: task.entryPoint, input: result.play.witness, timeoutMs: DEFAULT_TIMEOUT_MS });
        const verdict = verifyPlay({ originalOutcome: outcomes.original, variantOutcome: outcomes.variant, limitMs: DEFAULT_TIMEOUT_MS, divergingInput: result.play.witness });
        generated[i] = { task, play: result.play, valid: verdict.valid };
        process.stderr.write(`generate ${task.id}: ${result.play.operator} rarity ${result.play.rarity.toFixed(2)} ${verdict.valid ? 'valid' : 'INVALID'} ${result.stats.executions} executions ${result.stats.elapsedMs} ms\n`);
      }
    };
    await Promise.all(Array.from({ length: generationLanes }, () => lane()));
    for (const g of generated) {
      if (g.play && g.valid) pairs.push({ task: g.task, play: g.play });
      else if (g.play) invalidPlays++;
    }
    const genMinutes = (Date.now() - genStarted) / 60_000;

    // 2. The evaluators on the same pairs, same budget.
    const attack = async (task: Task, variant: string, mode: 'fuzz' | 'random', i: number): Promise<FuzzResult> => {
      const analysis = await analyzePair({ original: task.source, variant, entryPoint: task.entryPoint, examples: task.exampleInputs });
      const model = buildModel(analysis, createRng(deriveSeed(seed, 'model', i)));
      return fuzzPair({ original: task.source, variant, entryPoint: task.entryPoint }, model, {
        seed: deriveSeed(seed, mode, i),
        state: resolveFuzzPolicyState({}, { maxExecutions: budget }),
        sandbox,
        mode,
      });
    };
    // Pairs are attacked a few at a time; each result depends only on its pair and seed.
    const attackAll = async (mode: 'fuzz' | 'random'): Promise<FuzzResult[]> => {
      const out = new Array<FuzzResult>(pairs.length);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < pairs.length) {
          const i = next++;
          const { task, play } = pairs[i] as (typeof pairs)[number];
          out[i] = await attack(task, play.variant, mode, i);
        }
      };
      await Promise.all(Array.from({ length: generationLanes }, () => lane()));
      return out;
    };
    const fuzzStarted = Date.now();
    const fuzzRuns = await attackAll('fuzz');
    const fuzzMs = Date.now() - fuzzStarted;
    const randomStarted = Date.now();
    const randomRuns = await attackAll('random');
    pairs.forEach(({ task }, i) => {
      const f = fuzzRuns[i] as FuzzResult;
      const r = randomRuns[i] as FuzzResult;
      process.stderr.write(`attack ${task.id}: fuzz ${f.found ? `killed in ${f.executions}` : 'missed'}, random ${r.found ? `killed in ${r.executions}` : 'missed'}\n`);
    });
    const randomMs = Date.now() - randomStarted;

    // Misses count as budget + 1 executions: a lower bound, which can only flatter the baseline.
    const toKill = (runs: FuzzResult[]): number[] => runs.map((r) => (r.found ? r.executions : budget + 1));
    const killRate = (runs: FuzzResult[]): number => (runs.length === 0 ? 0 : runs.filter((r) => r.found).length / runs.length);
    const fuzzKill = killRate(fuzzRuns);
    const randomKill = killRate(randomRuns);
    const fuzzMedian = median(toKill(fuzzRuns));
    const randomMedian = median(toKill(randomRuns));
    const executionsRatio = fuzzMedian / randomMedian;
    const line = {
      bench: 'players',
      tasks: tasks.length,
      difficulty,
      budget,
      generator: {
        lanes: generationLanes,
        pairs: pairs.length,
        invalid_plays: invalidPlays,
        valid_variants_per_minute: round(pairs.length / genMinutes, 2),
        mutants_tried: tried,
        proven_inequivalent_share: round(tried === 0 ? 0 : killed / tried),
        mean_rarity: round(pairs.reduce((s, p) => s + p.play.rarity, 0) / Math.max(1, pairs.length)),
      },
      fuzz: { kill_rate: round(fuzzKill), median_executions_to_kill: fuzzMedian, seconds: round(fuzzMs / 1000, 1) },
      random: { kill_rate: round(randomKill), median_executions_to_kill: randomMedian, censored_at: budget + 1, seconds: round(randomMs / 1000, 1) },
      kill_rate_ratio: round(randomKill === 0 ? Number.POSITIVE_INFINITY : fuzzKill / randomKill),
      median_executions_ratio: round(executionsRatio, 4),
      targets: { fuzz_kill_rate_at_least_0_95: fuzzKill >= 0.95, executions_ratio_at_most_0_1: executionsRatio <= 0.1 },
      seconds: round((Date.now() - started) / 1000, 1),
    };
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench players failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
