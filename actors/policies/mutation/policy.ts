// The `mutation` generator: a first-order AST mutant of the original with a witness found by
// execution, chosen so that its divergence is about as rare as the target difficulty asks.
import { parseGeneratorReply, renderGeneratorReply } from '../../../game/reply';
import type { GeneratorReply } from '../../../game/types';
import { describeOutcome } from '../fuzz/describe';
import { generatorPrompt } from '../prompts';
import type { GeneratorPolicy, PolicyContext, ProposeRequest, ProposeResult } from '../types';
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

/** A reply with no program: recorded downstream as an invalid play, like an LLM that gave up. */
function noPlayText(result: GenerateResult): string {
  const s = result.stats;
  return `# Analysis\n\nNo mutant with a diverging input was found: ${s.mutantsEnumerated} mutants enumerated, ${s.mutantsTried} tried, ${s.mutantsDiscarded} discarded as possibly equivalent.\n`;
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
      const raw = result.play ? renderGeneratorReply(playReply(result.play, request.task.entryPoint)) : noPlayText(result);
      context.log.debug({ stats: result.stats, operator: result.play?.operator, rarity: result.play?.rarity }, 'mutation proposal done');
      return {
        policy: 'mutation',
        modelVersion: request.modelVersion ?? MUTATION_POLICY_VERSION,
        prompt: generatorPrompt(request.task, request.targetDifficulty),
        reply: { raw, parsed: parseGeneratorReply(raw), durationMs: Date.now() - started },
      };
    },
  };
}
