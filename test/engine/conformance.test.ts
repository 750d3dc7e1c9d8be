// Conformance of the engine with the unmodified Temporal SDK: a real Worker and Client against the engine
// running as a separate process (or against TEMPORAL_ADDRESS when set).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServerKind } from '../server-under-test';
import { makeWorker, setupEnv, uniqueId, withWorker, type TestEnv } from './harness';
import { approve, statusQuery } from './workflows/conformance';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

function grpcCode(err: unknown): number | undefined {
  const e = err as { code?: number; cause?: { code?: number } };
  return e.code ?? e.cause?.code;
}

describe('engine conformance (real Worker and Client)', () => {
  let env: TestEnv;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('conformance');

  beforeAll(async () => {
    env = await setupEnv();
    // Default worker options: sticky workflow cache on.
    worker = await makeWorker(env, taskQueue);
    running = worker.run();
  });

  afterAll(async () => {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await env?.close();
  });

  it('runs activities, a timer, a signal, a query, a child workflow and continue-as-new', async () => {
    const handle = await env.client.workflow.start('everything', { taskQueue, workflowId: uniqueId('everything'), args: ['ada'] });
    // The query is answered once the workflow waits for its signal.
    let status = '';
    for (let i = 0; i < 100 && status !== 'waiting'; i++) {
      // Before the first workflow task completes, Temporal refuses queries (FAILED_PRECONDITION).
      status = await handle.query(statusQuery).catch(() => '');
      if (status !== 'waiting') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('waiting');
    await handle.signal(approve, 'bob');
    const result = await handle.result();
    expect(result).toBe('hello ada|bob|child:hello ada|round1');
    const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const latest = await env.client.workflow.getHandle(handle.workflowId).describe();
    expect(latest.status.name).toBe('COMPLETED');
    expect(latest.runId).not.toBe(handle.firstExecutionRunId);
    const child = await env.client.workflow.getHandle(`${handle.workflowId}-child`).describe();
    expect(child.status.name).toBe('COMPLETED');
    expect(child.parentExecution?.workflowId).toBe(handle.workflowId);
    const history = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    const types = (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
    for (const t of [
      'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
      'EVENT_TYPE_TIMER_FIRED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED',
    ]) {
      expect(types).toContain(t);
    }
    expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    (history.events ?? []).forEach((e, i) => expect(Number(e.eventId)).toBe(i + 1));
    // A closed run is queried by replaying its history.
    expect(await env.client.workflow.getHandle(handle.workflowId).query(statusQuery)).toBe('started');
  });

  it('starts a workflow eagerly: the first workflow task goes to the worker of the starting process', async () => {
    // Eager start needs the client to share the worker's native connection.
    const client = new Client({ connection: env.nativeConnection });
    const handle = await client.workflow.start('threeActivities', { taskQueue, workflowId: uniqueId('eager-start'), args: ['eve'], requestEagerStart: true });
    expect(handle.eagerlyStarted).toBe(true);
    expect(await handle.result()).toBe('hello hello hello eve');
    const { events } = await handle.fetchHistory();
    const types = (events ?? []).map((e) => e.eventType);
    const { EventType } = temporal.api.enums.v1;
    // Same history as a polled start: started, scheduled, started, completed, then the activity.
    expect(types.slice(0, 4)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    ]);
    // Without the request, the same start is not eager.
    const plain = await client.workflow.start('oneActivity', { taskQueue, workflowId: uniqueId('plain-start'), args: ['ann'] });
    expect(plain.eagerlyStarted).toBe(false);
    expect(await plain.result()).toBe('hello ann');
  });

  it('starts with a signal, and times out a run past its execution timeout', async () => {
    const viaSignal = await env.client.workflow.signalWithStart('waitForSignal', {
      taskQueue,
      workflowId: uniqueId('sws'),
      signal: approve,
      signalArgs: ['carol'],
    });
    expect(await viaSignal.result()).toBe('carol');
    const delayed = await env.client.workflow.start('oneActivity', { taskQueue, workflowId: uniqueId('delayed'), args: ['later'], startDelay: '600ms' });
    const t0 = Date.now();
    expect(await delayed.result()).toBe('hello later');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    const late = await env.client.workflow.start('waitForSignal', { taskQueue, workflowId: uniqueId('timeout'), workflowExecutionTimeout: '1s' });
    await expect(late.result()).rejects.toMatchObject({ name: 'WorkflowFailedError', cause: { name: 'TimeoutFailure' } });
    expect((await late.describe()).status.name).toBe('TIMED_OUT');
  });

  it('applies parent close policies to children that outlive their parent', async () => {
    const prefix = uniqueId('children');
    expect(await env.client.workflow.execute('parentLeavesChildren', { taskQueue, workflowId: prefix, args: [prefix] })).toBe('parent done');
    const terminated = env.client.workflow.getHandle(`${prefix}-terminate`);
    const abandoned = env.client.workflow.getHandle(`${prefix}-abandon`);
    let status = '';
    for (let i = 0; i < 100 && status !== 'TERMINATED'; i++) {
      status = (await terminated.describe()).status.name;
      if (status !== 'TERMINATED') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('TERMINATED');
    expect((await abandoned.describe()).status.name).toBe('RUNNING');
    await abandoned.signal(approve, 'after parent');
    expect(await abandoned.result()).toBe('after parent');
  });

  it('cancels and terminates running workflows', async () => {
    const cancelled = await env.client.workflow.start('waitForSignal', { taskQueue, workflowId: uniqueId('to-cancel') });
    const terminated = await env.client.workflow.start('waitForSignal', { taskQueue, workflowId: uniqueId('to-terminate') });
    await cancelled.cancel();
    await expect(cancelled.result()).rejects.toMatchObject({ name: 'WorkflowFailedError', cause: { name: 'CancelledFailure' } });
    await terminated.terminate('enough');
    await expect(terminated.result()).rejects.toMatchObject({ name: 'WorkflowFailedError', cause: { name: 'TerminatedFailure' } });
    expect((await cancelled.describe()).status.name).toBe('CANCELLED');
    expect((await terminated.describe()).status.name).toBe('TERMINATED');
  });

  it('retries an activity that throws, with backoff, until it succeeds', async () => {
    const attempt = await env.client.workflow.execute('retrying', { taskQueue, workflowId: uniqueId('retry'), args: [2] });
    expect(attempt).toBe(3);
  });

  it('fails an activity on heartbeat timeout', async () => {
    const outcome = await env.client.workflow.execute('heartbeatTimeout', { taskQueue, workflowId: uniqueId('hb') });
    expect(outcome).toBe('failed:TimeoutFailure:HEARTBEAT');
  });

  it('delivers activity cancellation through the heartbeat response', async () => {
    const outcome = await env.client.workflow.execute('cancelActivity', { taskQueue, workflowId: uniqueId('cancel') });
    expect(outcome).toBe('cancelled');
  });

  it('records patches, and the exported history replays deterministically', async () => {
    const workflowId = uniqueId('patched');
    expect(await env.client.workflow.execute('patchedWorkflow', { taskQueue, workflowId })).toBe('hello patched');
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'bin/sinq.js'), 'engine', 'history', workflowId, '--address', env.address], {
      cwd: repoRoot,
    });
    const json: unknown = JSON.parse(stdout);
    const events = (json as { events: { eventType: string }[] }).events;
    expect(events[0]!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(events.map((e) => e.eventType)).toContain('EVENT_TYPE_MARKER_RECORDED');
    const history = historyFromJSON(json);
    await Worker.runReplayHistory({ workflowBundle: env.bundle }, history, workflowId);
  });

  it('lists and counts workflows by search attributes', async () => {
    const { IndexedValueType } = temporal.api.enums.v1;
    try {
      await env.connection.operatorService.addSearchAttributes({
        namespace: 'default',
        searchAttributes: { SinqKind: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, SinqScore: IndexedValueType.INDEXED_VALUE_TYPE_INT },
      });
    } catch (err) {
      if (grpcCode(err) !== grpc.status.ALREADY_EXISTS) throw err;
    }
    const listed = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(listed.customAttributes?.SinqKind).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    const tag = uniqueId('kind');
    const ids: string[] = [];
    for (const [i, score] of [1, 5, 9].entries()) {
      const workflowId = `${tag}-${i}`;
      ids.push(workflowId);
      await env.client.workflow.execute('tagged', { taskQueue, workflowId, args: [tag, score] });
    }
    const query = `SinqKind = '${tag}' AND SinqScore > 2 AND ExecutionStatus = 'Completed'`;
    // A real server's visibility is eventually consistent: poll until it catches up.
    let found: string[] = [];
    for (let i = 0; i < 100; i++) {
      found = [];
      for await (const w of env.client.workflow.list({ query })) found.push(w.workflowId);
      if (found.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(found.sort()).toEqual([ids[1], ids[2]]);
    const count = await env.client.workflow.count(`SinqKind = '${tag}' OR WorkflowId = 'nothing-has-this-id'`);
    expect(count.count).toBe(3);
    const byType = await env.client.workflow.count(`WorkflowType = 'tagged' AND SinqKind = '${tag}' AND SinqScore < 5`);
    expect(byType.count).toBe(1);
  });

  it('answers bad requests with the status codes Temporal uses', async () => {
    const service = env.connection.workflowService;
    // Unknown namespace
    await expect(
      service.startWorkflowExecution({ namespace: 'no-such-namespace', workflowId: 'x', workflowType: { name: 'oneActivity' }, taskQueue: { name: taskQueue }, requestId: 'r1' }),
    ).rejects.toSatisfy((err: unknown) => grpcCode(err) === grpc.status.NOT_FOUND);
    // Missing workflow type
    await expect(
      service.startWorkflowExecution({ namespace: 'default', workflowId: uniqueId('bad'), taskQueue: { name: taskQueue }, requestId: 'r2' }),
    ).rejects.toSatisfy((err: unknown) => grpcCode(err) === grpc.status.INVALID_ARGUMENT);
    // Malformed search attribute payload
    await expect(
      service.startWorkflowExecution({
        namespace: 'default',
        workflowId: uniqueId('bad-sa'),
        workflowType: { name: 'oneActivity' },
        taskQueue: { name: taskQueue },
        requestId: 'r3',
        searchAttributes: { indexedFields: { CustomKeywordField: { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{not json') } } },
      }),
    ).rejects.toSatisfy((err: unknown) => grpcCode(err) === grpc.status.INVALID_ARGUMENT);
    // Malformed task token
    await expect(service.respondActivityTaskCompleted({ namespace: 'default', taskToken: Buffer.from('not a token') })).rejects.toSatisfy(
      (err: unknown) => grpcCode(err) === grpc.status.INVALID_ARGUMENT,
    );
    // Duplicate workflow id while running
    const workflowId = uniqueId('dup');
    const first = await env.client.workflow.start('waitForSignal', { taskQueue, workflowId });
    await expect(env.client.workflow.start('waitForSignal', { taskQueue, workflowId })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await first.terminate('test over');
    // Signal to a workflow that does not exist
    await expect(env.client.workflow.getHandle(uniqueId('missing')).signal(approve, 'x')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('answers undecodable protobuf with INTERNAL and unknown methods with UNIMPLEMENTED', async () => {
    const client = new grpc.Client(env.address, grpc.credentials.createInsecure());
    const call = (method: string, body: Buffer): Promise<number> =>
      new Promise((resolve) => {
        client.makeUnaryRequest(
          `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          (err) => resolve(err ? err.code : grpc.status.OK),
        );
      });
    try {
      expect(await call('StartWorkflowExecution', Buffer.from([0x0a, 0xff, 0xff, 0xff]))).toBe(grpc.status.INTERNAL);
      // Deliberate difference (engine/README.md): the engine has no schedules; a real server
      // implements them and rejects the empty request as invalid.
      if (!process.env.TEMPORAL_ADDRESS) {
        expect(await call('CreateSchedule', Buffer.alloc(0))).toBe(testServerKind === 'embedded' ? grpc.status.UNIMPLEMENTED : grpc.status.INVALID_ARGUMENT);
      }
    } finally {
      client.close();
    }
  });
});

describe('engine conformance: worker restarts', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setupEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('completes a workflow whose workflow task was lost with a dead worker', async () => {
    const taskQueue = uniqueId('wft-timeout');
    const workflowId = uniqueId('wft');
    // Nobody answers the first task within its 1 s timeout (a poller that takes it and dies).
    const handle = await env.client.workflow.start('oneActivity', { taskQueue, workflowId, args: ['late'], workflowTaskTimeout: '1s' });
    // Temporal refuses a long poll without a deadline; the SDK always sets one.
    const task = await env.connection.withDeadline(Date.now() + 20_000, () =>
      env.connection.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'dies' }),
    );
    expect(task.taskToken?.length).toBeGreaterThan(0);
    const worker = await makeWorker(env, taskQueue, { maxCachedWorkflows: 0 });
    const result = await withWorker(worker, () => handle.result());
    expect(result).toBe('hello late');
    const history = await handle.fetchHistory();
    const types = (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
    expect(types).toContain('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
  });

  it('a long poll without a deadline: INVALID_ARGUMENT on Temporal, served by the engine (deliberate difference)', async () => {
    const poll = env.connection.workflowService.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: uniqueId('no-deadline') }, identity: 'no-deadline' });
    if (testServerKind === 'embedded') {
      // The engine holds the poll open (until its poll timeout) instead of refusing it.
      const settled = await Promise.race([poll.then(() => 'answered', () => 'refused'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 2_000))]);
      expect(settled).toBe('waiting');
      poll.catch(() => {});
    } else {
      await expect(poll).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('Context timeout is not set') });
    }
  });
});
