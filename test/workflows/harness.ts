// A real worker against the embedded engine, for suites that test workflows with fake players:
// the engine process, both connections, a client, the campaign stores and a running worker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index';
import type { PlayerGateway } from '../../activities/players';
import { bundleWorkflows } from '../../activities/worker';
import { startEngine, type EngineHandle } from '../../deploy/engine';
import type { Task } from '../../game/types';
import { silentLogger } from '../../lib/log';
import type { Sandbox } from '../../sandbox/api';
import { createStoreCache, type StoreCache } from '../../store/store-cache';

export interface WorkflowHarness {
  dir: string;
  engine: EngineHandle;
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
    const [engine, bundle] = await Promise.all([startEngine({ dataDir: path.join(dir, 'engine') }), bundleWorkflows()]);
    cleanups.push(() => engine.stop());
    const stores = createStoreCache(dir);
    cleanups.push(() => stores.closeAll());
    const nativeConnection = await NativeConnection.connect({ address: engine.address });
    cleanups.push(() => nativeConnection.close());
    const connection = await Connection.connect({ address: engine.address });
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
    return { dir, engine, connection, client, stores, taskQueue, close };
  } catch (err) {
    await close();
    throw err;
  }
}
