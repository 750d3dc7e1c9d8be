// Starts a local nats-server with JetStream for `sinq up` and the tests: a free port, a data
// directory, a health check on the monitoring port, a clean stop, and a restart on the same port.
// When NATS_URL is set, nothing is started and the handle points at that server.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../lib/log';
import { freePort } from '../lib/net';
import { silentLogger } from '../lib/log';

export interface NatsServerOptions {
  /** JetStream store directory; a fresh temporary directory (removed on stop) when omitted. */
  dataDir?: string;
  /** Client port; a free port when omitted. */
  port?: number;
  /** Largest message the server accepts, bytes (NATS defaults to 1 MB; replies with code can be larger). */
  maxPayloadBytes?: number;
  /** Ignore NATS_URL and always start a server (tests that restart or kill the server need their own). */
  ignoreEnv?: boolean;
  /** Path of the nats-server binary; found on PATH or in /usr/sbin when omitted. */
  binary?: string;
  /** How long to wait for the health check, ms. */
  startTimeoutMs?: number;
  log?: Logger;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  /** True when NATS_URL pointed at an existing server and nothing was started. */
  external: boolean;
  /** The running process id, or undefined for an external or stopped server. */
  pid(): number | undefined;
  /** SIGTERM, wait, SIGKILL fallback; removes a temporary data directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would (the data directory is kept for a restart). */
  kill(): Promise<void>;
  /** Stops (or finds killed) and starts the server again on the same port and data directory. */
  restart(): Promise<void>;
}

export class NatsServerError extends Error {
  constructor(
    readonly code: 'E_NATS_MISSING' | 'E_NATS_START' | 'E_NATS_EXTERNAL',
    message: string,
  ) {
    super(message);
    this.name = 'NatsServerError';
  }
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

export function findNatsServerBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function healthy(monitorPort: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function configText(port: number, monitorPort: number, storeDir: string, maxPayloadBytes: number): string {
  return [
    `listen: "127.0.0.1:${port}"`,
    `http: "127.0.0.1:${monitorPort}"`,
    `max_payload: ${maxPayloadBytes}`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(storeDir)}`,
    `}`,
    '',
  ].join('\n');
}

// Children still running when this process exits are killed, so a crashed test run leaves no server behind.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

function externalHandle(url: string): NatsServerHandle {
  const parsed = new URL(url.includes('://') ? url : `nats://${url}`);
  const port = Number(parsed.port || 4222);
  const notOurs = (): Promise<void> =>
    Promise.reject(new NatsServerError('E_NATS_EXTERNAL', `NATS_URL=${url} points at a server sinq did not start; it cannot be killed or restarted from here`));
  return { url, port, external: true, pid: () => undefined, stop: () => Promise.resolve(), kill: notOurs, restart: notOurs };
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const envUrl = process.env.NATS_URL;
  if (envUrl && !options.ignoreEnv) return externalHandle(envUrl);

  const log = options.log ?? silentLogger;
  const binary = options.binary ?? findNatsServerBinary();
  if (!binary || !existsSync(binary)) {
    throw new NatsServerError('E_NATS_MISSING', 'nats-server is not installed (looked on PATH and in /usr/sbin); run: bash deploy/setup.sh');
  }
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'sinq-nats-')));
  await mkdir(dataDir, { recursive: true });
  const maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  // The port is fixed once chosen by the caller or once the server has run: clients reconnect to it.
  let fixedPort = options.port !== undefined;
  let port = options.port ?? (await freePort());
  let monitorPort = await freePort();
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const configPath = path.join(dataDir, 'nats-server.conf');
    for (let attempt = 1; ; attempt++) {
      await writeFile(configPath, configText(port, monitorPort, path.join(dataDir, 'jetstream'), maxPayload));
      const proc = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      trackChild(proc);
      let stderr = '';
      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (chunk: string) => {
        if (stderr.length < 16_000) stderr += chunk;
      });
      const deadline = Date.now() + startTimeoutMs;
      let ok = false;
      while (Date.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
        if (await healthy(monitorPort)) {
          ok = true;
          break;
        }
        await sleep(50);
      }
      if (ok) {
        child = proc;
        fixedPort = true;
        log.info({ port, monitorPort, pid: proc.pid, dataDir }, 'nats-server ready');
        return;
      }
      proc.kill('SIGKILL');
      await exited(proc);
      const addressInUse = /address already in use/i.test(stderr);
      // A port taken between probing and binding: pick others, unless the caller fixed the port.
      if (addressInUse && attempt < 5) {
        if (!fixedPort && stderr.includes(`:${port}`)) port = await freePort();
        monitorPort = await freePort();
        continue;
      }
      throw new NatsServerError('E_NATS_START', `nats-server did not become healthy on port ${port}: ${stderr.trim().slice(-2000) || 'no output'}`);
    }
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      try {
        await exited(proc);
      } finally {
        clearTimeout(timer);
      }
    } else {
      await exited(proc);
    }
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    external: false,
    pid: () => child?.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async restart() {
      if (stopped) throw new NatsServerError('E_NATS_START', 'nats-server handle was stopped; start a new one');
      await terminate('SIGTERM');
      await launch();
    },
  };
}
