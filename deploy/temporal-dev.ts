// The Temporal CLI dev server (`temporal server start-dev`, with its web UI) as a child process in its
// own process group, like the embedded engine: free loopback ports, its SQLite file in the sinq
// directory (campaigns and their histories survive a restart or a kill -9), the search attributes
// registered at start, stopped by pid.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../lib/log';
import { freePort } from '../lib/net';
import { searchAttributeDefinitions } from '../workflows/definitions';

export interface DevServerOptions {
  /** The `temporal` executable. */
  cliPath: string;
  /** The sinq directory; the server's database file and log go there. */
  dir: string;
  namespace?: string;
  /** 0 or omitted: a free port. */
  port?: number;
  uiPort?: number;
  /** Serve the web UI (default true). */
  ui?: boolean;
  startTimeoutMs?: number;
  log: Logger;
}

export interface DevServerHandle {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** The web UI (null when started without it). */
  uiUrl: string | null;
  dbFile: string;
  pid: number;
  /** SIGTERM the process group and wait for exit (SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal to the whole process group at once (default SIGKILL, as a crash would). */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export class DevServerError extends Error {
  readonly code = 'E_DEV_SERVER_START';
  constructor(message: string) {
    super(message);
    this.name = 'DevServerError';
  }
}

export function devServerDbFile(dir: string): string {
  return path.join(dir, 'temporal-dev.db');
}

/** The arguments of `temporal server start-dev` for these ports and files. */
export function devServerArgs(options: {
  port: number;
  uiPort: number | null;
  dbFile: string;
  namespace: string;
}): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    ...(options.uiPort === null ? ['--headless'] : ['--ui-port', String(options.uiPort), '--ui-disable-news-fetch']),
    '--db-filename',
    options.dbFile,
    '--namespace',
    options.namespace,
    ...searchAttributeDefinitions.flatMap((definition) => [
      '--search-attribute',
      `${definition.name}=${definition.type}`,
    ]),
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the frontend answers GetSystemInfo; rejects when `exited` settles first or on timeout. */
async function waitUntilServing(
  address: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => {
    gone = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new DevServerError(`exited with code ${String(gone)} before serving: ${describe()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(150);
    }
  }
  throw new DevServerError(`did not serve on ${address} within ${timeoutMs} ms: ${describe()}`);
}

export async function startDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  mkdirSync(options.dir, { recursive: true });
  const dbFile = devServerDbFile(options.dir);
  const namespace = options.namespace ?? 'default';
  const port = options.port || (await freePort());
  let uiPort: number | null = null;
  if (options.ui ?? true) {
    uiPort = options.uiPort || (await freePort());
    // Two free-port probes can return the same port once the first is released.
    while (uiPort === port) uiPort = await freePort();
  }
  const logsDir = path.join(options.dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logFile = path.join(logsDir, 'temporal-dev.log');
  const child = spawn(options.cliPath, devServerArgs({ port, uiPort, dbFile, namespace }), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new DevServerError(`the temporal dev server (${options.cliPath}) could not be spawned`);
  }
  const out = createWriteStream(logFile, { flags: 'a' });
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
      out.write(chunk);
    });
  }
  void exited.then(() => out.end());
  const killGroup = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, exited, options.startTimeoutMs ?? 60_000, () => tail.trim() || `see ${logFile}`);
  } catch (err) {
    killGroup('SIGKILL');
    throw new DevServerError(`the temporal dev server (${options.cliPath}) did not start: ${(err as Error).message}`);
  }
  const uiUrl = uiPort === null ? null : `http://127.0.0.1:${uiPort}`;
  options.log.info({ address, ui: uiUrl, db: dbFile, pid }, 'temporal dev server started');
  let stopping: Promise<void> | undefined;
  return {
    address,
    uiUrl,
    dbFile,
    pid,
    exited,
    kill: killGroup,
    stop() {
      stopping ??= (async () => {
        killGroup('SIGTERM');
        const grace = setTimeout(() => killGroup('SIGKILL'), 10_000);
        await exited;
        clearTimeout(grace);
      })();
      return stopping;
    },
  };
}
