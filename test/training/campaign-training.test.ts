// The training step inside a real campaign workflow (embedded engine, real Worker): LLM players are
// fine-tuned by the stand-in trainer and registered on the Ollama stand-in between rounds, round 1
// plays with the new tags, and cancelling the campaign during training kills the trainer.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../lib/process';
import { divergingSandbox as sandbox, scriptedPlayers, startWorkflowHarness, type WorkflowHarness } from '../workflows/harness';
import type { Task } from '../../game/types';
import type { StoreCache } from '../../store/store-cache';
import { ModelRegistry } from '../../training/registry';
import { campaignStatusQuery, cancelSignal, type CampaignResult, type CampaignWorkflowInput } from '../../workflows/definitions';
import { smallCampaign } from '../campaign/helpers';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';

const BASE = 'base-coder:1b';
const standInTrainer = path.resolve(import.meta.dirname, '../stand-ins/trainer.py');

const tasks: Task[] = ['a', 'b'].map((id) => ({ id, description: id, source: 'def f(x):\n    return x\n', entryPoint: 'f', exampleInputs: ['{"x": 1}'], origin: 'sinq' }));
// The evaluator always fails: every play is hard.
const players = scriptedPlayers({ answer: () => ({ analysis: '', equivalent: true, divergingInput: null }) });

describe('training inside the campaign workflow', () => {
  let harness: WorkflowHarness;
  let client: Client;
  let stores: StoreCache;
  let taskQueue: string;
  let ollama: OllamaStandIn;

  beforeAll(async () => {
    ollama = await startOllamaStandIn({ models: [BASE] });
    harness = await startWorkflowHarness({ name: 'training-wf', sandbox, players, tasks });
    ({ client, stores, taskQueue } = harness);
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await ollama?.close();
  }, 60_000);

  const config = (trainerExtra: string[]) =>
    smallCampaign({
      rounds: 2,
      concurrency: 2,
      taskSet: 'scripted',
      generator: { policy: 'ollama', model: BASE },
      evaluator: { policy: 'ollama', model: BASE },
      training: {
        trainer: ['python3', standInTrainer, '--dataset', '{dataset}', '--base-model', '{baseModel}', '--output-dir', '{outputDir}', '--checkpoint-dir', '{checkpointDir}', ...trainerExtra],
        generatorBase: 'Org/Base-Coder-1B',
        ollamaHost: ollama.url,
      },
    });

  it('fine-tunes after round 0 and plays round 1 with the registered tag', async () => {
    const input: CampaignWorkflowInput = { campaignId: 'tw1', config: config(['--steps', '3']), searchAttributes: false, round: 0 };
    const handle = await client.workflow.start('campaignWorkflow', { workflowId: 'tw1', taskQueue, args: [input] });
    const result = (await handle.result()) as CampaignResult;
    expect(result.status).toBe('completed');
    const store = await stores.get('tw1');
    const round1 = (await Promise.all(tasks.map((t) => store.getEpisode(`tw1-r1-${t.id}`)))).map((r) => r?.versions.generator?.model);
    expect(round1).toEqual(['sinq-generator:tw1-r0', 'sinq-generator:tw1-r0']);
    const round0 = (await Promise.all(tasks.map((t) => store.getEpisode(`tw1-r0-${t.id}`)))).map((r) => r?.versions.generator?.model);
    expect(round0).toEqual([BASE, BASE]);
    // No evaluator base configured: the evaluator keeps its model.
    expect((await store.getEpisode('tw1-r1-a'))?.versions.evaluator?.model).toBe(BASE);
    expect(ollama.models.has('sinq-generator:tw1-r0')).toBe(true);
    const registry = await ModelRegistry.open(store.file);
    try {
      // The step after the last round trains too: its model is the campaign's final generator.
      expect((await registry.list('tw1')).map((r) => [r.role, r.round, r.tag])).toEqual([
        ['generator', 0, 'sinq-generator:tw1-r0'],
        ['generator', 1, 'sinq-generator:tw1-r1'],
      ]);
    } finally {
      registry.close();
    }
  }, 90_000);

  it('cancelling the campaign during training kills the trainer and ends cancelled', async () => {
    const input: CampaignWorkflowInput = { campaignId: 'tw2', config: config(['--steps', '400', '--step-delay', '0.05', '--spawn-helper']), searchAttributes: false, round: 0 };
    const handle = await client.workflow.start('campaignWorkflow', { workflowId: 'tw2', taskQueue, args: [input] });
    const store = await stores.get('tw2');
    const checkpoints = path.join(path.dirname(store.file), 'training', 'r0', 'generator', 'checkpoints');
    for (let i = 0; i < 300 && !existsSync(path.join(checkpoints, 'checkpoint.json')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await handle.query(campaignStatusQuery)).phase).toBe('training');
    const helper = Number(readFileSync(path.join(checkpoints, 'helper.pid'), 'utf8'));
    await handle.signal(cancelSignal);
    const result = (await handle.result()) as CampaignResult;
    expect(result.status).toBe('cancelled');
    await expect.poll(() => isProcessAlive(helper), { timeout: 10_000 }).toBe(false);
    const step = (JSON.parse(readFileSync(path.join(checkpoints, 'checkpoint.json'), 'utf8')) as { step: number }).step;
    expect(step).toBeLessThan(400);
    expect((await store.getCampaign('tw2'))?.status).toBe('cancelled');
    expect(ollama.models.has('sinq-generator:tw2-r0')).toBe(false);
  }, 90_000);
});
