// The mutation generator's tunable state: operator and location preferences and a per-program site memory
// (learned between rounds, training/learn.ts) and its search budget. Arrives as `policyState`, validated here.
import { z } from 'zod';
import { fuzzPolicyStateSchema } from '../fuzz/state';
import { PolicyStateError } from '../fuzz/state';
import { mutationOperators, type MutationOperator } from './enumerate';
import { locationKinds, type LocationKind } from './location';
import type { SiteWeights } from './site';

const weight = z.number().finite().min(0);

export const mutationPolicyStateSchema = z.object({
  operatorWeights: z.partialRecord(z.enum(mutationOperators), weight).default({}),
  /** Preferences over the kind of statement a mutant sits in; a mutant's draw weight is operator × location. */
  locationWeights: z.partialRecord(z.enum(locationKinds), weight).default({}),
  /**
   * Site memory: program key → (site key → weight), see `site.ts`. A mutant's draw weight is multiplied
   * by its site's weight (1 when unknown), so sites learned on a program are preferred when it returns.
   */
  siteWeights: z.record(z.string().min(1).max(64), z.record(z.string().min(1).max(256), weight)).default({}),
  /** Stop once this many mutants have witnesses, if none fits the target sooner. */
  candidates: z.number().int().min(1).max(100).optional(),
  /** Most mutants to try per proposal. */
  maxCandidates: z.number().int().min(1).max(1000).optional(),
  /** Random inputs K used to estimate how rare a mutant's divergence is. */
  rarityInputs: z.number().int().min(1).max(1000).optional(),
  /** Fuzz executions spent looking for a witness when no random input exposes the mutant. */
  witnessExecutions: z.number().int().min(1).max(100_000).optional(),
  shrinkExecutions: z.number().int().min(0).max(10_000).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  runTimeoutMs: z.number().int().min(50).max(60_000).optional(),
  /** Time for one proposal, milliseconds; the best mutant so far is taken when it runs out. */
  maxTimeMs: z.number().int().min(1).max(3_600_000).optional(),
  /** Accept a mutant at once when its rarity is this close to the target. */
  tolerance: z.number().min(0).max(1).optional(),
  /** Strategy weights of the witness search. */
  fuzz: fuzzPolicyStateSchema.partial().optional(),
});

export interface MutationPolicyState {
  operatorWeights: Record<MutationOperator, number>;
  locationWeights: Record<LocationKind, number>;
  siteWeights: SiteWeights;
  candidates: number;
  maxCandidates: number;
  rarityInputs: number;
  witnessExecutions: number;
  shrinkExecutions: number;
  concurrency: number;
  runTimeoutMs: number;
  tolerance: number;
  maxTimeMs: number;
  fuzz: unknown;
}

export const defaultMutationPolicyState: MutationPolicyState = {
  operatorWeights: Object.fromEntries(mutationOperators.map((op) => [op, 1])) as Record<MutationOperator, number>,
  locationWeights: Object.fromEntries(locationKinds.map((kind) => [kind, 1])) as Record<LocationKind, number>,
  siteWeights: {},
  candidates: 8,
  maxCandidates: 24,
  rarityInputs: 32,
  witnessExecutions: 200,
  shrinkExecutions: 60,
  concurrency: 4,
  runTimeoutMs: 500,
  tolerance: 0.1,
  maxTimeMs: 20_000,
  fuzz: {},
};

export function resolveMutationPolicyState(raw: unknown): MutationPolicyState {
  const parsed = mutationPolicyStateSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyStateError(`bad mutation policy state at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  const d = defaultMutationPolicyState;
  return {
    operatorWeights: { ...d.operatorWeights, ...s.operatorWeights },
    locationWeights: { ...d.locationWeights, ...s.locationWeights },
    siteWeights: s.siteWeights,
    candidates: s.candidates ?? d.candidates,
    maxCandidates: s.maxCandidates ?? d.maxCandidates,
    rarityInputs: s.rarityInputs ?? d.rarityInputs,
    witnessExecutions: s.witnessExecutions ?? d.witnessExecutions,
    shrinkExecutions: s.shrinkExecutions ?? d.shrinkExecutions,
    concurrency: s.concurrency ?? d.concurrency,
    runTimeoutMs: s.runTimeoutMs ?? d.runTimeoutMs,
    tolerance: s.tolerance ?? d.tolerance,
    maxTimeMs: s.maxTimeMs ?? d.maxTimeMs,
    fuzz: s.fuzz ?? {},
  };
}
