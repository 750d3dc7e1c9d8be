// Every player policy by name. A spec is `name` or `name:<model>` (e.g. `ollama:qwen2.5-coder:7b`);
// adding a policy is one import and one entry below.
import type { EvaluatorPolicy, GeneratorPolicy } from './types';
import { createFuzzEvaluator } from './fuzz/policy';
import { createMutationGenerator } from './mutation/policy';
import { ollamaEvaluator, ollamaGenerator } from './ollama/index';

export interface PolicySpec {
  name: string;
  /** Everything after the first ':' (a model tag may itself contain ':'), or null. */
  model: string | null;
}

type GeneratorFactory = (model: string | null) => GeneratorPolicy;
type EvaluatorFactory = (model: string | null) => EvaluatorPolicy;

const generators: Record<string, GeneratorFactory> = {
  mutation: () => createMutationGenerator(),
  ollama: (model) => ollamaGenerator(model),
};

const evaluators: Record<string, EvaluatorFactory> = {
  fuzz: () => createFuzzEvaluator(),
  ollama: (model) => ollamaEvaluator(model),
};

export class UnknownPolicyError extends Error {
  readonly code = 'E_UNKNOWN_POLICY';
  constructor(
    readonly role: 'generator' | 'evaluator',
    readonly spec: string,
    readonly known: string[],
  ) {
    super(`unknown ${role} policy '${spec}'; known: ${known.join(', ')}`);
    this.name = 'UnknownPolicyError';
  }
}

export function parsePolicySpec(spec: string): PolicySpec {
  const trimmed = spec.trim();
  const at = trimmed.indexOf(':');
  if (at < 0) return { name: trimmed, model: null };
  const model = trimmed.slice(at + 1);
  return { name: trimmed.slice(0, at), model: model === '' ? null : model };
}

export function generatorPolicyNames(): string[] {
  return Object.keys(generators).sort();
}

export function evaluatorPolicyNames(): string[] {
  return Object.keys(evaluators).sort();
}

export function createGeneratorPolicy(spec: string): GeneratorPolicy {
  const { name, model } = parsePolicySpec(spec);
  const factory = Object.hasOwn(generators, name) ? generators[name] : undefined;
  if (!factory) throw new UnknownPolicyError('generator', spec, generatorPolicyNames());
  return factory(model);
}

export function createEvaluatorPolicy(spec: string): EvaluatorPolicy {
  const { name, model } = parsePolicySpec(spec);
  const factory = Object.hasOwn(evaluators, name) ? evaluators[name] : undefined;
  if (!factory) throw new UnknownPolicyError('evaluator', spec, evaluatorPolicyNames());
  return factory(model);
}
