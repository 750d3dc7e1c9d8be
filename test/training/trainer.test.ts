import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../lib/process';
import { AdapterError, validateAdapterOutput } from '../../training/adapter';
import { expandArgv, parseProgress, runTrainer, TrainerError, type TrainerProgress } from '../../training/trainer';

const standIn = path.resolve(import.meta.dirname, '../stand-ins/trainer.py');
const argv = (...extra: string[]): string[] => ['python3', standIn, '--dataset', '{dataset}', '--base-model', '{baseModel}', '--output-dir', '{outputDir}', '--checkpoint-dir', '{checkpointDir}', ...extra];

let dir: string;
let values: { dataset: string; baseModel: string; outputDir: string; checkpointDir: string };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-trainer-'));
  values = { dataset: path.join(dir, 'generator.jsonl'), baseModel: 'base/model', outputDir: path.join(dir, 'out'), checkpointDir: path.join(dir, 'ckpt') };
  writeFileSync(values.dataset, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }) + '\n');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('trainer command', () => {
  it('fills the placeholders and refuses unknown ones', () => {
    expect(expandArgv(['t', '--data={dataset}', '{baseModel}', '{outputDir}/x', '{checkpointDir}'], values)).toEqual(['t', `--data=${values.dataset}`, 'base/model', `${values.outputDir}/x`, values.checkpointDir]);
    expect(() => expandArgv(['t', '{datasett}'], values)).toThrow(/unknown placeholder \{datasett\}/);
    expect(() => expandArgv([], values)).toThrow(TrainerError);
  });

  it('reads JSON and text progress lines', () => {
    expect(parseProgress('{"step": 3, "total": 10, "loss": 0.25}')).toMatchObject({ step: 3, total: 10, loss: 0.25 });
    expect(parseProgress('{"loss": 0.1, "step": 7, "max_steps": 9}')).toMatchObject({ step: 7, total: 9, loss: 0.1 });
    expect(parseProgress('train | step 12/40 | loss=1.5e-1')).toMatchObject({ step: 12, total: 40, loss: 0.15 });
    expect(parseProgress('loading weights')).toBeNull();
    expect(parseProgress('{"epoch": 1}')).toBeNull();
  });

  it('runs to completion, reports progress and leaves a valid adapter', async () => {
    const progress: TrainerProgress[] = [];
    const result = await runTrainer({ argv: argv('--steps', '4'), values, onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(result.lastProgress).toMatchObject({ step: 4, total: 4 });
    const artifact = await validateAdapterOutput(values.outputDir);
    expect(artifact.format).toBe('safetensors');
    expect(artifact.files.map((f) => f.name)).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    if (artifact.format === 'safetensors') expect(artifact.tensors).toBe(2);
  });

  it('kills the whole process group on cancel, and a rerun resumes from the checkpoint', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = runTrainer({
      argv: argv('--steps', '40', '--step-delay', '0.05', '--spawn-helper'),
      values,
      signal: controller.signal,
      killGraceMs: 2_000,
      onProgress: (p) => {
        seen.push(p.step);
        if (p.step === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'E_TRAINER_CANCELLED' });
    const helper = Number(readFileSync(path.join(values.checkpointDir, 'helper.pid'), 'utf8'));
    // The helper the trainer started went down with it.
    await expect.poll(() => isProcessAlive(helper), { timeout: 5_000 }).toBe(false);
    const saved = (JSON.parse(readFileSync(path.join(values.checkpointDir, 'checkpoint.json'), 'utf8')) as { step: number }).step;
    expect(saved).toBeGreaterThanOrEqual(3);
    expect(saved).toBeLessThan(40);
    await expect(validateAdapterOutput(values.outputDir)).rejects.toMatchObject({ code: 'E_ADAPTER_MISSING' });

    const resumed: number[] = [];
    await runTrainer({ argv: argv('--steps', '40'), values, onProgress: (p) => resumed.push(p.step) });
    expect(resumed[0]).toBe(saved + 1);
    expect(resumed.at(-1)).toBe(40);
    const log = JSON.parse(readFileSync(path.join(values.outputDir, 'training_log.json'), 'utf8')) as { start_step: number };
    expect(log.start_step).toBe(saved);
  });

  it('reports a failing trainer with its last output, and a missing program', async () => {
    await expect(runTrainer({ argv: argv('--steps', '5', '--fail-at', '2'), values })).rejects.toSatisfy(
      (err: unknown) => err instanceof TrainerError && err.code === 'E_TRAINER_FAILED' && err.message.includes('simulated failure at step 2'),
    );
    await expect(runTrainer({ argv: ['/nonexistent/trainer', '{dataset}'], values })).rejects.toMatchObject({ code: 'E_TRAINER_SPAWN' });
  });
});

describe('adapter output', () => {
  it('accepts a GGUF LoRA file and rejects broken files', async () => {
    await runTrainer({ argv: argv('--steps', '1', '--format', 'gguf'), values });
    const gguf = await validateAdapterOutput(values.outputDir);
    expect(gguf).toMatchObject({ format: 'gguf', files: [{ name: 'adapter.gguf' }] });

    writeFileSync(path.join(values.outputDir, 'adapter.gguf'), 'not gguf');
    await expect(validateAdapterOutput(values.outputDir)).rejects.toMatchObject({ code: 'E_ADAPTER_GGUF' });

    const broken = path.join(dir, 'broken');
    await runTrainer({ argv: argv('--steps', '1', '--format', 'broken'), values: { ...values, outputDir: broken, checkpointDir: path.join(dir, 'c2') } });
    await expect(validateAdapterOutput(broken)).rejects.toSatisfy((err: unknown) => err instanceof AdapterError && err.code === 'E_ADAPTER_SAFETENSORS');

    writeFileSync(path.join(broken, 'adapter_model.safetensors'), Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]));
    await expect(validateAdapterOutput(broken)).rejects.toThrow(/no tensors/);
    writeFileSync(path.join(broken, 'adapter_config.json'), '{oops');
    await expect(validateAdapterOutput(broken)).rejects.toMatchObject({ code: 'E_ADAPTER_CONFIG' });
    await expect(validateAdapterOutput(path.join(dir, 'nothing-here'))).rejects.toMatchObject({ code: 'E_ADAPTER_MISSING' });
  });
});
