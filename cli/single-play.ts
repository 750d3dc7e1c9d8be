// Shared plumbing of the single-play verbs (verify, attack, mutate): reading program files,
// numeric flags, the sandbox's lifetime, and JSON output.
import { readFile } from 'node:fs/promises';
import { createSandbox } from '../sandbox/index';
import type { Sandbox } from '../sandbox/api';
import { BatchLineError } from './batch';
import { CliError } from './errors';
import { integerFlagOr, parseDecimalFlag } from './numeric-flags';

export async function readProgram(flag: string, file: string | undefined): Promise<string> {
  if (file === undefined) throw new CliError(`${flag} FILE is required`);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function integerFlag(flag: string, text: string | undefined, fallback: number, min = 0): number {
  return integerFlagOr(flag, text, fallback, { min });
}

export function numberFlag(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  return text === undefined ? fallback : parseDecimalFlag(flag, text, { min, max });
}

/** Example inputs given as `--example '{"x": 1}'` (repeatable). */
export function examplesFlag(values: string[] | undefined): string[] {
  return (values ?? []).map((v) => v.trim()).filter((v) => v !== '');
}

/** Starts the sandbox, runs `f`, and always closes it. */
export async function withSandbox<T>(f: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  let sandbox: Sandbox;
  try {
    sandbox = await createSandbox();
  } catch (err) {
    throw new CliError(`cannot start the sandbox: ${(err as Error).message}`, 1, 'E_SANDBOX');
  }
  try {
    return await f(sandbox);
  } finally {
    await sandbox.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Turns a typed error (with a string `code`) into a batch-line error that keeps its code. */
export function asLineError(err: unknown): unknown {
  if (err instanceof Error && 'code' in err && typeof (err as { code: unknown }).code === 'string' && !(err instanceof BatchLineError)) {
    return new BatchLineError((err as { code: string }).code, err.message);
  }
  return err;
}
