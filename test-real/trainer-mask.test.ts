// The reference trainer's loss mask, run for real in the trainer's own virtualenv (installed by
// deploy/setup-trainer.sh; npm run test:real installs it first).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const python = path.join(root, '.sinq', 'tools', 'trainer-venv', 'bin', 'python');
const installed = existsSync(python);
if (!installed) throw new Error(`trainer-mask: the trainer venv is not installed (${python}); run: bash deploy/setup-trainer.sh (npm run test:real does)`);

interface CheckLine {
  check?: string;
  ok?: boolean;
  transformers?: string;
}

/** More interpreters to check the mask with (e.g. one with transformers 4.x), colon-separated. */
const extraPythons = (process.env.SINQ_MASK_PYTHONS ?? '').split(':').filter((p) => p !== '');

describe('train.py loss mask (real tokenizer, needs deploy/setup-trainer.sh)', () => {
  it.each([python, ...extraPythons])('marks exactly the weighted assistant turns, on a plain template and on one that strips <think> (%s)', (interpreter) => {
    const run = spawnSync(interpreter, [path.join(root, 'test-real', 'trainer_mask_check.py')], { encoding: 'utf8', timeout: 120_000 });
    const lines = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as CheckLine);
    const failed = lines.filter((l) => l.ok === false);
    expect(failed, run.stderr.slice(-2_000)).toEqual([]);
    expect(run.status, run.stderr.slice(-2_000)).toBe(0);
    expect(lines.find((l) => l.transformers !== undefined)?.transformers).toMatch(/^[45]\./);
    expect(lines.filter((l) => l.ok === true).map((l) => l.check)).toHaveLength(8);
  });
});
