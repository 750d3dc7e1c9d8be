// Typed errors of the actor layer. Each has a string code and says whether retrying can help:
// a missing replica, a timeout or an unreachable model may pass; a malformed request will not.
// `classifyActorError` turns any thrown value into plain data that Temporal activities can map
// to ApplicationFailure (nonRetryable when `retryable` is false).

export const actorErrorCodes = [
  /** The request envelope failed validation. */
  'bad-request',
  /** The request named a policy this actor does not serve. */
  'wrong-policy',
  /** A request or reply over the size limit. */
  'too-large',
  /** The model is not present on the model server (needs a pull); retrying will not help. */
  'model-missing',
  /** The model server refused or reset the connection, or answered 5xx. */
  'model-unavailable',
  /** The deadline passed before the policy finished. */
  'timeout',
  /** No actor answered: none is running for this policy, or a replica died mid-request. */
  'no-responders',
  /** The actor's queue is full. */
  'busy',
  /** The actor is shutting down. */
  'shutting-down',
  /** The caller cancelled the request. */
  'cancelled',
  /** The policy threw something the actor did not expect (a bug or bad task); retrying will not help. */
  'policy-failed',
  /** The reply did not match the response envelope. */
  'bad-reply',
  /** The NATS connection was closed or is draining. */
  'connection',
] as const;

export type ActorErrorCode = (typeof actorErrorCodes)[number];

const retryableCodes: ReadonlySet<ActorErrorCode> = new Set<ActorErrorCode>([
  'model-unavailable',
  'timeout',
  'no-responders',
  'busy',
  'shutting-down',
  'connection',
]);

export function isRetryableCode(code: ActorErrorCode): boolean {
  return retryableCodes.has(code);
}

/** Plain-data form of an actor error, safe to log, serialize or hand to Temporal. */
export interface ActorErrorInfo {
  code: ActorErrorCode;
  message: string;
  retryable: boolean;
}

export class ActorError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: ActorErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ActorError';
    this.retryable = options?.retryable ?? isRetryableCode(code);
  }

  info(): ActorErrorInfo {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** No replica answered, or the one that took the request went silent. Retryable. */
export class ActorUnavailableError extends ActorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('no-responders', message, options);
    this.name = 'ActorUnavailableError';
  }
}

/** The deadline passed. Retryable (a later attempt may get a faster replica or model). */
export class ActorTimeoutError extends ActorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('timeout', message, options);
    this.name = 'ActorTimeoutError';
  }
}

/** The actor answered with an error; `retryable` follows its code. */
export class ActorRequestError extends ActorError {
  constructor(code: ActorErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(code, message, options);
    this.name = 'ActorRequestError';
  }
}

/** Thrown by policies for failures with a known meaning (model missing, model server down). */
export class PolicyError extends ActorError {
  constructor(code: ActorErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(code, message, options);
    this.name = 'PolicyError';
  }
}

export function classifyActorError(err: unknown): ActorErrorInfo {
  if (err instanceof ActorError) return err.info();
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: 'cancelled', message: err.message || 'cancelled', retryable: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'policy-failed', message, retryable: false };
}
