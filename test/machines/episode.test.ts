import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import type { AttackResult, ProposeResult } from '../../actors/policies/types';
import type { Task } from '../../game/types';
import { EpisodeStepError, episodeMachine, summaryOf, type CheckAttemptsStepInput, type VerifyPlayStepInput } from '../../machines/episode';
import { summarizeRound } from '../../machines/round';
import { renderTimeline } from '../../report/timeline';
import type { AttemptVerdict, EpisodeInput, EpisodeRecord, InputVerdict } from '../../machines/types';

const task: Task = {
  id: 'add',
  description: 'add two numbers',
  source: 'def add(a, b):\n    return a + b\n',
  entryPoint: 'add',
  exampleInputs: ['{"a": 1, "b": 2}'],
  origin: 'sinq',
};

const input: EpisodeInput = {
  episodeId: 'c1-r0-add',
  campaignId: 'c1',
  round: 0,
  task,
  targetDifficulty: 5,
  attempts: 4,
  seed: 7,
  generator: { policy: 'mutation' },
  evaluator: { policy: 'fuzz' },
};

const variant = 'def add(a, b):\n    return a - b\n';

function proposal(ok: boolean): ProposeResult {
  return {
    policy: 'mutation',
    modelVersion: 'v0',
    prompt: [{ role: 'user', content: 'mutate' }],
    reply: {
      raw: ok ? 'reply' : '',
      parsed: ok ? { ok: true, value: { analysis: 'flip', program: variant, divergingInput: '{"a": 1, "b": 1}' } } : { ok: false, reason: 'empty', detail: 'no text' },
      durationMs: 1,
    },
  };
}

const returned = (v: string) => ({ kind: 'returned' as const, value: { t: 'int' as const, v }, durationMs: 1 });

function attack(inputs: Array<string | null>): AttackResult {
  return {
    policy: 'fuzz',
    modelVersion: 'v0',
    prompt: [],
    replies: inputs.map((value) => ({
      raw: value ?? 'nothing',
      parsed: value === null ? { ok: false, reason: 'missing-section', detail: 'no input' } : { ok: true, value: { analysis: '', equivalent: false, divergingInput: value } },
      durationMs: 1,
    })),
  };
}

interface Fakes {
  propose?: () => Promise<ProposeResult>;
  verifyPlay?: (input: VerifyPlayStepInput) => Promise<InputVerdict>;
  attack?: () => Promise<AttackResult>;
  checkAttempts?: (input: CheckAttemptsStepInput) => Promise<AttemptVerdict[]>;
}

async function runEpisode(fakes: Fakes) {
  const persisted: EpisodeRecord[] = [];
  const machine = episodeMachine.provide({
    actors: {
      propose: fromPromise(fakes.propose ?? (() => Promise.resolve(proposal(true)))),
      verifyPlay: fromPromise<InputVerdict, VerifyPlayStepInput>(({ input: step }) =>
        (fakes.verifyPlay ?? ((i: VerifyPlayStepInput) =>
          Promise.resolve({ input: i.input, outcomes: { original: returned('2'), variant: returned('0') }, diverges: true, invalidReason: null, detail: 'values differ' })))(step),
      ),
      attack: fromPromise(fakes.attack ?? (() => Promise.resolve(attack(['{"a": 1, "b": 1}', null, '{"a": 0, "b": 0}', '{"a": 2, "b": 1}'])))),
      checkAttempts: fromPromise<AttemptVerdict[], CheckAttemptsStepInput>(({ input: step }) =>
        (fakes.checkAttempts ??
          ((i: CheckAttemptsStepInput) =>
            Promise.resolve(
              i.replies.map((reply, index) => {
                const value = reply.ok ? reply.value.divergingInput : null;
                const found = value !== null && value !== '{"a": 0, "b": 0}';
                const outcomes = value === null ? null : { original: returned('2'), variant: returned(found ? '0' : '2') };
                return { index, input: value, outcomes, found, failure: found ? null : 'no-divergence', detail: '' };
              }),
            )))(step),
      ),
      persist: fromPromise<void, EpisodeRecord>(({ input: record }) => {
        persisted.push(record);
        return Promise.resolve();
      }),
    },
  });
  const actor = createActor(machine, { input });
  const states: string[] = [];
  actor.subscribe((snapshot) => states.push(JSON.stringify(snapshot.value)));
  actor.start();
  const output = await toPromise(actor);
  return { output, persisted, states, final: actor.getSnapshot().value };
}

describe('episode machine', () => {
  it('walks propose → verify → score → update → done on a valid play', async () => {
    const { output, persisted, states, final } = await runEpisode({});
    expect(final).toBe('done');
    expect(states).toEqual(expect.arrayContaining(['"propose"', '{"verify":"play"}', '{"verify":"attack"}', '{"verify":"check"}', '"update"', '"done"']));
    expect(output.outcome).toBe('valid');
    // Two of four attempts found a diverging input: the evaluator failed half the time.
    expect(output.difficulty).toBe(5);
    expect(output.rewards?.evaluator).toBe(0.5);
    expect(output.rewards?.generator).toBeCloseTo(0.5);
    expect(output.attemptVerdicts).toHaveLength(4);
    expect(output.versions.generator).toEqual({ policy: 'mutation', model: 'v0' });
    expect(output.versions.evaluator).toEqual({ policy: 'fuzz', model: 'v0' });
    expect(output.timings.propose?.endedAt).toBeTypeOf('number');
    expect(persisted).toHaveLength(1);
    expect(persisted[0]!.outcome).toBe('valid');
    expect(persisted[0]!.episodeId).toBe('c1-r0-add');
  });

  it('passes the parsed variant and input to verification and the attack inputs to checking', async () => {
    let verified: VerifyPlayStepInput | undefined;
    let checked: CheckAttemptsStepInput | undefined;
    await runEpisode({
      verifyPlay: (step) => {
        verified = step;
        return Promise.resolve({ input: step.input, outcomes: { original: returned('2'), variant: returned('0') }, diverges: true, invalidReason: null, detail: '' });
      },
      checkAttempts: (step) => {
        checked = step;
        return Promise.resolve([]);
      },
    });
    expect(verified?.variant).toBe(variant);
    expect(verified?.input).toBe('{"a": 1, "b": 1}');
    expect(checked?.replies.map((reply) => (reply.ok ? reply.value.divergingInput : null))).toEqual(['{"a": 1, "b": 1}', null, '{"a": 0, "b": 0}', '{"a": 2, "b": 1}']);
    expect(checked?.limitMs).toBeGreaterThanOrEqual(2500);
  });

  it('records an unparsable generator reply as an invalid play', async () => {
    const { output, persisted, final } = await runEpisode({ propose: () => Promise.resolve(proposal(false)) });
    expect(final).toBe('invalid');
    expect(output.outcome).toBe('invalid');
    expect(output.reason?.code).toBe('parse-failure');
    expect(output.rewards?.generator).toBeLessThan(0);
    expect(output.playVerdict).toBeNull();
    expect(persisted).toHaveLength(1);
  });

  it('records a generator reply cut by the token limit as truncated, not as a parse failure', async () => {
    const cut = proposal(false);
    const { output, final } = await runEpisode({
      propose: () => Promise.resolve({ ...cut, reply: { ...cut.reply, raw: 'def f(', parsed: { ok: false, reason: 'truncated', detail: 'generation hit num_predict' } } }),
    });
    expect(final).toBe('invalid');
    expect(output.reason).toEqual({ code: 'truncated', detail: 'truncated: generation hit num_predict' });
    expect(output.rewards?.generator).toBeLessThan(0);
  });

  it('records a generator that declined to play as no-play with its cause, not as a parse failure', async () => {
    const declined: ProposeResult = { ...proposal(false), noPlay: { cause: 'budget-exhausted', detail: '7 mutants enumerated, 1 searched' } };
    const { output, final } = await runEpisode({ propose: () => Promise.resolve(declined) });
    expect(final).toBe('invalid');
    expect(output.reason?.code).toBe('no-play');
    expect(output.reason?.detail).toContain('budget-exhausted');
    expect(output.attack).toBeNull();
  });

  it('records a non-diverging input as an invalid play and never attacks', async () => {
    let attacked = false;
    const { output, final } = await runEpisode({
      verifyPlay: (step) => Promise.resolve({
          input: step.input,
          outcomes: { original: returned('2'), variant: returned('2') },
          diverges: false,
          invalidReason: 'no-divergence',
          detail: 'same value',
        }),
      attack: () => {
        attacked = true;
        return Promise.resolve(attack([]));
      },
    });
    expect(final).toBe('invalid');
    expect(output.reason).toEqual({ code: 'no-divergence', detail: 'same value' });
    expect(attacked).toBe(false);
  });

  it.each(['nondeterministic', 'inconclusive-sandbox'] as const)('records a %s play as invalid with its evidence, counted under its reason', async (reason) => {
    const redraws = [{ original: returned('2'), variant: returned('2') }];
    const { output, persisted, final } = await runEpisode({
      verifyPlay: (step) =>
        Promise.resolve({ input: step.input, outcomes: { original: returned('2'), variant: returned('0') }, diverges: false, invalidReason: reason, detail: 'draws differ', redraws }),
    });
    expect(final).toBe('invalid');
    expect(output.reason).toEqual({ code: reason, detail: 'draws differ' });
    expect(persisted[0]!.playVerdict?.redraws).toEqual(redraws);
    expect(summarizeRound(0, [summaryOf(persisted[0]!)]).invalidReasons).toEqual({ [reason]: 1 });
    const timeline = renderTimeline(persisted[0]!);
    expect(timeline).toContain(`invalid (${reason}): draws differ`);
    expect(timeline).toMatch(/re-run 1: original returned .*; variant returned/);
  });

  it('records a failing actor as a failed episode with its reason', async () => {
    const { output, persisted, final } = await runEpisode({ attack: () => Promise.reject(new EpisodeStepError('actor-failed', 'evaluator unavailable')) });
    expect(final).toBe('failed');
    expect(output.outcome).toBe('failed');
    expect(output.reason).toEqual({ code: 'actor-failed', detail: 'evaluator unavailable' });
    expect(persisted).toHaveLength(1);
    expect(persisted[0]!.outcome).toBe('failed');
  });

  it('reads an untyped sandbox error as sandbox-failed', async () => {
    const { output } = await runEpisode({ verifyPlay: () => Promise.reject(new Error('boom')) });
    expect(output.reason).toEqual({ code: 'sandbox-failed', detail: 'boom' });
  });

  it('ends failed when persisting fails', async () => {
    const machine = episodeMachine.provide({
      actors: {
        propose: fromPromise(() => Promise.resolve(proposal(false))),
        persist: fromPromise<void, EpisodeRecord>(() => Promise.reject(new Error('disk full'))),
      },
    });
    const actor = createActor(machine, { input }).start();
    const output = await toPromise(actor);
    expect(actor.getSnapshot().value).toBe('failed');
    expect(output.reason?.code).toBe('persist-failed');
  });
});
