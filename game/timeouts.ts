// Execution time limits. A fixed limit can be gamed (a variant that sleeps just past it), so an
// episode may draw its limit at random from [EPISODE_TIMEOUT_MIN_MS, EPISODE_TIMEOUT_MAX_MS].
import type { Outcome } from './types';
import { mulberry32 } from './random';

export const EPISODE_TIMEOUT_MIN_MS = 2500;
export const EPISODE_TIMEOUT_MAX_MS = 5000;
/** The limit used when an episode does not randomise. */
export const DEFAULT_TIMEOUT_MS = 4000;

/**
 * A timeout only proves a halting difference when the other program finished cleanly within this
 * fraction of the limit; otherwise both may just be slow ("slow versus slower" is not a divergence).
 */
export const CLEAN_FINISH_FRACTION = 0.5;

/** Deterministic pseudo-random limit in [2500, 5000] ms (whole milliseconds) for an episode seed. */
export function episodeTimeoutMs(seed: number): number {
  const draw = mulberry32(seed)();
  const span = EPISODE_TIMEOUT_MAX_MS - EPISODE_TIMEOUT_MIN_MS;
  return EPISODE_TIMEOUT_MIN_MS + Math.floor(draw * (span + 1));
}

export interface TimeoutPolicy {
  /** Draw the limit per episode from the seed; otherwise use `fixedMs`. */
  randomize: boolean;
  fixedMs?: number;
}

export function timeoutForEpisode(policy: TimeoutPolicy, seed: number): number {
  return policy.randomize ? episodeTimeoutMs(seed) : (policy.fixedMs ?? DEFAULT_TIMEOUT_MS);
}

/** True when a run finished (returned or raised) within the clean-finish margin of the limit. */
export function finishedWellWithin(outcome: Outcome, limitMs: number): boolean {
  return (
    (outcome.kind === 'returned' || outcome.kind === 'raised') && outcome.durationMs <= limitMs * CLEAN_FINISH_FRACTION
  );
}
