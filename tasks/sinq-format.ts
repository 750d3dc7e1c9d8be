// Loader for our own JSONL format (data/tasks.jsonl): schema, unique ids, and a static check in
// Python that the entry point exists and that every example binds to its parameters.
import type { Task } from '../game/types';
import { analyse } from './analysis';
import { rowError, TaskSetError, type RowLocation } from './errors';
import { nonBlankLines, parseJsonRow, readTextFile, RowErrors } from './read';
import { TaskSchema, type TaskSet } from './schema';
import { issueToRowError } from './zod-issue';

export async function loadSinqTaskSet(file: string, lenient: boolean): Promise<TaskSet> {
  const text = await readTextFile(file);
  const errors = new RowErrors(lenient);
  const candidates: Array<{ line: number; task: Task }> = [];
  const firstLineOfId = new Map<string, number>();
  for (const { line, text: rowText } of nonBlankLines(text)) {
    const at: RowLocation = { file, line };
    try {
      const parsed = TaskSchema.safeParse(parseJsonRow(at, rowText));
      if (!parsed.success) {
        throw issueToRowError(at, parsed.error);
      }
      const seen = firstLineOfId.get(parsed.data.id);
      if (seen !== undefined) throw rowError(at, 'id', `duplicate id '${parsed.data.id}' (first on line ${seen})`);
      firstLineOfId.set(parsed.data.id, line);
      candidates.push({ line, task: parsed.data });
    } catch (err) {
      if (!(err instanceof TaskSetError)) throw err;
      errors.reject(line, err);
    }
  }

  const checks = await analyse({
    mode: 'check',
    rows: candidates.map(({ line, task }) => ({
      key: line,
      source: task.source,
      entryPoint: task.entryPoint,
      inputs: task.exampleInputs,
    })),
  });
  const tasks: Task[] = [];
  for (const { line, task } of candidates) {
    const at: RowLocation = { file, line };
    const check = checks.get(line);
    let problem: TaskSetError | null = null;
    if (!check) problem = rowError(at, 'source', 'no analysis result');
    else if (!check.ok)
      problem = rowError(at, check.reason.startsWith('entry point') ? 'entryPoint' : 'source', check.reason);
    else if (check.problems && check.problems.length > 0) {
      const first = check.problems[0]!;
      const colon = first.indexOf(': ');
      problem = rowError(at, first.slice(0, colon), first.slice(colon + 2));
    }
    if (problem) errors.reject(line, problem);
    else tasks.push(task);
  }
  return { tasks, skipped: errors.skipped, warnings: errors.warnings };
}
