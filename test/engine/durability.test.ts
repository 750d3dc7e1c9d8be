// Journal-level behaviour of the engine driven through raw WorkflowService calls: restart recovery of
// runs, timers and activity retries, idempotent starts, and compaction dropping closed runs.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { msDuration } from '../../engine/proto';
import { startEngineServer, type EngineServer } from '../../engine/server';

const { CommandType, EventType } = temporal.api.enums.v1;
type Service = Connection['workflowService'];

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}

describe('engine durability (journal, recovery, compaction)', () => {
  let dataDir: string;
  let server: EngineServer | undefined;
  let connection: Connection | undefined;

  async function open(): Promise<Service> {
    server = await startEngineServer({ dataDir, pollTimeoutMs: 3000, fsyncIntervalMs: 1 });
    connection = await Connection.connect({ address: server.address });
    return connection.workflowService;
  }

  async function reopen(): Promise<Service> {
    await connection?.close();
    await server?.close();
    return open();
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sinq-engine-durability-'));
  });

  afterEach(async () => {
    await connection?.close();
    await server?.close();
    connection = undefined;
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(service: Service, workflowId: string, taskQueue: string, namespace = 'default'): Promise<string> {
    const res = await service.startWorkflowExecution({
      namespace,
      workflowId,
      workflowType: { name: 'raw' },
      taskQueue: { name: taskQueue },
      requestId: `req-${workflowId}`,
    });
    return res.runId!;
  }

  async function poll(service: Service, taskQueue: string, namespace = 'default') {
    const task = await service.pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity: 'test' });
    expect(task.taskToken?.length).toBeGreaterThan(0);
    return task;
  }

  async function complete(service: Service, taskQueue: string, namespace = 'default'): Promise<void> {
    const task = await poll(service, taskQueue, namespace);
    await service.respondWorkflowTaskCompleted({
      namespace,
      taskToken: task.taskToken,
      commands: [{ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: {} }],
    });
  }

  it('recovers a run and fires its timer after a restart', async () => {
    let service = await open();
    const runId = await start(service, 'timer-wf', 'tq-timer');
    const task = await poll(service, 'tq-timer');
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_START_TIMER,
          startTimerCommandAttributes: { timerId: 't1', startToFireTimeout: msDuration(400) },
        },
      ],
    });
    service = await reopen();
    const next = await poll(service, 'tq-timer');
    const types = (next.history?.events ?? []).map((e) => e.eventType);
    expect(next.workflowExecution?.runId).toBe(runId);
    expect(types).toContain(EventType.EVENT_TYPE_TIMER_FIRED);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_TIMER_STARTED)).toHaveLength(1);
  });

  it('treats a repeated start with the same request id as the same start, also after a restart', async () => {
    let service = await open();
    const first = await start(service, 'idem-wf', 'tq-idem');
    service = await reopen();
    const again = await start(service, 'idem-wf', 'tq-idem');
    expect(again).toBe(first);
    await expect(
      service.startWorkflowExecution({ namespace: 'default', workflowId: 'idem-wf', workflowType: { name: 'raw' }, taskQueue: { name: 'tq-idem' }, requestId: 'other' }),
    ).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });
  });

  it('keeps an activity retry attempt across a restart', async () => {
    let service = await open();
    await start(service, 'act-wf', 'tq-act');
    const task = await poll(service, 'tq-act');
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
          scheduleActivityTaskCommandAttributes: {
            activityId: 'a1',
            activityType: { name: 'work' },
            taskQueue: { name: 'tq-act' },
            startToCloseTimeout: msDuration(10_000),
            retryPolicy: { initialInterval: msDuration(100), maximumAttempts: 5 },
          },
        },
      ],
    });
    const first = await service.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: 'tq-act' }, identity: 'test' });
    expect(first.attempt).toBe(1);
    await service.respondActivityTaskFailed({ namespace: 'default', taskToken: first.taskToken, failure: { message: 'boom', applicationFailureInfo: { type: 'Boom' } } });
    service = await reopen();
    const second = await service.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: 'tq-act' }, identity: 'test' });
    expect(second.attempt).toBe(2);
    await service.respondActivityTaskCompleted({ namespace: 'default', taskToken: second.taskToken, result: { payloads: [] } });
    const wft = await poll(service, 'tq-act');
    const started = (wft.history?.events ?? []).find((e) => e.activityTaskStartedEventAttributes);
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    expect(started?.activityTaskStartedEventAttributes?.lastFailure?.message).toBe('boom');
  });

  it('compaction drops closed runs past retention and keeps open ones', async () => {
    let service = await open();
    await service.registerNamespace({ namespace: 'short', workflowExecutionRetentionPeriod: msDuration(1000) });
    for (let i = 0; i < 30; i++) {
      await start(service, `closed-${i}`, 'tq-c', 'short');
      await complete(service, 'tq-c', 'short');
    }
    await start(service, 'still-open', 'tq-c', 'short');
    const before = await dirBytes(dataDir);
    await new Promise((r) => setTimeout(r, 1100));
    await server!.compact();
    const after = await dirBytes(dataDir);
    expect(after).toBeLessThan(before / 4);
    await expect(service.describeWorkflowExecution({ namespace: 'short', execution: { workflowId: 'closed-0' } })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    service = await reopen();
    await expect(service.describeWorkflowExecution({ namespace: 'short', execution: { workflowId: 'closed-29' } })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    const stillOpen = await service.describeWorkflowExecution({ namespace: 'short', execution: { workflowId: 'still-open' } });
    expect(stillOpen.workflowExecutionInfo?.status).toBe(temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    const ns = await service.describeNamespace({ namespace: 'short' });
    expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(1);
  });

  it('applies workflow id conflict and reuse policies', async () => {
    const service = await open();
    const { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowExecutionStatus } = temporal.api.enums.v1;
    const startWith = (requestId: string, policies: { workflowIdConflictPolicy?: number; workflowIdReusePolicy?: number }) =>
      service.startWorkflowExecution({ namespace: 'default', workflowId: 'policy-wf', workflowType: { name: 'raw' }, taskQueue: { name: 'tq-p' }, requestId, ...policies });
    const first = await startWith('p1', {});
    const existing = await startWith('p2', { workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING });
    expect(existing.runId).toBe(first.runId);
    expect(existing.started).toBe(false);
    const replaced = await startWith('p3', { workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING });
    expect(replaced.runId).not.toBe(first.runId);
    const old = await service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: 'policy-wf', runId: first.runId } });
    expect(old.workflowExecutionInfo?.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    // The first task in the queue belongs to the terminated run: it went stale and is skipped.
    await complete(service, 'tq-p');
    for (const policy of [WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY]) {
      await expect(startWith(`p-${policy}`, { workflowIdReusePolicy: policy })).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });
    }
    const again = await startWith('p4', { workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE });
    expect(again.runId).not.toBe(replaced.runId);
  });
});
