// Validity of a generator's play. The sandbox executes both programs on the claimed input; these
// rules decide from the outcomes (and, when known, the signatures) whether the play stands.
import type { DivergingInput, Outcome, ParseFailure } from './types';
import { compareOutcomes, isInfrastructureFailure, type OutcomeComparison } from './compare';
import { inputKeys } from './input';

/**
 * Why a play is invalid. `truncated`: the reply was cut by the token limit before it finished (as
 * the study dropped replies that did not end with a stop), kept apart from replies that finished
 * but do not parse (`parse-failure`).
 */
export type InvalidPlayReason =
  | 'parse-failure'
  | 'truncated'
  | 'variant-invalid'
  | 'input-invalid'
  | 'no-divergence'
  | 'inconclusive-timeout'
  /** The sandbox itself failed (worker died, no run slot) even after retries: nothing was judged. */
  | 'inconclusive-sandbox'
  /** The outcomes changed between runs of the same input: the divergence was a draw, not a property. */
  | 'nondeterministic';

/** Both programs' outcomes on one input, from one draw. */
export interface DrawOutcomes {
  original: Outcome;
  variant: Outcome;
}

export type PlayVerdict =
  | { valid: true; comparison: OutcomeComparison }
  | {
      valid: false;
      reason: InvalidPlayReason;
      detail: string;
      comparison?: OutcomeComparison;
      /** For `nondeterministic`: every draw's outcomes, the first run included (the evidence). */
      draws?: DrawOutcomes[];
    };

export interface Signature {
  /** Parameter names of the original's entry point. */
  originalParams: readonly string[];
  /** Parameter names of the variant's entry point. */
  variantParams: readonly string[];
}

export interface PlayEvidence {
  originalOutcome: Outcome;
  variantOutcome: Outcome;
  /** The time limit both runs had. */
  limitMs: number;
  /** The claimed input; with `signature`, its keys are checked against the parameters. */
  divergingInput?: DivergingInput;
  signature?: Signature;
  /**
   * The same input run again on both sides under other hash seeds and random states (see
   * `checkStability`); a divergence counts only if it holds in every draw. Omitted: not re-run.
   */
  redraws?: readonly DrawOutcomes[];
}

export type StabilityCheck =
  | { stable: true }
  | { stable: false; reason: 'nondeterministic' | 'inconclusive-sandbox'; detail: string; draws: DrawOutcomes[] };

/**
 * Whether a divergence seen in `first` is a property of the programs or a lucky draw. Stable iff in
 * every redraw each side behaved the same as in `first` (`compareOutcomes` says `same`) and the
 * two sides still differ. A sandbox failure in a redraw leaves it undecided (`inconclusive-sandbox`).
 */
export function checkStability(first: DrawOutcomes, redraws: readonly DrawOutcomes[], limitMs: number): StabilityCheck {
  const draws = [first, ...redraws];
  for (const [index, draw] of redraws.entries()) {
    if (isInfrastructureFailure(draw.original) || isInfrastructureFailure(draw.variant)) {
      const failed = isInfrastructureFailure(draw.original) ? draw.original : draw.variant;
      const reason = failed.kind === 'crashed' ? failed.reason : failed.kind;
      return { stable: false, reason: 'inconclusive-sandbox', detail: `re-run ${index + 1} could not be judged: ${reason}`, draws };
    }
  }
  for (const [index, draw] of redraws.entries()) {
    for (const side of ['original', 'variant'] as const) {
      const self = compareOutcomes(first[side], draw[side], limitMs);
      if (self.relation !== 'same') {
        return { stable: false, reason: 'nondeterministic', detail: `the ${side} behaved differently on re-run ${index + 1} of the same input (${self.reason})`, draws };
      }
    }
    const pair = compareOutcomes(draw.original, draw.variant, limitMs);
    if (pair.relation !== 'different') {
      return { stable: false, reason: 'nondeterministic', detail: `on re-run ${index + 1} the programs did not diverge (${pair.reason})`, draws };
    }
  }
  return { stable: true };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'variant-invalid' | 'input-invalid'; detail: string };

function difference(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((x) => !other.has(x));
}

/**
 * The variant must take the same parameter names as the original (any order: inputs are passed
 * as keyword arguments), and the input's keys must be exactly those names. `inputKeys` is null
 * when the input is not a dict literal with string keys.
 */
export function checkSignature(
  originalParams: readonly string[],
  variantParams: readonly string[],
  keys: readonly string[] | null,
): SignatureCheck {
  const missingInVariant = difference(originalParams, variantParams);
  const extraInVariant = difference(variantParams, originalParams);
  if (missingInVariant.length > 0 || extraInVariant.length > 0 || variantParams.length !== originalParams.length) {
    const parts = [
      missingInVariant.length > 0 ? `missing ${missingInVariant.join(', ')}` : '',
      extraInVariant.length > 0 ? `unexpected ${extraInVariant.join(', ')}` : '',
      variantParams.length !== originalParams.length
        ? `${variantParams.length} parameters instead of ${originalParams.length}`
        : '',
    ].filter((p) => p !== '');
    return {
      ok: false,
      reason: 'variant-invalid',
      detail: `the variant's parameters differ from the original's: ${parts.join('; ')}`,
    };
  }
  if (keys === null)
    return { ok: false, reason: 'input-invalid', detail: 'the input is not a dict literal with string keys' };
  const missingKeys = difference(originalParams, keys);
  const extraKeys = difference(keys, originalParams);
  if (missingKeys.length > 0 || extraKeys.length > 0) {
    const parts = [
      missingKeys.length > 0 ? `missing ${missingKeys.join(', ')}` : '',
      extraKeys.length > 0 ? `unknown ${extraKeys.join(', ')}` : '',
    ].filter((p) => p !== '');
    return {
      ok: false,
      reason: 'input-invalid',
      detail: `the input's keys do not match the parameters: ${parts.join('; ')}`,
    };
  }
  return { ok: true };
}

/** The verdict for a generator reply that did not parse (nothing was executed). */
export function parseFailureVerdict(failure: ParseFailure): PlayVerdict {
  return { valid: false, reason: failure.reason === 'truncated' ? 'truncated' : 'parse-failure', detail: `${failure.reason}: ${failure.detail}` };
}

/**
 * A play is valid iff the variant runs (parses, defines the entry point with the original's
 * parameter names), the input is a dict literal whose keys are those names, and the two programs'
 * outcomes on it differ (`compareOutcomes`). In order:
 * - signature known and wrong → `variant-invalid`; input keys wrong → `input-invalid`;
 * - the original could not run on the input (`invalid` outcome): the original is known to be good,
 *   so the input is to blame → `input-invalid` (also when both sides are invalid);
 * - the variant could not run → `variant-invalid`;
 * - the sandbox failed on either side (`infrastructure`, after its retries) → `inconclusive-sandbox`;
 * - outcomes the same → `no-divergence`; inconclusive (a timeout or crash against a slow finish)
 *   → `inconclusive-timeout`;
 * - different, but not in every redraw (`checkStability`) → `nondeterministic` (or
 *   `inconclusive-sandbox` when a redraw could not be judged);
 * - different → valid. The original raising, timing out or crashing on the input is a legitimate
 *   divergence when the variant behaves differently: the game compares behaviour, not correctness.
 */
export function verifyPlay(evidence: PlayEvidence): PlayVerdict {
  const { originalOutcome, variantOutcome, limitMs } = evidence;
  if (evidence.signature) {
    // Keys we cannot read (a literal beyond our reader, e.g. a \N{...} escape) are left to the
    // sandbox: if it ran the original on the input, the input was acceptable.
    const readable = evidence.divergingInput === undefined ? null : inputKeys(evidence.divergingInput);
    const keys = readable ?? (originalOutcome.kind === 'invalid' ? null : [...evidence.signature.originalParams]);
    const check = checkSignature(evidence.signature.originalParams, evidence.signature.variantParams, keys);
    if (!check.ok) return { valid: false, reason: check.reason, detail: check.detail };
  }
  if (isInfrastructureFailure(originalOutcome) || isInfrastructureFailure(variantOutcome)) {
    const comparison = compareOutcomes(originalOutcome, variantOutcome, limitMs);
    return { valid: false, reason: 'inconclusive-sandbox', detail: comparison.reason, comparison };
  }
  if (originalOutcome.kind === 'invalid') {
    return {
      valid: false,
      reason: 'input-invalid',
      detail: `the original could not run on the input: ${originalOutcome.reason}`,
    };
  }
  if (variantOutcome.kind === 'invalid') {
    return { valid: false, reason: 'variant-invalid', detail: `the variant could not run: ${variantOutcome.reason}` };
  }
  const comparison = compareOutcomes(originalOutcome, variantOutcome, limitMs);
  switch (comparison.relation) {
    case 'different': {
      if (evidence.redraws === undefined || evidence.redraws.length === 0) return { valid: true, comparison };
      const stability = checkStability({ original: originalOutcome, variant: variantOutcome }, evidence.redraws, limitMs);
      if (stability.stable) return { valid: true, comparison };
      return { valid: false, reason: stability.reason, detail: stability.detail, comparison, draws: stability.draws };
    }
    case 'same':
      return { valid: false, reason: 'no-divergence', detail: comparison.reason, comparison };
    case 'inconclusive':
      return { valid: false, reason: 'inconclusive-timeout', detail: comparison.reason, comparison };
    case 'not-comparable':
      return { valid: false, reason: 'input-invalid', detail: comparison.reason, comparison };
  }
}
