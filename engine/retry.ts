// Activity retry policy: defaults as Temporal fills them in, and the decision whether and when to retry.
import { api, durationMs, msDuration, type Failure, type RetryPolicy } from './proto';

export function normalizeRetryPolicy(p: RetryPolicy | null | undefined): RetryPolicy {
  const initialMs = durationMs(p?.initialInterval) || 1000;
  const coefficient = p?.backoffCoefficient && p.backoffCoefficient >= 1 ? p.backoffCoefficient : 2;
  const maximumMs = durationMs(p?.maximumInterval) || initialMs * 100;
  return {
    initialInterval: msDuration(initialMs),
    backoffCoefficient: coefficient,
    maximumInterval: msDuration(maximumMs),
    maximumAttempts: p?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: p?.nonRetryableErrorTypes ?? [],
  };
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; retryState: number };

const { RETRY_STATE_NON_RETRYABLE_FAILURE, RETRY_STATE_TIMEOUT, RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED } =
  api.enums.v1.RetryState;

/** Decides the next attempt after `attempt` failed with `failure`, given the schedule-to-close deadline (0 = none). */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  failure: Failure | undefined,
  nowMs: number,
  deadlineMs: number,
): RetryDecision {
  const app = failure?.applicationFailureInfo;
  // A server failure marked non-retryable (e.g. a result over the size limit) ends the activity too.
  if (app?.nonRetryable || failure?.serverFailureInfo?.nonRetryable) {
    return { retry: false, retryState: RETRY_STATE_NON_RETRYABLE_FAILURE };
  }
  if (app?.type && (policy.nonRetryableErrorTypes ?? []).includes(app.type)) {
    return { retry: false, retryState: RETRY_STATE_NON_RETRYABLE_FAILURE };
  }
  const maxAttempts = policy.maximumAttempts ?? 0;
  if (maxAttempts > 0 && attempt >= maxAttempts)
    return { retry: false, retryState: RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED };
  const initialMs = durationMs(policy.initialInterval) || 1000;
  const maximumMs = durationMs(policy.maximumInterval) || initialMs * 100;
  let delayMs = Math.min(initialMs * Math.pow(policy.backoffCoefficient ?? 2, attempt - 1), maximumMs);
  const explicit = durationMs(app?.nextRetryDelay);
  if (explicit > 0) delayMs = explicit;
  if (deadlineMs > 0 && nowMs + delayMs >= deadlineMs) return { retry: false, retryState: RETRY_STATE_TIMEOUT };
  return { retry: true, delayMs };
}
