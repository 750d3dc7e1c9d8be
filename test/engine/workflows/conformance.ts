// Workflows the engine conformance suite runs on a real Worker. Deterministic code only.
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import type * as activities from '../activities';

const { greet, flaky } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', backoffCoefficient: 1, maximumAttempts: 5 },
});

export const approve = defineSignal<[string]>('approve');
export const statusQuery = defineQuery<string>('status');

/** Activities, a timer, a signal, a query, a child and continue-as-new in one workflow. */
export async function everything(name: string, round = 0): Promise<string> {
  let approvedBy = '';
  let status = 'started';
  setHandler(approve, (who) => void (approvedBy = who));
  setHandler(statusQuery, () => status);
  if (round === 0) {
    const hello = await greet(name);
    await sleep(10);
    status = 'waiting';
    await condition(() => approvedBy !== '');
    status = 'approved';
    const child = await executeChild(childGreeting, { args: [name], workflowId: `${workflowInfo().workflowId}-child` });
    return await continueAsNew<typeof everything>(`${hello}|${approvedBy}|${child}`, 1);
  }
  return `${name}|round${round}`;
}

export async function childGreeting(name: string): Promise<string> {
  return `child:${await greet(name)}`;
}

export async function oneActivity(name: string): Promise<string> {
  return await greet(name);
}

/** Three activities and a zero-length timer (the benchmark's workload). */
export async function threeActivities(name: string): Promise<string> {
  const a = await greet(name);
  const b = await greet(a);
  await sleep(0);
  return await greet(b);
}

export async function retrying(failures: number): Promise<number> {
  return await flaky(failures);
}

export async function heartbeatTimeout(): Promise<string> {
  const { stall } = proxyActivities<typeof activities>({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '1s',
    retry: { maximumAttempts: 1 },
  });
  try {
    await stall();
    return 'completed';
  } catch (err) {
    const cause = (err as { cause?: { name?: string; timeoutType?: number } }).cause;
    return `failed:${cause?.name ?? 'unknown'}:${String(cause?.timeoutType)}`;
  }
}

/** Starts a heartbeating activity, then cancels it; the activity sees the cancel via its heartbeat. */
export async function cancelActivity(): Promise<string> {
  const { heartbeatUntilCancelled } = proxyActivities<typeof activities>({
    startToCloseTimeout: '30s',
    // Heartbeats are throttled to 80% of this, so it bounds how soon the cancel is seen.
    heartbeatTimeout: '1s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const scope = new CancellationScope();
  const pending = scope.run(() => heartbeatUntilCancelled());
  await sleep(500);
  scope.cancel();
  try {
    await pending;
    return 'not cancelled';
  } catch (err) {
    return isCancellation(err) ? 'cancelled' : `other:${String(err)}`;
  }
}

export async function patchedWorkflow(): Promise<string> {
  if (patched('new-greeting')) return await greet('patched');
  return await greet('old');
}

export async function tagged(kind: string, score: number): Promise<string> {
  upsertSearchAttributes({ SinqKind: [kind], SinqScore: [score] });
  await sleep(1);
  return kind;
}

/** One long activity: the worker is killed while it runs. */
export async function slowActivity(ms: number): Promise<string> {
  const { sleepFor } = proxyActivities<typeof activities>({ startToCloseTimeout: '3s', retry: { initialInterval: '100ms' } });
  return await sleepFor(ms);
}

/** A sequence of timers and activities long enough to kill the engine in the middle. */
export async function longRunning(steps: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < steps; i++) {
    total += (await greet(`s${i}`)).length;
    await sleep(100);
  }
  return total;
}

export async function waitForSignal(): Promise<string> {
  let got = '';
  setHandler(approve, (who) => void (got = who));
  await condition(() => got !== '');
  return got;
}

/** Starts two children that outlive it: one terminated by the parent close policy, one abandoned. */
export async function parentLeavesChildren(prefix: string): Promise<string> {
  await startChild(waitForSignal, { workflowId: `${prefix}-terminate`, parentClosePolicy: ParentClosePolicy.TERMINATE });
  await startChild(waitForSignal, { workflowId: `${prefix}-abandon`, parentClosePolicy: ParentClosePolicy.ABANDON });
  return 'parent done';
}
