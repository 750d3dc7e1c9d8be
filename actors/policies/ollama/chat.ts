// One streamed chat call to an Ollama server with the official client. The stream is aborted when
// the caller's signal fires (deadline or cancel) or when the reply grows past a size cap. Failures
// become PolicyErrors: model server down, reset or transient 5xx → model-unavailable (retryable);
// unknown model → model-missing; other 4xx and permanent server errors (a model the server cannot
// run, e.g. "loras are not yet implemented") → policy-failed, not retried.
// Reused by every caller that talks to Ollama (players, eval): options, `format`, and
// `doneReason` (`length` means the reply was cut by num_predict) are all here.
import { Ollama } from 'ollama';
import type { ChatMessage } from '../../../game/types';
import { PolicyError } from '../../errors';

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  num_predict?: number;
  num_ctx?: number;
  seed?: number;
}

/** Ollama's `format`: `json` constrains the reply to JSON. */
export type OllamaFormat = 'json';

export interface ChatCallRequest {
  host: string;
  model: string;
  messages: ChatMessage[];
  options: OllamaOptions;
  format?: OllamaFormat;
  signal: AbortSignal;
  /** Stop reading once the reply has this many characters. */
  maxChars: number;
}

export interface ChatCallResult {
  text: string;
  /** Ollama's done_reason: `stop`, or `length` when num_predict cut the reply. */
  doneReason: string | undefined;
  /** True when the reply passed maxChars and the stream was stopped. */
  overflow: boolean;
  promptTokens?: number;
  replyTokens?: number;
  durationMs: number;
}

/**
 * An Ollama client whose every request also ends when `signal` fires. Error answers that are not
 * JSON (a proxy's HTML page) are rewrapped as `{error}` JSON, which the client reads without
 * printing to stdout.
 */
export function ollamaClient(host: string, signal?: AbortSignal): Ollama {
  const boundFetch: typeof fetch = async (input, init) => {
    const signals = [init?.signal, signal].filter((s): s is AbortSignal => s !== undefined && s !== null);
    const response = await fetch(input, { ...init, signal: signals.length > 0 ? AbortSignal.any(signals) : undefined });
    if (response.ok || response.headers.get('content-type')?.includes('application/json')) return response;
    const text = (await response.text().catch(() => '')).slice(0, 2000).trim();
    const error = text || `HTTP ${response.status} ${response.statusText}`.trim();
    return new Response(JSON.stringify({ error }), { status: response.status, statusText: response.statusText, headers: { 'content-type': 'application/json' } });
  };
  return new Ollama({ host, fetch: boundFetch });
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : '';
  return causeText && !err.message.includes(causeText) ? `${err.message} (${causeText})` : err.message;
}

/**
 * Server errors that no retry can fix, with what to do instead. Ollama answers them with HTTP 500
 * like a crash, so they are told apart by their text.
 */
const PERMANENT_SERVER_ERRORS: ReadonlyArray<{ pattern: RegExp; advice: string }> = [
  {
    pattern: /loras are not yet implemented/i,
    advice:
      'This architecture runs on Ollama\'s newer engine, which does not load LoRA adapters: serve the fine-tuned weights merged into the base (GGUF), or fine-tune a Llama or Gemma 2 base.',
  },
  { pattern: /unsupported architecture|unknown model architecture/i, advice: 'Ollama does not support this model architecture; use a supported base model.' },
  { pattern: /does not support (chat|generate|completion|tools|thinking)/i, advice: 'The model cannot serve this request type.' },
  { pattern: /model requires more system memory/i, advice: 'The machine has too little memory for this model; use a smaller model or quantization.' },
  { pattern: /invalid file magic|unable to load model/i, advice: 'The model files are unusable; re-create or re-pull the model.' },
];

/** The advice for an error text that retrying cannot fix, or undefined when it may be transient. */
export function permanentServerError(message: string): string | undefined {
  return PERMANENT_SERVER_ERRORS.find((e) => e.pattern.test(message))?.advice;
}

/** Maps a failure of the Ollama client to a PolicyError; the signal's reason wins when it fired. */
export function ollamaFailure(err: unknown, host: string, model: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof PolicyError) return err;
  const status = typeof err === 'object' && err !== null && 'status_code' in err && typeof err.status_code === 'number' ? err.status_code : undefined;
  const message = errorText(err);
  if (status === 404) {
    return new PolicyError('model-missing', `model ${model} is not available on OLLAMA_HOST (${host}); run: ollama pull ${model}`, { cause: err });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new PolicyError('policy-failed', `Ollama at ${host} rejected the request for ${model} (HTTP ${status}): ${message}`, { cause: err });
  }
  const permanent = permanentServerError(message);
  if (permanent !== undefined) {
    return new PolicyError('policy-failed', `Ollama at ${host} cannot run ${model}: ${message}. ${permanent}`, { cause: err });
  }
  const what = status !== undefined ? `HTTP ${status}: ${message}` : message;
  return new PolicyError('model-unavailable', `Ollama at ${host} failed for ${model}: ${what}`, { cause: err });
}

export async function streamChat(request: ChatCallRequest): Promise<ChatCallResult> {
  const started = Date.now();
  const { host, model, signal } = request;
  if (signal.aborted) throw signal.reason;
  const client = ollamaClient(host, signal);
  let text = '';
  let doneReason: string | undefined;
  let overflow = false;
  let promptTokens: number | undefined;
  let replyTokens: number | undefined;
  try {
    const stream = await client.chat({
      model,
      messages: request.messages,
      stream: true,
      options: request.options,
      ...(request.format !== undefined ? { format: request.format } : {}),
    });
    try {
      for await (const part of stream) {
        text += part.message?.content ?? '';
        if (text.length > request.maxChars) {
          text = text.slice(0, request.maxChars);
          overflow = true;
          stream.abort();
          break;
        }
        if (part.done) {
          doneReason = part.done_reason;
          promptTokens = part.prompt_eval_count;
          replyTokens = part.eval_count;
        }
      }
    } finally {
      if (!overflow && doneReason === undefined) stream.abort();
    }
  } catch (err) {
    throw ollamaFailure(err, host, model, signal);
  }
  return { text, doneReason, overflow, promptTokens, replyTokens, durationMs: Date.now() - started };
}
