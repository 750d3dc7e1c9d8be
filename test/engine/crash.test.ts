// Crash recovery: kill -9 a worker mid-activity, and kill -9 the engine mid-workflow and restart it on
// the same data directory. The workflows complete and their histories stay intact; the batch test
// logs activity calls on its worker, so each kill is shown to hit work in flight, and each step's
// result is kept once however often the worker ran it.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as activities from './activities';
import { externalAddress, makeWorker, setupEnv, uniqueId, withWorker, type TestEnv } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const eventName = (t: number | null | undefined): string => temporal.api.enums.v1.EventType[t ?? 0] ?? String(t);

/** One call of an activity on the test's worker, as the worker saw it. */
interface ActivityCall {
  type: string;
  workflowId: string;
  activityId: string;
  attempt: number;
  startedAt: number;
  endedAt?: number;
}

/** The conformance activities, with greet and flaky calls logged into `calls` and greet held `holdMs`. */
function recordingActivities(calls: ActivityCall[], holdMs: number): typeof activities {
  const logged =
    <A extends unknown[], R>(type: string, run: (...args: A) => Promise<R>, hold: number) =>
    async (...args: A): Promise<R> => {
      const info = Context.current().info;
      const call: ActivityCall = { type, workflowId: info.workflowExecution?.workflowId ?? '', activityId: info.activityId, attempt: info.attempt, startedAt: Date.now() };
      calls.push(call);
      try {
        if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
        return await run(...args);
      } finally {
        call.endedAt = Date.now();
      }
    };
  return { ...activities, greet: logged('greet', activities.greet, holdMs), flaky: logged('flaky', activities.flaky, 0) };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('crash recovery', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setupEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('completes the workflow after kill -9 of the worker mid-activity', async () => {
    const taskQueue = uniqueId('worker-kill');
    const bundlePath = path.join(env.dataDir ?? tmpdir(), `bundle-${taskQueue}.js`);
    await writeFile(bundlePath, env.bundle.code);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'worker-process.ts'), env.address, taskQueue, bundlePath], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (b: Buffer) => (b.toString().includes('ready') ? resolve() : undefined));
        child.once('exit', (code) => reject(new Error(`worker process exited early (${String(code)})`)));
      });
      const handle = await env.client.workflow.start('slowActivity', { taskQueue, workflowId: uniqueId('slow'), args: [1500] });
      await waitFor('the activity to start', async () => {
        const d = await handle.describe();
        return d.raw.pendingActivities?.some((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) ? true : undefined;
      });
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      const worker = await makeWorker(env, taskQueue);
      const result = await withWorker(worker, () => handle.result());
      expect(result).toBe('slept 1500');
      const history = await handle.fetchHistory();
      const started = (history.events ?? []).find((e) => e.activityTaskStartedEventAttributes);
      // The first attempt died with its worker; the retry ran on the new one.
      expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it.skipIf(externalAddress !== undefined)(
    'completes the workflow after kill -9 of the engine mid-workflow (skipped against an external server: we cannot kill it)',
    async () => {
      const taskQueue = uniqueId('engine-kill');
      const worker = await makeWorker(env, taskQueue);
      const steps = 12;
      await withWorker(worker, async () => {
        const handle = await env.client.workflow.start('longRunning', { taskQueue, workflowId: uniqueId('long'), args: [steps] });
        const before = await waitFor('a few steps', async () => {
          const h = await handle.fetchHistory();
          const done = (h.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
          return done >= 4 ? h : undefined;
        });
        env.server!.kill('SIGKILL');
        await env.server!.exited;
        await env.restartEngine();
        const result = await handle.result();
        expect(result).toBe(Array.from({ length: steps }, (_, i) => `hello s${i}`.length).reduce((a, b) => a + b, 0));
        const after = await handle.fetchHistory();
        const events = after.events ?? [];
        events.forEach((e, i) => expect(Number(e.eventId)).toBe(i + 1));
        expect(events.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(steps);
        expect(events.filter((e) => e.timerFiredEventAttributes)).toHaveLength(steps);
        // Everything up to the last acknowledged workflow task completion survived unchanged.
        const beforeEvents = before.events ?? [];
        let acked = 0;
        beforeEvents.forEach((e, i) => {
          if (e.workflowTaskCompletedEventAttributes) acked = i + 1;
        });
        expect(acked).toBeGreaterThan(0);
        expect(events.slice(0, acked).map((e) => eventName(e.eventType))).toEqual(beforeEvents.slice(0, acked).map((e) => eventName(e.eventType)));
      });
    },
  );

  it.skipIf(externalAddress !== undefined)(
    'completes a batch of workflows through repeated kill -9 of the engine with activities in flight (skipped against an external server)',
    async () => {
      const taskQueue = uniqueId('engine-kills');
      const calls: ActivityCall[] = [];
      // greet is held for a while on the worker, so that each kill can find one running.
      const worker = await makeWorker(env, taskQueue, { activities: recordingActivities(calls, 250) });
      const longSteps = 10;
      await withWorker(worker, async () => {
        const handles = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            env.client.workflow.start(i % 2 ? 'longRunning' : 'retrying', { taskQueue, workflowId: uniqueId(`batch-${i}`), args: [i % 2 ? longSteps : 2] }),
          ),
        );
        const results = Promise.all(handles.map((h) => h.result()));
        const kills: Array<{ at: number; inFlight: ActivityCall[] }> = [];
        for (let k = 0; k < 3; k++) {
          await waitFor('an activity running on the worker', async () => (calls.some((call) => call.endedAt === undefined) ? true : undefined), 60_000);
          // Looked at and killed in one turn of the event loop: no activity can finish in between.
          const inFlight = calls.filter((call) => call.endedAt === undefined);
          const at = Date.now();
          env.server!.kill('SIGKILL');
          kills.push({ at, inFlight });
          await env.server!.exited;
          await env.restartEngine();
        }
        const values = await results;
        const expectedLong = Array.from({ length: longSteps }, (_, i) => `hello s${i}`.length).reduce((a, b) => a + b, 0);
        values.forEach((v, i) => expect(v).toBe(i % 2 ? expectedLong : 3));
        // Each kill hit work the worker had started and not finished: it finished only after the engine died.
        for (const kill of kills) {
          expect(kill.inFlight.length).toBeGreaterThan(0);
          for (const call of kill.inFlight) expect(call.endedAt).toBeGreaterThanOrEqual(kill.at);
        }
        for (const [i, h] of handles.entries()) {
          const events = (await h.fetchHistory()).events ?? [];
          events.forEach((e, n) => expect(Number(e.eventId)).toBe(n + 1));
          expect(eventName(events.at(-1)?.eventType)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
          // However often the worker ran a step, the history holds each step's result once.
          const completed = events.filter((e) => e.activityTaskCompletedEventAttributes).length;
          expect(completed).toBe(i % 2 ? longSteps : 1);
          const ranOnWorker = new Set(calls.filter((call) => call.workflowId === h.workflowId && call.endedAt !== undefined).map((call) => call.activityId));
          expect(ranOnWorker.size).toBe(completed);
        }
      });
    },
    180_000,
  );
});
