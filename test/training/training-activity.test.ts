import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing/lib/mocking-activity-environment';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainRoundResult } from '../../activities/index';
import { createTrainingActivities, trainingDir } from '../../activities/training';
import { silentLogger } from '../../lib/log';
import { campaignConfigSchema } from '../../machines/campaign-config';
import type { EpisodeRecord } from '../../machines/types';
import { EpisodeStore } from '../../store/episode-store';
import { checkAdapterBase } from '../../training/ollama-register';
import { ModelRegistry } from '../../training/registry';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';
import { record } from './records';

const standInTrainer = path.resolve(import.meta.dirname, '../stand-ins/trainer.py');
const BASE = 'base-coder:1b';

let dir: string;
let store: EpisodeStore;
let ollama: OllamaStandIn;

function llmRecord(taskId: string, difficulty: number, round = 0): EpisodeRecord {
  const r = record({ taskId, difficulty, round, kills: ['havoc', null, null] });
  return { ...r, generator: { policy: `ollama:${BASE}` }, evaluator: { policy: `ollama:${BASE}` } };
}

/** Stores the campaign (its config is written once) and round 0's records; `ollamaHost: null` leaves it to the worker. */
async function setUp(trainerExtra: string[] = [], ollamaHost?: string | null, trainingExtra: Record<string, unknown> = {}): Promise<void> {
  const config = campaignConfigSchema.parse({
    taskSet: 'data/tasks.jsonl',
    rounds: 3,
    generator: { policy: 'ollama', model: BASE },
    evaluator: { policy: 'ollama', model: BASE },
    attempts: 3,
    targetDifficulty: 8,
    concurrency: 2,
    seed: 5,
    training: {
      trainer: ['python3', standInTrainer, '--dataset', '{dataset}', '--base-model', '{baseModel}', '--output-dir', '{outputDir}', '--checkpoint-dir', '{checkpointDir}', ...trainerExtra],
      generatorBase: 'Org/Base-Coder-1B',
      evaluatorBase: 'Org/Base-Coder-1B',
      ...(ollamaHost === null ? {} : { ollamaHost: ollamaHost ?? ollama.url }),
      ...trainingExtra,
    },
  });
  await store.upsertCampaign('c1', config, 'running');
  for (const r of [llmRecord('a', 8), llmRecord('b', 6.7), llmRecord('c', 0), llmRecord('d', 1)]) await store.recordEpisode(r);
}

const input = { campaignId: 'c1', round: 0, generator: { policy: `ollama:${BASE}` }, evaluator: { policy: `ollama:${BASE}` } };

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-train-activity-'));
  store = await EpisodeStore.open(path.join(dir, 'campaigns', 'c1', 'episodes.db'));
  ollama = await startOllamaStandIn({ models: [BASE] });
});

afterEach(async () => {
  store.close();
  await ollama.close();
  rmSync(dir, { recursive: true, force: true });
});

function activities(ollamaHost?: string) {
  return createTrainingActivities({ store: () => Promise.resolve(store), log: silentLogger, ...(ollamaHost !== undefined ? { ollamaHost } : {}) });
}

async function registryRows(): Promise<number> {
  const registry = await ModelRegistry.open(store.file);
  try {
    return (await registry.list('c1')).length;
  } finally {
    registry.close();
  }
}

describe('trainRound for LLM players', () => {
  it('fine-tunes, uploads blobs once, creates sinq-<role>:<campaign>-r<k> from the base and records it once', async () => {
    await setUp();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result: TrainRoundResult = await env.run(activities().trainRound, input);
    expect(result.generator).toEqual({ policy: `ollama:${BASE}`, model: 'sinq-generator:c1-r0' });
    expect(result.evaluator).toEqual({ policy: `ollama:${BASE}`, model: 'sinq-evaluator:c1-r0' });
    // Trainer progress arrived as heartbeat details.
    expect(beats.some((d) => typeof d === 'object' && d !== null && (d as { step?: number }).step === 5)).toBe(true);

    const created = ollama.models.get('sinq-generator:c1-r0')?.created as { from?: string; adapters?: Record<string, string> } | undefined;
    expect(created?.from).toBe(BASE);
    expect(Object.keys(created?.adapters ?? {}).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    for (const digest of Object.values(created?.adapters ?? {})) expect(ollama.blobs.has(digest)).toBe(true);
    const shows = ollama.requests.filter((r) => r.path === '/api/show');
    expect(shows.length).toBeGreaterThanOrEqual(2);

    const registry = await ModelRegistry.open(store.file);
    const row = await registry.get('c1', 'generator', 0);
    registry.close();
    expect(row).toMatchObject({ kind: 'model', tag: 'sinq-generator:c1-r0', baseModel: BASE, adapterDigest: created?.adapters?.['adapter_model.safetensors'] });
    expect(row?.trainingSetDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.metrics).toMatchObject({ episodes: 4, valid: 4 });
    const manifest = JSON.parse(readFileSync(path.join(trainingDir(store, 0, 'generator'), 'dataset', 'manifest.json'), 'utf8')) as { digest: string; counts: { hard: number } };
    expect(manifest.digest).toBe(row?.trainingSetDigest);
    expect(manifest.counts.hard).toBe(2);

    // A retry of the whole step: no new model, no new row, no new upload, no new training run.
    const posts = ollama.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/blobs/')).length;
    const again = await activities().trainRound(input);
    expect(again).toEqual({ ...result, note: again.note });
    expect(await registryRows()).toBe(2);
    expect(ollama.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/blobs/')).length).toBe(posts);
    expect([...ollama.models.keys()].filter((m) => m.startsWith('sinq-')).sort()).toEqual(['sinq-evaluator:c1-r0', 'sinq-generator:c1-r0']);
  });

  it('after a crash between training and registering, the retry registers without training again', async () => {
    // First attempt: Ollama goes away after the trainer has finished (it was there for the base check).
    await setUp([], null);
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    let closing: Promise<void> | null = null;
    env.on('heartbeat', (d: unknown) => {
      if (closing === null && typeof d === 'object' && d !== null && (d as { phase?: string }).phase === 'registering') closing = ollama.close();
    });
    await expect(env.run(activities(ollama.url).trainRound, input)).rejects.toMatchObject({ type: 'E_OLLAMA_UNREACHABLE', nonRetryable: false });
    await closing;
    ollama = await startOllamaStandIn({ models: [BASE] });
    expect(await registryRows()).toBe(0);
    const runs = (): number => readFileSync(path.join(trainingDir(store, 0, 'generator'), 'checkpoints', 'runs.log'), 'utf8').trim().split('\n').length;
    expect(runs()).toBe(1);

    const result = await activities(ollama.url).trainRound(input);
    expect(result.generator.model).toBe('sinq-generator:c1-r0');
    expect(runs()).toBe(1);
    expect(await registryRows()).toBe(2);
  });

  it('a cancelled step stops the trainer; the retry resumes from its checkpoint', async () => {
    await setUp(['--steps', '60', '--step-delay', '0.05']);
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    env.on('heartbeat', (d: unknown) => {
      if (typeof d === 'object' && d !== null && (d as { step?: number }).step === 3) env.cancel('CANCELLED');
    });
    await expect(env.run(activities().trainRound, input)).rejects.toThrow();
    const checkpoint = path.join(trainingDir(store, 0, 'generator'), 'checkpoints', 'checkpoint.json');
    const saved = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { step: number }).step;
    expect(saved).toBeGreaterThanOrEqual(3);
    expect(saved).toBeLessThan(60);
    expect(await registryRows()).toBe(0);
    expect(existsSync(path.join(trainingDir(store, 0, 'generator'), 'trained.json'))).toBe(false);

    await setUp(['--steps', '60']);
    const result = await activities().trainRound(input);
    expect(result.generator.model).toBe('sinq-generator:c1-r0');
    const log = JSON.parse(readFileSync(path.join(trainingDir(store, 0, 'generator'), 'output', 'training_log.json'), 'utf8')) as { start_step: number };
    expect(log.start_step).toBe(saved);
  });

  it('keeps players unchanged when no trainer is configured', async () => {
    await store.upsertCampaign(
      'c1',
      campaignConfigSchema.parse({ taskSet: 'x', rounds: 2, generator: { policy: 'ollama', model: BASE }, evaluator: { policy: 'ollama', model: BASE }, attempts: 1, targetDifficulty: 5, concurrency: 1, seed: 1 }),
      'running',
    );
    const result = await activities().trainRound(input);
    expect(result.generator).toEqual(input.generator);
    expect(result.note).toContain('no training configured');
    expect(await registryRows()).toBe(0);
  });

  it("checks the base's architecture with Ollama before training, and names what imports", async () => {
    await ollama.close();
    ollama = await startOllamaStandIn({ models: [BASE], architectures: { [BASE]: 'qwen2' } });
    await setUp();
    const failure = activities().trainRound(input);
    await expect(failure).rejects.toMatchObject({ type: 'E_OLLAMA_ARCHITECTURE', nonRetryable: true });
    await expect(failure).rejects.toThrow(/architecture qwen2.*llama, gemma2.*GGUF.*adapterFormat: gguf/);
    // Nothing was trained: no trainer run, no model, no registry row.
    expect(existsSync(path.join(trainingDir(store, 0, 'generator'), 'checkpoints', 'runs.log'))).toBe(false);
    expect([...ollama.models.keys()].filter((m) => m.startsWith('sinq-'))).toEqual([]);
    expect(await registryRows()).toBe(0);
    const show = ollama.requests.find((r) => r.path === '/api/show');
    expect(show?.body).toEqual({ model: BASE });

    // A GGUF adapter goes on any architecture; a safetensors one on llama.
    expect(await checkAdapterBase({ host: ollama.url, base: BASE, adapterFormat: 'gguf' })).toBe('qwen2');
    ollama.models.set('llama-base:latest', { ...ollama.addModel('llama-base'), architecture: 'llama' });
    expect(await checkAdapterBase({ host: ollama.url, base: 'llama-base', adapterFormat: 'safetensors' })).toBe('llama');
  });

  it('a base model Ollama does not have stops the step before training', async () => {
    await ollama.close();
    ollama = await startOllamaStandIn({ models: [] });
    await setUp();
    await expect(activities().trainRound(input)).rejects.toThrow(/base model base-coder:1b .*HTTP 404.*ollama pull base-coder:1b/);
    expect(existsSync(path.join(trainingDir(store, 0, 'generator'), 'checkpoints', 'runs.log'))).toBe(false);
  });

  it('trains the evaluator once under the study schedule, the generator every round', async () => {
    await setUp([], undefined, { evaluatorSchedule: 'once' });
    const first = await activities().trainRound(input);
    expect(first.evaluator.model).toBe('sinq-evaluator:c1-r0');
    for (const r of [llmRecord('a', 9, 1), llmRecord('b', 7, 1)]) await store.recordEpisode(r);
    const second = await activities().trainRound({ campaignId: 'c1', round: 1, generator: first.generator, evaluator: first.evaluator });
    expect(second.generator.model).toBe('sinq-generator:c1-r1');
    expect(second.evaluator).toEqual(first.evaluator);
    expect(second.note).toContain('evaluator: trained once (round 0)');
    expect(ollama.models.has('sinq-evaluator:c1-r1')).toBe(false);
  });
});
