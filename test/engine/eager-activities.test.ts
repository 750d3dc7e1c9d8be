// Eager activity dispatch through raw WorkflowService calls: an activity the worker asks to run itself
// on the workflow's own task queue comes back in the RespondWorkflowTaskCompleted response, started;
// any other activity goes through matching as before.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msDuration } from '../../engine/proto';
import { startEngineServer, type EngineServer } from '../../engine/server';

const { CommandType, EventType } = temporal.api.enums.v1;
type Service = Connection['workflowService'];

describe('eager activity dispatch', () => {
  let server: EngineServer;
  let connection: Connection;
  let service: Service;

  beforeAll(async () => {
    server = await startEngineServer({ pollTimeoutMs: 1000 });
    connection = await Connection.connect({ address: server.address });
    service = connection.workflowService;
  });

  afterAll(async () => {
    await connection.close();
    await server.close();
  });

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
