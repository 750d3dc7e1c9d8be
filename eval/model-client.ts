// Asks an Ollama model one evaluation query through the players' Ollama client (streamed chat,
// the same option names, retries of transient failures), and guards the context: Ollama silently
// drops the start of a prompt that does not fit num_ctx, which would turn into a wrong answer.
import { streamChat, type ChatCallResult } from '../actors/policies/ollama/chat';
import { DEFAULT_BACKOFF, withBackoff, type BackoffOptions } from '../actors/policies/ollama/retry';
import type { ChatMessage } from '../game/types';
import type { QuerySampling } from './benchmarks';

export class ContextOverflowError extends Error {
  readonly code = 'context-overflow';
  constructor(message: string) {
    super(message);
    this.name = 'ContextOverflowError';
  }
}

// Tokens a chat template adds around each message and before the reply (role markers, BOS).
const templateTokensPerMessage = 32;
const templateTokens = 16;

/**
 * A bound on the tokens the prompt and the reply can take: byte-level BPE and byte-fallback
 * tokenizers never make more tokens than the text has UTF-8 bytes, so a query within this bound
 * cannot be truncated.
 */
export function contextBound(messages: ChatMessage[], numPredict: number): number {
  const promptBytes = messages.reduce(
    (sum, m) => sum + Buffer.byteLength(m.content, 'utf8') + templateTokensPerMessage,
    0,
  );
  return promptBytes + templateTokens + numPredict;
}

export interface ModelReply {
  text: string;
  doneReason: string | null;
  promptTokens: number | null;
  replyTokens: number | null;
}

export interface AskOptions {
  host: string;
  model: string;
  messages: ChatMessage[];
  sampling: QuerySampling;
  signal: AbortSignal;
  backoff?: BackoffOptions;
  /** Names the query in errors, e.g. `identifier-swap row-12 order 1`. */
  label: string;
}

// A reply past this many characters is cut; far beyond any answer these benchmarks ask for.
const maxReplyChars = 200_000;

export async function askModel(options: AskOptions): Promise<ModelReply> {
  const { sampling } = options;
  const result: ChatCallResult = await withBackoff(
    () =>
      streamChat({
        host: options.host,
        model: options.model,
        messages: options.messages,
        options: {
          temperature: sampling.temperature,
          num_predict: sampling.numPredict,
          num_ctx: sampling.numCtx,
          seed: sampling.seed,
        },
        signal: options.signal,
        maxChars: maxReplyChars,
      }),
    options.signal,
    options.backoff ?? DEFAULT_BACKOFF,
  );
  // The server's own count: a prompt and reply that filled the window mean the context was cut.
  const used = (result.promptTokens ?? 0) + (result.replyTokens ?? 0);
  if (used >= sampling.numCtx) {
    throw new ContextOverflowError(
      `${options.label}: the prompt and reply filled the context window (${result.promptTokens ?? '?'} prompt + ${result.replyTokens ?? '?'} reply tokens, num_ctx ${sampling.numCtx}); ` +
        `Ollama cuts such prompts, so the answer is not recorded; rerun with a larger --num-ctx`,
    );
  }
  return {
    text: result.text,
    doneReason: result.doneReason ?? null,
    promptTokens: result.promptTokens ?? null,
    replyTokens: result.replyTokens ?? null,
  };
}
