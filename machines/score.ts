// Scoring of a verified episode with the game's rules: difficulty from the evaluator's attempts
// (identical inputs merged), then both players' rewards.
import { scoreAttempts } from '../game/difficulty';
import { rewards } from '../game/rewards';
import type { EpisodeContext, EpisodeRewards } from './types';

export interface EpisodeScore {
  difficulty: number;
  rewards: EpisodeRewards;
}

export function scoreEpisode(context: EpisodeContext): EpisodeScore {
  const replies = context.attack?.replies ?? [];
  const score = scoreAttempts(
    replies.map((reply, index) => ({ reply: reply.parsed, outcomes: context.attemptVerdicts[index]?.outcomes ?? null })),
    context.limitMs,
  );
  const values = rewards({ valid: true }, score.difficulty, score, undefined, context.targetDifficulty);
  return { difficulty: score.difficulty, rewards: { generator: values.generator, evaluator: values.evaluator } };
}
