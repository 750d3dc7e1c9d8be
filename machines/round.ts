// Aggregation of one round's episodes: valid rate, difficulty histogram, evaluator accuracy and
// why plays were invalid or failed. Pure: the campaign workflow and the CLI both use it.
import type { EpisodeSummary } from './types';

export interface RoundSummary {
  round: number;
  episodes: number;
  valid: number;
  invalid: number;
  failed: number;
  /** valid / episodes, 0 when there were none. */
  validRate: number;
  /** Count of valid episodes per difficulty 0..10 (index = difficulty). */
  difficultyHistogram: number[];
  /** Mean difficulty of valid episodes, null when none was valid. */
  meanDifficulty: number | null;
  /** Evaluator attempts that found a diverging input over all attempts on valid plays; null when none. */
  evaluatorAccuracy: number | null;
  /** How many plays were invalid for each reason code. */
  invalidReasons: Record<string, number>;
  failedReasons: Record<string, number>;
}

export function summarizeRound(round: number, episodes: readonly EpisodeSummary[]): RoundSummary {
  const histogram = Array.from({ length: 11 }, () => 0);
  const invalidReasons: Record<string, number> = {};
  const failedReasons: Record<string, number> = {};
  let valid = 0;
  let invalid = 0;
  let failed = 0;
  let difficultySum = 0;
  let found = 0;
  let attempts = 0;
  for (const episode of episodes) {
    if (episode.outcome === 'valid') {
      valid += 1;
      const difficulty = Math.min(10, Math.max(0, Math.round(episode.difficulty ?? 0)));
      histogram[difficulty] = (histogram[difficulty] ?? 0) + 1;
      difficultySum += episode.difficulty ?? 0;
      found += episode.evaluatorFound;
      attempts += episode.evaluatorAttempts;
    } else {
      const reasons = episode.outcome === 'invalid' ? invalidReasons : failedReasons;
      const code = episode.reason?.code ?? 'unknown';
      reasons[code] = (reasons[code] ?? 0) + 1;
      if (episode.outcome === 'invalid') invalid += 1;
      else failed += 1;
    }
  }
  return {
    round,
    episodes: episodes.length,
    valid,
    invalid,
    failed,
    validRate: episodes.length === 0 ? 0 : valid / episodes.length,
    difficultyHistogram: histogram,
    meanDifficulty: valid === 0 ? null : difficultySum / valid,
    evaluatorAccuracy: attempts === 0 ? null : found / attempts,
    invalidReasons,
    failedReasons,
  };
}
