// One episode as a workflow: the episode machine runs inside the workflow sandbox, each of its
// actors an activity. A query exposes the machine's state and context while it runs.
import { log, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { createActor, fromPromise, toPromise } from 'xstate';
import type { SinqActivities } from '../activities';
import { episodeMachine, summaryOf } from '../machines/episode';
import type { EpisodeSummary } from '../machines/types';
import { activityPresets } from './activity-options';
import { episodeStateQuery, searchAttributes, type EpisodeWorkflowInput } from './definitions';

export async function episodeWorkflow(input: EpisodeWorkflowInput): Promise<EpisodeSummary> {
  const { timeouts, searchAttributes: useSearchAttributes, ...episode } = input;
  const presets = activityPresets(timeouts, episode.attempts);
  const players = proxyActivities<SinqActivities>(presets.player);
  const attackers = proxyActivities<SinqActivities>(presets.attack);
  const sandbox = proxyActivities<SinqActivities>(presets.sandbox);
  const store = proxyActivities<SinqActivities>(presets.store);

  const machine = episodeMachine.provide({
    actors: {
      propose: fromPromise(({ input: step }) => players.propose(step)),
      verifyPlay: fromPromise(({ input: step }) => sandbox.verifyPlay(step)),
      attack: fromPromise(({ input: step }) => attackers.attack(step)),
      checkAttempts: fromPromise(({ input: step }) => sandbox.checkAttempts(step)),
      persist: fromPromise(async ({ input: record }) => {
        await store.recordEpisode(record);
      }),
    },
  });
  const actor = createActor(machine, { input: episode });
  setHandler(episodeStateQuery, () => {
    const snapshot = actor.getSnapshot();
    return { state: snapshot.value, context: snapshot.context };
  });
  actor.start();
  const record = await toPromise(actor);
  const summary = summaryOf(record);
  log.info('episode finished', { episodeId: summary.episodeId, outcome: summary.outcome, difficulty: summary.difficulty });
  upsertMemo({ outcome: summary.outcome, reason: summary.reason?.code ?? null, difficulty: summary.difficulty });
  if (useSearchAttributes) {
    upsertSearchAttributes([
      { key: searchAttributes.outcome, value: summary.outcome },
      ...(summary.difficulty !== null ? [{ key: searchAttributes.difficulty, value: summary.difficulty }] : []),
    ]);
  }
  return summary;
}
