// Execution checks with the game's rules: the generator's claimed input, and each distinct input
// among the evaluator's attempts (identical inputs run once and share their verdict). An input that
// diverges is run again (`REDRAWS` times, other hash seeds and random states) before it counts.
import { compareOutcomes } from '../game/compare';
import { scoreAttempts, distinctAttemptInputs } from '../game/difficulty';
import { verifyPlay } from '../game/verify';
import type { DivergingInput, EvaluatorReply, ParseResult, Task } from '../game/types';
import type { AttemptVerdict, InputVerdict } from '../machines/types';
import type { PairOutcome, PairRequest, Sandbox } from '../sandbox/api';

/** Redraws of a diverging input: with the first run, three draws; only what diverged is re-run. */
export const REDRAWS = 2;

/** Runs the pair, and when it diverges, its redraws (draws 1..REDRAWS) too. */
export async function runWithRedraws(
  sandbox: Sandbox,
  request: PairRequest,
  limitMs: number,
  redraws = REDRAWS,
): Promise<{ outcomes: PairOutcome; redraws: PairOutcome[] }> {
  const outcomes = await sandbox.runPair(request);
  if (redraws <= 0 || compareOutcomes(outcomes.original, outcomes.variant, limitMs).relation !== 'different') return { outcomes, redraws: [] };
  const again = await Promise.all(Array.from({ length: redraws }, (_, i) => sandbox.runPair({ ...request, draw: i + 1 })));
  return { outcomes, redraws: again };
}

export async function checkInput(sandbox: Sandbox, task: Task, variant: string, input: DivergingInput, limitMs: number): Promise<InputVerdict> {
  const { outcomes, redraws } = await runWithRedraws(sandbox, { original: task.source, variant, entryPoint: task.entryPoint, input, timeoutMs: limitMs }, limitMs);
  const verdict = verifyPlay({ originalOutcome: outcomes.original, variantOutcome: outcomes.variant, limitMs, divergingInput: input, redraws });
  const evidence = redraws.length > 0 ? { redraws } : {};
  return verdict.valid
    ? { input, outcomes, diverges: true, invalidReason: null, detail: verdict.comparison.reason, ...evidence }
    : { input, outcomes, diverges: false, invalidReason: verdict.reason, detail: verdict.detail, ...evidence };
}

export async function checkAttemptReplies(
  sandbox: Sandbox,
  task: Task,
  variant: string,
  replies: ReadonlyArray<ParseResult<EvaluatorReply>>,
  limitMs: number,
): Promise<AttemptVerdict[]> {
  const groups = distinctAttemptInputs(replies);
  const outcomes = new Map<number, { outcomes: PairOutcome; redraws: PairOutcome[] }>();
  await Promise.all(
    groups.map(async (group) => {
      const runs = await runWithRedraws(sandbox, { original: task.source, variant, entryPoint: task.entryPoint, input: group.input, timeoutMs: limitMs }, limitMs);
      for (const index of group.indices) outcomes.set(index, runs);
    }),
  );
  const score = scoreAttempts(
    replies.map((reply, index) => {
      const runs = outcomes.get(index);
      return { reply, outcomes: runs?.outcomes ?? null, redraws: runs?.redraws ?? null };
    }),
    limitMs,
  );
  return score.attempts.map((attempt) => ({
    index: attempt.index,
    input: attempt.input,
    outcomes: outcomes.get(attempt.index)?.outcomes ?? null,
    found: attempt.correct,
    failure: attempt.correct ? null : attempt.reason,
    detail: attempt.correct ? attempt.comparison.reason : attempt.detail,
  }));
}
