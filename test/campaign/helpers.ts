// Shared pieces of the campaign tests: a small, fast campaign config and waiting on a campaign.
import { campaignState, type CampaignClient } from '../../deploy/campaign-client';
import { campaignConfigSchema, type CampaignConfig, type CampaignConfigInput } from '../../machines/campaign-config';
import { initialContext } from '../../machines/episode';
import type { EpisodeRecord } from '../../machines/types';
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
  outcome: EpisodeRecord['outcome'];
  /** Activities the episode's workflow scheduled, by activity type. */
  scheduled: Record<string, number>;
  /** Completed activities of the episode's workflow, by activity type. */
  completed: Record<string, number>;
  /** Activities that ended failed, timed out or cancelled (after their retries), by type. */
  unfinished: Record<string, number>;
  /** The attempt each finished activity ended on, by type: above 1 means a retry ran the work again. */
  attemptsByActivity: Record<string, number[]>;
  /** Pieces of player and sandbox work kept in the stored record. */
  proposal: boolean;
  playVerdict: boolean;
  /** The generator's play stands, so the evaluator had to play. */
  playStands: boolean;
  attack: boolean;
  /** Evaluator replies and checked attempts kept in the stored record. */
  replies: number;
  verdicts: number;
  /** The attempt indices of the verdicts, sorted. */
  verdictIndices: number[];
}

const bump = (counts: Record<string, number>, type: string): void => {
  counts[type] = (counts[type] ?? 0) + 1;
};

/**
 * What each stored episode of the campaign did, from its record and from its workflow's history:
 * a duplicated activity shows up as a second schedule and completion, a lost one as none, and a
 * retry after a crash as an attempt number above 1.
 */
export async function episodeWork(cc: CampaignClient, dir: string, campaignId: string): Promise<EpisodeWork[]> {
  const store = await EpisodeStore.open(episodesDbPath(dir, campaignId));
  const records: EpisodeRecord[] = [];
  try {
    for await (const record of store.records(campaignId)) records.push(record);
  } finally {
    store.close();
  }
  const work: EpisodeWork[] = [];
  for (const record of records) {
    const history = await cc.client.workflow.getHandle(record.episodeId).fetchHistory();
    const typeOf = new Map<string, string>();
    const scheduled: Record<string, number> = {};
    const completed: Record<string, number> = {};
    const unfinished: Record<string, number> = {};
    const attemptsByActivity: Record<string, number[]> = {};
    for (const event of history.events ?? []) {
      const scheduledAttributes = event.activityTaskScheduledEventAttributes;
      if (scheduledAttributes) {
        const type = scheduledAttributes.activityType?.name ?? '?';
        typeOf.set(String(event.eventId), type);
        bump(scheduled, type);
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
        (attemptsByActivity[type] ??= []).push(started.attempt ?? 1);
      }
      const done = event.activityTaskCompletedEventAttributes;
      if (done) bump(completed, typeOf.get(String(done.scheduledEventId)) ?? '?');
      const ended = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes ?? event.activityTaskCanceledEventAttributes;
      if (ended) bump(unfinished, typeOf.get(String(ended.scheduledEventId)) ?? '?');
    }
    const verdict = record.playVerdict;
    work.push({
      episodeId: record.episodeId,
      outcome: record.outcome,
      scheduled,
      completed,
      unfinished,
      attemptsByActivity,
      proposal: record.proposal !== null,
      playVerdict: verdict !== null,
      playStands: verdict !== null && verdict.diverges && verdict.invalidReason === null,
      attack: record.attack !== null,
      replies: record.attack?.replies.length ?? 0,
      verdicts: record.attemptVerdicts.length,
      verdictIndices: record.attemptVerdicts.map((v) => v.index).sort((a, b) => a - b),
    });
  }
  return work;
}

/** The activity of the episode workflow that produces each piece of the record. */
const producers = [
  { activity: 'propose', kept: (w: EpisodeWork) => w.proposal },
  { activity: 'verifyPlay', kept: (w: EpisodeWork) => w.playVerdict },
  { activity: 'attack', kept: (w: EpisodeWork) => w.attack },
  { activity: 'checkAttempts', kept: (w: EpisodeWork) => w.verdicts > 0 },
] as const;

/**
 * No episode's player or sandbox work was done twice into its record, and none was lost:
 * - every activity the episode scheduled was scheduled once and ended once (completed, or failed
 *   after its retries, which only a failed episode may show); a retry after a crash replaces an
 *   attempt, it does not add a completion;
 * - each piece of the record (proposal, play verdict, evaluator replies, attempt verdicts) is there
 *   exactly when the activity producing it completed, once;
 * - the record was written once;
 * - when the generator's play stands, the evaluator played: exactly `attempts` replies, each
 *   checked once (verdict indices 0..attempts-1), also when the episode later failed.
 */
export async function expectWorkOnce(cc: CampaignClient, dir: string, campaignId: string, attempts: number): Promise<EpisodeWork[]> {
  const work = await episodeWork(cc, dir, campaignId);
  if (work.length === 0) throw new Error(`${campaignId}: no stored episodes`);
  const problems = workOnceProblems(work, attempts);
  if (problems.length > 0) throw new Error(`${campaignId}: ${problems.join('; ')}`);
  return work;
}

/** What `expectWorkOnce` finds wrong with each episode's work; empty when all is done once. */
export function workOnceProblems(work: readonly EpisodeWork[], attempts: number): string[] {
  const problems: string[] = [];
  const allIndices = Array.from({ length: attempts }, (_, i) => i);
  for (const episode of work) {
    const id = episode.episodeId;
    for (const [type, count] of Object.entries(episode.scheduled)) {
      if (count !== 1) problems.push(`${id}: activity ${type} scheduled ${count} times`);
      const ended = (episode.completed[type] ?? 0) + (episode.unfinished[type] ?? 0);
      if (ended !== count) problems.push(`${id}: activity ${type} ended ${ended} times (completed ${episode.completed[type] ?? 0})`);
      if ((episode.unfinished[type] ?? 0) > 0 && episode.outcome !== 'failed') problems.push(`${id}: activity ${type} did not complete, yet the episode is ${episode.outcome}`);
    }
    if (episode.completed.recordEpisode !== 1) problems.push(`${id}: recordEpisode completed ${episode.completed.recordEpisode ?? 0} times`);
    for (const { activity, kept } of producers) {
      const done = episode.completed[activity] ?? 0;
      if (done !== (kept(episode) ? 1 : 0)) problems.push(`${id}: ${activity} completed ${done} times, and the record ${kept(episode) ? 'keeps' : 'lacks'} its work`);
    }
    if (episode.playStands && episode.outcome !== 'failed' && !episode.attack) problems.push(`${id}: the play stands but the evaluator's attack is missing`);
    if (episode.attack) {
      if (episode.replies !== attempts) problems.push(`${id}: ${episode.replies} evaluator replies, expected ${attempts}`);
      if (episode.outcome !== 'failed' && JSON.stringify(episode.verdictIndices) !== JSON.stringify(allIndices)) {
        problems.push(`${id}: verdicts for attempts [${episode.verdictIndices.join(', ')}], expected [${allIndices.join(', ')}]`);
      }
    }
  }
  return problems;
}

/** Activities that a retry ran again (the attempt that completed them was not the first). */
export function retriedActivities(work: readonly EpisodeWork[]): Array<{ episodeId: string; activity: string; attempt: number }> {
  return work.flatMap((episode) =>
    Object.entries(episode.attemptsByActivity).flatMap(([activity, list]) => list.filter((attempt) => attempt > 1).map((attempt) => ({ episodeId: episode.episodeId, activity, attempt }))),
  );
}
