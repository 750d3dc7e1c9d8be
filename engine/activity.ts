// The activity state machine (scheduled -> started -> backoff | closed; see fsm.ts): the two commands that
// drive it from a workflow (ScheduleActivityTask, RequestCancelActivityTask), handing an attempt to a
// poller, heartbeats, completion, failure with the retry policy, timeouts and the wake-up after a backoff.
import { randomUUID } from 'node:crypto';
import type { Engine, PollActivityTaskResponse, PollerInfo } from './engine';
import { notFound } from './errors';
import { activityMachine } from './fsm';
import {
  api,
  durationMs,
  encodeFailure,
  EventType,
  int64,
  msDuration,
  msTimestamp,
  num,
  type Failure,
  type HistoryEvent,
  type Payloads,
  type T,
} from './proto';
import { blobExceeds, failureBytes, FailureReason, payloadsBytes, serverFailure } from './limits';
import { decideRetry, normalizeRetryPolicy } from './retry';
import { isOpen, type ActivityState, type Run } from './state';
import { encodeToken, type ActivityTaskToken } from './tokens';
import { handOut } from './workflow-task';

const TimeoutType = api.enums.v1.TimeoutType;
const RetryState = api.enums.v1.RetryState;

export class ActivityLifecycle {
  constructor(private readonly e: Engine) {}

  /** ScheduleActivityTask: timeouts default the way Temporal fills them in. */
  schedule(run: Run, a: T.api.command.v1.IScheduleActivityTaskCommandAttributes, wtc: ReturnType<typeof int64>): void {
    let s2c = durationMs(a.scheduleToCloseTimeout);
    let s2s = durationMs(a.scheduleToStartTimeout);
    let stc = durationMs(a.startToCloseTimeout);
    if (s2c <= 0) s2c = run.runTimeoutMs;
    if (stc <= 0) stc = s2c;
    if (s2s <= 0) s2s = s2c;
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
        activityTaskScheduledEventAttributes: {
          activityId: a.activityId ?? '',
          activityType: a.activityType ?? null,
          taskQueue: {
            name: a.taskQueue?.name || run.taskQueue,
            kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
          },
          header: a.header ?? null,
          input: a.input ?? null,
          // Zero means no limit; the durations are always present, as workers expect.
          scheduleToCloseTimeout: msDuration(Math.max(0, s2c)),
          scheduleToStartTimeout: msDuration(Math.max(0, s2s)),
          startToCloseTimeout: msDuration(Math.max(0, stc)),
          heartbeatTimeout: a.heartbeatTimeout ?? msDuration(0),
          workflowTaskCompletedEventId: wtc,
          retryPolicy: normalizeRetryPolicy(a.retryPolicy),
          priority: a.priority ?? null,
        },
      }),
    ]);
  }

  /**
   * RequestCancelActivityTask: a running activity learns of it through its heartbeat; one not running
   * anywhere is cancelled at once. True when the workflow needs a new task.
   */
  requestCancel(
    run: Run,
    a: T.api.command.v1.IRequestCancelActivityTaskCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): boolean {
    const sid = num(a.scheduledEventId);
    const act = run.activities.get(sid);
    if (!act || act.phase === 'closed') return false;
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
        activityTaskCancelRequestedEventAttributes: {
          scheduledEventId: int64(sid),
          workflowTaskCompletedEventId: wtc,
        },
      }),
    ]);
    if (act.phase === 'started') return false;
    const cancelRequestedId = run.history.length;
    this.e.alarms.disarmActivity(act);
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
        activityTaskCanceledEventAttributes: {
          scheduledEventId: int64(sid),
          latestCancelRequestedEventId: int64(cancelRequestedId),
          startedEventId: int64(0),
          identity,
        },
      }),
    ]);
    return true;
  }

  /** Hands the given attempt to a poller, unless it is no longer the one waiting. */
  start(run: Run, act: ActivityState, attempt: number, poller: PollerInfo): PollActivityTaskResponse | null {
    if (
      !isOpen(run) ||
      run.activities.get(act.scheduledEventId) !== act ||
      act.phase !== 'scheduled' ||
      act.attempt !== attempt
    )
      return null;
    return handOut(
      () =>
        this.e.mutate(() => {
          act.rt.queued = false;
          act.phase = activityMachine(act.phase, 'start');
          act.startedTimeMs = Date.now();
          act.startedIdentity = poller.identity;
          act.lastHeartbeatMs = 0;
          const stc = durationMs(act.attrs.startToCloseTimeout);
          if (stc > 0)
            this.e.alarms.arm(act.rt, act.startedTimeMs + stc, () =>
              this.timeout(run, act, attempt, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE),
            );
          this.armHeartbeat(run, act);
          const a = act.attrs;
          const token: ActivityTaskToken = {
            k: 'a',
            ns: run.namespace,
            wf: run.workflowId,
            run: run.runId,
            sid: act.scheduledEventId,
            att: attempt,
          };
          return {
            taskToken: encodeToken(token),
            workflowNamespace: run.namespace,
            workflowType: { name: run.workflowType },
            workflowExecution: { workflowId: run.workflowId, runId: run.runId },
            activityType: a.activityType ?? null,
            activityId: a.activityId ?? '',
            header: a.header ?? null,
            input: a.input ?? null,
            heartbeatDetails: act.heartbeatDetails ?? null,
            scheduledTime: msTimestamp(act.scheduledTimeMs),
            currentAttemptScheduledTime: msTimestamp(act.currentAttemptScheduledMs),
            startedTime: msTimestamp(act.startedTimeMs),
            attempt,
            scheduleToCloseTimeout: a.scheduleToCloseTimeout ?? null,
            startToCloseTimeout: a.startToCloseTimeout ?? null,
            heartbeatTimeout: a.heartbeatTimeout ?? null,
            retryPolicy: a.retryPolicy ?? null,
            priority: a.priority ?? null,
          };
        }).result,
    );
  }

  private armHeartbeat(run: Run, act: ActivityState): void {
    const hb = durationMs(act.attrs.heartbeatTimeout);
    if (hb <= 0) return;
    const attempt = act.attempt;
    const since = act.lastHeartbeatMs || act.startedTimeMs;
    this.e.alarms.arm(act.rt, since + hb, () => {
      if (act.phase !== 'started' || act.attempt !== attempt) return;
      const last = act.lastHeartbeatMs || act.startedTimeMs;
      if (Date.now() - last >= hb - 1) this.timeout(run, act, attempt, TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
      else this.armHeartbeat(run, act);
    });
  }

  /** The pending activity a token names; a token from before an engine restart still matches its attempt. */
  find(t: ActivityTaskToken): { run: Run; act: ActivityState } {
    const run = this.e.tryFindRun(t.ns, t.wf, t.run);
    const act = run?.activities.get(t.sid);
    if (
      !run ||
      !isOpen(run) ||
      !act ||
      act.attempt !== t.att ||
      (act.phase !== 'started' && act.phase !== 'scheduled')
    ) {
      throw notFound('activity task not found');
    }
    return { run, act };
  }

  private startedEventFor(act: ActivityState, identity: string): HistoryEvent {
    return this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
      activityTaskStartedEventAttributes: {
        scheduledEventId: int64(act.scheduledEventId),
        identity: identity || act.startedIdentity,
        requestId: randomUUID(),
        attempt: act.attempt,
        lastFailure: act.lastFailure ?? null,
      },
    });
  }

  complete(t: ActivityTaskToken, result: Payloads | null | undefined, identity: string): void {
    if (blobExceeds(payloadsBytes(result), this.e.limits, 'RespondActivityTaskCompleted', this.e.warnBlob)) {
      // Temporal records an oversized result as a non-retryable failure of the attempt.
      this.fail(t, serverFailure(FailureReason.completeResult, true), identity);
      return;
    }
    const { run, act } = this.find(t);
    this.e.alarms.disarmActivity(act);
    act.phase = activityMachine(act.phase, 'close');
    this.e.add(run, [
      this.startedEventFor(act, identity),
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, {
        activityTaskCompletedEventAttributes: {
          result: result ?? null,
          scheduledEventId: int64(act.scheduledEventId),
          identity,
        },
      }),
    ]);
  }

  canceled(t: ActivityTaskToken, details: Payloads | null | undefined, identity: string): void {
    if (blobExceeds(payloadsBytes(details), this.e.limits, 'RespondActivityTaskCanceled', this.e.warnBlob)) {
      this.fail(t, serverFailure(FailureReason.cancelDetails, true), identity);
      return;
    }
    const { run, act } = this.find(t);
    this.e.alarms.disarmActivity(act);
    act.phase = activityMachine(act.phase, 'close');
    this.e.add(run, [
      this.startedEventFor(act, identity),
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
        activityTaskCanceledEventAttributes: {
          details: details ?? null,
          scheduledEventId: int64(act.scheduledEventId),
          identity,
        },
      }),
    ]);
  }

  fail(
    t: ActivityTaskToken,
    failure: Failure | null | undefined,
    identity: string,
    lastHeartbeat?: Payloads | null,
  ): void {
    if (blobExceeds(failureBytes(failure), this.e.limits, 'RespondActivityTaskFailed', this.e.warnBlob)) {
      failure = serverFailure(FailureReason.failure, true, { message: (failure?.message ?? '').slice(0, 1024) });
    }
    const { run, act } = this.find(t);
    if (lastHeartbeat?.payloads?.length) act.heartbeatDetails = lastHeartbeat;
    this.retryOrClose(run, act, failure ?? { message: 'activity failed' }, identity, (retryState) =>
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, {
        activityTaskFailedEventAttributes: {
          failure: failure ?? null,
          scheduledEventId: int64(act.scheduledEventId),
          identity,
          retryState,
        },
      }),
    );
  }

  heartbeat(t: ActivityTaskToken, details: Payloads | null | undefined): { cancelRequested: boolean } {
    const { run, act } = this.find(t);
    if (!isOpen(run)) throw notFound('activity task not found');
    if (blobExceeds(payloadsBytes(details), this.e.limits, 'RecordActivityTaskHeartbeat', this.e.warnBlob)) {
      // As Temporal: the attempt fails at once, and the worker is told to stop.
      this.e.mutate(() => this.fail(t, serverFailure(FailureReason.heartbeat, true), act.startedIdentity));
      return { cancelRequested: true };
    }
    act.lastHeartbeatMs = Date.now();
    if (details) act.heartbeatDetails = details;
    return { cancelRequested: act.cancelRequested };
  }

  timeout(run: Run, act: ActivityState, attempt: number, timeoutType: number): void {
    if (!isOpen(run) || run.activities.get(act.scheduledEventId) !== act || act.phase === 'closed') return;
    const isDeadline = timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE;
    if (!isDeadline && (act.attempt !== attempt || act.phase !== 'started')) return;
    const failure: Failure = {
      message: `activity ${api.enums.v1.TimeoutType[timeoutType]?.replace('TIMEOUT_TYPE_', '') ?? 'timeout'} timeout`,
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: act.heartbeatDetails ?? null },
    };
    const closeEvent = (retryState: number): HistoryEvent =>
      this.e.event(EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, {
        activityTaskTimedOutEventAttributes: {
          failure: { ...failure, cause: act.lastFailure ?? null },
          scheduledEventId: int64(act.scheduledEventId),
          retryState,
        },
      });
    if (isDeadline) {
      this.close(run, act, closeEvent(RetryState.RETRY_STATE_TIMEOUT), '');
      return;
    }
    this.retryOrClose(run, act, failure, act.startedIdentity, closeEvent);
  }

  private close(run: Run, act: ActivityState, closeEvent: HistoryEvent, identity: string): void {
    this.e.alarms.disarmActivity(act);
    const wasStarted = act.phase === 'started';
    act.phase = activityMachine(act.phase, 'close');
    this.e.add(run, wasStarted ? [this.startedEventFor(act, identity), closeEvent] : [closeEvent]);
  }

  private retryOrClose(
    run: Run,
    act: ActivityState,
    failure: Failure,
    identity: string,
    closeEvent: (retryState: number) => HistoryEvent,
  ): void {
    const s2c = durationMs(act.attrs.scheduleToCloseTimeout);
    const now = Date.now();
    const decision = decideRetry(
      act.attrs.retryPolicy ?? normalizeRetryPolicy(null),
      act.attempt,
      failure,
      now,
      s2c > 0 ? act.scheduledTimeMs + s2c : 0,
    );
    if (!decision.retry) {
      this.close(run, act, closeEvent(decision.retryState), identity);
      return;
    }
    this.e.alarms.disarm(act.rt);
    act.phase = activityMachine(act.phase, 'retry');
    act.attempt += 1;
    act.retryAtMs = now + decision.delayMs;
    act.lastFailure = failure;
    this.e.record({
      k: 'act',
      ns: run.namespace,
      wf: run.workflowId,
      run: run.runId,
      sid: act.scheduledEventId,
      attempt: act.attempt,
      retryAt: act.retryAtMs,
      failure: encodeFailure(failure),
    });
    this.e.touch(run);
  }

  /** The backoff is over: the next attempt goes back to the queue. */
  wake(run: Run, act: ActivityState): void {
    if (!isOpen(run) || run.activities.get(act.scheduledEventId) !== act || act.phase !== 'backoff') return;
    act.phase = activityMachine(act.phase, 'wake');
    act.currentAttemptScheduledMs = Date.now();
    act.rt.queued = false;
    this.e.touch(run);
  }
}
