// Typed errors of task-set loading: a bad row names `file:line` and the field; a bad file or spec
// says what is wrong with it as a whole.

export type TaskSetErrorCode =
  /** One row is malformed: wrong JSON, a missing or invalid field, a duplicate id. */
  | 'E_TASK_ROW'
  /** The file cannot be read, decoded or recognised. */
  | 'E_TASK_FILE'
  /** The task-set spec or options make no sense (unknown split, split on a non-MBPP set). */
  | 'E_TASK_SPEC'
  /** The Python analysis helper failed to run. */
  | 'E_TASK_ANALYSIS'
  /** The sandbox needed to run reference solutions is missing or would not start. */
  | 'E_TASK_SANDBOX';

export class TaskSetError extends Error {
  constructor(
    readonly code: TaskSetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskSetError';
  }
}

/** Where a row lives: `file:line`, or `file:item N` for a JSON array. */
export interface RowLocation {
  file: string;
  line: number;
  /** True for an element of a JSON array, where `line` is the 1-based item number. */
  item?: boolean;
}

export function describeLocation(at: RowLocation): string {
  return at.item ? `${at.file}:item ${at.line}` : `${at.file}:${at.line}`;
}

/** The row error of the contract: `file:line: field 'x': what is wrong`. */
export function rowError(at: RowLocation, field: string | null, problem: string): TaskSetError {
  const where = field === null ? '' : `field '${field}': `;
  return new TaskSetError('E_TASK_ROW', `${describeLocation(at)}: ${where}${problem}`);
}
