// Runs a configurable trainer command: an argv template with {dataset}, {baseModel}, {outputDir} and
// {checkpointDir} placeholders, spawned in its own process group. Progress lines (JSON with step and
// total, or "step N/M") are passed to a callback (the activity heartbeats them); an abort kills the
// whole group. The checkpoint directory is the caller's: the same one on a retry lets it resume.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type TrainerErrorCode = 'E_TRAINER_TEMPLATE' | 'E_TRAINER_SPAWN' | 'E_TRAINER_FAILED' | 'E_TRAINER_CANCELLED';

export class TrainerError extends Error {
  constructor(
    readonly code: TrainerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TrainerError';
  }
}

export interface TrainerPlaceholders {
  dataset: string;
  baseModel: string;
  outputDir: string;
  checkpointDir: string;
}

export const placeholderNames = ['dataset', 'baseModel', 'outputDir', 'checkpointDir'] as const;

export interface TrainerProgress {
  step: number;
  total: number | null;
  loss: number | null;
  /** The line it came from. */
  line: string;
}

export interface TrainerRunOptions {
  argv: readonly string[];
  values: TrainerPlaceholders;
  env?: Record<string, string>;
  cwd?: string;
  signal?: AbortSignal;
  onProgress?: (progress: TrainerProgress) => void;
  /** Any output line (for logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Time between SIGTERM and SIGKILL on abort, ms. */
  killGraceMs?: number;
}

export interface TrainerRunResult {
  lastProgress: TrainerProgress | null;
  elapsedMs: number;
}

/** Fills the placeholders of an argv template; an unknown `{name}` is a template error. */
export function expandArgv(template: readonly string[], values: TrainerPlaceholders): string[] {
  if (template.length === 0) throw new TrainerError('E_TRAINER_TEMPLATE', 'trainer command is empty');
  return template.map((part) =>
    part.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
      if ((placeholderNames as readonly string[]).includes(name)) return values[name as keyof TrainerPlaceholders];
      throw new TrainerError(
        'E_TRAINER_TEMPLATE',
        `unknown placeholder ${whole} in trainer command; known: ${placeholderNames.map((n) => `{${n}}`).join(', ')}`,
      );
    }),
  );
}

const STEP_TEXT = /\bstep\s+(\d+)\s*\/\s*(\d+)/i;

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Reads a progress line: `{"step": 3, "total": 10, "loss": 0.5}` or text containing `step 3/10`. */
export function parseProgress(line: string): TrainerProgress | null {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        const step = finiteOrNull(record.step);
        if (step !== null)
          return {
            step,
            total: finiteOrNull(record.total ?? record.max_steps),
            loss: finiteOrNull(record.loss),
            line: trimmed,
          };
      }
    } catch {
      // Not JSON after all: try the text form.
    }
  }
  const match = STEP_TEXT.exec(trimmed);
  if (!match) return null;
  const loss = /\bloss[=:\s]+([0-9.eE+-]+)/.exec(trimmed);
  return {
    step: Number(match[1]),
    total: Number(match[2]),
    loss: loss ? finiteOrNull(Number(loss[1])) : null,
    line: trimmed,
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Runs the trainer to completion; rejects with TrainerError on a bad template, a failure or an abort. */
export async function runTrainer(options: TrainerRunOptions): Promise<TrainerRunResult> {
  const argv = expandArgv(options.argv, options.values);
  const [command, ...args] = argv as [string, ...string[]];
  if (options.signal?.aborted) throw new TrainerError('E_TRAINER_CANCELLED', 'training cancelled before it started');
  const started = Date.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  let lastProgress: TrainerProgress | null = null;
  const tail: string[] = [];
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    if (pid === undefined) return;
    aborted = true;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.killGraceMs ?? 5_000);
  };
  const watch = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void => {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.onLine?.(line, name);
      const progress = parseProgress(line);
      if (progress) {
        lastProgress = progress;
        options.onProgress?.(progress);
      }
    });
  };
  watch(child.stdout, 'stdout');
  watch(child.stderr, 'stderr');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (err) =>
        reject(new TrainerError('E_TRAINER_SPAWN', `cannot start trainer '${command}': ${err.message}`)),
      );
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    if (aborted)
      throw new TrainerError(
        'E_TRAINER_CANCELLED',
        `training cancelled (trainer stopped by ${exit.signal ?? `exit ${exit.code}`})`,
      );
    if (exit.code !== 0) {
      throw new TrainerError(
        'E_TRAINER_FAILED',
        `trainer exited with ${exit.signal ?? `code ${exit.code}`}; last output:\n${tail.slice(-8).join('\n')}`,
      );
    }
    return { lastProgress, elapsedMs: Date.now() - started };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
    // Helpers the trainer left behind go with it.
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  }
}
