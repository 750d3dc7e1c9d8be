// A real worker against the server under test (the embedded engine, or the real dev server with
// SINQ_TEST_SERVER=dev-server), for suites that test workflows with fake players: the server process, both connections, a client, the campaign stores and a running worker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index';
import type { PlayerGateway } from '../../activities/players';
import type { AttackResult, ProposeResult } from '../../actors/policies/types';
import { bundleWorkflows } from '../../activities/worker';
import type { EvaluatorReply, Outcome, Task } from '../../game/types';
import { silentLogger } from '../../lib/log';
import type { Sandbox } from '../../sandbox/api';
import { createStoreCache, type StoreCache } from '../../store/store-cache';
import { startTestServer, type TestServer } from '../server-under-test';

const returned = (v: string): Outcome => ({ kind: 'returned', value: { t: 'int', v }, durationMs: 1 });

/** A sandbox where the variant adds one: every input diverges. */
export const divergingSandbox: Sandbox = {
  run: () => Promise.resolve(returned('1')),
  runPair: () => Promise.resolve({ original: returned('1'), variant: returned('2') }),
  isolation: () => ({ rlimits: true, privateDirectory: true, network: 'none', filesystem: 'host', seccomp: false, runUid: 'root', bubblewrap: false, userNamespaces: false, root: true, notes: [] }),
  close: () => Promise.resolve(),
};

/**
 * Scripted players that echo the policy and model version they were asked for. The generator always
 * proposes `x + 1` with `{"x": 1}`; `answer(i)` decides the evaluator's attempt i. `beforePropose`
 * lets a test hold proposals back.
 */
export function scriptedPlayers(options: { answer: (attempt: number) => EvaluatorReply; beforePropose?: () => Promise<void> }): PlayerGateway {
  const program = 'def f(x):\n    return x + 1\n';
  const raw = `# Analysis\n\nAdded one.\n\n# Generated program\n\n\`\`\`python\n${program}\`\`\`\n\n# Diverging input example\n\n\`\`\`python\n{"x": 1}\n\`\`\`\n`;
  return {
    async propose(request): Promise<ProposeResult> {
      await options.beforePropose?.();
      return {
        policy: request.policy,
        modelVersion: request.modelVersion ?? 'none',
        prompt: [{ role: 'user', content: 'mutate' }],
        reply: { raw, parsed: { ok: true, value: { analysis: 'Added one.', program, divergingInput: '{"x": 1}' } }, durationMs: 1 },
      };
    },
    attack(request): Promise<AttackResult> {
      return Promise.resolve({
        policy: request.policy,
        modelVersion: request.modelVersion ?? 'none',
        prompt: [],
        replies: Array.from({ length: request.attempts }, (_, i) => ({ raw: `# Analysis\n\nattempt ${i}\n`, parsed: { ok: true as const, value: options.answer(i) }, durationMs: 1 })),
      });
    },
    close: () => Promise.resolve(),
  };
}

export interface WorkflowHarness {
  dir: string;
  server: TestServer;
  connection: Connection;
  client: Client;
  stores: StoreCache;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startWorkflowHarness(options: { name: string; sandbox: Sandbox; players: PlayerGateway; tasks: Task[] }): Promise<WorkflowHarness> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(tmpdir(), `sinq-${options.name}-`));
  const taskQueue = `${options.name}-${process.pid}`;
  const cleanups: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    // Reverse order of setup.
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const [server, bundle] = await Promise.all([startTestServer({ dataDir: path.join(dir, 'engine') }), bundleWorkflows()]);
    cleanups.push(() => server.stop());
    const stores = createStoreCache(dir);
    cleanups.push(() => stores.closeAll());
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => nativeConnection.close());
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const activities = createActivities({
      sandbox: options.sandbox,
      players: options.players,
      store: (id) => stores.get(id),
      loadTasks: () => Promise.resolve(options.tasks),
      log: silentLogger,
    });
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: bundle, activities });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    return { dir, server, connection, client, stores, taskQueue, close };
  } catch (err) {
    await close();
    throw err;
  }
}
