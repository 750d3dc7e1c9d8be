// The data directory lock: an exclusive flock(2) on DIR/LOCK, held by a small helper process, flock(1)
// from util-linux, for as long as this process lives. Node's standard library has no flock, and the npm
// bindings need a native build; the helper needs nothing but util-linux, which every Debian system has.
//
// The helper takes the lock, prints "locked" and then waits for its stdin to close. Closing it (release)
// or the death of this process, however abrupt (kill -9), closes the pipe: the helper exits and the
// kernel drops the lock. A stale LOCK file therefore never blocks anyone; the pid written into it only
// names the holder in the error message.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';

/** Exit code the helper uses when the lock is held elsewhere (flock --conflict-exit-code). */
const CONFLICT_EXIT_CODE = 75;
const LOCK_FILE = 'LOCK';

export type DirLockErrorCode = 'E_DIR_LOCKED' | 'E_DIR_LOCK_UNAVAILABLE';

export class DirLockError extends Error {
  constructor(
    readonly code: DirLockErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DirLockError';
  }
}

export interface DirLock {
  readonly lockPath: string;
  /** Drops the lock; resolves once the helper has exited (and the kernel released it). */
  release(): Promise<void>;
}

function unrefStream(stream: unknown): void {
  if (stream instanceof Socket) stream.unref();
}

/**
 * Takes the exclusive lock of `dir`, waiting up to `waitMs` for a holder that is going away (a crashed
 * engine's helper exits a moment after it). Refused with E_DIR_LOCKED when another process holds it.
 */
export async function lockDirectory(dir: string, waitMs = 3000): Promise<DirLock> {
  const lockPath = path.join(dir, LOCK_FILE);
  const waitSeconds = (Math.max(0, waitMs) / 1000).toFixed(3);
  const helper = spawn(
    'flock',
    [
      '--exclusive',
      '--timeout',
      waitSeconds,
      '--conflict-exit-code',
      String(CONFLICT_EXIT_CODE),
      lockPath,
      'sh',
      '-c',
      'echo locked; exec cat >/dev/null',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => helper.once('exit', (code) => resolve(code)));
  let stderr = '';
  helper.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const outcome = await new Promise<'locked' | { code: number | null } | { spawnError: Error }>((resolve) => {
    let stdout = '';
    helper.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('locked\n')) resolve('locked');
    });
    helper.once('error', (err) => resolve({ spawnError: err }));
    void exited.then((code) => resolve({ code }));
  });
  if (outcome !== 'locked') {
    if ('spawnError' in outcome) {
      throw new DirLockError(
        'E_DIR_LOCK_UNAVAILABLE',
        `cannot lock ${dir}: flock(1) could not be started (${outcome.spawnError.message}); install util-linux`,
      );
    }
    if (outcome.code === CONFLICT_EXIT_CODE) {
      const holder = (await fsp.readFile(lockPath, 'utf8').catch(() => '')).trim();
      throw new DirLockError(
        'E_DIR_LOCKED',
        `data directory ${dir} is locked by another engine${holder ? ` (process ${holder})` : ''}: flock on ${lockPath} is held; stop that engine or use another directory`,
      );
    }
    throw new DirLockError(
      'E_DIR_LOCK_UNAVAILABLE',
      `cannot lock ${dir}: flock exited with code ${String(outcome.code)}${stderr ? `: ${stderr.trim()}` : ''}`,
    );
  }
  // Name the holder for whoever is refused next (informational only: the flock is the lock).
  await fsp.writeFile(lockPath, `${process.pid}\n`).catch(() => undefined);
  // The helper must neither keep this process alive nor outlive it.
  helper.unref();
  unrefStream(helper.stdout);
  unrefStream(helper.stderr);
  unrefStream(helper.stdin);
  let released: Promise<void> | undefined;
  return {
    lockPath,
    release: () => {
      released ??= stopHelper(helper, exited);
      return released;
    },
  };
}

async function stopHelper(helper: ChildProcess, exited: Promise<number | null>): Promise<void> {
  helper.stdin?.end();
  const timer = setTimeout(() => helper.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
