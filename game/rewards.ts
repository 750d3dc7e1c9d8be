// Rewards for both players of one episode, from the play's verdict and the evaluator's score.
import type { PlayVerdict } from './verify';

export interface RewardConfig {
  generator: {
    /** Reward for an invalid play (unparsable, no divergence, bad input, broken variant). */
    invalid: number;
    /** Reward for any valid play, before the difficulty terms. */
    validBase: number;
    /** Added per difficulty point (0..10) of a valid play. */
    perDifficulty: number;
    /** Weight of hitting the requested difficulty: adds weight × (1 − |difficulty − target| / 10). */
    targetWeight: number;
  };
  evaluator: {
    /** Reward before the accuracy term. */
    base: number;
    /** Multiplies the fraction of correct attempts (0..1). */
    perCorrectFraction: number;
  };
}

/**
 * Defaults: generator −1 for an invalid play and difficulty / 10 for a valid one (0 when the
 * evaluator always wins, 1 when it never does); evaluator: the fraction of its attempts that found
 * a divergence. Matching the target difficulty is off by default (targetWeight 0).
 */
export const defaultRewardConfig: RewardConfig = {
  generator: { invalid: -1, validBase: 0, perDifficulty: 0.1, targetWeight: 0 },
  evaluator: { base: 0, perCorrectFraction: 1 },
};

export interface EpisodeRewardValues {
  generator: number;
  /** Null when the evaluator did not play (invalid play, or no attempts scored). */
  evaluator: number | null;
}

/**
 * Rewards from the play's verdict, its difficulty (0..10, ignored for invalid plays) and the
 * evaluator's score (`correctFraction` from `scoreAttempts`, null when it did not play).
 */
export function rewards(
  verdict: Pick<PlayVerdict, 'valid'>,
  difficulty: number | null,
  attemptsScore: { correctFraction: number } | null,
  config: RewardConfig = defaultRewardConfig,
  targetDifficulty?: number,
): EpisodeRewardValues {
  const evaluator =
    attemptsScore === null
      ? null
      : config.evaluator.base + config.evaluator.perCorrectFraction * attemptsScore.correctFraction;
  if (!verdict.valid) return { generator: config.generator.invalid, evaluator: null };
  const d = Math.min(10, Math.max(0, difficulty ?? 10));
  let generator = config.generator.validBase + config.generator.perDifficulty * d;
  if (targetDifficulty !== undefined && config.generator.targetWeight !== 0) {
    generator += config.generator.targetWeight * (1 - Math.abs(d - targetDifficulty) / 10);
  }
  return { generator, evaluator };
}
