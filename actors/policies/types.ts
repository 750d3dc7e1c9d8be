// What a player policy is, independent of transport: NATS actors, the CLI and in-process runs all
// call policies through these two interfaces. Offline and LLM policies return the same shapes:
// raw reply text in the game's Markdown contract plus its parse.
import type { Logger } from '../../lib/log';
import type { Sandbox } from '../../sandbox/api';
import type { ChatMessage, EvaluatorReply, GeneratorReply, ParseResult, Task } from '../../game/types';

export interface SamplingOptions {
  temperature?: number;
  topP?: number;
  /** Maximum tokens to generate (Ollama `num_predict`). */
  numPredict?: number;
  /** Context window (Ollama `num_ctx`). */
  numCtx?: number;
  /** Ollama `format`: `json` constrains the reply to JSON. */
  format?: 'json';
}

/** How a model reply was produced, recorded with it (LLM policies only). */
export interface ReplyGeneration {
  model: string;
  /** The sampling options sent to the model server, seed included. */
  options: { temperature?: number; top_p?: number; num_predict?: number; num_ctx?: number; seed?: number };
  format?: 'json';
  /** `stop`, or `length` when the reply was cut by num_predict. */
  doneReason?: string;
  promptTokens?: number;
  replyTokens?: number;
}

export interface PolicyReply<T> {
  /** The reply text exactly as produced: training data needs it verbatim. */
  raw: string;
  parsed: ParseResult<T>;
  durationMs: number;
  generation?: ReplyGeneration;
}

export interface ProposeRequest {
  task: Task;
  /** Target difficulty, 0..10. */
  targetDifficulty: number;
  seed: number;
  /** Model tag for LLM policies, or the version of an offline policy's learned state. */
  modelVersion?: string;
  sampling?: SamplingOptions;
  /** Absolute deadline, epoch milliseconds. */
  deadline?: number;
  /** Learned parameters of an offline policy for this round (opaque to everything else). */
  policyState?: unknown;
}

/** Why a generator made no play: it searched and found nothing it could prove (not a malformed reply). */
export const noPlayCauses = [
  /** The time or candidate budget ran out before any candidate was proven different. */
  'budget-exhausted',
  /** Every candidate was tried and none was proven different. */
  'search-exhausted',
  /** The program offers nothing to change (no candidates at all). */
  'nothing-to-change',
] as const;
export type NoPlayCause = (typeof noPlayCauses)[number];

export interface NoPlay {
  cause: NoPlayCause;
  /** The search in words, for people reading the record. */
  detail: string;
}

export interface ProposeResult {
  policy: string;
  modelVersion: string;
  /** The conversation sent to the model (offline policies: the prompt an LLM would have had). */
  prompt: ChatMessage[];
  reply: PolicyReply<GeneratorReply>;
  /** Set when the generator declined to play; the reply then holds no program. Recorded as `no-play`. */
  noPlay?: NoPlay;
}

export interface AttackRequest {
  /** The original program and what is known about it (entry point, example inputs). */
  task: Task;
  /** The generator's variant program. */
  variant: string;
  /** Number of independent attempts n. */
  attempts: number;
  seed: number;
  modelVersion?: string;
  sampling?: SamplingOptions;
  deadline?: number;
  policyState?: unknown;
}

export interface AttackResult {
  policy: string;
  modelVersion: string;
  prompt: ChatMessage[];
  /** One reply per attempt, in order. */
  replies: Array<PolicyReply<EvaluatorReply>>;
}

export interface PolicyContext {
  signal: AbortSignal;
  log: Logger;
  sandbox: Sandbox;
}

export interface GeneratorPolicy {
  readonly name: string;
  propose(request: ProposeRequest, context: PolicyContext): Promise<ProposeResult>;
}

export interface EvaluatorPolicy {
  readonly name: string;
  attack(request: AttackRequest, context: PolicyContext): Promise<AttackResult>;
}
