// Crash recovery: kill -9 a worker mid-activity, and kill -9 the engine mid-workflow and restart it on
// the same data directory. The workflows complete and their histories stay intact.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalAddress, makeWorker, setupEnv, uniqueId, withWorker, type TestEnv } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const eventName = (t: number | null | undefined): string => temporal.api.enums.v1.EventType[t ?? 0] ?? String(t);

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
    'completes a batch of workflows through repeated kill -9 of the engine (skipped against an external server)',
    async () => {
      const taskQueue = uniqueId('engine-kills');
      const worker = await makeWorker(env, taskQueue);
      await withWorker(worker, async () => {
        const handles = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            env.client.workflow.start(i % 2 ? 'longRunning' : 'retrying', { taskQueue, workflowId: uniqueId(`batch-${i}`), args: [i % 2 ? 6 : 2] }),
          ),
        );
        const results = Promise.all(handles.map((h) => h.result()));
        for (let k = 0; k < 3; k++) {
          await new Promise((r) => setTimeout(r, 300 + k * 250));
          env.server!.kill('SIGKILL');
          await env.server!.exited;
          await env.restartEngine();
        }
        const values = await results;
        const expectedLong = Array.from({ length: 6 }, (_, i) => `hello s${i}`.length).reduce((a, b) => a + b, 0);
        values.forEach((v, i) => expect(v).toBe(i % 2 ? expectedLong : 3));
        for (const h of handles) {
          const events = (await h.fetchHistory()).events ?? [];
          events.forEach((e, i) => expect(Number(e.eventId)).toBe(i + 1));
          expect(eventName(events.at(-1)?.eventType)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
        }
      });
    },
  );
});
