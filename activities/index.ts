// Temporal activities of sinq: every side effect of an episode or a campaign. `createActivities`
// takes its dependencies so tests and the in-process runner can pass their own.
import { ApplicationFailure } from '@temporalio/common';
import type { AttackResult, ProposeResult } from '../actors/policies/types';
import type { Task } from '../game/types';
import type { Logger } from '../lib/log';
import type { CampaignConfig } from '../machines/campaign-config';
import type { AttackStepInput, CheckAttemptsStepInput, ProposeStepInput, VerifyPlayStepInput } from '../machines/episode';
import type { RoundSummary } from '../machines/round';
import type { AttemptVerdict, EpisodeReasonCode, EpisodeRecord, InputVerdict, PlayerSpec } from '../machines/types';
import type { Sandbox } from '../sandbox/api';
import type { CampaignStatus, EpisodeStore } from '../store/episode-store';
import { withHeartbeat } from './context';
import { createTrainingActivities } from './training';
import { PlayerCallError, type PlayerGateway } from './players';
import { checkAttemptReplies, checkInput } from './verify';

export interface ActivityDeps {
  sandbox: Sandbox;
  players: PlayerGateway;
  /** The store of a campaign (opened once, cached by the caller). */
  store(campaignId: string): Promise<EpisodeStore>;
  loadTasks(config: Pick<CampaignConfig, 'taskSet' | 'split' | 'limit'>): Promise<Task[]>;
  log: Logger;
  /** Ollama server for registering fine-tuned models when the campaign config names none. */
  ollamaHost?: string;
}

export interface TrainRoundInput {
  campaignId: string;
  round: number;
  generator: PlayerSpec;
  evaluator: PlayerSpec;
}

export interface TrainRoundResult {
  generator: PlayerSpec;
  evaluator: PlayerSpec;
  /** What the step did, in words. */
  note: string;
}

function failure(error: unknown, code: EpisodeReasonCode, retryableByDefault: boolean): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof PlayerCallError) {
    return ApplicationFailure.create({ message: `${error.code}: ${error.message}`, type: code, nonRetryable: !error.retryable });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ message, type: code, nonRetryable: !retryableByDefault });
}

export function createActivities(deps: ActivityDeps) {
  const { sandbox, players, log } = deps;
  return {
    async propose(step: ProposeStepInput): Promise<ProposeResult> {
      try {
        return await withHeartbeat((signal, deadline) =>
          players.propose(
            {
              policy: step.generator.policy,
              task: step.task,
              targetDifficulty: step.targetDifficulty,
              seed: step.seed,
              deadline,
              ...(step.generator.model !== undefined ? { modelVersion: step.generator.model } : {}),
              ...(step.generator.policyState !== undefined ? { policyState: step.generator.policyState } : {}),
              ...(step.generator.sampling !== undefined ? { sampling: step.generator.sampling } : {}),
            },
            signal,
          ),
        );
      } catch (err) {
        log.warn({ episodeId: step.episodeId, err: (err as Error).message }, 'propose failed');
        throw failure(err, 'actor-failed', true);
      }
    },

    async verifyPlay(step: VerifyPlayStepInput): Promise<InputVerdict> {
      try {
        return await withHeartbeat(() => checkInput(sandbox, step.task, step.variant, step.input, step.limitMs));
      } catch (err) {
        throw failure(err, 'sandbox-failed', true);
      }
    },

    async attack(step: AttackStepInput): Promise<AttackResult> {
      try {
        return await withHeartbeat((signal, deadline) =>
          players.attack(
            {
              policy: step.evaluator.policy,
              task: step.task,
              variant: step.variant,
              attempts: step.attempts,
              seed: step.seed,
              deadline,
              ...(step.evaluator.model !== undefined ? { modelVersion: step.evaluator.model } : {}),
              ...(step.evaluator.policyState !== undefined ? { policyState: step.evaluator.policyState } : {}),
              ...(step.evaluator.sampling !== undefined ? { sampling: step.evaluator.sampling } : {}),
            },
            signal,
          ),
        );
      } catch (err) {
        log.warn({ episodeId: step.episodeId, err: (err as Error).message }, 'attack failed');
        throw failure(err, 'actor-failed', true);
      }
    },

    async checkAttempts(step: CheckAttemptsStepInput): Promise<AttemptVerdict[]> {
      try {
        return await withHeartbeat(() => checkAttemptReplies(sandbox, step.task, step.variant, step.replies, step.limitMs));
      } catch (err) {
        throw failure(err, 'sandbox-failed', true);
      }
    },

    /** Idempotent: keyed by the episode workflow id. */
    async recordEpisode(record: EpisodeRecord): Promise<{ inserted: boolean }> {
      try {
        const store = await deps.store(record.campaignId);
        const inserted = await store.recordEpisode(record);
        if (!inserted) log.info({ episodeId: record.episodeId }, 'episode already recorded');
        return { inserted };
      } catch (err) {
        throw failure(err, 'persist-failed', true);
      }
    },

    async loadTasks(config: Pick<CampaignConfig, 'taskSet' | 'split' | 'limit'>): Promise<Task[]> {
      try {
        return await deps.loadTasks(config);
      } catch (err) {
        // A missing or malformed task set does not get better by retrying.
        throw ApplicationFailure.create({ message: (err as Error).message, type: 'E_TASK_SET', nonRetryable: true });
      }
    },

    async recordCampaign(input: { campaignId: string; config: CampaignConfig; status: CampaignStatus }): Promise<void> {
      try {
        const store = await deps.store(input.campaignId);
        await store.upsertCampaign(input.campaignId, input.config, input.status);
      } catch (err) {
        throw failure(err, 'persist-failed', true);
      }
    },

    async recordRound(input: { campaignId: string; summary: RoundSummary }): Promise<void> {
      try {
        const store = await deps.store(input.campaignId);
        await store.recordRound(input.campaignId, input.summary);
      } catch (err) {
        throw failure(err, 'persist-failed', true);
      }
    },

    ...createTrainingActivities({ store: deps.store, log, ...(deps.ollamaHost !== undefined ? { ollamaHost: deps.ollamaHost } : {}) }),
  };
}

export type SinqActivities = ReturnType<typeof createActivities>;
