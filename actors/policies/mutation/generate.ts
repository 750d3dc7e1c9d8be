// The mutation generator's search: enumerate mutants, try them in an order drawn from the operator
// weights, measure how rare each one's divergence is on K random inputs, find a witness (the first
// exposing random input, or a targeted fuzz of original vs mutant), shrink it, and pick the mutant
// whose rarity best matches the target difficulty. A mutant without a witness is discarded as
// possibly equivalent. Deterministic for a seed (given deterministic program runs).
import { compareOutcomes } from '../../../game/compare';
import { createRng, deriveSeed, type Rng } from '../../../game/random';
import { EPISODE_TIMEOUT_MIN_MS } from '../../../game/timeouts';
import type { DivergingInput, Outcome, Task } from '../../../game/types';
import type { Logger } from '../../../lib/log';
import type { PairOutcome, Sandbox } from '../../../sandbox/api';
import { analyzePair } from '../fuzz/analysis';
import { fuzzPair } from '../fuzz/engine';
import { buildModel, randomInput, type FuzzModel } from '../fuzz/model';
import { shrinkInput } from '../fuzz/shrink';
import { pickWeighted, resolveFuzzPolicyState } from '../fuzz/state';
import { renderInput, type FuzzInput } from '../fuzz/values';
import { enumerateMutants, MutationError, mutationOperators, type Mutant, type MutationOperator } from './enumerate';
import type { MutationPolicyState } from './state';

export interface MutantPlay {
  variant: string;
  /** The shrunk diverging input, confirmed by a pair run. */
  witness: DivergingInput;
  operator: MutationOperator;
  /** 1-based line and 0-based column in the original source. */
  location: { line: number; col: number };
  description: string;
  /** Fraction of the K random inputs that did NOT expose the mutant (1 = none did). */
  rarity: number;
  /** How many of the K random inputs exposed it. */
  exposed: number;
  sampleSize: number;
  /** Where the witness came from: a random sample input or the targeted fuzzer. */
  witnessFrom: 'random-sample' | 'fuzz';
  outcomes: PairOutcome;
  reason: string;
}

export interface GenerateStats {
  mutantsEnumerated: number;
  mutantsTried: number;
  /** Mutants with a witness (proven inequivalent). */
  mutantsKilled: number;
  /** Mutants for which no witness was found within budget (possibly equivalent). */
  mutantsDiscarded: number;
  executions: number;
  elapsedMs: number;
}

export interface GenerateResult {
  play: MutantPlay | null;
  /** Every witnessed candidate, in the order tried (the chosen one included). */
  candidates: MutantPlay[];
  stats: GenerateStats;
}

export interface GenerateOptions {
  targetDifficulty: number;
  seed: number;
  state: MutationPolicyState;
  sandbox: Sandbox;
  signal?: AbortSignal;
  deadline?: number;
  log?: Logger;
}

/** Draws mutants without replacement: an operator by weight, then a mutant of it uniformly. */
function mutantOrder(mutants: Mutant[], weights: Record<MutationOperator, number>, rng: Rng): Mutant[] {
  const byOperator = new Map<MutationOperator, Mutant[]>();
  for (const m of mutants) byOperator.set(m.operator, [...(byOperator.get(m.operator) ?? []), m]);
  const order: Mutant[] = [];
  while (byOperator.size > 0) {
    const present = mutationOperators.filter((op) => byOperator.has(op));
    const positive = present.filter((op) => weights[op] > 0);
    if (positive.length === 0) break;
    const op = pickWeighted(weights, positive, rng.next());
    const pool = byOperator.get(op) as Mutant[];
    const [picked] = pool.splice(rng.int(0, pool.length - 1), 1);
    order.push(picked as Mutant);
    if (pool.length === 0) byOperator.delete(op);
  }
  return order;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, f: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Searches a mutant of `task` with a witness, matched to `targetDifficulty` (0..10). */
export async function generateMutant(task: Task, options: GenerateOptions): Promise<GenerateResult> {
  const started = Date.now();
  const { state, sandbox, signal } = options;
  const desired = Math.min(1, Math.max(0, options.targetDifficulty / 10));
  const limitMs = state.runTimeoutMs;
  const helper = { ...(signal ? { signal } : {}) };
  const { mutants } = await enumerateMutants(task.source, task.entryPoint, helper);
  const stats: GenerateStats = { mutantsEnumerated: mutants.length, mutantsTried: 0, mutantsKilled: 0, mutantsDiscarded: 0, executions: 0, elapsedMs: 0 };
  const candidates: MutantPlay[] = [];
  const finish = (play: MutantPlay | null): GenerateResult => ({ play, candidates, stats: { ...stats, elapsedMs: Date.now() - started } });
  if (mutants.length === 0) return finish(null);

  const rng = createRng(deriveSeed(options.seed, 'mutation'));
  const order = mutantOrder(mutants, state.operatorWeights, rng);
  // K random inputs shaped like the task's inputs; the original runs on each once.
  const originalModel = buildModel(await analyzePair({ original: task.source, entryPoint: task.entryPoint, examples: task.exampleInputs }, helper), createRng(deriveSeed(options.seed, 'model')));
  const sampleRng = createRng(deriveSeed(options.seed, 'rarity-sample'));
  const sample: FuzzInput[] = [];
  const seen = new Set<string>();
  for (let tries = 0; sample.length < state.rarityInputs && tries < state.rarityInputs * 5; tries++) {
    const input = randomInput(originalModel, sampleRng, false);
    const text = renderInput(input);
    if (!seen.has(text)) {
      seen.add(text);
      sample.push(input);
    }
  }
  const sampleText = sample.map(renderInput);
  const originalOutcomes = await mapLimited(sampleText, state.concurrency, (input) => sandbox.run({ source: task.source, entryPoint: task.entryPoint, input, timeoutMs: limitMs }));
  stats.executions += sample.length;
  const fuzzState = resolveFuzzPolicyState(state.fuzz, { maxExecutions: state.witnessExecutions, shrinkExecutions: state.shrinkExecutions, concurrency: state.concurrency, runTimeoutMs: limitMs });
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const pairOf = (variant: string, input: DivergingInput, timeoutMs = limitMs): Promise<PairOutcome> =>
    sandbox.runPair({ original: task.source, variant, entryPoint: task.entryPoint, input, timeoutMs });

  for (const [index, mutant] of order.entries()) {
    if (signal?.aborted || Date.now() >= deadline) break;
    if (index >= state.maxCandidates || candidates.length >= state.candidates) break;
    stats.mutantsTried++;
    const exposed = await exposure(mutant.source);
    let witness: { input: DivergingInput; from: MutantPlay['witnessFrom'] } | null = null;
    if (exposed.first !== null) {
      const shrunk = await shrinkInput(sample[exposed.first] as FuzzInput, async (candidate) => {
        const o = await pairOf(mutant.source, renderInput(candidate));
        return compareOutcomes(o.original, o.variant, limitMs).relation === 'different';
      }, { budget: state.shrinkExecutions, parallel: state.concurrency, ...(signal ? { signal } : {}) });
      stats.executions += shrunk.executions;
      witness = { input: renderInput(shrunk.input), from: 'random-sample' };
    } else {
      const found = await witnessByFuzz(mutant.source, index);
      if (found) witness = { input: found, from: 'fuzz' };
    }
    if (!witness) {
      stats.mutantsDiscarded++;
      options.log?.debug({ operator: mutant.operator, line: mutant.line, description: mutant.description }, 'mutant discarded: no witness within budget');
      continue;
    }
    // The play must hold under the episode's own limit, not only under the fuzzing limit.
    const confirmLimit = Math.max(limitMs, EPISODE_TIMEOUT_MIN_MS);
    let outcomes = await pairOf(mutant.source, witness.input, limitMs);
    let verdict = compareOutcomes(outcomes.original, outcomes.variant, limitMs);
    if (verdict.relation === 'different' && (stalled(outcomes.original) || stalled(outcomes.variant))) {
      outcomes = await pairOf(mutant.source, witness.input, confirmLimit);
      verdict = compareOutcomes(outcomes.original, outcomes.variant, confirmLimit);
      stats.executions++;
    }
    stats.executions++;
    if (verdict.relation !== 'different') {
      stats.mutantsDiscarded++;
      continue;
    }
    stats.mutantsKilled++;
    const rarity = sample.length === 0 ? 1 : 1 - exposed.count / sample.length;
    const play: MutantPlay = {
      variant: mutant.source,
      witness: witness.input,
      operator: mutant.operator,
      location: { line: mutant.line, col: mutant.col },
      description: mutant.description,
      rarity,
      exposed: exposed.count,
      sampleSize: sample.length,
      witnessFrom: witness.from,
      outcomes,
      reason: verdict.reason,
    };
    candidates.push(play);
    if (Math.abs(rarity - desired) <= state.tolerance) break;
  }
  let best: MutantPlay | null = null;
  for (const c of candidates) if (!best || Math.abs(c.rarity - desired) < Math.abs(best.rarity - desired)) best = c;
  return finish(best);

  /** Runs the mutant on the random sample; counts inputs where it differs from the original. */
  async function exposure(variant: string): Promise<{ count: number; first: number | null }> {
    let stalls = 0;
    const different = await mapLimited(sampleText, state.concurrency, async (input, i) => {
      // A mutant that keeps hanging is plainly exposed; do not spend the whole sample waiting on it.
      if (stalls >= 2) return true;
      const outcome = await sandbox.run({ source: variant, entryPoint: task.entryPoint, input, timeoutMs: limitMs });
      stats.executions++;
      if (stalled(outcome)) stalls++;
      return compareOutcomes(originalOutcomes[i] as Outcome, outcome, limitMs).relation === 'different';
    });
    const first = different.indexOf(true);
    return { count: different.filter(Boolean).length, first: first >= 0 ? first : null };
  }

  async function witnessByFuzz(variant: string, index: number): Promise<DivergingInput | null> {
    const analysis = await analyzePair({ original: task.source, variant, entryPoint: task.entryPoint, examples: task.exampleInputs }, helper);
    const model: FuzzModel = buildModel(analysis, createRng(deriveSeed(options.seed, 'witness-model', index)));
    const result = await fuzzPair({ original: task.source, variant, entryPoint: task.entryPoint }, model, {
      seed: deriveSeed(options.seed, 'witness', index),
      state: fuzzState,
      sandbox,
      ...(signal ? { signal } : {}),
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    });
    stats.executions += result.found ? result.executionsSpent : result.executions;
    return result.found ? result.input : null;
  }
}

function stalled(outcome: Outcome): boolean {
  return outcome.kind === 'timeout' || outcome.kind === 'crashed';
}

export { MutationError };
