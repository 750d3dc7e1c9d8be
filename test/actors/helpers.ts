// Shared pieces of the actor tests: a task, policies that answer from the request, and a sandbox
// that refuses to run (these policies never execute code).
import type { Task } from '../../game/types';
import type { Sandbox } from '../../sandbox/api';
import type { EvaluatorPolicy, GeneratorPolicy, PolicyContext } from '../../actors/policies/types';

export const sampleTask: Task = {
  id: 'sinq/add',
  description: 'Add two numbers.',
  source: 'def add(a, b):\n    return a + b\n',
  entryPoint: 'add',
  exampleInputs: ['{"a": 1, "b": 2}'],
  origin: 'sinq',
};

export const refusingSandbox: Sandbox = {
  run: () => Promise.reject(new Error('sandbox not available in this test')),
  runPair: () => Promise.reject(new Error('sandbox not available in this test')),
  isolation: () => ({ rlimits: false, privateDirectory: false, network: 'none', filesystem: 'host', seccomp: false, runUid: 'shared', bubblewrap: false, userNamespaces: false, root: false, notes: [] }),
  close: () => Promise.resolve(),
};

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

export interface EchoOptions {
  /** How long each call takes, ms. */
  delayMs?: number;
  /** Called with each request's seed as it starts, for tests that count who served what. */
  onCall?: (seed: number) => void;
  fail?: (seed: number) => Error | undefined;
}

/** A generator whose variant is the original with a comment naming the seed. */
export function echoGenerator(name: string, options: EchoOptions = {}): GeneratorPolicy {
  return {
    name,
    async propose(request, context: PolicyContext) {
      options.onCall?.(request.seed);
      if (options.delayMs) await sleepUnlessAborted(options.delayMs, context.signal);
      const failure = options.fail?.(request.seed);
      if (failure) throw failure;
      const program = `${request.task.source}# seed ${request.seed}\n`;
      const raw = `# Analysis\nseed ${request.seed}\n# Generated program\n\`\`\`python\n${program}\`\`\`\n# Diverging input\n\`\`\`python\n{"a": 1, "b": 2}\n\`\`\`\n`;
      return {
        policy: name,
        modelVersion: request.modelVersion ?? 'echo-1',
        prompt: [{ role: 'user', content: `target ${request.targetDifficulty}` }],
        reply: { raw, parsed: { ok: true, value: { analysis: `seed ${request.seed}`, program, divergingInput: '{"a": 1, "b": 2}' } }, durationMs: 0 },
      };
    },
  };
}

/** An evaluator that answers "Yes" n times. */
export function echoEvaluator(name: string, options: EchoOptions = {}): EvaluatorPolicy {
  return {
    name,
    async attack(request, context: PolicyContext) {
      options.onCall?.(request.seed);
      if (options.delayMs) await sleepUnlessAborted(options.delayMs, context.signal);
      return {
        policy: name,
        modelVersion: 'echo-1',
        prompt: [{ role: 'user', content: request.variant }],
        replies: Array.from({ length: request.attempts }, (_, i) => ({
          raw: `# Analysis\nattempt ${i}\n# Equivalent?\nYes\n`,
          parsed: { ok: true as const, value: { analysis: `attempt ${i}`, equivalent: true, divergingInput: null } },
          durationMs: 0,
        })),
      };
    },
  };
}
