// The `mutation` generator: a first-order AST mutant of the original with a witness found by
// execution, chosen so that its divergence is about as rare as the target difficulty asks.
import { parseGeneratorReply, renderGeneratorReply } from '../../../game/reply';
import type { GeneratorReply } from '../../../game/types';
import { describeOutcome } from '../fuzz/describe';
import { generatorPrompt } from '../prompts';
import type { GeneratorPolicy, NoPlay, NoPlayCause, PolicyContext, ProposeRequest, ProposeResult } from '../types';
import { generateMutant, type GenerateResult, type MutantPlay } from './generate';
import { resolveMutationPolicyState, type MutationPolicyState } from './state';

export const MUTATION_POLICY_VERSION = 'mutation-v1';

export function playReply(play: MutantPlay, entryPoint: string): GeneratorReply {
  const { original, variant } = play.outcomes;
  const rarity = `${play.exposed} of ${play.sampleSize} random inputs expose the difference (rarity ${play.rarity.toFixed(2)}).`;
  // training/play-facts.ts reads the operator, line and location kind back from this sentence: keep its form.
  return {
    analysis: `Mutation \`${play.operator}\` at line ${play.location.line}, column ${play.location.col} (${play.location.kind}): ${play.description}. On the diverging input, the original \`${entryPoint}\` ${describeOutcome(original)}, while the variant ${describeOutcome(variant)}. ${rarity}`,
    program: play.variant,
    divergingInput: play.witness,
  };
}

/** Why the search ended without a play, typed; the detail repeats the search's counts for people. */
export function noPlayOf(result: GenerateResult): NoPlay {
  const s = result.stats;
  const cause: NoPlayCause = s.mutantsEnumerated === 0 ? 'nothing-to-change' : s.stoppedBy === 'exhausted' ? 'search-exhausted' : 'budget-exhausted';
  const detail = `${s.mutantsEnumerated} mutants enumerated, ${s.mutantsScreened} screened on the example inputs (${s.mutantsDropped} dropped: they hang, crash or already differ there), ${s.mutantsTried} searched for a witness, ${s.mutantsDiscarded} discarded as possibly equivalent; stopped by ${s.stoppedBy} after ${s.elapsedMs} ms`;
  return { cause, detail };
}

/** The reply text of a declined play: no program, so the game could never take it for one. */
function noPlayText(noPlay: NoPlay): string {
  return `# Analysis\n\nNo mutant with a diverging input was found, so no play (${noPlay.cause}): ${noPlay.detail}.\n`;
}

export function createMutationGenerator(overrides: Partial<MutationPolicyState> = {}): GeneratorPolicy {
  return {
    name: 'mutation',
    async propose(request: ProposeRequest, context: PolicyContext): Promise<ProposeResult> {
      const started = Date.now();
      const state = { ...resolveMutationPolicyState(request.policyState), ...overrides };
      const result = await generateMutant(request.task, {
        targetDifficulty: request.targetDifficulty,
        seed: request.seed,
        state,
        sandbox: context.sandbox,
        signal: context.signal,
        log: context.log,
        ...(request.deadline !== undefined ? { deadline: request.deadline } : {}),
      });
      const noPlay = result.play ? null : noPlayOf(result);
      const raw = result.play ? renderGeneratorReply(playReply(result.play, request.task.entryPoint)) : noPlayText(noPlayOf(result));
      context.log.debug({ stats: result.stats, operator: result.play?.operator, rarity: result.play?.rarity }, 'mutation proposal done');
      return {
        policy: 'mutation',
        modelVersion: request.modelVersion ?? MUTATION_POLICY_VERSION,
        prompt: generatorPrompt(request.task, request.targetDifficulty),
        reply: { raw, parsed: parseGeneratorReply(raw), durationMs: Date.now() - started },
        ...(noPlay ? { noPlay } : {}),
      };
    },
  };
}
