// Names shared by workflows and their clients: signals, queries, search attributes, id formats and
// the workflow inputs. Clients import this file; it holds no workflow logic.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ActivityTimeouts, CampaignConfig } from '../machines/campaign-config';
import type { RoundSummary } from '../machines/round';
import type { EpisodeContext, EpisodeInput, PlayerSpec } from '../machines/types';

export const TASK_QUEUE = 'sinq';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal('cancel');
export const setConcurrencySignal = defineSignal<[number]>('setConcurrency');

export interface EpisodeState {
  state: unknown;
  context: EpisodeContext;
}

export const episodeStateQuery = defineQuery<EpisodeState>('episodeState');

export type CampaignPhase = 'loading' | 'running' | 'paused' | 'training' | 'cancelling' | 'cancelled' | 'completed';

export interface CampaignStatusView {
  campaignId: string;
  phase: CampaignPhase;
  /** Current round, 0-based. */
  round: number;
  rounds: number;
  concurrency: number;
  paused: boolean;
  /** Episodes of the current round. */
  total: number;
  done: number;
  running: number;
  /** Of this round's finished episodes. */
  valid: number;
  meanDifficulty: number | null;
  /** Summaries of the finished rounds (the most recent ones; older ones live in the store). */
  summaries: RoundSummary[];
}

export const campaignStatusQuery = defineQuery<CampaignStatusView>('status');

export const searchAttributes = {
  campaign: defineSearchAttributeKey('SinqCampaign', SearchAttributeType.KEYWORD),
  round: defineSearchAttributeKey('SinqRound', SearchAttributeType.INT),
  task: defineSearchAttributeKey('SinqTask', SearchAttributeType.KEYWORD),
  difficulty: defineSearchAttributeKey('SinqDifficulty', SearchAttributeType.DOUBLE),
  outcome: defineSearchAttributeKey('SinqOutcome', SearchAttributeType.KEYWORD),
} as const;

/** Name and Temporal type of each search attribute, for registering them on a server. */
export const searchAttributeDefinitions: ReadonlyArray<{ name: string; type: 'Keyword' | 'Int' | 'Double' }> = [
  { name: 'SinqCampaign', type: 'Keyword' },
  { name: 'SinqRound', type: 'Int' },
  { name: 'SinqTask', type: 'Keyword' },
  { name: 'SinqDifficulty', type: 'Double' },
  { name: 'SinqOutcome', type: 'Keyword' },
];

export function episodeWorkflowId(campaignId: string, round: number, taskId: string): string {
  return `${campaignId}-r${round}-${taskId}`;
}

export interface EpisodeWorkflowInput extends EpisodeInput {
  timeouts: ActivityTimeouts;
  /** Set search attributes (only when they are registered on the server). */
  searchAttributes: boolean;
}

/** The campaign workflow's input; `continueAsNew` carries it from round to round. */
export interface CampaignWorkflowInput {
  campaignId: string;
  config: CampaignConfig;
  searchAttributes: boolean;
  /** Round to run next, 0-based. */
  round: number;
  /** Task list, loaded once at the start and carried forward. */
  tasks?: EpisodeInput['task'][];
  /** Players after the last training step. */
  generator?: PlayerSpec;
  evaluator?: PlayerSpec;
  concurrency?: number;
  paused?: boolean;
  /** Most recent round summaries (bounded). */
  summaries?: RoundSummary[];
}

export interface CampaignResult {
  campaignId: string;
  status: 'completed' | 'cancelled';
  rounds: RoundSummary[];
}
