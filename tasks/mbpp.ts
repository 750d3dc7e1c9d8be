// Loader for MBPP: the original JSONL (`text, code, task_id, test_setup_code, test_list,
// challenge_test_list`) and the sanitized JSON array (`prompt, code, task_id, test_imports,
// test_list`). Entry point and example inputs come from the test asserts, statically.
import { z } from 'zod';
import type { Task } from '../game/types';
import { analyse } from './analysis';
import { rowError, TaskSetError, type RowLocation } from './errors';
import { nonBlankLines, normaliseSource, parseJsonRow, readTextFile, RowErrors } from './read';
import { mbppSplits, nonBlankString, type MbppSplit, type TaskSet } from './schema';
import { issueToRowError } from './zod-issue';

const MbppRowSchema = z
  .object({
    task_id: z.number().int().positive(),
    text: z.string().optional(),
    prompt: z.string().optional(),
    code: nonBlankString('must be non-empty Python source'),
    test_setup_code: z.string().optional(),
    test_list: z.array(z.string()).min(1, 'needs at least one assert'),
    challenge_test_list: z.array(z.string()).optional(),
    test_imports: z.array(z.string()).optional(),
  })
  .refine((row) => row.text !== undefined || row.prompt !== undefined, {
    message: "missing (needs 'text' or 'prompt')",
    path: ['text'],
  });

type MbppRow = z.infer<typeof MbppRowSchema>;

interface RawRow {
  at: RowLocation;
  text: string;
}

export interface MbppOptions {
  lenient: boolean;
  split?: MbppSplit;
  requireExamples?: boolean;
}

export function inMbppSplit(taskId: number, split: MbppSplit): boolean {
  const [first, last] = mbppSplits[split];
  return taskId >= first && taskId <= last;
}

export async function loadMbppTaskSet(file: string, options: MbppOptions): Promise<TaskSet> {
  const text = await readTextFile(file);
  const errors = new RowErrors(options.lenient);
  const rows: Array<{ at: RowLocation; row: MbppRow }> = [];
  const lineOfId = new Map<number, number>();
  for (const raw of splitRows(file, text)) {
    try {
      const value = raw.text === '' ? null : parseJsonRow(raw.at, raw.text);
      const parsed = MbppRowSchema.safeParse(value);
      if (!parsed.success) throw issueToRowError(raw.at, parsed.error);
      const seen = lineOfId.get(parsed.data.task_id);
      if (seen !== undefined)
        throw rowError(raw.at, 'task_id', `duplicate task_id ${parsed.data.task_id} (first at ${seen})`);
      lineOfId.set(parsed.data.task_id, raw.at.line);
      if (options.split && !inMbppSplit(parsed.data.task_id, options.split)) continue;
      rows.push({ at: raw.at, row: parsed.data });
    } catch (err) {
      if (!(err instanceof TaskSetError)) throw err;
      errors.reject(raw.at.line, err);
    }
  }

  const results = await analyse({
    mode: 'mbpp',
    rows: rows.map(({ at, row }) => ({
      key: at.line,
      source: normaliseSource(row.code),
      tests: [...row.test_list, ...(row.challenge_test_list ?? [])],
    })),
  });
  const tasks: Task[] = [];
  for (const { at, row } of rows) {
    const result = results.get(at.line);
    const label = `MBPP task ${row.task_id}`;
    if (!result || !result.ok) {
      errors.report(at.line, `${label}: ${result?.reason ?? 'no analysis result'}`);
      continue;
    }
    if (result.inputs.length === 0) {
      const reason = `${label}: no derivable example input (${result.notes.slice(0, 2).join('; ') || 'no literal calls'})`;
      if (options.requireExamples) {
        errors.report(at.line, reason);
        continue;
      }
      errors.warn(at.line, reason);
    } else if (result.notes.length > 0) {
      errors.warn(
        at.line,
        `${label}: ${result.notes.length} test call(s) not usable as inputs, e.g. ${result.notes[0]}`,
      );
    }
    tasks.push({
      id: `mbpp/${row.task_id}`,
      description: (row.text ?? row.prompt ?? '').trim(),
      source: normaliseSource(row.code),
      entryPoint: result.entryPoint,
      exampleInputs: result.inputs,
      origin: `mbpp:${row.task_id}`,
    });
  }
  return { tasks, skipped: errors.skipped, warnings: errors.warnings };
}

/** JSONL rows by line, or the elements of a JSON array (the sanitized file) by item number. */
function splitRows(file: string, text: string): RawRow[] {
  if (!text.trimStart().startsWith('['))
    return nonBlankLines(text).map(({ line, text: row }) => ({ at: { file, line }, text: row }));
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (err) {
    throw new TaskSetError('E_TASK_FILE', `${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(items)) throw new TaskSetError('E_TASK_FILE', `${file}: expected a JSON array of tasks`);
  return items.map((item: unknown, index) => ({
    at: { file, line: index + 1, item: true },
    text: JSON.stringify(item) ?? '',
  }));
}
