// Both services end to end on a real nats-server: the offline players (with the real sandbox) and
// ollama:<model> players against the Ollama API stand-in, all looked up in the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServerHandle } from '../../deploy/nats';
import { ActorClient } from '../../actors/client';
import { classifyActorError } from '../../actors/errors';
import { startActors, type RunningActors } from '../../actors/main';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../../actors/policies/registry';
import { createSandbox } from '../../sandbox/index';
import type { Sandbox } from '../../sandbox/api';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';
import { sampleTask } from './helpers';

const task = {
  ...sampleTask,
  id: 'sinq/clamp',
  source: 'def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n',
  entryPoint: 'clamp',
  exampleInputs: ['{"x": 5, "lo": 0, "hi": 10}', '{"x": -3, "lo": 0, "hi": 10}', '{"x": 12, "lo": 0, "hi": 10}'],
};

const ollamaVariant = '# Analysis\nOff by one at the upper bound.\n# Generated program\n```python\ndef clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x >= hi:\n        return hi - 1\n    return x\n```\n# Diverging input example\n```python\n{"x": 10, "lo": 0, "hi": 10}\n```\n';
const ollamaJudgement = '# Analysis\nUpper bound differs.\n# Equivalent?\nNo\n# Diverging input example\n```python\n{"x": 10, "lo": 0, "hi": 10}\n```\n';

describe('actors round trip with registry policies', () => {
  let server: NatsServerHandle;
  let sandbox: Sandbox;
  let ollama: OllamaStandIn;
  let nc: NatsConnection;
  let client: ActorClient;
  const running: RunningActors[] = [];
  const previousHost = process.env.OLLAMA_HOST;

  beforeAll(async () => {
    server = await startNatsServer({ ignoreEnv: true });
    sandbox = await createSandbox({ workers: 1 });
    ollama = await startOllamaStandIn({ models: ['coder:1b', 'judge:1b'] });
    process.env.OLLAMA_HOST = ollama.url;
    const common = { natsUrl: server.url, sandbox, createGenerator: createGeneratorPolicy, createEvaluator: createEvaluatorPolicy };
    running.push(await startActors({ ...common, role: 'generator', policy: 'mutation' }));
    running.push(await startActors({ ...common, role: 'evaluator', policy: 'fuzz' }));
    running.push(await startActors({ ...common, role: 'generator', policy: 'ollama:coder:1b', replicas: 2 }));
    running.push(await startActors({ ...common, role: 'evaluator', policy: 'ollama:judge:1b' }));
    nc = await connect({ servers: server.url });
    client = new ActorClient(nc, { retry: { maxAttempts: 1 } });
  });

  afterAll(async () => {
    client?.close();
    for (const r of running) await r.stop();
    await nc?.close();
    await ollama?.close();
    await sandbox?.close();
    await server?.stop();
    if (previousHost === undefined) delete process.env.OLLAMA_HOST;
    else process.env.OLLAMA_HOST = previousHost;
  });

  it('mutation proposes a variant and fuzz attacks it', async () => {
    const proposed = await client.propose({ policy: 'mutation', task, targetDifficulty: 3, seed: 11 }, { timeoutMs: 100_000 });
    expect(proposed.policy).toBe('mutation');
    expect(proposed.reply.raw).toContain('# Generated program');
    expect(proposed.reply.parsed.ok).toBe(true);
    if (!proposed.reply.parsed.ok) return;
    const variant = proposed.reply.parsed.value.program;
    expect(variant).not.toBe(task.source);

    // A small fuzzing budget, passed through NATS as the policy's state.
    const attacked = await client.attack({ policy: 'fuzz', task, variant, attempts: 2, seed: 3, policyState: { maxExecutions: 60 } }, { timeoutMs: 100_000 });
    expect(attacked.policy).toBe('fuzz');
    expect(attacked.replies).toHaveLength(2);
    for (const reply of attacked.replies) expect(reply.raw.length).toBeGreaterThan(0);
  }, 240_000);

  it('ollama players answer through NATS with raw text and parses', async () => {
    ollama.setResponder(() => ({ type: 'text', text: ollamaVariant }), 'coder:1b');
    ollama.setResponder(() => ({ type: 'text', text: ollamaJudgement }), 'judge:1b');
    const proposed = await client.propose(
      { policy: 'ollama:coder:1b', task, targetDifficulty: 7, seed: 5, sampling: { temperature: 0.2, numPredict: 800 } },
      { timeoutMs: 20_000 },
    );
    expect(proposed.modelVersion).toBe('coder:1b');
    expect(proposed.reply.raw).toBe(ollamaVariant);
    expect(proposed.reply.parsed).toMatchObject({ ok: true, value: { divergingInput: '{"x": 10, "lo": 0, "hi": 10}' } });
    expect(proposed.prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(proposed.prompt[1]?.content).toContain('Target difficulty: 7');
    expect(ollama.calls('coder:1b').at(-1)?.options).toMatchObject({ seed: 5, temperature: 0.2, num_predict: 800 });

    const attacked = await client.attack({ policy: 'ollama:judge:1b', task, variant: 'def clamp(x, lo, hi):\n    return x\n', attempts: 3, seed: 8 }, { timeoutMs: 20_000 });
    expect(attacked.replies.map((r) => r.parsed.ok && r.parsed.value.equivalent)).toEqual([false, false, false]);
  });

  it('scripted model failures reach the caller as recorded outcomes or typed errors', async () => {
    const propose = (seed: number) =>
      client.propose({ policy: 'ollama:coder:1b', task, targetDifficulty: 5, seed }, { timeoutMs: 15_000 }).then(
        (r) => ({ parsed: r.reply.parsed, raw: r.reply.raw }),
        (e: unknown) => ({ error: classifyActorError(e) }),
      );
    ollama.enqueue('coder:1b', { type: 'text', text: 'Sure! The programs are different.' });
    expect(await propose(1)).toMatchObject({ parsed: { ok: false, reason: 'missing-section' }, raw: 'Sure! The programs are different.' });
    ollama.enqueue('coder:1b', { type: 'text', text: ollamaVariant.slice(0, 90), doneReason: 'length' });
    expect(await propose(2)).toMatchObject({ parsed: { ok: false, reason: 'truncated' } });
    ollama.enqueue('coder:1b', { type: 'text', text: 'y'.repeat(400_000), chunkChars: 65_536 });
    expect(await propose(3)).toMatchObject({ parsed: { ok: false, reason: 'too-large' } });
    const fail = { type: 'http-error', status: 500 } as const;
    ollama.enqueue('coder:1b', fail, fail, fail, fail);
    expect(await propose(4)).toMatchObject({ error: { code: 'model-unavailable', retryable: true } });
    const reset = { type: 'reset' } as const;
    ollama.enqueue('coder:1b', reset, reset, reset, reset);
    expect(await propose(5)).toMatchObject({ error: { code: 'model-unavailable', retryable: true } });
    ollama.enqueue('coder:1b', { type: 'text', text: ollamaVariant, headerDelayMs: 20_000 });
    const slow = await client.propose({ policy: 'ollama:coder:1b', task, targetDifficulty: 5, seed: 6 }, { timeoutMs: 800 }).catch((e: unknown) => classifyActorError(e));
    expect(slow).toMatchObject({ code: 'timeout', retryable: true });
    // The replicas are still serving.
    expect(await propose(7)).toMatchObject({ parsed: { ok: true } });
    const missing = await client.propose({ policy: 'ollama:coder:1b', modelVersion: 'absent:1b', task, targetDifficulty: 5, seed: 1 }, { timeoutMs: 5_000 }).catch((e: unknown) => classifyActorError(e));
    expect(missing).toMatchObject({ code: 'model-missing', retryable: false, message: expect.stringContaining('ollama pull absent:1b') });
  });
});
