// The episode machine run directly on the activity functions, without Temporal: the benchmark's
// in-process baseline and a quick path for tests. Same machine, same players, same store.
import { createActor, fromPromise, toPromise } from 'xstate';
import { episodeMachine } from '../machines/episode';
import type { EpisodeInput, EpisodeRecord } from '../machines/types';
import type { SinqActivities } from './index';

export async function runEpisodeInProcess(input: EpisodeInput, activities: SinqActivities): Promise<EpisodeRecord> {
  const machine = episodeMachine.provide({
    actors: {
      propose: fromPromise(({ input: step }) => activities.propose(step)),
      verifyPlay: fromPromise(({ input: step }) => activities.verifyPlay(step)),
      attack: fromPromise(({ input: step }) => activities.attack(step)),
      checkAttempts: fromPromise(({ input: step }) => activities.checkAttempts(step)),
      persist: fromPromise(async ({ input: record }) => {
        await activities.recordEpisode(record);
      }),
    },
  });
  return toPromise(createActor(machine, { input }).start());
}
