// Eager dispatch through raw WorkflowService calls. An activity the worker asks to run itself on the
// workflow's own task queue comes back in the RespondWorkflowTaskCompleted response, started; any other
// activity goes through matching as before. A start that asks for eager execution gets the run's first
// workflow task in its response.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msDuration } from '../../engine/proto';
import { startEngineServer, type EngineServer } from '../../engine/server';

const { CommandType, EventType } = temporal.api.enums.v1;
type Service = Connection['workflowService'];

// One engine for the file; an empty poll answers after half a second.
let server: EngineServer;
let connection: Connection;
let service: Service;

beforeAll(async () => {
  server = await startEngineServer({ pollTimeoutMs: 500 });
  connection = await Connection.connect({ address: server.address });
  service = connection.workflowService;
});

afterAll(async () => {
  await connection.close();
  await server.close();
});

describe('eager activity dispatch', () => {
  const schedule = (activityId: string, eager: boolean, taskQueue: string) => ({
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId,
      activityType: { name: 'greet' },
      taskQueue: { name: taskQueue },
      startToCloseTimeout: msDuration(10_000),
      requestEagerExecution: eager,
    },
  });

  async function startAndPoll(workflowId: string, taskQueue: string): Promise<Uint8Array> {
    await service.startWorkflowExecution({ namespace: 'default', workflowId, workflowType: { name: 'raw' }, taskQueue: { name: taskQueue }, requestId: workflowId });
    const task = await service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'test' });
    expect(task.taskToken?.length).toBeGreaterThan(0);
    return task.taskToken!;
  }

  it('hands the requested activity back started, and its completion drives the workflow', async () => {
    const tq = 'eager-same';
    const token = await startAndPoll('eager-1', tq);
    const other = `${tq}-other`;
    const res = await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: token,
      identity: 'test',
      commands: [schedule('a', true, tq), schedule('b', false, tq), schedule('c', true, other)],
    });
    // Only `a`: `b` did not ask, `c` runs on another task queue.
    expect(res.activityTasks?.map((t) => t.activityId)).toEqual(['a']);
    const eagerTask = res.activityTasks![0]!;
    expect(eagerTask.attempt).toBe(1);
    expect(eagerTask.activityType?.name).toBe('greet');

    // `b` and `c` are still matched through their queues; `a` is not handed out a second time.
    const polledB = await service.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: tq }, identity: 'test' });
    expect(polledB.activityId).toBe('b');
    const polledC = await service.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: other }, identity: 'test' });
    expect(polledC.activityId).toBe('c');
    const empty = await service.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: tq }, identity: 'test' });
    expect(empty.taskToken?.length ?? 0).toBe(0);

    await service.respondActivityTaskCompleted({ namespace: 'default', taskToken: eagerTask.taskToken, result: { payloads: [] }, identity: 'test' });
    const next = await service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: tq }, identity: 'test' });
    const types = next.history?.events?.map((e) => e.eventType) ?? [];
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: next.taskToken,
      commands: [{ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: {} }],
    });
    const described = await service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: 'eager-1' } });
    expect(described.workflowExecutionInfo?.status).toBe(temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  });

  it('hands out nothing when the same completion closes the workflow', async () => {
    const tq = 'eager-closing';
    const token = await startAndPoll('eager-2', tq);
    const res = await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: token,
      commands: [schedule('a', true, tq), { commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: {} }],
    });
    expect(res.activityTasks ?? []).toEqual([]);
  });
});

describe('eager workflow start', () => {
  const start = (workflowId: string, taskQueue: string, extra: object = {}) =>
    service.startWorkflowExecution({ namespace: 'default', workflowId, workflowType: { name: 'raw' }, taskQueue: { name: taskQueue }, requestId: `req-${workflowId}`, identity: 'starter', requestEagerExecution: true, ...extra });

  it('returns the first workflow task, started, in the start response and not through the queue', async () => {
    const res = await start('eager-start-1', 'eager-wf');
    const task = res.eagerWorkflowTask;
    expect(task?.taskToken?.length).toBeGreaterThan(0);
    expect(task?.workflowExecution?.runId).toBe(res.runId);
    expect(task?.history?.events?.map((e) => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    ]);
    expect(task?.history?.events?.[2]?.workflowTaskStartedEventAttributes?.identity).toBe('starter');
    // The queue holds nothing: the task is already out.
    const polled = await service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: 'eager-wf' }, identity: 'poller' });
    expect(polled.taskToken?.length ?? 0).toBe(0);
    // A retry of the same request gets the run, not a second copy of the task.
    const again = await start('eager-start-1', 'eager-wf');
    expect(again.runId).toBe(res.runId);
    expect(again.eagerWorkflowTask ?? null).toBeNull();
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task!.taskToken,
      commands: [{ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: {} }],
    });
    const described = await service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: 'eager-start-1' } });
    expect(described.workflowExecutionInfo?.status).toBe(temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  });

  it('is not granted to a delayed start; the task is matched when due', async () => {
    const res = await start('eager-start-delayed', 'eager-delayed', { workflowStartDelay: msDuration(200) });
    expect(res.eagerWorkflowTask ?? null).toBeNull();
    const polled = await service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: 'eager-delayed' }, identity: 'poller' });
    expect(polled.workflowExecution?.runId).toBe(res.runId);
  });

  it('times out an eager task that is never completed, and hands it out again through the queue', async () => {
    const res = await start('eager-start-lost', 'eager-lost', { workflowTaskTimeout: msDuration(1000) });
    expect(res.eagerWorkflowTask?.taskToken?.length).toBeGreaterThan(0);
    // The starter's worker died with the task: after the timeout a poller gets attempt 2.
    let polled = await service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: 'eager-lost' }, identity: 'poller' });
    for (let i = 0; i < 5 && !polled.taskToken?.length; i++) {
      polled = await service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: 'eager-lost' }, identity: 'poller' });
    }
    expect(polled.workflowExecution?.runId).toBe(res.runId);
    expect(polled.attempt).toBe(2);
  });
});
