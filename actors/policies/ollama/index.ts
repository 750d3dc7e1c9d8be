// Registry entry points of the `ollama:<model>` policy: the game's prompts, OLLAMA_HOST, defaults.
import { PolicyError } from '../../errors';
import { evaluatorPrompt, generatorPrompt } from '../prompts';
import {
  createOllamaEvaluatorPolicy,
  createOllamaGeneratorPolicy,
  OLLAMA_POLICY_PREFIX,
  type OllamaEvaluatorPolicy,
  type OllamaGeneratorPolicy,
  type OllamaPolicyOptions,
  type PromptBuilders,
} from './policy';

export const gamePrompts: PromptBuilders = { generator: generatorPrompt, evaluator: evaluatorPrompt };

function specOf(model: string | null): string {
  if (!model) throw new PolicyError('bad-request', 'the ollama policy needs a model: ollama:<model>, e.g. ollama:qwen2.5-coder:7b');
  return `${OLLAMA_POLICY_PREFIX}${model}`;
}

export function ollamaGenerator(model: string | null, options: Partial<OllamaPolicyOptions> = {}): OllamaGeneratorPolicy {
  return createOllamaGeneratorPolicy(specOf(model), { prompts: gamePrompts, ...options });
}

export function ollamaEvaluator(model: string | null, options: Partial<OllamaPolicyOptions> = {}): OllamaEvaluatorPolicy {
  return createOllamaEvaluatorPolicy(specOf(model), { prompts: gamePrompts, ...options });
}

export { preflightOllama, type ModelReport } from './preflight';
export { ollamaModelOf, ollamaHost, DEFAULT_OLLAMA_HOST, type OllamaGeneratorPolicy, type OllamaEvaluatorPolicy } from './policy';
