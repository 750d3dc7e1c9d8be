// Starts what is not already configured — the engine, nats-server, the two actors and workers —
// each as a child process in its own process group, and stops them in reverse order.
// TEMPORAL_ADDRESS and NATS_URL (or the options) point at existing services instead; a `temporal`
// mode of kind dev-server starts the Temporal CLI dev server in place of the embedded engine.
import path from 'node:path';
import type { Logger } from '../lib/log';
import { spawnSinq, type SinqChild } from './child';
import { connectCampaignClient, registerSearchAttributes } from './campaign-client';
import { startEngine, type EngineHandle } from './engine';
import { startNatsServer, type NatsServerHandle } from './nats';
import { startDevServer, type DevServerHandle } from './temporal-dev';
import type { TemporalMode, TemporalModeKind } from './temporal-mode';

export interface StackOptions {
  /** The sinq directory: engine data, logs, campaign stores. */
  dir: string;
  log: Logger;
  /** Existing services; started here when absent. */
  temporalAddress?: string | undefined;
  natsUrl?: string | undefined;
  /** Which Temporal server to use (resolveTemporalMode); without it, temporalAddress or the embedded engine. */
  temporal?: TemporalMode;
  namespace?: string;
  generatorPolicy?: string;
  evaluatorPolicy?: string;
  /** Actor replicas' policy calls at once. */
  actorConcurrency?: number;
  /** Worker processes to start (0: none). */
  workers?: number;
  /** Start actor processes (default true). */
  actors?: boolean;
  /** Extra environment for child processes. */
  env?: NodeJS.ProcessEnv;
}

export interface ComponentInfo {
  name: string;
  address: string;
  pid: number | null;
  started: boolean;
}

export interface Stack {
  temporalAddress: string;
  temporalMode: TemporalModeKind;
  /** The dev server's web UI, in dev-server mode. */
  temporalUiUrl: string | null;
  natsUrl: string;
  namespace: string;
  searchAttributes: boolean;
  components(): ComponentInfo[];
  engine: EngineHandle | null;
  devServer: DevServerHandle | null;
  /** The Temporal server this stack started (engine or dev server), for crash tests; null when external. */
  server: EngineHandle | DevServerHandle | null;
  nats: NatsServerHandle | null;
  actors: SinqChild[];
  workers: SinqChild[];
  /** Starts one more worker process. */
  startWorker(): Promise<SinqChild>;
  /** Restarts the engine (or dev server) on its data and port after a crash or stop (started servers only). */
  restartEngine(): Promise<void>;
  /** Stops everything this stack started, in reverse order. Idempotent. */
  stop(): Promise<void>;
}

function portOf(address: string): number {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return Number.isInteger(port) ? port : 0;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dir, log } = options;
  const logs = path.join(dir, 'logs');
  const namespace = options.namespace ?? 'default';
  const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    while (stoppers.length > 0) {
      const next = stoppers.pop()!;
      try {
        await next.stop();
      } catch (err) {
        log.warn({ component: next.name, err: (err as Error).message }, 'stop failed');
      }
    }
  };
  const current: { engine: EngineHandle | null; devServer: DevServerHandle | null } = { engine: null, devServer: null };
  try {
    let engine: EngineHandle | null = null;
    let devServer: DevServerHandle | null = null;
    const mode: TemporalMode =
      options.temporal ??
      (options.temporalAddress !== undefined ? { kind: 'external', address: options.temporalAddress, reason: 'address given' } : { kind: 'embedded', reason: 'no address given' });
    let temporalAddress = mode.kind === 'external' ? mode.address : undefined;
    const engineDir = path.join(dir, 'engine');
    if (mode.kind === 'dev-server') {
      devServer = await startDevServer({ cliPath: mode.cliPath, dir, namespace, log });
      temporalAddress = devServer.address;
      const started = devServer;
      stoppers.push({ name: 'temporal dev server', stop: () => (current.devServer ?? started).stop() });
      log.info({ address: temporalAddress, ui: devServer.uiUrl, cli: mode.cliPath }, 'temporal dev server started');
    } else if (temporalAddress === undefined) {
      engine = await startEngine({ dataDir: engineDir });
      temporalAddress = engine.address;
      const started = engine;
      stoppers.push({ name: 'engine', stop: () => (current.engine ?? started).stop() });
      log.info({ address: temporalAddress, pid: engine.pid }, 'engine started');
    }
    let nats: NatsServerHandle | null = null;
    let natsUrl = options.natsUrl;
    if (natsUrl === undefined) {
      nats = await startNatsServer({ dataDir: path.join(dir, 'nats'), ignoreEnv: true, log });
      natsUrl = nats.url;
      const started = nats;
      stoppers.push({ name: 'nats-server', stop: () => started.stop() });
      log.info({ url: natsUrl, pid: nats.pid() }, 'nats-server started');
    }
    const cc = await connectCampaignClient(temporalAddress, namespace);
    let searchAttributes: boolean;
    try {
      searchAttributes = await registerSearchAttributes(cc, log);
    } finally {
      await cc.close();
    }

    const env = { ...options.env, NATS_URL: natsUrl, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: namespace, SINQ_DIR: dir };
    const actors: SinqChild[] = [];
    if (options.actors ?? true) {
      const concurrency = String(options.actorConcurrency ?? 4);
      for (const [role, policy] of [
        ['generator', options.generatorPolicy ?? 'mutation'],
        ['evaluator', options.evaluatorPolicy ?? 'fuzz'],
      ] as const) {
        const child = await spawnSinq({
          name: `${role} actor`,
          args: ['actor', role, '--policy', policy, '--nats', natsUrl, '--concurrency', concurrency],
          logFile: path.join(logs, `actor-${role}.log`),
          env,
        });
        actors.push(child);
        stoppers.push({ name: child.name, stop: () => child.stop() });
      }
    }
    const workers: SinqChild[] = [];
    const startWorker = async (): Promise<SinqChild> => {
      const child = await spawnSinq({
        name: `worker ${workers.length}`,
        args: ['worker', '--dir', dir, '--address', temporalAddress, '--nats', natsUrl, '--namespace', namespace],
        logFile: path.join(logs, `worker-${workers.length}.log`),
        env,
        readyTimeoutMs: 120_000,
      });
      workers.push(child);
      stoppers.push({ name: child.name, stop: () => child.stop() });
      return child;
    };
    for (let i = 0; i < (options.workers ?? 1); i++) await startWorker();

    current.engine = engine;
    current.devServer = devServer;
    const enginePort = portOf(temporalAddress);
    let stopped: Promise<void> | undefined;
    return {
      temporalAddress,
      temporalMode: mode.kind,
      temporalUiUrl: devServer?.uiUrl ?? null,
      get server() {
        return current.engine ?? current.devServer;
      },
      natsUrl,
      namespace,
      searchAttributes,
      get devServer() {
        return current.devServer;
      },
      get engine() {
        return current.engine;
      },
      nats,
      actors,
      workers,
      startWorker,
      async restartEngine() {
        if (current.devServer && mode.kind === 'dev-server') {
          const previous = current.devServer;
          await previous.stop();
          const uiPort = previous.uiUrl === null ? 0 : portOf(previous.uiUrl);
          current.devServer = await startDevServer({ cliPath: mode.cliPath, dir, namespace, port: enginePort, uiPort, log });
          return;
        }
        if (!current.engine) throw new Error('this stack did not start the engine');
        await current.engine.stop();
        current.engine = await startEngine({ dataDir: engineDir, port: enginePort });
      },
      components() {
        const list: ComponentInfo[] = [
          devServer
            ? { name: 'temporal dev', address: temporalAddress, pid: current.devServer?.pid ?? null, started: true }
            : { name: 'engine', address: temporalAddress, pid: current.engine?.pid ?? null, started: current.engine !== null },
          ...(devServer?.uiUrl ? [{ name: 'temporal ui', address: devServer.uiUrl, pid: current.devServer?.pid ?? null, started: true }] : []),
          { name: 'nats-server', address: natsUrl, pid: nats?.pid() ?? null, started: nats !== null },
        ];
        for (const child of [...actors, ...workers]) list.push({ name: child.name, address: child.name.startsWith('worker') ? temporalAddress : natsUrl, pid: child.pid, started: true });
        return list;
      },
      stop() {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
