// Task-set specs: `path/to/tasks.jsonl`, `sinq:<path>`, `mbpp:<path>[#split]`, `humaneval:<path>`.
// Without a prefix the kind is guessed from the file name.
import { basename } from 'node:path';
import { TaskSetError } from './errors';
import { isMbppSplit, mbppSplits, type MbppSplit } from './schema';

export type TaskSetKind = 'sinq' | 'mbpp' | 'humaneval';

export interface TaskSetSpec {
  kind: TaskSetKind;
  path: string;
  split?: MbppSplit;
}

const prefixed = /^(sinq|mbpp|humaneval):(.+)$/;

export function detectKind(path: string): TaskSetKind {
  const name = basename(path).toLowerCase();
  if (name.includes('humaneval')) return 'humaneval';
  if (name.includes('mbpp')) return 'mbpp';
  return 'sinq';
}

export function parseTaskSetSpec(spec: string): TaskSetSpec {
  if (spec.trim() === '') throw new TaskSetError('E_TASK_SPEC', 'empty task-set spec');
  const match = prefixed.exec(spec);
  let kind = match ? (match[1] as TaskSetKind) : null;
  let path = match ? match[2]! : spec;
  let split: MbppSplit | undefined;
  const hash = path.lastIndexOf('#');
  if (hash > 0) {
    const suffix = path.slice(hash + 1);
    if (isMbppSplit(suffix)) {
      split = suffix;
      path = path.slice(0, hash);
    } else if (kind === 'mbpp') {
      throw new TaskSetError(
        'E_TASK_SPEC',
        `unknown MBPP split '${suffix}' in '${spec}' (splits: ${Object.keys(mbppSplits).join(', ')})`,
      );
    }
  }
  kind ??= detectKind(path);
  if (split && kind !== 'mbpp') throw new TaskSetError('E_TASK_SPEC', `'${spec}': splits apply to MBPP task sets only`);
  return split ? { kind, path, split } : { kind, path };
}
