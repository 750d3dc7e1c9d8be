// `sinq tasks` end to end: runs that start the sandbox go through bin/sinq.js as a separate
// process; the rest call the verb table in this process, with stdout and stderr captured.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { mbppFile, repoRoot } from './helpers';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sinq(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sinq.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, SINQ_ALLOW_WEAK_ISOLATION: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function sinqInProcess(args: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const cwd = process.cwd();
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    process.chdir(repoRoot);
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.chdir(cwd);
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

describe('sinq tasks', () => {
  it('validate runs every example of our task set and prints a summary', async () => {
    const ran = await sinq(['tasks', 'validate', 'data/tasks.jsonl']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^tasks: (\d+) \(sinq \1\)$/m);
    expect(ran.stdout).toMatch(/^examples: (\d+), \1 returned cleanly, 0 failed$/m);
    expect(ran.stdout).toMatch(/^failures: 0\nOK\n$/m);
  });

  it('validate stops at the first malformed row naming file:line, exit 1', async () => {
    const ran = await sinqInProcess(['tasks', 'validate', 'test/fixtures/tasks-malformed.jsonl', '--no-run']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^error: test\/fixtures\/tasks-malformed\.jsonl:2: not valid JSON/);
  });

  it('validate --lenient --json skips and counts the malformed rows with their reasons', async () => {
    const ran = await sinq(['tasks', 'validate', 'test/fixtures/tasks-malformed.jsonl', '--lenient', '--json']);
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout) as {
      ok: boolean;
      tasks: number;
      passed: number;
      ran: boolean;
      skipped: Array<{ line: number; reason: string }>;
    };
    expect(report).toMatchObject({ ok: true, tasks: 2, passed: 3, ran: true });
    expect(report.skipped.map((s) => s.line)).toEqual([2, 3, 4, 6]);
    expect(report.skipped[1]!.reason).toMatch(/:3: field 'entryPoint': /);
    expect(report.skipped[2]!.reason).toMatch(/:4: field 'exampleInputs\[0\]': unknown parameter\(s\) c/);
    expect(report.skipped[3]!.reason).toMatch(/:6: field 'id': duplicate id 'fx\/ok'/);
  });

  it('validate reports reference solutions that raise or do not halt, exit 1', async () => {
    const ran = await sinq(['tasks', 'validate', 'test/fixtures/tasks-failing.jsonl', '--timeout-ms', '1500']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^examples: 6, 4 returned cleanly, 2 failed$/m);
    expect(ran.stdout).toMatch(/^ {2}fx\/divide \{'a': 1, 'b': 0\}: raised ZeroDivisionError/m);
    expect(ran.stdout).toMatch(/^ {2}fx\/spin \{'n': 1\}: timed out after 1500 ms$/m);
    expect(ran.stdout).toMatch(/FAILED\n$/);
  });

  it('list prints one task per line, or JSON lines', async () => {
    const text = await sinqInProcess(['tasks', 'list', 'data/tasks.jsonl', '--limit', '3']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^sinq\/001-run-length-encode\trle_encode\t4 examples\t/);
    expect(text.stdout).toMatch(/^3 tasks$/m);
    const json = await sinqInProcess(['tasks', 'list', 'test/fixtures/tasks-malformed.jsonl', '--lenient', '--json']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; examples: number });
    expect(rows.map((r) => [r.id, r.examples])).toEqual([
      ['fx/ok', 1],
      ['fx/ok-2', 2],
    ]);
  });

  it('usage errors exit 2 with a message', async () => {
    const none = await sinqInProcess(['tasks']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/expected 'validate' or 'list'/);
    const badSplit = await sinqInProcess(['tasks', 'validate', 'data/tasks.jsonl', '--split', 'dev']);
    expect(badSplit.code).toBe(2);
    expect(badSplit.stderr).toMatch(/unknown split 'dev'/);
  });

  it.skipIf(!existsSync(mbppFile))(
    'validate --no-run summarises an MBPP split (skipped: the public MBPP file is missing)',
    async () => {
      const ran = await sinqInProcess(['tasks', 'validate', `mbpp:${mbppFile}#prompt`, '--no-run']);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(/^tasks: 10 \(mbpp 10\)$/m);
      expect(ran.stdout).toMatch(/^examples: 30 \(not run\)$/m);
    },
  );
});
