// One actor replica: a NATS service (services API: name, version, endpoint, stats, discovery) that
// serves one policy for one role. Endpoints sit in an explicit queue group so that a request reaches
// exactly one replica. Each request gets a deadline timer, heartbeats to the caller while it runs,
// a slot from the replica's concurrency limit, and an AbortSignal that fires on deadline, on the
// caller's cancel notice, or at shutdown.
import { hostname } from 'node:os';
import { headers as natsHeaders, type NatsConnection, type Service, type ServiceMsg, type Subscription } from 'nats';
import type { Logger } from '../lib/log';
import { silentLogger } from '../lib/log';
import type { Sandbox } from '../sandbox/api';
import {
  ActorError,
  ActorTimeoutError,
  classifyActorError,
  type ActorErrorCode,
  type ActorErrorInfo,
} from './errors';
import {
  HEARTBEAT_HEADER,
  attackRequestSchema,
  cancelSchema,
  cancelSubject,
  decodeJson,
  encodeJson,
  endpointName,
  errorResponse,
  policySubjectToken,
  proposeRequestSchema,
  requestSubject,
  serviceStatusCode,
  ENVELOPE_VERSION,
  type ActorIdentity,
  type ActorRole,
  type AttackResponse,
  type ProposeResponse,
} from './envelopes';
import type { EvaluatorPolicy, GeneratorPolicy, PolicyContext } from './policies/types';
import { Semaphore, SemaphoreFullError } from './semaphore';

export const ACTOR_SERVICE_VERSION = '0.1.0';

export type ActorBinding =
  | { role: 'generator'; spec: string; policy: GeneratorPolicy }
  | { role: 'evaluator'; spec: string; policy: EvaluatorPolicy };

export interface ActorServiceOptions {
  nc: NatsConnection;
  actor: ActorBinding;
  sandbox: Sandbox;
  /** Index of this replica within its process, for logs and discovery. */
  replica?: number;
  /** Policy calls running at once on this replica. */
  concurrency?: number;
  /** Requests waiting for a slot before new ones are refused as busy. */
  maxQueued?: number;
  /** How long stop() lets running requests finish before aborting them, ms. */
  shutdownGraceMs?: number;
  log?: Logger;
}

export interface ActorServiceCounters {
  received: number;
  completed: number;
  failed: Partial<Record<ActorErrorCode, number>>;
  inFlight: number;
  queued: number;
}

export interface ActorService {
  readonly id: string;
  readonly role: ActorRole;
  readonly policy: string;
  readonly subject: string;
  readonly identity: ActorIdentity;
  counters(): ActorServiceCounters;
  /** Stops taking requests, lets running ones finish (up to the grace period), then aborts the rest. */
  stop(): Promise<void>;
}

export function serviceName(role: ActorRole): string {
  return `sinq-${role}`;
}

export function queueGroup(role: ActorRole): string {
  return `sinq-${role}`;
}

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
  /** The request message and any retries of it that reached this replica while it ran: all get the reply. */
  callers: ServiceMsg[];
  beat(msg: ServiceMsg): void;
}

/** Aborts with this reason mean "reply with this error". */
function abortReason(code: ActorErrorCode, message: string): ActorError {
  return code === 'timeout' ? new ActorTimeoutError(message) : new ActorError(code, message);
}

function firstIssues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

export async function startActorService(options: ActorServiceOptions): Promise<ActorService> {
  const { nc, actor, sandbox } = options;
  const role = actor.role;
  const replica = options.replica ?? 0;
  const log = (options.log ?? silentLogger).child({ role, policy: actor.spec, replica });
  const slots = new Semaphore(options.concurrency ?? 4, options.maxQueued ?? 256);
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const inFlight = new Map<string, InFlight>();
  const counters: Omit<ActorServiceCounters, 'inFlight' | 'queued'> = { received: 0, completed: 0, failed: {} };
  let stopping = false;

  const service: Service = await nc.services.add({
    name: serviceName(role),
    version: ACTOR_SERVICE_VERSION,
    description: `sinq ${role} actor serving policy ${actor.spec}`,
    queue: queueGroup(role),
    metadata: { role, policy: actor.spec, replica: String(replica), host: hostname() },
    statsHandler: () => Promise.resolve({ ...snapshot() }),
  });
  const identity: ActorIdentity = { serviceId: service.info().id, replica, host: hostname(), pid: process.pid };

  function snapshot(): ActorServiceCounters {
    return { ...counters, failed: { ...counters.failed }, inFlight: inFlight.size, queued: slots.waiting };
  }

  function countFailure(code: ActorErrorCode): void {
    counters.failed[code] = (counters.failed[code] ?? 0) + 1;
  }

  function replyError(msgs: ServiceMsg | ServiceMsg[], info: ActorErrorInfo, requestId?: string): void {
    countFailure(info.code);
    const data = encodeJson(errorResponse(info, requestId, identity));
    for (const msg of Array.isArray(msgs) ? msgs : [msgs]) {
      try {
        msg.respondError(serviceStatusCode(info.code), info.message.slice(0, 500), data);
      } catch (err) {
        log.warn({ err, requestId }, 'could not send error reply');
      }
    }
  }

  function replyOk(msgs: ServiceMsg[], body: ProposeResponse | AttackResponse): void {
    const data = encodeJson(body);
    const limit = nc.info?.max_payload ?? 1024 * 1024;
    if (data.length > limit) {
      replyError(msgs, { code: 'too-large', message: `reply of ${data.length} bytes exceeds the NATS max payload of ${limit} bytes`, retryable: false }, body.requestId);
      return;
    }
    counters.completed++;
    for (const msg of msgs) {
      try {
        msg.respond(data);
      } catch (err) {
        countFailure('connection');
        log.warn({ err, requestId: body.requestId }, 'could not send reply');
      }
    }
  }

  type ResponseMeta = Pick<ProposeResponse, 'v' | 'ok' | 'requestId' | 'timings' | 'actor'>;
  interface Prepared {
    requestId: string;
    policy: string;
    deadline: number;
    heartbeatMs: number;
    /** Runs the policy; the result is completed into a response once timings are known. */
    run(context: PolicyContext): Promise<(meta: ResponseMeta) => ProposeResponse | AttackResponse>;
  }

  /** Validates a request for this replica's role and binds it to the policy. */
  function prepare(body: unknown): { ok: true; prepared: Prepared } | { ok: false; message: string } {
    const bind = (
      head: { requestId: string; policy: string; deadline: number; heartbeatMs: number },
      run: Prepared['run'],
    ): { ok: true; prepared: Prepared } => ({
      ok: true,
      prepared: { requestId: head.requestId, policy: head.policy, deadline: head.deadline, heartbeatMs: head.heartbeatMs, run },
    });
    if (actor.role === 'generator') {
      const parsed = proposeRequestSchema.safeParse(body);
      if (!parsed.success) return { ok: false, message: firstIssues(parsed.error) };
      const { requestId: _r, v: _v, policy: _p, heartbeatMs: _h, ...call } = parsed.data;
      const generator = actor.policy;
      return bind(parsed.data, async (context) => {
        const result = await generator.propose(call, context);
        return (meta) => ({ ...meta, role: 'generator', policy: actor.spec, modelVersion: result.modelVersion, prompt: result.prompt, reply: result.reply, ...(result.noPlay ? { noPlay: result.noPlay } : {}) });
      });
    }
    const parsed = attackRequestSchema.safeParse(body);
    if (!parsed.success) return { ok: false, message: firstIssues(parsed.error) };
    const { requestId: _r, v: _v, policy: _p, heartbeatMs: _h, ...call } = parsed.data;
    const evaluator = actor.policy;
    return bind(parsed.data, async (context) => {
      const result = await evaluator.attack(call, context);
      return (meta) => ({ ...meta, role: 'evaluator', policy: actor.spec, modelVersion: result.modelVersion, prompt: result.prompt, replies: result.replies });
    });
  }

  async function handle(msg: ServiceMsg): Promise<void> {
    const receivedAt = Date.now();
    counters.received++;
    const body = decodeJson(msg.data);
    const claimedId = typeof body === 'object' && body !== null && 'requestId' in body && typeof body.requestId === 'string' ? body.requestId.slice(0, 200) : undefined;
    if (body === undefined) {
      replyError(msg, { code: 'bad-request', message: 'request is not JSON', retryable: false });
      return;
    }
    const parsed = prepare(body);
    if (!parsed.ok) {
      replyError(msg, { code: 'bad-request', message: `invalid ${endpointName(role)} request: ${parsed.message}`, retryable: false }, claimedId);
      return;
    }
    const request = parsed.prepared;
    const requestId = request.requestId;
    const rlog = log.child({ requestId });
    if (request.policy !== actor.spec) {
      replyError(msg, { code: 'wrong-policy', message: `this actor serves policy '${actor.spec}', not '${request.policy}'`, retryable: false }, requestId);
      return;
    }
    if (stopping) {
      replyError(msg, { code: 'shutting-down', message: 'actor is shutting down', retryable: true }, requestId);
      return;
    }
    const running = inFlight.get(requestId);
    if (running) {
      // A retry of a request this replica is still working on (its first reply was lost, or the
      // caller thought it silent): answer it from the same run instead of starting another.
      running.callers.push(msg);
      running.beat(msg);
      rlog.info({ callers: running.callers.length }, 'retry joined the running request');
      return;
    }
    const remaining = request.deadline - receivedAt;
    if (remaining <= 0) {
      replyError(msg, { code: 'timeout', message: `deadline passed ${-remaining} ms before the request arrived`, retryable: true }, requestId);
      return;
    }

    const controller = new AbortController();
    const deadlineTimer = setTimeout(() => controller.abort(abortReason('timeout', `deadline of ${remaining} ms exceeded`)), remaining);
    const heartbeatHeaders = natsHeaders();
    heartbeatHeaders.set(HEARTBEAT_HEADER, identity.serviceId);
    const beat = (caller: ServiceMsg): void => {
      if (request.heartbeatMs > 0 && caller.reply && !nc.isClosed()) {
        try {
          nc.publish(caller.reply, undefined, { headers: heartbeatHeaders });
        } catch {
          // the final reply or the caller's timeout settles the request
        }
      }
    };
    const callers = [msg];
    const heartbeat = request.heartbeatMs > 0 ? setInterval(() => callers.forEach(beat), request.heartbeatMs) : undefined;
    beat(msg);
    let settle!: () => void;
    inFlight.set(requestId, { controller, done: new Promise<void>((resolve) => (settle = resolve)), callers, beat });

    let release: (() => void) | undefined;
    try {
      release = await slots.acquire(controller.signal);
      const startedAt = Date.now();
      const context: PolicyContext = { signal: controller.signal, log: rlog, sandbox };
      // A policy that ignores its signal still holds its slot until it returns, but the caller is answered at once.
      const work = request.run(context);
      const aborted = new Promise<never>((_, reject) => {
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      const heldRelease = release;
      release = undefined;
      void work.then(heldRelease, heldRelease);
      const complete = await Promise.race([work, aborted]);
      const finishedAt = Date.now();
      replyOk(
        callers,
        complete({
          v: ENVELOPE_VERSION,
          ok: true,
          requestId,
          timings: { receivedAt, queuedMs: startedAt - receivedAt, policyMs: finishedAt - startedAt, totalMs: finishedAt - receivedAt },
          actor: identity,
        }),
      );
      rlog.debug({ policyMs: finishedAt - startedAt }, 'request done');
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      const info =
        reason instanceof SemaphoreFullError
          ? { code: 'busy' as const, message: reason.message, retryable: true }
          : classifyActorError(reason);
      if (info.code === 'policy-failed') rlog.error({ err }, 'policy failed');
      else rlog.info({ code: info.code, message: info.message }, 'request failed');
      replyError(callers, info, requestId);
    } finally {
      release?.();
      clearTimeout(deadlineTimer);
      if (heartbeat) clearInterval(heartbeat);
      inFlight.delete(requestId);
      settle();
    }
  }

  const group = service.addGroup(`sinq.${role}.${policySubjectToken(actor.spec)}`, queueGroup(role));
  group.addEndpoint(endpointName(role), {
    metadata: { policy: actor.spec },
    handler: (err, msg) => {
      if (err) {
        log.error({ err }, 'endpoint subscription failed');
        return;
      }
      void handle(msg).catch((failure: unknown) => {
        log.error({ err: failure }, 'request handler failed');
        replyError(msg, classifyActorError(failure));
      });
    },
  });

  const cancels: Subscription = nc.subscribe(cancelSubject(role), {
    callback: (err, msg) => {
      if (err) return;
      const notice = cancelSchema.safeParse(decodeJson(msg.data));
      if (!notice.success) return;
      inFlight.get(notice.data.requestId)?.controller.abort(abortReason('cancelled', 'cancelled by the caller'));
    },
  });

  log.info({ serviceId: identity.serviceId, subject: requestSubject(role, actor.spec) }, 'actor service started');

  let stopped: Promise<void> | undefined;
  return {
    id: identity.serviceId,
    role,
    policy: actor.spec,
    subject: requestSubject(role, actor.spec),
    identity,
    counters: snapshot,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await service.stop().catch(() => undefined);
        const running = [...inFlight.values()];
        if (running.length > 0) {
          let timer: NodeJS.Timeout | undefined;
          const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
          await Promise.race([Promise.all(running.map((r) => r.done)), grace]);
          clearTimeout(timer);
          for (const r of inFlight.values()) r.controller.abort(abortReason('shutting-down', 'actor is shutting down'));
          await Promise.all([...inFlight.values()].map((r) => r.done));
        }
        cancels.unsubscribe();
        log.info({ ...snapshot() }, 'actor service stopped');
      })();
      return stopped;
    },
  };
}
