// Scoring of a verified episode: difficulty from the evaluator's attempts, then both players' rewards.
import type { EpisodeContext, EpisodeRewards } from './types';

export interface EpisodeScore {
  difficulty: number;
  rewards: EpisodeRewards;
}

export function scoreEpisode(context: EpisodeContext): EpisodeScore {
  const attempts = Math.max(1, context.attempts);
  const found = context.attemptVerdicts.filter((verdict) => verdict.found).length;
  const failures = Math.max(0, attempts - found);
  const difficulty = Math.round((10 * failures) / attempts);
  const generator = 1 - Math.abs(difficulty - context.targetDifficulty) / 10;
  return { difficulty, rewards: { generator, evaluator: found / attempts } };
}
