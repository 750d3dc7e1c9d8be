// Caller side of the actors: sends a request envelope to the role's queue group and waits for the
// reply, watching the replica's heartbeats. No responders, a replica gone silent (killed, or the
// NATS server restarted) and retryable error replies are retried with backoff until the deadline;
// final error replies are thrown at once as ActorRequestError.
import { randomUUID } from 'node:crypto';
import { createInbox, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from '../lib/log';
import { silentLogger } from '../lib/log';
import { ActorError, ActorRequestError, ActorTimeoutError, ActorUnavailableError } from './errors';
import {
  ENVELOPE_VERSION,
  HEARTBEAT_HEADER,
  attackResponseSchema,
  cancelSubject,
  decodeJson,
  encodeJson,
  errorResponseSchema,
  proposeResponseSchema,
  requestSubject,
  type ActorRole,
  type AttackCall,
  type AttackResponse,
  type ProposeCall,
  type ProposeResponse,
} from './envelopes';

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts in all, including the first. */
  maxAttempts: number;
}

export interface ActorClientOptions {
  log?: Logger;
  /** Time budget of a call that gives neither timeoutMs nor deadline, ms. */
  defaultTimeoutMs?: number;
  /** How often replicas should send heartbeats while working, ms. */
  heartbeatMs?: number;
  /** A replica that sends nothing for this long is taken for dead and the request is retried, ms. */
  silenceMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface CallOptions {
  /** Budget for the whole call, retries included, ms. */
  timeoutMs?: number;
  /** Absolute deadline, epoch ms; wins over timeoutMs. */
  deadline?: number;
  signal?: AbortSignal;
  /** Keeps the same id across retries and in logs; random when omitted. */
  requestId?: string;
  /** Called on each sign of life from the replica (e.g. to heartbeat a Temporal activity). */
  onProgress?: () => void;
}

const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 50 };

interface Pending {
  onMessage(msg: Msg): void;
}

/** Attempts ended by the call's own deadline, as opposed to a failure seen before it. */
const cutShortByDeadline = new WeakSet<Error>();

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class ActorClient {
  private readonly log: Logger;
  private readonly inboxPrefix: string;
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly retry: RetryPolicy;
  private readonly heartbeatMs: number;
  private readonly silenceMs: number;
  private readonly defaultTimeoutMs: number;
  private tokenCounter = 0;

  constructor(
    private readonly nc: NatsConnection,
    options: ActorClientOptions = {},
  ) {
    this.log = options.log ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.heartbeatMs = options.heartbeatMs ?? 1_000;
    this.silenceMs = options.silenceMs ?? Math.max(3 * this.heartbeatMs, 2_000);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 10 * 60_000;
    this.inboxPrefix = createInbox();
    // One wildcard subscription for all replies and heartbeats of this client.
    this.subscription = nc.subscribe(`${this.inboxPrefix}.*`, {
      callback: (err, msg) => {
        if (err) return;
        const token = msg.subject.slice(this.inboxPrefix.length + 1);
        this.pending.get(token)?.onMessage(msg);
      },
    });
  }

  propose(call: ProposeCall, options: CallOptions = {}): Promise<ProposeResponse> {
    return this.call('generator', call, options, (body) => proposeResponseSchema.safeParse(body));
  }

  attack(call: AttackCall, options: CallOptions = {}): Promise<AttackResponse> {
    return this.call('evaluator', call, options, (body) => attackResponseSchema.safeParse(body));
  }

  /** Stops listening for replies; calls still waiting fail. The connection stays open. */
  close(): void {
    this.subscription.unsubscribe();
  }

  private async call<T extends { requestId: string }>(
    role: ActorRole,
    call: ProposeCall | AttackCall,
    options: CallOptions,
    validate: (body: unknown) => { success: true; data: T } | { success: false; error: { message: string } },
  ): Promise<T> {
    const deadline = options.deadline ?? Date.now() + (options.timeoutMs ?? this.defaultTimeoutMs);
    const requestId = options.requestId ?? randomUUID();
    const subject = requestSubject(role, call.policy);
    const data = encodeJson({ ...call, v: ENVELOPE_VERSION, requestId, deadline, heartbeatMs: this.heartbeatMs });
    const log = this.log.child({ requestId, role, policy: call.policy });
    let lastError: ActorError | undefined;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw new ActorError('cancelled', 'cancelled by the caller', { cause: options.signal.reason });
      if (this.nc.isClosed()) throw new ActorError('connection', 'NATS connection is closed', { retryable: false, cause: lastError });
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new ActorTimeoutError(`no reply within the deadline after ${attempt - 1} attempt(s)${lastError ? `; last error: ${lastError.message}` : ''}`, {
          cause: lastError,
        });
      }
      try {
        return await this.attempt(role, subject, data, requestId, deadline, options, validate);
      } catch (err) {
        if (!(err instanceof ActorError) || !err.retryable) throw err;
        // An attempt cut short by the deadline says less than the failure before it (say, nobody serving the subject).
        const cutByDeadline = cutShortByDeadline.has(err);
        if (!cutByDeadline || !lastError) lastError = err;
        if (attempt >= this.retry.maxAttempts || cutByDeadline) {
          if (lastError === err) throw err;
          throw new ActorTimeoutError(`no reply within the deadline after ${attempt} attempt(s); last error: ${lastError.message}`, { cause: lastError });
        }
        const base = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
        const delay = Math.min(base * (0.5 + Math.random() / 2), Math.max(0, deadline - Date.now()));
        log.info({ attempt, code: err.code, message: err.message, delayMs: Math.round(delay) }, 'retrying actor request');
        try {
          await sleep(delay, options.signal);
        } catch (reason) {
          throw new ActorError('cancelled', 'cancelled by the caller', { cause: reason });
        }
      }
    }
  }

  private attempt<T>(
    role: ActorRole,
    subject: string,
    data: Uint8Array,
    requestId: string,
    deadline: number,
    options: CallOptions,
    validate: (body: unknown) => { success: true; data: T } | { success: false; error: { message: string } },
  ): Promise<T> {
    const signal = options.signal;
    return new Promise<T>((resolve, reject) => {
      const token = `${(this.tokenCounter++).toString(36)}`;
      let silenceTimer: NodeJS.Timeout | undefined;
      let heardFromReplica = false;
      const finish = (outcome: { value: T } | { error: ActorError }): void => {
        this.pending.delete(token);
        clearTimeout(deadlineTimer);
        clearTimeout(silenceTimer);
        signal?.removeEventListener('abort', onAbort);
        if ('value' in outcome) resolve(outcome.value);
        else reject(outcome.error);
      };
      const armSilence = (): void => {
        clearTimeout(silenceTimer);
        silenceTimer = setTimeout(
          () =>
            finish({
              error: new ActorUnavailableError(
                heardFromReplica ? `the replica working on ${requestId} went silent for ${this.silenceMs} ms` : `no replica acknowledged ${requestId} within ${this.silenceMs} ms`,
              ),
            }),
          this.silenceMs,
        );
      };
      const onAbort = (): void => {
        this.publishCancel(role, requestId);
        finish({ error: new ActorError('cancelled', 'cancelled by the caller', { cause: signal?.reason }) });
      };
      const deadlineTimer = setTimeout(() => {
        this.publishCancel(role, requestId);
        const error = new ActorTimeoutError(`no reply to ${requestId} before the deadline`);
        cutShortByDeadline.add(error);
        finish({ error });
      }, Math.max(0, deadline - Date.now()));

      this.pending.set(token, {
        onMessage: (msg) => {
          const headers = msg.headers;
          if (headers?.code === 503) {
            finish({ error: new ActorUnavailableError(`no actor is serving ${subject}`) });
            return;
          }
          if (headers?.has(HEARTBEAT_HEADER)) {
            heardFromReplica = true;
            armSilence();
            try {
              options.onProgress?.();
            } catch (err) {
              this.log.warn({ err, requestId }, 'progress callback failed');
            }
            return;
          }
          finish(this.decodeReply(msg, validate));
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      armSilence();
      try {
        this.nc.publish(subject, data, { reply: `${this.inboxPrefix}.${token}` });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const tooLarge = /max_payload|MAX_PAYLOAD/i.test(message) || (err as { code?: string }).code === 'MAX_PAYLOAD_EXCEEDED';
        finish({ error: tooLarge ? new ActorRequestError('too-large', `request of ${data.length} bytes is too large: ${message}`) : new ActorError('connection', message, { cause: err }) });
      }
    });
  }

  private decodeReply<T>(
    msg: Msg,
    validate: (body: unknown) => { success: true; data: T } | { success: false; error: { message: string } },
  ): { value: T } | { error: ActorError } {
    const body = decodeJson(msg.data);
    if (typeof body === 'object' && body !== null && 'ok' in body && body.ok === false) {
      const parsed = errorResponseSchema.safeParse(body);
      if (parsed.success) {
        const { code, message, retryable } = parsed.data.error;
        return { error: new ActorRequestError(code, message, { retryable }) };
      }
    }
    const parsed = validate(body);
    if (parsed.success) return { value: parsed.data };
    const serviceError = msg.headers?.get('Nats-Service-Error');
    if (serviceError) return { error: new ActorRequestError('policy-failed', `actor error: ${serviceError}`) };
    return { error: new ActorRequestError('bad-reply', `reply does not match the response envelope: ${parsed.error.message.slice(0, 500)}`) };
  }

  private publishCancel(role: ActorRole, requestId: string): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(cancelSubject(role), encodeJson({ requestId }));
    } catch {
      // best effort: the actor's own deadline stops the work anyway
    }
  }
}
