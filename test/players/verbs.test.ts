import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function sinq(args: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

const original = 'def f(x):\n    if x > 10:\n        return "big"\n    return "small"\n';
const variant = 'def f(x):\n    if x >= 10:\n        return "big"\n    return "small"\n';

describe('sinq verify / attack / mutate', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-verbs-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify prints the verdict with both outcomes', async () => {
    const a = file('a.py', original);
    const b = file('b.py', variant);
    const valid = await sinq(['verify', '--original', a, '--variant', b, '--entry', 'f', '--input', '{"x": 10}']);
    expect(valid.code).toBe(0);
    const result = JSON.parse(valid.stdout) as { verdict: { valid: boolean }; original: { kind: string; value: unknown }; variant: { value: unknown } };
    expect(result.verdict.valid).toBe(true);
    expect(result.original).toMatchObject({ kind: 'returned', value: { t: 'str', v: 'small' } });
    expect(result.variant).toMatchObject({ value: { t: 'str', v: 'big' } });
    const same = await sinq(['verify', '--original', a, '--variant', b, '--entry', 'f', '--input', '{"x": 3}']);
    expect(same.code).toBe(1);
    expect(JSON.parse(same.stdout)).toMatchObject({ verdict: { valid: false, reason: 'no-divergence' } });
  });

  it('attack finds the boundary input; mutate gives a variant with its witness', async () => {
    const a = file('a.py', original);
    const b = file('b.py', variant);
    const attacked = await sinq(['attack', '--original', a, '--variant', b, '--entry', 'f', '--budget', '50', '--seed', '3']);
    expect(attacked.code).toBe(0);
    expect(JSON.parse(attacked.stdout)).toMatchObject({ found: true, input: '{"x": 10}' });
    const equivalent = file('c.py', 'def f(x):\n    return "big" if x > 10 else "small"\n');
    const none = await sinq(['attack', '--original', a, '--variant', equivalent, '--entry', 'f', '--budget', '25']);
    expect(JSON.parse(none.stdout)).toMatchObject({ found: false, executions: 25 });
    const mutated = await sinq(['mutate', '--program', a, '--entry', 'f', '--difficulty', '8', '--seed', '4']);
    expect(mutated.code).toBe(0);
    const play = JSON.parse(mutated.stdout) as { variant: string; witness: string; operator: string; rarity: number; location: { line: number } };
    expect(play.variant).toContain('def f(x)');
    expect(play.witness).toMatch(/^\{"x": /);
    expect(play.location.line).toBeGreaterThan(0);
    const check = await sinq(['verify', '--original', a, '--variant', file('m.py', play.variant), '--entry', 'f', '--input', play.witness]);
    expect(JSON.parse(check.stdout)).toMatchObject({ verdict: { valid: true } });
  });

  it('runs --batch: one result per line in order, echoing ids, a bad line failing alone', async () => {
    const lines = [
      JSON.stringify({ id: 'one', original, variant, entryPoint: 'f', input: '{"x": 10}' }),
      '{not json',
      JSON.stringify({ id: 'two', original, entryPoint: 'f', input: '{"x": 1}' }),
      JSON.stringify({ id: 3, original, variant, entryPoint: 'f', input: '{"x": 1}' }),
    ];
    const batch = file('verify.jsonl', lines.join('\n') + '\n');
    const verified = await sinq(['verify', '--batch', batch]);
    expect(verified.code).toBe(1);
    const results = verified.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; ok: boolean; result?: { verdict: { valid: boolean } }; error?: { code: string } });
    expect(results.map((r) => r.id)).toEqual(['one', null, 'two', 3]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(results[0]?.result?.verdict.valid).toBe(true);
    expect(results[1]?.error?.code).toBe('E_JSON');
    expect(results[2]?.error?.code).toBe('E_INPUT');
    expect(results[3]?.result?.verdict.valid).toBe(false);

    const attackBatch = file('attack.jsonl', [
      JSON.stringify({ id: 'a', original, variant, entryPoint: 'f' }),
      JSON.stringify({ id: 'b', original: 'def f(:\n', variant, entryPoint: 'f' }),
    ].join('\n'));
    const attacked = await sinq(['attack', '--batch', attackBatch, '--budget', '40']);
    const attackResults = attacked.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; ok: boolean; result?: { found: boolean }; error?: { code: string } });
    expect(attackResults.map((r) => [r.id, r.ok])).toEqual([['a', true], ['b', false]]);
    expect(attackResults[0]?.result?.found).toBe(true);
    expect(attackResults[1]?.error?.code).toBe('E_SYNTAX');

    const mutateBatch = file('mutate.jsonl', [JSON.stringify({ id: 'm', program: original, entryPoint: 'g' }), JSON.stringify({ id: 'n', program: original, entryPoint: 'f', seed: 2 })].join('\n'));
    const mutated = await sinq(['mutate', '--batch', mutateBatch]);
    const mutateResults = mutated.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; ok: boolean; result?: { found: boolean }; error?: { code: string } });
    expect(mutateResults.map((r) => [r.id, r.ok])).toEqual([['m', false], ['n', true]]);
    expect(mutateResults[0]?.error?.code).toBe('E_NO_ENTRY');
    expect(mutateResults[1]?.result?.found).toBe(true);
  });

  it('reports user errors plainly', async () => {
    const missing = await sinq(['verify', '--original', path.join(dir, 'nope.py'), '--variant', path.join(dir, 'nope.py'), '--entry', 'f', '--input', '{}']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    const noEntry = await sinq(['attack', '--original', 'x.py', '--variant', 'y.py']);
    expect(noEntry.code).toBe(2);
    expect(noEntry.stderr).toContain('--entry');
    const badDifficulty = await sinq(['mutate', '--program', 'x.py', '--entry', 'f', '--difficulty', '11']);
    expect(badDifficulty.stderr).toContain('--difficulty');
  });
});
