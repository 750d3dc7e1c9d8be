// The life of a workflow run: starting it (id reuse and conflict policies, request-id idempotency, eager
// start), continue-as-new, signals and cancel requests from outside, and closing it (by a command, by
// termination or by its run timeout) with what closing implies for its parent and children.
import { randomUUID } from 'node:crypto';
import type { Engine, StartOutcome, StartParams } from './engine';
import { EngineError, notFound } from './errors';
import {
  api,
  durationMs,
  EventType,
  ExecutionStatus,
  int64,
  msDuration,
  msTimestamp,
  type HistoryEvent,
  type Payloads,
  type T,
} from './proto';
import { checkBlob, payloadsBytes } from './limits';
import { isOpen, newRun, type Run } from './state';

const RetryState = api.enums.v1.RetryState;
const IdReusePolicy = api.enums.v1.WorkflowIdReusePolicy;
const IdConflictPolicy = api.enums.v1.WorkflowIdConflictPolicy;

export class RunLifecycle {
  constructor(private readonly e: Engine) {}

  start(p: StartParams): StartOutcome {
    const e = this.e;
    e.namespace(p.namespace);
    // Refused before anything is written, as Temporal's frontend and history services do.
    const operation = p.signal ? 'SignalWithStartWorkflowExecution' : 'StartWorkflowExecution';
    checkBlob(payloadsBytes(p.input), e.limits, operation, e.warnBlob);
    if (p.signal) checkBlob(payloadsBytes(p.signal.input), e.limits, operation, e.warnBlob);
    const existing = e.tryFindRun(p.namespace, p.workflowId);
    if (existing && isOpen(existing)) {
      if (p.requestId && existing.requestId === p.requestId) return { runId: existing.runId, started: true };
      if (p.signal || p.conflictPolicy === IdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
        if (p.signal) this.signal(existing, p.signal.name, p.signal.input, p.identity, p.signal.header);
        return { runId: existing.runId, started: false };
      }
      if (
        p.conflictPolicy === IdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING ||
        p.reusePolicy === IdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
      ) {
        this.terminate(existing, 'terminated by a new start with the same workflow id', p.identity);
      } else {
        throw alreadyStarted(p, existing);
      }
    } else if (existing) {
      if (p.requestId && existing.requestId === p.requestId) return { runId: existing.runId, started: true };
      const failedStatuses = [
        ExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
        ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
        ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
        ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
      ];
      if (
        p.reusePolicy === IdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
        (p.reusePolicy === IdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
          !failedStatuses.includes(existing.status))
      ) {
        throw alreadyStarted(p, existing);
      }
    }
    const runId = randomUUID();
    const now = Date.now();
    const attrs: T.api.history.v1.IWorkflowExecutionStartedEventAttributes = {
      workflowType: { name: p.workflowType },
      taskQueue: { name: p.taskQueue, kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: p.input ?? null,
      workflowExecutionTimeout: p.executionTimeoutMs ? msDuration(p.executionTimeoutMs) : null,
      workflowRunTimeout: p.runTimeoutMs ? msDuration(p.runTimeoutMs) : null,
      workflowTaskTimeout: msDuration(p.taskTimeoutMs || 10_000),
      originalExecutionRunId: runId,
      firstExecutionRunId: runId,
      identity: p.identity,
      attempt: 1,
      retryPolicy: p.retryPolicy ?? null,
      workflowExecutionExpirationTime: p.executionTimeoutMs ? msTimestamp(now + p.executionTimeoutMs) : null,
      firstWorkflowTaskBackoff: p.startDelayMs ? msDuration(p.startDelayMs) : null,
      memo: p.memo ?? null,
      searchAttributes: p.searchAttributes ?? null,
      header: p.header ?? null,
      workflowId: p.workflowId,
    };
    const signal = p.signal
      ? e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
          workflowExecutionSignaledEventAttributes: {
            signalName: p.signal.name,
            input: p.signal.input ?? null,
            identity: p.identity,
            header: p.signal.header ?? null,
          },
        })
      : undefined;
    const run = this.createRun(p.namespace, p.workflowId, runId, p.requestId, attrs, signal);
    // As Temporal does, eager start is granted only to a plain start whose first task is due now; a
    // deduplicated retry of the same request gets the run id alone (its task went out the first time).
    if (p.requestEagerExecution && !p.signal && run.wft.phase === 'scheduled') {
      const task = e.workflowTask.start(run, run.wft.scheduledEventId, { identity: p.identity });
      if (task) return { runId, started: true, eagerWorkflowTask: task };
    }
    return { runId, started: true };
  }

  /** Creates a run with its WorkflowExecutionStarted event and, unless delayed, its first workflow task. */
  createRun(
    namespace: string,
    workflowId: string,
    runId: string,
    requestId: string,
    attrs: T.api.history.v1.IWorkflowExecutionStartedEventAttributes,
    signal?: HistoryEvent,
  ): Run {
    const e = this.e;
    const run = newRun(namespace, workflowId, runId, requestId);
    e.addRun(run);
    // Signal-with-start: the signal precedes the first workflow task, as in Temporal.
    const events = [
      e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: attrs }),
    ];
    if (signal) events.push(signal);
    e.append(run, events, requestId);
    // With a start delay, reconcile arms the first workflow task for later.
    if (durationMs(attrs.firstWorkflowTaskBackoff) <= 0) e.workflowTask.schedule(run);
    return run;
  }

  continueAsNew(
    run: Run,
    a: T.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
  ): void {
    const e = this.e;
    const newRunId = randomUUID();
    const started = run.history[0]?.workflowExecutionStartedEventAttributes ?? {};
    const taskQueue = a.taskQueue?.name || run.taskQueue;
    const runTimeout = durationMs(a.workflowRunTimeout) || run.runTimeoutMs;
    const taskTimeout = durationMs(a.workflowTaskTimeout) || run.workflowTaskTimeoutMs;
    this.close(run, [
      e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
        workflowExecutionContinuedAsNewEventAttributes: {
          newExecutionRunId: newRunId,
          workflowType: a.workflowType?.name ? a.workflowType : { name: run.workflowType },
          taskQueue: { name: taskQueue, kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          input: a.input ?? null,
          workflowRunTimeout: runTimeout ? msDuration(runTimeout) : null,
          workflowTaskTimeout: msDuration(taskTimeout),
          workflowTaskCompletedEventId: wtc,
          backoffStartInterval: a.backoffStartInterval ?? null,
          initiator: a.initiator ?? 0,
          failure: a.failure ?? null,
          lastCompletionResult: a.lastCompletionResult ?? null,
          header: a.header ?? null,
          memo: a.memo ?? null,
          searchAttributes: a.searchAttributes ?? null,
        },
      }),
    ]);
    this.createRun(run.namespace, run.workflowId, newRunId, '', {
      workflowType: a.workflowType?.name ? a.workflowType : { name: run.workflowType },
      taskQueue: { name: taskQueue, kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: a.input ?? null,
      workflowExecutionTimeout: started.workflowExecutionTimeout ?? null,
      workflowRunTimeout: runTimeout ? msDuration(runTimeout) : null,
      workflowTaskTimeout: msDuration(taskTimeout),
      continuedExecutionRunId: run.runId,
      initiator: a.initiator ?? 0,
      continuedFailure: a.failure ?? null,
      lastCompletionResult: a.lastCompletionResult ?? null,
      originalExecutionRunId: newRunId,
      firstExecutionRunId: run.firstRunId,
      attempt: 1,
      retryPolicy: a.retryPolicy ?? started.retryPolicy ?? null,
      workflowExecutionExpirationTime: started.workflowExecutionExpirationTime ?? null,
      firstWorkflowTaskBackoff: a.backoffStartInterval ?? null,
      memo: a.memo ?? (Object.keys(run.memo).length ? { fields: run.memo } : null),
      searchAttributes:
        a.searchAttributes ??
        (Object.keys(run.searchAttributes).length ? { indexedFields: run.searchAttributes } : null),
      header: a.header ?? null,
      parentWorkflowNamespace: started.parentWorkflowNamespace ?? '',
      parentWorkflowNamespaceId: started.parentWorkflowNamespaceId ?? '',
      parentWorkflowExecution: started.parentWorkflowExecution ?? null,
      parentInitiatedEventId: started.parentInitiatedEventId ?? int64(0),
      rootWorkflowExecution: started.rootWorkflowExecution ?? null,
      workflowId: run.workflowId,
    });
  }

  /** Writes the close event and carries out what closing implies: parent notice, child policies. */
  close(run: Run, closeEvents: HistoryEvent[]): void {
    const { alarms } = this.e;
    alarms.disarm(run.wft.rt);
    alarms.disarm(run.runTimeoutRt);
    for (const act of run.activities.values()) alarms.disarmActivity(act);
    for (const timer of run.timers.values()) alarms.disarm(timer.rt);
    const children = [...run.children.values()];
    this.e.append(run, closeEvents);
    const closeEvent = closeEvents[closeEvents.length - 1]!;
    if (closeEvent.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
      this.e.child.notifyParent(run, closeEvent);
      this.e.child.applyParentClosePolicies(children);
    }
    // Buffered events of a closed run are dropped, as Temporal does.
    run.buffered = [];
  }

  terminate(run: Run, reason: string, identity: string, details?: Payloads | null): void {
    if (!isOpen(run)) throw notFound('workflow execution already completed');
    this.e.workflowTask.forceClose(run);
    this.close(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, {
        workflowExecutionTerminatedEventAttributes: { reason, details: details ?? null, identity },
      }),
    ]);
  }

  timeoutRun(run: Run): void {
    if (!isOpen(run)) return;
    this.e.workflowTask.forceClose(run);
    this.close(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, {
        workflowExecutionTimedOutEventAttributes: { retryState: RetryState.RETRY_STATE_TIMEOUT },
      }),
    ]);
  }

  requestCancel(
    run: Run,
    reason: string,
    identity: string,
    external?: { workflowId: string; runId: string },
    externalInitiatedEventId = 0,
  ): void {
    if (!isOpen(run)) throw notFound('workflow execution already completed');
    if (run.cancelRequested) return;
    this.e.add(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
        workflowExecutionCancelRequestedEventAttributes: {
          cause: reason,
          identity,
          externalInitiatedEventId: int64(externalInitiatedEventId),
          externalWorkflowExecution: external ?? null,
        },
      }),
    ]);
    run.cancelRequested = true;
  }

  signal(
    run: Run,
    name: string,
    input: Payloads | null | undefined,
    identity: string,
    header?: T.api.common.v1.IHeader | null,
  ): void {
    checkBlob(payloadsBytes(input), this.e.limits, 'SignalWorkflowExecution', this.e.warnBlob);
    if (!isOpen(run)) throw notFound('workflow execution already completed');
    this.e.add(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        workflowExecutionSignaledEventAttributes: {
          signalName: name,
          input: input ?? null,
          identity,
          header: header ?? null,
        },
      }),
    ]);
  }
}

function alreadyStarted(p: StartParams, existing: Run): EngineError {
  const detail = api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.encode({
    startRequestId: existing.requestId,
    runId: existing.runId,
  }).finish();
  return new EngineError(
    'E_ALREADY_STARTED',
    `Workflow execution is already running. WorkflowId: ${p.workflowId}, RunId: ${existing.runId}.`,
    {
      typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
      value: detail,
    },
  );
}
