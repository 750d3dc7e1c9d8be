// The `fuzz` evaluator: n independent differential-fuzzing runs (seeds derived from the request
// seed and the attempt number), each answered in the game's Markdown contract.
import { deriveSeed, createRng } from '../../../game/random';
import { parseEvaluatorReply, renderEvaluatorReply } from '../../../game/reply';
import type { EvaluatorReply, Task } from '../../../game/types';
import type { Sandbox } from '../../../sandbox/api';
import { evaluatorPrompt } from '../prompts';
import type { AttackRequest, AttackResult, EvaluatorPolicy, PolicyContext, PolicyReply } from '../types';
import { analyzePair, type PairAnalysis } from './analysis';
import { describeOutcome } from './describe';
import { fuzzPair, type FuzzResult } from './engine';
import { buildModel } from './model';
import { resolveFuzzPolicyState, type FuzzPolicyState } from './state';

export const FUZZ_POLICY_VERSION = 'fuzz-v1';

export interface FuzzAttackOptions {
  attempts: number;
  seed: number;
  state: FuzzPolicyState;
  sandbox: Sandbox;
  signal?: AbortSignal;
  deadline?: number;
}

export interface FuzzAttempt {
  result: FuzzResult;
  reply: EvaluatorReply;
  durationMs: number;
}

export interface FuzzAttack {
  analysis: PairAnalysis;
  attempts: FuzzAttempt[];
}

function changedSummary(analysis: PairAnalysis): string {
  if (analysis.changedLines.length === 0) return 'The programs differ only in formatting or not at all.';
  const lines = analysis.changedLines.slice(0, 6).map((l) => `    ${l}`);
  return `The programs differ on these lines (normalized):\n\n${lines.join('\n')}\n`;
}

/** "Inputs by origin: examples 2, mutate 5." — training/play-facts.ts reads it back: keep its form. */
function drawsSentence(result: FuzzResult): string {
  const parts = Object.entries(result.draws).map(([origin, n]) => `${origin} ${n}`);
  return parts.length === 0 ? '' : ` Inputs by origin: ${parts.join(', ')}.`;
}

function replyFor(analysis: PairAnalysis, result: FuzzResult, entryPoint: string): EvaluatorReply {
  if (analysis.variantError) {
    return { analysis: `${analysis.variantError}; no input can make it behave differently by running.`, equivalent: true, divergingInput: null };
  }
  const summary = changedSummary(analysis);
  if (!result.found) {
    return {
      analysis: `${summary}\nDifferential fuzzing tried ${result.executions} inputs (${result.inconclusive} inconclusive) and found none on which the programs behave differently, so I take them to be equivalent.${drawsSentence(result)}`,
      equivalent: true,
      divergingInput: null,
    };
  }
  const { original, variant } = result.outcomes;
  // training/play-facts.ts reads the "(strategy: ...)" back to credit kills: keep its form.
  return {
    analysis: `${summary}\nDifferential fuzzing found a diverging input after ${result.executions} inputs (strategy: ${result.strategy}) and shrank it. On it, the original \`${entryPoint}\` ${describeOutcome(original)}, while the variant ${describeOutcome(variant)}.${drawsSentence(result)}`,
    equivalent: false,
    divergingInput: result.input,
  };
}

/** Runs the attempts and returns structured results (the policy, the CLI and the benchmark use this). */
export async function fuzzAttack(task: Task, variant: string, options: FuzzAttackOptions): Promise<FuzzAttack> {
  const analysis = await analyzePair({ original: task.source, variant, entryPoint: task.entryPoint, examples: task.exampleInputs }, options.signal ? { signal: options.signal } : {});
  const attempts: FuzzAttempt[] = [];
  for (let i = 0; i < options.attempts; i++) {
    const started = Date.now();
    let result: FuzzResult;
    if (analysis.variantError) {
      result = { found: false, executions: 0, inconclusive: 0, stoppedBy: 'exhausted', draws: {}, elapsedMs: 0 };
    } else {
      const model = buildModel(analysis, createRng(deriveSeed(options.seed, 'fuzz-model', i)));
      result = await fuzzPair({ original: task.source, variant, entryPoint: task.entryPoint }, model, {
        seed: deriveSeed(options.seed, 'fuzz', i),
        state: options.state,
        sandbox: options.sandbox,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
    }
    // A cancelled search proves nothing: say so by throwing rather than answering "equivalent".
    options.signal?.throwIfAborted();
    attempts.push({ result, reply: replyFor(analysis, result, task.entryPoint), durationMs: Date.now() - started });
  }
  return { analysis, attempts };
}

export function createFuzzEvaluator(overrides: Partial<FuzzPolicyState> = {}): EvaluatorPolicy {
  return {
    name: 'fuzz',
    async attack(request: AttackRequest, context: PolicyContext): Promise<AttackResult> {
      const state = resolveFuzzPolicyState(request.policyState, overrides);
      const attack = await fuzzAttack(request.task, request.variant, {
        attempts: request.attempts,
        seed: request.seed,
        state,
        sandbox: context.sandbox,
        signal: context.signal,
        ...(request.deadline !== undefined ? { deadline: request.deadline } : {}),
      });
      const replies: Array<PolicyReply<EvaluatorReply>> = attack.attempts.map((a) => {
        const raw = renderEvaluatorReply(a.reply);
        return { raw, parsed: parseEvaluatorReply(raw), durationMs: a.durationMs };
      });
      context.log.debug({ attempts: attack.attempts.map((a) => ({ found: a.result.found, executions: a.result.executions })) }, 'fuzz attack done');
      return { policy: 'fuzz', modelVersion: request.modelVersion ?? FUZZ_POLICY_VERSION, prompt: evaluatorPrompt(request.task, request.variant), replies };
    },
  };
}
