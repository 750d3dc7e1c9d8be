// Differential fuzzing of two programs: seeds (examples, changed constants, defaults, typical values,
// in an order drawn from the seed-source weights; first, or whenever the `seed` strategy is drawn),
// and inputs made by weighted strategies from a corpus of inputs the original accepts.
// Runs a few inputs at once; the batch order, not completion order, decides, so a seed gives the
// same result every time. The first diverging input is shrunk before it is returned.
import { compareOutcomes } from '../../../game/compare';
import { createRng, type Rng } from '../../../game/random';
import type { DivergingInput } from '../../../game/types';
import type { PairOutcome, Sandbox } from '../../../sandbox/api';
import { boundaryValue, injectConstant, mutateValue } from './mutators';
import { randomInput, type FuzzModel, type SeedInput } from './model';
import { shrinkInput } from './shrink';
import { fuzzStrategies, pickWeighted, seedSources, type FuzzPolicyState, type FuzzStrategy, type SeedSource } from './state';
import { inputSize, renderInput, type FuzzInput } from './values';

export interface FuzzTarget {
  original: string;
  variant: string;
  entryPoint: string;
}

export interface FuzzRunOptions {
  seed: number;
  state: FuzzPolicyState;
  sandbox: Sandbox;
  signal?: AbortSignal;
  /** Absolute deadline, epoch milliseconds (the earlier of this and state.maxTimeMs wins). */
  deadline?: number;
  /** `random`: plain random inputs of the guessed shapes, no seeds, constants or corpus (the baseline). */
  mode?: 'fuzz' | 'random';
}

export interface FuzzFound {
  found: true;
  /** The shrunk diverging input. */
  input: DivergingInput;
  /** The input as first found, before shrinking. */
  foundInput: DivergingInput;
  /** 1-based position of the diverging input among the inputs tried: executions to kill. */
  executions: number;
  /** Executions spent in all, including the rest of the last batch and shrinking. */
  executionsSpent: number;
  shrinkExecutions: number;
  strategy: FuzzStrategy | SeedSource;
  /** Inputs tried per strategy or seed source, up to and including the diverging one (for learning). */
  draws: OriginCounts;
  outcomes: PairOutcome;
  reason: string;
  elapsedMs: number;
}

export interface FuzzNotFound {
  found: false;
  executions: number;
  /** Inputs where the comparison could not decide (one side slow, crashed or not runnable). */
  inconclusive: number;
  /** Why the search stopped. */
  stoppedBy: 'budget' | 'time' | 'exhausted' | 'aborted';
  /** Inputs tried per strategy or seed source (for learning). */
  draws: OriginCounts;
  elapsedMs: number;
}

export type OriginCounts = Partial<Record<FuzzStrategy | SeedSource, number>>;

export type FuzzResult = FuzzFound | FuzzNotFound;

const MAX_CORPUS = 128;

interface Candidate {
  input: FuzzInput;
  text: string;
  origin: FuzzStrategy | SeedSource;
}

/** Produces inputs to try, one at a time, from seeds, the corpus and the strategies. */
class InputSource {
  private readonly tried = new Set<string>();
  private readonly pendingSeeds: SeedInput[];
  private readonly corpus: SeedInput[];
  private readonly seedCap: number;
  private seedsServed = 0;

  constructor(
    private readonly model: FuzzModel,
    private readonly rng: Rng,
    private readonly state: FuzzPolicyState,
    private readonly mode: 'fuzz' | 'random',
  ) {
    this.pendingSeeds = mode === 'fuzz' ? model.seeds.slice() : [];
    this.corpus = model.seeds.slice();
    this.seedCap = Math.max(8, Math.floor(state.maxExecutions / 3));
  }

  /** Grows the corpus with an input the original ran cleanly on. */
  accept(input: FuzzInput): void {
    if (this.mode !== 'fuzz') return;
    if (this.corpus.length >= MAX_CORPUS) this.corpus.splice(this.model.seeds.length, 1);
    this.corpus.push({ input, source: 'found' });
  }

  next(): Candidate | null {
    for (let attempt = 0; attempt < 60; attempt++) {
      const made = this.make();
      const text = renderInput(made.input);
      if (this.tried.has(text) || text.length > 100_000) continue;
      this.tried.add(text);
      return { ...made, text };
    }
    return null;
  }

  private make(): Omit<Candidate, 'text'> {
    if (this.mode === 'random') return { input: randomInput(this.model, this.rng, false), origin: 'random' };
    // With the `seed` strategy off, seeds are all replayed first (up to a cap); with it on, a seed is
    // replayed whenever that strategy is drawn, so its weight decides how much of the budget they get.
    const replayFirst = this.state.strategyWeights.seed <= 0;
    const first = replayFirst && this.seedsServed < this.seedCap ? this.takeSeed() : null;
    if (first) {
      this.seedsServed++;
      return { input: first.input, origin: first.source };
    }
    const strategy = pickWeighted(this.state.strategyWeights, fuzzStrategies, this.rng.next());
    const replay = strategy === 'seed' ? this.takeSeed() : null;
    if (replay) return { input: replay.input, origin: replay.source };
    return { input: this.apply(strategy), origin: strategy };
  }

  /**
   * The next seed to replay: a seed source drawn by its weight, then that source's next seed, so the
   * learned seed-source weights decide which seeds a small budget spends its first executions on.
   * A source with weight zero is not replayed (its seeds stay in the corpus).
   */
  private takeSeed(): SeedInput | null {
    const present = seedSources.filter((s) => this.state.seedSourceWeights[s] > 0 && this.pendingSeeds.some((e) => e.source === s));
    if (present.length === 0) return null;
    const source = pickWeighted(this.state.seedSourceWeights, present, this.rng.next());
    const index = this.pendingSeeds.findIndex((e) => e.source === source);
    return this.pendingSeeds.splice(index, 1)[0] ?? null;
  }

  private base(): FuzzInput {
    const present = seedSources.filter((s) => this.corpus.some((e) => e.source === s));
    if (present.length === 0) return randomInput(this.model, this.rng, true);
    const source = pickWeighted(this.state.seedSourceWeights, present, this.rng.next());
    return this.rng.pick(this.corpus.filter((e) => e.source === source)).input;
  }

  private apply(strategy: FuzzStrategy): FuzzInput {
    const { rng, model } = this;
    const n = model.names.length;
    if (n === 0) return [];
    const base = this.base();
    const at = (input: FuzzInput, i: number, f: (v: FuzzInput[number][1]) => FuzzInput[number][1] | null): FuzzInput => {
      const entry = input[i] as FuzzInput[number];
      const value = f(entry[1]);
      return value ? input.map((e, j) => (j === i ? [e[0], value] : e)) : input;
    };
    switch (strategy) {
      case 'seed':
        // Every seed has been replayed already.
        return mutateOnce();
      case 'mutate':
        return mutateOnce();
      case 'havoc': {
        let input = base;
        const steps = rng.int(2, 5);
        for (let k = 0; k < steps; k++) input = at(input, rng.int(0, n - 1), (v) => mutateValue(v, rng, model.pool));
        return input;
      }
      case 'diff-constant':
      case 'literal': {
        const constants = strategy === 'diff-constant' && model.changed.length > 0 ? model.changed : [...model.changed, ...literalValues(model)];
        if (constants.length === 0 && model.lengths.length === 0) return mutateOnce();
        // Often a change is reached only when several parameters take code constants at once.
        const rounds = n > 1 && rng.chance(0.5) ? 2 : 1;
        let input = base;
        let changed = false;
        const params = rng.shuffle([...Array(n).keys()]);
        for (let r = 0; r < rounds && params.length > 0; r++) {
          const i = params.shift() as number;
          // A constant that fits this parameter (an int for an int, a string for a string, ...).
          const useLength = model.lengths.length > 0 && (constants.length === 0 || rng.chance(0.2));
          const choices = useLength ? [{ t: 'int' as const, v: String(rng.pick(model.lengths)) }] : rng.shuffle(constants).slice(0, 8);
          for (const c of choices) {
            const injected = injectConstant((input[i] as FuzzInput[number])[1], c, rng, model.pool);
            if (injected) {
              input = at(input, i, () => injected);
              changed = true;
              break;
            }
          }
        }
        return changed ? input : mutateOnce();
      }
      case 'boundary': {
        const i = rng.int(0, n - 1);
        const j = n > 1 ? rng.pick([...Array(n).keys()].filter((k) => k !== i)) : i;
        const other = (base[j] as FuzzInput[number])[1];
        return at(base, i, (v) => boundaryValue(v, other, rng) ?? mutateValue(v, rng, model.pool));
      }
      case 'splice': {
        const other = this.base();
        return base.map((entry, i) => (rng.chance(0.5) ? entry : (other[i] ?? entry)));
      }
      case 'random':
        return randomInput(model, rng, true);
    }
    function mutateOnce(): FuzzInput {
      return at(base, rng.int(0, n - 1), (v) => mutateValue(v, rng, model.pool));
    }
  }
}

function literalValues(model: FuzzModel): FuzzInput[number][1][] {
  return [
    ...model.pool.ints.map((v) => ({ t: 'int' as const, v: v.toString() })),
    ...model.pool.floats.map((v) => ({ t: 'float' as const, v })),
    ...model.pool.strs.map((v) => ({ t: 'str' as const, v })),
  ];
}

/** Shrinking a non-halting divergence costs a time limit per step: give it only a few steps. */
export function shrinkBudget(outcome: PairOutcome, state: Pick<FuzzPolicyState, 'shrinkExecutions' | 'concurrency'>): number {
  const stalled = (o: PairOutcome['original']): boolean => o.kind === 'timeout' || o.kind === 'crashed';
  return stalled(outcome.original) || stalled(outcome.variant) ? Math.min(state.shrinkExecutions, 2 * state.concurrency) : state.shrinkExecutions;
}

/** Fuzzes `target` for a diverging input within the budget in `options.state`. */
export async function fuzzPair(target: FuzzTarget, model: FuzzModel, options: FuzzRunOptions): Promise<FuzzResult> {
  const started = Date.now();
  const { state, sandbox, signal } = options;
  const stopAt = Math.min(started + state.maxTimeMs, options.deadline ?? Number.POSITIVE_INFINITY);
  const rng = createRng(options.seed);
  const source = new InputSource(model, rng, state, options.mode ?? 'fuzz');
  const limitMs = state.runTimeoutMs;
  const runPair = (input: DivergingInput): Promise<PairOutcome> =>
    sandbox.runPair({ original: target.original, variant: target.variant, entryPoint: target.entryPoint, input, timeoutMs: limitMs });

  let executions = 0;
  let inconclusive = 0;
  const draws: OriginCounts = {};
  const count = (origin: FuzzStrategy | SeedSource): void => {
    draws[origin] = (draws[origin] ?? 0) + 1;
  };
  let stoppedBy: FuzzNotFound['stoppedBy'] = 'budget';
  while (executions < state.maxExecutions) {
    if (signal?.aborted) {
      stoppedBy = 'aborted';
      break;
    }
    if (Date.now() >= stopAt) {
      stoppedBy = 'time';
      break;
    }
    const batch: Candidate[] = [];
    while (batch.length < Math.min(state.concurrency, state.maxExecutions - executions)) {
      const candidate = source.next();
      if (!candidate) break;
      batch.push(candidate);
    }
    if (batch.length === 0) {
      stoppedBy = 'exhausted';
      break;
    }
    const results = await Promise.all(batch.map((c) => runPair(c.text)));
    for (let k = 0; k < batch.length; k++) {
      const candidate = batch[k] as Candidate;
      const outcome = results[k] as PairOutcome;
      const verdict = compareOutcomes(outcome.original, outcome.variant, limitMs);
      count(candidate.origin);
      if (verdict.relation === 'different') {
        const shrunk = await shrinkInput(
          candidate.input,
          async (input) => {
            const o = await runPair(renderInput(input));
            return compareOutcomes(o.original, o.variant, limitMs).relation === 'different';
          },
          { budget: shrinkBudget(outcome, state), parallel: state.concurrency, ...(signal ? { signal } : {}) },
        );
        const finalText = renderInput(shrunk.input);
        const finalOutcome = finalText === candidate.text || inputSize(shrunk.input) >= inputSize(candidate.input) ? outcome : await runPair(finalText);
        const finalVerdict = compareOutcomes(finalOutcome.original, finalOutcome.variant, limitMs);
        // A flaky shrink step (e.g. a timeout under load) must not turn a real find into a false one.
        const keepShrunk = finalVerdict.relation === 'different';
        return {
          found: true,
          input: keepShrunk ? finalText : candidate.text,
          foundInput: candidate.text,
          executions: executions + k + 1,
          executionsSpent: executions + batch.length + shrunk.executions + (finalOutcome === outcome ? 0 : 1),
          shrinkExecutions: shrunk.executions,
          strategy: candidate.origin,
          draws,
          outcomes: keepShrunk ? finalOutcome : outcome,
          reason: keepShrunk ? finalVerdict.reason : verdict.reason,
          elapsedMs: Date.now() - started,
        };
      }
      if (verdict.relation === 'inconclusive' || verdict.relation === 'not-comparable') inconclusive++;
      if (outcome.original.kind === 'returned') source.accept(candidate.input);
    }
    executions += batch.length;
  }
  return { found: false, executions, inconclusive, stoppedBy, draws, elapsedMs: Date.now() - started };
}
