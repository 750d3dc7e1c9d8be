// Reading task-set files: plain or gzip, strict UTF-8, one numbered row per non-blank line.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { rowError, TaskSetError, type RowLocation } from './errors';
import type { SkippedRow } from './schema';

export async function readTextFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new TaskSetError('E_TASK_FILE', `${file}: cannot read task set: ${why}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new TaskSetError('E_TASK_FILE', `${file}: broken gzip data: ${(err as Error).message}`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TaskSetError('E_TASK_FILE', `${file}: not valid UTF-8 text`);
  }
}

export interface NumberedLine {
  line: number;
  text: string;
}

export function nonBlankLines(text: string): NumberedLine[] {
  const lines: NumberedLine[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() !== '') lines.push({ line: index + 1, text: line });
  });
  return lines;
}

export function parseJsonRow(at: RowLocation, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw rowError(at, null, `not valid JSON: ${(err as Error).message}`);
  }
}

/** Strict mode throws the first row error; lenient mode records it and goes on. */
export class RowErrors {
  readonly skipped: SkippedRow[] = [];
  readonly warnings: SkippedRow[] = [];

  constructor(private readonly lenient: boolean) {}

  reject(line: number, error: TaskSetError): void {
    if (!this.lenient) throw error;
    this.skipped.push({ line, reason: error.message });
  }

  /** Rows that yield no task whatever the mode (e.g. no derivable input): reported, not fatal. */
  report(line: number, reason: string): void {
    this.skipped.push({ line, reason });
  }

  warn(line: number, reason: string): void {
    this.warnings.push({ line, reason });
  }
}

/** Normalises dataset source text: `\r\n` to `\n`, no trailing blank lines. */
export function normaliseSource(source: string): string {
  return source.replace(/\r\n?/g, '\n').replace(/\s+$/, '') + '\n';
}
