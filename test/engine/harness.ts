// Shared setup of the engine conformance suite: the server under test as a separate process (the
// engine, or the real dev server with SINQ_TEST_SERVER=dev-server; or the server named by
// TEMPORAL_ADDRESS), one workflow bundle per test file, and workers with small shutdown grace.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startTestServer, type TestServer } from '../server-under-test';
import * as activities from './activities';

export const externalAddress = process.env.TEMPORAL_ADDRESS;
const here = path.dirname(fileURLToPath(import.meta.url));

let runtimeInstalled = false;
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Native logs (e.g. retries while a test restarts the engine) go to the silent logger too.
    Runtime.install({
      logger: { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as never,
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // already installed by another suite in this process
  }
}

export interface TestEnv {
  address: string;
  /** The server this suite started (none against TEMPORAL_ADDRESS). */
  server?: TestServer;
  dataDir?: string;
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  /** Restarts the server on the same data directory and port (after a kill); clients reconnect. */
  restartEngine(): Promise<void>;
  close(): Promise<void>;
}

export async function bundleConformanceWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: path.join(here, 'workflows/conformance.ts'), logger: { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as never });
}

export async function setupEnv(bundle?: WorkflowBundleWithSourceMap): Promise<TestEnv> {
  installQuietRuntime();
  let server: TestServer | undefined;
  let dataDir: string | undefined;
  let address = externalAddress ?? '';
  if (!externalAddress) {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sinq-engine-test-'));
    server = await startTestServer({ dataDir });
    address = server.address;
  }
  const env: TestEnv = {
    address,
    server,
    dataDir,
    connection: await Connection.connect({ address }),
    nativeConnection: await NativeConnection.connect({ address }),
    client: undefined as unknown as Client,
    bundle: bundle ?? (await bundleConformanceWorkflows()),
    restartEngine: async () => {
      if (!dataDir) throw new Error('no server of our own to restart');
      const port = Number(address.split(':').pop());
      env.server = await startTestServer({ dataDir, port });
    },
    close: async () => {
      await env.connection.close().catch(() => {});
      await env.nativeConnection.close().catch(() => {});
      await env.server?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  env.client = new Client({ connection: env.connection });
  return env;
}

export async function makeWorker(env: TestEnv, taskQueue: string, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: env.bundle,
    activities,
    shutdownGraceTime: '500ms',
    ...options,
  });
}

/** Runs the worker while `fn` runs, always shutting it down. */
export async function withWorker<R>(worker: Worker, fn: () => Promise<R>): Promise<R> {
  return worker.runUntil(fn);
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
