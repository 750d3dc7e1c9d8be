// Shared pieces of the campaign tests: a small, fast campaign config and waiting on a campaign.
import { campaignState, type CampaignClient } from '../../deploy/campaign-client';
import { campaignConfigSchema, type CampaignConfig, type CampaignConfigInput } from '../../machines/campaign-config';
import { initialContext } from '../../machines/episode';
import { EpisodeStore } from '../../store/episode-store';
import { episodesDbPath } from '../../store/paths';
import type { CampaignStatusView } from '../../workflows/definitions';

export function smallCampaign(overrides: Partial<CampaignConfigInput> = {}): CampaignConfig {
  return campaignConfigSchema.parse({
    taskSet: 'data/tasks.jsonl',
    limit: 4,
    rounds: 2,
    generator: { policy: 'mutation', policyState: { maxTimeMs: 2500, candidates: 1, maxCandidates: 6, rarityInputs: 6, witnessExecutions: 40, shrinkExecutions: 5, concurrency: 2 } },
    evaluator: { policy: 'fuzz', policyState: { maxExecutions: 30, maxTimeMs: 2000, shrinkExecutions: 5, concurrency: 2 } },
    attempts: 2,
    targetDifficulty: 5,
    concurrency: 4,
    seed: 7,
    timeouts: { playerMs: 20_000, sandboxMs: 20_000, storeMs: 10_000, heartbeatMs: 3_000, maximumAttempts: 50, maximumIntervalMs: 1_000 },
    ...overrides,
  });
}

/** The starting context of episode `c1-r<round>-<taskId>` on a one-line identity task, for building records. */
export function episodeContext(round: number, taskId: string): ReturnType<typeof initialContext> {
  return initialContext({
    episodeId: `c1-r${round}-${taskId}`,
    campaignId: 'c1',
    round,
    task: { id: taskId, description: '', source: 'def f(x):\n    return x\n', entryPoint: 'f', exampleInputs: [], origin: 'sinq' },
    targetDifficulty: 5,
    attempts: 2,
    seed: 1,
    generator: { policy: 'mutation' },
    evaluator: { policy: 'fuzz' },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the campaign until `predicate` holds on its live status; throws after `timeoutMs`. */
export async function waitForStatus(cc: CampaignClient, campaignId: string, predicate: (status: CampaignStatusView) => boolean, timeoutMs = 120_000): Promise<CampaignStatusView> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await campaignState(cc, campaignId).catch(() => null);
    if (state?.running && state.status && predicate(state.status)) return state.status;
    if (state && !state.running) throw new Error(`campaign ${campaignId} closed (${state.closedStatus}) before the expected status`);
    await sleep(250);
  }
  throw new Error(`campaign ${campaignId}: status not reached within ${timeoutMs} ms`);
}

/** Waits until the campaign has closed; returns how it closed. Survives engine restarts (retries). */
export async function waitForClose(cc: CampaignClient, campaignId: string, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await campaignState(cc, campaignId).catch(() => null);
    if (state && !state.running) return state.closedStatus;
    await sleep(500);
  }
  throw new Error(`campaign ${campaignId} did not finish within ${timeoutMs} ms`);
}

export async function episodeCounts(dir: string, campaignId: string): Promise<Array<{ round: number; taskId: string; count: number }>> {
  const store = await EpisodeStore.open(episodesDbPath(dir, campaignId));
  try {
    return await store.countsByRoundTask(campaignId);
  } finally {
    store.close();
  }
}

/** Every (round, task) of the campaign, in store order. */
export function expectedPairs(rounds: number, taskIds: readonly string[]): Array<{ round: number; taskId: string; count: number }> {
  const pairs = [];
  for (let round = 0; round < rounds; round++) for (const taskId of [...taskIds].sort()) pairs.push({ round, taskId, count: 1 });
  return pairs;
}

export interface EpisodeWork {
  episodeId: string;
  /** Completed activities of the episode's workflow, by activity type. */
  completed: Record<string, number>;
  /** Evaluator replies and checked attempts kept in the stored record. */
  replies: number;
  verdicts: number;
  distinctVerdictIndices: number;
  proposal: boolean;
}

/**
 * What each stored episode of the campaign did, from its record and from its workflow's history:
 * a retried activity shows up as a second completion, a lost one as none.
 */
export async function episodeWork(cc: CampaignClient, dir: string, campaignId: string): Promise<EpisodeWork[]> {
  const store = await EpisodeStore.open(episodesDbPath(dir, campaignId));
  const records = [];
  try {
    for await (const record of store.records(campaignId)) records.push(record);
  } finally {
    store.close();
  }
  const work: EpisodeWork[] = [];
  for (const record of records) {
    const history = await cc.client.workflow.getHandle(record.episodeId).fetchHistory();
    const typeOf = new Map<string, string>();
    const completed: Record<string, number> = {};
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const done = event.activityTaskCompletedEventAttributes;
      if (done) {
        const type = typeOf.get(String(done.scheduledEventId)) ?? '?';
        completed[type] = (completed[type] ?? 0) + 1;
      }
    }
    work.push({
      episodeId: record.episodeId,
      completed,
      replies: record.attack?.replies.length ?? 0,
      verdicts: record.attemptVerdicts.length,
      distinctVerdictIndices: new Set(record.attemptVerdicts.map((verdict) => verdict.index)).size,
      proposal: record.proposal !== null,
    });
  }
  return work;
}

/**
 * No episode's player or sandbox work was done twice into its record, and none was lost: every
 * activity the episode ran completed exactly once (a retry after a crash replaces an attempt, it does
 * not add a completion), the record was written once, and an evaluator that played has exactly
 * `attempts` replies, each checked once.
 */
export async function expectWorkOnce(cc: CampaignClient, dir: string, campaignId: string, attempts: number): Promise<EpisodeWork[]> {
  const work = await episodeWork(cc, dir, campaignId);
  for (const episode of work) {
    for (const [type, count] of Object.entries(episode.completed)) {
      if (count !== 1) throw new Error(`${episode.episodeId}: activity ${type} completed ${count} times`);
    }
    if (episode.completed.recordEpisode !== 1) throw new Error(`${episode.episodeId}: recordEpisode completed ${episode.completed.recordEpisode ?? 0} times`);
    if (episode.proposal && episode.completed.propose !== 1) throw new Error(`${episode.episodeId}: a stored proposal without exactly one propose completion`);
    if (episode.replies > 0) {
      if (episode.replies !== attempts) throw new Error(`${episode.episodeId}: ${episode.replies} evaluator replies, expected ${attempts}`);
      if (episode.verdicts !== attempts || episode.distinctVerdictIndices !== attempts) {
        throw new Error(`${episode.episodeId}: ${episode.verdicts} verdicts over ${episode.distinctVerdictIndices} distinct attempts, expected ${attempts}`);
      }
    }
  }
  return work;
}
