// Activities for the engine conformance suite.
import { Context, ApplicationFailure, CancelledFailure } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `hello ${name}`;
}

/** Fails until attempt `failures + 1`; returns the attempt that succeeded. */
export async function flaky(failures: number): Promise<number> {
  const attempt = Context.current().info.attempt;
  if (attempt <= failures) throw ApplicationFailure.retryable(`attempt ${attempt} fails`, 'Flaky');
  return attempt;
}

/** Never heartbeats: the heartbeat timeout fires. */
export async function stall(): Promise<void> {
  await Context.current().sleep(20_000);
}

export async function heartbeatUntilCancelled(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    try {
      await ctx.sleep(100);
    } catch (err) {
      if (err instanceof CancelledFailure) throw err;
      throw err;
    }
  }
}

/** Sleeps, stopping early when cancelled. */
export async function sleepFor(ms: number): Promise<string> {
  await Context.current().sleep(ms);
  return `slept ${ms}`;
}
