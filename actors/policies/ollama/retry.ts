// Retries transient model-server failures with exponential backoff and jitter, giving up early
// when the signal fires (deadline or cancel) or when a failure is final.
import { ActorError } from '../../errors';

export interface BackoffOptions {
  /** Attempts in all, including the first. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { attempts: 4, initialDelayMs: 250, maxDelayMs: 4_000 };

function isTransient(err: unknown): boolean {
  return err instanceof ActorError && err.retryable && err.code === 'model-unavailable';
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withBackoff<T>(
  fn: (attempt: number) => Promise<T>,
  signal: AbortSignal,
  options: BackoffOptions = DEFAULT_BACKOFF,
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (!isTransient(err) || attempt >= options.attempts) throw err;
      const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(base * (0.5 + Math.random() / 2));
      onRetry?.(attempt, err, delay);
      await pause(delay, signal);
    }
  }
}
