// Named activity timeout presets, built from the campaign's timeouts.
import type { ActivityOptions } from '@temporalio/workflow';
import type { ActivityTimeouts } from '../machines/campaign-config';

export interface ActivityPresets {
  /** Player calls through the actors: may wait for an actor to come back. */
  player: ActivityOptions;
  /** Sandbox executions. */
  sandbox: ActivityOptions;
  /** Store writes: retried until the store accepts them, so no episode is lost. */
  store: ActivityOptions;
  /** Loading the task set: a bad spec fails at once. */
  setup: ActivityOptions;
}

export function activityPresets(timeouts: ActivityTimeouts): ActivityPresets {
  const retry = { initialInterval: 200, backoffCoefficient: 2, maximumInterval: timeouts.maximumIntervalMs, maximumAttempts: timeouts.maximumAttempts };
  return {
    player: { startToCloseTimeout: timeouts.playerMs, heartbeatTimeout: timeouts.heartbeatMs, retry },
    sandbox: { startToCloseTimeout: timeouts.sandboxMs, heartbeatTimeout: timeouts.heartbeatMs, retry },
    store: { startToCloseTimeout: timeouts.storeMs, retry: { ...retry, maximumAttempts: 0 } },
    setup: { startToCloseTimeout: timeouts.storeMs, retry: { ...retry, maximumAttempts: 3 } },
  };
}
