// Learning the offline players between rounds with multiplicative weights. The mutation generator's
// operator weights move toward operators whose valid plays were hard (invalid plays count as a
// penalty); the fuzz evaluator's strategy and seed-source weights move toward the origins that found
// more diverging inputs than their share of the draws would predict. Pure and deterministic.
import {
  fuzzStrategies,
  seedSources,
  resolveFuzzPolicyState,
  type FuzzStrategy,
  type SeedSource,
} from '../actors/policies/fuzz/state';
import { mutationOperators, type MutationOperator } from '../actors/policies/mutation/enumerate';
import { resolveMutationPolicyState } from '../actors/policies/mutation/state';
import type { EpisodeRecord } from '../machines/types';
import { attemptHardness, killOrigins, isSeedSource, isStrategy, mutationFactOf } from './play-facts';

export interface LearningOptions {
  /** Step size of the generator's multiplicative update. */
  eta: number;
  /** Step size of the evaluator's update (its evidence, kills by origin, is sparser). */
  fuzzEta: number;
  /** Reward of a play that turned out invalid (valid plays earn difficulty / 10). */
  invalidReward: number;
  /** Weights stay within [minWeight, maxWeight] (relative to a mean of 1) so nothing is ruled out for good. */
  minWeight: number;
  maxWeight: number;
}

export const defaultLearningOptions: LearningOptions = {
  eta: 6,
  fuzzEta: 0.5,
  invalidReward: -0.3,
  minWeight: 0.05,
  maxWeight: 20,
};

export interface OperatorStats {
  plays: number;
  valid: number;
  meanReward: number;
}

export interface MutationUpdate {
  /** The new policy state: the old one with `operatorWeights` replaced. */
  state: Record<string, unknown>;
  operatorWeights: Record<MutationOperator, number>;
  stats: Partial<Record<MutationOperator, OperatorStats>>;
}

export interface FuzzUpdate {
  state: Record<string, unknown>;
  strategyWeights: Record<FuzzStrategy, number>;
  seedSourceWeights: Record<SeedSource, number>;
  kills: Partial<Record<FuzzStrategy | SeedSource, number>>;
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? { ...(value as Record<string, unknown>) }
    : {};
}

/** Rescales weights to a mean of 1 over the positive ones and clamps them; zeros stay zero (switched off). */
function normalize<K extends string>(
  weights: Record<K, number>,
  keys: readonly K[],
  options: LearningOptions,
): Record<K, number> {
  const positive = keys.filter((k) => weights[k] > 0);
  const mean = positive.reduce((sum, k) => sum + weights[k], 0) / Math.max(1, positive.length);
  const out = { ...weights };
  for (const k of keys) {
    if (weights[k] <= 0 || mean <= 0) continue;
    const scaled = Math.min(options.maxWeight, Math.max(options.minWeight, weights[k] / mean));
    out[k] = Math.round(scaled * 1e6) / 1e6;
  }
  return out;
}

/**
 * A valid play's reward, 0..1: its measured difficulty / 10, graded by how long each successful
 * attempt searched (see `attemptHardness`), so that a round where every play was found still tells
 * the operators apart.
 */
export function validPlayReward(record: EpisodeRecord): number {
  const hardness = attemptHardness(record);
  if (hardness.length === 0) return (record.difficulty ?? 0) / 10;
  return hardness.reduce((sum, h) => sum + h, 0) / hardness.length;
}

/** One multiplicative-weights step of the mutation generator from one round's records. */
export function updateMutationState(
  previous: unknown,
  records: readonly EpisodeRecord[],
  options: LearningOptions = defaultLearningOptions,
): MutationUpdate {
  const current = resolveMutationPolicyState(previous).operatorWeights;
  const sums = new Map<MutationOperator, { plays: number; valid: number; reward: number }>();
  for (const record of records) {
    if (record.outcome === 'failed') continue;
    const fact = mutationFactOf(record);
    if (!fact) continue;
    const reward = record.outcome === 'valid' ? validPlayReward(record) : options.invalidReward;
    const entry = sums.get(fact.operator) ?? { plays: 0, valid: 0, reward: 0 };
    entry.plays += 1;
    entry.valid += record.outcome === 'valid' ? 1 : 0;
    entry.reward += reward;
    sums.set(fact.operator, entry);
  }
  const totalPlays = [...sums.values()].reduce((n, e) => n + e.plays, 0);
  const baseline = totalPlays === 0 ? 0 : [...sums.values()].reduce((n, e) => n + e.reward, 0) / totalPlays;
  const next = { ...current };
  const stats: MutationUpdate['stats'] = {};
  for (const op of mutationOperators) {
    const entry = sums.get(op);
    if (!entry) continue;
    const mean = entry.reward / entry.plays;
    // Few plays say little: the step shrinks with the evidence.
    const confidence = entry.plays / (entry.plays + 1);
    next[op] = current[op] * Math.exp(options.eta * confidence * (mean - baseline));
    stats[op] = { plays: entry.plays, valid: entry.valid, meanReward: mean };
  }
  const operatorWeights = normalize(next, mutationOperators, options);
  return { state: { ...asObject(previous), operatorWeights }, operatorWeights, stats };
}

/**
 * One step for weights over `keys` from kill counts: an origin drawn with probability p that found a
 * share q of the kills has kill rate per execution proportional to q / p; the weight moves by
 * exp(fuzzEta * (q / p - 1)), smoothed toward 1 when there were few kills.
 */
function creditKills<K extends string>(
  weights: Record<K, number>,
  keys: readonly K[],
  kills: Partial<Record<K, number>>,
  options: LearningOptions,
): Record<K, number> {
  const active = keys.filter((k) => weights[k] > 0);
  const total = active.reduce((sum, k) => sum + weights[k], 0);
  const killed = active.reduce((sum, k) => sum + (kills[k] ?? 0), 0);
  if (total <= 0 || killed === 0) return { ...weights };
  // A handful of kills is weak evidence: the prior pulls q toward p.
  const prior = 6;
  const next = { ...weights };
  for (const k of active) {
    const p = weights[k] / total;
    const q = ((kills[k] ?? 0) + prior * p) / (killed + prior);
    const ratio = Math.min(3, q / p);
    next[k] = weights[k] * Math.exp(options.fuzzEta * (ratio - 1));
  }
  return normalize(next, keys, options);
}

/** One multiplicative-weights step of the fuzz evaluator from one round's records (valid plays). */
export function updateFuzzState(
  previous: unknown,
  records: readonly EpisodeRecord[],
  options: LearningOptions = defaultLearningOptions,
): FuzzUpdate {
  const current = resolveFuzzPolicyState(previous);
  const kills: FuzzUpdate['kills'] = {};
  for (const record of records) {
    if (record.outcome !== 'valid') continue;
    for (const origin of killOrigins(record)) kills[origin] = (kills[origin] ?? 0) + 1;
  }
  const strategyKills: Partial<Record<FuzzStrategy, number>> = {};
  const sourceKills: Partial<Record<SeedSource, number>> = {};
  for (const [origin, count] of Object.entries(kills)) {
    if (isStrategy(origin)) strategyKills[origin] = count;
    else if (isSeedSource(origin)) sourceKills[origin] = count;
  }
  const strategyWeights = creditKills(current.strategyWeights, fuzzStrategies, strategyKills, options);
  const seedSourceWeights = creditKills(current.seedSourceWeights, seedSources, sourceKills, options);
  return {
    state: { ...asObject(previous), strategyWeights, seedSourceWeights },
    strategyWeights,
    seedSourceWeights,
    kills,
  };
}
