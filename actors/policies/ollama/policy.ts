// The `ollama:<model>` player: prompts a model served by Ollama, streams its reply, and returns the
// raw text with its parse. Every way a call can go wrong ends either in a reply whose parse is a
// ParseFailure (no sections, truncated, too large) or in a typed PolicyError the caller records
// (model missing, model server down after retries, deadline, cancel).
import type { ChatMessage, EvaluatorReply, GeneratorReply, ParseResult, Task } from '../../../game/types';
import { MAX_REPLY_CHARS, parseEvaluatorReply, parseGeneratorReply } from '../../../game/reply';
import { deriveSeed } from '../../../game/random';
import type { Logger } from '../../../lib/log';
import { ActorError, ActorTimeoutError, PolicyError } from '../../errors';
import { Semaphore } from '../../semaphore';
import type {
  AttackRequest,
  AttackResult,
  EvaluatorPolicy,
  GeneratorPolicy,
  PolicyContext,
  PolicyReply,
  ProposeRequest,
  ProposeResult,
  ReplyGeneration,
  SamplingOptions,
} from '../types';
import { streamChat, type ChatCallResult, type OllamaFormat, type OllamaOptions } from './chat';
import { SampleCache, sampleKey } from './sample-cache';
import { preflightOllama, type ModelReport } from './preflight';
import { DEFAULT_BACKOFF, withBackoff, type BackoffOptions } from './retry';

export const OLLAMA_POLICY_PREFIX = 'ollama:';
export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

export interface PromptBuilders {
  generator(task: Task, targetDifficulty: number): ChatMessage[];
  evaluator(task: Task, variant: string): ChatMessage[];
}

export interface OllamaPolicyOptions {
  /** Ollama base URL; OLLAMA_HOST, then the local default. */
  host?: string;
  /** Chat calls in flight per model on this process. */
  concurrency?: number;
  /** Replies are cut (and recorded as too large) past this many characters. */
  maxReplyChars?: number;
  backoff?: BackoffOptions;
  /** Sampling used where a request gives none. */
  sampling?: SamplingOptions;
  prompts: PromptBuilders;
  /** Finished replies reused when a request is retried (none: every call goes to the model). */
  sampleCache?: SampleCache;
}

/** `ollama:qwen2.5-coder:7b` → `qwen2.5-coder:7b`; undefined for other specs. */
export function ollamaModelOf(spec: string): string | undefined {
  if (!spec.startsWith(OLLAMA_POLICY_PREFIX)) return undefined;
  const model = spec.slice(OLLAMA_POLICY_PREFIX.length).trim();
  return model === '' ? undefined : model;
}

export function ollamaHost(explicit?: string): string {
  return explicit ?? process.env.OLLAMA_HOST ?? DEFAULT_OLLAMA_HOST;
}

// One limit per model per process, shared by every policy instance (replicas, roles).
const modelSlots = new Map<string, Semaphore>();
function slotsFor(host: string, model: string, limit: number): Semaphore {
  const key = `${host}|${model}`;
  let slots = modelSlots.get(key);
  if (!slots) {
    slots = new Semaphore(limit);
    modelSlots.set(key, slots);
  }
  return slots;
}

/** A signal that fires with the caller's reason, or with a timeout error at the deadline. */
function boundedSignal(outer: AbortSignal, deadline: number | undefined): { signal: AbortSignal; abort: (reason: unknown) => void; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined && !controller.signal.aborted) {
    const remaining = deadline - Date.now();
    const fire = (): void => controller.abort(new ActorTimeoutError(`model reply not finished by the deadline`));
    if (remaining <= 0) fire();
    else timer = setTimeout(fire, remaining);
  }
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}

export function ollamaOptions(sampling: SamplingOptions | undefined, seed: number): { options: OllamaOptions; format?: OllamaFormat } {
  const options: OllamaOptions = { seed };
  if (sampling?.temperature !== undefined) options.temperature = sampling.temperature;
  if (sampling?.topP !== undefined) options.top_p = sampling.topP;
  if (sampling?.numPredict !== undefined) options.num_predict = sampling.numPredict;
  if (sampling?.numCtx !== undefined) options.num_ctx = sampling.numCtx;
  return sampling?.format !== undefined ? { options, format: sampling.format } : { options };
}

class OllamaPlayer {
  readonly host: string;
  private readonly checked = new Map<string, Promise<ModelReport>>();
  private readonly maxReplyChars: number;
  private readonly backoff: BackoffOptions;
  private readonly concurrency: number;
  private readonly cache: SampleCache | undefined;

  constructor(
    readonly name: string,
    readonly defaultModel: string,
    readonly options: OllamaPolicyOptions,
  ) {
    this.host = ollamaHost(options.host);
    this.maxReplyChars = options.maxReplyChars ?? MAX_REPLY_CHARS;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.concurrency = options.concurrency ?? 2;
    this.cache = options.sampleCache;
  }

  /** Server reachable and model present; remembered per model once it succeeds. */
  preflight(model = this.defaultModel, signal?: AbortSignal): Promise<ModelReport> {
    let check = this.checked.get(model);
    if (!check) {
      check = preflightOllama(this.host, model, signal);
      this.checked.set(model, check);
      check.catch(() => this.checked.delete(model));
    }
    return check;
  }

  async sample<T>(
    model: string,
    messages: ChatMessage[],
    sampling: SamplingOptions | undefined,
    seed: number,
    signal: AbortSignal,
    parse: (text: string) => ParseResult<T>,
    log: Logger,
  ): Promise<PolicyReply<T>> {
    const started = Date.now();
    const { options, format } = ollamaOptions({ ...this.options.sampling, ...sampling }, seed);
    const key = sampleKey({ host: this.host, model, messages, options, ...(format !== undefined ? { format } : {}) });
    let result: ChatCallResult | undefined = this.cache?.get(key);
    if (result === undefined) {
      const slots = slotsFor(this.host, model, this.concurrency);
      result = await slots.with(
        () =>
          withBackoff(
            () => streamChat({ host: this.host, model, messages, options, ...(format !== undefined ? { format } : {}), signal, maxChars: this.maxReplyChars }),
            signal,
            this.backoff,
            (attempt, err, delayMs) => log.warn({ attempt, delayMs, err: err instanceof Error ? err.message : String(err) }, 'retrying Ollama chat'),
          ),
        signal,
      );
      this.cache?.set(key, result);
    }
    let parsed: ParseResult<T>;
    if (result.overflow) {
      parsed = { ok: false, reason: 'too-large', detail: `the reply passed ${this.maxReplyChars} characters; generation was stopped there` };
    } else {
      parsed = parse(result.text);
      // A reply that did not end on a stop is unfinished even when its sections parse (the study
      // dropped every non-"stop" finish): it is recorded as truncated, never played.
      if (result.doneReason === 'length') {
        const why = parsed.ok ? 'the sections parsed but the reply is unfinished' : parsed.detail;
        parsed = { ok: false, reason: 'truncated', detail: `generation hit num_predict after ${result.replyTokens ?? '?'} tokens: ${why}` };
      }
    }
    log.debug({ model, chars: result.text.length, doneReason: result.doneReason, ok: parsed.ok, ms: result.durationMs }, 'model replied');
    const generation: ReplyGeneration = {
      model,
      options,
      ...(format !== undefined ? { format } : {}),
      ...(result.doneReason !== undefined ? { doneReason: result.doneReason } : {}),
      ...(result.promptTokens !== undefined ? { promptTokens: result.promptTokens } : {}),
      ...(result.replyTokens !== undefined ? { replyTokens: result.replyTokens } : {}),
    };
    return { raw: result.text, parsed, durationMs: Date.now() - started, generation };
  }

  modelFor(requested: string | undefined): string {
    return requested && requested.trim() !== '' ? requested : this.defaultModel;
  }
}

export interface OllamaGeneratorPolicy extends GeneratorPolicy {
  readonly model: string;
  readonly host: string;
  preflight(model?: string, signal?: AbortSignal): Promise<ModelReport>;
}

export interface OllamaEvaluatorPolicy extends EvaluatorPolicy {
  readonly model: string;
  readonly host: string;
  preflight(model?: string, signal?: AbortSignal): Promise<ModelReport>;
}

function requireModel(spec: string): string {
  const model = ollamaModelOf(spec);
  if (!model) throw new PolicyError('bad-request', `not an Ollama policy spec: '${spec}' (expected ollama:<model>)`);
  return model;
}

export function createOllamaGeneratorPolicy(spec: string, options: OllamaPolicyOptions): OllamaGeneratorPolicy {
  const player = new OllamaPlayer(spec, requireModel(spec), options);
  return {
    name: spec,
    model: player.defaultModel,
    host: player.host,
    preflight: (model, signal) => player.preflight(model, signal),
    async propose(request: ProposeRequest, context: PolicyContext): Promise<ProposeResult> {
      const model = player.modelFor(request.modelVersion);
      const { signal, dispose } = boundedSignal(context.signal, request.deadline);
      try {
        await player.preflight(model, signal);
        const prompt = options.prompts.generator(request.task, request.targetDifficulty);
        const reply = await player.sample<GeneratorReply>(model, prompt, request.sampling, request.seed, signal, (text) => parseGeneratorReply(text), context.log);
        return { policy: spec, modelVersion: model, prompt, reply };
      } finally {
        dispose();
      }
    },
  };
}

export function createOllamaEvaluatorPolicy(spec: string, options: OllamaPolicyOptions): OllamaEvaluatorPolicy {
  const player = new OllamaPlayer(spec, requireModel(spec), options);
  return {
    name: spec,
    model: player.defaultModel,
    host: player.host,
    preflight: (model, signal) => player.preflight(model, signal),
    async attack(request: AttackRequest, context: PolicyContext): Promise<AttackResult> {
      const model = player.modelFor(request.modelVersion);
      const { signal, abort, dispose } = boundedSignal(context.signal, request.deadline);
      try {
        await player.preflight(model, signal);
        const prompt = options.prompts.evaluator(request.task, request.variant);
        // n independent samples, each with its own seed derived from the request's. A final failure
        // stops the rest; after a transient one the others run on, so a retry of this request finds
        // them in the sample cache and redoes only the calls that failed.
        const settled = await Promise.allSettled(
          Array.from({ length: request.attempts }, (_, attempt) =>
            player
              .sample<EvaluatorReply>(model, prompt, request.sampling, deriveSeed(request.seed, 'attempt', attempt), signal, (text) => parseEvaluatorReply(text), context.log)
              .catch((err: unknown) => {
                if (!signal.aborted && !(err instanceof ActorError && err.retryable)) abort(err);
                throw err;
              }),
          ),
        );
        const replies: Array<PolicyReply<EvaluatorReply>> = [];
        for (const outcome of settled) {
          if (outcome.status === 'rejected') throw signal.aborted ? signal.reason : outcome.reason;
          replies.push(outcome.value);
        }
        return { policy: spec, modelVersion: model, prompt, replies };
      } finally {
        dispose();
      }
    },
  };
}
