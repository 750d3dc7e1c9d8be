// Named activity timeout presets, built from the campaign's timeouts.
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { ActivityTimeouts } from '../machines/campaign-config';

export interface ActivityPresets {
  /** Player calls through the actors: may wait for an actor to come back. */
  player: ActivityOptions;
  /** An evaluator call of n attempts: its deadline covers the rounds of parallel model calls. */
  attack: ActivityOptions;
  /** Sandbox executions. */
  sandbox: ActivityOptions;
  /** Store writes: retried until the store accepts them, so no episode is lost. */
  store: ActivityOptions;
  /** Loading the task set: a bad spec fails at once. */
  setup: ActivityOptions;
  /** The training step: long, heartbeating, cancellable; a retry resumes from the trainer's checkpoint. */
  training: ActivityOptions;
}

/** Start-to-close of an attack of `attempts` model calls, `parallelCalls` of them at a time. */
export function attackTimeoutMs(timeouts: Pick<ActivityTimeouts, 'playerMs' | 'playerParallelCalls'>, attempts: number): number {
  return timeouts.playerMs * Math.max(1, Math.ceil(attempts / timeouts.playerParallelCalls));
}

export function activityPresets(timeouts: ActivityTimeouts, attempts = 1): ActivityPresets {
  const retry = { initialInterval: 200, backoffCoefficient: 2, maximumInterval: timeouts.maximumIntervalMs, maximumAttempts: timeouts.maximumAttempts };
  return {
    player: { startToCloseTimeout: timeouts.playerMs, heartbeatTimeout: timeouts.heartbeatMs, retry },
    attack: { startToCloseTimeout: attackTimeoutMs(timeouts, attempts), heartbeatTimeout: timeouts.heartbeatMs, retry },
    sandbox: { startToCloseTimeout: timeouts.sandboxMs, heartbeatTimeout: timeouts.heartbeatMs, retry },
    // No maximumAttempts: unlimited.
    store: { startToCloseTimeout: timeouts.storeMs, retry: { initialInterval: 200, backoffCoefficient: 2, maximumInterval: timeouts.maximumIntervalMs } },
    setup: { startToCloseTimeout: timeouts.storeMs, retry: { ...retry, maximumAttempts: 3 } },
    training: { startToCloseTimeout: timeouts.trainingMs, heartbeatTimeout: timeouts.heartbeatMs, retry: { ...retry, maximumAttempts: 5 }, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED },
  };
}
