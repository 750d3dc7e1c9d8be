import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  difficultyFromAttempts,
  distinctAttemptInputs,
  scoreAttempts,
  type AttemptToScore,
} from '../../game/difficulty';
import { defaultRewardConfig, rewards } from '../../game/rewards';
import { CLEAN_FINISH_FRACTION } from '../../game/timeouts';
import type { EvaluatorReply, Outcome, ParseResult, PyValue } from '../../game/types';
import { checkSignature, parseFailureVerdict, verifyPlay } from '../../game/verify';

const int = (v: number): PyValue => ({ t: 'int', v: String(v) });
const returned = (v: number, durationMs = 5): Outcome => ({ kind: 'returned', value: int(v), durationMs });
const raised = (type: string, message: string): Outcome => ({ kind: 'raised', type, message, durationMs: 5 });
const timeout = (limitMs: number): Outcome => ({ kind: 'timeout', limitMs, durationMs: limitMs });
const invalid = (reason: string): Outcome => ({ kind: 'invalid', reason, durationMs: 1 });
const LIMIT = 4000;

describe('verifyPlay', () => {
  it('accepts different return values', () => {
    const verdict = verifyPlay({ originalOutcome: returned(1), variantOutcome: returned(2), limitMs: LIMIT });
    expect(verdict.valid).toBe(true);
  });

  it('accepts the original raising where the variant returns (a behaviour difference)', () => {
    expect(
      verifyPlay({
        originalOutcome: raised('ZeroDivisionError', 'division by zero'),
        variantOutcome: returned(0),
        limitMs: LIMIT,
      }).valid,
    ).toBe(true);
  });

  it('accepts a variant that hangs where the original returns quickly', () => {
    expect(verifyPlay({ originalOutcome: returned(1, 3), variantOutcome: timeout(LIMIT), limitMs: LIMIT }).valid).toBe(
      true,
    );
  });

  it.each<[string, Outcome, Outcome, string]>([
    ['equal values', returned(1), { kind: 'returned', value: { t: 'float', v: 1 }, durationMs: 5 }, 'no-divergence'],
    [
      'identical exceptions (type and message, not identity)',
      raised('ValueError', 'x'),
      raised('ValueError', 'x'),
      'no-divergence',
    ],
    ['both time out', timeout(LIMIT), timeout(LIMIT), 'no-divergence'],
    ['slow versus slower', returned(1, LIMIT * CLEAN_FINISH_FRACTION + 1), timeout(LIMIT), 'inconclusive-timeout'],
    ['variant does not parse', returned(1), invalid('SyntaxError: invalid syntax (line 2)'), 'variant-invalid'],
    ['original cannot take the input', invalid('input keys do not match the parameters'), returned(1), 'input-invalid'],
    [
      'input not a dict literal on both sides',
      invalid('input is not a dict literal'),
      invalid('input is not a dict literal'),
      'input-invalid',
    ],
  ])('rejects %s', (_name, originalOutcome, variantOutcome, reason) => {
    const verdict = verifyPlay({ originalOutcome, variantOutcome, limitMs: LIMIT });
    expect(verdict).toMatchObject({ valid: false, reason });
    if (!verdict.valid) expect(verdict.detail.length).toBeGreaterThan(0);
  });

  it('checks the signature and the input keys when given', () => {
    const base = { originalOutcome: returned(1), variantOutcome: returned(2), limitMs: LIMIT };
    expect(
      verifyPlay({
        ...base,
        signature: { originalParams: ['a', 'b'], variantParams: ['b', 'a'] },
        divergingInput: "{'a': 1, 'b': 2}",
      }).valid,
    ).toBe(true);
    expect(
      verifyPlay({
        ...base,
        signature: { originalParams: ['a', 'b'], variantParams: ['a', 'c'] },
        divergingInput: "{'a': 1, 'b': 2}",
      }),
    ).toMatchObject({
      valid: false,
      reason: 'variant-invalid',
    });
    expect(
      verifyPlay({
        ...base,
        signature: { originalParams: ['a', 'b'], variantParams: ['a', 'b'] },
        divergingInput: "{'a': 1}",
      }),
    ).toMatchObject({
      valid: false,
      reason: 'input-invalid',
    });
  });

  it('leaves inputs its literal reader cannot read to the sandbox', () => {
    const signature = { originalParams: ['s'], variantParams: ['s'] };
    const divergingInput = "{'s': '\\N{BULLET}'}";
    expect(
      verifyPlay({
        originalOutcome: returned(1),
        variantOutcome: returned(2),
        limitMs: LIMIT,
        signature,
        divergingInput,
      }).valid,
    ).toBe(true);
    expect(
      verifyPlay({
        originalOutcome: invalid('bad input'),
        variantOutcome: invalid('bad input'),
        limitMs: LIMIT,
        signature,
        divergingInput,
      }),
    ).toMatchObject({
      valid: false,
      reason: 'input-invalid',
    });
  });

  it('turns a parse failure into an invalid verdict, and a reply cut by the token limit into a truncated one', () => {
    expect(parseFailureVerdict({ ok: false, reason: 'missing-section', detail: 'no program' })).toEqual({
      valid: false,
      reason: 'parse-failure',
      detail: 'missing-section: no program',
    });
    expect(parseFailureVerdict({ ok: false, reason: 'truncated', detail: 'cut off' })).toEqual({
      valid: false,
      reason: 'truncated',
      detail: 'truncated: cut off',
    });
  });
});

describe('checkSignature', () => {
  it.each<[string[], string[], string[] | null, string | null]>([
    [['a', 'b'], ['a', 'b'], ['a', 'b'], null],
    [['a', 'b'], ['b', 'a'], ['b', 'a'], null],
    [['a', 'b'], ['a'], ['a', 'b'], 'variant-invalid'],
    [['a'], ['a', 'b'], ['a'], 'variant-invalid'],
    [['a'], ['x'], ['a'], 'variant-invalid'],
    [['a', 'b'], ['a', 'b'], ['a'], 'input-invalid'],
    [['a'], ['a'], ['a', 'z'], 'input-invalid'],
    [['a'], ['a'], null, 'input-invalid'],
    [[], [], [], null],
  ])('%j vs %j with keys %j → %s', (original, variant, keys, reason) => {
    const check = checkSignature(original, variant, keys);
    if (reason === null) expect(check).toEqual({ ok: true });
    else expect(check).toMatchObject({ ok: false, reason });
  });
});

const no = (input: string): ParseResult<EvaluatorReply> => ({
  ok: true,
  value: { analysis: '', equivalent: false, divergingInput: input },
});
const yes: ParseResult<EvaluatorReply> = { ok: true, value: { analysis: '', equivalent: true, divergingInput: null } };
const unparsable: ParseResult<EvaluatorReply> = { ok: false, reason: 'missing-section', detail: 'nothing' };
const diverges = { original: returned(1), variant: returned(2) };
const agrees = { original: returned(1), variant: returned(1) };

describe('scoreAttempts and difficulty', () => {
  it('scores each kind of attempt', () => {
    const score = scoreAttempts(
      [
        { reply: no('{"x": 1}'), outcomes: diverges },
        { reply: no('{"x": 2}'), outcomes: agrees },
        { reply: yes },
        { reply: unparsable },
        { reply: no('{"x": 3}'), outcomes: { original: invalid('bad'), variant: invalid('bad') } },
        { reply: no('{"x": 4}'), outcomes: { original: returned(1, LIMIT), variant: timeout(LIMIT) } },
        { reply: no('{"x": 5}') },
        { reply: { ok: true, value: { analysis: '', equivalent: false, divergingInput: null } } },
      ],
      LIMIT,
    );
    expect(score.attempts.map((a) => (a.correct ? 'correct' : a.reason))).toEqual([
      'correct',
      'no-divergence',
      'said-equivalent',
      'unparsable',
      'invalid-input',
      'inconclusive',
      'not-executed',
      'no-input',
    ]);
    expect(score).toMatchObject({ total: 8, parsable: 7, correct: 1, correctFraction: 1 / 8 });
    expect(score.difficulty).toBe(Math.floor((10 * 7) / 8));
  });

  it('merges identical inputs: one execution serves every attempt that wrote the same input', () => {
    const replies = [no("{'x': [1, 2]}"), no('{"x":[1,2]}'), no("{ 'x' : [1, 2, ], }"), no('{"x": [2, 1]}'), yes];
    const groups = distinctAttemptInputs(replies);
    expect(groups.map((g) => g.indices)).toEqual([[0, 1, 2], [3]]);
    const attempts: AttemptToScore[] = replies.map((reply, i) => ({
      reply,
      outcomes: i === 0 ? diverges : i === 3 ? agrees : undefined,
    }));
    const score = scoreAttempts(attempts, LIMIT);
    expect(score.correct).toBe(3);
    expect(score.difficulty).toBe(Math.floor((10 * 2) / 5));
  });

  it('does not merge inputs that differ in type (1 vs 1.0) or order', () => {
    expect(distinctAttemptInputs([no('{"x": 1}'), no('{"x": 1.0}'), no('{"x": True}')])).toHaveLength(3);
  });

  it('follows floor(10 * (1 - correct / total))', () => {
    const cases: Array<[number, number, number]> = [
      [10, 10, 0],
      [0, 10, 10],
      [7, 10, 3],
      [3, 10, 7],
      [1, 3, 6],
      [2, 3, 3],
      [1, 2, 5],
      [9, 10, 1],
      [99, 100, 0],
    ];
    for (const [correct, total, difficulty] of cases) {
      const attempts = Array.from({ length: total }, (_, i) => ({
        correct: i < correct,
        reason: i < correct ? undefined : 'no-divergence',
      }));
      expect(difficultyFromAttempts(attempts)).toBe(difficulty);
    }
  });

  it('gives 10 when no attempt parsed, or there were none', () => {
    expect(difficultyFromAttempts([])).toBe(10);
    expect(scoreAttempts([{ reply: unparsable }, { reply: unparsable }], LIMIT).difficulty).toBe(10);
  });

  it('counts unparsable attempts as incorrect, weight 1, when some attempt parsed', () => {
    const score = scoreAttempts([{ reply: no('{"x": 1}'), outcomes: diverges }, { reply: unparsable }], LIMIT);
    expect(score.difficulty).toBe(5);
  });

  it('stays within 0..10 and falls as correct attempts rise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.nat(50), (total, c) => {
        const correct = Math.min(c, total);
        const make = (k: number): Array<{ correct: boolean; reason?: string }> =>
          Array.from({ length: total }, (_, i) =>
            i < k ? { correct: true } : { correct: false, reason: 'no-divergence' },
          );
        const d = difficultyFromAttempts(make(correct));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(10);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBe(Math.floor(10 * (1 - correct / total) + 1e-9));
        if (correct < total) expect(difficultyFromAttempts(make(correct + 1))).toBeLessThanOrEqual(d);
      }),
    );
  });
});

describe('rewards', () => {
  const valid = { valid: true };
  const notValid = { valid: false };

  it('penalises invalid plays and rewards valid ones by difficulty (defaults)', () => {
    expect(rewards(notValid, null, null)).toEqual({ generator: -1, evaluator: null });
    expect(rewards(valid, 0, { correctFraction: 1 })).toEqual({ generator: 0, evaluator: 1 });
    expect(rewards(valid, 7, { correctFraction: 0.3 }).generator).toBeCloseTo(0.7);
    expect(rewards(valid, 10, { correctFraction: 0 })).toEqual({ generator: 1, evaluator: 0 });
  });

  it('uses the configured weights, including closeness to the target difficulty', () => {
    const config = {
      generator: { invalid: -2, validBase: 0.5, perDifficulty: 0, targetWeight: 1 },
      evaluator: { base: -0.5, perCorrectFraction: 2 },
    };
    expect(rewards(notValid, null, null, config)).toEqual({ generator: -2, evaluator: null });
    const r = rewards(valid, 6, { correctFraction: 0.5 }, config, 8);
    expect(r.generator).toBeCloseTo(0.5 + 0.8);
    expect(r.evaluator).toBeCloseTo(0.5);
    expect(rewards(valid, 6, { correctFraction: 0.5 }, defaultRewardConfig, 8).generator).toBeCloseTo(0.6);
  });
});
