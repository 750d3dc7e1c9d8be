// Our own task format: one JSON object per line with exactly the fields of `Task`.
import { z } from 'zod';
import type { Task } from '../game/types';

/** A string with something besides whitespace in it; the value itself is kept as written. */
export function nonBlankString(message: string) {
  return z.string().refine((value) => value.trim() !== '', message);
}

const pythonIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const TaskSchema = z.strictObject({
  id: nonBlankString('must be a non-empty string'),
  description: nonBlankString('must be a non-empty string'),
  source: nonBlankString('must be non-empty Python source'),
  entryPoint: z.string().regex(pythonIdentifier, 'must be a Python identifier'),
  exampleInputs: z.array(nonBlankString('must be a non-empty dict literal')).min(1, 'needs at least one example input'),
  origin: nonBlankString('must be a non-empty string'),
});

// Compile-time check that the schema and the shared `Task` type stay the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTask: Same<z.infer<typeof TaskSchema>, Task> = true;
void schemaMatchesTask;

/** Splits of MBPP by task id, as its authors define them. */
export const mbppSplits = {
  prompt: [1, 10],
  test: [11, 510],
  validation: [511, 600],
  train: [601, 974],
} as const;

export type MbppSplit = keyof typeof mbppSplits;

export function isMbppSplit(value: string): value is MbppSplit {
  return Object.hasOwn(mbppSplits, value);
}

export interface LoadOptions {
  /** Skip malformed rows (reported in `skipped`) instead of failing on the first one. */
  lenient?: boolean;
  /** MBPP only: keep the tasks whose id falls in this split. */
  split?: MbppSplit;
  /** Keep at most this many tasks (after the split). */
  limit?: number;
  /**
   * Public sets only: skip tasks with no derivable example input instead of keeping them with an
   * empty `exampleInputs` (they are reported in `warnings` either way).
   */
  requireExamples?: boolean;
}

export interface SkippedRow {
  line: number;
  reason: string;
}

export interface TaskSet {
  tasks: Task[];
  /**
   * Rows that gave no task: malformed rows (only with `lenient`), and public-set rows whose source
   * does not parse or whose tests call no function of it (always; reported, not fatal).
   */
  skipped: SkippedRow[];
  /** Rows kept with a caveat: tests whose calls could not be turned into inputs, tasks with none. */
  warnings: SkippedRow[];
}
