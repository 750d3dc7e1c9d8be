// Size limits with Temporal's statuses and messages: the 4 MB gRPC message limit, the 2 MB blob limit
// (refused, or the attempt failed, or the run terminated, as Temporal does for each call), and the
// history size and event-count limits that terminate a run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { msDuration } from '../../engine/proto';
import { startEngineServer, type EngineServer, type EngineServerOptions } from '../../engine/server';

const { CommandType, EventType, WorkflowExecutionStatus, WorkflowTaskFailedCause } = temporal.api.enums.v1;
type Service = Connection['workflowService'];
const MB = 1024 * 1024;

function payloads(bytes: number, fill = 1) {
  return { payloads: [{ metadata: {}, data: Buffer.alloc(bytes, fill) }] };
}

describe('engine limits', () => {
  let dataDir: string;
  let server: EngineServer | undefined;
  let connection: Connection | undefined;
  let logs: Record<string, unknown>[];

  async function open(options: Partial<EngineServerOptions> = {}): Promise<Service> {
    server = await startEngineServer({
      dataDir,
      pollTimeoutMs: 2000,
      fsyncIntervalMs: 1,
      log: (e) => logs.push(e),
      ...options,
    });
    // No client interceptors: the SDK's default ones retry RESOURCE_EXHAUSTED, and the test wants the status.
    connection = await Connection.connect({ address: server.address, interceptors: [] });
    return connection.workflowService;
  }

  async function closeAll(): Promise<void> {
    await connection?.close();
    await server?.close();
    connection = undefined;
    server = undefined;
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sinq-engine-limits-'));
    logs = [];
  });

  afterEach(async () => {
    await closeAll();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(service: Service, workflowId: string, input?: ReturnType<typeof payloads>) {
    return service.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'raw' },
      taskQueue: { name: `tq-${workflowId}` },
      requestId: `req-${workflowId}`,
      input,
    });
  }

  function signal(service: Service, workflowId: string, bytes: number) {
    return service.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      signalName: 's',
      input: payloads(bytes),
    });
  }

  async function history(service: Service, workflowId: string) {
    const res = await service.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      maximumPageSize: 1000,
    });
    return res.history?.events ?? [];
  }

  async function status(service: Service, workflowId: string) {
    const res = await service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
    return res.workflowExecutionInfo?.status;
  }

  it('refuses two ~100 MB signals with RESOURCE_EXHAUSTED, keeps serving and restarts on its directory', async () => {
    let service = await open();
    await start(service, 'huge');
    for (let i = 0; i < 2; i++) {
      await expect(signal(service, 'huge', 100 * MB)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    }
    expect(await history(service, 'huge')).toHaveLength(2);
    await server!.compact();
    await closeAll();
    service = await open();
    expect(await status(service, 'huge')).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    await signal(service, 'huge', 10);
    expect(await history(service, 'huge')).toHaveLength(3);
  });

  it('refuses payloads over 2 MB with INVALID_ARGUMENT "Blob data size exceeds limit." and warns past 256 KB', async () => {
    const service = await open();
    await expect(start(service, 'big-input', payloads(3 * MB))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'Blob data size exceeds limit.',
    });
    await start(service, 'blob');
    await expect(signal(service, 'blob', 3 * MB)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'Blob data size exceeds limit.',
    });
    await expect(
      service.signalWithStartWorkflowExecution({
        namespace: 'default',
        workflowId: 'blob',
        workflowType: { name: 'raw' },
        taskQueue: { name: 'tq-blob' },
        signalName: 's',
        signalInput: payloads(3 * MB),
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    const warningsBefore = logs.filter((e) => e.event === 'blob_size_warning').length;
    await signal(service, 'blob', 200 * 1024);
    expect(logs.filter((e) => e.event === 'blob_size_warning')).toHaveLength(warningsBefore);
    await signal(service, 'blob', 300 * 1024);
    expect(logs.filter((e) => e.event === 'blob_size_warning').at(-1)).toMatchObject({
      operation: 'SignalWorkflowExecution',
    });
    expect(await history(service, 'blob')).toHaveLength(4);
  });

  it('fails the task and terminates the run when a command carries more than 2 MB, as Temporal does', async () => {
    const service = await open();
    await start(service, 'big-result');
    await signal(service, 'big-result', 10);
    const task = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'tq-big-result' },
      identity: 'w',
    });
    await signal(service, 'big-result', 20); // buffered while the task is in flight
    const message =
      'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES: CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.';
    await expect(
      service.respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: task.taskToken,
        identity: 'w',
        commands: [
          {
            commandType: CommandType.COMMAND_TYPE_START_TIMER,
            startTimerCommandAttributes: { timerId: 't', startToFireTimeout: msDuration(60_000) },
          },
          {
            commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
            completeWorkflowExecutionCommandAttributes: { result: payloads(3 * MB) },
          },
        ],
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: message });
    const events = await history(service, 'big-result');
    const types = events.map((e) => e.eventType);
    expect(types).not.toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    expect(types.slice(-3)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    ]);
    const failed = events.at(-3)!.workflowTaskFailedEventAttributes!;
    expect(failed.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES);
    expect(failed.failure?.message).toBe(message);
    expect(events.at(-1)!.workflowExecutionTerminatedEventAttributes).toMatchObject({
      reason: message,
      identity: 'history-service',
    });
  });

  it('fails an activity attempt whose result is over 2 MB with "Complete result exceeds size limit."', async () => {
    const service = await open();
    await start(service, 'big-activity');
    const task = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'tq-big-activity' },
      identity: 'w',
    });
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
          scheduleActivityTaskCommandAttributes: {
            activityId: 'a',
            activityType: { name: 'act' },
            taskQueue: { name: 'tq-big-activity' },
            startToCloseTimeout: msDuration(60_000),
          },
        },
      ],
    });
    const activity = await service.pollActivityTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'tq-big-activity' },
      identity: 'w',
    });
    await service.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: activity.taskToken,
      result: payloads(3 * MB),
    });
    const failed = (await history(service, 'big-activity')).find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.failure).toMatchObject({
      message: 'Complete result exceeds size limit.',
      serverFailureInfo: { nonRetryable: true },
    });
  });

  it('fails a query whose answer is over 2 MB with "Blob data size exceeds limit."', async () => {
    const service = await open();
    await start(service, 'big-query');
    const task = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'tq-big-query' },
      identity: 'w',
    });
    await service.respondWorkflowTaskCompleted({ namespace: 'default', taskToken: task.taskToken, commands: [] });
    const query = service
      .queryWorkflow({
        namespace: 'default',
        execution: { workflowId: 'big-query' },
        query: { queryType: 'q' },
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    const queryTask = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'tq-big-query' },
      identity: 'w',
    });
    expect(queryTask.query?.queryType).toBe('q');
    await service.respondQueryTaskCompleted({
      namespace: 'default',
      taskToken: queryTask.taskToken,
      completedType: temporal.api.enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED,
      queryResult: payloads(3 * MB),
    });
    expect(await query).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'Blob data size exceeds limit.',
    });
  });

  it('terminates a run past the history event-count limit with "Workflow history count exceeds limit."', async () => {
    const service = await open({ limits: { historyCountWarn: 8, historyCountError: 12 } });
    await start(service, 'many-events');
    let refusal: unknown;
    for (let i = 0; i < 20 && !refusal; i++)
      await signal(service, 'many-events', 10).catch((err: unknown) => (refusal = err));
    expect(refusal).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'Workflow history count exceeds limit.',
    });
    expect(await status(service, 'many-events')).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    const events = await history(service, 'many-events');
    expect(events.at(-1)!.workflowExecutionTerminatedEventAttributes).toMatchObject({
      reason: 'Workflow history count exceeds limit.',
      identity: 'history-service',
    });
    expect(logs.some((e) => e.event === 'history_size_warning')).toBe(true);
  });

  it('terminates a run that a timer pushes past the limit without stopping the engine', async () => {
    let fatal: unknown;
    const service = await open({ limits: { historyCountError: 6 }, onFatal: (err) => (fatal = err) });
    await start(service, 'timer-over');
    const task = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'tq-timer-over' },
      identity: 'w',
    });
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_START_TIMER,
          startTimerCommandAttributes: { timerId: 't', startToFireTimeout: msDuration(50) },
        },
      ],
    });
    await expect
      .poll(() => status(service, 'timer-over'), { timeout: 5000 })
      .toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    const events = await history(service, 'timer-over');
    expect(events.at(-1)!.workflowExecutionTerminatedEventAttributes?.reason).toBe(
      'Workflow history count exceeds limit.',
    );
    expect(fatal).toBeUndefined();
    await start(service, 'after-timer-over');
  });

  it('terminates a run past the history size limit with "Workflow history size exceeds limit.", also after a restart', async () => {
    let service = await open({ limits: { historySizeWarnBytes: 50_000, historySizeErrorBytes: 100_000 } });
    await start(service, 'big-history');
    await signal(service, 'big-history', 40_000);
    await signal(service, 'big-history', 40_000);
    await closeAll();
    service = await open({ limits: { historySizeWarnBytes: 50_000, historySizeErrorBytes: 100_000 } });
    await expect(signal(service, 'big-history', 40_000)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'Workflow history size exceeds limit.',
    });
    expect(await status(service, 'big-history')).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
  });
});
