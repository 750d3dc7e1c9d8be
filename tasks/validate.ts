// Checks a loaded task set by running every reference solution on every example input in the
// sandbox: each must return (not raise, time out, crash or be rejected as invalid).
import type { Outcome, Task } from '../game/types';
import type { Sandbox } from '../sandbox/api';
import type { SkippedRow, TaskSet } from './schema';

export interface ExampleFailure {
  taskId: string;
  origin: string;
  /** The example input, or null for a problem with the task as a whole. */
  input: string | null;
  reason: string;
}

export interface ValidationReport {
  tasks: number;
  examples: number;
  /** Task counts by origin family: `sinq`, `mbpp`, `humaneval`, ... */
  byOrigin: Record<string, number>;
  /** Whether the reference solutions were run (false when checking statically only). */
  ran: boolean;
  /** Examples that returned cleanly (0 when not run). */
  passed: number;
  failures: ExampleFailure[];
  skipped: SkippedRow[];
  warnings: SkippedRow[];
}

export interface ValidateOptions {
  /** Runs the reference solutions; without it only the loaded set is summarised. */
  sandbox?: Sandbox;
  /** Wall limit of each run (default 5000 ms). */
  timeoutMs?: number;
  /** Runs in flight at once (default 8). */
  concurrency?: number;
  /** Called after each run, e.g. for progress output. */
  onExample?: (done: number, total: number) => void;
}

export function originFamily(origin: string): string {
  const colon = origin.indexOf(':');
  return colon === -1 ? origin : origin.slice(0, colon);
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'returned':
      return 'returned';
    case 'raised':
      return `raised ${outcome.type}${outcome.message ? `: ${outcome.message}` : ''}`;
    case 'timeout':
      return `timed out after ${outcome.limitMs} ms`;
    case 'crashed':
      return `crashed: ${outcome.reason}`;
    case 'invalid':
      return `invalid: ${outcome.reason}`;
  }
}

export async function validateTaskSet(set: TaskSet, options: ValidateOptions = {}): Promise<ValidationReport> {
  const byOrigin: Record<string, number> = {};
  for (const task of set.tasks) {
    const family = originFamily(task.origin);
    byOrigin[family] = (byOrigin[family] ?? 0) + 1;
  }
  const jobs = set.tasks.flatMap((task) => task.exampleInputs.map((input) => ({ task, input })));
  const report: ValidationReport = {
    tasks: set.tasks.length,
    examples: jobs.length,
    byOrigin,
    ran: options.sandbox !== undefined,
    passed: 0,
    failures: [],
    skipped: set.skipped,
    warnings: set.warnings,
  };
  const sandbox = options.sandbox;
  if (!sandbox) return report;

  const timeoutMs = options.timeoutMs ?? 5000;
  const results: Array<ExampleFailure | null> = new Array<ExampleFailure | null>(jobs.length).fill(null);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      results[index] = await runExample(sandbox, job.task, job.input, timeoutMs);
      done += 1;
      options.onExample?.(done, jobs.length);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? 8, jobs.length));
  await Promise.all(Array.from({ length: lanes }, () => worker()));
  // Failures are listed in task-set order whatever order the runs finished in.
  for (const failure of results) {
    if (failure) report.failures.push(failure);
    else report.passed += 1;
  }
  return report;
}

async function runExample(
  sandbox: Sandbox,
  task: Task,
  input: string,
  timeoutMs: number,
): Promise<ExampleFailure | null> {
  let outcome: Outcome;
  try {
    outcome = await sandbox.run({ source: task.source, entryPoint: task.entryPoint, input, timeoutMs });
  } catch (err) {
    return { taskId: task.id, origin: task.origin, input, reason: `sandbox error: ${(err as Error).message}` };
  }
  return outcome.kind === 'returned'
    ? null
    : { taskId: task.id, origin: task.origin, input, reason: describeOutcome(outcome) };
}
