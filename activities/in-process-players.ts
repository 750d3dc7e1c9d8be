// Players called directly in this process (no NATS): the benchmark's baseline and unit tests.
import type { Logger } from '../lib/log';
import type { EvaluatorPolicy, GeneratorPolicy } from '../actors/policies/types';
import type { Sandbox } from '../sandbox/api';
import { PlayerCallError, type PlayerGateway } from './players';

export interface PolicyFactories {
  generator(spec: string): GeneratorPolicy;
  evaluator(spec: string): EvaluatorPolicy;
}

export function createInProcessPlayers(factories: PolicyFactories, sandbox: Sandbox, log: Logger): PlayerGateway {
  const generators = new Map<string, GeneratorPolicy>();
  const evaluators = new Map<string, EvaluatorPolicy>();
  const resolve = <P>(cache: Map<string, P>, spec: string, make: (spec: string) => P): P => {
    let policy = cache.get(spec);
    if (policy === undefined) {
      try {
        policy = make(spec);
      } catch (err) {
        throw new PlayerCallError('wrong-policy', `unknown policy '${spec}': ${(err as Error).message}`, false);
      }
      cache.set(spec, policy);
    }
    return policy;
  };
  return {
    propose: async ({ policy, ...request }, signal) => resolve(generators, policy, factories.generator).propose(request, { signal, log, sandbox }),
    attack: async ({ policy, ...request }, signal) => resolve(evaluators, policy, factories.evaluator).attack(request, { signal, log, sandbox }),
    close: () => Promise.resolve(),
  };
}
