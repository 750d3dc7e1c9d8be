// Turns the first zod issue of a row into the contract's row error.
import type { z } from 'zod';
import { rowError, type RowLocation, type TaskSetError } from './errors';

export function issueToRowError(at: RowLocation, error: z.ZodError): TaskSetError {
  const issue = error.issues[0];
  if (!issue) return rowError(at, null, 'invalid row');
  const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys.map(String) : [];
  if (keys.length > 0) return rowError(at, keys.join(', '), issue.message);
  const message =
    issue.code === 'invalid_type' && /received undefined$/.test(issue.message)
      ? `missing (expected ${issue.expected})`
      : issue.message;
  if (issue.path.length === 0) return rowError(at, null, message);
  return rowError(at, formatPath(issue.path), message);
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
