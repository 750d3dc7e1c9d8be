// The fault tests' duplicate/loss check on hand-made episode work: it must pass work done once and
// name each way work can be doubled or lost.
import { describe, expect, it } from 'vitest';
import { retriedActivities, workOnceProblems, type EpisodeWork } from './helpers';

const attempts = 2;

/** A valid episode: every step once, two evaluator attempts each checked once. */
function played(overrides: Partial<EpisodeWork> = {}): EpisodeWork {
  const once = { propose: 1, verifyPlay: 1, attack: 1, checkAttempts: 1, recordEpisode: 1 };
  return {
    episodeId: 'c-r0-a',
    outcome: 'valid',
    scheduled: { ...once },
    completed: { ...once },
    unfinished: {},
    attemptsByActivity: { propose: [1], verifyPlay: [1], attack: [1], checkAttempts: [1], recordEpisode: [1] },
    proposal: true,
    playVerdict: true,
    playStands: true,
    attack: true,
    replies: 2,
    verdicts: 2,
    verdictIndices: [0, 1],
    ...overrides,
  };
}

describe('work done once', () => {
  it('passes an episode whose every step ran once, and one that ended invalid before the attack', () => {
    expect(workOnceProblems([played()], attempts)).toEqual([]);
    const invalid = played({
      outcome: 'invalid',
      scheduled: { propose: 1, verifyPlay: 1, recordEpisode: 1 },
      completed: { propose: 1, verifyPlay: 1, recordEpisode: 1 },
      playStands: false,
      attack: false,
      replies: 0,
      verdicts: 0,
      verdictIndices: [],
    });
    expect(workOnceProblems([invalid], attempts)).toEqual([]);
  });

  it('passes a failed episode whose player call failed after its retries', () => {
    const failed = played({
      outcome: 'failed',
      scheduled: { propose: 1, recordEpisode: 1 },
      completed: { recordEpisode: 1 },
      unfinished: { propose: 1 },
      proposal: false,
      playVerdict: false,
      playStands: false,
      attack: false,
      replies: 0,
      verdicts: 0,
      verdictIndices: [],
    });
    expect(workOnceProblems([failed], attempts)).toEqual([]);
  });

  it('names work done twice', () => {
    expect(workOnceProblems([played({ scheduled: { ...played().scheduled, attack: 2 }, completed: { ...played().completed, attack: 2 } })], attempts).join('\n')).toMatch(/attack scheduled 2 times/);
    expect(workOnceProblems([played({ completed: { ...played().completed, recordEpisode: 2 } })], attempts).join('\n')).toMatch(/recordEpisode/);
    expect(workOnceProblems([played({ replies: 4, verdicts: 4, verdictIndices: [0, 0, 1, 1] })], attempts).join('\n')).toMatch(/4 evaluator replies, expected 2/);
    expect(workOnceProblems([played({ verdicts: 3, verdictIndices: [0, 1, 1] })], attempts).join('\n')).toMatch(/verdicts for attempts \[0, 1, 1\]/);
  });

  it('names work lost', () => {
    const noAttack = played({ scheduled: { propose: 1, verifyPlay: 1, recordEpisode: 1 }, completed: { propose: 1, verifyPlay: 1, recordEpisode: 1 }, attack: false, replies: 0, verdicts: 0, verdictIndices: [] });
    expect(workOnceProblems([noAttack], attempts).join('\n')).toMatch(/play stands but the evaluator's attack is missing/);
    expect(workOnceProblems([played({ proposal: false })], attempts).join('\n')).toMatch(/propose completed 1 times, and the record lacks its work/);
    expect(workOnceProblems([played({ completed: { ...played().completed, checkAttempts: 0 } })], attempts).join('\n')).toMatch(/checkAttempts ended 0 times/);
    expect(workOnceProblems([played({ replies: 1, verdicts: 1, verdictIndices: [0] })], attempts).join('\n')).toMatch(/1 evaluator replies, expected 2/);
    expect(workOnceProblems([played({ completed: { ...played().completed, recordEpisode: 0 }, unfinished: { recordEpisode: 1 } })], attempts).join('\n')).toMatch(/recordEpisode did not complete, yet the episode is valid/);
  });

  it('lists the activities a retry ran again', () => {
    const retried = played({ attemptsByActivity: { ...played().attemptsByActivity, attack: [3] } });
    expect(retriedActivities([played(), retried])).toEqual([{ episodeId: 'c-r0-a', activity: 'attack', attempt: 3 }]);
  });
});
