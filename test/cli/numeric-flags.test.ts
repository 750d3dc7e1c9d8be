// Numeric flags take plain decimal values only; anything `Number()` would bend into a number is a
// usage error (exit 2) that names the flag, raised before the verb does anything.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { parseDecimalFlag, parseIntegerFlag } from '../../cli/numeric-flags';
import { CliError } from '../../cli/errors';

const notPlainIntegers = ['1e3', '0x10', '12abc', ' 5', '5 ', '-0', '1.5', '', '+5', '007', 'Infinity', 'NaN', '1_000', '٣'];

async function runCapturingStderr(argv: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (chunks.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('numeric flag values', () => {
  it('accepts plain decimal integers within bounds', () => {
    expect(parseIntegerFlag('--n', '0')).toBe(0);
    expect(parseIntegerFlag('--n', '42', { min: 1 })).toBe(42);
    expect(parseIntegerFlag('--n', '-7')).toBe(-7);
    expect(parseIntegerFlag('--port', '65535', { min: 0, max: 65535 })).toBe(65535);
    expect(parseDecimalFlag('--d', '6.5', { min: 0, max: 10 })).toBe(6.5);
    expect(parseDecimalFlag('--d', '0', { min: 0, max: 10 })).toBe(0);
  });

  it.each(notPlainIntegers)('refuses %j as an integer, naming the flag', (text) => {
    expect(() => parseIntegerFlag('--limit', text)).toThrow(CliError);
    expect(() => parseIntegerFlag('--limit', text)).toThrow(`--limit needs a plain decimal integer, got '${text}'`);
  });

  it('refuses values outside the bounds and unsafe integers', () => {
    expect(() => parseIntegerFlag('--port', '65536', { min: 0, max: 65535 })).toThrow('--port needs a plain decimal integer in [0, 65535]');
    expect(() => parseIntegerFlag('--workers', '0', { min: 1 })).toThrow('--workers needs a plain decimal integer ≥ 1');
    expect(() => parseIntegerFlag('--seed', '9007199254740993')).toThrow(CliError);
  });

  it('refuses exponents, hex, spaces, signed zero and empty text as a decimal number', () => {
    for (const text of ['1e1', '0x5', ' 5', '-0', '-0.0', '', '.5', '5.', '5.5.5']) {
      expect(() => parseDecimalFlag('--difficulty', text, { min: 0, max: 10 })).toThrow(`--difficulty needs a plain decimal number in [0, 10], got '${text}'`);
    }
    expect(() => parseDecimalFlag('--difficulty', '10.5', { min: 0, max: 10 })).toThrow(CliError);
  });
});

// Every numeric flag of every verb, as `sinq` gets it. `{}` stands for the bad value.
const integerFlags: Array<{ flag: string; argv: string[] }> = [
  { flag: '--replicas', argv: ['actor', 'generator', '--replicas={}'] },
  { flag: '--concurrency', argv: ['actor', 'evaluator', '--concurrency={}'] },
  { flag: '--budget', argv: ['attack', '--budget={}'] },
  { flag: '--seed', argv: ['attack', '--seed={}'] },
  { flag: '--timeout-ms', argv: ['attack', '--timeout-ms={}'] },
  { flag: '--port', argv: ['engine', 'start', '--in-memory', '--port={}'] },
  { flag: '--round', argv: ['episodes', 'list', '--campaign', 'c', '--round={}'] },
  { flag: '--limit', argv: ['episodes', 'list', '--campaign', 'c', '--limit={}'] },
  { flag: '--limit', argv: ['eval', 'identifier-swap', '--limit={}'] },
  { flag: '--num-ctx', argv: ['eval', 'identifier-swap', '--num-ctx={}'] },
  { flag: '--samples', argv: ['eval', 'identifier-swap', '--samples={}'] },
  { flag: '--seed', argv: ['eval', 'identifier-swap', '--seed={}'] },
  { flag: '--concurrency', argv: ['eval', 'identifier-swap', '--concurrency={}'] },
  { flag: '--seed', argv: ['mutate', '--seed={}'] },
  { flag: '--max-chars', argv: ['parse', '--max-chars={}'] },
  { flag: '--port', argv: ['report', '--campaign', 'c', '--serve', '--port={}'] },
  { flag: '--timeout-ms', argv: ['sandbox', 'run', '--timeout-ms={}'] },
  { flag: '--workers', argv: ['sandbox', 'run', '--workers={}'] },
  { flag: '--limit', argv: ['tasks', 'list', 'data/tasks.jsonl', '--limit={}'] },
  { flag: '--timeout-ms', argv: ['tasks', 'validate', 'data/tasks.jsonl', '--no-run', '--timeout-ms={}'] },
  { flag: '--port', argv: ['ui', '--port={}'] },
  { flag: '--ui-port', argv: ['ui', '--ui-port={}'] },
  { flag: '--workers', argv: ['up', '--workers={}'] },
  { flag: '--timeout-ms', argv: ['verify', '--timeout-ms={}'] },
  { flag: '--activities', argv: ['worker', '--activities={}'] },
  { flag: 'concurrency N', argv: ['campaign', 'concurrency', 'some-campaign', '--', '{}'] },
];

const decimalFlags: Array<{ flag: string; argv: string[] }> = [
  { flag: '--difficulty', argv: ['mutate', '--difficulty={}'] },
  { flag: '--min-difficulty', argv: ['episodes', 'list', '--campaign', 'c', '--min-difficulty={}'] },
];

const withValue = (argv: string[], value: string): string[] => argv.map((arg) => arg.replace('{}', value));

describe('sinq verbs with bad numeric flags', () => {
  it.each(integerFlags)('$argv.0 $flag: each non-plain integer is a usage error naming the flag', async ({ flag, argv }) => {
    for (const value of ['1e3', '0x10', '12abc', ' 5', '-0', '1.5', '']) {
      const { code, stderr } = await runCapturingStderr(withValue(argv, value));
      expect({ value, code }).toEqual({ value, code: 2 });
      expect(stderr).toContain(`${flag} needs a plain decimal integer`);
      expect(stderr).toContain(`got '${value}'`);
    }
  });

  it.each(decimalFlags)('$argv.0 $flag: exponents, hex, padding, signed zero and empty text are usage errors', async ({ flag, argv }) => {
    for (const value of ['1e3', '0x10', '12abc', ' 5', '-0', '']) {
      const { code, stderr } = await runCapturingStderr(withValue(argv, value));
      expect({ value, code }).toEqual({ value, code: 2 });
      expect(stderr).toContain(`${flag} needs a plain decimal number`);
    }
  });

  it('campaign concurrency is bounded like the config field', async () => {
    for (const value of ['0', '257']) {
      const { code, stderr } = await runCapturingStderr(['campaign', 'concurrency', 'some-campaign', value]);
      expect(code).toBe(2);
      expect(stderr).toContain('concurrency N needs a plain decimal integer in [1, 256]');
    }
  });

  it('the engine entry point refuses a non-plain --port the same way', () => {
    const repoRoot = path.resolve(import.meta.dirname, '../..');
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'engine/main.ts'), '--port=0x10'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--port needs a plain decimal integer in [0, 65535], got '0x10'");
  }, 60_000);
});
