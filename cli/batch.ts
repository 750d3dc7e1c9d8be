// `--batch FILE.jsonl` for the single-play verbs: one JSON object per line in, one result per line
// out, in order, each echoing the line's `id`. A bad line yields an error result for that line only.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';

export type BatchResult = { id: unknown; ok: true; result: unknown } | { id: unknown; ok: false; error: { code: string; message: string } };

export class BatchLineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function idOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'id' in value ? (value as { id: unknown }).id : null;
}

/**
 * Reads `file` line by line, validates each line with `schema`, runs `handle` on it and writes one
 * JSON result line to `out`. Blank lines are skipped. Returns the number of lines that failed.
 */
export async function runBatch<S extends z.ZodType>(
  file: string,
  schema: S,
  handle: (line: z.infer<S>) => Promise<unknown>,
  out: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Promise<number> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let failures = 0;
  let lineNo = 0;
  for await (const text of lines) {
    lineNo += 1;
    if (text.trim() === '') continue;
    let result: BatchResult;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      failures += 1;
      out(JSON.stringify({ id: null, ok: false, error: { code: 'E_JSON', message: `${file}:${lineNo}: not JSON: ${(err as Error).message}` } }));
      continue;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `field '${issue.path.join('.')}'` : 'line';
      result = { id: idOf(raw), ok: false, error: { code: 'E_INPUT', message: `${file}:${lineNo}: ${where}: ${issue?.message ?? 'invalid'}` } };
    } else {
      try {
        result = { id: idOf(raw), ok: true, result: await handle(parsed.data) };
      } catch (err) {
        const code = err instanceof BatchLineError ? err.code : 'E_FAILED';
        result = { id: idOf(raw), ok: false, error: { code, message: `${file}:${lineNo}: ${(err as Error).message}` } };
      }
    }
    let line: string;
    try {
      line = JSON.stringify(result);
    } catch (err) {
      // A result that cannot be written (e.g. nested too deep for JSON.stringify) fails its line only.
      result = { id: idOf(raw), ok: false, error: { code: 'E_FAILED', message: `${file}:${lineNo}: result could not be written: ${(err as Error).message}` } };
      line = JSON.stringify(result);
    }
    if (!result.ok) failures += 1;
    out(line);
  }
  return failures;
}
