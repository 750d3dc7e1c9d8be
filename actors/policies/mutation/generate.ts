// The mutation generator's search: enumerate mutants, try them in an order drawn from the operator,
// location and site weights, measure how rare each one's divergence is on K random inputs, find a
// witness (the first exposing random input, or a targeted fuzz of original vs mutant), shrink it, and
// pick the mutant whose rarity best matches the target difficulty. A mutant without a witness is discarded as
// possibly equivalent. Deterministic for a seed (given deterministic program runs).
import { compareOutcomes } from '../../../game/compare';
import { createRng, deriveSeed, type Rng } from '../../../game/random';
import { EPISODE_TIMEOUT_MIN_MS } from '../../../game/timeouts';
import type { DivergingInput, Outcome, Task } from '../../../game/types';
import type { Logger } from '../../../lib/log';
import type { PairOutcome, Sandbox } from '../../../sandbox/api';
import { analyzePair } from '../fuzz/analysis';
import { fuzzPair, shrinkBudget } from '../fuzz/engine';
import { buildModel, randomInput, type FuzzModel } from '../fuzz/model';
import { shrinkInput } from '../fuzz/shrink';
import { pickWeighted, resolveFuzzPolicyState } from '../fuzz/state';
import { renderInput, type FuzzInput } from '../fuzz/values';
import { enumerateMutants, MutationError, mutationOperators, type Mutant, type MutationOperator } from './enumerate';
import { locationKindOf, locationKinds, type LocationKind } from './location';
import { programKey, siteKey } from './site';
import type { MutationPolicyState } from './state';

export interface MutantPlay {
  variant: string;
  /** The shrunk diverging input, confirmed by a pair run. */
  witness: DivergingInput;
  operator: MutationOperator;
  /** 1-based line and 0-based column in the original source. */
  location: { line: number; col: number; kind: LocationKind };
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
  /** Mutants run on the task's example inputs before any search. */
  mutantsScreened: number;
  /** Mutants dropped by that screen: they hang or crash there, or already differ there. */
  mutantsDropped: number;
  executions: number;
  elapsedMs: number;
  /** Why the search ended: a candidate fit the target, time or candidate budget ran out, nothing was left, or it was cancelled. */
  stoppedBy: 'fit' | 'time' | 'candidates' | 'exhausted' | 'aborted';
}

export interface GenerateResult {
  play: MutantPlay | null;
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

interface Exposure {
  rarity: number;
  count: number;
  ran: number;
  first: number | null;
  firstOutcome: Outcome | null;
}

interface Witnessed {
  mutant: Mutant;
  exposed: Exposure;
  from: MutantPlay['witnessFrom'];
  /** The first exposing sample input, not yet shrunk. */
  raw: FuzzInput | null;
  rawOutcome: PairOutcome | null;
  /** A witness already shrunk (by the fuzzer). */
  shrunk: DivergingInput | null;
}

/**
 * Draws mutants without replacement: an (operator, location kind) class with probability proportional
 * to operator weight × location weight × the largest site weight left in it, then a mutant of that
 * class with probability proportional to its site weight (uniformly when they are all equal). Site
 * weights come from the site memory for this program (1 when unknown), so on a program seen before
 * the sites that were hard come first, while for a new program the operator and kind weights decide.
 */
export function mutantOrder(
  mutants: readonly Mutant[],
  task: Pick<Task, 'source' | 'entryPoint'>,
  state: Pick<MutationPolicyState, 'operatorWeights' | 'locationWeights' | 'siteWeights'>,
  rng: Rng,
): Mutant[] {
  const sites = state.siteWeights[programKey(task.source, task.entryPoint)] ?? {};
  const classes = new Map<string, Array<{ mutant: Mutant; weight: number }>>();
  const baseWeight = new Map<string, number>();
  const kindOfLine = new Map<number, LocationKind>();
  for (const m of mutants) {
    let kind = kindOfLine.get(m.line);
    if (kind === undefined) kindOfLine.set(m.line, (kind = locationKindOf(task.source, m.line)));
    const key = `${m.operator}|${kind}`;
    const pool = classes.get(key) ?? [];
    pool.push({ mutant: m, weight: sites[siteKey(m)] ?? 1 });
    classes.set(key, pool);
    baseWeight.set(key, state.operatorWeights[m.operator] * state.locationWeights[kind]);
  }
  // A fixed key order (operators, then kinds) keeps the draw deterministic for a seed.
  const keys = mutationOperators.flatMap((op) => locationKinds.map((kind) => `${op}|${kind}`)).filter((k) => classes.has(k));
  const order: Mutant[] = [];
  for (;;) {
    const weightOf: Record<string, number> = {};
    for (const key of keys) {
      const pool = classes.get(key);
      if (pool) weightOf[key] = (baseWeight.get(key) ?? 0) * Math.max(...pool.map((p) => p.weight));
    }
    const positive = keys.filter((k) => (weightOf[k] ?? 0) > 0);
    if (positive.length === 0) break;
    const key = pickWeighted(weightOf, positive, rng.next());
    const pool = classes.get(key) as Array<{ mutant: Mutant; weight: number }>;
    const first = pool[0]?.weight ?? 1;
    const index = pool.every((p) => p.weight === first)
      ? rng.int(0, pool.length - 1)
      : pickWeighted(Object.fromEntries(pool.map((p, i) => [String(i), p.weight])), pool.map((_, i) => String(i)), rng.next());
    const [picked] = pool.splice(Number(index), 1);
    if (picked && picked.weight > 0) order.push(picked.mutant);
    if (pool.length === 0) classes.delete(key);
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
  const stats: GenerateStats = { mutantsEnumerated: mutants.length, mutantsTried: 0, mutantsKilled: 0, mutantsDiscarded: 0, mutantsScreened: 0, mutantsDropped: 0, executions: 0, elapsedMs: 0, stoppedBy: 'exhausted' };
  const finish = (play: MutantPlay | null): GenerateResult => ({ play, stats: { ...stats, elapsedMs: Date.now() - started } });
  if (mutants.length === 0) return finish(null);

  const rng = createRng(deriveSeed(options.seed, 'mutation'));
  const order = mutantOrder(mutants, task, state, rng);
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
  const fuzzState = resolveFuzzPolicyState(state.fuzz, { maxExecutions: state.witnessExecutions, maxTimeMs: Math.min(5000, state.maxTimeMs), shrinkExecutions: state.shrinkExecutions, concurrency: state.concurrency, runTimeoutMs: limitMs });
  const deadline = Math.min(options.deadline ?? Number.POSITIVE_INFINITY, started + state.maxTimeMs);
  // Inputs on which the original itself hangs prove little and cost a full limit per mutant run.
  const usable = sample.map((_, i) => i).filter((i) => !stalled(originalOutcomes[i] as Outcome));
  const pairOf = (variant: string, input: DivergingInput, timeoutMs = limitMs): Promise<PairOutcome> =>
    sandbox.runPair({ original: task.source, variant, entryPoint: task.entryPoint, input, timeoutMs });

  // Witnessed mutants; only the one chosen is shrunk and confirmed (the others are never shown).
  const witnessed: Witnessed[] = [];
  for (const [index, mutant] of order.entries()) {
    if (signal?.aborted) {
      stats.stoppedBy = 'aborted';
      break;
    }
    if (Date.now() >= deadline) {
      stats.stoppedBy = 'time';
      break;
    }
    if (index >= state.maxCandidates || witnessed.length >= state.candidates) {
      stats.stoppedBy = 'candidates';
      break;
    }
    stats.mutantsTried++;
    const exposed = await exposure(mutant.source);
    let entry: Witnessed | null = null;
    if (exposed.first !== null) {
      const firstOutcome: PairOutcome = { original: originalOutcomes[exposed.first] as Outcome, variant: exposed.firstOutcome as Outcome };
      entry = { mutant, exposed, from: 'random-sample', raw: sample[exposed.first] as FuzzInput, rawOutcome: firstOutcome, shrunk: null };
    } else {
      const found = await witnessByFuzz(mutant.source, index);
      if (found) entry = { mutant, exposed, from: 'fuzz', raw: null, rawOutcome: null, shrunk: found };
    }
    if (!entry) {
      stats.mutantsDiscarded++;
      options.log?.debug({ operator: mutant.operator, line: mutant.line, description: mutant.description }, 'mutant discarded: no witness within budget');
      continue;
    }
    stats.mutantsKilled++;
    witnessed.push(entry);
    if (Math.abs(exposed.rarity - desired) <= state.tolerance) {
      stats.stoppedBy = 'fit';
      break;
    }
  }
  // Closest rarity to the target first (ties: the earlier one); the first that confirms wins.
  const ranked = witnessed.map((w, i) => ({ w, i })).sort((a, b) => Math.abs(a.w.exposed.rarity - desired) - Math.abs(b.w.exposed.rarity - desired) || a.i - b.i);
  let best: MutantPlay | null = null;
  for (const { w } of ranked) {
    if (signal?.aborted) break;
    const play = await finalize(w);
    if (play) {
      best = play;
      break;
    }
    // Its witness did not hold up on a second run (a flaky stall): not proven after all.
    stats.mutantsKilled--;
    stats.mutantsDiscarded++;
  }
  signal?.throwIfAborted();
  return finish(best);

  /** Shrinks a sample witness and confirms the play, under the episode's limit when it hinges on a stall. */
  async function finalize(w: Witnessed): Promise<MutantPlay | null> {
    const { mutant, exposed } = w;
    let witness = w.shrunk;
    if (witness === null && w.raw !== null && w.rawOutcome !== null) {
      const shrunk = await shrinkInput(w.raw, async (candidate) => {
        const o = await pairOf(mutant.source, renderInput(candidate));
        return compareOutcomes(o.original, o.variant, limitMs).relation === 'different';
      }, { budget: shrinkBudget(w.rawOutcome, state), parallel: state.concurrency, ...(signal ? { signal } : {}) });
      stats.executions += shrunk.executions;
      witness = renderInput(shrunk.input);
    }
    if (witness === null) return null;
    const confirmLimit = Math.max(limitMs, EPISODE_TIMEOUT_MIN_MS);
    let outcomes = await pairOf(mutant.source, witness, limitMs);
    let verdict = compareOutcomes(outcomes.original, outcomes.variant, limitMs);
    stats.executions++;
    if (verdict.relation === 'different' && (stalled(outcomes.original) || stalled(outcomes.variant))) {
      outcomes = await pairOf(mutant.source, witness, confirmLimit);
      verdict = compareOutcomes(outcomes.original, outcomes.variant, confirmLimit);
      stats.executions++;
    }
    if (verdict.relation !== 'different') return null;
    return {
      variant: mutant.source,
      witness,
      operator: mutant.operator,
      location: { line: mutant.line, col: mutant.col, kind: locationKindOf(task.source, mutant.line) },
      description: mutant.description,
      rarity: exposed.rarity,
      exposed: exposed.count,
      sampleSize: exposed.ran,
      witnessFrom: w.from,
      outcomes,
      reason: verdict.reason,
    };
  }

  /** Runs the mutant on the random sample; counts inputs where it differs from the original. */
  /**
   * Runs the mutant on the random sample, a batch at a time, and estimates the share of inputs that
   * expose it. Stops early once the mutant is plainly too easy for the target (or keeps hanging):
   * the estimate from the inputs run so far is then good enough to rank it.
   */
  async function exposure(variant: string): Promise<Exposure> {
    const tooMany = Math.floor((1 - desired + state.tolerance) * usable.length) + 1;
    let count = 0;
    let ran = 0;
    let stalls = 0;
    let first: number | null = null;
    let firstOutcome: Outcome | null = null;
    for (let start = 0; start < usable.length; start += state.concurrency) {
      const indices = usable.slice(start, start + state.concurrency);
      const outcomes = await Promise.all(indices.map((i) => sandbox.run({ source: variant, entryPoint: task.entryPoint, input: sampleText[i] as string, timeoutMs: limitMs })));
      stats.executions += indices.length;
      ran += indices.length;
      indices.forEach((i, k) => {
        const outcome = outcomes[k] as Outcome;
        if (stalled(outcome)) stalls++;
        if (compareOutcomes(originalOutcomes[i] as Outcome, outcome, limitMs).relation === 'different') {
          count++;
          if (first === null) {
            first = i;
            firstOutcome = outcome;
          }
        }
      });
      if (count >= tooMany || stalls >= 2) break;
    }
    return { rarity: ran === 0 ? 1 : 1 - count / ran, count, ran, first, firstOutcome };
  }

  async function witnessByFuzz(variant: string, index: number): Promise<DivergingInput | null> {
    const analysis = await analyzePair({ original: task.source, variant, entryPoint: task.entryPoint, examples: task.exampleInputs }, helper);
    const model: FuzzModel = buildModel(analysis, createRng(deriveSeed(options.seed, 'witness-model', index)));
    const result = await fuzzPair({ original: task.source, variant, entryPoint: task.entryPoint }, model, {
      seed: deriveSeed(options.seed, 'witness', index),
      state: fuzzState,
      sandbox,
      ...(signal ? { signal } : {}),
      deadline,
    });
    stats.executions += result.found ? result.executionsSpent : result.executions;
    return result.found ? result.input : null;
  }
}

function stalled(outcome: Outcome): boolean {
  return outcome.kind === 'timeout' || outcome.kind === 'crashed';
}

export { MutationError };
