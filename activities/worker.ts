// A sinq worker: the workflows and the activities on one task queue, with the activities' own
// connections (NATS to the actors, the sandbox, the campaign stores).
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { connect } from 'nats';
import { ActorClient } from '../actors/client';
import { loadTaskSet, mbppSplits, type MbppSplit } from '../tasks/index';
import type { Logger } from '../lib/log';
import { createSandbox } from '../sandbox/index';
import type { Sandbox } from '../sandbox/api';
import { createStoreCache } from '../store/store-cache';
import { TASK_QUEUE } from '../workflows/definitions';
import { createActivities } from './index';
import { createNatsPlayers } from './nats-players';
import { nativeConnectionOptions } from '../lib/temporal-connection';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface SinqWorkerOptions {
  temporalAddress: string;
  namespace?: string;
  taskQueue?: string;
  natsUrl: string;
  /** The sinq directory holding `campaigns/<id>/episodes.db`. */
  dir: string;
  log: Logger;
  /** A prebuilt bundle (tests bundle once per file); built from `workflows/` when omitted. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  maxConcurrentActivities?: number;
  sandbox?: Sandbox;
}

export interface SinqWorker {
  worker: Worker;
  /** Resolves when the worker has shut down. */
  run(): Promise<void>;
  /** Stops polling, lets running tasks finish, then closes the connections. */
  shutdown(): Promise<void>;
}

function isMbppSplit(value: string): value is MbppSplit {
  return Object.hasOwn(mbppSplits, value);
}

export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
}

export async function createSinqWorker(options: SinqWorkerOptions): Promise<SinqWorker> {
  const { log } = options;
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch((err: unknown) => log.warn({ err }, 'cleanup failed'));
    cleanups.length = 0;
  };
  try {
    const sandbox = options.sandbox ?? (await createSandbox({ logger: log }));
    if (!options.sandbox) cleanups.push(() => sandbox.close());
    const nc = await connect({ servers: options.natsUrl, name: 'sinq-worker', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    cleanups.push(() => nc.close());
    const client = new ActorClient(nc, { log });
    cleanups.push(() => client.close());
    const stores = createStoreCache(options.dir);
    cleanups.push(() => stores.closeAll());
    const activities = createActivities({
      sandbox,
      players: createNatsPlayers(client),
      store: (campaignId) => stores.get(campaignId),
      loadTasks: async (config) => {
        const split = config.split;
        if (split !== undefined && !isMbppSplit(split)) throw new Error(`unknown split '${split}'; known: ${Object.keys(mbppSplits).join(', ')}`);
        const set = await loadTaskSet(config.taskSet, { ...(split !== undefined ? { split } : {}), ...(config.limit !== undefined ? { limit: config.limit } : {}) });
        return set.tasks;
      },
      log,
    });
    const connection = await NativeConnection.connect(nativeConnectionOptions(options.temporalAddress));
    cleanups.push(() => connection.close());
    const workflowBundle = options.workflowBundle ?? (await bundleWorkflows());
    const worker = await Worker.create({
      connection,
      namespace: options.namespace ?? 'default',
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      workflowBundle,
      activities,
      maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 32,
      shutdownGraceTime: '5s',
    });
    let running: Promise<void> | undefined;
    return {
      worker,
      run() {
        running ??= worker.run().finally(cleanup);
        return running;
      },
      async shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        if (running) await running;
        else await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
