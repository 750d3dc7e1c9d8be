// Wire format between callers and actors: JSON request and response envelopes, validated with zod
// on both sides. Requests wrap ProposeRequest/AttackRequest with the policy spec, a request id and a
// deadline; responses wrap ProposeResult/AttackResult with timings and the replica that answered.
import { z } from 'zod';
import type { ChatMessage, EvaluatorReply, GeneratorReply, ParseResult, Task } from '../game/types';
import { noPlayCauses, type AttackResult, type ProposeResult, type ReplyGeneration, type SamplingOptions } from './policies/types';
import { actorErrorCodes, type ActorErrorInfo } from './errors';

export const ENVELOPE_VERSION = 1;

export type ActorRole = 'generator' | 'evaluator';

/** Limits on what a request may carry; far above real programs, low enough to refuse abuse. */
export const MAX_SOURCE_CHARS = 512 * 1024;
export const MAX_ATTEMPTS = 256;

const taskSchema = z.object({
  id: z.string().min(1).max(1000),
  description: z.string().max(MAX_SOURCE_CHARS),
  source: z.string().min(1).max(MAX_SOURCE_CHARS),
  entryPoint: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'entry point must be a Python identifier'),
  exampleInputs: z.array(z.string().max(MAX_SOURCE_CHARS)).max(1000),
  origin: z.string().max(1000),
}) satisfies z.ZodType<Task>;

const samplingSchema = z.object({
  temperature: z.number().min(0).max(10).optional(),
  topP: z.number().min(0).max(1).optional(),
  numPredict: z.number().int().min(-2).max(1_000_000).optional(),
  numCtx: z.number().int().min(1).max(10_000_000).optional(),
  format: z.literal('json').optional(),
}).strict() satisfies z.ZodType<SamplingOptions>;

const replyGenerationSchema = z.object({
  model: z.string(),
  options: z.object({
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    num_predict: z.number().optional(),
    num_ctx: z.number().optional(),
    seed: z.number().optional(),
  }),
  format: z.literal('json').optional(),
  doneReason: z.string().optional(),
  promptTokens: z.number().optional(),
  replyTokens: z.number().optional(),
}) satisfies z.ZodType<ReplyGeneration>;

const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
}) satisfies z.ZodType<ChatMessage>;

const parseFailureSchema = z.object({
  ok: z.literal(false),
  reason: z.enum(['empty', 'missing-section', 'missing-code-block', 'truncated', 'bad-answer', 'too-large']),
  detail: z.string(),
});

const generatorReplySchema = z.object({
  analysis: z.string(),
  program: z.string(),
  divergingInput: z.string(),
}) satisfies z.ZodType<GeneratorReply>;

const evaluatorReplySchema = z.object({
  analysis: z.string(),
  equivalent: z.boolean().nullable(),
  divergingInput: z.string().nullable(),
}) satisfies z.ZodType<EvaluatorReply>;

const generatorParseSchema = z.union([z.object({ ok: z.literal(true), value: generatorReplySchema }), parseFailureSchema]) satisfies z.ZodType<
  ParseResult<GeneratorReply>
>;
const evaluatorParseSchema = z.union([z.object({ ok: z.literal(true), value: evaluatorReplySchema }), parseFailureSchema]) satisfies z.ZodType<
  ParseResult<EvaluatorReply>
>;

const common = {
  v: z.literal(ENVELOPE_VERSION),
  requestId: z.string().min(1).max(200),
  /** Policy spec as the registry names it: `mutation`, `fuzz`, `ollama:qwen2.5-coder:7b`. */
  policy: z.string().min(1).max(300),
  modelVersion: z.string().min(1).max(300).optional(),
  sampling: samplingSchema.optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Absolute deadline for this attempt, epoch milliseconds. */
  deadline: z.number().int().positive(),
  /** How often the actor should tell the caller it is still working, ms (0: never). */
  heartbeatMs: z.number().int().min(0).max(60_000).default(0),
  policyState: z.unknown().optional(),
  task: taskSchema,
};

export const proposeRequestSchema = z.object({
  ...common,
  targetDifficulty: z.number().min(0).max(10),
});

export const attackRequestSchema = z.object({
  ...common,
  variant: z.string().min(1).max(MAX_SOURCE_CHARS),
  attempts: z.number().int().min(1).max(MAX_ATTEMPTS),
});

export type ProposeEnvelope = z.output<typeof proposeRequestSchema>;
export type AttackEnvelope = z.output<typeof attackRequestSchema>;
/** What a caller fills in; the client adds version, request id and deadline. */
export type ProposeCall = Omit<z.input<typeof proposeRequestSchema>, 'v' | 'requestId' | 'deadline' | 'heartbeatMs'>;
export type AttackCall = Omit<z.input<typeof attackRequestSchema>, 'v' | 'requestId' | 'deadline' | 'heartbeatMs'>;

const timingsSchema = z.object({
  /** When the replica received the request, epoch ms. */
  receivedAt: z.number(),
  /** Time waiting for a free slot on the replica. */
  queuedMs: z.number(),
  /** Time inside the policy. */
  policyMs: z.number(),
  /** Received to reply, on the replica. */
  totalMs: z.number(),
});

const actorIdentitySchema = z.object({
  /** The NATS service instance id of the replica. */
  serviceId: z.string(),
  replica: z.number().int(),
  host: z.string(),
  pid: z.number().int(),
});

export type ActorTimings = z.output<typeof timingsSchema>;
export type ActorIdentity = z.output<typeof actorIdentitySchema>;

const policyReply = <T extends z.ZodType>(parsed: T) => z.object({ raw: z.string(), parsed, durationMs: z.number(), generation: replyGenerationSchema.optional() });

const responseCommon = {
  v: z.literal(ENVELOPE_VERSION),
  ok: z.literal(true),
  requestId: z.string(),
  policy: z.string(),
  modelVersion: z.string(),
  prompt: z.array(chatMessageSchema),
  timings: timingsSchema,
  actor: actorIdentitySchema,
};

export const proposeResponseSchema = z.object({
  ...responseCommon,
  role: z.literal('generator'),
  reply: policyReply(generatorParseSchema),
  noPlay: z.object({ cause: z.enum(noPlayCauses), detail: z.string().max(4000) }).strict().optional(),
});

export const attackResponseSchema = z.object({
  ...responseCommon,
  role: z.literal('evaluator'),
  replies: z.array(policyReply(evaluatorParseSchema)),
});

export const errorResponseSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  ok: z.literal(false),
  requestId: z.string().optional(),
  error: z.object({ code: z.enum(actorErrorCodes), message: z.string(), retryable: z.boolean() }),
  actor: actorIdentitySchema.optional(),
});

export type ProposeResponse = z.output<typeof proposeResponseSchema>;
export type AttackResponse = z.output<typeof attackResponseSchema>;
export type ErrorResponse = z.output<typeof errorResponseSchema>;

// Compile-time checks that responses carry what the policy interfaces return.
type Assignable<A, B extends A> = B;
export type _ProposeCarriesResult = Assignable<Omit<ProposeResult, never>, Pick<ProposeResponse, keyof ProposeResult>>;
export type _AttackCarriesResult = Assignable<Omit<AttackResult, never>, Pick<AttackResponse, keyof AttackResult>>;

/** Cancel notice, published to every replica of a role. */
export const cancelSchema = z.object({ requestId: z.string().min(1).max(200) });

/** Subject prefix for actors of one role and policy. Policy specs may hold `.` or `:`, which subjects cannot. */
export function policySubjectToken(policy: string): string {
  return policy.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function endpointName(role: ActorRole): 'propose' | 'attack' {
  return role === 'generator' ? 'propose' : 'attack';
}

export function requestSubject(role: ActorRole, policy: string): string {
  return `sinq.${role}.${policySubjectToken(policy)}.${endpointName(role)}`;
}

export function cancelSubject(role: ActorRole): string {
  return `sinq.${role}.cancel`;
}

/** Header set on interim "still working" messages sent to a request's reply inbox. */
export const HEARTBEAT_HEADER = 'Sinq-Heartbeat';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes JSON bytes; undefined when they are not JSON. */
export function decodeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data)) as unknown;
  } catch {
    return undefined;
  }
}

export function errorResponse(error: ActorErrorInfo, requestId?: string, actor?: ActorIdentity): ErrorResponse {
  return { v: ENVELOPE_VERSION, ok: false, requestId, error, actor };
}

/** NATS service error codes (numeric, HTTP-like) per actor error code, for service stats and `nats micro`. */
export function serviceStatusCode(code: ErrorResponse['error']['code']): number {
  switch (code) {
    case 'bad-request':
    case 'wrong-policy':
      return 400;
    case 'too-large':
      return 413;
    case 'model-missing':
      return 424;
    case 'timeout':
      return 408;
    case 'busy':
      return 429;
    case 'cancelled':
      return 499;
    case 'model-unavailable':
    case 'no-responders':
    case 'shutting-down':
    case 'connection':
      return 503;
    default:
      return 500;
  }
}
