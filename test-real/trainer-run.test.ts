// The reference trainer end to end on CPU: sinq's own training set (study recipe) fine-tunes a tiny
// random Llama through runTrainer, and the adapter passes sinq's adapter check. Needs the trainer
// venv (deploy/setup-trainer.sh; npm run test:real installs it first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateAdapterOutput } from '../training/adapter';
import { writeTrainingSets } from '../training/files';
import { buildTrainingSets, studyTrainingSetOptions } from '../training/sets';
import { runTrainer, type TrainerProgress } from '../training/trainer';
import { record } from '../test/training/records';

const root = path.resolve(import.meta.dirname, '..');
const python = path.join(root, '.sinq', 'tools', 'trainer-venv', 'bin', 'python');
const installed = existsSync(python);
if (!installed) throw new Error(`trainer-run: the trainer venv is not installed (${python}); run: bash deploy/setup-trainer.sh (npm run test:real does)`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-trainer-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train.py on a tiny model (real, needs deploy/setup-trainer.sh)', () => {
  it('fine-tunes on a study training set and writes an adapter sinq accepts', { timeout: 300_000 }, async () => {
    const model = path.join(dir, 'model');
    const made = spawnSync(python, [path.join(root, 'test-real', 'tiny_model.py'), model], { encoding: 'utf8', timeout: 120_000 });
    expect(made.status, made.stderr.slice(-2_000)).toBe(0);

    const records = [
      ...[6, 8, 9].map((d, i) => record({ taskId: `h${i}`, difficulty: d, kills: ['havoc', null] })),
      ...[0, 1, 2, 3].map((d, i) => record({ taskId: `e${i}`, difficulty: d, kills: ['havoc', 'havoc'] })),
    ];
    const sets = buildTrainingSets(records, { ...studyTrainingSetOptions, difficulty: 'recorded', seed: 1 });
    const manifest = writeTrainingSets(path.join(dir, 'dataset'), sets, { campaignId: 'real', throughRound: 0, seed: 1 });
    expect(manifest.files.generator.count).toBeGreaterThan(0);

    const progress: TrainerProgress[] = [];
    const output: string[] = [];
    await runTrainer({
      argv: [python, path.join(root, 'training', 'trainer', 'train.py'), '--dataset', '{dataset}', '--base-model', '{baseModel}', '--output-dir', '{outputDir}', '--checkpoint-dir', '{checkpointDir}', '--epochs', '1', '--grad-accum', '1', '--target-modules', 'q_proj,v_proj'],
      values: { dataset: path.join(dir, 'dataset', manifest.files.generator.file), baseModel: model, outputDir: path.join(dir, 'output'), checkpointDir: path.join(dir, 'checkpoints') },
      onProgress: (p) => progress.push(p),
      onLine: (line) => output.push(line),
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${output.slice(-30).join('\n')}`);
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.step).toBe(progress.at(-1)?.total);
    expect(progress.some((p) => p.loss !== null && Number.isFinite(p.loss))).toBe(true);
    const artifact = await validateAdapterOutput(path.join(dir, 'output'));
    expect(artifact.format).toBe('safetensors');
    const config = JSON.parse(readFileSync(path.join(dir, 'output', 'adapter_config.json'), 'utf8')) as { base_model_name_or_path?: string; target_modules?: string[] };
    expect(config.base_model_name_or_path).toBe(model);
    expect([...(config.target_modules ?? [])].sort()).toEqual(['q_proj', 'v_proj']);
  });
});
