// The running activity's context when there is one: the same activity functions also run
// in-process (benchmark baseline, tests), where heartbeats and cancellation are no-ops.
import { Context } from '@temporalio/activity';

export function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Runs `work` while heartbeating at a third of the heartbeat timeout; passes the cancellation signal. */
export async function withHeartbeat<T>(work: (signal: AbortSignal, deadline: number) => Promise<T>): Promise<T> {
  const context = currentActivity();
  if (!context) return work(new AbortController().signal, Date.now() + 10 * 60_000);
  const every = Math.max(200, Math.floor((context.info.heartbeatTimeoutMs ?? 3_000) / 3));
  const timer = setInterval(() => context.heartbeat(), every);
  const budget = context.info.startToCloseTimeoutMs ?? 60_000;
  try {
    // Leave the actor a little less than the activity's own budget so its answer can still arrive.
    return await work(context.cancellationSignal, Date.now() + Math.max(1_000, budget - 500));
  } finally {
    clearInterval(timer);
  }
}
