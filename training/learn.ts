// Learning the offline players between rounds with multiplicative weights. The mutation generator's
// operator and location weights, and its per-program site memory, move toward those whose valid plays
// were hard (invalid plays count as a penalty); the fuzz evaluator's strategy and seed-source weights move toward the origins with
// more kills per execution than the average. Pure and deterministic.
import {
  fuzzStrategies,
  seedSources,
  resolveFuzzPolicyState,
  type FuzzStrategy,
  type SeedSource,
} from '../actors/policies/fuzz/state';
import { mutationOperators, type MutationOperator } from '../actors/policies/mutation/enumerate';
import { locationKinds, type LocationKind } from '../actors/policies/mutation/location';
import { boundSiteWeights, programKey, type SiteWeights } from '../actors/policies/mutation/site';
import { resolveMutationPolicyState } from '../actors/policies/mutation/state';
import type { EpisodeRecord } from '../machines/types';
import { attemptHardness, drawOrigins, killOrigins, isSeedSource, isStrategy, mutationFactOf } from './play-facts';

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
  /**
   * Step size of the generator's site memory. A site's evidence is one play per round, on one program,
   * so its step is larger than the operators' (whose evidence is pooled over programs).
   */
  siteEta: number;
  /**
   * Optimism for untried sites, in reward units: a played site is preferred to an untried one (weight
   * above 1) only when it beat the round's mean reward by this margin, since an untried site may be
   * better still. Without it, a site a little above average would be replayed for good.
   */
  siteExploration: number;
  /** Site weights stay within [minSiteWeight, maxSiteWeight]; unknown sites weigh 1 (not renormalized). */
  minSiteWeight: number;
  maxSiteWeight: number;
}

export const defaultLearningOptions: LearningOptions = {
  eta: 3,
  fuzzEta: 1,
  invalidReward: -0.3,
  minWeight: 0.05,
  maxWeight: 20,
  siteEta: 48,
  siteExploration: 0.15,
  minSiteWeight: 0.02,
  maxSiteWeight: 1000,
};

export interface OperatorStats {
  plays: number;
  valid: number;
  meanReward: number;
}

export interface SiteStats extends OperatorStats {
  program: string;
  site: string;
  /** The site's weight after the update. */
  weight: number;
}

export interface MutationUpdate {
  /** The new policy state: the old one with `operatorWeights`, `locationWeights` and `siteWeights` replaced. */
  state: Record<string, unknown>;
  operatorWeights: Record<MutationOperator, number>;
  locationWeights: Record<LocationKind, number>;
  siteWeights: SiteWeights;
  stats: Partial<Record<MutationOperator, OperatorStats>>;
  locationStats: Partial<Record<LocationKind, OperatorStats>>;
  /** The sites played this round, by program and site key, with their mean reward and new weight. */
  siteStats: SiteStats[];
}

export interface FuzzUpdate {
  state: Record<string, unknown>;
  strategyWeights: Record<FuzzStrategy, number>;
  seedSourceWeights: Record<SeedSource, number>;
  kills: Partial<Record<FuzzStrategy | SeedSource, number>>;
  /** Inputs tried per origin, when the replies report it (then credit is kills per execution). */
  draws: Partial<Record<FuzzStrategy | SeedSource, number>>;
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

interface RewardSums {
  plays: number;
  valid: number;
  reward: number;
}

/**
 * Multiplies each key's weight by exp(eta · c · (r̄_key − r̄)), c = n/(n+1) for n plays of that key;
 * keys without plays keep their weight. Returns the new (normalized) weights and per-key stats.
 */
function creditRewards<K extends string>(
  current: Record<K, number>,
  keys: readonly K[],
  sums: Map<K, RewardSums>,
  options: LearningOptions,
): { weights: Record<K, number>; stats: Partial<Record<K, OperatorStats>> } {
  const totalPlays = [...sums.values()].reduce((n, e) => n + e.plays, 0);
  const baseline = totalPlays === 0 ? 0 : [...sums.values()].reduce((n, e) => n + e.reward, 0) / totalPlays;
  const next = { ...current };
  const stats: Partial<Record<K, OperatorStats>> = {};
  for (const key of keys) {
    const entry = sums.get(key);
    if (!entry) continue;
    const mean = entry.reward / entry.plays;
    // Few plays say little: the step shrinks with the evidence.
    const confidence = entry.plays / (entry.plays + 1);
    next[key] = current[key] * Math.exp(options.eta * confidence * (mean - baseline));
    stats[key] = { plays: entry.plays, valid: entry.valid, meanReward: mean };
  }
  return { weights: normalize(next, keys, options), stats };
}

function addReward<K>(sums: Map<K, RewardSums>, key: K, valid: boolean, reward: number): void {
  const entry = sums.get(key) ?? { plays: 0, valid: 0, reward: 0 };
  entry.plays += 1;
  entry.valid += valid ? 1 : 0;
  entry.reward += reward;
  sums.set(key, entry);
}

/**
 * The site memory's step: each site played this round is multiplied by exp(siteEta · c · (r̄_site − r̄ − δ))
 * (the same rule as the operators) and clamped. Its baseline r̄ is what the alternative is worth: the
 * mean reward of this round's plays on sites the memory did not know (all plays when there were none),
 * plus the optimism δ that an untried site is owed. It is not
 * renormalized, because an unknown site weighs 1. Then the memory is bounded (`boundSiteWeights`).
 */
function creditSites(
  current: SiteWeights,
  sums: Map<string, Map<string, RewardSums>>,
  baseline: number,
  options: LearningOptions,
): { weights: SiteWeights; stats: SiteStats[] } {
  const next: SiteWeights = Object.fromEntries(Object.entries(current).map(([program, sites]) => [program, { ...sites }]));
  const stats: SiteStats[] = [];
  for (const [program, sites] of sums) {
    const weights = (next[program] ??= {});
    for (const [site, entry] of sites) {
      const mean = entry.reward / entry.plays;
      const confidence = entry.plays / (entry.plays + 1);
      const updated = (weights[site] ?? 1) * Math.exp(options.siteEta * confidence * (mean - baseline - options.siteExploration));
      const weight = Math.round(Math.min(options.maxSiteWeight, Math.max(options.minSiteWeight, updated)) * 1e6) / 1e6;
      weights[site] = weight;
      stats.push({ program, site, plays: entry.plays, valid: entry.valid, meanReward: mean, weight });
    }
  }
  stats.sort((a, b) => b.meanReward - a.meanReward || (a.program + a.site < b.program + b.site ? -1 : 1));
  return { weights: boundSiteWeights(next), stats };
}

/**
 * One multiplicative-weights step of the mutation generator from one round's records: its operator
 * and location-kind weights (the prior for every program) and its site memory (per program).
 */
export function updateMutationState(
  previous: unknown,
  records: readonly EpisodeRecord[],
  options: LearningOptions = defaultLearningOptions,
): MutationUpdate {
  const current = resolveMutationPolicyState(previous);
  const byOperator = new Map<MutationOperator, RewardSums>();
  const byLocation = new Map<LocationKind, RewardSums>();
  const bySite = new Map<string, Map<string, RewardSums>>();
  let plays = 0;
  let rewardSum = 0;
  // Plays on sites the memory did not know: what trying an untried site is worth this round.
  let freshPlays = 0;
  let freshRewardSum = 0;
  for (const record of records) {
    if (record.outcome === 'failed') continue;
    const fact = mutationFactOf(record);
    if (!fact) continue;
    const valid = record.outcome === 'valid';
    const reward = valid ? validPlayReward(record) : options.invalidReward;
    plays += 1;
    rewardSum += reward;
    addReward(byOperator, fact.operator, valid, reward);
    if (fact.location) addReward(byLocation, fact.location, valid, reward);
    if (fact.site) {
      const program = programKey(record.task.source, record.task.entryPoint);
      if (current.siteWeights[program]?.[fact.site] === undefined) {
        freshPlays += 1;
        freshRewardSum += reward;
      }
      const sites = bySite.get(program) ?? new Map<string, RewardSums>();
      addReward(sites, fact.site, valid, reward);
      bySite.set(program, sites);
    }
  }
  const operators = creditRewards(current.operatorWeights, mutationOperators, byOperator, options);
  const locations = creditRewards(current.locationWeights, locationKinds, byLocation, options);
  const baseline = freshPlays > 0 ? freshRewardSum / freshPlays : plays === 0 ? 0 : rewardSum / plays;
  const sites = creditSites(current.siteWeights, bySite, baseline, options);
  return {
    state: {
      ...asObject(previous),
      operatorWeights: operators.weights,
      locationWeights: locations.weights,
      siteWeights: sites.weights,
    },
    operatorWeights: operators.weights,
    locationWeights: locations.weights,
    siteWeights: sites.weights,
    stats: operators.stats,
    locationStats: locations.stats,
    siteStats: sites.stats,
  };
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

/**
 * One step for weights over `keys` from kills and executions per origin: an origin's kill rate per
 * execution, smoothed toward the overall rate by `priorDraws` pseudo-executions, relative to the
 * overall rate r̄, moves its weight by exp(fuzzEta · (min(3, r_k / r̄) − 1)). Origins never tried keep theirs.
 */
function creditKillRates<K extends string>(
  weights: Record<K, number>,
  keys: readonly K[],
  kills: Partial<Record<K, number>>,
  draws: Partial<Record<K, number>>,
  options: LearningOptions,
): Record<K, number> {
  const active = keys.filter((k) => weights[k] > 0 && (draws[k] ?? 0) > 0);
  const totalDraws = active.reduce((sum, k) => sum + (draws[k] ?? 0), 0);
  const totalKills = active.reduce((sum, k) => sum + (kills[k] ?? 0), 0);
  if (totalDraws === 0 || totalKills === 0) return { ...weights };
  const overall = totalKills / totalDraws;
  const priorDraws = 8;
  const next = { ...weights };
  for (const k of active) {
    const rate = ((kills[k] ?? 0) + priorDraws * overall) / ((draws[k] ?? 0) + priorDraws);
    next[k] = weights[k] * Math.exp(options.fuzzEta * (Math.min(3, rate / overall) - 1));
  }
  return normalize(next, keys, options);
}

/** Splits counts by origin into strategies and seed sources; a replayed seed also counts for the `seed` strategy. */
function splitOrigins(counts: Partial<Record<FuzzStrategy | SeedSource, number>>): {
  strategies: Partial<Record<FuzzStrategy, number>>;
  sources: Partial<Record<SeedSource, number>>;
} {
  const strategies: Partial<Record<FuzzStrategy, number>> = {};
  const sources: Partial<Record<SeedSource, number>> = {};
  for (const [origin, count] of Object.entries(counts)) {
    if (isStrategy(origin)) strategies[origin] = (strategies[origin] ?? 0) + count;
    else if (isSeedSource(origin)) {
      sources[origin] = count;
      strategies.seed = (strategies.seed ?? 0) + count;
    }
  }
  return { strategies, sources };
}

/**
 * One multiplicative-weights step of the fuzz evaluator from one round's records (valid plays). When
 * the replies report executions per origin, origins are credited by kills per execution; otherwise by
 * their share of the kills against their share of the weight.
 */
export function updateFuzzState(
  previous: unknown,
  records: readonly EpisodeRecord[],
  options: LearningOptions = defaultLearningOptions,
): FuzzUpdate {
  const current = resolveFuzzPolicyState(previous);
  const kills: FuzzUpdate['kills'] = {};
  const draws: FuzzUpdate['draws'] = {};
  for (const record of records) {
    if (record.outcome !== 'valid') continue;
    for (const origin of killOrigins(record)) kills[origin] = (kills[origin] ?? 0) + 1;
    for (const [origin, n] of Object.entries(drawOrigins(record)) as Array<[FuzzStrategy | SeedSource, number]>) {
      draws[origin] = (draws[origin] ?? 0) + n;
    }
  }
  const k = splitOrigins(kills);
  const d = splitOrigins(draws);
  const haveDraws = Object.keys(draws).length > 0;
  const strategyWeights = haveDraws
    ? creditKillRates(current.strategyWeights, fuzzStrategies, k.strategies, d.strategies, options)
    : creditKills(current.strategyWeights, fuzzStrategies, k.strategies, options);
  const seedSourceWeights = haveDraws
    ? creditKillRates(current.seedSourceWeights, seedSources, k.sources, d.sources, options)
    : creditKills(current.seedSourceWeights, seedSources, k.sources, options);
  return {
    state: { ...asObject(previous), strategyWeights, seedSourceWeights },
    strategyWeights,
    seedSourceWeights,
    kills,
    draws,
  };
}
