// A `sinq` verb run as a child process in its own process group: waits for its JSON "ready" line,
// sends its stderr to a log file, and can be stopped (SIGTERM, then SIGKILL) or killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const sinqBin = fileURLToPath(new URL('../bin/sinq.js', import.meta.url));

export class ChildStartError extends Error {
  readonly code = 'E_CHILD_START';
  constructor(message: string) {
    super(message);
    this.name = 'ChildStartError';
  }
}

export interface SinqChild {
  name: string;
  pid: number;
  /** The parsed ready line. */
  ready: Record<string, unknown>;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole process group at once, as a crash would. */
  kill(): Promise<void>;
}

export interface SpawnSinqOptions {
  name: string;
  args: string[];
  /** Where the child's stderr goes (appended). */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export async function spawnSinq(options: SpawnSinqOptions): Promise<SinqChild> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logStream = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [sinqBin, ...options.args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SINQ_LOG_FORMAT: 'json', ...options.env },
  });
  child.stderr?.pipe(logStream);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  let isExited = false;
  void exited.then(() => {
    isExited = true;
    logStream.end();
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      reject(new ChildStartError(`${options.name} did not become ready within ${options.readyTimeoutMs ?? 60_000} ms; see ${options.logFile}`));
    }, options.readyTimeoutMs ?? 60_000);
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.event === 'ready') {
          clearTimeout(timer);
          resolve(event);
        }
      } catch {
        // Not a JSON line: ignore.
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new ChildStartError(`${options.name} exited (${code}) before it was ready; see ${options.logFile}`));
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  lines.on('line', () => undefined);
  const pid = child.pid!;
  return {
    name: options.name,
    pid,
    ready,
    exited,
    async stop(graceMs = 10_000) {
      if (isExited) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (isExited) return;
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
}
