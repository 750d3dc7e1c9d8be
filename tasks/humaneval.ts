// Loader for HumanEval JSONL(.gz): source = prompt + canonical_solution; example inputs are the
// literal calls of `candidate(...)` in the `check` function, mapped to parameter names.
import { z } from 'zod';
import type { Task } from '../game/types';
import { analyse } from './analysis';
import { rowError, TaskSetError, type RowLocation } from './errors';
import { nonBlankLines, normaliseSource, parseJsonRow, readTextFile, RowErrors } from './read';
import { nonBlankString, type TaskSet } from './schema';
import { issueToRowError } from './zod-issue';

const HumanEvalRowSchema = z.object({
  task_id: nonBlankString('must be a non-empty string'),
  prompt: nonBlankString('must be non-empty Python source'),
  canonical_solution: nonBlankString('must be non-empty Python source'),
  entry_point: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a Python identifier'),
  test: nonBlankString("must define 'check(candidate)'"),
});

type HumanEvalRow = z.infer<typeof HumanEvalRowSchema>;

export interface HumanEvalOptions {
  lenient: boolean;
  requireExamples?: boolean;
}

export async function loadHumanEvalTaskSet(file: string, options: HumanEvalOptions): Promise<TaskSet> {
  const text = await readTextFile(file);
  const errors = new RowErrors(options.lenient);
  const rows: Array<{ at: RowLocation; row: HumanEvalRow }> = [];
  const lineOfId = new Map<string, number>();
  for (const { line, text: rowText } of nonBlankLines(text)) {
    const at: RowLocation = { file, line };
    try {
      const parsed = HumanEvalRowSchema.safeParse(parseJsonRow(at, rowText));
      if (!parsed.success) throw issueToRowError(at, parsed.error);
      const seen = lineOfId.get(parsed.data.task_id);
      if (seen !== undefined)
        throw rowError(at, 'task_id', `duplicate task_id '${parsed.data.task_id}' (first on line ${seen})`);
      lineOfId.set(parsed.data.task_id, line);
      rows.push({ at, row: parsed.data });
    } catch (err) {
      if (!(err instanceof TaskSetError)) throw err;
      errors.reject(line, err);
    }
  }

  const sourceOf = (row: HumanEvalRow): string => normaliseSource(row.prompt + row.canonical_solution);
  const results = await analyse({
    mode: 'humaneval',
    rows: rows.map(({ at, row }) => ({
      key: at.line,
      source: sourceOf(row),
      entryPoint: row.entry_point,
      test: row.test,
    })),
  });
  const tasks: Task[] = [];
  for (const { at, row } of rows) {
    const result = results.get(at.line);
    if (!result || !result.ok) {
      errors.report(at.line, `${row.task_id}: ${result?.reason ?? 'no analysis result'}`);
      continue;
    }
    if (result.inputs.length === 0) {
      const reason = `${row.task_id}: no derivable example input (${result.notes.slice(0, 2).join('; ') || 'no literal calls of candidate'})`;
      if (options.requireExamples) {
        errors.report(at.line, reason);
        continue;
      }
      errors.warn(at.line, reason);
    } else if (result.notes.length > 0) {
      errors.warn(
        at.line,
        `${row.task_id}: ${result.notes.length} test call(s) not usable as inputs, e.g. ${result.notes[0]}`,
      );
    }
    tasks.push({
      id: row.task_id,
      description: result.description?.trim() || row.prompt.trim(),
      source: sourceOf(row),
      entryPoint: row.entry_point,
      exampleInputs: result.inputs,
      origin: `humaneval:${row.task_id}`,
    });
  }
  return { tasks, skipped: errors.skipped, warnings: errors.warnings };
}
