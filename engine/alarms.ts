// Runtime alarms: the process timers behind workflow-task, activity, timer and run timeouts. They are never
// journaled; after recovery, task dispatch (dispatch.ts) re-arms them from the runs' state.
import type { Engine } from './engine';
import { EngineError } from './errors';
import type { ActivityState, Run, Runtime } from './state';

/** setTimeout's largest delay; longer alarms re-arm in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class Alarms {
  private closed = false;

  constructor(private readonly e: Engine) {}

  /** Runs `fn` as its own unit of work at `atMs` (at once if that is past). */
  arm(rt: Runtime, atMs: number, fn: () => void): void {
    const delay = Math.max(0, atMs - Date.now());
    const handle = setTimeout(
      () => {
        rt.timers = rt.timers.filter((t) => t !== handle);
        if (this.closed) return;
        if (delay > MAX_TIMEOUT_MS) this.arm(rt, atMs, fn);
        else this.safely(fn);
      },
      Math.min(delay, MAX_TIMEOUT_MS),
    );
    rt.timers.push(handle);
  }

  disarm(rt: Runtime): void {
    for (const t of rt.timers) clearTimeout(t);
    rt.timers = [];
  }

  disarmActivity(act: ActivityState): void {
    this.disarm(act.rt);
    this.disarm(act.deadlineRt);
  }

  /** Every alarm of a run: its workflow task, run timeout, sticky timeout, activities and timers. */
  disarmRun(run: Run): void {
    this.disarm(run.wft.rt);
    this.disarm(run.runTimeoutRt);
    this.disarm(run.stickyRt);
    for (const act of run.activities.values()) this.disarmActivity(act);
    for (const timer of run.timers.values()) this.disarm(timer.rt);
  }

  /** No alarm fires after this (engine shutdown). */
  close(): void {
    this.closed = true;
  }

  private safely(fn: () => void): void {
    try {
      this.e.mutate(fn);
    } catch (err) {
      // An engine error is an answer for a caller (here: a run terminated at a history limit), not a fault.
      if (err instanceof EngineError)
        this.e.options.log?.({ event: 'alarm_outcome', code: err.code, message: err.message });
      else this.e.options.onFatal?.(err);
    }
  }
}
