// What the report is computed from: the rows of one campaign's store, validated and reduced to the
// facts the report shows. `source.ts` reads them; `model.ts` turns them into numbers.

/** The steps of an episode whose start and end the record keeps (machines/types.ts EpisodeTimings). */
export const episodePhases = ['propose', 'verifyPlay', 'attack', 'checkAttempts', 'persist'] as const;
export type EpisodePhase = (typeof episodePhases)[number];

export interface CampaignFacts {
  status: string;
  createdAt: number;
  updatedAt: number;
  rounds: number | null;
  targetDifficulty: number | null;
  attempts: number | null;
  taskSet: string | null;
  generatorPolicy: string | null;
  evaluatorPolicy: string | null;
}

export interface EpisodeFacts {
  id: string;
  /** 0-based, as stored. */
  round: number;
  taskId: string;
  outcome: 'valid' | 'invalid' | 'failed';
  reasonCode: string | null;
  reasonDetail: string | null;
  difficulty: number | null;
  targetDifficulty: number | null;
  generatorReward: number | null;
  evaluatorReward: number | null;
  /** Evaluator attempts that found a divergence, and attempts checked. */
  attemptsFound: number;
  attemptsChecked: number;
  /** Milliseconds spent in each step that finished. */
  phaseMs: Partial<Record<EpisodePhase, number>>;
  /** Start to end of the whole episode, when both are known. */
  episodeMs: number | null;
  /** `policy @ model` of the player that actually played, or the configured policy. */
  generatorVersion: string;
  evaluatorVersion: string;
  finishedAt: number;
}

/** A stored episode whose record could not be read; shown, never dropped silently. */
export interface UnreadableEpisode {
  id: string;
  round: number | null;
  error: string;
}

/** One row of `model_registry`: what the training step after `round` produced for a role. */
export interface RegistryFacts {
  role: 'generator' | 'evaluator';
  round: number;
  kind: string;
  tag: string;
  policy: string;
  createdAt: number;
}

/** One row of `crossplay`: the generator of one round against the evaluator of another. */
export interface CrossplayFacts {
  generatorRound: number;
  evaluatorRound: number;
  pairs: number;
  meanDifficulty: number | null;
  killRate: number | null;
  computedAt: number;
}

/** One row of `eval_results`: `sinq eval` of one model version on one benchmark. */
export interface EvalResultFacts {
  benchmark: string;
  model: string;
  /** The training round the model came out of; null for the base model. */
  round: number | null;
  items: number;
  answered: number;
  correct: number;
  accuracy: number | null;
  accuracyAnswered: number | null;
  unanswered: number;
  positionBias: number | null;
  finishedAt: number;
}

/** The stored round summary (machines/round.ts) as the campaign workflow recorded it. */
export interface StoredRoundFacts {
  round: number;
  episodes: number;
  valid: number;
  invalid: number;
  failed: number;
  validRate: number;
  meanDifficulty: number | null;
  evaluatorAccuracy: number | null;
  difficultyHistogram: number[];
}

export interface ReportInput {
  campaignId: string;
  campaign: CampaignFacts | null;
  episodes: EpisodeFacts[];
  unreadable: UnreadableEpisode[];
  storedRounds: StoredRoundFacts[];
  /** Null when the table does not exist in this store. */
  registry: RegistryFacts[] | null;
  crossplay: CrossplayFacts[] | null;
  evalResults: EvalResultFacts[] | null;
  /** What could not be read (a table with other columns, a malformed row), in words. */
  problems: string[];
  generatedAt: number;
}
