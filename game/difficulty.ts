// Scoring the evaluator's n attempts at a valid play, and the play's difficulty from them.
import type { DivergingInput, EvaluatorReply, Outcome, ParseResult } from './types';
import { compareOutcomes, type OutcomeComparison } from './compare';
import { checkStability, type DrawOutcomes } from './verify';
import { canonicalInput } from './input';

export type AttemptIncorrectReason =
  /** The reply did not parse. */
  | 'unparsable'
  /** Answered "Equivalent? Yes" although the play is valid (the programs differ). */
  | 'said-equivalent'
  /** Answered "No" without an input (only possible for hand-built replies; the parser refuses it). */
  | 'no-input'
  /** The input ran and both programs behaved the same. */
  | 'no-divergence'
  /** The input could not run (not a dict literal, wrong keys). */
  | 'invalid-input'
  /** A timeout or crash against a slow finish proves nothing; or the sandbox could not judge the input. */
  | 'inconclusive'
  /** The input diverged in one run but not in all its redraws: a lucky draw, not a divergence. */
  | 'nondeterministic'
  /** No outcomes were supplied for this input. */
  | 'not-executed';

export interface AttemptToScore {
  reply: ParseResult<EvaluatorReply>;
  /** Outcomes of the attempt's input; one attempt per distinct input is enough (see `scoreAttempts`). */
  outcomes?: { original: Outcome; variant: Outcome } | null;
  /** Redraws of the same input (`checkStability`); a divergence must hold in each. Omitted: not re-run. */
  redraws?: readonly DrawOutcomes[] | null;
}

export type AttemptScore =
  | { index: number; correct: true; input: DivergingInput; canonical: string; comparison: OutcomeComparison }
  | {
      index: number;
      correct: false;
      reason: AttemptIncorrectReason;
      detail: string;
      input: DivergingInput | null;
      canonical: string | null;
    };

export interface InputGroup {
  /** The input as first written. */
  input: DivergingInput;
  canonical: string;
  /** Attempt indices that gave this input; the group's weight is their count. */
  indices: number[];
}

export interface AttemptsScore {
  attempts: AttemptScore[];
  /** Distinct inputs (identical ones merged), in order of first appearance. */
  groups: InputGroup[];
  total: number;
  parsable: number;
  correct: number;
  /** correct / total (0 when there are no attempts). */
  correctFraction: number;
  difficulty: number;
}

/** The input an attempt proposes to run, or null (unparsable, "Yes", no input). */
function runnableInput(reply: ParseResult<EvaluatorReply>): DivergingInput | null {
  if (!reply.ok || reply.value.equivalent === true) return null;
  return reply.value.divergingInput;
}

/**
 * Distinct inputs among the attempts, identical ones merged (compared in canonical form: spacing,
 * quotes and number spelling do not matter). Execute one input per group and hand its outcomes to
 * any attempt of the group in `scoreAttempts`.
 */
export function distinctAttemptInputs(replies: ReadonlyArray<ParseResult<EvaluatorReply>>): InputGroup[] {
  const groups = new Map<string, InputGroup>();
  replies.forEach((reply, index) => {
    const input = runnableInput(reply);
    if (input === null) return;
    const canonical = canonicalInput(input);
    const group = groups.get(canonical);
    if (group) group.indices.push(index);
    else groups.set(canonical, { input, canonical, indices: [index] });
  });
  return [...groups.values()];
}

/**
 * difficulty = floor(10 × (1 − correct_weight / total_weight)), identical inputs merged with
 * their count as weight (so every attempt weighs 1 in the end). When no attempt parsed (or there
 * were none), the difficulty is 10. Otherwise unparsable attempts stay in the total as incorrect,
 * weight 1 each: a malformed answer is a failure to find the divergence.
 */
export function difficultyFromAttempts(attempts: ReadonlyArray<{ correct: boolean; reason?: string }>): number {
  const total = attempts.length;
  const parsable = attempts.filter((a) => a.correct || a.reason !== 'unparsable').length;
  if (total === 0 || parsable === 0) return 10;
  const correct = attempts.filter((a) => a.correct).length;
  // Integer arithmetic: 10 * (1 - c/t) in floating point can land just under a whole number.
  return Math.floor((10 * (total - correct)) / total);
}

/**
 * Scores each attempt: correct iff its input, run on both programs, gives different outcomes
 * (`compareOutcomes` with `limitMs`). "Equivalent? Yes" is incorrect (the play was valid).
 * Attempts with the same input (canonical form) share one verdict: outcomes given for any of them
 * serve them all, so callers may execute each distinct input once.
 */
export function scoreAttempts(attempts: ReadonlyArray<AttemptToScore>, limitMs: number): AttemptsScore {
  const groups = distinctAttemptInputs(attempts.map((a) => a.reply));
  const outcomesByCanonical = new Map<string, { original: Outcome; variant: Outcome }>();
  const redrawsByCanonical = new Map<string, readonly DrawOutcomes[]>();
  for (const group of groups) {
    for (const index of group.indices) {
      const outcomes = attempts[index]?.outcomes;
      if (outcomes) {
        outcomesByCanonical.set(group.canonical, outcomes);
        const redraws = attempts[index]?.redraws;
        if (redraws) redrawsByCanonical.set(group.canonical, redraws);
        break;
      }
    }
  }
  const scored = attempts.map((attempt, index): AttemptScore => {
    const reply = attempt.reply;
    if (!reply.ok)
      return {
        index,
        correct: false,
        reason: 'unparsable',
        detail: `${reply.reason}: ${reply.detail}`,
        input: null,
        canonical: null,
      };
    const input = reply.value.divergingInput;
    const canonical = input === null ? null : canonicalInput(input);
    if (reply.value.equivalent === true) {
      return {
        index,
        correct: false,
        reason: 'said-equivalent',
        detail: 'answered that the programs are equivalent',
        input,
        canonical,
      };
    }
    if (input === null || canonical === null)
      return {
        index,
        correct: false,
        reason: 'no-input',
        detail: 'answered No without a diverging input',
        input,
        canonical,
      };
    const outcomes = outcomesByCanonical.get(canonical);
    if (!outcomes)
      return { index, correct: false, reason: 'not-executed', detail: 'the input was not executed', input, canonical };
    const comparison = compareOutcomes(outcomes.original, outcomes.variant, limitMs);
    switch (comparison.relation) {
      case 'different': {
        const redraws = redrawsByCanonical.get(canonical);
        const stability = redraws ? checkStability(outcomes, redraws, limitMs) : { stable: true as const };
        if (stability.stable) return { index, correct: true, input, canonical, comparison };
        const reason = stability.reason === 'nondeterministic' ? 'nondeterministic' : 'inconclusive';
        return { index, correct: false, reason, detail: stability.detail, input, canonical };
      }
      case 'same':
        return { index, correct: false, reason: 'no-divergence', detail: comparison.reason, input, canonical };
      case 'inconclusive':
        return { index, correct: false, reason: 'inconclusive', detail: comparison.reason, input, canonical };
      case 'not-comparable':
        return { index, correct: false, reason: 'invalid-input', detail: comparison.reason, input, canonical };
    }
  });
  const correct = scored.filter((s) => s.correct).length;
  const parsable = attempts.filter((a) => a.reply.ok).length;
  return {
    attempts: scored,
    groups,
    total: scored.length,
    parsable,
    correct,
    correctFraction: scored.length === 0 ? 0 : correct / scored.length,
    difficulty: difficultyFromAttempts(scored),
  };
}
