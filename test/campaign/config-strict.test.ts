// Campaign configs are strict: an unknown key names its path and the near spelling; unknown
// policies and task splits stop `sinq campaign run|start` before any engine, NATS or store exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { ConfigFileError, loadCampaignConfig, parseCampaignConfig } from '../../deploy/config-file';
import { editDistance, nearestName } from '../../lib/near-spelling';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const sinqBin = path.join(repoRoot, 'bin/sinq.js');

const goodConfig = {
  taskSet: 'data/tasks.jsonl',
  limit: 2,
  rounds: 1,
  generator: { policy: 'mutation', sampling: { temperature: 1 } },
  evaluator: { policy: 'fuzz' },
  attempts: 1,
  targetDifficulty: 5,
  concurrency: 1,
  seed: 1,
  timeouts: { playerMs: 1000 },
  training: { offline: false },
};

function configError(raw: unknown): string {
  try {
    parseCampaignConfig(raw, 'c.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError);
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('near spelling', () => {
  it('counts an adjacent swap as one edit and ignores case, _ and -', () => {
    expect(editDistance('tempreature', 'temperature')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearestName('tempreature', ['topP', 'temperature'])).toBe('temperature');
    expect(nearestName('task_set', ['taskSet', 'rounds'])).toBe('taskSet');
    expect(nearestName('zzz', ['taskSet', 'rounds'])).toBeUndefined();
  });
});

describe('strict campaign config', () => {
  it('accepts the shipped config and a complete one', () => {
    expect(() => loadCampaignConfig(path.join(repoRoot, 'data/campaigns/quickstart.yaml'))).not.toThrow();
    expect(parseCampaignConfig(goodConfig, 'c.yaml').concurrency).toBe(1);
  });

  it('names unknown keys by path at every level, with the near spelling', () => {
    expect(configError({ ...goodConfig, generator: { policy: 'mutation', sampling: { tempreature: 1 } } })).toContain(
      'generator.sampling.tempreature: unknown key (did you mean temperature?)',
    );
    expect(configError({ ...goodConfig, evaluator: { policy: 'fuzz', tempreature: 1 } })).toContain(
      'evaluator.tempreature: unknown key (did you mean sampling.temperature?)',
    );
    expect(configError({ ...goodConfig, timeouts: { playerMS: 5 } })).toContain('timeouts.playerMS: unknown key (did you mean playerMs?)');
    expect(configError({ ...goodConfig, training: { ofline: true } })).toContain('training.ofline: unknown key (did you mean offline?)');
    expect(configError({ ...goodConfig, concurency: 2 })).toContain('concurency: unknown key (did you mean concurrency?)');
    const far = configError({ ...goodConfig, colour: 'blue' });
    expect(far).toContain('colour: unknown key');
    expect(far).not.toContain('did you mean');
  });

  it('bounds concurrency to [1, 256]', () => {
    expect(configError({ ...goodConfig, concurrency: 257 })).toContain('concurrency');
    expect(configError({ ...goodConfig, concurrency: 0 })).toContain('concurrency');
  });
});

describe('sinq campaign run|start with unknown names', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-strict-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = (): NodeJS.ProcessEnv => {
    const { TEMPORAL_ADDRESS: _address, NATS_URL: _nats, SINQ_TEMPORAL_MODE: _mode, ...rest } = process.env;
    return { ...rest, SINQ_LOG_LEVEL: 'warn' };
  };

  const cases: Array<{ name: string; config: Record<string, unknown>; message: string }> = [
    { name: 'generator policy', config: { ...goodConfig, generator: { policy: 'mutaton' } }, message: "generator.policy: unknown generator policy 'mutaton' (did you mean mutation?); known: mutation, ollama" },
    { name: 'evaluator policy', config: { ...goodConfig, evaluator: { policy: 'fuzzer' } }, message: "evaluator.policy: unknown evaluator policy 'fuzzer' (did you mean fuzz?)" },
    { name: 'task split', config: { ...goodConfig, taskSet: 'mbpp:mbpp.jsonl', split: 'tset' }, message: "split: unknown task split 'tset' (did you mean test?)" },
    { name: 'split in the task-set spec', config: { ...goodConfig, taskSet: 'mbpp:mbpp.jsonl#tset' }, message: "unknown MBPP split 'tset'" },
    { name: 'split of a non-MBPP set', config: { ...goodConfig, split: 'test' }, message: 'applies to MBPP task sets only' },
    { name: 'misspelled key', config: { ...goodConfig, atempts: 2 }, message: 'atempts: unknown key (did you mean attempts?)' },
  ];

  it.each(cases)('$name: exit 2 with a clear message, nothing started and nothing written', ({ name, config, message }) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, toYaml(config));
    for (const verb of ['run', 'start']) {
      const sinqDir = path.join(dir, `${verb}-${name.replace(/\W+/g, '-')}`);
      const started = Date.now();
      const result = spawnSync(process.execPath, [sinqBin, 'campaign', verb, '--config', file, '--dir', sinqDir, '--id', 'strict-1', '--address', '127.0.0.1:1', '--nats', 'nats://127.0.0.1:1'], {
        cwd: repoRoot,
        env: env(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ verb, status: result.status }).toEqual({ verb, status: 2 });
      expect(result.stderr).toContain(message);
      // No component line (`temporal mode`, `nats ...`) and no store: nothing was started.
      expect(result.stderr).not.toMatch(/temporal mode|started|stopping/);
      expect(existsSync(sinqDir) ? readdirSync(sinqDir) : []).toEqual([]);
      expect(Date.now() - started).toBeLessThan(30_000);
    }
  }, 120_000);
});
