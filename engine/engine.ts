// The engine core: namespaces, workflow runs, task queues and timers. Every change happens inside a unit
// of work that applies new events to the in-memory state and appends the matching journal records in one
// batch; callers acknowledge a client only after that batch is durable.
import { randomUUID } from 'node:crypto';
import { EngineError, failedPrecondition, invalidArgument, notFound } from './errors';
import { activityMachine, timerMachine } from './fsm';
import { TaskQueues } from './matching';
import {
  api,
  decodeEvent,
  durationMs,
  encodeEvent,
  encodeFailure,
  EventType,
  ExecutionStatus,
  int64,
  msDuration,
  msTimestamp,
  num,
  timestampMs,
  type Failure,
  type HistoryEvent,
  type Payloads,
  type T,
} from './proto';
import { decideRetry, normalizeRetryPolicy } from './retry';
import type { SearchAttributeTypeName } from './search-attributes';
import {
  applyEvent,
  failureFromRecord,
  fixReferences,
  isCloseEvent,
  isOpen,
  newRun,
  noteBuffered,
  runKey,
  type ActivityState,
  type Run,
  type Runtime,
} from './state';
import { encodeToken, type ActivityTaskToken, type WorkflowTaskToken } from './tokens';
import type { JournalRecord } from './records';

type PollWorkflowTaskResponse = T.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type PollActivityTaskResponse = T.api.workflowservice.v1.IPollActivityTaskQueueResponse;
export type Command = T.api.command.v1.ICommand;

const CommandType = api.enums.v1.CommandType;
const TimeoutType = api.enums.v1.TimeoutType;
const RetryState = api.enums.v1.RetryState;
const ParentClosePolicy = api.enums.v1.ParentClosePolicy;
const IdReusePolicy = api.enums.v1.WorkflowIdReusePolicy;
const IdConflictPolicy = api.enums.v1.WorkflowIdConflictPolicy;
const WorkflowTaskFailedCause = api.enums.v1.WorkflowTaskFailedCause;

export interface NamespaceState {
  name: string;
  id: string;
  description: string;
  retentionMs: number;
  searchAttributes: Record<string, SearchAttributeTypeName>;
}

export interface PollerInfo {
  identity: string;
}

export interface EngineOptions {
  /** Appends journal records durably; omitted = in-memory only. */
  persist?: (records: JournalRecord[]) => Promise<void>;
  /** Long-poll duration for task queue polls. */
  pollTimeoutMs?: number;
  /** Long-poll duration for history waits (result polling). */
  historyPollTimeoutMs?: number;
  defaultRetentionMs?: number;
  onFatal?: (err: unknown) => void;
}

export interface StartParams {
  namespace: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads | null;
  executionTimeoutMs: number;
  runTimeoutMs: number;
  taskTimeoutMs: number;
  identity: string;
  requestId: string;
  reusePolicy: number;
  conflictPolicy: number;
  retryPolicy?: T.api.common.v1.IRetryPolicy | null;
  memo?: T.api.common.v1.IMemo | null;
  searchAttributes?: T.api.common.v1.ISearchAttributes | null;
  header?: T.api.common.v1.IHeader | null;
  startDelayMs?: number;
  /** Events to add right after the start (signal-with-start). */
  signal?: { name: string; input?: Payloads | null; header?: T.api.common.v1.IHeader | null };
  /** Eager workflow start: the starter's own worker takes the first workflow task from the response. */
  requestEagerExecution?: boolean;
}

export interface StartOutcome {
  runId: string;
  started: boolean;
  /** The first workflow task, already started, when eager execution was asked for and granted. */
  eagerWorkflowTask?: PollWorkflowTaskResponse;
}

interface PendingQuery {
  settle(result: { ok: true; payloads: Payloads | null } | { ok: false; error: EngineError }): void;
  done: boolean;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A ScheduleActivityTask command asking for eager execution on the workflow's own task queue. */
function isEagerActivity(run: Run, c: Command): boolean {
  if (c.commandType !== CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK) return false;
  const a = c.scheduleActivityTaskCommandAttributes;
  return a?.requestEagerExecution === true && (a.taskQueue?.name || run.taskQueue) === run.taskQueue;
}

export class Engine {
  readonly namespaces = new Map<string, NamespaceState>();
  private readonly runs = new Map<string, Run>();
  private readonly current = new Map<string, Run>();
  readonly workflowTasks: TaskQueues<PollWorkflowTaskResponse, PollerInfo>;
  readonly activityTasks: TaskQueues<PollActivityTaskResponse, PollerInfo>;
  private readonly queries = new Map<string, PendingQuery>();
  private taskId = 0;
  private uow: { records: JournalRecord[]; touched: Set<Run> } | null = null;
  private closed = false;
  private lastPersist: Promise<void> = Promise.resolve();
  private readonly globalRt: Runtime = { queued: false, timers: [] };
  readonly historyPollTimeoutMs: number;
  /** Workflow tasks handed out with only the new events (sticky) or the whole history. */
  readonly workflowTaskStats = { sticky: 0, fullHistory: 0 };

  constructor(private readonly options: EngineOptions = {}) {
    this.workflowTasks = new TaskQueues(options.pollTimeoutMs ?? 60_000);
    this.activityTasks = new TaskQueues(options.pollTimeoutMs ?? 60_000);
    this.historyPollTimeoutMs = options.historyPollTimeoutMs ?? 20_000;
  }

  // ---- units of work -------------------------------------------------------------------------------

  /** Runs `fn` as one unit of work; resolves once its journal records are durable. */
  async commit<R>(fn: () => R): Promise<R> {
    const { result, durable } = this.mutate(fn);
    await durable;
    return result;
  }

  /** Applies `fn` now; `durable` settles when its records are on disk. Nested calls join the outer unit. */
  mutate<R>(fn: () => R): { result: R; durable: Promise<void> } {
    if (this.uow) return { result: fn(), durable: Promise.resolve() };
    const uow = { records: [] as JournalRecord[], touched: new Set<Run>() };
    this.uow = uow;
    let result: R;
    let failure: unknown;
    let failed = false;
    try {
      result = fn();
      for (const run of uow.touched) this.reconcile(run);
    } catch (err) {
      failed = true;
      failure = err;
    } finally {
      this.uow = null;
    }
    const durable = this.persist(uow.records);
    if (failed) {
      // Whatever was applied before the error is still journaled, so memory and disk agree.
      durable.catch(() => {});
      throw failure;
    }
    return { result: result!, durable };
  }

  private persist(records: JournalRecord[]): Promise<void> {
    if (records.length === 0 || !this.options.persist) return Promise.resolve();
    const p = this.options.persist(records);
    p.catch((err: unknown) => this.options.onFatal?.(err));
    this.lastPersist = p.catch(() => {});
    return p;
  }

  /**
   * Resolves once everything applied so far is on disk (the journal keeps order, so waiting for the
   * latest append is enough). Reads wait for it, so that no client sees state a crash could undo.
   */
  durable(): Promise<void> {
    return this.lastPersist;
  }

  private record(r: JournalRecord): void {
    this.uow?.records.push(r);
  }

  private touch(run: Run): void {
    this.uow?.touched.add(run);
  }

  // ---- namespaces --------------------------------------------------------------------------------

  registerNamespace(name: string, description: string, retentionMs: number, id: string = randomUUID()): NamespaceState {
    const ns: NamespaceState = { name, id, description, retentionMs, searchAttributes: {} };
    this.namespaces.set(name, ns);
    this.record({ k: 'ns', name, id, description, retentionMs });
    return ns;
  }

  namespace(name: string | null | undefined): NamespaceState {
    const ns = this.namespaces.get(name ?? '');
    if (!ns) throw new EngineError('E_NAMESPACE_NOT_FOUND', `Namespace ${name ?? ''} is not found.`);
    return ns;
  }

  addSearchAttribute(namespace: string, name: string, type: SearchAttributeTypeName): void {
    this.namespace(namespace).searchAttributes[name] = type;
    this.record({ k: 'sa', ns: namespace, name, type });
  }

  removeSearchAttribute(namespace: string, name: string): void {
    delete this.namespace(namespace).searchAttributes[name];
    this.record({ k: 'sa', ns: namespace, name, type: null });
  }

  // ---- lookups -----------------------------------------------------------------------------------

  allRuns(namespace: string): Run[] {
    return [...this.runs.values()].filter((r) => r.namespace === namespace);
  }

  /** The named run, or the latest run of the workflow id when runId is empty. */
  findRun(namespace: string, workflowId: string, runId?: string | null): Run {
    this.namespace(namespace);
    const run = runId
      ? this.runs.get(runKey(namespace, workflowId, runId))
      : this.current.get(`${namespace}\u0000${workflowId}`);
    if (!run)
      throw notFound(
        `workflow execution not found for workflow ID "${workflowId}"${runId ? ` and run ID "${runId}"` : ''}`,
      );
    return run;
  }

  private tryFindRun(namespace: string, workflowId: string, runId?: string | null): Run | undefined {
    return runId
      ? this.runs.get(runKey(namespace, workflowId, runId))
      : this.current.get(`${namespace}\u0000${workflowId}`);
  }

  // ---- history writing ---------------------------------------------------------------------------

  private event(eventType: number, attrs: Partial<HistoryEvent>): HistoryEvent {
    return { eventId: int64(0), eventTime: msTimestamp(Date.now()), eventType, taskId: int64(++this.taskId), ...attrs };
  }

  /** Appends events straight into the run's history. */
  private append(run: Run, events: HistoryEvent[], requestId?: string): void {
    const encoded: string[] = [];
    for (const e of events) {
      fixReferences(run, e);
      e.eventId = int64(run.history.length + 1);
      run.history.push(e);
      applyEvent(run, e);
      encoded.push(encodeEvent(e));
    }
    this.record({
      k: 'ev',
      ns: run.namespace,
      wf: run.workflowId,
      run: run.runId,
      ev: encoded,
      ...(requestId ? { rq: requestId } : {}),
    });
    this.touch(run);
    this.wakeHistory(run);
  }

  /** Adds an event that arrives from outside the workflow task: buffered while a task is in flight. */
  private add(run: Run, events: HistoryEvent[]): void {
    if (run.wft.phase === 'started') {
      for (const e of events) {
        run.buffered.push(e);
        noteBuffered(run, e);
      }
      this.record({ k: 'buf', ns: run.namespace, wf: run.workflowId, run: run.runId, ev: events.map(encodeEvent) });
      this.touch(run);
      return;
    }
    this.append(run, events);
    this.scheduleWorkflowTask(run);
  }

  private flushBuffer(run: Run): number {
    const events = run.buffered;
    if (events.length === 0) return 0;
    run.buffered = [];
    const encoded: string[] = [];
    for (const e of events) {
      fixReferences(run, e);
      e.eventId = int64(run.history.length + 1);
      run.history.push(e);
      applyEvent(run, e);
      encoded.push(encodeEvent(e));
    }
    this.record({ k: 'ev', ns: run.namespace, wf: run.workflowId, run: run.runId, ev: encoded, flush: true });
    this.touch(run);
    this.wakeHistory(run);
    return events.length;
  }

  private wakeHistory(run: Run): void {
    if (run.historyWaiters.size === 0) return;
    const waiters = [...run.historyWaiters];
    run.historyWaiters.clear();
    for (const w of waiters) w();
  }

  /** Waits until the run's history grows past `afterEventId` or the run closes, or the timeout passes. */
  waitForHistory(
    run: Run,
    afterEventId: number,
    untilClosed: boolean,
    timeoutMs: number,
    signal: { onCancel(cb: () => void): void },
  ): Promise<void> {
    const ready = (): boolean => (untilClosed ? !isOpen(run) : run.history.length > afterEventId || !isOpen(run));
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready()) finish();
        else run.historyWaiters.add(check);
      };
      const finish = (): void => {
        clearTimeout(timer);
        run.historyWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal.onCancel(finish);
      run.historyWaiters.add(check);
    });
  }

  // ---- runtime arming (never journaled; rebuilt after recovery) ------------------------------------

  private arm(rt: Runtime, atMs: number, fn: () => void): void {
    const delay = Math.max(0, atMs - Date.now());
    const handle = setTimeout(
      () => {
        rt.timers = rt.timers.filter((t) => t !== handle);
        if (this.closed) return;
        if (delay > MAX_TIMEOUT_MS) this.arm(rt, atMs, fn);
        else this.safely(fn);
      },
      Math.min(delay, MAX_TIMEOUT_MS),
    );
    rt.timers.push(handle);
  }

  private disarm(rt: Runtime): void {
    for (const t of rt.timers) clearTimeout(t);
    rt.timers = [];
  }

  private safely(fn: () => void): void {
    try {
      this.mutate(fn);
    } catch (err) {
      this.options.onFatal?.(err);
    }
  }

  /** Brings timers and queue entries in line with the run's state; safe to call any number of times. */
  reconcile(run: Run): void {
    if (run.parkedQueries.length > 0 && (run.wft.phase === 'none' || !isOpen(run))) {
      for (const dispatch of run.parkedQueries.splice(0)) dispatch();
    }
    if (!isOpen(run)) {
      this.disarm(run.wft.rt);
      this.disarm(run.runTimeoutRt);
      this.disarm(run.stickyRt);
      return;
    }
    const wft = run.wft;
    if (wft.phase === 'none' && wft.scheduledEventId === 0 && wft.rt.timers.length === 0) {
      // A delayed start (start delay or continue-as-new backoff) whose first task is not scheduled yet.
      this.arm(wft.rt, run.executionTimeMs, () => this.scheduleWorkflowTask(run, true));
    }
    if (wft.phase === 'scheduled' && !wft.rt.queued) {
      wft.rt.queued = true;
      const sid = wft.scheduledEventId;
      const placement = ++run.wftPlacement;
      const sticky = run.sticky;
      const queue = sticky ? sticky.queue : run.taskQueue;
      if (sticky) {
        // Not picked up from the sticky queue in time: back to the normal queue with full history.
        this.disarm(run.stickyRt);
        this.arm(run.stickyRt, Date.now() + sticky.scheduleToStartMs, () => {
          if (run.wft.phase === 'scheduled' && run.wftPlacement === placement) this.unstick(run);
        });
      }
      this.workflowTasks.add(this.queueKey(run.namespace, queue), (poller) =>
        run.wftPlacement === placement ? this.startWorkflowTask(run, sid, poller, sticky !== undefined) : null,
      );
    }
    if (wft.phase === 'started' && wft.rt.timers.length === 0) {
      const sid = wft.scheduledEventId;
      const st = wft.startedEventId;
      this.arm(wft.rt, Date.now() + run.workflowTaskTimeoutMs, () => this.timeoutWorkflowTask(run, sid, st));
    }
    for (const act of run.activities.values()) this.reconcileActivity(run, act);
    for (const timer of run.timers.values()) {
      if (timer.phase === 'started' && timer.rt.timers.length === 0) {
        this.arm(timer.rt, timer.fireAtMs, () => this.fireTimer(run, timer.timerId, timer.startedEventId));
      }
    }
    if (run.runTimeoutRt.timers.length === 0) {
      const deadline = this.runDeadline(run);
      if (deadline > 0) this.arm(run.runTimeoutRt, deadline, () => this.timeoutRun(run));
    }
  }

  private runDeadline(run: Run): number {
    const started = run.history[0]?.workflowExecutionStartedEventAttributes;
    const candidates: number[] = [];
    if (run.runTimeoutMs > 0) candidates.push(run.startTimeMs + run.runTimeoutMs);
    const expiration = timestampMs(started?.workflowExecutionExpirationTime);
    if (expiration > 0) candidates.push(expiration);
    return candidates.length ? Math.min(...candidates) : 0;
  }

  private reconcileActivity(run: Run, act: ActivityState): void {
    if (act.phase === 'scheduled' && !act.rt.queued) {
      act.rt.queued = true;
      const queue = act.attrs.taskQueue?.name || run.taskQueue;
      const attempt = act.attempt;
      this.activityTasks.add(this.queueKey(run.namespace, queue), (poller) =>
        this.startActivity(run, act, attempt, poller),
      );
    }
    if (act.phase === 'backoff' && act.rt.timers.length === 0) {
      this.arm(act.rt, act.retryAtMs, () => this.wakeActivity(run, act));
    }
    const s2c = durationMs(act.attrs.scheduleToCloseTimeout);
    if (act.phase !== 'closed' && s2c > 0 && !act.s2cArmed) {
      act.s2cArmed = true;
      this.arm(act.deadlineRt, act.scheduledTimeMs + s2c, () =>
        this.timeoutActivity(run, act, act.attempt, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
      );
    }
  }

  /** Stops routing the run's workflow tasks to a sticky queue; a scheduled task moves to the normal queue. */
  unstick(run: Run): void {
    if (!run.sticky) return;
    run.sticky = undefined;
    this.disarm(run.stickyRt);
    if (run.wft.phase === 'scheduled') {
      run.wftPlacement++;
      run.wft.rt.queued = false;
      this.touch(run);
      if (!this.uow) this.reconcile(run);
    }
  }

  /** A worker is going away: its sticky queue gets no more tasks. */
  dropStickyQueue(namespace: string, stickyQueue: string): void {
    for (const run of this.runs.values()) {
      if (run.namespace === namespace && run.sticky?.queue === stickyQueue) this.unstick(run);
    }
    this.workflowTasks.releasePollers(this.queueKey(namespace, stickyQueue));
  }

  queueKey(namespace: string, queue: string): string {
    return `${namespace}\u0000${queue}`;
  }

  // ---- starting runs -----------------------------------------------------------------------------

  start(p: StartParams): StartOutcome {
    this.namespace(p.namespace);
    const existing = this.current.get(`${p.namespace}\u0000${p.workflowId}`);
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
        throw this.alreadyStarted(p, existing);
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
        throw this.alreadyStarted(p, existing);
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
      ? this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
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
      const task = this.startWorkflowTask(run, run.wft.scheduledEventId, { identity: p.identity });
      if (task) return { runId, started: true, eagerWorkflowTask: task };
    }
    return { runId, started: true };
  }

  private alreadyStarted(p: StartParams, existing: Run): EngineError {
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

  private createRun(
    namespace: string,
    workflowId: string,
    runId: string,
    requestId: string,
    attrs: T.api.history.v1.IWorkflowExecutionStartedEventAttributes,
    signal?: HistoryEvent,
  ): Run {
    const run = newRun(namespace, workflowId, runId, requestId);
    this.runs.set(runKey(namespace, workflowId, runId), run);
    this.current.set(`${namespace}\u0000${workflowId}`, run);
    // Signal-with-start: the signal precedes the first workflow task, as in Temporal.
    const events = [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: attrs }),
    ];
    if (signal) events.push(signal);
    this.append(run, events, requestId);
    // With a start delay, reconcile arms the first workflow task for later.
    if (durationMs(attrs.firstWorkflowTaskBackoff) <= 0) this.scheduleWorkflowTask(run);
    return run;
  }

  // ---- workflow tasks ----------------------------------------------------------------------------

  private scheduleWorkflowTask(run: Run, delayOver = false): void {
    if (!isOpen(run) || run.wft.phase !== 'none') return;
    // During a start delay nothing wakes the workflow early; reconcile schedules its first task on time.
    if (!delayOver && run.wft.scheduledEventId === 0 && Date.now() < run.executionTimeMs) return;
    this.append(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
        workflowTaskScheduledEventAttributes: {
          taskQueue: { name: run.taskQueue, kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          startToCloseTimeout: msDuration(run.workflowTaskTimeoutMs),
          attempt: run.nextWftAttempt,
        },
      }),
    ]);
    run.wft.rt.queued = false;
  }

  /** Hands out the scheduled workflow task. A sticky worker has the run cached: it gets only the new events. */
  private startWorkflowTask(
    run: Run,
    scheduledEventId: number,
    poller: PollerInfo,
    sticky = false,
  ): PollWorkflowTaskResponse | null {
    if (!isOpen(run) || run.wft.phase !== 'scheduled' || run.wft.scheduledEventId !== scheduledEventId) return null;
    return this.mutate(() => {
      run.wft.rt.queued = false;
      this.disarm(run.stickyRt);
      this.append(run, [
        this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
          workflowTaskStartedEventAttributes: {
            scheduledEventId: int64(scheduledEventId),
            identity: poller.identity,
            requestId: randomUUID(),
          },
        }),
      ]);
      if (sticky) this.workflowTaskStats.sticky++;
      else this.workflowTaskStats.fullHistory++;
      const token: WorkflowTaskToken = {
        k: 'w',
        ns: run.namespace,
        wf: run.workflowId,
        run: run.runId,
        sid: scheduledEventId,
        st: run.wft.startedEventId,
      };
      return {
        taskToken: encodeToken(token),
        workflowExecution: { workflowId: run.workflowId, runId: run.runId },
        workflowType: { name: run.workflowType },
        previousStartedEventId: int64(run.previousStartedEventId),
        startedEventId: int64(run.wft.startedEventId),
        attempt: run.wft.attempt,
        history: { events: sticky ? run.history.slice(run.previousStartedEventId) : run.history },
        workflowExecutionTaskQueue: { name: run.taskQueue, kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        scheduledTime: msTimestamp(run.wft.scheduledTimeMs),
        startedTime: msTimestamp(run.wft.startedTimeMs),
      };
    }).result;
  }

  /** Finds the run a workflow task token names, checking the task is still the one in flight. */
  workflowTaskRun(t: WorkflowTaskToken): Run {
    const run = this.tryFindRun(t.ns, t.wf, t.run);
    if (
      !run ||
      !isOpen(run) ||
      run.wft.phase !== 'started' ||
      run.wft.scheduledEventId !== t.sid ||
      run.wft.startedEventId !== t.st
    ) {
      throw notFound('Workflow task not found.');
    }
    return run;
  }

  /**
   * Completes the workflow task; answers the activity tasks handed out eagerly: activities the worker
   * asked to run itself (`requestEagerExecution`) on the workflow's own task queue start at once, as
   * Temporal does with `system.enableActivityEagerExecution`, sparing a poll and a trip through matching.
   */
  completeWorkflowTask(t: WorkflowTaskToken, req: T.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest): PollActivityTaskResponse[] {
    const run = this.workflowTaskRun(t);
    const commands = req.commands ?? [];
    for (const c of commands) this.validateCommand(run, c);
    const terminal = commands.some((c) => isTerminalCommand(c.commandType ?? 0));
    this.disarm(run.wft.rt);
    if (terminal && run.buffered.length > 0) {
      // New events arrived while the worker decided to close: it must see them first.
      this.append(run, [
        this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
          workflowTaskFailedEventAttributes: {
            scheduledEventId: int64(t.sid),
            startedEventId: int64(t.st),
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
            identity: req.identity ?? '',
          },
        }),
      ]);
      this.flushBuffer(run);
      run.nextWftAttempt = 1;
      this.scheduleWorkflowTask(run);
      return [];
    }
    this.append(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
        workflowTaskCompletedEventAttributes: {
          scheduledEventId: int64(t.sid),
          startedEventId: int64(t.st),
          identity: req.identity ?? '',
          binaryChecksum: req.binaryChecksum ?? '',
          workerVersion: req.workerVersionStamp ?? null,
          sdkMetadata: req.sdkMetadata ?? null,
          meteringMetadata: req.meteringMetadata ?? null,
          deployment: req.deployment ?? null,
          versioningBehavior: req.versioningBehavior ?? 0,
        },
      }),
    ]);
    const completedId = t.st + 1;
    const stickyQueue = req.stickyAttributes?.workerTaskQueue?.name;
    run.sticky = stickyQueue
      ? { queue: stickyQueue, scheduleToStartMs: durationMs(req.stickyAttributes?.scheduleToStartTimeout) || 5000 }
      : undefined;
    let needsTask = req.forceCreateNewWorkflowTask === true;
    const eager: number[] = [];
    for (const c of commands) {
      if (!isOpen(run)) break;
      const scheduledEventId = run.history.length + 1;
      if (this.applyCommand(run, c, completedId, req.identity ?? '')) needsTask = true;
      if (isEagerActivity(run, c)) eager.push(scheduledEventId);
    }
    if (!isOpen(run)) return [];
    if (this.flushBuffer(run) > 0) needsTask = true;
    if (needsTask) this.scheduleWorkflowTask(run);
    const poller: PollerInfo = { identity: req.identity ?? '' };
    const tasks: PollActivityTaskResponse[] = [];
    for (const sid of eager) {
      const act = run.activities.get(sid);
      const task = act ? this.startActivity(run, act, act.attempt, poller) : null;
      if (task) tasks.push(task);
    }
    return tasks;
  }

  failWorkflowTask(t: WorkflowTaskToken, req: T.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest): void {
    const run = this.workflowTaskRun(t);
    this.disarm(run.wft.rt);
    run.sticky = undefined;
    this.append(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
        workflowTaskFailedEventAttributes: {
          scheduledEventId: int64(t.sid),
          startedEventId: int64(t.st),
          cause: req.cause ?? 0,
          failure: req.failure ?? null,
          identity: req.identity ?? '',
          binaryChecksum: req.binaryChecksum ?? '',
        },
      }),
    ]);
    this.flushBuffer(run);
    this.scheduleWorkflowTask(run);
  }

  private timeoutWorkflowTask(run: Run, scheduledEventId: number, startedEventId: number): void {
    if (
      !isOpen(run) ||
      run.wft.phase !== 'started' ||
      run.wft.scheduledEventId !== scheduledEventId ||
      run.wft.startedEventId !== startedEventId
    )
      return;
    run.sticky = undefined;
    this.append(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
        workflowTaskTimedOutEventAttributes: {
          scheduledEventId: int64(scheduledEventId),
          startedEventId: int64(startedEventId),
          timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
        },
      }),
    ]);
    this.flushBuffer(run);
    this.scheduleWorkflowTask(run);
  }

  // ---- commands ----------------------------------------------------------------------------------

  private validateCommand(run: Run, c: Command): void {
    switch (c.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const a = c.scheduleActivityTaskCommandAttributes;
        if (!a?.activityId || !a.activityType?.name)
          throw invalidArgument('ScheduleActivityTask needs an activity id and type');
        if (
          durationMs(a.scheduleToCloseTimeout) <= 0 &&
          durationMs(a.startToCloseTimeout) <= 0 &&
          run.runTimeoutMs <= 0
        ) {
          throw invalidArgument('ScheduleActivityTask needs a ScheduleToClose or StartToClose timeout');
        }
        return;
      }
      case CommandType.COMMAND_TYPE_START_TIMER:
        if (!c.startTimerCommandAttributes?.timerId) throw invalidArgument('StartTimer needs a timer id');
        return;
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
        if (!c.startChildWorkflowExecutionCommandAttributes?.workflowId)
          throw invalidArgument('StartChildWorkflowExecution needs a workflow id');
        return;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
      case CommandType.COMMAND_TYPE_CANCEL_TIMER:
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_RECORD_MARKER:
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
        return;
      default:
        throw new EngineError(
          'E_UNIMPLEMENTED',
          `command type ${api.enums.v1.CommandType[c.commandType ?? 0] ?? String(c.commandType)} is not supported by this server`,
        );
    }
  }

  /** Applies one command after the WorkflowTaskCompleted event; true when the workflow needs a new task. */
  private applyCommand(run: Run, c: Command, completedId: number, identity: string): boolean {
    const wtc = int64(completedId);
    switch (c.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const a = c.scheduleActivityTaskCommandAttributes ?? {};
        let s2c = durationMs(a.scheduleToCloseTimeout);
        let s2s = durationMs(a.scheduleToStartTimeout);
        let stc = durationMs(a.startToCloseTimeout);
        if (s2c <= 0) s2c = run.runTimeoutMs;
        if (stc <= 0) stc = s2c;
        if (s2s <= 0) s2s = s2c;
        this.append(run, [
          this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
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
        return false;
      }
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const sid = num(c.requestCancelActivityTaskCommandAttributes?.scheduledEventId);
        const act = run.activities.get(sid);
        if (!act || act.phase === 'closed') return false;
        this.append(run, [
          this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
            activityTaskCancelRequestedEventAttributes: {
              scheduledEventId: int64(sid),
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        if (act.phase !== 'started') {
          // Not running anywhere: it is cancelled at once.
          const cancelRequestedId = run.history.length;
          this.disarmActivity(act);
          this.append(run, [
            this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
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
        return false;
      }
      case CommandType.COMMAND_TYPE_START_TIMER: {
        const a = c.startTimerCommandAttributes ?? {};
        this.append(run, [
          this.event(EventType.EVENT_TYPE_TIMER_STARTED, {
            timerStartedEventAttributes: {
              timerId: a.timerId ?? '',
              startToFireTimeout: a.startToFireTimeout ?? msDuration(0),
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      }
      case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
        const timerId = c.cancelTimerCommandAttributes?.timerId ?? '';
        const timer = run.timers.get(timerId);
        if (!timer || timer.phase !== 'started') return false;
        timer.phase = timerMachine(timer.phase, 'cancel');
        this.disarm(timer.rt);
        this.append(run, [
          this.event(EventType.EVENT_TYPE_TIMER_CANCELED, {
            timerCanceledEventAttributes: {
              timerId,
              startedEventId: int64(timer.startedEventId),
              workflowTaskCompletedEventId: wtc,
              identity,
            },
          }),
        ]);
        return false;
      }
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        this.close(run, [
          this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
            workflowExecutionCompletedEventAttributes: {
              result: c.completeWorkflowExecutionCommandAttributes?.result ?? null,
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        this.close(run, [
          this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
            workflowExecutionFailedEventAttributes: {
              failure: c.failWorkflowExecutionCommandAttributes?.failure ?? null,
              retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET,
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        this.close(run, [
          this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, {
            workflowExecutionCanceledEventAttributes: {
              details: c.cancelWorkflowExecutionCommandAttributes?.details ?? null,
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        this.continueAsNew(run, c.continueAsNewWorkflowExecutionCommandAttributes ?? {}, wtc);
        return false;
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
        this.startChild(run, c.startChildWorkflowExecutionCommandAttributes ?? {}, wtc, identity);
        return true;
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
        this.signalExternal(run, c.signalExternalWorkflowExecutionCommandAttributes ?? {}, wtc, identity);
        return true;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        this.cancelExternal(run, c.requestCancelExternalWorkflowExecutionCommandAttributes ?? {}, wtc, identity);
        return true;
      case CommandType.COMMAND_TYPE_RECORD_MARKER: {
        const a = c.recordMarkerCommandAttributes ?? {};
        this.append(run, [
          this.event(EventType.EVENT_TYPE_MARKER_RECORDED, {
            markerRecordedEventAttributes: {
              markerName: a.markerName ?? '',
              details: a.details ?? {},
              workflowTaskCompletedEventId: wtc,
              header: a.header ?? null,
              failure: a.failure ?? null,
            },
          }),
        ]);
        return false;
      }
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        this.append(run, [
          this.event(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
            upsertWorkflowSearchAttributesEventAttributes: {
              workflowTaskCompletedEventId: wtc,
              searchAttributes: c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes ?? null,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
        this.append(run, [
          this.event(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, {
            workflowPropertiesModifiedEventAttributes: {
              workflowTaskCompletedEventId: wtc,
              upsertedMemo: c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo ?? null,
            },
          }),
        ]);
        return false;
      default:
        return false;
    }
  }

  private continueAsNew(
    run: Run,
    a: T.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
  ): void {
    const newRunId = randomUUID();
    const started = run.history[0]?.workflowExecutionStartedEventAttributes ?? {};
    const taskQueue = a.taskQueue?.name || run.taskQueue;
    const runTimeout = durationMs(a.workflowRunTimeout) || run.runTimeoutMs;
    const taskTimeout = durationMs(a.workflowTaskTimeout) || run.workflowTaskTimeoutMs;
    this.close(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
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

  private startChild(
    parent: Run,
    a: T.api.command.v1.IStartChildWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): void {
    const namespace = a.namespace || parent.namespace;
    this.append(parent, [
      this.event(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
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
    const existing = this.namespaces.has(namespace) ? this.tryFindRun(namespace, a.workflowId ?? '') : undefined;
    const reuse = a.workflowIdReusePolicy ?? 0;
    const blocked =
      !this.namespaces.has(namespace) ||
      (existing !== undefined &&
        (isOpen(existing) || reuse === IdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE));
    if (blocked) {
      this.append(parent, [
        this.event(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED, {
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
    const child = this.createRun(namespace, a.workflowId ?? '', runId, '', {
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
      parentWorkflowNamespaceId: this.namespaces.get(parent.namespace)?.id ?? '',
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
    this.append(parent, [
      this.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, {
        childWorkflowExecutionStartedEventAttributes: {
          namespace,
          namespaceId: this.namespaces.get(namespace)?.id ?? '',
          initiatedEventId: int64(initiatedId),
          workflowExecution: { workflowId: child.workflowId, runId: child.runId },
          workflowType: { name: workflowType },
          header: a.header ?? null,
        },
      }),
    ]);
  }

  private signalExternal(
    run: Run,
    a: T.api.command.v1.ISignalExternalWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): void {
    const namespace = a.namespace || run.namespace;
    const execution = { workflowId: a.execution?.workflowId ?? '', runId: a.execution?.runId ?? '' };
    this.append(run, [
      this.event(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
        signalExternalWorkflowExecutionInitiatedEventAttributes: {
          workflowTaskCompletedEventId: wtc,
          namespace,
          workflowExecution: execution,
          signalName: a.signalName ?? '',
          input: a.input ?? null,
          control: a.control ?? '',
          childWorkflowOnly: a.childWorkflowOnly ?? false,
          header: a.header ?? null,
        },
      }),
    ]);
    const initiatedId = int64(run.history.length);
    const target = this.namespaces.has(namespace)
      ? this.tryFindRun(namespace, execution.workflowId, execution.runId)
      : undefined;
    if (!target || !isOpen(target)) {
      this.append(run, [
        this.event(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
          signalExternalWorkflowExecutionFailedEventAttributes: {
            cause:
              api.enums.v1.SignalExternalWorkflowExecutionFailedCause
                .SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
            workflowTaskCompletedEventId: wtc,
            namespace,
            workflowExecution: execution,
            initiatedEventId: initiatedId,
            control: a.control ?? '',
          },
        }),
      ]);
      return;
    }
    this.add(target, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        workflowExecutionSignaledEventAttributes: {
          signalName: a.signalName ?? '',
          input: a.input ?? null,
          identity,
          header: a.header ?? null,
          externalWorkflowExecution: { workflowId: run.workflowId, runId: run.runId },
        },
      }),
    ]);
    this.append(run, [
      this.event(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, {
        externalWorkflowExecutionSignaledEventAttributes: {
          initiatedEventId: initiatedId,
          namespace,
          workflowExecution: { workflowId: target.workflowId, runId: target.runId },
          control: a.control ?? '',
        },
      }),
    ]);
  }

  private cancelExternal(
    run: Run,
    a: T.api.command.v1.IRequestCancelExternalWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): void {
    const namespace = a.namespace || run.namespace;
    const execution = { workflowId: a.workflowId ?? '', runId: a.runId ?? '' };
    this.append(run, [
      this.event(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
        requestCancelExternalWorkflowExecutionInitiatedEventAttributes: {
          workflowTaskCompletedEventId: wtc,
          namespace,
          workflowExecution: execution,
          control: a.control ?? '',
          childWorkflowOnly: a.childWorkflowOnly ?? false,
          reason: a.reason ?? '',
        },
      }),
    ]);
    const initiatedId = int64(run.history.length);
    const target = this.namespaces.has(namespace)
      ? this.tryFindRun(namespace, execution.workflowId, execution.runId)
      : undefined;
    if (!target || !isOpen(target)) {
      this.append(run, [
        this.event(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
          requestCancelExternalWorkflowExecutionFailedEventAttributes: {
            cause:
              api.enums.v1.CancelExternalWorkflowExecutionFailedCause
                .CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
            workflowTaskCompletedEventId: wtc,
            namespace,
            workflowExecution: execution,
            initiatedEventId: initiatedId,
            control: a.control ?? '',
          },
        }),
      ]);
      return;
    }
    this.requestCancel(
      target,
      a.reason ?? '',
      identity,
      { workflowId: run.workflowId, runId: run.runId },
      num(initiatedId),
    );
    this.append(run, [
      this.event(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
        externalWorkflowExecutionCancelRequestedEventAttributes: {
          initiatedEventId: initiatedId,
          namespace,
          workflowExecution: { workflowId: target.workflowId, runId: target.runId },
        },
      }),
    ]);
  }

  // ---- closing runs ------------------------------------------------------------------------------

  /** Writes the close event and carries out what closing implies: parent notice, child policies. */
  private close(run: Run, closeEvents: HistoryEvent[]): void {
    this.disarm(run.wft.rt);
    this.disarm(run.runTimeoutRt);
    for (const act of run.activities.values()) this.disarmActivity(act);
    for (const timer of run.timers.values()) this.disarm(timer.rt);
    const children = [...run.children.values()];
    this.append(run, closeEvents);
    const closeEvent = closeEvents[closeEvents.length - 1]!;
    if (closeEvent.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
      this.notifyParent(run, closeEvent);
      for (const child of children) {
        if (child.phase !== 'started') continue;
        const target = this.tryFindRun(child.namespace, child.workflowId);
        if (!target || !isOpen(target)) continue;
        if (child.parentClosePolicy === ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL) {
          this.requestCancel(target, 'parent closed', 'engine', undefined, 0);
        } else if (child.parentClosePolicy !== ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON) {
          this.terminate(target, 'by parent close policy', 'engine');
        }
      }
    }
    // Buffered events of a closed run are dropped, as Temporal does.
    run.buffered = [];
  }

  private notifyParent(run: Run, closeEvent: HistoryEvent): void {
    if (!run.parent) return;
    const parent = this.tryFindRun(run.parent.namespace, run.parent.workflowId, run.parent.runId);
    if (!parent || !isOpen(parent)) return;
    const initiatedEventId = int64(run.parent.initiatedEventId);
    const child = parent.children.get(run.parent.initiatedEventId);
    if (!child || child.phase === 'closed') return;
    const common = {
      namespace: run.namespace,
      namespaceId: this.namespaces.get(run.namespace)?.id ?? '',
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      workflowType: { name: run.workflowType },
      initiatedEventId,
      startedEventId: int64(child.startedEventId),
    };
    let e: HistoryEvent;
    switch (closeEvent.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        e = this.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, {
          childWorkflowExecutionCompletedEventAttributes: {
            ...common,
            result: closeEvent.workflowExecutionCompletedEventAttributes?.result ?? null,
          },
        });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        e = this.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED, {
          childWorkflowExecutionFailedEventAttributes: {
            ...common,
            failure: closeEvent.workflowExecutionFailedEventAttributes?.failure ?? null,
            retryState: closeEvent.workflowExecutionFailedEventAttributes?.retryState ?? 0,
          },
        });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        e = this.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, {
          childWorkflowExecutionCanceledEventAttributes: {
            ...common,
            details: closeEvent.workflowExecutionCanceledEventAttributes?.details ?? null,
          },
        });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        e = this.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT, {
          childWorkflowExecutionTimedOutEventAttributes: { ...common, retryState: RetryState.RETRY_STATE_TIMEOUT },
        });
        break;
      default:
        e = this.event(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, {
          childWorkflowExecutionTerminatedEventAttributes: common,
        });
    }
    this.add(parent, [e]);
  }

  terminate(run: Run, reason: string, identity: string, details?: Payloads | null): void {
    if (!isOpen(run)) throw notFound('workflow execution already completed');
    this.forceCloseWorkflowTask(run);
    this.close(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, {
        workflowExecutionTerminatedEventAttributes: { reason, details: details ?? null, identity },
      }),
    ]);
  }

  private forceCloseWorkflowTask(run: Run): void {
    if (run.wft.phase !== 'started') return;
    this.disarm(run.wft.rt);
    this.append(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
        workflowTaskFailedEventAttributes: {
          scheduledEventId: int64(run.wft.scheduledEventId),
          startedEventId: int64(run.wft.startedEventId),
          cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
          identity: 'engine',
        },
      }),
    ]);
    this.flushBuffer(run);
  }

  private timeoutRun(run: Run): void {
    if (!isOpen(run)) return;
    this.forceCloseWorkflowTask(run);
    this.close(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, {
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
    this.add(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
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
    if (!isOpen(run)) throw notFound('workflow execution already completed');
    this.add(run, [
      this.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        workflowExecutionSignaledEventAttributes: {
          signalName: name,
          input: input ?? null,
          identity,
          header: header ?? null,
        },
      }),
    ]);
  }

  // ---- timers ------------------------------------------------------------------------------------

  private fireTimer(run: Run, timerId: string, startedEventId: number): void {
    const timer = run.timers.get(timerId);
    if (!isOpen(run) || !timer || timer.phase !== 'started' || timer.startedEventId !== startedEventId) return;
    this.add(run, [
      this.event(EventType.EVENT_TYPE_TIMER_FIRED, {
        timerFiredEventAttributes: { timerId, startedEventId: int64(startedEventId) },
      }),
    ]);
  }

  // ---- activities --------------------------------------------------------------------------------

  private disarmActivity(act: ActivityState): void {
    this.disarm(act.rt);
    this.disarm(act.deadlineRt);
  }

  private startActivity(
    run: Run,
    act: ActivityState,
    attempt: number,
    poller: PollerInfo,
  ): PollActivityTaskResponse | null {
    if (
      !isOpen(run) ||
      run.activities.get(act.scheduledEventId) !== act ||
      act.phase !== 'scheduled' ||
      act.attempt !== attempt
    )
      return null;
    return this.mutate(() => {
      act.rt.queued = false;
      act.phase = activityMachine(act.phase, 'start');
      act.startedTimeMs = Date.now();
      act.startedIdentity = poller.identity;
      act.lastHeartbeatMs = 0;
      const stc = durationMs(act.attrs.startToCloseTimeout);
      if (stc > 0)
        this.arm(act.rt, act.startedTimeMs + stc, () =>
          this.timeoutActivity(run, act, attempt, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE),
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
    }).result;
  }

  private armHeartbeat(run: Run, act: ActivityState): void {
    const hb = durationMs(act.attrs.heartbeatTimeout);
    if (hb <= 0) return;
    const attempt = act.attempt;
    const since = act.lastHeartbeatMs || act.startedTimeMs;
    this.arm(act.rt, since + hb, () => {
      if (act.phase !== 'started' || act.attempt !== attempt) return;
      const last = act.lastHeartbeatMs || act.startedTimeMs;
      if (Date.now() - last >= hb - 1) this.timeoutActivity(run, act, attempt, TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
      else this.armHeartbeat(run, act);
    });
  }

  /** The pending activity a token names; a token from before an engine restart still matches its attempt. */
  activityFor(t: ActivityTaskToken): { run: Run; act: ActivityState } {
    const run = this.tryFindRun(t.ns, t.wf, t.run);
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
    return this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
      activityTaskStartedEventAttributes: {
        scheduledEventId: int64(act.scheduledEventId),
        identity: identity || act.startedIdentity,
        requestId: randomUUID(),
        attempt: act.attempt,
        lastFailure: act.lastFailure ?? null,
      },
    });
  }

  completeActivity(t: ActivityTaskToken, result: Payloads | null | undefined, identity: string): void {
    const { run, act } = this.activityFor(t);
    this.disarmActivity(act);
    act.phase = activityMachine(act.phase, 'close');
    this.add(run, [
      this.startedEventFor(act, identity),
      this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, {
        activityTaskCompletedEventAttributes: {
          result: result ?? null,
          scheduledEventId: int64(act.scheduledEventId),
          identity,
        },
      }),
    ]);
  }

  canceledActivity(t: ActivityTaskToken, details: Payloads | null | undefined, identity: string): void {
    const { run, act } = this.activityFor(t);
    this.disarmActivity(act);
    act.phase = activityMachine(act.phase, 'close');
    this.add(run, [
      this.startedEventFor(act, identity),
      this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
        activityTaskCanceledEventAttributes: {
          details: details ?? null,
          scheduledEventId: int64(act.scheduledEventId),
          identity,
        },
      }),
    ]);
  }

  failActivity(
    t: ActivityTaskToken,
    failure: Failure | null | undefined,
    identity: string,
    lastHeartbeat?: Payloads | null,
  ): void {
    const { run, act } = this.activityFor(t);
    if (lastHeartbeat?.payloads?.length) act.heartbeatDetails = lastHeartbeat;
    this.retryOrClose(run, act, failure ?? { message: 'activity failed' }, identity, (retryState) =>
      this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, {
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
    const { run, act } = this.activityFor(t);
    if (!isOpen(run)) throw notFound('activity task not found');
    act.lastHeartbeatMs = Date.now();
    if (details) act.heartbeatDetails = details;
    return { cancelRequested: act.cancelRequested };
  }

  private timeoutActivity(run: Run, act: ActivityState, attempt: number, timeoutType: number): void {
    if (!isOpen(run) || run.activities.get(act.scheduledEventId) !== act || act.phase === 'closed') return;
    const isDeadline = timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE;
    if (!isDeadline && (act.attempt !== attempt || act.phase !== 'started')) return;
    const failure: Failure = {
      message: `activity ${api.enums.v1.TimeoutType[timeoutType]?.replace('TIMEOUT_TYPE_', '') ?? 'timeout'} timeout`,
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: act.heartbeatDetails ?? null },
    };
    const closeEvent = (retryState: number): HistoryEvent =>
      this.event(EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, {
        activityTaskTimedOutEventAttributes: {
          failure: { ...failure, cause: act.lastFailure ?? null },
          scheduledEventId: int64(act.scheduledEventId),
          retryState,
        },
      });
    if (isDeadline) {
      this.closeActivity(run, act, closeEvent(RetryState.RETRY_STATE_TIMEOUT), '');
      return;
    }
    this.retryOrClose(run, act, failure, act.startedIdentity, closeEvent);
  }

  private closeActivity(run: Run, act: ActivityState, closeEvent: HistoryEvent, identity: string): void {
    this.disarmActivity(act);
    const wasStarted = act.phase === 'started';
    act.phase = activityMachine(act.phase, 'close');
    this.add(run, wasStarted ? [this.startedEventFor(act, identity), closeEvent] : [closeEvent]);
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
      this.closeActivity(run, act, closeEvent(decision.retryState), identity);
      return;
    }
    this.disarm(act.rt);
    act.phase = activityMachine(act.phase, 'retry');
    act.attempt += 1;
    act.retryAtMs = now + decision.delayMs;
    act.lastFailure = failure;
    this.record({
      k: 'act',
      ns: run.namespace,
      wf: run.workflowId,
      run: run.runId,
      sid: act.scheduledEventId,
      attempt: act.attempt,
      retryAt: act.retryAtMs,
      failure: encodeFailure(failure),
    });
    this.touch(run);
  }

  private wakeActivity(run: Run, act: ActivityState): void {
    if (!isOpen(run) || run.activities.get(act.scheduledEventId) !== act || act.phase !== 'backoff') return;
    act.phase = activityMachine(act.phase, 'wake');
    act.currentAttemptScheduledMs = Date.now();
    act.rt.queued = false;
    this.touch(run);
  }

  // ---- queries -----------------------------------------------------------------------------------

  query(run: Run, query: T.api.query.v1.IWorkflowQuery, timeoutMs: number): Promise<Payloads | null> {
    if (run.previousStartedEventId === 0) {
      throw failedPrecondition('Cannot query workflow before the first workflow task is completed.');
    }
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          pending.settle({ ok: false, error: new EngineError('E_DEADLINE', 'query timed out: no worker answered') }),
        timeoutMs,
      );
      const pending: PendingQuery = {
        done: false,
        settle: (r) => {
          if (pending.done) return;
          pending.done = true;
          clearTimeout(timer);
          this.queries.delete(id);
          if (r.ok) resolve(r.payloads);
          else reject(r.error);
        },
      };
      this.queries.set(id, pending);
      const dispatch = (): void =>
        this.workflowTasks.add(
          this.queueKey(run.namespace, run.taskQueue),
          () => {
            if (pending.done) return null;
            return {
              taskToken: encodeToken({ k: 'q', ns: run.namespace, id }),
              workflowExecution: { workflowId: run.workflowId, runId: run.runId },
              workflowType: { name: run.workflowType },
              previousStartedEventId: int64(run.previousStartedEventId),
              // Zero marks a query task (no workflow task is started for it), as Temporal sends it.
              startedEventId: int64(0),
              attempt: 1,
              history: { events: run.history },
              query,
              workflowExecutionTaskQueue: {
                name: run.taskQueue,
                kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
              },
              scheduledTime: msTimestamp(Date.now()),
              startedTime: msTimestamp(Date.now()),
            };
          },
          true,
        );
      // Like Temporal, a query does not overtake a pending workflow task of the same run.
      if (run.wft.phase === 'none' || !isOpen(run)) dispatch();
      else run.parkedQueries.push(dispatch);
    });
  }

  answerQuery(id: string, answer: { ok: true; payloads: Payloads | null } | { ok: false; message: string }): void {
    const pending = this.queries.get(id);
    if (!pending) throw notFound('query not found or already timed out');
    pending.settle(answer.ok ? answer : { ok: false, error: invalidArgument(answer.message) });
  }

  // ---- recovery and compaction -------------------------------------------------------------------

  /** Rebuilds state from journal records (already validated), then re-arms timers and queues. */
  recover(records: JournalRecord[]): void {
    for (const r of records) this.applyRecord(r);
    for (const run of this.runs.values()) this.reconcile(run);
  }

  private applyRecord(r: JournalRecord): void {
    switch (r.k) {
      case 'ns':
        this.namespaces.set(r.name, {
          name: r.name,
          id: r.id,
          description: r.description,
          retentionMs: r.retentionMs,
          searchAttributes: this.namespaces.get(r.name)?.searchAttributes ?? {},
        });
        return;
      case 'sa': {
        const ns = this.namespaces.get(r.ns);
        if (!ns) return;
        if (r.type === null) delete ns.searchAttributes[r.name];
        else ns.searchAttributes[r.name] = r.type;
        return;
      }
      case 'ev': {
        const key = runKey(r.ns, r.wf, r.run);
        let run = this.runs.get(key);
        if (!run) {
          run = newRun(r.ns, r.wf, r.run, r.rq ?? '');
          this.runs.set(key, run);
          this.current.set(`${r.ns}\u0000${r.wf}`, run);
        }
        if (r.flush) run.buffered = [];
        for (const s of r.ev) {
          const e = decodeEvent(s);
          run.history.push(e);
          applyEvent(run, e);
          this.taskId = Math.max(this.taskId, num(e.taskId));
        }
        return;
      }
      case 'buf': {
        const run = this.runs.get(runKey(r.ns, r.wf, r.run));
        if (!run) return;
        for (const s of r.ev) {
          const e = decodeEvent(s);
          run.buffered.push(e);
          noteBuffered(run, e);
        }
        return;
      }
      case 'act': {
        const act = this.runs.get(runKey(r.ns, r.wf, r.run))?.activities.get(r.sid);
        if (!act) return;
        act.attempt = r.attempt;
        act.retryAtMs = r.retryAt;
        act.lastFailure = failureFromRecord(r.failure);
        if (act.phase !== 'closed') act.phase = 'backoff';
        return;
      }
    }
  }

  private forget(run: Run): void {
    this.runs.delete(runKey(run.namespace, run.workflowId, run.runId));
    const currentKey = `${run.namespace}\u0000${run.workflowId}`;
    if (this.current.get(currentKey) === run) this.current.delete(currentKey);
  }

  /** Drops closed runs past their namespace's retention; returns how many were dropped. */
  dropExpired(nowMs = Date.now()): number {
    let dropped = 0;
    for (const run of [...this.runs.values()]) {
      if (isOpen(run)) continue;
      const retention =
        this.namespaces.get(run.namespace)?.retentionMs ?? this.options.defaultRetentionMs ?? 86_400_000;
      if (run.closeTimeMs + retention <= nowMs) {
        this.forget(run);
        dropped++;
      }
    }
    return dropped;
  }

  /** The records that rebuild the current state: the journal's content after compaction. */
  snapshot(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (const ns of this.namespaces.values()) {
      out.push({ k: 'ns', name: ns.name, id: ns.id, description: ns.description, retentionMs: ns.retentionMs });
      for (const [name, type] of Object.entries(ns.searchAttributes)) out.push({ k: 'sa', ns: ns.name, name, type });
    }
    // Runs in creation order so that the latest run of a workflow id is restored as its current run.
    const ordered = [...this.runs.values()].sort(
      (a, b) => a.startTimeMs - b.startTimeMs || num(a.history[0]?.taskId) - num(b.history[0]?.taskId),
    );
    for (const run of ordered) {
      out.push({
        k: 'ev',
        ns: run.namespace,
        wf: run.workflowId,
        run: run.runId,
        ev: run.history.map(encodeEvent),
        ...(run.requestId ? { rq: run.requestId } : {}),
      });
      if (run.buffered.length)
        out.push({
          k: 'buf',
          ns: run.namespace,
          wf: run.workflowId,
          run: run.runId,
          ev: run.buffered.map(encodeEvent),
        });
      for (const act of run.activities.values()) {
        if (act.phase === 'backoff' || act.attempt > 1) {
          out.push({
            k: 'act',
            ns: run.namespace,
            wf: run.workflowId,
            run: run.runId,
            sid: act.scheduledEventId,
            attempt: act.attempt,
            retryAt: act.phase === 'backoff' ? act.retryAtMs : Date.now(),
            failure: act.lastFailure ? encodeFailure(act.lastFailure) : undefined,
          });
        }
      }
    }
    return out;
  }

  shutdown(): void {
    this.closed = true;
    this.disarm(this.globalRt);
    for (const run of this.runs.values()) {
      this.disarm(run.wft.rt);
      this.disarm(run.runTimeoutRt);
      this.disarm(run.stickyRt);
      for (const act of run.activities.values()) this.disarmActivity(act);
      for (const timer of run.timers.values()) this.disarm(timer.rt);
      this.wakeHistory(run);
    }
    this.workflowTasks.releasePollers();
    this.activityTasks.releasePollers();
    for (const q of [...this.queries.values()])
      q.settle({ ok: false, error: new EngineError('E_UNAVAILABLE', 'server is shutting down') });
  }
}

export function isTerminalCommand(t: number): boolean {
  return (
    t === CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION ||
    t === CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION ||
    t === CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION ||
    t === CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION
  );
}

export { isCloseEvent, isOpen, timestampMs };
