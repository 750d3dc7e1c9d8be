import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadCampaignConfig } from '../../deploy/config-file';
import { SAFETENSORS_ADAPTER_ARCHITECTURES } from '../../training/ollama-register';
import { expandArgv } from '../../training/trainer';

const root = path.resolve(import.meta.dirname, '../..');
const file = path.join(root, 'data', 'campaigns', 'study-ollama.yaml');

describe('data/campaigns/study-ollama.yaml', () => {
  it('loads with the campaign config loader as the study preset with Ollama players', () => {
    const config = loadCampaignConfig(file);
    expect(config.generator.policy).toBe('ollama:llama3.2:1b');
    expect(config.evaluator.policy).toBe('ollama:llama3.2:1b');
    expect(config.attempts).toBe(10);
    expect(config.targetDifficulty).toBe(10);
    for (const player of [config.generator, config.evaluator]) expect(player.sampling).toEqual({ temperature: 1.0, topP: 0.7, numPredict: 2048 });
    expect(config.training).toMatchObject({ preset: 'study', easyShare: 'ofFinal', predictionSample: 'balanced', evaluatorReplies: 'onePerProgram', evaluatorSchedule: 'once', difficulty: 'answeredOnly', preferences: false, adapterFormat: 'safetensors' });
    expect(path.isAbsolute(config.taskSet)).toBe(true);
    // The trainer command fills every placeholder and runs the reference trainer.
    const argv = expandArgv(config.training.trainer ?? [], { dataset: 'D', baseModel: 'B', outputDir: 'O', checkpointDir: 'C' });
    expect(argv.slice(1)).toEqual(['training/trainer/train.py', '--dataset', 'D', '--base-model', 'B', '--output-dir', 'O', '--checkpoint-dir', 'C']);
    expect(config.training.generatorBase).toMatch(/Llama-3\.2-1B/);
    expect(SAFETENSORS_ADAPTER_ARCHITECTURES).toContain('llama');
  });

  it('is the example in training/README.md', () => {
    const readme = readFileSync(path.join(root, 'training', 'README.md'), 'utf8');
    const example = /Campaign config \(`data\/campaigns\/study-ollama\.yaml`\):\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README block after "Campaign config (`data/campaigns/study-ollama.yaml`):"').toBeDefined();
    expect(parseYaml(example ?? '')).toEqual(parseYaml(readFileSync(file, 'utf8')));
  });
});
