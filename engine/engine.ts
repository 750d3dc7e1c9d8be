// The engine core: namespaces, workflow runs and task queues, the unit of work and history writing. Every
// change happens inside a unit of work that applies new events to the in-memory state and appends the
// matching journal records in one batch; callers acknowledge a client only after that batch is durable.
//
// The per-entity logic lives beside it, each in its own file (see engine/README.md, "Design"): the
// workflow task, activity, timer and child-workflow state machines, the run lifecycle, command handling,
// task dispatch, runtime alarms, queries and persistence. The Engine owns one instance of each and keeps
// the public methods the service layer calls.
import { randomUUID } from 'node:crypto';
import { ActivityLifecycle } from './activity';
import { Alarms } from './alarms';
import { ChildWorkflowLifecycle } from './child-workflow';
import { Commands, isTerminalCommand } from './commands';
import { TaskDispatch } from './dispatch';
import { EngineError, invalidArgument, notFound } from './errors';
import {
  DEFAULT_LIMITS,
  encodedEventBytes,
  FailureReason,
  HISTORY_SERVICE_IDENTITY,
  type BlobWarning,
  type EngineLimits,
} from './limits';
import { TaskQueues } from './matching';
import { Persistence } from './persistence';
import {
  encodeEvent,
  int64,
  msTimestamp,
  timestampMs,
  type Failure,
  type HistoryEvent,
  type Payloads,
  type T,
} from './proto';
import { QueryTasks } from './queries';
import { RunLifecycle } from './run-lifecycle';
import type { SearchAttributeTypeName } from './search-attributes';
import {
  applyEvent,
  fixReferences,
  isCloseEvent,
  isOpen,
  noteBuffered,
  runKey,
  type ActivityState,
  type Run,
} from './state';
import { TimerLifecycle } from './timer';
import type { ActivityTaskToken, WorkflowTaskToken } from './tokens';
import type { JournalRecord } from './records';
import { WorkflowTaskLifecycle } from './workflow-task';

export type PollWorkflowTaskResponse = T.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
export type PollActivityTaskResponse = T.api.workflowservice.v1.IPollActivityTaskQueueResponse;
export type Command = T.api.command.v1.ICommand;

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
  /** Size limits; Temporal's self-hosted defaults where omitted. */
  limits?: Partial<EngineLimits>;
  /** Structured warnings (payloads and histories past their warn limits). */
  log?: (event: Record<string, unknown>) => void;
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

export class Engine {
  readonly namespaces = new Map<string, NamespaceState>();
  /** Every run by runKey; `current` maps namespace + workflow id to its latest run. */
  readonly runs = new Map<string, Run>();
  readonly current = new Map<string, Run>();
  readonly workflowTasks: TaskQueues<PollWorkflowTaskResponse, PollerInfo>;
  readonly activityTasks: TaskQueues<PollActivityTaskResponse, PollerInfo>;
  readonly historyPollTimeoutMs: number;
  /** Workflow tasks handed out with only the new events (sticky) or the whole history. */
  readonly workflowTaskStats = { sticky: 0, fullHistory: 0 };
  readonly limits: EngineLimits;
  /** Logs a payload past the blob warn limit, as Temporal does. */
  readonly warnBlob: BlobWarning;

  // The parts of the engine, one per seam; they reach each other through this object.
  readonly alarms: Alarms;
  readonly dispatch: TaskDispatch;
  readonly workflowTask: WorkflowTaskLifecycle;
  readonly activity: ActivityLifecycle;
  readonly timer: TimerLifecycle;
  readonly child: ChildWorkflowLifecycle;
  readonly lifecycle: RunLifecycle;
  readonly commands: Commands;
  readonly queryTasks: QueryTasks;
  readonly persistence: Persistence;

  private taskId = 0;
  private uow: { records: JournalRecord[]; touched: Set<Run> } | null = null;
  private lastPersist: Promise<void> = Promise.resolve();
  private readonly historyWarned = new WeakSet<Run>();

  constructor(readonly options: EngineOptions = {}) {
    this.workflowTasks = new TaskQueues(options.pollTimeoutMs ?? 60_000);
    this.activityTasks = new TaskQueues(options.pollTimeoutMs ?? 60_000);
    this.historyPollTimeoutMs = options.historyPollTimeoutMs ?? 20_000;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.warnBlob = (w) =>
      options.log?.({ event: 'blob_size_warning', message: 'Blob data size exceeds the warning limit.', ...w });
    this.alarms = new Alarms(this);
    this.dispatch = new TaskDispatch(this);
    this.workflowTask = new WorkflowTaskLifecycle(this);
    this.activity = new ActivityLifecycle(this);
    this.timer = new TimerLifecycle(this);
    this.child = new ChildWorkflowLifecycle(this);
    this.lifecycle = new RunLifecycle(this);
    this.commands = new Commands(this);
    this.queryTasks = new QueryTasks(this);
    this.persistence = new Persistence(this);
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
      try {
        result = fn();
      } catch (err) {
        failed = true;
        failure = err;
      }
      const limitError = this.enforceHistoryLimits(uow.touched);
      if (limitError && !failed) {
        failed = true;
        failure = limitError;
      }
      // Also after an error: whatever was applied must have its tasks queued and its alarms armed.
      for (const run of uow.touched) this.dispatch.reconcile(run);
    } catch (err) {
      if (!failed) {
        failed = true;
        failure = err;
      }
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

  /**
   * Terminates the open runs this unit of work pushed past the history size or event-count limit, as
   * Temporal does (reason "Workflow history size/count exceeds limit.", identity history-service), and
   * returns the INVALID_ARGUMENT error Temporal answers the request with. Warns past the warn limits.
   */
  private enforceHistoryLimits(touched: Set<Run>): EngineError | undefined {
    const limits = this.limits;
    let error: EngineError | undefined;
    for (const run of [...touched]) {
      if (!isOpen(run)) continue;
      const reason =
        run.historyBytes > limits.historySizeErrorBytes
          ? FailureReason.historySize
          : run.history.length > limits.historyCountError
            ? FailureReason.historyCount
            : undefined;
      if (reason) {
        this.options.log?.({
          event: 'history_limit_exceeded',
          workflowId: run.workflowId,
          runId: run.runId,
          reason,
          bytes: run.historyBytes,
          events: run.history.length,
        });
        this.lifecycle.terminate(run, reason, HISTORY_SERVICE_IDENTITY);
        error ??= invalidArgument(reason);
      } else if (
        !this.historyWarned.has(run) &&
        (run.historyBytes > limits.historySizeWarnBytes || run.history.length > limits.historyCountWarn)
      ) {
        this.historyWarned.add(run);
        this.options.log?.({
          event: 'history_size_warning',
          message: 'history size exceeds warn limit.',
          workflowId: run.workflowId,
          runId: run.runId,
          bytes: run.historyBytes,
          events: run.history.length,
        });
      }
    }
    return error;
  }

  /** True while a unit of work is open (its touched runs are reconciled when it ends). */
  get inUnitOfWork(): boolean {
    return this.uow !== null;
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

  /** Adds a journal record to the open unit of work. */
  record(r: JournalRecord): void {
    this.uow?.records.push(r);
  }

  /** Marks a run for reconciliation at the end of the unit of work. */
  touch(run: Run): void {
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
    const run = this.tryFindRun(namespace, workflowId, runId);
    if (!run)
      throw notFound(
        `workflow execution not found for workflow ID "${workflowId}"${runId ? ` and run ID "${runId}"` : ''}`,
      );
    return run;
  }

  tryFindRun(namespace: string, workflowId: string, runId?: string | null): Run | undefined {
    return runId
      ? this.runs.get(runKey(namespace, workflowId, runId))
      : this.current.get(currentKey(namespace, workflowId));
  }

  /** Registers a new run as the current run of its workflow id. */
  addRun(run: Run): void {
    this.runs.set(runKey(run.namespace, run.workflowId, run.runId), run);
    this.current.set(currentKey(run.namespace, run.workflowId), run);
  }

  /** Removes a run (retention); its workflow id has no current run if it was the latest. */
  forgetRun(run: Run): void {
    this.runs.delete(runKey(run.namespace, run.workflowId, run.runId));
    const key = currentKey(run.namespace, run.workflowId);
    if (this.current.get(key) === run) this.current.delete(key);
  }

  queueKey(namespace: string, queue: string): string {
    return `${namespace}\u0000${queue}`;
  }

  // ---- history writing ---------------------------------------------------------------------------

  /** A new event with the next task id; its event id is assigned when it is appended. */
  event(eventType: number, attrs: Partial<HistoryEvent>): HistoryEvent {
    return { eventId: int64(0), eventTime: msTimestamp(Date.now()), eventType, taskId: int64(++this.taskId), ...attrs };
  }

  /** Keeps task ids above those seen in a recovered journal. */
  noteTaskId(taskId: number): void {
    this.taskId = Math.max(this.taskId, taskId);
  }

  /** Appends events straight into the run's history. */
  append(run: Run, events: HistoryEvent[], requestId?: string): void {
    const encoded: string[] = [];
    for (const e of events) {
      fixReferences(run, e);
      e.eventId = int64(run.history.length + 1);
      run.history.push(e);
      applyEvent(run, e);
      const b64 = encodeEvent(e);
      run.historyBytes += encodedEventBytes(b64);
      encoded.push(b64);
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
  add(run: Run, events: HistoryEvent[]): void {
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
    this.workflowTask.schedule(run);
  }

  /** Moves the events buffered during a workflow task into history; returns how many there were. */
  flushBuffer(run: Run): number {
    const events = run.buffered;
    if (events.length === 0) return 0;
    run.buffered = [];
    const encoded: string[] = [];
    for (const e of events) {
      fixReferences(run, e);
      e.eventId = int64(run.history.length + 1);
      run.history.push(e);
      applyEvent(run, e);
      const b64 = encodeEvent(e);
      run.historyBytes += encodedEventBytes(b64);
      encoded.push(b64);
    }
    this.record({ k: 'ev', ns: run.namespace, wf: run.workflowId, run: run.runId, ev: encoded, flush: true });
    this.touch(run);
    this.wakeHistory(run);
    return events.length;
  }

  wakeHistory(run: Run): void {
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

  // ---- the service layer's entry points ----------------------------------------------------------

  /** Brings timers and queue entries in line with the run's state; safe to call any number of times. */
  reconcile(run: Run): void {
    this.dispatch.reconcile(run);
  }

  /** Stops routing the run's workflow tasks to a sticky queue; a scheduled task moves to the normal queue. */
  unstick(run: Run): void {
    this.dispatch.unstick(run);
  }

  /** A worker is going away: its sticky queue gets no more tasks. */
  dropStickyQueue(namespace: string, stickyQueue: string): void {
    this.dispatch.dropStickyQueue(namespace, stickyQueue);
  }

  start(p: StartParams): StartOutcome {
    return this.lifecycle.start(p);
  }

  terminate(run: Run, reason: string, identity: string, details?: Payloads | null): void {
    this.lifecycle.terminate(run, reason, identity, details);
  }

  requestCancel(
    run: Run,
    reason: string,
    identity: string,
    external?: { workflowId: string; runId: string },
    externalInitiatedEventId = 0,
  ): void {
    this.lifecycle.requestCancel(run, reason, identity, external, externalInitiatedEventId);
  }

  signal(
    run: Run,
    name: string,
    input: Payloads | null | undefined,
    identity: string,
    header?: T.api.common.v1.IHeader | null,
  ): void {
    this.lifecycle.signal(run, name, input, identity, header);
  }

  /** Finds the run a workflow task token names, checking the task is still the one in flight. */
  workflowTaskRun(t: WorkflowTaskToken): Run {
    return this.workflowTask.runOf(t);
  }

  /** Completes the workflow task; answers the activity tasks handed out eagerly. */
  completeWorkflowTask(
    t: WorkflowTaskToken,
    req: T.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest,
  ): PollActivityTaskResponse[] {
    return this.workflowTask.complete(t, req);
  }

  failWorkflowTask(t: WorkflowTaskToken, req: T.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest): void {
    this.workflowTask.fail(t, req);
  }

  /** The pending activity a token names; a token from before an engine restart still matches its attempt. */
  activityFor(t: ActivityTaskToken): { run: Run; act: ActivityState } {
    return this.activity.find(t);
  }

  completeActivity(t: ActivityTaskToken, result: Payloads | null | undefined, identity: string): void {
    this.activity.complete(t, result, identity);
  }

  canceledActivity(t: ActivityTaskToken, details: Payloads | null | undefined, identity: string): void {
    this.activity.canceled(t, details, identity);
  }

  failActivity(
    t: ActivityTaskToken,
    failure: Failure | null | undefined,
    identity: string,
    lastHeartbeat?: Payloads | null,
  ): void {
    this.activity.fail(t, failure, identity, lastHeartbeat);
  }

  heartbeat(t: ActivityTaskToken, details: Payloads | null | undefined): { cancelRequested: boolean } {
    return this.activity.heartbeat(t, details);
  }

  query(run: Run, query: T.api.query.v1.IWorkflowQuery, timeoutMs: number): Promise<Payloads | null> {
    return this.queryTasks.query(run, query, timeoutMs);
  }

  answerQuery(id: string, answer: { ok: true; payloads: Payloads | null } | { ok: false; message: string }): void {
    this.queryTasks.answer(id, answer);
  }

  /** Rebuilds state from journal records (already validated), then re-arms timers and queues. */
  recover(records: JournalRecord[]): void {
    this.persistence.recover(records);
  }

  /** Drops closed runs past their namespace's retention; returns how many were dropped. */
  dropExpired(nowMs = Date.now()): number {
    return this.persistence.dropExpired(nowMs);
  }

  /** The records that rebuild the current state: the journal's content after compaction. */
  snapshot(): JournalRecord[] {
    return this.persistence.snapshot();
  }

  shutdown(): void {
    this.alarms.close();
    for (const run of this.runs.values()) {
      this.alarms.disarmRun(run);
      this.wakeHistory(run);
    }
    this.workflowTasks.releasePollers();
    this.activityTasks.releasePollers();
    this.queryTasks.cancelAll();
  }
}

function currentKey(namespace: string, workflowId: string): string {
  return `${namespace}\u0000${workflowId}`;
}

export { isCloseEvent, isOpen, isTerminalCommand, timestampMs };
