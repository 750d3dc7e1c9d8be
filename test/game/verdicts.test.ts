// Verdicts that must not be fooled: a sandbox failure is never a divergence, and a divergence that
// does not hold in every redraw of the same input is a draw, not a property of the programs.
import { describe, expect, it } from 'vitest';
import { compareOutcomes, isInfrastructureFailure } from '../../game/compare';
import { scoreAttempts, type AttemptToScore } from '../../game/difficulty';
import type { EvaluatorReply, Outcome, ParseResult, PyValue } from '../../game/types';
import { checkStability, verifyPlay, type DrawOutcomes } from '../../game/verify';

const LIMIT = 4000;
const int = (v: number): PyValue => ({ t: 'int', v: String(v) });
const returned = (v: number, durationMs = 5): Outcome => ({ kind: 'returned', value: int(v), durationMs });
const raised = (type: string): Outcome => ({ kind: 'raised', type, message: 'm', durationMs: 5 });
const timeout = (): Outcome => ({ kind: 'timeout', limitMs: LIMIT, durationMs: LIMIT });
const crashed = (reason: string): Outcome => ({ kind: 'crashed', reason, durationMs: 5 });
const workerDied: Outcome = { kind: 'crashed', reason: 'sandbox worker died during the run: zygote exited (SIGKILL)', durationMs: 40, infrastructure: true };
const invalid: Outcome = { kind: 'invalid', reason: 'SyntaxError', durationMs: 1 };

const pair = (original: Outcome, variant: Outcome): DrawOutcomes => ({ original, variant });

describe('sandbox failures are not behaviour', () => {
  it('isInfrastructureFailure reads the typed flag only, never the reason text', () => {
    expect(isInfrastructureFailure(workerDied)).toBe(true);
    expect(isInfrastructureFailure(crashed('sandbox worker died during the run: zygote exited (SIGKILL)'))).toBe(false);
    expect(isInfrastructureFailure(returned(1))).toBe(false);
  });

  it.each([returned(1), raised('ValueError'), timeout(), crashed('killed by SIGSEGV'), workerDied])(
    'compareOutcomes is inconclusive against a sandbox failure on either side (%o)',
    (other) => {
      expect(compareOutcomes(workerDied, other, LIMIT).relation).toBe('inconclusive');
      expect(compareOutcomes(other, workerDied, LIMIT).relation).toBe('inconclusive');
    },
  );

  it('an ordinary crash against a fast return is still a divergence', () => {
    expect(compareOutcomes(crashed('killed by SIGSEGV'), returned(1), LIMIT).relation).toBe('different');
  });

  it('verifyPlay: a sandbox failure on either side is inconclusive-sandbox, never valid', () => {
    for (const [originalOutcome, variantOutcome] of [
      [returned(1), workerDied],
      [workerDied, returned(1)],
      [workerDied, invalid],
    ] as const) {
      const verdict = verifyPlay({ originalOutcome, variantOutcome, limitMs: LIMIT });
      expect(verdict).toMatchObject({ valid: false, reason: 'inconclusive-sandbox' });
    }
  });

  it('verifyPlay: signature checks still come first', () => {
    const verdict = verifyPlay({
      originalOutcome: returned(1),
      variantOutcome: workerDied,
      limitMs: LIMIT,
      divergingInput: '{"x": 1}',
      signature: { originalParams: ['x'], variantParams: ['y'] },
    });
    expect(verdict).toMatchObject({ valid: false, reason: 'variant-invalid' });
  });

  it('an evaluator attempt against a sandbox failure is not correct', () => {
    const reply: ParseResult<EvaluatorReply> = { ok: true, value: { analysis: '', equivalent: false, divergingInput: '{"x": 1}' } };
    const score = scoreAttempts([{ reply, outcomes: pair(returned(1), workerDied) }], LIMIT);
    expect(score.correct).toBe(0);
    expect(score.attempts[0]).toMatchObject({ correct: false, reason: 'inconclusive' });
  });
});

describe('nondeterminism is not a divergence', () => {
  const first = pair(returned(1), returned(2));

  it('a divergence that holds in every redraw is stable and valid', () => {
    const redraws = [pair(returned(1), returned(2)), pair(returned(1), returned(2))];
    expect(checkStability(first, redraws, LIMIT)).toEqual({ stable: true });
    expect(verifyPlay({ originalOutcome: first.original, variantOutcome: first.variant, limitMs: LIMIT, redraws }).valid).toBe(true);
  });

  it('a variant whose value changes between draws is nondeterministic, with every draw as evidence', () => {
    // e.g. `return random.choice([1, 2])`: 2 on the first run, 1 on a redraw.
    const redraws = [pair(returned(1), returned(2)), pair(returned(1), returned(1))];
    const verdict = verifyPlay({ originalOutcome: first.original, variantOutcome: first.variant, limitMs: LIMIT, redraws });
    expect(verdict).toMatchObject({ valid: false, reason: 'nondeterministic' });
    if (verdict.valid) return;
    expect(verdict.draws).toEqual([first, ...redraws]);
    expect(verdict.detail).toMatch(/variant behaved differently on re-run 2/);
  });

  it('an original whose behaviour changes between draws is nondeterministic too', () => {
    const redraws = [pair(returned(3), returned(2))];
    expect(checkStability(first, redraws, LIMIT)).toMatchObject({ stable: false, reason: 'nondeterministic' });
  });

  it('both sides changing together but still differing is not stable (the first run was not reproduced)', () => {
    const redraws = [pair(returned(5), returned(6))];
    expect(checkStability(first, redraws, LIMIT)).toMatchObject({ stable: false, reason: 'nondeterministic' });
  });

  it('a hang that happens only on some draws is nondeterministic', () => {
    const hangs = pair(returned(1), timeout());
    expect(checkStability(hangs, [pair(returned(1), returned(1))], LIMIT)).toMatchObject({ stable: false, reason: 'nondeterministic' });
    expect(checkStability(hangs, [pair(returned(1), timeout())], LIMIT)).toEqual({ stable: true });
  });

  it('a sandbox failure in a redraw leaves the play undecided, not nondeterministic', () => {
    const verdict = verifyPlay({
      originalOutcome: first.original,
      variantOutcome: first.variant,
      limitMs: LIMIT,
      redraws: [pair(returned(1), workerDied)],
    });
    expect(verdict).toMatchObject({ valid: false, reason: 'inconclusive-sandbox' });
  });

  it('redraws do not rescue a play that did not diverge in the first place', () => {
    const verdict = verifyPlay({ originalOutcome: returned(1), variantOutcome: returned(1), limitMs: LIMIT, redraws: [first] });
    expect(verdict).toMatchObject({ valid: false, reason: 'no-divergence' });
  });

  it('an evaluator attempt is correct only on a stable divergence', () => {
    const reply = (input: string): ParseResult<EvaluatorReply> => ({ ok: true, value: { analysis: '', equivalent: false, divergingInput: input } });
    const attempts: AttemptToScore[] = [
      { reply: reply('{"x": 1}'), outcomes: first, redraws: [first, first] },
      { reply: reply('{"x": 2}'), outcomes: first, redraws: [first, pair(returned(1), returned(1))] },
      // Same input as the second attempt: shares its verdict.
      { reply: reply('{"x":2}') },
    ];
    const score = scoreAttempts(attempts, LIMIT);
    expect(score.attempts.map((a) => a.correct)).toEqual([true, false, false]);
    expect(score.attempts[1]).toMatchObject({ reason: 'nondeterministic' });
    expect(score.attempts[2]).toMatchObject({ reason: 'nondeterministic' });
    expect(score.difficulty).toBe(6);
  });
});
