// Task sets: our own JSONL, MBPP (JSONL or the sanitized JSON array) and HumanEval (JSONL, .gz).
import { fileURLToPath } from 'node:url';
import { TaskSetError } from './errors';
import { loadHumanEvalTaskSet } from './humaneval';
import { loadMbppTaskSet } from './mbpp';
import { type LoadOptions, type TaskSet } from './schema';
import { loadSinqTaskSet } from './sinq-format';
import { parseTaskSetSpec } from './spec';

export { TaskSetError, type TaskSetErrorCode } from './errors';
export { TaskSchema, mbppSplits, type LoadOptions, type MbppSplit, type SkippedRow, type TaskSet } from './schema';
export { parseTaskSetSpec, type TaskSetKind, type TaskSetSpec } from './spec';

/** Absolute path of the task set we ship, `data/tasks.jsonl`. */
export function defaultTaskSetPath(): string {
  return fileURLToPath(new URL('../data/tasks.jsonl', import.meta.url));
}

/** Absolute path of the public datasets directory (`../shared/data` next to the repository). */
export function sharedDataDir(): string {
  return fileURLToPath(new URL('../../shared/data', import.meta.url));
}

/**
 * Loads a task set. `spec` is a path to our JSONL, or `mbpp:<path>[#split]`, `humaneval:<path>`,
 * `sinq:<path>`; without a prefix the kind comes from the file name. Malformed rows throw a
 * `TaskSetError` (`E_TASK_ROW`, `file:line: field 'x': ...`) unless `lenient`, which skips and
 * reports them. Public-set tasks with no derivable input are kept with no examples and reported in
 * `warnings` (or skipped, with `requireExamples`).
 */
export async function loadTaskSet(spec: string, options: LoadOptions = {}): Promise<TaskSet> {
  const parsed = parseTaskSetSpec(spec);
  if (options.split && parsed.split && options.split !== parsed.split) {
    throw new TaskSetError(
      'E_TASK_SPEC',
      `'${spec}' names split '${parsed.split}' but the options ask for '${options.split}'`,
    );
  }
  const split = options.split ?? parsed.split;
  if (split && parsed.kind !== 'mbpp')
    throw new TaskSetError('E_TASK_SPEC', `'${spec}': splits apply to MBPP task sets only`);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
    throw new TaskSetError('E_TASK_SPEC', `limit must be a non-negative integer, got ${options.limit}`);
  }
  const lenient = options.lenient ?? false;
  const requireExamples = options.requireExamples ?? false;
  let set: TaskSet;
  switch (parsed.kind) {
    case 'sinq':
      set = await loadSinqTaskSet(parsed.path, lenient);
      break;
    case 'mbpp':
      set = await loadMbppTaskSet(
        parsed.path,
        split ? { lenient, split, requireExamples } : { lenient, requireExamples },
      );
      break;
    case 'humaneval':
      set = await loadHumanEvalTaskSet(parsed.path, { lenient, requireExamples });
      break;
  }
  // Schema problems are found before analysis problems; report both in file order.
  const byLine = (a: { line: number }, b: { line: number }): number => a.line - b.line;
  return {
    tasks: options.limit === undefined ? set.tasks : set.tasks.slice(0, options.limit),
    skipped: [...set.skipped].sort(byLine),
    warnings: [...set.warnings].sort(byLine),
  };
}
export {
  validateTaskSet,
  describeOutcome,
  originFamily,
  type ExampleFailure,
  type ValidateOptions,
  type ValidationReport,
} from './validate';
export { openSandbox, type OpenSandboxOptions } from './open-sandbox';
