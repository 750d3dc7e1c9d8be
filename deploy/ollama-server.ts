// Starts the pinned Ollama that deploy/setup-ollama.sh builds: `ollama serve` on a free loopback
// port with a project-local model store, ready once GET /api/version answers, stopped by pid.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lib/log';
import { silentLogger } from '../lib/log';
import { freePort } from '../lib/net';

export interface OllamaServerOptions {
  /** The ollama binary (deploy/setup-ollama.sh prints its path). */
  binary: string;
  /** Model store (OLLAMA_MODELS); created when missing, kept after stop. */
  modelsDir: string;
  /** Where ollama's own log goes (appended). */
  logFile: string;
  port?: number;
  startTimeoutMs?: number;
  log?: Logger;
}

export interface OllamaServerHandle {
  /** http://127.0.0.1:<port>, what OLLAMA_HOST must be set to. */
  url: string;
  pid: number;
  version: string;
  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

export class OllamaServerError extends Error {
  override name = 'OllamaServerError';
}

/** The binary deploy/setup-ollama.sh leaves in the project's tools folder, if it was built. */
export function installedOllamaBinary(repoRoot: string): string | undefined {
  const bin = path.join(repoRoot, '.sinq/tools/ollama/bin/ollama');
  return existsSync(bin) ? bin : undefined;
}

export async function startOllamaServer(options: OllamaServerOptions): Promise<OllamaServerHandle> {
  const log = options.log ?? silentLogger;
  if (!existsSync(options.binary)) throw new OllamaServerError(`no ollama binary at ${options.binary}; run: bash deploy/setup-ollama.sh`);
  mkdirSync(options.modelsDir, { recursive: true });
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  // The log file is the child's own stdout and stderr: nothing in this process has to drain a pipe,
  // so a caller that blocks its event loop (spawnSync) cannot stall the server on a full pipe.
  const logFd = openSync(options.logFile, 'a');
  const child = spawn(options.binary, ['serve'], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      OLLAMA_HOST: address,
      OLLAMA_MODELS: options.modelsDir,
      // Keep blobs of models being created: pruning at start-up races with `ollama create`.
      OLLAMA_NOPRUNE: '1',
    },
  });
  closeSync(logFd);
  const pid = child.pid;
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', () => resolve(null));
  });
  if (pid === undefined) {
    await exited;
    throw new OllamaServerError(`could not spawn ${options.binary}`);
  }
  const tail = (): string => {
    try {
      return readFileSync(options.logFile, 'utf8').slice(-2000).trim() || `see ${options.logFile}`;
    } catch {
      return `see ${options.logFile}`;
    }
  };
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://${address}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let version: string | undefined;
  while (version === undefined) {
    if (gone) throw new OllamaServerError(`ollama serve exited before it answered: ${tail()}`);
    if (Date.now() > deadline) {
      signal('SIGKILL');
      throw new OllamaServerError(`ollama serve did not answer ${url}/api/version in time: ${tail()}`);
    }
    try {
      const res = await fetch(`${url}/api/version`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) version = ((await res.json()) as { version?: string }).version ?? 'unknown';
    } catch {
      // not listening yet
    }
    if (version === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  log.info({ url, pid, version, models: options.modelsDir }, 'ollama started');
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid,
    version,
    stop() {
      stopping ??= (async () => {
        if (gone) return;
        signal('SIGTERM');
        const grace = setTimeout(() => signal('SIGKILL'), 10_000);
        await exited;
        clearTimeout(grace);
      })();
      return stopping;
    },
  };
}
