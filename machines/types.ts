// The episode as data: what an episode starts from, what it accumulates, and the record it leaves.
// Pure types shared by the machine, the workflows, the activities, the store and the CLI.
import type { AttackResult, ProposeResult, SamplingOptions } from '../actors/policies/types';
import type { DivergingInput, Outcome, Task } from '../game/types';
import type { InvalidPlayReason } from '../game/verify';
import type { PairOutcome } from '../sandbox/api';

/** Which policy (and model or learned-state version) plays one side. */
export interface PlayerSpec {
  policy: string;
  /** Model tag for LLM policies, or the version of an offline policy's learned state. */
  model?: string;
  /** Opaque learned parameters for this round; the training step produces them. */
  policyState?: unknown;
  /** Sampling of an LLM player's model calls. */
  sampling?: SamplingOptions;
}

export interface EpisodeInput {
  /** The episode workflow id `<campaignId>-r<round>-<taskId>`: the store's key. */
  episodeId: string;
  campaignId: string;
  round: number;
  task: Task;
  targetDifficulty: number;
  /** Evaluator attempts n. */
  attempts: number;
  seed: number;
  generator: PlayerSpec;
  evaluator: PlayerSpec;
  /** Sandbox time limit for each run of this episode; drawn from the seed when omitted. */
  limitMs?: number;
}

export type EpisodeOutcome = 'valid' | 'invalid' | 'failed';

/** Why a play was invalid, or what failed. */
/** Invalid plays carry the game's reason; failures say which step failed. */
export type EpisodeReasonCode =
  | InvalidPlayReason
  /** The generator searched and declined to play (an invalid play, but not a malformed reply). */
  | 'no-play'
  | 'actor-failed'
  | 'sandbox-failed'
  | 'persist-failed'
  | 'workflow-failed';

export interface EpisodeReason {
  code: EpisodeReasonCode;
  detail: string;
}

/** The sandbox's verdict on one diverging input. */
export interface InputVerdict {
  input: DivergingInput;
  outcomes: PairOutcome;
  /** The play stands: the programs' outcomes differ on the input. */
  diverges: boolean;
  /** Why the play is invalid when it is. */
  invalidReason: InvalidPlayReason | null;
  /** Why the input does (or does not) count, in words. */
  detail: string;
  /** The same input re-run under other hash seeds and random states (only when the first run diverged). */
  redraws?: PairOutcome[];
}

/** One evaluator attempt after checking. */
export interface AttemptVerdict {
  index: number;
  /** The evaluator's answer: null when its reply did not parse or gave no input. */
  input: DivergingInput | null;
  /** Sandbox outcomes when there was an input to run. */
  outcomes: PairOutcome | null;
  /** The evaluator found a diverging input (a success for the evaluator). */
  found: boolean;
  /** Why the attempt failed (game's reason), null when it found one. */
  failure: string | null;
  detail: string;
}

export interface EpisodeRewards {
  generator: number;
  /** Null when the evaluator did not play. */
  evaluator: number | null;
}

/** Start and end of each step, epoch ms (workflow time inside Temporal). */
export type EpisodeTimings = Partial<Record<'propose' | 'verifyPlay' | 'attack' | 'checkAttempts' | 'persist' | 'episode', { startedAt: number; endedAt?: number }>>;

export interface EpisodeContext extends EpisodeInput {
  limitMs: number;
  proposal: ProposeResult | null;
  playVerdict: InputVerdict | null;
  attack: AttackResult | null;
  attemptVerdicts: AttemptVerdict[];
  /** 0..10: how often the evaluator failed, scaled. */
  difficulty: number | null;
  rewards: EpisodeRewards | null;
  outcome: EpisodeOutcome | null;
  reason: EpisodeReason | null;
  timings: EpisodeTimings;
  /** Policy and model versions that actually played (from the replies). */
  versions: { generator: { policy: string; model: string } | null; evaluator: { policy: string; model: string } | null };
}

/** What the store keeps for each finished episode (the full context, outcome settled). */
export interface EpisodeRecord extends Omit<EpisodeContext, 'outcome'> {
  outcome: EpisodeOutcome;
  finishedAt: number;
}

/** The compact result an episode workflow returns to its campaign. */
export interface EpisodeSummary {
  episodeId: string;
  round: number;
  taskId: string;
  outcome: EpisodeOutcome;
  reason: EpisodeReason | null;
  difficulty: number | null;
  /** Evaluator attempts that found a diverging input, over attempts made (valid plays only). */
  evaluatorFound: number;
  evaluatorAttempts: number;
}

export type { Outcome };
