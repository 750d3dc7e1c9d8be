// One play through the public surface: render → parse → verify → score → rewards.
import { describe, expect, it } from 'vitest';
import * as game from '../../game/index';
import type { Outcome } from '../../game/index';

describe('the game rules, end to end', () => {
  it('turns replies and outcomes into a verdict, a difficulty and rewards', () => {
    const limitMs = game.episodeTimeoutMs(12345);
    const generatorText = game.renderGeneratorReply({
      analysis: 'Integer division rounds differently for negatives.',
      program: 'def half(n):\n    return int(n / 2)',
      divergingInput: "{'n': -3}",
    });
    const proposal = game.parseGeneratorReply(generatorText);
    expect(proposal.ok).toBe(true);
    if (!proposal.ok) return;

    // What the sandbox reports for the original `n // 2` and the variant `int(n / 2)` on n = -3.
    const original: Outcome = { kind: 'returned', value: { t: 'int', v: '-2' }, durationMs: 3 };
    const variant: Outcome = { kind: 'returned', value: { t: 'int', v: '-1' }, durationMs: 3 };
    const verdict = game.verifyPlay({
      originalOutcome: original,
      variantOutcome: variant,
      limitMs,
      divergingInput: proposal.value.divergingInput,
      signature: { originalParams: ['n'], variantParams: ['n'] },
    });
    expect(verdict.valid).toBe(true);

    const replies = [
      game.renderEvaluatorReply({ analysis: 'Negative odd n.', equivalent: false, divergingInput: '{"n": -3}' }),
      game.renderEvaluatorReply({ analysis: 'Same.', equivalent: false, divergingInput: "{'n':-3}" }),
      game.renderEvaluatorReply({ analysis: 'Looks the same.', equivalent: true, divergingInput: null }),
      'I am not sure what to answer.',
    ].map((text) => game.parseEvaluatorReply(text));
    const groups = game.distinctAttemptInputs(replies);
    expect(groups).toHaveLength(1);
    const outcomes = { original, variant };
    const score = game.scoreAttempts(
      replies.map((reply, index) => ({ reply, outcomes: index === groups[0]!.indices[0] ? outcomes : undefined })),
      limitMs,
    );
    expect(score.correct).toBe(2);
    expect(score.difficulty).toBe(5);
    expect(game.rewards(verdict, score.difficulty, score)).toEqual({ generator: 0.5, evaluator: 0.5 });
  });
});
