// Exact scoring through the Ollama API stand-in: scripted replies, the study's bookkeeping (both
// orders for the swap, majority votes for the defect tasks), unreadable answers counted, and a
// context that may not fit refused instead of answered.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planBenchmark } from '../../eval/benchmarks';
import type { LabelledCodeItem, SwapItem } from '../../eval/items';
import { loadDefectDetection } from '../../eval/loaders/defect-detection';
import { loadIdentifierSwap } from '../../eval/loaders/identifier-swap';
import { loadPySecDb } from '../../eval/loaders/pysecdb';
import { ContextOverflowError } from '../../eval/model-client';
import { runBenchmark, type RunOptions } from '../../eval/runner';
import { EvalStore } from '../../eval/store';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';
import { fastBackoff, fixtures, sampleResponder, swapQueryOf, swapResponder } from './helpers';

const settings = { numCtx: 16_384, samples: 9, chainOfThought: false, seed: 0 };

describe('sinq eval scoring against the Ollama API stand-in', () => {
  let ollama: OllamaStandIn;
  let store: EvalStore;
  let swapItems: SwapItem[];
  let defectItems: LabelledCodeItem[];
  const silent = () => ({ update: () => undefined, finish: () => undefined });
  const options = (): RunOptions => ({
    store,
    campaignId: '',
    host: ollama.url,
    concurrency: 2,
    backoff: fastBackoff,
    progress: silent,
    now: () => 1_700_000_000_000,
  });

  beforeAll(async () => {
    swapItems = await loadIdentifierSwap(path.join(fixtures, 'swap.csv'));
    defectItems = await loadDefectDetection(path.join(fixtures, 'defect-detection.jsonl'));
  });
  beforeEach(async () => {
    ollama = await startOllamaStandIn({ models: ['judge:1b'] });
    store = await EvalStore.open(path.join(mkdtempSync(path.join(tmpdir(), 'sinq-eval-')), 'eval.db'));
  });
  afterEach(async () => {
    store.close();
    await ollama.close();
  });

  it('swap: a model that always answers 1 scores 50 % with a position bias of +100 points', async () => {
    ollama.setResponder(
      swapResponder(swapItems, () => '1'),
      'judge:1b',
    );
    const plan = planBenchmark({ benchmark: 'identifier-swap', items: swapItems }, settings);
    const { result, asked } = await runBenchmark(plan, { tag: 'judge:1b', round: null }, options());
    expect(asked).toBe(6);
    expect(result).toEqual({
      campaignId: '',
      benchmark: 'identifier-swap',
      model: 'judge:1b',
      round: null,
      items: 6,
      answered: 6,
      correct: 3,
      accuracy: 0.5,
      accuracyAnswered: 0.5,
      unanswered: 0,
      positionBias: 1,
      finishedAt: 1_700_000_000_000,
    });
    // Every item once in each order, at temperature 0 with the study's 16k context.
    const calls = ollama.calls('judge:1b');
    const asked2 = calls.map((call) => {
      const { item, order } = swapQueryOf(swapItems, call);
      return `${item.id}/${order}`;
    });
    expect(asked2.sort()).toEqual(['row-1/0', 'row-1/1', 'row-2/0', 'row-2/1', 'row-3/0', 'row-3/1']);
    expect(
      calls.every((c) => c.options.temperature === 0 && c.options.num_ctx === 16_384 && c.options.num_predict === 16),
    ).toBe(true);
    expect(calls[0]!.messages.at(-1)!.content).toMatch(/Write only the number: 1 or 2\.$/);
  });

  it('swap: picking the scraped body every time scores 0 % with no position bias', async () => {
    // The study's gpt-4o-mini finding in miniature: the model prefers the body as scraped.
    ollama.setResponder(
      swapResponder(swapItems, (item, order) =>
        order === 0 ? `${1 + (1 - item.answerIndex)}` : `${1 + item.answerIndex}`,
      ),
      'judge:1b',
    );
    const { result } = await runBenchmark(
      planBenchmark({ benchmark: 'identifier-swap', items: swapItems }, settings),
      { tag: 'judge:1b', round: null },
      options(),
    );
    expect(result).toMatchObject({
      items: 6,
      answered: 6,
      correct: 0,
      accuracy: 0,
      accuracyAnswered: 0,
      unanswered: 0,
      positionBias: 0,
    });
  });

  it('swap: reads the first digit, counts replies without a usable digit as unanswered', async () => {
    const replies: Record<string, string> = {
      'row-1/0': 'Candidate 2 is correct.', // right (correct body second in order 0)
      'row-1/1': '1', // right
      'row-2/0': 'I cannot tell.', // no digit
      'row-2/1': '```\n1\n```', // right
      'row-3/0': 'Answer: 1', // wrong
      'row-3/1': '3', // names no candidate
    };
    ollama.setResponder(
      swapResponder(swapItems, (item, order) => replies[`${item.id}/${order}`]!),
      'judge:1b',
    );
    const plan = planBenchmark({ benchmark: 'identifier-swap', items: swapItems }, settings);
    const { result } = await runBenchmark(plan, { tag: 'judge:1b', round: null }, options());
    expect(result).toMatchObject({
      items: 6,
      answered: 4,
      correct: 3,
      accuracy: 0.5,
      accuracyAnswered: 0.75,
      unanswered: 2,
    });
    // Correct body first (order 1): 2 right of 3; second (order 0): 1 right of 3.
    expect(result.positionBias).toBeCloseTo(1 / 3, 12);
    const stored = await store.answers('', 'identifier-swap', 'judge:1b');
    const failures = [...stored.values()]
      .filter((a) => a.answer === null)
      .map((a) => `${a.itemId}/${a.variant}: ${a.failure}`);
    expect(failures.sort()).toEqual(['row-2/0: no digit in the reply', 'row-3/1: first digit 3 names no candidate']);
  });

  it('defect detection: 9 samples per item at temperature 1, majority vote, ties and unreadable samples unanswered', async () => {
    const yes = '{"vulnerability": true}';
    const no = '```json\n{"vulnerability": false}\n```';
    const script: Record<string, string[]> = {
      // vulnerable: 5 yes, 4 no -> yes, right
      '0': [yes, no, yes, no, yes, no, yes, no, yes],
      // not vulnerable: 4 yes, 4 no, 1 unreadable -> tie, unanswered
      '1': [yes, yes, no, no, 'I am not sure', yes, no, yes, no],
      // vulnerable: 3 yes (one as the string "yes"), 6 no -> no, wrong
      '2': ['Sure: {"vulnerability": "yes"}', yes, yes, no, no, no, no, no, no],
      // not vulnerable: 2 readable no, 7 unreadable -> no, right
      '3': [no, 'no', '{"vuln": false}', '{"vulnerability": maybe}', '', 'false', no, '{"vulnerability": null}', '[]'],
    };
    ollama.setResponder(sampleResponder('defect-detection', 0, script), 'judge:1b');
    const plan = planBenchmark({ benchmark: 'defect-detection', items: defectItems }, settings);
    const { result, asked } = await runBenchmark(plan, { tag: 'judge:1b', round: 2 }, options());
    expect(asked).toBe(36);
    expect(result).toMatchObject({
      benchmark: 'defect-detection',
      round: 2,
      items: 4,
      answered: 3,
      correct: 2,
      accuracy: 0.5,
      unanswered: 1,
      positionBias: null,
    });
    expect(result.accuracyAnswered).toBeCloseTo(2 / 3, 12);
    const calls = ollama.calls('judge:1b');
    expect(calls.every((c) => c.options.temperature === 1 && c.options.num_predict === 64)).toBe(true);
    expect(new Set(calls.map((c) => c.options.seed)).size).toBe(36);
    expect(calls[0]!.messages[0]!.content).toContain('{"vulnerability": true}');
  });

  it('PySecDB, chain of thought: the answer is read after the "# Answer" heading', async () => {
    const items = await loadPySecDb(path.join(fixtures, 'pysecdb.json'));
    const cot = (answer: string): string =>
      `# Analysis\nThe patch {"vulnerability": false} changes a check.\n# Answer\n${answer}\n`;
    const script: Record<string, string[]> = {
      '1': [cot('{"vulnerability": true}'), cot('{"vulnerability": true}'), cot('{"vulnerability": false}')],
      '2': [
        cot('```json\n{"vulnerability": false}\n```'),
        '# Analysis\nno heading {"vulnerability": false}',
        cot('{"vulnerability": false}'),
      ],
      '3': [cot('{"vulnerability": false}'), cot('{"vulnerability": false}'), '## Answer: {"vulnerability": true}'],
    };
    ollama.setResponder(sampleResponder('pysecdb', 7, script), 'judge:1b');
    const plan = planBenchmark(
      { benchmark: 'pysecdb', items },
      { ...settings, samples: 3, chainOfThought: true, seed: 7 },
    );
    const { result } = await runBenchmark(plan, { tag: 'judge:1b', round: null }, options());
    expect(result).toMatchObject({ benchmark: 'pysecdb-cot', items: 3, answered: 3, correct: 2, unanswered: 0 });
    expect(ollama.calls('judge:1b').every((c) => c.options.num_predict === 2048)).toBe(true);
    const stored = await store.answers('', 'pysecdb-cot', 'judge:1b');
    expect([...stored.values()].filter((a) => a.answer === null).map((a) => a.failure)).toEqual([
      'no "# Answer" heading',
    ]);
  });

  it('a reply cut by num_predict is recorded as truncated, not as a wrong answer', async () => {
    ollama.setResponder(
      swapResponder(swapItems, () => 'Let me think', { doneReason: 'length' }),
      'judge:1b',
    );
    const { result } = await runBenchmark(
      planBenchmark({ benchmark: 'identifier-swap', items: swapItems.slice(0, 1) }, settings),
      { tag: 'judge:1b', round: null },
      options(),
    );
    expect(result).toMatchObject({
      items: 2,
      answered: 0,
      correct: 0,
      unanswered: 2,
      accuracyAnswered: null,
      positionBias: 0,
    });
    const stored = [...(await store.answers('', 'identifier-swap', 'judge:1b')).values()];
    expect(stored.map((a) => a.failure)).toEqual([
      'truncated at num_predict 16: no digit in the reply',
      'truncated at num_predict 16: no digit in the reply',
    ]);
  });

  it('refuses a plan whose prompts may not fit num_ctx before asking anything', async () => {
    const plan = planBenchmark({ benchmark: 'identifier-swap', items: swapItems }, { ...settings, numCtx: 256 });
    const err = await runBenchmark(plan, { tag: 'judge:1b', round: null }, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as Error).message).toMatch(
      /^identifier-swap: 6 queries may not fit num_ctx 256 \(largest: item row-\d, up to \d+ tokens with the reply\); .*rerun with --num-ctx 1024 or leave those items out$/,
    );
    expect(ollama.calls()).toHaveLength(0);
    expect((await store.answers('', 'identifier-swap', 'judge:1b')).size).toBe(0);
  });

  it('a reply that filled the context window is an error, and its answer is not stored', async () => {
    const plan = planBenchmark({ benchmark: 'identifier-swap', items: swapItems.slice(0, 1) }, settings);
    // The stand-in counts a prompt token per character and a reply token per 4 characters; a context
    // just large enough for the prompt bound is filled by a long reply.
    const tight = { ...settings, numCtx: Math.max(...plan.queries.map((q) => q.messages[0]!.content.length)) + 100 };
    ollama.setResponder(
      swapResponder(swapItems, () => '2' + ' because'.repeat(100)),
      'judge:1b',
    );
    const err = await runBenchmark(
      planBenchmark({ benchmark: 'identifier-swap', items: swapItems.slice(0, 1) }, tight),
      { tag: 'judge:1b', round: null },
      { ...options(), concurrency: 1 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as Error).message).toMatch(
      /^identifier-swap item row-1 order \d: the prompt and reply filled the context window \(\d+ prompt \+ 201 reply tokens, num_ctx \d+\)/,
    );
    expect((await store.answers('', 'identifier-swap', 'judge:1b')).size).toBe(0);
  });

  it('a missing model is a clear error before any query', async () => {
    const err = await runBenchmark(
      planBenchmark({ benchmark: 'identifier-swap', items: swapItems }, settings),
      { tag: 'absent:7b', round: null },
      options(),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/model absent:7b is not available on OLLAMA_HOST .*ollama pull absent:7b/);
    expect(ollama.calls()).toHaveLength(0);
  });
});
