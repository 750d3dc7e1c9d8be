// Task dispatch: brings a run's queue entries and alarms in line with its state after every unit of work
// and after recovery. Workflow tasks go to the run's task queue (or its worker's sticky queue), activity
// tasks to theirs; alarms drive timeouts, timer firing, activity backoff and delayed starts.
import type { Engine } from './engine';
import { api, durationMs, timestampMs } from './proto';
import { isOpen, type ActivityState, type Run } from './state';

const TimeoutType = api.enums.v1.TimeoutType;

export class TaskDispatch {
  constructor(private readonly e: Engine) {}

  /** Brings timers and queue entries in line with the run's state; safe to call any number of times. */
  reconcile(run: Run): void {
    const { alarms } = this.e;
    if (run.parkedQueries.length > 0 && (run.wft.phase === 'none' || !isOpen(run))) {
      for (const dispatch of run.parkedQueries.splice(0)) dispatch();
    }
    if (!isOpen(run)) {
      alarms.disarm(run.wft.rt);
      alarms.disarm(run.runTimeoutRt);
      alarms.disarm(run.stickyRt);
      return;
    }
    const wft = run.wft;
    if (wft.phase === 'none' && wft.scheduledEventId === 0 && wft.rt.timers.length === 0) {
      // A delayed start (start delay or continue-as-new backoff) whose first task is not scheduled yet.
      alarms.arm(wft.rt, run.executionTimeMs, () => this.e.workflowTask.schedule(run, true));
    }
    if (wft.phase === 'scheduled' && !wft.rt.queued) {
      wft.rt.queued = true;
      const sid = wft.scheduledEventId;
      const placement = ++run.wftPlacement;
      const sticky = run.sticky;
      const queue = sticky ? sticky.queue : run.taskQueue;
      if (sticky) {
        // Not picked up from the sticky queue in time: back to the normal queue with full history.
        alarms.disarm(run.stickyRt);
        alarms.arm(run.stickyRt, Date.now() + sticky.scheduleToStartMs, () => {
          if (run.wft.phase === 'scheduled' && run.wftPlacement === placement) this.unstick(run);
        });
      }
      this.e.workflowTasks.add(this.e.queueKey(run.namespace, queue), (poller) =>
        run.wftPlacement === placement ? this.e.workflowTask.start(run, sid, poller, sticky !== undefined) : null,
      );
    }
    if (wft.phase === 'started' && wft.rt.timers.length === 0) {
      const sid = wft.scheduledEventId;
      const st = wft.startedEventId;
      alarms.arm(wft.rt, Date.now() + run.workflowTaskTimeoutMs, () => this.e.workflowTask.timeout(run, sid, st));
    }
    for (const act of run.activities.values()) this.reconcileActivity(run, act);
    for (const timer of run.timers.values()) {
      if (timer.phase === 'started' && timer.rt.timers.length === 0) {
        alarms.arm(timer.rt, timer.fireAtMs, () => this.e.timer.fire(run, timer.timerId, timer.startedEventId));
      }
    }
    if (run.runTimeoutRt.timers.length === 0) {
      const deadline = runDeadline(run);
      if (deadline > 0) alarms.arm(run.runTimeoutRt, deadline, () => this.e.lifecycle.timeoutRun(run));
    }
  }

  private reconcileActivity(run: Run, act: ActivityState): void {
    const { alarms } = this.e;
    if (act.phase === 'scheduled' && !act.rt.queued) {
      act.rt.queued = true;
      const queue = act.attrs.taskQueue?.name || run.taskQueue;
      const attempt = act.attempt;
      this.e.activityTasks.add(this.e.queueKey(run.namespace, queue), (poller) =>
        this.e.activity.start(run, act, attempt, poller),
      );
    }
    if (act.phase === 'backoff' && act.rt.timers.length === 0) {
      alarms.arm(act.rt, act.retryAtMs, () => this.e.activity.wake(run, act));
    }
    const s2c = durationMs(act.attrs.scheduleToCloseTimeout);
    if (act.phase !== 'closed' && s2c > 0 && !act.s2cArmed) {
      act.s2cArmed = true;
      alarms.arm(act.deadlineRt, act.scheduledTimeMs + s2c, () =>
        this.e.activity.timeout(run, act, act.attempt, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
      );
    }
  }

  /** Stops routing the run's workflow tasks to a sticky queue; a scheduled task moves to the normal queue. */
  unstick(run: Run): void {
    if (!run.sticky) return;
    run.sticky = undefined;
    this.e.alarms.disarm(run.stickyRt);
    if (run.wft.phase === 'scheduled') {
      run.wftPlacement++;
      run.wft.rt.queued = false;
      this.e.touch(run);
      if (!this.e.inUnitOfWork) this.reconcile(run);
    }
  }

  /** A worker is going away: its sticky queue gets no more tasks. */
  dropStickyQueue(namespace: string, stickyQueue: string): void {
    for (const run of this.e.runs.values()) {
      if (run.namespace === namespace && run.sticky?.queue === stickyQueue) this.unstick(run);
    }
    this.e.workflowTasks.releasePollers(this.e.queueKey(namespace, stickyQueue));
  }
}

/** When the run times out: the earlier of its run timeout and its execution expiration; 0 = never. */
function runDeadline(run: Run): number {
  const started = run.history[0]?.workflowExecutionStartedEventAttributes;
  const candidates: number[] = [];
  if (run.runTimeoutMs > 0) candidates.push(run.startTimeMs + run.runTimeoutMs);
  const expiration = timestampMs(started?.workflowExecutionExpirationTime);
  if (expiration > 0) candidates.push(expiration);
  return candidates.length ? Math.min(...candidates) : 0;
}
