// Execution checks with the game's rules: the generator's claimed input, and each distinct input
// among the evaluator's attempts (identical inputs run once and share their verdict).
import { scoreAttempts, distinctAttemptInputs } from '../game/difficulty';
import { verifyPlay } from '../game/verify';
import type { DivergingInput, EvaluatorReply, ParseResult, Task } from '../game/types';
import type { AttemptVerdict, InputVerdict } from '../machines/types';
import type { PairOutcome, Sandbox } from '../sandbox/api';

export async function checkInput(sandbox: Sandbox, task: Task, variant: string, input: DivergingInput, limitMs: number): Promise<InputVerdict> {
  const outcomes = await sandbox.runPair({ original: task.source, variant, entryPoint: task.entryPoint, input, timeoutMs: limitMs });
  const verdict = verifyPlay({ originalOutcome: outcomes.original, variantOutcome: outcomes.variant, limitMs, divergingInput: input });
  return verdict.valid
    ? { input, outcomes, diverges: true, invalidReason: null, detail: verdict.comparison.reason }
    : { input, outcomes, diverges: false, invalidReason: verdict.reason, detail: verdict.detail };
}

export async function checkAttemptReplies(
  sandbox: Sandbox,
  task: Task,
  variant: string,
  replies: ReadonlyArray<ParseResult<EvaluatorReply>>,
  limitMs: number,
): Promise<AttemptVerdict[]> {
  const groups = distinctAttemptInputs(replies);
  const outcomes = new Map<number, PairOutcome>();
  await Promise.all(
    groups.map(async (group) => {
      const pair = await sandbox.runPair({ original: task.source, variant, entryPoint: task.entryPoint, input: group.input, timeoutMs: limitMs });
      for (const index of group.indices) outcomes.set(index, pair);
    }),
  );
  const score = scoreAttempts(
    replies.map((reply, index) => ({ reply, outcomes: outcomes.get(index) ?? null })),
    limitMs,
  );
  return score.attempts.map((attempt) => ({
    index: attempt.index,
    input: attempt.input,
    outcomes: outcomes.get(attempt.index) ?? null,
    found: attempt.correct,
    failure: attempt.correct ? null : attempt.reason,
    detail: attempt.correct ? attempt.comparison.reason : attempt.detail,
  }));
}
