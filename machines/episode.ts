// The episode state machine: propose → verify → score → update → done, with explicit terminal paths
// for an invalid play and for a failure. Every side effect is an invoked actor that callers supply
// with `.provide()`: unit tests pass fakes, the episode workflow passes Temporal activities.
import { assign, fromPromise, setup } from 'xstate';
import type { AttackResult, ProposeResult } from '../actors/policies/types';
import { episodeTimeoutMs } from '../game/timeouts';
import { rewards } from '../game/rewards';
import type { DivergingInput, EvaluatorReply, ParseResult, Task } from '../game/types';
import { scoreEpisode } from './score';
import type {
  AttemptVerdict,
  EpisodeContext,
  EpisodeInput,
  EpisodeReason,
  EpisodeReasonCode,
  EpisodeRecord,
  EpisodeSummary,
  EpisodeTimings,
  InputVerdict,
  PlayerSpec,
} from './types';

export interface ProposeStepInput {
  episodeId: string;
  task: Task;
  targetDifficulty: number;
  seed: number;
  generator: PlayerSpec;
}

export interface VerifyPlayStepInput {
  episodeId: string;
  task: Task;
  variant: string;
  input: DivergingInput;
  limitMs: number;
}

export interface AttackStepInput {
  episodeId: string;
  task: Task;
  variant: string;
  attempts: number;
  seed: number;
  evaluator: PlayerSpec;
}

export interface CheckAttemptsStepInput {
  episodeId: string;
  task: Task;
  variant: string;
  /** The evaluator's parsed replies, in order; each distinct input is executed once. */
  replies: Array<ParseResult<EvaluatorReply>>;
  limitMs: number;
}

/** A typed step failure: actors reject with this (or anything else, read as `actor-failed`). */
export class EpisodeStepError extends Error {
  constructor(
    readonly code: EpisodeReasonCode,
    message: string,
  ) {
    super(message);
    this.name = 'EpisodeStepError';
  }
}

function notProvided<I, O>(name: string) {
  return fromPromise<O, I>(() => Promise.reject(new EpisodeStepError('actor-failed', `episode actor '${name}' was not provided`)));
}

type Step = keyof EpisodeTimings;

function started(timings: EpisodeTimings, step: Step): EpisodeTimings {
  return { ...timings, [step]: { startedAt: Date.now() } };
}

function ended(timings: EpisodeTimings, step: Step): EpisodeTimings {
  const entry = timings[step];
  return { ...timings, [step]: { startedAt: entry?.startedAt ?? Date.now(), endedAt: Date.now() } };
}

/** Reads a step failure into a reason; non-typed errors count against the step's default code. */
export function reasonFromError(error: unknown, fallback: EpisodeReasonCode): EpisodeReason {
  if (error instanceof EpisodeStepError) return { code: error.code, detail: error.message };
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { code?: unknown; message?: unknown; cause?: unknown; type?: unknown };
    // Temporal ActivityFailure wraps an ApplicationFailure whose `type` carries our code.
    const cause = candidate.cause as { type?: unknown; message?: unknown } | undefined;
    const code = typeof cause?.type === 'string' ? cause.type : typeof candidate.type === 'string' ? candidate.type : undefined;
    const message = typeof cause?.message === 'string' ? cause.message : typeof candidate.message === 'string' ? candidate.message : String(error);
    if (code !== undefined && isReasonCode(code)) return { code, detail: message };
    return { code: fallback, detail: message };
  }
  return { code: fallback, detail: String(error) };
}

const reasonCodes: ReadonlySet<string> = new Set<EpisodeReasonCode>([
  'parse-failure',
  'truncated',
  'no-play',
  'variant-invalid',
  'input-invalid',
  'no-divergence',
  'inconclusive-timeout',
  'inconclusive-sandbox',
  'nondeterministic',
  'actor-failed',
  'sandbox-failed',
  'persist-failed',
  'workflow-failed',
]);

function isReasonCode(code: string): code is EpisodeReasonCode {
  return reasonCodes.has(code);
}

export function initialContext(input: EpisodeInput): EpisodeContext {
  return {
    ...input,
    limitMs: input.limitMs ?? episodeTimeoutMs(input.seed),
    proposal: null,
    playVerdict: null,
    attack: null,
    attemptVerdicts: [],
    difficulty: null,
    rewards: null,
    outcome: null,
    reason: null,
    timings: { episode: { startedAt: Date.now() } },
    versions: { generator: null, evaluator: null },
  };
}

/** The record the store keeps: the context with its outcome settled. */
export function recordOf(context: EpisodeContext): EpisodeRecord {
  return { ...context, outcome: context.outcome ?? 'failed', finishedAt: Date.now() };
}

function variantOf(context: EpisodeContext): string {
  const parsed = context.proposal?.reply.parsed;
  return parsed?.ok ? parsed.value.program : '';
}

export const episodeMachine = setup({
  types: {
    context: {} as EpisodeContext,
    input: {} as EpisodeInput,
    output: {} as EpisodeRecord,
  },
  actors: {
    propose: notProvided<ProposeStepInput, ProposeResult>('propose'),
    verifyPlay: notProvided<VerifyPlayStepInput, InputVerdict>('verifyPlay'),
    attack: notProvided<AttackStepInput, AttackResult>('attack'),
    checkAttempts: notProvided<CheckAttemptsStepInput, AttemptVerdict[]>('checkAttempts'),
    persist: notProvided<EpisodeRecord, void>('persist'),
  },
  guards: {
    declinedToPlay: (_, proposal: ProposeResult) => proposal.noPlay !== undefined,
    replyUnparsable: (_, proposal: ProposeResult) => !proposal.reply.parsed.ok,
    playNotDiverging: (_, verdict: InputVerdict) => !verdict.diverges,
  },
  actions: {
    startStep: assign({ timings: ({ context }, step: Step) => started(context.timings, step) }),
    endStep: assign({ timings: ({ context }, step: Step) => ended(context.timings, step) }),
    fail: assign(({ context }, params: { error: unknown; fallback: EpisodeReasonCode; step: Step }) => ({
      outcome: 'failed' as const,
      reason: reasonFromError(params.error, params.fallback),
      timings: ended(context.timings, params.step),
    })),
  },
}).createMachine({
  id: 'episode',
  context: ({ input }) => initialContext(input),
  output: ({ context }) => recordOf(context),
  initial: 'propose',
  states: {
    propose: {
      entry: { type: 'startStep', params: 'propose' },
      invoke: {
        src: 'propose',
        input: ({ context }): ProposeStepInput => ({
          episodeId: context.episodeId,
          task: context.task,
          targetDifficulty: context.targetDifficulty,
          seed: context.seed,
          generator: context.generator,
        }),
        onDone: [
          {
            guard: { type: 'declinedToPlay', params: ({ event }) => event.output },
            target: 'recordInvalid',
            actions: assign(({ context, event }) => ({
              proposal: event.output,
              versions: { ...context.versions, generator: { policy: event.output.policy, model: event.output.modelVersion } },
              outcome: 'invalid' as const,
              reason: { code: 'no-play' as const, detail: event.output.noPlay ? `${event.output.noPlay.cause}: ${event.output.noPlay.detail}` : 'no play' },
              rewards: invalidPlayRewards(),
              timings: ended(context.timings, 'propose'),
            })),
          },
          {
            guard: { type: 'replyUnparsable', params: ({ event }) => event.output },
            target: 'recordInvalid',
            actions: assign(({ context, event }) => {
              const parsed = event.output.reply.parsed;
              return {
                proposal: event.output,
                versions: { ...context.versions, generator: { policy: event.output.policy, model: event.output.modelVersion } },
                outcome: 'invalid' as const,
                reason: parsed.ok
                  ? { code: 'parse-failure' as const, detail: 'unparsable' }
                  : { code: parsed.reason === 'truncated' ? ('truncated' as const) : ('parse-failure' as const), detail: `${parsed.reason}: ${parsed.detail}` },
                rewards: invalidPlayRewards(),
                timings: ended(context.timings, 'propose'),
              };
            }),
          },
          {
            target: 'verify',
            actions: assign(({ context, event }) => ({
              proposal: event.output,
              versions: { ...context.versions, generator: { policy: event.output.policy, model: event.output.modelVersion } },
              timings: ended(context.timings, 'propose'),
            })),
          },
        ],
        onError: {
          target: 'recordFailure',
          actions: { type: 'fail', params: ({ event }) => ({ error: event.error, fallback: 'actor-failed' as const, step: 'propose' as const }) },
        },
      },
    },
    verify: {
      initial: 'play',
      states: {
        play: {
          entry: { type: 'startStep', params: 'verifyPlay' },
          invoke: {
            src: 'verifyPlay',
            input: ({ context }): VerifyPlayStepInput => {
              const parsed = context.proposal?.reply.parsed;
              return {
                episodeId: context.episodeId,
                task: context.task,
                variant: variantOf(context),
                input: parsed?.ok ? parsed.value.divergingInput : '',
                limitMs: context.limitMs,
              };
            },
            onDone: [
              {
                guard: { type: 'playNotDiverging', params: ({ event }) => event.output },
                target: '#episode.recordInvalid',
                actions: assign(({ context, event }) => ({
                  playVerdict: event.output,
                  outcome: 'invalid' as const,
                  reason: { code: event.output.invalidReason ?? 'no-divergence', detail: event.output.detail },
                  rewards: invalidPlayRewards(),
                  timings: ended(context.timings, 'verifyPlay'),
                })),
              },
              {
                target: 'attack',
                actions: assign(({ context, event }) => ({ playVerdict: event.output, timings: ended(context.timings, 'verifyPlay') })),
              },
            ],
            onError: {
              target: '#episode.recordFailure',
              actions: { type: 'fail', params: ({ event }) => ({ error: event.error, fallback: 'sandbox-failed' as const, step: 'verifyPlay' as const }) },
            },
          },
        },
        attack: {
          entry: { type: 'startStep', params: 'attack' },
          invoke: {
            src: 'attack',
            input: ({ context }): AttackStepInput => ({
              episodeId: context.episodeId,
              task: context.task,
              variant: variantOf(context),
              attempts: context.attempts,
              seed: context.seed + 1,
              evaluator: context.evaluator,
            }),
            onDone: {
              target: 'check',
              actions: assign(({ context, event }) => ({
                attack: event.output,
                versions: { ...context.versions, evaluator: { policy: event.output.policy, model: event.output.modelVersion } },
                timings: ended(context.timings, 'attack'),
              })),
            },
            onError: {
              target: '#episode.recordFailure',
              actions: { type: 'fail', params: ({ event }) => ({ error: event.error, fallback: 'actor-failed' as const, step: 'attack' as const }) },
            },
          },
        },
        check: {
          entry: { type: 'startStep', params: 'checkAttempts' },
          invoke: {
            src: 'checkAttempts',
            input: ({ context }): CheckAttemptsStepInput => ({
              episodeId: context.episodeId,
              task: context.task,
              variant: variantOf(context),
              replies: (context.attack?.replies ?? []).map((reply) => reply.parsed),
              limitMs: context.limitMs,
            }),
            onDone: {
              target: '#episode.score',
              actions: assign(({ context, event }) => ({ attemptVerdicts: event.output, timings: ended(context.timings, 'checkAttempts') })),
            },
            onError: {
              target: '#episode.recordFailure',
              actions: { type: 'fail', params: ({ event }) => ({ error: event.error, fallback: 'sandbox-failed' as const, step: 'checkAttempts' as const }) },
            },
          },
        },
      },
    },
    score: {
      entry: assign(({ context }) => {
        const score = scoreEpisode(context);
        return { difficulty: score.difficulty, rewards: score.rewards, outcome: 'valid' as const };
      }),
      always: 'update',
    },
    update: {
      entry: { type: 'startStep', params: 'persist' },
      invoke: {
        src: 'persist',
        input: ({ context }) => recordOf(context),
        onDone: { target: 'done', actions: { type: 'endStep', params: 'persist' } },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ error: event.error, fallback: 'persist-failed' as const, step: 'persist' as const }) },
        },
      },
    },
    done: { type: 'final', entry: { type: 'endStep', params: 'episode' } },
    recordInvalid: {
      entry: { type: 'startStep', params: 'persist' },
      invoke: {
        src: 'persist',
        input: ({ context }) => recordOf(context),
        onDone: { target: 'invalid', actions: { type: 'endStep', params: 'persist' } },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ error: event.error, fallback: 'persist-failed' as const, step: 'persist' as const }) },
        },
      },
    },
    invalid: { type: 'final', entry: { type: 'endStep', params: 'episode' } },
    recordFailure: {
      entry: { type: 'startStep', params: 'persist' },
      invoke: {
        src: 'persist',
        input: ({ context }) => recordOf(context),
        onDone: { target: 'failed', actions: { type: 'endStep', params: 'persist' } },
        // The failure stays the step's own; a failed persist is noted by the timings only.
        onError: { target: 'failed', actions: { type: 'endStep', params: 'persist' } },
      },
    },
    failed: { type: 'final', entry: { type: 'endStep', params: 'episode' } },
  },
});

export type EpisodeMachine = typeof episodeMachine;

function invalidPlayRewards() {
  const values = rewards({ valid: false }, null, null);
  return { generator: values.generator, evaluator: values.evaluator };
}

/** The final state names, for callers that map a snapshot to an outcome. */
export const terminalStates = ['done', 'invalid', 'failed'] as const;

/** The compact result a campaign aggregates. */
export function summaryOf(record: EpisodeRecord): EpisodeSummary {
  const valid = record.outcome === 'valid';
  return {
    episodeId: record.episodeId,
    round: record.round,
    taskId: record.task.id,
    outcome: record.outcome,
    reason: record.reason,
    difficulty: record.difficulty,
    evaluatorFound: valid ? record.attemptVerdicts.filter((verdict) => verdict.found).length : 0,
    evaluatorAttempts: valid ? record.attemptVerdicts.length : 0,
  };
}
