// `sinq eval` as a user runs it: the verb's help, resuming after a kill without asking a stored
// query again, and a campaign's model versions evaluated into its episodes.db.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SwapItem } from '../../eval/items';
import { loadIdentifierSwap } from '../../eval/loaders/identifier-swap';
import { EvalStore } from '../../eval/store';
import { EpisodeStore } from '../../store/episode-store';
import { episodesDbPath } from '../../store/paths';
import { ModelRegistry } from '../../training/registry';
import { smallCampaign } from '../campaign/helpers';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';
import { fixtures, swapQueryOf, swapResponder } from './helpers';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const sinq = path.join(repoRoot, 'bin', 'sinq.js');
const swapData = path.join(fixtures, 'swap.csv');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string>): { done: Promise<Finished>; kill: () => void } {
  const child = spawn(process.execPath, [sinq, 'eval', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

async function storedCount(file: string, campaignId: string, benchmark: string, model: string): Promise<number> {
  const store = await EvalStore.open(file);
  try {
    return (await store.answers(campaignId, benchmark, model)).size;
  } finally {
    store.close();
  }
}

describe('sinq eval', () => {
  let ollama: OllamaStandIn;
  let dir: string;
  let items: SwapItem[];
  beforeAll(async () => {
    items = await loadIdentifierSwap(swapData);
  });
  beforeEach(async () => {
    ollama = await startOllamaStandIn({
      models: ['judge:1b', 'base:1b', 'sinq-evaluator:c1-r1', 'sinq-generator:c1-r1'],
    });
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-eval-cli-'));
  });
  afterEach(async () => {
    await ollama.close();
  });

  it('--help lists the three benchmarks', async () => {
    const { code, stdout } = await start(['--help'], {}).done;
    expect(code).toBe(0);
    for (const name of ['identifier-swap', 'defect-detection', 'pysecdb']) expect(stdout).toContain(name);
  });

  it('a bad flag or a missing data file is a clear error', async () => {
    const noModel = await start(['identifier-swap', '--data', swapData], {}).done;
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('--model ollama:<tag>[,…] or --campaign ID is required');
    const noData = await start(['pysecdb', '--model', 'ollama:judge:1b'], {}).done;
    expect(noData.stderr).toContain('pysecdb needs --data FILE');
    const badRow = await start(
      [
        'defect-detection',
        '--model',
        'ollama:judge:1b',
        '--dir',
        dir,
        '--data',
        path.join(fixtures, 'defect-detection-bad-target.jsonl'),
      ],
      { OLLAMA_HOST: ollama.url },
    ).done;
    expect(badRow.code).toBe(1);
    expect(badRow.stderr).toContain('defect-detection-bad-target.jsonl:4: not a defect-detection row');
  }, 60_000);

  it('resumes after a kill and never asks a stored query again', async () => {
    // Slow replies, one at a time, so the kill lands mid-run.
    ollama.setResponder(
      swapResponder(items, () => '2', { headerDelayMs: 250 }),
      'judge:1b',
    );
    const args = [
      'identifier-swap',
      '--model',
      'ollama:judge:1b',
      '--data',
      swapData,
      '--dir',
      dir,
      '--concurrency',
      '1',
      '--json',
    ];
    const env = { OLLAMA_HOST: ollama.url };
    const store = path.join(dir, 'eval', 'eval.db');
    const first = start(args, env);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const count = await storedCount(store, '', 'identifier-swap', 'judge:1b').catch(() => 0);
      if (count >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.kill();
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const answeredBefore = await storedCount(store, '', 'identifier-swap', 'judge:1b');
    expect(answeredBefore).toBeGreaterThanOrEqual(2);
    expect(answeredBefore).toBeLessThan(6);
    const callsBefore = ollama.calls('judge:1b').length;

    const second = await start(args, env).done;
    expect(second.code).toBe(0);
    const [result] = JSON.parse(second.stdout) as Array<Record<string, unknown>>;
    // Always "2": right in order 0 (correct body second), wrong in order 1.
    expect(result).toMatchObject({
      campaignId: '',
      benchmark: 'identifier-swap',
      model: 'judge:1b',
      round: null,
      items: 6,
      answered: 6,
      correct: 3,
      positionBias: -1,
    });
    const asked = ollama.calls('judge:1b').map((call) => {
      const { item, order } = swapQueryOf(items, call);
      return `${item.id}/${order}`;
    });
    const secondRun = asked.slice(callsBefore);
    // The second run asks exactly the queries without a stored answer.
    expect(secondRun).toHaveLength(6 - answeredBefore);
    expect(new Set(secondRun).size).toBe(secondRun.length);
    expect(await storedCount(store, '', 'identifier-swap', 'judge:1b')).toBe(6);
    // A third run asks nothing and reports the same row.
    const third = await start(args, env).done;
    expect(ollama.calls('judge:1b')).toHaveLength(asked.length);
    expect(JSON.parse(third.stdout)).toEqual([{ ...result, finishedAt: expect.any(Number) as number }]);
  }, 90_000);

  it('SIGTERM stops the run with a message, and the next run finishes it', async () => {
    ollama.setResponder(
      swapResponder(items, () => '1', { headerDelayMs: 250 }),
      'judge:1b',
    );
    const args = [
      'identifier-swap',
      '--model',
      'ollama:judge:1b',
      '--data',
      swapData,
      '--dir',
      dir,
      '--concurrency',
      '1',
      '--json',
    ];
    const env = { OLLAMA_HOST: ollama.url };
    const store = path.join(dir, 'eval', 'eval.db');
    const child = spawn(process.execPath, [sinq, 'eval', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await storedCount(store, '', 'identifier-swap', 'judge:1b').catch(() => 0)) < 1)
      await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    expect(await closed).toBe(130);
    expect(stderr).toMatch(
      /sinq eval: interrupted by SIGTERM; the answers so far are stored in .*eval\.db; run the same command again to continue/,
    );
    const rerun = await start(args, env).done;
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject([{ items: 6, answered: 6, correct: 3, positionBias: 1 }]);
  }, 90_000);

  it('--campaign without an Ollama model says so', async () => {
    const episodes = await EpisodeStore.open(episodesDbPath(dir, 'offline'));
    await episodes.upsertCampaign('offline', smallCampaign(), 'completed');
    episodes.close();
    const { code, stderr } = await start(
      ['identifier-swap', '--campaign', 'offline', '--dir', dir, '--data', swapData],
      { OLLAMA_HOST: ollama.url },
    ).done;
    expect(code).toBe(1);
    expect(stderr).toContain(
      'campaign offline has no Ollama model to evaluate (no ollama player, no registered model); pass --model ollama:<tag>',
    );
    const unknown = await start(['identifier-swap', '--campaign', 'nope', '--dir', dir, '--data', swapData], {}).done;
    expect(unknown.stderr).toContain("no campaign 'nope' in");
  }, 60_000);

  it('--campaign evaluates the base model and every registered version into the campaign store', async () => {
    const file = episodesDbPath(dir, 'c1');
    const episodes = await EpisodeStore.open(file);
    await episodes.upsertCampaign('c1', smallCampaign({ generator: { policy: 'ollama:base:1b' } }), 'completed');
    episodes.close();
    const registry = await ModelRegistry.open(file);
    for (const role of ['generator', 'evaluator'] as const) {
      await registry.record({
        campaignId: 'c1',
        role,
        round: 1,
        kind: 'model',
        tag: `sinq-${role}:c1-r1`,
        policy: 'ollama:base:1b',
        baseModel: 'base:1b',
        adapterDigest: 'sha256:x',
        trainingSetDigest: 'd',
        policyState: null,
        metrics: {},
      });
    }
    registry.close();
    ollama.setResponder(swapResponder(items, (item, order) => (order === 0 ? '2' : '1')));
    const { code, stdout, stderr } = await start(
      ['identifier-swap', '--campaign', 'c1', '--dir', dir, '--data', swapData, '--limit', '2'],
      { OLLAMA_HOST: ollama.url },
    ).done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^benchmark\s+model\s+round\s+items\s+accuracy\s+acc\. answered\s+unanswered\s+position bias$/,
    );
    expect(lines.slice(2, 5).map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      ['identifier-swap', 'base:1b', 'base', '4', '100.00 %'],
      ['identifier-swap', 'sinq-evaluator:c1-r1', '1', '4', '100.00 %'],
      ['identifier-swap', 'sinq-generator:c1-r1', '1', '4', '100.00 %'],
    ]);
    const store = await EvalStore.open(file);
    try {
      const rows = await store.results('c1', 'identifier-swap');
      expect(
        rows.map((r) => [
          r.model,
          r.round,
          r.items,
          r.correct,
          r.accuracy,
          r.accuracyAnswered,
          r.unanswered,
          r.positionBias,
        ]),
      ).toEqual([
        ['base:1b', null, 4, 4, 1, 1, 0, 0],
        ['sinq-evaluator:c1-r1', 1, 4, 4, 1, 1, 0, 0],
        ['sinq-generator:c1-r1', 1, 4, 4, 1, 1, 0, 0],
      ]);
    } finally {
      store.close();
    }
  }, 90_000);
});
