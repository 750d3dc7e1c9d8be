// Checks the TypeScript rules against CPython itself: `==` on values and `ast.literal_eval`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareValues, pyValueKey } from '../../game/compare';
import { formatPyLiteral, parsePyLiteral } from '../../game/literal';
import type { PyValue } from '../../game/types';
import { equalRewrite, pyValueArb, typedKey } from './arbitraries';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;
const oracle = path.join(import.meta.dirname, 'python_oracle.py');

interface Answer {
  ok: boolean;
  a?: PyValue;
  eq?: boolean;
  error?: string;
}

function ask(requests: Array<{ a: string; b?: string }>): Answer[] {
  const child = spawnSync('python3', [oracle], {
    input: JSON.stringify(requests),
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`python oracle failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Answer[];
}

function literal(value: PyValue): string {
  const f = formatPyLiteral(value);
  if (!f.ok) throw new Error(f.error);
  return f.text;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A value that differs slightly from `v` most of the time (Python decides whether it still equals). */
function perturb(v: PyValue, rng: () => number): PyValue {
  switch (v.t) {
    case 'int':
      return rng() < 0.5
        ? { t: 'int', v: (BigInt(v.v) + 1n).toString() }
        : { t: 'float', v: Number(BigInt(v.v)) + 0.5 };
    case 'float':
      return typeof v.v === 'number' ? { t: 'float', v: v.v * 2 + 1 } : { t: 'int', v: '0' };
    case 'bool':
      return { t: 'bool', v: !v.v };
    case 'str':
      return { t: 'str', v: v.v + 'x' };
    case 'list':
    case 'tuple':
      if (v.v.length === 0 || rng() < 0.3) return { t: v.t === 'list' ? 'tuple' : 'list', v: v.v };
      return { t: v.t, v: v.v.map((x, i) => (i === 0 ? perturb(x, rng) : x)) };
    case 'set':
      return { t: 'set', v: v.v.slice(1) };
    case 'dict':
      if (v.v.length === 0) return { t: 'dict', v: [[{ t: 'str', v: 'k' }, { t: 'none' }]] };
      return { t: 'dict', v: v.v.map(([k, x], i): [PyValue, PyValue] => [k, i === 0 ? perturb(x, rng) : x]) };
    default:
      return { t: 'str', v: 'other' };
  }
}

function setsOnly(v: PyValue): PyValue {
  switch (v.t) {
    case 'frozenset':
    case 'set':
      return { t: 'set', v: v.v.map(setsOnly) };
    case 'list':
    case 'tuple':
      return { t: v.t, v: v.v.map(setsOnly) };
    case 'dict':
      return { t: 'dict', v: v.v.map(([k, x]): [PyValue, PyValue] => [setsOnly(k), setsOnly(x)]) };
    default:
      return v;
  }
}

describe.skipIf(!python)('agreement with CPython (python3 not found: skipped)', () => {
  it('compareValues agrees with Python == on random, respelled and perturbed pairs', () => {
    const values = fc.sample(pyValueArb(), { numRuns: 250, seed: 20250 });
    const others = fc.sample(pyValueArb(), { numRuns: 250, seed: 777 });
    const pairs: Array<[PyValue, PyValue]> = [];
    values.forEach((v, i) => {
      const rng = seeded(i + 1);
      pairs.push(
        [v, others[i] as PyValue],
        [v, setsOnly(equalRewrite(v, rng))],
        [v, perturb(setsOnly(equalRewrite(v, rng)), rng)],
      );
    });
    const answers = ask(pairs.map(([a, b]) => ({ a: literal(a), b: literal(b) })));
    let equalCount = 0;
    pairs.forEach(([a, b], i) => {
      const answer = answers[i] as Answer;
      expect(answer.ok, `${literal(a)} vs ${literal(b)}: ${answer.error}`).toBe(true);
      if (answer.eq) equalCount++;
      expect(compareValues(a, b), `${literal(a)} == ${literal(b)}`).toBe(answer.eq);
      expect(pyValueKey(a) === pyValueKey(b)).toBe(answer.eq);
    });
    // The sample must exercise both answers substantially.
    expect(equalCount).toBeGreaterThan(200);
    expect(pairs.length - equalCount).toBeGreaterThan(200);
  });

  it('parsePyLiteral reads what literal_eval reads, to the same tagged value', () => {
    const texts = fc.sample(pyValueArb(), { numRuns: 300, seed: 99 }).map(literal);
    texts.push(
      "{'a': 0x_1F, 'b': 0o17, 'c': 0b1_01, 'd': 1_000.5e-3, 'e': .5, 'f': 5., 'g': 1e999, 'h': -1e999}",
      "{'s': 'a' \"b\" '''c\nd''', 't': r'\\n', 'u': '\\x41\\101\\u00e9\\U0001F600\\q', 'v': b'\\x00\\xff' b'z'}",
      "{'c': 1+2j, 'd': -1.5-0.5j, 'e': 3j, 'f': -0j, 'g': +4}",
      "{'t': (1,), 'u': (), 'v': ((1, 2), [3]), 'w': set(), 'x': {1, 1.0, True, 2}, 'y': {1: 'a', True: 'b'}}",
      "{'n': None, 'b': [True, False], 'trail': [1, 2,], } # comment",
      '1, 2',
      "'\\\n'",
    );
    const answers = ask(texts.map((a) => ({ a })));
    texts.forEach((text, i) => {
      const answer = answers[i] as Answer;
      const ours = parsePyLiteral(text);
      expect(ours.ok, `${text}: ${ours.ok ? '' : ours.error}`).toBe(answer.ok);
      if (ours.ok && answer.a) expect(typedKey(ours.value), text).toBe(typedKey(answer.a));
    });
  });

  it('parsePyLiteral accepts and refuses what literal_eval does on token soup', () => {
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '(',
      ')',
      ',',
      ':',
      '1',
      '-',
      '+',
      '2j',
      '0x1',
      '1.5',
      "'a'",
      'b"b"',
      'None',
      'True',
      'set',
      ' ',
      '1e5',
      '_',
      '0',
      '.',
    ];
    const texts = fc.sample(
      fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }).map((p) => p.join('')),
      { numRuns: 1000, seed: 4242 },
    );
    const answers = ask(texts.map((a) => ({ a })));
    texts.forEach((text, i) => {
      const answer = answers[i] as Answer;
      const ours = parsePyLiteral(text);
      expect(ours.ok, `${JSON.stringify(text)}: python ${answer.ok ? 'accepts' : `refuses (${answer.error})`}`).toBe(
        answer.ok,
      );
      if (ours.ok && answer.a) expect(typedKey(ours.value), text).toBe(typedKey(answer.a));
    });
  });
});
