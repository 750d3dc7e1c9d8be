// Runs one of our own trusted Python helper scripts (static analysis with `ast`, never executing
// the programs it reads) as a short-lived process: one JSON request on stdin, one JSON reply on stdout.
import { spawn } from 'node:child_process';

export type HelperErrorCode = 'E_HELPER_START' | 'E_HELPER_FAILED' | 'E_HELPER_TIMEOUT' | 'E_HELPER_REPLY';

export class HelperError extends Error {
  constructor(
    readonly code: HelperErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}

export interface HelperOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  python?: string;
}

const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** Runs `script` with `request` as JSON on stdin and returns its parsed JSON stdout. */
export function runPythonHelper(script: string, request: unknown, options: HelperOptions = {}): Promise<unknown> {
  const python = options.python ?? process.env.SINQ_PYTHON ?? 'python3';
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    // -I: isolated mode, so nothing from the environment or the working directory is imported.
    const child = spawn(python, ['-I', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let settled = false;
    const finish = (error: HelperError | null, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new HelperError('E_HELPER_TIMEOUT', `${script} took over ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => finish(new HelperError('E_HELPER_TIMEOUT', `${script} was cancelled`));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => finish(new HelperError('E_HELPER_START', `cannot start ${python}: ${e.message}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_REPLY_BYTES) finish(new HelperError('E_HELPER_REPLY', `${script} replied with over ${MAX_REPLY_BYTES} bytes`));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 64) err.push(chunk);
    });
    child.on('close', (code) => {
      if (settled) return;
      const text = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        finish(new HelperError('E_HELPER_FAILED', `${script} exited with code ${code}: ${stderr}`));
        return;
      }
      try {
        finish(null, JSON.parse(text));
      } catch {
        finish(new HelperError('E_HELPER_REPLY', `${script} did not reply with JSON`));
      }
    });
    child.stdin.on('error', () => {
      /* the child exited early; 'close' reports why */
    });
    child.stdin.end(JSON.stringify(request));
  });
}
