// A campaign: rounds of episode child workflows with bounded concurrency. Each round is aggregated,
// recorded, followed by the training step, then the workflow continues as new with its state, so
// the history stays bounded however many rounds there are.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SinqActivities } from '../activities';
import { createRng, deriveSeed } from '../game/random';
import type { Task } from '../game/types';
import { initialContext, recordOf } from '../machines/episode';
import { summarizeRound, type RoundSummary } from '../machines/round';
import type { CampaignConfig } from '../machines/campaign-config';
import { isCampaignConcurrency } from '../machines/campaign-limits';
import type { EpisodeInput, EpisodeSummary, PlayerSpec } from '../machines/types';
import { activityPresets } from './activity-options';
import {
  campaignStatusQuery,
  cancelSignal,
  episodeWorkflowId,
  pauseSignal,
  resumeSignal,
  searchAttributes,
  setConcurrencySignal,
  type CampaignPhase,
  type CampaignResult,
  type CampaignWorkflowInput,
  type EpisodeWorkflowInput,
} from './definitions';
import { episodeWorkflow } from './episode';

/** How many round summaries the workflow carries forward; the store keeps them all. */
const CARRIED_SUMMARIES = 10;

/** The tasks of one round: all of them, or a seeded sample of distinct tasks. */
export function tasksForRound(tasks: readonly Task[], perRound: number | undefined, seed: number, round: number): Task[] {
  if (perRound === undefined || perRound >= tasks.length) return [...tasks];
  return createRng(deriveSeed(seed, 'round', round)).shuffle(tasks).slice(0, perRound);
}

function playerSpec(player: CampaignConfig['generator']): PlayerSpec {
  return {
    policy: player.policy,
    ...(player.model !== undefined ? { model: player.model } : {}),
    ...(player.policyState !== undefined ? { policyState: player.policyState } : {}),
    ...(player.sampling !== undefined ? { sampling: player.sampling } : {}),
  };
}

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignResult> {
  const { campaignId, config, round } = input;
  const presets = activityPresets(config.timeouts);
  const setup = proxyActivities<SinqActivities>(presets.setup);
  const store = proxyActivities<SinqActivities>(presets.store);
  const training = proxyActivities<SinqActivities>(presets.training);

  let concurrency = input.concurrency ?? config.concurrency;
  let paused = input.paused ?? false;
  let cancelled = false;
  // The running training step, so a cancel can stop the trainer too.
  let trainingScope: CancellationScope | null = null;
  let phase: CampaignPhase = 'loading';
  let total = 0;
  let running = 0;
  const finished: EpisodeSummary[] = [];
  const summaries: RoundSummary[] = [...(input.summaries ?? [])];

  setHandler(pauseSignal, () => {
    paused = true;
  });
  setHandler(resumeSignal, () => {
    paused = false;
  });
  setHandler(cancelSignal, () => {
    cancelled = true;
    trainingScope?.cancel();
  });
  setHandler(setConcurrencySignal, (value) => {
    // Bounded like the config field: a value the config would refuse leaves the concurrency as it is.
    if (isCampaignConcurrency(value)) concurrency = value;
    else log.warn('concurrency signal ignored: outside the config bounds', { campaignId, value });
  });
  setHandler(campaignStatusQuery, () => {
    const valid = finished.filter((episode) => episode.outcome === 'valid');
    return {
      campaignId,
      phase: cancelled && phase === 'running' ? 'cancelling' : paused && phase === 'running' ? 'paused' : phase,
      round,
      rounds: config.rounds,
      concurrency,
      paused,
      total,
      done: finished.length,
      running,
      valid: valid.length,
      meanDifficulty: valid.length === 0 ? null : valid.reduce((sum, episode) => sum + (episode.difficulty ?? 0), 0) / valid.length,
      summaries,
    };
  });

  if (input.searchAttributes) {
    upsertSearchAttributes([
      { key: searchAttributes.campaign, value: campaignId },
      { key: searchAttributes.round, value: round },
    ]);
  }
  if (input.tasks === undefined) await store.recordCampaign({ campaignId, config, status: 'running' });
  const tasks = input.tasks ?? (await setup.loadTasks({ taskSet: config.taskSet, split: config.split, limit: config.limit }));
  if (tasks.length === 0) throw ApplicationFailure.nonRetryable(`task set '${config.taskSet}' has no tasks`, 'E_TASK_SET');
  const generator = input.generator ?? playerSpec(config.generator);
  const evaluator = input.evaluator ?? playerSpec(config.evaluator);

  const queue = tasksForRound(tasks, config.episodesPerRound, config.seed, round);
  total = queue.length;
  phase = 'running';

  const runEpisode = async (task: Task): Promise<EpisodeSummary> => {
    const episode: EpisodeInput = {
      episodeId: episodeWorkflowId(campaignId, round, task.id),
      campaignId,
      round,
      task,
      targetDifficulty: config.targetDifficulty,
      attempts: config.attempts,
      seed: deriveSeed(config.seed, round, task.id),
      generator,
      evaluator,
    };
    const args: EpisodeWorkflowInput = { ...episode, timeouts: config.timeouts, searchAttributes: input.searchAttributes };
    try {
      const child = await startChild(episodeWorkflow, {
        workflowId: episode.episodeId,
        args: [args],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        memo: { campaignId, round, taskId: task.id },
        ...(input.searchAttributes
          ? {
              typedSearchAttributes: [
                { key: searchAttributes.campaign, value: campaignId },
                { key: searchAttributes.round, value: round },
                { key: searchAttributes.task, value: task.id },
              ],
            }
          : {}),
      });
      return await child.result();
    } catch (err) {
      // The child itself failed (not an episode failure, which it records): record it here so that
      // every (round, task) has exactly one row. Idempotent if the child did record.
      const detail = err instanceof Error ? err.message : String(err);
      log.warn('episode workflow failed', { episodeId: episode.episodeId, detail });
      const record = recordOf({ ...initialContext(episode), outcome: 'failed', reason: { code: 'workflow-failed', detail } });
      await store.recordEpisode(record);
      return {
        episodeId: episode.episodeId,
        round,
        taskId: task.id,
        outcome: 'failed',
        reason: record.reason,
        difficulty: null,
        evaluatorFound: 0,
        evaluatorAttempts: 0,
      };
    }
  };

  const inFlight: Array<Promise<void>> = [];
  while (queue.length > 0) {
    await condition(() => cancelled || (!paused && running < concurrency));
    if (cancelled) break;
    const task = queue.shift();
    if (task === undefined) break;
    running += 1;
    inFlight.push(
      runEpisode(task).then((summary) => {
        finished.push(summary);
        running -= 1;
      }),
    );
  }
  // A cancel stops new episodes; the running ones finish and are recorded.
  await Promise.all(inFlight);

  const summary = summarizeRound(round, finished);
  await store.recordRound({ campaignId, summary });
  summaries.push(summary);
  log.info('round finished', { campaignId, round, episodes: summary.episodes, validRate: summary.validRate });

  if (cancelled) {
    phase = 'cancelled';
    await store.recordCampaign({ campaignId, config, status: 'cancelled' });
    return { campaignId, status: 'cancelled', rounds: summaries };
  }

  phase = 'training';
  const scope = new CancellationScope();
  trainingScope = scope;
  let trained: Awaited<ReturnType<SinqActivities['trainRound']>>;
  try {
    trained = await scope.run(() => training.trainRound({ campaignId, round, generator, evaluator }));
  } catch (err) {
    if (!(cancelled && isCancellation(err))) throw err;
    phase = 'cancelled';
    await store.recordCampaign({ campaignId, config, status: 'cancelled' });
    return { campaignId, status: 'cancelled', rounds: summaries };
  } finally {
    trainingScope = null;
  }

  if (round + 1 < config.rounds) {
    const next: CampaignWorkflowInput = {
      ...input,
      round: round + 1,
      tasks,
      generator: trained.generator,
      evaluator: trained.evaluator,
      concurrency,
      paused,
      summaries: summaries.slice(-CARRIED_SUMMARIES),
    };
    return continueAsNew<typeof campaignWorkflow>(next);
  }
  phase = 'completed';
  await store.recordCampaign({ campaignId, config, status: 'completed' });
  return { campaignId, status: 'completed', rounds: summaries };
}
