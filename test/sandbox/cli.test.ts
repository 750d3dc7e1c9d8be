import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/commands/sandbox';
import { CliError } from '../../cli/errors';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await run(argv);
    return { code, out: chunks.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

describe('sinq sandbox', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-sandbox-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check prints the isolation report', async () => {
    const { code, out } = await capture(['check']);
    const report = JSON.parse(out) as { rlimits: boolean; refused: boolean; network: string };
    expect(report.rlimits).toBe(true);
    expect(code).toBe(report.refused ? 1 : 0);
  });

  it('check --smoke runs a program that cannot reach the network', async () => {
    const { code, out } = await capture(['check', '--smoke']);
    const report = JSON.parse(out) as { refused: boolean; smoke?: { ok: boolean } };
    if (report.refused) return expect(code).toBe(1);
    expect(report.smoke?.ok).toBe(true);
    expect(code).toBe(0);
  });

  it('run prints the outcome of a program file', async () => {
    const program = path.join(dir, 'a.py');
    writeFileSync(program, 'def f(xs):\n    return sorted(xs)\n');
    const { code, out } = await capture(['run', '--program', program, '--entry', 'f', '--input', '{"xs": [3, 1]}']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ kind: 'returned', value: { t: 'list', v: [{ t: 'int', v: '1' }, { t: 'int', v: '3' }] } });
  });

  it('run --batch answers each line in order', async () => {
    const batch = path.join(dir, 'b.jsonl');
    const lines = [
      { id: 'a', source: 'def f(n):\n    return n + 1\n', entryPoint: 'f', input: '{"n": 1}' },
      { id: 'b', source: 'def f():\n    while True:\n        pass\n', entryPoint: 'f', input: '{}', timeoutMs: 200 },
      { id: 'c', entryPoint: 'f', input: '{}' },
    ];
    writeFileSync(batch, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const { code, out } = await capture(['run', '--batch', batch, '--workers', '1']);
    const results = out.trim().split('\n').map((line) => JSON.parse(line) as { id: string; ok: boolean; result?: { kind: string } });
    expect(results.map((r) => [r.id, r.ok, r.result?.kind])).toEqual([
      ['a', true, 'returned'],
      ['b', true, 'timeout'],
      ['c', false, undefined],
    ]);
    expect(code).toBe(1);
  });

  it('rejects a missing program file and missing options as user errors', async () => {
    await expect(capture(['run', '--program', path.join(dir, 'none.py'), '--entry', 'f', '--input', '{}'])).rejects.toBeInstanceOf(CliError);
    await expect(capture(['run', '--entry', 'f'])).rejects.toBeInstanceOf(CliError);
    await expect(capture(['frob'])).rejects.toBeInstanceOf(CliError);
  });
});
