// The sandbox: a pool of warm, confined Python zygotes that fork one child per run.
//   const sandbox = await createSandbox({ workers: 2 });
//   const outcome = await sandbox.run({ source, entryPoint: 'f', input: '{"x": 1}' });
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Outcome } from '../game/types';
import { silentLogger, type Logger } from '../lib/log';
import type { IsolationReport, PairOutcome, PairRequest, RunRequest, Sandbox } from './api';
import { SandboxError, SandboxIsolationError } from './errors';
import { SHARED_PROCESS_SLACK, fitRunLimits, isolationSufficient, launchPlan, probeHost, reportFor, resolvePython, type IsolationPretend, type LaunchPlan, type RunAsUser } from './isolation';
import type { ValueLimits } from './protocol';
import { ZygoteProcess } from './zygote-process';

export type { IsolationReport, PairOutcome, PairRequest, RunRequest, Sandbox } from './api';
export { SandboxError, SandboxIsolationError } from './errors';
export type { SandboxErrorCode } from './errors';
export type { IsolationPretend, RunAsUser, RunLimits } from './isolation';

export interface SandboxOptions {
  /** Number of zygote processes (default: CPU count, 1..8). */
  workers?: number;
  /** Runs in flight at once per zygote (default 4). */
  maxInFlightPerWorker?: number;
  /** Wall limit of a run without its own `timeoutMs` (default 2000 ms). CPU limit follows it. */
  defaultTimeoutMs?: number;
  /** Longest accepted `timeoutMs` (default 60 s). */
  maxTimeoutMs?: number;
  /**
   * Address-space limit of each process of a run (default 1 GiB, lowered to fit
   * `memoryBudgetBytes` when not given).
   */
  memoryLimitBytes?: number;
  /**
   * What all runs in flight together may map at most: workers × runs in flight × processes per run
   * × address space (default half the host's memory). Missing limits are fitted to it; explicit
   * ones that do not fit are refused (E_SANDBOX_LIMITS).
   */
  memoryBudgetBytes?: number;
  /**
   * Start the zygotes as this unprivileged user (through setpriv) when Node runs as root: the
   * non-root mode (bubblewrap in a user namespace) on a root host. The interpreter must be
   * readable by that user.
   */
  runAs?: RunAsUser;
  /** Bytes of stdout/stderr kept per stream; the rest is discarded (default 64 KiB). */
  outputCapBytes?: number;
  /** Largest file a run may write (default 16 MiB). */
  fileSizeLimitBytes?: number;
  /** Size of the tmpfs holding the run directories of one zygote, under bubblewrap (default 256 MiB). */
  scratchBytes?: number;
  /**
   * Processes and threads per run (default 32, lowered to fit `memoryBudgetBytes` when not
   * given). Per run when the sandbox runs as root (each run has its own uid); otherwise, inside a
   * user namespace, one pool for the runs of a zygote (runs in flight × this + 8).
   */
  processLimit?: number;
  /** Open file descriptors per run (default 64). */
  openFilesLimit?: number;
  /** Caps of a returned value: nodes, bytes of strings, nesting depth, digits of an int. */
  resultMaxNodes?: number;
  resultMaxBytes?: number;
  resultMaxDepth?: number;
  resultMaxIntDigits?: number;
  /** Largest program source or input accepted (default 1 MiB); larger is an `invalid` outcome. */
  maxSourceBytes?: number;
  /** Run even without network isolation (also `SINQ_ALLOW_WEAK_ISOLATION=1`). */
  allowWeakIsolation?: boolean;
  /** Python interpreter (default `SINQ_PYTHON` or `python3`). */
  python?: string;
  /** Pretend layers are missing; for tests of the refusal and fallback paths. */
  pretend?: IsolationPretend;
  /** Time past a run's limit after which its zygote is deemed wedged and replaced (default 5 s). */
  watchdogGraceMs?: number;
  logger?: Logger;
}

/** Which isolation layers runs get on this host; does not start anything but quick probes. */
export function isolationReport(pretend: IsolationPretend = {}, runAs?: RunAsUser): IsolationReport {
  return reportFor(probeHost(pretend, runAs));
}

function weakIsolationAllowed(options: SandboxOptions): boolean {
  if (options.allowWeakIsolation !== undefined) return options.allowWeakIsolation;
  const env = process.env.SINQ_ALLOW_WEAK_ISOLATION;
  return env === '1' || env === 'true' || env === 'yes';
}

interface Queued {
  request: { id: number; source: string; entry: string; input: string; timeoutMs: number };
  /** 0: the pool's zygotes; n ≥ 1: a redraw, on the redraw zygote `(n - 1) % REDRAW_WORKERS`. */
  draw: number;
  /** Times this run was started again after a sandbox failure. */
  retries: number;
  /** A retry runs alone on its zygote: if that zygote dies again, no other run pays for it. */
  exclusive: boolean;
  resolve: (outcome: Outcome) => void;
}

const START_FAILURES_BEFORE_GIVING_UP = 5;
/** Retries of a run whose outcome was a sandbox failure (worker died, no slot) before it is reported. */
export const INFRASTRUCTURE_RETRIES = 2;
/**
 * Zygotes kept for redraws (started on the first one): each interpreter has its own str hash seed
 * (the `-I` interpreter ignores PYTHONHASHSEED and draws one at start), so a redraw sees other set
 * and dict orders than the first run; two of them make a hash-order draw unlikely to repeat.
 */
export const REDRAW_WORKERS = 2;

function infrastructureCrash(reason: string, durationMs = 0): Outcome {
  return { kind: 'crashed', reason, durationMs, infrastructure: true };
}

class ZygotePool implements Sandbox {
  /** The pool's zygotes first (`settings.workers`), then the redraw zygotes. */
  private readonly slots: Array<ZygoteProcess | undefined>;
  private readonly startFailures: number[];
  private readonly gaveUp: boolean[];
  private readonly queue: Queued[] = [];
  /** Zygotes running a retry alone. */
  private readonly exclusive = new Set<ZygoteProcess>();
  private readonly everSpawned = new Set<number>();
  private nextId = 1;
  private closed = false;
  private brokenReason: string | undefined;

  constructor(
    private readonly report: IsolationReport,
    private readonly plan: LaunchPlan,
    private readonly settings: Required<Pick<SandboxOptions, 'workers' | 'maxInFlightPerWorker' | 'defaultTimeoutMs' | 'maxTimeoutMs' | 'maxSourceBytes' | 'watchdogGraceMs'>> & { valueLimits: ValueLimits },
    private readonly hostRunsDir: string,
    private readonly log: Logger,
  ) {
    const total = settings.workers + REDRAW_WORKERS;
    this.slots = new Array<ZygoteProcess | undefined>(total).fill(undefined);
    this.startFailures = new Array<number>(total).fill(0);
    this.gaveUp = new Array<boolean>(total).fill(false);
  }

  async start(): Promise<void> {
    const started = this.slots.slice(0, this.settings.workers).map((_, index) => this.spawn(index));
    try {
      await Promise.all(started.map((zygote) => zygote.ready));
    } catch (err) {
      await this.close();
      throw new SandboxError('E_SANDBOX_START', `sandbox workers failed to start: ${(err as Error).message}`);
    }
  }

  isolation(): IsolationReport {
    return { ...this.report, notes: [...this.report.notes] };
  }

  run(request: RunRequest): Promise<Outcome> {
    if (this.closed) return Promise.reject(new SandboxError('E_SANDBOX_CLOSED', 'the sandbox is closed'));
    const rejected = this.precheck(request);
    if (rejected) return Promise.resolve(rejected);
    if (this.brokenReason !== undefined) return Promise.resolve(infrastructureCrash(`sandbox unavailable: ${this.brokenReason}`));
    const timeoutMs = Math.max(1, Math.min(Math.round(request.timeoutMs ?? this.settings.defaultTimeoutMs), this.settings.maxTimeoutMs));
    const draw = request.draw ?? 0;
    return new Promise<Outcome>((resolve) => {
      this.queue.push({ request: { id: this.nextId++, source: request.source, entry: request.entryPoint, input: request.input, timeoutMs }, draw, retries: 0, exclusive: false, resolve });
      this.dispatch();
    });
  }

  async runPair(request: PairRequest): Promise<PairOutcome> {
    const common = { entryPoint: request.entryPoint, input: request.input, timeoutMs: request.timeoutMs, ...(request.draw !== undefined ? { draw: request.draw } : {}) };
    const [original, variant] = await Promise.all([this.run({ source: request.original, ...common }), this.run({ source: request.variant, ...common })]);
    return { original, variant };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.resolve(infrastructureCrash('sandbox closed before the run started'));
    await Promise.all(this.slots.map((zygote) => zygote?.close()));
    rmSync(this.hostRunsDir, { recursive: true, force: true });
  }

  private precheck(request: RunRequest): Outcome | undefined {
    const typed = request as Partial<Record<keyof RunRequest, unknown>>;
    if (typeof typed.source !== 'string' || typeof typed.entryPoint !== 'string' || typeof typed.input !== 'string') {
      return { kind: 'invalid', reason: 'run request needs string source, entryPoint and input', durationMs: 0 };
    }
    if (Buffer.byteLength(request.source) > this.settings.maxSourceBytes) {
      return { kind: 'invalid', reason: `program is larger than ${this.settings.maxSourceBytes} bytes`, durationMs: 0 };
    }
    if (Buffer.byteLength(request.input) > this.settings.maxSourceBytes) {
      return { kind: 'invalid', reason: `input is larger than ${this.settings.maxSourceBytes} bytes`, durationMs: 0 };
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(request.entryPoint)) {
      return { kind: 'invalid', reason: `entry point '${request.entryPoint.slice(0, 100)}' is not a Python identifier`, durationMs: 0 };
    }
    if (request.draw !== undefined && !(Number.isSafeInteger(request.draw) && request.draw >= 0)) {
      return { kind: 'invalid', reason: `draw must be a non-negative integer, got ${String(request.draw)}`, durationMs: 0 };
    }
    if (request.timeoutMs !== undefined && !(Number.isFinite(request.timeoutMs) && request.timeoutMs > 0)) {
      return { kind: 'invalid', reason: `timeoutMs must be a positive number, got ${String(request.timeoutMs)}`, durationMs: 0 };
    }
    return undefined;
  }

  /** Slots a run may go to: the pool's zygotes, or its redraw zygote. */
  private slotsFor(entry: Queued): number[] {
    if (entry.draw === 0) return [...this.slots.keys()].slice(0, this.settings.workers);
    return [this.settings.workers + ((entry.draw - 1) % REDRAW_WORKERS)];
  }

  /** The least loaded zygote that can take `entry` now; 'gone' when none ever will. */
  private pick(entry: Queued): ZygoteProcess | 'gone' | undefined {
    const indices = this.slotsFor(entry);
    if (indices.every((index) => this.gaveUp[index])) return 'gone';
    let best: ZygoteProcess | undefined;
    for (const index of indices) {
      const zygote = this.slots[index];
      // Redraw zygotes start on first use; a dead one is already being replaced.
      if (zygote === undefined && !this.everSpawned.has(index)) this.spawn(index);
      if (!zygote?.alive || this.exclusive.has(zygote)) continue;
      const room = entry.exclusive ? zygote.load === 0 : zygote.load < this.settings.maxInFlightPerWorker;
      if (room && (!best || zygote.load < best.load)) best = zygote;
    }
    return best;
  }

  private dispatch(): void {
    // First in, first out within each group of zygotes (a waiting retry holds back later runs).
    const blocked = new Set<number>();
    for (let i = 0; i < this.queue.length; ) {
      const entry = this.queue[i]!;
      const group = entry.draw === 0 ? -1 : (entry.draw - 1) % REDRAW_WORKERS;
      if (blocked.has(group)) {
        i++;
        continue;
      }
      const zygote = this.pick(entry);
      if (zygote === undefined) {
        blocked.add(group);
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      if (zygote === 'gone') {
        entry.resolve(infrastructureCrash(`sandbox unavailable: no ${entry.draw === 0 ? '' : 'redraw '}worker could be started`));
        continue;
      }
      this.submit(zygote, entry);
    }
  }

  private submit(zygote: ZygoteProcess, entry: Queued): void {
    if (entry.exclusive) this.exclusive.add(zygote);
    void zygote.submit(entry.request).then((outcome) => {
      this.exclusive.delete(zygote);
      if (outcome.kind === 'crashed' && outcome.infrastructure && entry.retries < INFRASTRUCTURE_RETRIES && !this.closed && this.brokenReason === undefined) {
        this.log.warn({ run: entry.request.id, retry: entry.retries + 1, reason: outcome.reason }, 'sandbox failed during a run; running it again alone');
        // A fresh id: a late reply to the first attempt can never be taken for this one.
        this.queue.unshift({ ...entry, request: { ...entry.request, id: this.nextId++ }, retries: entry.retries + 1, exclusive: true });
      } else {
        entry.resolve(outcome);
      }
      this.dispatch();
    });
  }

  private spawn(index: number): ZygoteProcess {
    this.everSpawned.add(index);
    const zygote = new ZygoteProcess({
      command: this.plan.command,
      args: this.plan.args,
      fd3File: this.plan.fd3File,
      valueLimits: this.settings.valueLimits,
      watchdogGraceMs: this.settings.watchdogGraceMs,
      startTimeoutMs: 30_000,
      log: this.log,
      onExit: (dead, reason) => this.onZygoteExit(index, dead, reason),
    });
    this.slots[index] = zygote;
    zygote.ready.then(
      () => {
        this.startFailures[index] = 0;
        this.dispatch();
      },
      () => undefined,
    );
    return zygote;
  }

  private onZygoteExit(index: number, dead: ZygoteProcess, reason: string): void {
    if (this.closed || this.slots[index] !== dead) return;
    this.slots[index] = undefined;
    this.log.warn({ slot: index, reason }, 'sandbox zygote died; replacing it');
    this.startFailures[index] = dead.everReady ? 0 : (this.startFailures[index] ?? 0) + 1;
    if (this.startFailures[index]! >= START_FAILURES_BEFORE_GIVING_UP) {
      this.log.error({ slot: index, reason }, 'sandbox zygote keeps failing to start; giving up on this slot');
      this.gaveUp[index] = true;
      if (this.gaveUp.slice(0, this.settings.workers).every(Boolean)) {
        this.brokenReason = reason;
        for (const queued of this.queue.splice(0)) queued.resolve(infrastructureCrash(`sandbox unavailable: ${reason}`));
      }
      this.dispatch();
      return;
    }
    const delay = Math.min(50 * 2 ** this.startFailures[index]!, 2000);
    setTimeout(() => {
      if (!this.closed) this.spawn(index);
    }, delay).unref();
  }
}

/**
 * Starts the pool. Throws SandboxIsolationError (E_WEAK_ISOLATION) when the host cannot isolate
 * runs from the network and weak isolation was not allowed, SandboxError (E_SANDBOX_START,
 * E_PYTHON_NOT_FOUND) when the workers cannot start.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.logger ?? silentLogger;
  const probe = probeHost(options.pretend ?? {}, options.runAs);
  const report = reportFor(probe);
  if (!isolationSufficient(report)) {
    if (!weakIsolationAllowed(options)) throw new SandboxIsolationError(report);
    log.warn({ notes: report.notes }, 'sandbox running with weak isolation (explicitly allowed)');
  }
  const python = resolvePython(options.python ?? process.env.SINQ_PYTHON ?? 'python3');
  const workers = Math.max(1, Math.floor(options.workers ?? Math.min(Math.max(os.availableParallelism(), 1), 8)));
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 2000;
  const resultMaxNodes = options.resultMaxNodes ?? 200_000;
  const resultMaxBytes = options.resultMaxBytes ?? 8 << 20;
  const resultMaxDepth = options.resultMaxDepth ?? 100;
  const resultMaxIntDigits = options.resultMaxIntDigits ?? 4300;
  // What Node checks a run's report against: the run's own caps (text may grow by base64's 4/3).
  const valueLimits: ValueLimits = { maxNodes: resultMaxNodes, maxDepth: resultMaxDepth, maxIntDigits: resultMaxIntDigits, maxTextChars: Math.ceil(resultMaxBytes * 1.5) + 1024 };
  const maxInFlightPerWorker = Math.max(1, options.maxInFlightPerWorker ?? 4);
  const limits = fitRunLimits({
    workers,
    maxInFlightPerWorker,
    processLimit: options.processLimit,
    memoryLimitBytes: options.memoryLimitBytes,
    memoryBudgetBytes: options.memoryBudgetBytes,
    sharedUid: !probe.root,
  });
  report.limits = limits;
  const hostRunsDir = mkdtempSync(path.join(os.tmpdir(), 'sinq-sandbox-'));
  // Runs under other uids must be able to reach their own directory inside it.
  chmodSync(hostRunsDir, 0o711);
  let seccompFile: string | undefined;
  if (probe.seccompFilter) {
    seccompFile = path.join(hostRunsDir, 'seccomp.bpf');
    writeFileSync(seccompFile, probe.seccompFilter, { mode: 0o600 });
  }
  const plan = launchPlan(probe, python, path.join(hostRunsDir, 'runs'), options.scratchBytes ?? 256 << 20, seccompFile, (shape) =>
    JSON.stringify({
      runsDir: shape.runsDir,
      modulePath: python.path,
      uidDrop: shape.uidDrop,
      pidNamespace: shape.pidNamespace,
      deathSignal: shape.deathSignal,
      uidSlots: 256,
      memoryBytes: limits.memoryPerProcessBytes,
      outputCapBytes: options.outputCapBytes ?? 64 << 10,
      fileSizeBytes: options.fileSizeLimitBytes ?? 16 << 20,
      processes: limits.processesPerRun,
      maxInFlight: maxInFlightPerWorker,
      sharedProcessSlack: SHARED_PROCESS_SLACK,
      openFiles: options.openFilesLimit ?? 64,
      resultMaxNodes,
      resultMaxBytes,
      resultMaxDepth,
      resultMaxIntDigits,
    }),
  );
  if (plan.uidDrop) report.runUid = 'own';
  if (probe.root && !plan.uidDrop) {
    report.notes.push('runs keep the root uid (the Python installation is not readable by other users): no per-run process-count limit');
  }
  const pool = new ZygotePool(
    report,
    plan,
    {
      workers,
      maxInFlightPerWorker,
      defaultTimeoutMs,
      maxTimeoutMs: options.maxTimeoutMs ?? 60_000,
      valueLimits,
      maxSourceBytes: options.maxSourceBytes ?? 1 << 20,
      watchdogGraceMs: options.watchdogGraceMs ?? 5000,
    },
    hostRunsDir,
    log,
  );
  await pool.start();
  return pool;
}
