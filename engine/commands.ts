// Commands -> events: a workflow task completion's commands are validated all at once, then applied in
// order after its WorkflowTaskCompleted event. Each entity's command goes to its own state machine
// (activity.ts, timer.ts, child-workflow.ts, run-lifecycle.ts); the rest are written here.
import type { Command, Engine } from './engine';
import { EngineError, invalidArgument } from './errors';
import { api, durationMs, EventType, int64, num, type T } from './proto';
import { isOpen, type Run } from './state';

const CommandType = api.enums.v1.CommandType;
const RetryState = api.enums.v1.RetryState;

/** Commands that close the run. */
export function isTerminalCommand(t: number): boolean {
  return (
    t === CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION ||
    t === CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION ||
    t === CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION ||
    t === CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION
  );
}

/** A ScheduleActivityTask command asking for eager execution on the workflow's own task queue. */
export function isEagerActivity(run: Run, c: Command): boolean {
  if (c.commandType !== CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK) return false;
  const a = c.scheduleActivityTaskCommandAttributes;
  return a?.requestEagerExecution === true && (a.taskQueue?.name || run.taskQueue) === run.taskQueue;
}

export class Commands {
  constructor(private readonly e: Engine) {}

  /** Rejects a command the engine cannot apply, before any command of the completion is applied. */
  validate(run: Run, c: Command): void {
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
  apply(run: Run, c: Command, completedId: number, identity: string): boolean {
    const e = this.e;
    const wtc = int64(completedId);
    switch (c.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
        e.activity.schedule(run, c.scheduleActivityTaskCommandAttributes ?? {}, wtc);
        return false;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
        return e.activity.requestCancel(run, c.requestCancelActivityTaskCommandAttributes ?? {}, wtc, identity);
      case CommandType.COMMAND_TYPE_START_TIMER:
        e.timer.start(run, c.startTimerCommandAttributes ?? {}, wtc);
        return false;
      case CommandType.COMMAND_TYPE_CANCEL_TIMER:
        e.timer.cancel(run, c.cancelTimerCommandAttributes ?? {}, wtc, identity);
        return false;
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        e.lifecycle.close(run, [
          e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
            workflowExecutionCompletedEventAttributes: {
              result: c.completeWorkflowExecutionCommandAttributes?.result ?? null,
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        e.lifecycle.close(run, [
          e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
            workflowExecutionFailedEventAttributes: {
              failure: c.failWorkflowExecutionCommandAttributes?.failure ?? null,
              retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET,
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        e.lifecycle.close(run, [
          e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, {
            workflowExecutionCanceledEventAttributes: {
              details: c.cancelWorkflowExecutionCommandAttributes?.details ?? null,
              workflowTaskCompletedEventId: wtc,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        e.lifecycle.continueAsNew(run, c.continueAsNewWorkflowExecutionCommandAttributes ?? {}, wtc);
        return false;
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
        e.child.start(run, c.startChildWorkflowExecutionCommandAttributes ?? {}, wtc, identity);
        return true;
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
        this.signalExternal(run, c.signalExternalWorkflowExecutionCommandAttributes ?? {}, wtc, identity);
        return true;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        this.cancelExternal(run, c.requestCancelExternalWorkflowExecutionCommandAttributes ?? {}, wtc, identity);
        return true;
      case CommandType.COMMAND_TYPE_RECORD_MARKER: {
        const a = c.recordMarkerCommandAttributes ?? {};
        e.append(run, [
          e.event(EventType.EVENT_TYPE_MARKER_RECORDED, {
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
        e.append(run, [
          e.event(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
            upsertWorkflowSearchAttributesEventAttributes: {
              workflowTaskCompletedEventId: wtc,
              searchAttributes: c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes ?? null,
            },
          }),
        ]);
        return false;
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
        e.append(run, [
          e.event(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, {
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

  private signalExternal(
    run: Run,
    a: T.api.command.v1.ISignalExternalWorkflowExecutionCommandAttributes,
    wtc: ReturnType<typeof int64>,
    identity: string,
  ): void {
    const e = this.e;
    const namespace = a.namespace || run.namespace;
    const execution = { workflowId: a.execution?.workflowId ?? '', runId: a.execution?.runId ?? '' };
    e.append(run, [
      e.event(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
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
    const target = e.namespaces.has(namespace)
      ? e.tryFindRun(namespace, execution.workflowId, execution.runId)
      : undefined;
    if (!target || !isOpen(target)) {
      e.append(run, [
        e.event(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
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
    e.add(target, [
      e.event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        workflowExecutionSignaledEventAttributes: {
          signalName: a.signalName ?? '',
          input: a.input ?? null,
          identity,
          header: a.header ?? null,
          externalWorkflowExecution: { workflowId: run.workflowId, runId: run.runId },
        },
      }),
    ]);
    e.append(run, [
      e.event(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, {
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
    const e = this.e;
    const namespace = a.namespace || run.namespace;
    const execution = { workflowId: a.workflowId ?? '', runId: a.runId ?? '' };
    e.append(run, [
      e.event(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
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
    const target = e.namespaces.has(namespace)
      ? e.tryFindRun(namespace, execution.workflowId, execution.runId)
      : undefined;
    if (!target || !isOpen(target)) {
      e.append(run, [
        e.event(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
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
    e.lifecycle.requestCancel(
      target,
      a.reason ?? '',
      identity,
      { workflowId: run.workflowId, runId: run.runId },
      num(initiatedId),
    );
    e.append(run, [
      e.event(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
        externalWorkflowExecutionCancelRequestedEventAttributes: {
          initiatedEventId: initiatedId,
          namespace,
          workflowExecution: { workflowId: target.workflowId, runId: target.runId },
        },
      }),
    ]);
  }
}
