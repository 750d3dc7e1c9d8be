import type { z } from 'zod';

// A bad row in a benchmark file, named by file and line so the user can open it there.
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'DatasetError';
  }
}

/** A zod failure as one line: each issue with the field it is about. */
export function issueText(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'row'}: ${issue.message}`)
    .join('; ');
}
