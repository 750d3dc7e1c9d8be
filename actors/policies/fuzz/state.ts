// The fuzzing evaluator's tunable state: weights over input strategies and seed sources (learned
// between rounds by a later stage) and its budget. Arrives as `policyState`, validated here.
import { z } from 'zod';

export const fuzzStrategies = ['seed', 'mutate', 'havoc', 'diff-constant', 'literal', 'boundary', 'splice', 'random'] as const;
export type FuzzStrategy = (typeof fuzzStrategies)[number];

export const seedSources = ['examples', 'defaults', 'inferred', 'literals', 'found'] as const;
export type SeedSource = (typeof seedSources)[number];

const weight = z.number().finite().min(0);

export const fuzzPolicyStateSchema = z.object({
  strategyWeights: z.partialRecord(z.enum(fuzzStrategies), weight).default({}),
  seedSourceWeights: z.partialRecord(z.enum(seedSources), weight).default({}),
  /** Executions (one input run on both programs) per attempt. */
  maxExecutions: z.number().int().min(1).max(100_000).optional(),
  /** Wall-clock budget per attempt, milliseconds. */
  maxTimeMs: z.number().int().min(1).max(3_600_000).optional(),
  /** Executions spent shrinking a diverging input. */
  shrinkExecutions: z.number().int().min(0).max(10_000).optional(),
  /** Inputs in flight at once. */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** Time limit of one program run, milliseconds. */
  runTimeoutMs: z.number().int().min(50).max(60_000).optional(),
});

export interface FuzzPolicyState {
  strategyWeights: Record<FuzzStrategy, number>;
  seedSourceWeights: Record<SeedSource, number>;
  maxExecutions: number;
  maxTimeMs: number;
  shrinkExecutions: number;
  concurrency: number;
  runTimeoutMs: number;
}

export const defaultFuzzPolicyState: FuzzPolicyState = {
  strategyWeights: { seed: 0, mutate: 3, havoc: 2, 'diff-constant': 5, literal: 1, boundary: 2, splice: 1, random: 1 },
  seedSourceWeights: { examples: 4, defaults: 1, inferred: 2, literals: 1, found: 3 },
  maxExecutions: 300,
  maxTimeMs: 30_000,
  shrinkExecutions: 60,
  concurrency: 4,
  runTimeoutMs: 2000,
};

export class PolicyStateError extends Error {
  readonly code = 'E_POLICY_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyStateError';
  }
}

/** Defaults overlaid with whatever (valid) state was given; throws PolicyStateError on a bad shape. */
export function resolveFuzzPolicyState(raw: unknown, overrides: Partial<FuzzPolicyState> = {}): FuzzPolicyState {
  const parsed = fuzzPolicyStateSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyStateError(`bad fuzz policy state at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  const base = defaultFuzzPolicyState;
  return {
    strategyWeights: { ...base.strategyWeights, ...s.strategyWeights, ...overrides.strategyWeights },
    seedSourceWeights: { ...base.seedSourceWeights, ...s.seedSourceWeights, ...overrides.seedSourceWeights },
    maxExecutions: overrides.maxExecutions ?? s.maxExecutions ?? base.maxExecutions,
    maxTimeMs: overrides.maxTimeMs ?? s.maxTimeMs ?? base.maxTimeMs,
    shrinkExecutions: overrides.shrinkExecutions ?? s.shrinkExecutions ?? base.shrinkExecutions,
    concurrency: overrides.concurrency ?? s.concurrency ?? base.concurrency,
    runTimeoutMs: overrides.runTimeoutMs ?? s.runTimeoutMs ?? base.runTimeoutMs,
  };
}

/** Picks a key with probability proportional to its weight (uniform when all are zero). */
export function pickWeighted<K extends string>(weights: Partial<Record<K, number>>, keys: readonly K[], draw: number): K {
  const total = keys.reduce((sum, k) => sum + (weights[k] ?? 0), 0);
  if (total <= 0) return keys[Math.min(keys.length - 1, Math.floor(draw * keys.length))] as K;
  let target = draw * total;
  for (const k of keys) {
    target -= weights[k] ?? 0;
    if (target < 0) return k;
  }
  return keys[keys.length - 1] as K;
}
