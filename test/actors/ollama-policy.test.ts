import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyActorError } from '../../actors/errors';
import { createOllamaEvaluatorPolicy, createOllamaGeneratorPolicy, type PromptBuilders } from '../../actors/policies/ollama/policy';
import type { PolicyContext } from '../../actors/policies/types';
import { silentLogger } from '../../lib/log';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';
import { refusingSandbox, sampleTask } from './helpers';

const prompts: PromptBuilders = {
  generator: (task, target) => [
    { role: 'system', content: 'You write semantically different variants.' },
    { role: 'user', content: `difficulty ${target}\n${task.source}` },
  ],
  evaluator: (task, variant) => [{ role: 'user', content: `${task.source}\n---\n${variant}` }],
};

const goodGenerator = [
  '# Analysis',
  'Swap the operands of a comparison.',
  '# Generated program',
  '```python',
  'def add(a, b):',
  '    return a + b + (1 if a == 7 else 0)',
  '```',
  '# Diverging input example',
  '```python',
  '{"a": 7, "b": 0}',
  '```',
  '',
].join('\n');

const goodEvaluator = '# Analysis\nThey differ at a = 7.\n# Equivalent?\nNo\n# Diverging input example\n```python\n{"a": 7, "b": 0}\n```\n';

function context(signal: AbortSignal = new AbortController().signal): PolicyContext {
  return { signal, log: silentLogger, sandbox: refusingSandbox };
}

const fastBackoff = { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 };

describe('ollama policy against the Ollama API stand-in', () => {
  let ollama: OllamaStandIn;
  beforeAll(async () => {
    ollama = await startOllamaStandIn({ models: ['coder:1b', 'judge:1b'] });
  });
  afterAll(async () => {
    await ollama?.close();
  });

  const generator = () => createOllamaGeneratorPolicy('ollama:coder:1b', { host: ollama.url, prompts, backoff: fastBackoff });

  it('streams a well-formed reply with the request options and parses it', async () => {
    ollama.enqueue('coder:1b', { type: 'text', text: goodGenerator, chunkChars: 7 });
    const result = await generator().propose(
      { task: sampleTask, targetDifficulty: 6, seed: 42, sampling: { temperature: 0.7, topP: 0.9, numPredict: 512, numCtx: 4096 } },
      context(),
    );
    expect(result.modelVersion).toBe('coder:1b');
    expect(result.reply.raw).toBe(goodGenerator);
    expect(result.reply.parsed).toMatchObject({ ok: true, value: { divergingInput: '{"a": 7, "b": 0}' } });
    expect(result.prompt[1]?.content).toContain('difficulty 6');
    const call = ollama.calls('coder:1b').at(-1)!;
    expect(call.endpoint).toBe('chat');
    expect(call.stream).toBe(true);
    expect(call.options).toEqual({ seed: 42, temperature: 0.7, top_p: 0.9, num_predict: 512, num_ctx: 4096 });
    expect(call.messages).toEqual(result.prompt);
  });

  it('records malformed replies as parse failures with the raw text', async () => {
    const cases: Array<[string, string]> = [
      ['I think the program adds two numbers. Nothing else to say.', 'missing-section'],
      ['# Analysis\nhm\n# Generated program\nreturn a - b\n# Diverging input example\n{"a": 1}\n', 'missing-code-block'],
      ['', 'empty'],
    ];
    for (const [text, reason] of cases) {
      ollama.enqueue('coder:1b', { type: 'text', text });
      const result = await generator().propose({ task: sampleTask, targetDifficulty: 3, seed: 1 }, context());
      expect(result.reply.raw).toBe(text);
      expect(result.reply.parsed).toMatchObject({ ok: false, reason });
    }
  });

  it('records a reply cut by num_predict as truncated and a huge one as too large', async () => {
    const cut = goodGenerator.slice(0, goodGenerator.indexOf('return') + 10);
    ollama.enqueue('coder:1b', { type: 'text', text: cut, doneReason: 'length' });
    const truncated = await generator().propose({ task: sampleTask, targetDifficulty: 3, seed: 1, sampling: { numPredict: 20 } }, context());
    expect(truncated.reply.parsed).toMatchObject({ ok: false, reason: 'truncated' });
    expect(truncated.reply.raw).toBe(cut);

    const huge = '# Analysis\n' + 'x'.repeat(300_000);
    ollama.enqueue('coder:1b', { type: 'text', text: huge, chunkChars: 16_384 });
    const tooLarge = await createOllamaGeneratorPolicy('ollama:coder:1b', { host: ollama.url, prompts, maxReplyChars: 50_000 }).propose(
      { task: sampleTask, targetDifficulty: 3, seed: 1 },
      context(),
    );
    expect(tooLarge.reply.parsed).toMatchObject({ ok: false, reason: 'too-large' });
    expect(tooLarge.reply.raw).toHaveLength(50_000);
  });

  it('retries HTTP 500, connection resets and cut streams, then succeeds', async () => {
    const before = ollama.calls('coder:1b').length;
    ollama.enqueue('coder:1b', { type: 'http-error', status: 500, error: 'out of memory' }, { type: 'reset', text: goodGenerator, afterChars: 30 }, { type: 'text', text: goodGenerator });
    const result = await generator().propose({ task: sampleTask, targetDifficulty: 3, seed: 5 }, context());
    expect(result.reply.parsed.ok).toBe(true);
    expect(ollama.calls('coder:1b').length - before).toBe(3);

    ollama.enqueue('coder:1b', { type: 'cut', text: goodGenerator.slice(0, 40) }, { type: 'reset' }, { type: 'text', text: goodGenerator });
    const again = await generator().propose({ task: sampleTask, targetDifficulty: 3, seed: 5 }, context());
    expect(again.reply.raw).toBe(goodGenerator);
  });

  it('gives up on a persistently failing server with a retryable typed error', async () => {
    for (const failure of [{ type: 'http-error', status: 500 }, { type: 'reset' }, { type: 'stream-error', text: '# Ana', error: 'runner crashed' }] as const) {
      ollama.enqueue('coder:1b', failure, failure, failure);
      const err = await generator()
        .propose({ task: sampleTask, targetDifficulty: 3, seed: 5 }, context())
        .catch((e: unknown) => e);
      expect(classifyActorError(err)).toMatchObject({ code: 'model-unavailable', retryable: true });
    }
    // A proxy's HTML error page: same outcome, and nothing printed on stdout.
    const html = { type: 'http-error', status: 502, error: 'Bad Gateway', html: true } as const;
    ollama.enqueue('coder:1b', html, html, html);
    const printed: unknown[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      const err = await generator()
        .propose({ task: sampleTask, targetDifficulty: 3, seed: 5 }, context())
        .catch((e: unknown) => e);
      expect(classifyActorError(err)).toMatchObject({ code: 'model-unavailable', retryable: true, message: expect.stringContaining('Bad Gateway') });
    } finally {
      console.log = log;
    }
    expect(printed).toEqual([]);
    ollama.enqueue('coder:1b', { type: 'http-error', status: 400, error: 'invalid options' });
    const final = await generator()
      .propose({ task: sampleTask, targetDifficulty: 3, seed: 5 }, context())
      .catch((e: unknown) => e);
    expect(classifyActorError(final)).toMatchObject({ code: 'policy-failed', retryable: false });
  });

  it('aborts a slow reply at the deadline and on cancel', async () => {
    ollama.enqueue('coder:1b', { type: 'text', text: goodGenerator, headerDelayMs: 10_000 });
    const started = Date.now();
    const late = await generator()
      .propose({ task: sampleTask, targetDifficulty: 3, seed: 5, deadline: Date.now() + 300 }, context())
      .catch((e: unknown) => e);
    expect(classifyActorError(late)).toMatchObject({ code: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(8_000);

    ollama.enqueue('coder:1b', { type: 'text', text: goodGenerator, chunkChars: 1, chunkDelayMs: 50 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller went away')), 200);
    const cancelled = await generator()
      .propose({ task: sampleTask, targetDifficulty: 3, seed: 5 }, context(controller.signal))
      .catch((e: unknown) => e);
    expect((cancelled as Error).message).toBe('caller went away');
  });

  it('preflight names the missing model and the pull command, or the unreachable host', async () => {
    const missing = createOllamaGeneratorPolicy('ollama:absent:7b', { host: ollama.url, prompts });
    await expect(missing.preflight()).rejects.toThrow('model absent:7b is not available on OLLAMA_HOST');
    await expect(missing.preflight()).rejects.toThrow('run: ollama pull absent:7b');
    const err = await missing.propose({ task: sampleTask, targetDifficulty: 3, seed: 1 }, context()).catch((e: unknown) => e);
    expect(classifyActorError(err)).toMatchObject({ code: 'model-missing', retryable: false });
    expect(await generator().preflight()).toMatchObject({ model: 'coder:1b', family: 'stand-in' });

    const nowhere = createOllamaGeneratorPolicy('ollama:coder:1b', { host: 'http://127.0.0.1:9', prompts });
    const down = await nowhere.preflight().catch((e: unknown) => e);
    expect(classifyActorError(down)).toMatchObject({ code: 'model-unavailable', retryable: true });
    expect((down as Error).message).toMatch(/not reachable at OLLAMA_HOST=http:\/\/127\.0\.0\.1:9/);
  });

  it('evaluator draws n samples with derived seeds, within the per-model concurrency limit', async () => {
    ollama.setResponder(() => ({ type: 'text', text: goodEvaluator, chunkChars: 8, chunkDelayMs: 5 }), 'judge:1b');
    const evaluator = createOllamaEvaluatorPolicy('ollama:judge:1b', { host: ollama.url, prompts, concurrency: 2 });
    const before = ollama.calls('judge:1b').length;
    const result = await evaluator.attack({ task: sampleTask, variant: 'def add(a, b):\n    return a - b\n', attempts: 5, seed: 9, sampling: { temperature: 1 } }, context());
    expect(result.replies).toHaveLength(5);
    expect(result.replies.every((r) => r.parsed.ok && r.parsed.value.equivalent === false)).toBe(true);
    const calls = ollama.calls('judge:1b').slice(before);
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((c) => c.options.seed)).size).toBe(5);
    expect(calls[0]?.messages[0]?.content).toContain('return a - b');
    expect(ollama.peakConcurrentCalls('judge:1b')).toBe(2);
  });
});
