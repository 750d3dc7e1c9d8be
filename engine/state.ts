// The engine's in-memory model of workflow runs, and the fold that applies one history event to it.
// Applying an event is kept apart from deciding to write one, so recovery replays the journal through
// the same `applyEvent` that live requests use.
import {
  api,
  durationMs,
  EventType,
  ExecutionStatus,
  int64,
  num,
  timestampMs,
  type Failure,
  type HistoryEvent,
  type Payload,
  type Payloads,
  type T,
} from './proto';
import { activityMachine, childMachine, workflowTaskMachine, type ActivityPhase, type ChildPhase, type TimerPhase, type WorkflowTaskPhase, timerMachine } from './fsm';

export type ActivityScheduledAttributes = T.api.history.v1.IActivityTaskScheduledEventAttributes;

/** Handles that exist only while the process runs (timers, queue membership); never journaled. */
export interface Runtime {
  queued: boolean;
  timers: NodeJS.Timeout[];
}

export const newRuntime = (): Runtime => ({ queued: false, timers: [] });

export interface WorkflowTaskState {
  phase: WorkflowTaskPhase;
  scheduledEventId: number;
  startedEventId: number;
  attempt: number;
  scheduledTimeMs: number;
  startedTimeMs: number;
  rt: Runtime;
}

export interface ActivityState {
  scheduledEventId: number;
  phase: ActivityPhase;
  attrs: ActivityScheduledAttributes;
  scheduledTimeMs: number;
  attempt: number;
  currentAttemptScheduledMs: number;
  startedTimeMs: number;
  startedIdentity: string;
  retryAtMs: number;
  lastFailure?: Failure;
  heartbeatDetails?: Payloads;
  lastHeartbeatMs: number;
  cancelRequested: boolean;
  startedEventId: number;
  rt: Runtime;
  /** The schedule-to-close deadline timer, kept apart from the per-attempt timers in `rt`. */
  deadlineRt: Runtime;
  s2cArmed: boolean;
}

export interface TimerState {
  timerId: string;
  phase: TimerPhase;
  startedEventId: number;
  fireAtMs: number;
  rt: Runtime;
}

export interface ChildState {
  initiatedEventId: number;
  phase: ChildPhase;
  namespace: string;
  workflowId: string;
  workflowType: string;
  runId: string;
  startedEventId: number;
  parentClosePolicy: number;
}

export interface ParentRef {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

export interface Run {
  namespace: string;
  workflowId: string;
  runId: string;
  firstRunId: string;
  requestId: string;
  workflowType: string;
  taskQueue: string;
  history: HistoryEvent[];
  /** Encoded bytes of `history`, for the history size limit. */
  historyBytes: number;
  buffered: HistoryEvent[];
  status: number;
  startTimeMs: number;
  closeTimeMs: number;
  executionTimeMs: number;
  workflowTaskTimeoutMs: number;
  runTimeoutMs: number;
  executionTimeoutMs: number;
  searchAttributes: Record<string, Payload>;
  memo: Record<string, Payload>;
  parent?: ParentRef;
  previousStartedEventId: number;
  nextWftAttempt: number;
  cancelRequested: boolean;
  wft: WorkflowTaskState;
  activities: Map<number, ActivityState>;
  timers: Map<string, TimerState>;
  children: Map<number, ChildState>;
  /** Wakes long polls on this run's history. */
  historyWaiters: Set<() => void>;
  runTimeoutRt: Runtime;
  /** The worker's sticky queue that gets this run's next workflow tasks (runtime only, like Temporal's). */
  sticky?: { queue: string; scheduleToStartMs: number };
  stickyRt: Runtime;
  /** Bumped whenever a scheduled workflow task moves between queues, so an old queue entry goes stale. */
  wftPlacement: number;
  /** Query tasks held back while a workflow task is pending: the worker answers them between tasks. */
  parkedQueries: (() => void)[];
}

export function runKey(namespace: string, workflowId: string, runId: string): string {
  return `${namespace}\u0000${workflowId}\u0000${runId}`;
}

export function newRun(namespace: string, workflowId: string, runId: string, requestId: string): Run {
  return {
    namespace,
    workflowId,
    runId,
    firstRunId: runId,
    requestId,
    workflowType: '',
    taskQueue: '',
    history: [],
    historyBytes: 0,
    buffered: [],
    status: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    startTimeMs: 0,
    closeTimeMs: 0,
    executionTimeMs: 0,
    workflowTaskTimeoutMs: 10_000,
    runTimeoutMs: 0,
    executionTimeoutMs: 0,
    searchAttributes: {},
    memo: {},
    previousStartedEventId: 0,
    nextWftAttempt: 1,
    cancelRequested: false,
    wft: { phase: 'none', scheduledEventId: 0, startedEventId: 0, attempt: 1, scheduledTimeMs: 0, startedTimeMs: 0, rt: newRuntime() },
    activities: new Map(),
    timers: new Map(),
    children: new Map(),
    historyWaiters: new Set(),
    runTimeoutRt: newRuntime(),
    stickyRt: newRuntime(),
    wftPlacement: 0,
    parkedQueries: [],
  };
}

export const isOpen = (run: Run): boolean => run.status === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

export function lastEventId(run: Run): number {
  return run.history.length;
}

const closeStatusOf: Partial<Record<number, number>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]: ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
};

export function isCloseEvent(e: HistoryEvent): boolean {
  return closeStatusOf[e.eventType ?? 0] !== undefined;
}

/** The attributes of whichever activity-closing event `e` is, if any. */
function activityResultOf(e: HistoryEvent) {
  return (
    e.activityTaskCompletedEventAttributes ??
    e.activityTaskFailedEventAttributes ??
    e.activityTaskTimedOutEventAttributes ??
    e.activityTaskCanceledEventAttributes
  );
}

/** The attributes of whichever child-closing event `e` is, if any. */
function childResultOf(e: HistoryEvent) {
  return (
    e.childWorkflowExecutionCompletedEventAttributes ??
    e.childWorkflowExecutionFailedEventAttributes ??
    e.childWorkflowExecutionCanceledEventAttributes ??
    e.childWorkflowExecutionTimedOutEventAttributes ??
    e.childWorkflowExecutionTerminatedEventAttributes
  );
}

/** Fills references to events whose ids were only known when buffered events were flushed. */
export function fixReferences(run: Run, e: HistoryEvent): void {
  const activityResult = activityResultOf(e);
  if (activityResult) {
    const act = run.activities.get(num(activityResult.scheduledEventId));
    if (act && act.startedEventId) activityResult.startedEventId = int64(act.startedEventId);
    return;
  }
  const childResult = childResultOf(e);
  if (childResult) {
    const child = run.children.get(num(childResult.initiatedEventId));
    if (child && child.startedEventId) childResult.startedEventId = int64(child.startedEventId);
  }
}

function mergePayloadMap(target: Record<string, Payload>, source: Record<string, Payload> | null | undefined): void {
  for (const [k, v] of Object.entries(source ?? {})) {
    // An empty payload removes the key (Temporal's upsert semantics).
    if (!v.data || v.data.length === 0) delete target[k];
    else target[k] = v;
  }
}

/** Applies one history event (already carrying its id) to the run's mutable state. */
export function applyEvent(run: Run, e: HistoryEvent): void {
  const id = num(e.eventId);
  const at = timestampMs(e.eventTime);
  switch (e.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
      const a = e.workflowExecutionStartedEventAttributes ?? {};
      run.workflowType = a.workflowType?.name ?? '';
      run.taskQueue = a.taskQueue?.name ?? '';
      run.firstRunId = a.firstExecutionRunId || run.runId;
      run.startTimeMs = at;
      run.executionTimeMs = at + durationMs(a.firstWorkflowTaskBackoff);
      run.workflowTaskTimeoutMs = durationMs(a.workflowTaskTimeout) || 10_000;
      run.runTimeoutMs = durationMs(a.workflowRunTimeout);
      run.executionTimeoutMs = durationMs(a.workflowExecutionTimeout);
      run.searchAttributes = {};
      mergePayloadMap(run.searchAttributes, a.searchAttributes?.indexedFields);
      run.memo = {};
      mergePayloadMap(run.memo, a.memo?.fields);
      if (a.parentWorkflowExecution?.workflowId) {
        run.parent = {
          namespace: a.parentWorkflowNamespace ?? '',
          workflowId: a.parentWorkflowExecution.workflowId,
          runId: a.parentWorkflowExecution.runId ?? '',
          initiatedEventId: num(a.parentInitiatedEventId),
        };
      }
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: {
      const a = e.workflowTaskScheduledEventAttributes ?? {};
      run.wft.phase = workflowTaskMachine(run.wft.phase, 'schedule');
      run.wft.scheduledEventId = id;
      run.wft.startedEventId = 0;
      run.wft.attempt = a.attempt || 1;
      run.wft.scheduledTimeMs = at;
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
      run.wft.phase = workflowTaskMachine(run.wft.phase, 'start');
      run.wft.startedEventId = id;
      run.wft.startedTimeMs = at;
      break;
    case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      run.wft.phase = workflowTaskMachine(run.wft.phase, 'complete');
      run.previousStartedEventId = num(e.workflowTaskCompletedEventAttributes?.startedEventId);
      run.nextWftAttempt = 1;
      break;
    case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      run.wft.phase = workflowTaskMachine(run.wft.phase, 'fail');
      run.nextWftAttempt = run.wft.attempt + 1;
      break;
    case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
      run.wft.phase = workflowTaskMachine(run.wft.phase, 'timeout');
      run.nextWftAttempt = run.wft.attempt + 1;
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const attrs = e.activityTaskScheduledEventAttributes ?? {};
      run.activities.set(id, {
        scheduledEventId: id,
        phase: 'scheduled',
        attrs,
        scheduledTimeMs: at,
        attempt: 1,
        currentAttemptScheduledMs: at,
        startedTimeMs: 0,
        startedIdentity: '',
        retryAtMs: 0,
        lastHeartbeatMs: 0,
        cancelRequested: false,
        startedEventId: 0,
        rt: newRuntime(),
        deadlineRt: newRuntime(),
        s2cArmed: false,
      });
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
      const a = e.activityTaskStartedEventAttributes ?? {};
      const act = run.activities.get(num(a.scheduledEventId));
      if (act) {
        act.startedEventId = id;
        act.attempt = a.attempt || act.attempt;
      }
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: {
      const act = run.activities.get(num(e.activityTaskCancelRequestedEventAttributes?.scheduledEventId));
      if (act) act.cancelRequested = true;
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
    case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
    case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
      const a = activityResultOf(e);
      const sid = num(a?.scheduledEventId);
      const act = run.activities.get(sid);
      if (act) {
        act.phase = activityMachine(act.phase, 'close');
        run.activities.delete(sid);
      }
      break;
    }
    case EventType.EVENT_TYPE_TIMER_STARTED: {
      const a = e.timerStartedEventAttributes ?? {};
      const timerId = a.timerId ?? '';
      run.timers.set(timerId, { timerId, phase: 'started', startedEventId: id, fireAtMs: at + durationMs(a.startToFireTimeout), rt: newRuntime() });
      break;
    }
    case EventType.EVENT_TYPE_TIMER_FIRED:
      run.timers.delete(e.timerFiredEventAttributes?.timerId ?? '');
      break;
    case EventType.EVENT_TYPE_TIMER_CANCELED:
      run.timers.delete(e.timerCanceledEventAttributes?.timerId ?? '');
      break;
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes ?? {};
      run.children.set(id, {
        initiatedEventId: id,
        phase: 'initiated',
        namespace: a.namespace || run.namespace,
        workflowId: a.workflowId ?? '',
        workflowType: a.workflowType?.name ?? '',
        runId: '',
        startedEventId: 0,
        parentClosePolicy: a.parentClosePolicy ?? 0,
      });
      break;
    }
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
      const a = e.childWorkflowExecutionStartedEventAttributes ?? {};
      const child = run.children.get(num(a.initiatedEventId));
      if (child) {
        child.phase = childMachine(child.phase, 'start');
        child.runId = a.workflowExecution?.runId ?? '';
        child.startedEventId = id;
      }
      break;
    }
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
      run.children.delete(num(e.startChildWorkflowExecutionFailedEventAttributes?.initiatedEventId));
      break;
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: {
      const a = childResultOf(e);
      run.children.delete(num(a?.initiatedEventId));
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      run.cancelRequested = true;
      break;
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      mergePayloadMap(run.searchAttributes, e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields);
      break;
    case EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
      mergePayloadMap(run.memo, e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields);
      break;
    default: {
      const closeStatus = closeStatusOf[e.eventType ?? 0];
      if (closeStatus !== undefined) {
        run.status = closeStatus;
        run.closeTimeMs = at;
        run.wft.phase = workflowTaskMachine(run.wft.phase, 'close');
        run.activities.clear();
        run.timers.clear();
      }
    }
  }
}

/**
 * Marks the entity an event resolves as closed while that event waits in the buffer (its id is not
 * known yet), so that nothing fires or dispatches it a second time. Used live and on recovery.
 */
export function noteBuffered(run: Run, e: HistoryEvent): void {
  const activityResult = activityResultOf(e);
  if (activityResult) {
    const act = run.activities.get(num(activityResult.scheduledEventId));
    if (act) act.phase = activityMachine(act.phase, 'close');
    return;
  }
  if (e.activityTaskStartedEventAttributes) {
    const act = run.activities.get(num(e.activityTaskStartedEventAttributes.scheduledEventId));
    if (act) act.attempt = e.activityTaskStartedEventAttributes.attempt || act.attempt;
    return;
  }
  if (e.timerFiredEventAttributes) {
    const timer = run.timers.get(e.timerFiredEventAttributes.timerId ?? '');
    if (timer) timer.phase = timerMachine(timer.phase, 'fire');
    return;
  }
  const childResult = childResultOf(e);
  if (childResult) {
    const child = run.children.get(num(childResult.initiatedEventId));
    if (child) child.phase = childMachine(child.phase, 'close');
  }
}

/** Decodes the failure an activity-retry record carries. */
export function failureFromRecord(b64: string | undefined): Failure | undefined {
  return b64 ? api.failure.v1.Failure.decode(Buffer.from(b64, 'base64')) : undefined;
}
