// Launcher for the embedded engine as a child process (tests, benchmarks, `sinq up`): spawns
// `node bin/sinq.js engine start` in its own process group and waits for its `listening` line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartEngineOptions {
  /** Journal directory; null runs the engine with no journal (benchmark baselines). */
  dataDir: string | null;
  /** 0 or omitted picks a free port. */
  port?: number;
  startTimeoutMs?: number;
  /** Receives the engine's stderr lines (JSON logs); dropped when omitted. */
  onLog?: (line: string) => void;
}

export interface EngineHandle {
  address: string;
  pid: number;
  /** SIGTERM the process group and wait for exit (SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal to the whole process group at once (default SIGKILL, as a crash would). */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export class EngineLaunchError extends Error {
  readonly code = 'E_ENGINE_START';
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function startEngine(options: StartEngineOptions): Promise<EngineHandle> {
  const storage = options.dataDir === null ? ['--in-memory'] : ['--data', options.dataDir];
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sinq.js'), 'engine', 'start', '--port', String(options.port ?? 0), ...storage], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SINQ_LOG_FORMAT: 'json' },
  });
  const pid = child.pid;
  if (pid === undefined) throw new EngineLaunchError('could not spawn the engine process');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
    if (options.onLog) for (const line of chunk.split('\n')) if (line) options.onLog(line);
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const address = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      killGroup('SIGKILL');
      reject(new EngineLaunchError(`engine did not report listening within ${options.startTimeoutMs ?? 30_000} ms: ${stderrTail}`));
    }, options.startTimeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { event?: string; address?: string };
          if (msg.event === 'listening' && msg.address) {
            clearTimeout(timer);
            resolve(msg.address);
          }
        } catch {
          // not a JSON line
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new EngineLaunchError(`engine exited with code ${String(code)} before listening: ${stderrTail}`));
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    address,
    pid,
    exited,
    kill: killGroup,
    stop: () => {
      stopping ??= (async () => {
        killGroup('SIGTERM');
        const grace = setTimeout(() => killGroup('SIGKILL'), 5000);
        await exited;
        clearTimeout(grace);
      })();
      return stopping;
    },
  };
}
