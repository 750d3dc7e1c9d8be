import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/commands/parse';
import { CliError } from '../../cli/errors';
import { renderGeneratorReply } from '../../game/reply';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sinq-parse-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await run(argv), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

const reply = renderGeneratorReply({
  analysis: 'Off by one.',
  program: 'def f(n):\n    return n + 1',
  divergingInput: "{'n': 0}",
});

describe('sinq parse', () => {
  it('prints the parse of a file and exits 0', async () => {
    const file = path.join(dir, 'reply.md');
    writeFileSync(file, reply);
    const { code, out } = await capture(['--role', 'generator', file]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      ok: true,
      value: { analysis: 'Off by one.', program: 'def f(n):\n    return n + 1', divergingInput: "{'n': 0}" },
    });
  });

  it('prints a typed failure and exits 1', async () => {
    const file = path.join(dir, 'bad.md');
    writeFileSync(file, '# Analysis\nI could not decide.\n# Equivalent?\nperhaps\n');
    const { code, out } = await capture(['--role', 'evaluator', file]);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, reason: 'bad-answer' });
  });

  it('refuses bad usage with a CliError', async () => {
    await expect(run(['--role', 'judge', 'x'])).rejects.toThrow(CliError);
    await expect(run([path.join(dir, 'reply.md')])).rejects.toThrow(/--role/);
    await expect(run(['--role', 'generator', '--max-chars', 'many', 'x'])).rejects.toThrow(/max-chars/);
    await expect(run(['--role', 'generator', path.join(dir, 'missing.md')])).rejects.toThrow(/cannot read/);
  });

  it('handles a batch: one result per line, bad lines reported, exit 1 when a line is malformed', async () => {
    const file = path.join(dir, 'batch.jsonl');
    const lines = [
      JSON.stringify({ id: 'g1', role: 'generator', text: reply }),
      JSON.stringify({ id: 'e1', role: 'evaluator', text: '# Equivalent?\nYes' }),
      '{broken',
      JSON.stringify({ id: 'x', role: 'generator' }),
      '',
      JSON.stringify({ id: 'e2', role: 'evaluator', text: '' }),
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    const { code, out, err } = await capture(['--batch', file]);
    const results = out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            id: unknown;
            ok: boolean;
            result?: { ok: boolean; reason?: string };
            error?: { code: string };
          },
      );
    expect(results.map((r) => r.id)).toEqual(['g1', 'e1', null, 'x', 'e2']);
    expect(results[0]).toMatchObject({ ok: true, result: { ok: true } });
    expect(results[1]).toMatchObject({ ok: true, result: { ok: true, value: { equivalent: true } } });
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'E_JSON' } });
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'E_INPUT' } });
    expect(results[4]).toMatchObject({ ok: true, result: { ok: false, reason: 'empty' } });
    expect(code).toBe(1);
    expect(err).toContain('2 parsed, 1 parse failures, 2 bad lines');
  });

  it('takes the role from --role for batch lines without one, exit 0 when every line is well-formed', async () => {
    const file = path.join(dir, 'roles.jsonl');
    writeFileSync(file, JSON.stringify({ id: 1, text: reply }) + '\n');
    const { code, out } = await capture(['--batch', file, '--role', 'generator']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ id: 1, ok: true, result: { ok: true } });
  });

  it('renders a JSON reply as canonical Markdown, and refuses a malformed one', async () => {
    const file = path.join(dir, 'reply.json');
    const value = { analysis: 'B.', equivalent: false, divergingInput: '{"x": 1}' };
    writeFileSync(file, JSON.stringify(value));
    const { code, out } = await capture(['--render', '--role', 'evaluator', file]);
    expect(code).toBe(0);
    expect(out).toContain('# Equivalent?\n\nNo\n');
    const back = path.join(dir, 'back.md');
    writeFileSync(back, out);
    expect(JSON.parse((await capture(['--role', 'evaluator', back])).out)).toEqual({ ok: true, value });
    writeFileSync(file, JSON.stringify({ analysis: 'x', program: 3, divergingInput: '{}' }));
    await expect(run(['--render', '--role', 'generator', file])).rejects.toThrow(/field 'program'/);
    writeFileSync(file, 'not json');
    await expect(run(['--render', '--role', 'generator', file])).rejects.toThrow(/JSON/);
  });

  it('reads the reply from stdin through the sinq command', () => {
    const child = spawnSync(process.execPath, [path.join(repoRoot, 'bin/sinq.js'), 'parse', '--role', 'generator'], {
      input: reply.replace(/\n/g, '\r\n'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({ ok: true, value: { divergingInput: "{'n': 0}" } });
  });
});
