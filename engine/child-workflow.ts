// The child workflow state machine (initiated -> started | failed to start -> closed; see fsm.ts): the
// StartChildWorkflowExecution command, the parent's notice when a child closes, and the parent close
// policies applied to a closing parent's children.
import { randomUUID } from 'node:crypto';
import type { Engine } from './engine';
import { api, durationMs, EventType, int64, msDuration, msTimestamp, type HistoryEvent, type T } from './proto';
import { isOpen, type ChildState, type Run } from './state';

const RetryState = api.enums.v1.RetryState;
const ParentClosePolicy = api.enums.v1.ParentClosePolicy;
const IdReusePolicy = api.enums.v1.WorkflowIdReusePolicy;

export class ChildWorkflowLifecycle {
  constructor(private readonly e: Engine) {}

  /** StartChildWorkflowExecution: the child starts at once, or the start fails when its id is taken. */
  start(
    parent: Run,
    a: T.api.command.v1.IStartChildWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): void {
    const e = this.e;
    const namespace = a.namespace || parent.namespace;
    e.append(parent, [
      e.event(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
        startChildWorkflowExecutionInitiatedEventAttributes: {
          namespace,
          workflowId: a.workflowId ?? '',
          workflowType: a.workflowType ?? null,
          taskQueue: {
            name: a.taskQueue?.name || parent.taskQueue,
            kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
          },
          input: a.input ?? null,
          workflowExecutionTimeout: a.workflowExecutionTimeout ?? null,
          workflowRunTimeout: a.workflowRunTimeout ?? null,
          workflowTaskTimeout: a.workflowTaskTimeout ?? null,
          parentClosePolicy: a.parentClosePolicy || ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
          control: a.control ?? '',
          workflowTaskCompletedEventId: wtc,
          workflowIdReusePolicy: a.workflowIdReusePolicy ?? 0,
          retryPolicy: a.retryPolicy ?? null,
          cronSchedule: a.cronSchedule ?? '',
          header: a.header ?? null,
          memo: a.memo ?? null,
          searchAttributes: a.searchAttributes ?? null,
          priority: a.priority ?? null,
        },
      }),
    ]);
    const initiatedId = parent.history.length;
    const workflowType = a.workflowType?.name ?? '';
    const existing = e.namespaces.has(namespace) ? e.tryFindRun(namespace, a.workflowId ?? '') : undefined;
    const reuse = a.workflowIdReusePolicy ?? 0;
    const blocked =
      !e.namespaces.has(namespace) ||
      (existing !== undefined &&
        (isOpen(existing) || reuse === IdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE));
    if (blocked) {
      e.append(parent, [
        e.event(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED, {
          startChildWorkflowExecutionFailedEventAttributes: {
            namespace,
            workflowId: a.workflowId ?? '',
            workflowType: a.workflowType ?? null,
            cause:
              api.enums.v1.StartChildWorkflowExecutionFailedCause
                .START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
            control: a.control ?? '',
            initiatedEventId: int64(initiatedId),
            workflowTaskCompletedEventId: wtc,
          },
        }),
      ]);
      return;
    }
    const runId = randomUUID();
    const execTimeout = durationMs(a.workflowExecutionTimeout);
    const parentStarted = parent.history[0]?.workflowExecutionStartedEventAttributes;
    const child = e.lifecycle.createRun(namespace, a.workflowId ?? '', runId, '', {
      workflowType: a.workflowType ?? null,
      taskQueue: {
        name: a.taskQueue?.name || parent.taskQueue,
        kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      },
      input: a.input ?? null,
      workflowExecutionTimeout: a.workflowExecutionTimeout ?? null,
      workflowRunTimeout: a.workflowRunTimeout ?? null,
      workflowTaskTimeout:
        a.workflowTaskTimeout?.seconds || a.workflowTaskTimeout?.nanos ? a.workflowTaskTimeout : msDuration(10_000),
      parentWorkflowNamespace: parent.namespace,
      parentWorkflowNamespaceId: e.namespaces.get(parent.namespace)?.id ?? '',
      parentWorkflowExecution: { workflowId: parent.workflowId, runId: parent.runId },
      parentInitiatedEventId: int64(initiatedId),
      rootWorkflowExecution: parentStarted?.rootWorkflowExecution ?? {
        workflowId: parent.workflowId,
        runId: parent.runId,
      },
      originalExecutionRunId: runId,
      firstExecutionRunId: runId,
      identity,
      attempt: 1,
      retryPolicy: a.retryPolicy ?? null,
      workflowExecutionExpirationTime: execTimeout ? msTimestamp(Date.now() + execTimeout) : null,
      memo: a.memo ?? null,
      searchAttributes: a.searchAttributes ?? null,
      header: a.header ?? null,
      workflowId: a.workflowId ?? '',
    });
    e.append(parent, [
      e.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, {
        childWorkflowExecutionStartedEventAttributes: {
          namespace,
          namespaceId: e.namespaces.get(namespace)?.id ?? '',
          initiatedEventId: int64(initiatedId),
          workflowExecution: { workflowId: child.workflowId, runId: child.runId },
          workflowType: { name: workflowType },
          header: a.header ?? null,
        },
      }),
    ]);
  }

  /** A child run closed: its parent (if still open) gets the matching ChildWorkflowExecution* event. */
  notifyParent(run: Run, closeEvent: HistoryEvent): void {
    const e = this.e;
    if (!run.parent) return;
    const parent = e.tryFindRun(run.parent.namespace, run.parent.workflowId, run.parent.runId);
    if (!parent || !isOpen(parent)) return;
    const initiatedEventId = int64(run.parent.initiatedEventId);
    const child = parent.children.get(run.parent.initiatedEventId);
    if (!child || child.phase === 'closed') return;
    const common = {
      namespace: run.namespace,
      namespaceId: e.namespaces.get(run.namespace)?.id ?? '',
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      workflowType: { name: run.workflowType },
      initiatedEventId,
      startedEventId: int64(child.startedEventId),
    };
    let notice: HistoryEvent;
    switch (closeEvent.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        notice = e.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, {
          childWorkflowExecutionCompletedEventAttributes: {
            ...common,
            result: closeEvent.workflowExecutionCompletedEventAttributes?.result ?? null,
          },
        });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        notice = e.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED, {
          childWorkflowExecutionFailedEventAttributes: {
            ...common,
            failure: closeEvent.workflowExecutionFailedEventAttributes?.failure ?? null,
            retryState: closeEvent.workflowExecutionFailedEventAttributes?.retryState ?? 0,
          },
        });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        notice = e.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, {
          childWorkflowExecutionCanceledEventAttributes: {
            ...common,
            details: closeEvent.workflowExecutionCanceledEventAttributes?.details ?? null,
          },
        });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        notice = e.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT, {
          childWorkflowExecutionTimedOutEventAttributes: { ...common, retryState: RetryState.RETRY_STATE_TIMEOUT },
        });
        break;
      default:
        notice = e.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, {
          childWorkflowExecutionTerminatedEventAttributes: common,
        });
    }
    e.add(parent, [notice]);
  }

  /** The parent closed: each running child is cancelled, terminated or abandoned as its policy says. */
  applyParentClosePolicies(children: ChildState[]): void {
    for (const child of children) {
      if (child.phase !== 'started') continue;
      const target = this.e.tryFindRun(child.namespace, child.workflowId);
      if (!target || !isOpen(target)) continue;
      if (child.parentClosePolicy === ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL) {
        this.e.lifecycle.requestCancel(target, 'parent closed', 'engine', undefined, 0);
      } else if (child.parentClosePolicy !== ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON) {
        this.e.lifecycle.terminate(target, 'by parent close policy', 'engine');
      }
    }
  }
}
