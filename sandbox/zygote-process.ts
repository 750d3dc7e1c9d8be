// One warm Python zygote as seen from Node: start it, send runs, route replies, notice its death.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Outcome } from '../game/types';
import type { Logger } from '../lib/log';
import {
  encodeFrame,
  FrameDecoder,
  FrameKind,
  parseZygoteFrame,
  readySchema,
  splitRunReport,
  toOutcome,
  type ValueLimits,
  type ZygoteRequest,
} from './protocol';

interface InFlight {
  resolve: (outcome: Outcome) => void;
  startedAt: number;
  watchdog: NodeJS.Timeout;
}

export interface ZygoteProcessOptions {
  command: string;
  args: string[];
  /** Opened read-only and handed to the command as fd 3 (bwrap's seccomp filter). */
  fd3File: string | undefined;
  /** Caps a run's returned value must respect before it is believed. */
  valueLimits: ValueLimits;
  /** Extra time past a run's own limit before the zygote is deemed wedged and killed. */
  watchdogGraceMs: number;
  startTimeoutMs: number;
  log: Logger;
  onExit: (zygote: ZygoteProcess, reason: string) => void;
}

const MAX_FRAME_BYTES = 256 << 20;

export class ZygoteProcess {
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  private stderrTail = '';
  private isReady = false;
  private dead = false;
  private corked = false;
  private markReady!: () => void;
  private failStart!: (err: Error) => void;

  constructor(private readonly options: ZygoteProcessOptions) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failStart = reject;
    });
    // Never leave an unobserved rejection behind if nobody awaits `ready`.
    this.ready.catch(() => undefined);
    const fd3 = options.fd3File === undefined ? undefined : openSync(options.fd3File, 'r');
    this.child = spawn(options.command, options.args, {
      stdio: fd3 === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', fd3],
      // LD_BIND_NOW: symbols resolved once in the zygote, not lazily in every forked run.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', LD_BIND_NOW: '1' },
      detached: true,
    });
    if (fd3 !== undefined) closeSync(fd3);
    const startTimer = setTimeout(
      () => this.die(`zygote did not start within ${options.startTimeoutMs} ms`),
      options.startTimeoutMs,
    );
    this.ready.then(
      () => clearTimeout(startTimer),
      () => clearTimeout(startTimer),
    );
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.child.stdin!.on('error', () => undefined);
    this.child.stdout!.on('error', () => undefined);
    this.child.on('error', (err) => this.die(`zygote could not be started: ${err.message}`));
    this.child.on('exit', (code, signal) => this.die(`zygote exited (${signal ?? `code ${code}`})`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get load(): number {
    return this.inFlight.size;
  }

  /** Reached the ready handshake at some point (it may be dead now). */
  get everReady(): boolean {
    return this.isReady;
  }

  get alive(): boolean {
    return this.isReady && !this.dead;
  }

  submit(request: ZygoteRequest): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      if (this.dead) {
        resolve({ kind: 'crashed', reason: 'sandbox worker died before the run started', durationMs: 0, infrastructure: true });
        return;
      }
      const watchdog = setTimeout(
        () =>
          this.die(
            `zygote did not answer run ${request.id} within ${request.timeoutMs + this.options.watchdogGraceMs} ms`,
          ),
        request.timeoutMs + this.options.watchdogGraceMs,
      );
      this.inFlight.set(request.id, { resolve, startedAt: performance.now(), watchdog });
      this.writeCorked(encodeFrame(request));
    });
  }

  /** Requests submitted in the same tick leave in one write, so the zygote forks them together. */
  private writeCorked(frame: Buffer): void {
    const stdin = this.child.stdin!;
    if (!this.corked) {
      this.corked = true;
      stdin.cork();
      process.nextTick(() => {
        this.corked = false;
        stdin.uncork();
      });
    }
    stdin.write(frame);
  }

  /** Ends the zygote: it kills its runs; SIGKILL to its whole process group after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.killGroup(), graceMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(reason: string): void {
    this.die(reason);
  }

  private killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.die((err as Error).message);
      return;
    }
    for (const frame of frames) this.onFrame(frame);
  }

  private onFrame(body: Buffer): void {
    const frame = parseZygoteFrame(body);
    if (!frame) {
      this.die('zygote sent a truncated frame');
      return;
    }
    if (!this.isReady) {
      let ready: ReturnType<typeof readySchema.safeParse> | undefined;
      try {
        ready =
          frame.kind === FrameKind.ready
            ? readySchema.safeParse(JSON.parse(frame.payload.toString('utf8')))
            : undefined;
      } catch {
        ready = undefined;
      }
      if (!ready?.success) {
        this.die('zygote did not introduce itself');
        return;
      }
      this.isReady = true;
      this.options.log.debug({ zygotePid: ready.data.pid, uidDrop: ready.data.uidDrop }, 'sandbox zygote ready');
      this.markReady();
      return;
    }
    if (frame.kind !== FrameKind.outcome && frame.kind !== FrameKind.runReport) {
      this.die(`zygote sent a frame of unknown kind ${frame.kind}`);
      return;
    }
    const entry = this.inFlight.get(frame.id);
    if (!entry) return;
    this.inFlight.delete(frame.id);
    clearTimeout(entry.watchdog);
    if (frame.kind === FrameKind.outcome) {
      entry.resolve(toOutcome(frame.payload, this.options.valueLimits, performance.now() - entry.startedAt));
      return;
    }
    const split = splitRunReport(frame.payload);
    if (!split) {
      entry.resolve({
        kind: 'crashed',
        reason: 'malformed report: the zygote gave no duration',
        durationMs: performance.now() - entry.startedAt,
        infrastructure: true,
      });
      this.die('zygote sent a run report without its duration');
      return;
    }
    entry.resolve(toOutcome(split.report, this.options.valueLimits, split.durationMs, true));
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.killGroup();
    const detail = this.stderrTail.trim()
      ? `${reason}: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}`
      : reason;
    if (!this.isReady) this.failStart(new Error(detail));
    const now = performance.now();
    for (const entry of this.inFlight.values()) {
      clearTimeout(entry.watchdog);
      entry.resolve({
        kind: 'crashed',
        reason: `sandbox worker died during the run: ${reason}`,
        durationMs: now - entry.startedAt,
        infrastructure: true,
      });
    }
    this.inFlight.clear();
    this.options.onExit(this, detail);
  }
}
