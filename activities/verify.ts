// Execution checks of diverging inputs: the generator's claim and each evaluator attempt.
import { compareOutcomes } from '../game/compare';
import type { DivergingInput, Task } from '../game/types';
import type { AttemptVerdict, InputVerdict } from '../machines/types';
import type { Sandbox } from '../sandbox/api';

export async function checkInput(sandbox: Sandbox, task: Task, variant: string, input: DivergingInput, limitMs: number): Promise<InputVerdict> {
  const outcomes = await sandbox.runPair({ original: task.source, variant, entryPoint: task.entryPoint, input, timeoutMs: limitMs });
  const comparison = compareOutcomes(outcomes.original, outcomes.variant, limitMs);
  return { input, outcomes, diverges: comparison.relation === 'different', detail: comparison.reason };
}

export async function checkAttemptInputs(
  sandbox: Sandbox,
  task: Task,
  variant: string,
  inputs: ReadonlyArray<DivergingInput | null>,
  limitMs: number,
): Promise<AttemptVerdict[]> {
  return Promise.all(
    inputs.map(async (input, index): Promise<AttemptVerdict> => {
      if (input === null) return { index, input, outcomes: null, found: false, detail: 'no diverging input in the reply' };
      const verdict = await checkInput(sandbox, task, variant, input, limitMs);
      return { index, input, outcomes: verdict.outcomes, found: verdict.diverges, detail: verdict.detail };
    }),
  );
}
