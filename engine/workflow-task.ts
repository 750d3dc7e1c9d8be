// The workflow task state machine (none -> scheduled -> started -> none; see fsm.ts): scheduling a task,
// handing it to a poller (with only the new events for a sticky worker), and its completion, failure and
// timeout. A completion's commands are applied by commands.ts.
import { randomUUID } from 'node:crypto';
import { isEagerActivity, isTerminalCommand } from './commands';
import type { Engine, PollActivityTaskResponse, PollerInfo, PollWorkflowTaskResponse } from './engine';
import { EngineError, invalidArgument, notFound } from './errors';
import {
  blobExceeds,
  failureBytes,
  FailureReason,
  HISTORY_SERVICE_IDENTITY,
  oversizedCommand,
  serverFailure,
  type OversizedCommand,
} from './limits';
import { api, durationMs, EventType, int64, msDuration, msTimestamp, type T } from './proto';
import { isOpen, type Run } from './state';
import { encodeToken, type WorkflowTaskToken } from './tokens';

const TimeoutType = api.enums.v1.TimeoutType;
const WorkflowTaskFailedCause = api.enums.v1.WorkflowTaskFailedCause;

export class WorkflowTaskLifecycle {
  constructor(private readonly e: Engine) {}

  /** Schedules the run's next workflow task unless one is pending or a start delay is still running. */
  schedule(run: Run, delayOver = false): void {
    if (!isOpen(run) || run.wft.phase !== 'none') return;
    // During a start delay nothing wakes the workflow early; reconcile schedules its first task on time.
    if (!delayOver && run.wft.scheduledEventId === 0 && Date.now() < run.executionTimeMs) return;
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
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
  start(run: Run, scheduledEventId: number, poller: PollerInfo, sticky = false): PollWorkflowTaskResponse | null {
    if (!isOpen(run) || run.wft.phase !== 'scheduled' || run.wft.scheduledEventId !== scheduledEventId) return null;
    return handOut(
      () =>
        this.e.mutate(() => {
          run.wft.rt.queued = false;
          this.e.alarms.disarm(run.stickyRt);
          this.e.append(run, [
            this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
              workflowTaskStartedEventAttributes: {
                scheduledEventId: int64(scheduledEventId),
                identity: poller.identity,
                requestId: randomUUID(),
              },
            }),
          ]);
          if (sticky) this.e.workflowTaskStats.sticky++;
          else this.e.workflowTaskStats.fullHistory++;
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
            workflowExecutionTaskQueue: {
              name: run.taskQueue,
              kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
            },
            scheduledTime: msTimestamp(run.wft.scheduledTimeMs),
            startedTime: msTimestamp(run.wft.startedTimeMs),
          };
        }).result,
    );
  }

  /** Finds the run a workflow task token names, checking the task is still the one in flight. */
  runOf(t: WorkflowTaskToken): Run {
    const run = this.e.tryFindRun(t.ns, t.wf, t.run);
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
  complete(
    t: WorkflowTaskToken,
    req: T.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest,
  ): PollActivityTaskResponse[] {
    const run = this.runOf(t);
    const commands = req.commands ?? [];
    for (const c of commands) this.e.commands.validate(run, c);
    for (const c of commands) {
      const oversized = oversizedCommand(c, this.e.limits, this.e.warnBlob);
      if (oversized) this.failAndTerminate(run, t, req.identity ?? '', oversized);
    }
    const terminal = commands.some((c) => isTerminalCommand(c.commandType ?? 0));
    this.e.alarms.disarm(run.wft.rt);
    if (terminal && run.buffered.length > 0) {
      // New events arrived while the worker decided to close: it must see them first.
      this.e.append(run, [
        this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
          workflowTaskFailedEventAttributes: {
            scheduledEventId: int64(t.sid),
            startedEventId: int64(t.st),
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
            identity: req.identity ?? '',
          },
        }),
      ]);
      this.e.flushBuffer(run);
      run.nextWftAttempt = 1;
      this.schedule(run);
      return [];
    }
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
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
      if (this.e.commands.apply(run, c, completedId, req.identity ?? '')) needsTask = true;
      if (isEagerActivity(run, c)) eager.push(scheduledEventId);
    }
    if (!isOpen(run)) return [];
    if (this.e.flushBuffer(run) > 0) needsTask = true;
    if (needsTask) this.schedule(run);
    const poller: PollerInfo = { identity: req.identity ?? '' };
    const tasks: PollActivityTaskResponse[] = [];
    for (const sid of eager) {
      const act = run.activities.get(sid);
      const task = act ? this.e.activity.start(run, act, act.attempt, poller) : null;
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /**
   * A command over the blob size limit, as Temporal handles it: none of the completion's commands is
   * applied, the task fails with the command's cause, buffered events are flushed, the run is terminated
   * with the same message by history-service, and the worker gets INVALID_ARGUMENT.
   */
  private failAndTerminate(run: Run, t: WorkflowTaskToken, identity: string, oversized: OversizedCommand): never {
    this.e.alarms.disarm(run.wft.rt);
    run.sticky = undefined;
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
        workflowTaskFailedEventAttributes: {
          scheduledEventId: int64(t.sid),
          startedEventId: int64(t.st),
          cause: oversized.cause,
          failure: serverFailure(oversized.message, false),
          identity,
        },
      }),
    ]);
    this.e.flushBuffer(run);
    this.e.lifecycle.terminate(run, oversized.message, HISTORY_SERVICE_IDENTITY);
    throw invalidArgument(oversized.message);
  }

  fail(t: WorkflowTaskToken, req: T.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest): void {
    const run = this.runOf(t);
    if (blobExceeds(failureBytes(req.failure), this.e.limits, 'RespondWorkflowTaskFailed', this.e.warnBlob)) {
      req = {
        ...req,
        failure: serverFailure(FailureReason.failure, true, { message: (req.failure?.message ?? '').slice(0, 1024) }),
      };
    }
    this.e.alarms.disarm(run.wft.rt);
    run.sticky = undefined;
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
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
    this.e.flushBuffer(run);
    this.schedule(run);
  }

  timeout(run: Run, scheduledEventId: number, startedEventId: number): void {
    if (
      !isOpen(run) ||
      run.wft.phase !== 'started' ||
      run.wft.scheduledEventId !== scheduledEventId ||
      run.wft.startedEventId !== startedEventId
    )
      return;
    run.sticky = undefined;
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
        workflowTaskTimedOutEventAttributes: {
          scheduledEventId: int64(scheduledEventId),
          startedEventId: int64(startedEventId),
          timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
        },
      }),
    ]);
    this.e.flushBuffer(run);
    this.schedule(run);
  }

  /** Fails the task in flight of a run being closed from outside (terminate, run timeout). */
  forceClose(run: Run): void {
    if (run.wft.phase !== 'started') return;
    this.e.alarms.disarm(run.wft.rt);
    this.e.append(run, [
      this.e.event(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
        workflowTaskFailedEventAttributes: {
          scheduledEventId: int64(run.wft.scheduledEventId),
          startedEventId: int64(run.wft.startedEventId),
          cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
          identity: 'engine',
        },
      }),
    ]);
    this.e.flushBuffer(run);
  }
}

/**
 * Runs a hand-out; when handing the task out pushed the run past a history limit, the run is terminated
 * and there is no task to give (the poller keeps waiting) rather than an error inside matching.
 */
export function handOut<R>(fn: () => R): R | null {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EngineError) return null;
    throw err;
  }
}
