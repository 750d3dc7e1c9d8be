import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../cli/commands/export';
import { campaignConfigSchema } from '../../machines/campaign-config';
import { EpisodeStore } from '../../store/episode-store';
import { episodesDbPath } from '../../store/paths';
import type { TrainingManifest } from '../../training/files';
import { record } from './records';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-export-training-'));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('sinq export: training sets', () => {
  it('writes the current training sets with a manifest of counts and content digests', async () => {
    const store = await EpisodeStore.open(episodesDbPath(dir, 'c1'));
    const config = campaignConfigSchema.parse({ taskSet: 'x', rounds: 2, generator: { policy: 'mutation' }, evaluator: { policy: 'fuzz' }, attempts: 3, targetDifficulty: 9, concurrency: 1, seed: 4, training: { easyFraction: 0.5, preferences: true } });
    await store.upsertCampaign('c1', config, 'completed');
    const records = [
      record({ taskId: 'a', difficulty: 8, kills: ['havoc', null, null] }),
      record({ taskId: 'b', difficulty: 1, kills: ['havoc', 'havoc', null] }),
      record({ taskId: 'c', difficulty: 0, kills: ['examples', 'examples', 'examples'] }),
      record({ taskId: 'a', round: 1, difficulty: 10, kills: [null, null, null] }),
      record({ taskId: 'c', round: 1, difficulty: 9, kills: [null, null, null] }),
      record({ taskId: 'd', round: 1, outcome: 'invalid' }),
    ];
    for (const r of records) await store.recordEpisode(r);
    store.close();

    const out = path.join(dir, 'out');
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    expect(await run(['--campaign', 'c1', '--dir', dir, '--out', out])).toBe(0);
    expect(written.join('')).toMatch(/training sets [0-9a-f]{12} \(generator 8, evaluator 4, preferences 1\)/);

    const manifest = JSON.parse(readFileSync(path.join(out, 'training', 'manifest.json'), 'utf8')) as TrainingManifest;
    expect(manifest).toMatchObject({ campaignId: 'c1', throughRound: 1, seed: 4 });
    expect(manifest.counts).toMatchObject({ validPlays: 5, hard: 3, easy: 2, easyKept: 1, generation: 4, prediction: 4, evaluator: 4, preferences: 1 });
    for (const entry of Object.values(manifest.files)) {
      const text = readFileSync(path.join(out, 'training', entry.file), 'utf8');
      expect(createHash('sha256').update(text).digest('hex')).toBe(entry.sha256);
      expect(text === '' ? 0 : text.trim().split('\n').length).toBe(entry.count);
    }
  });
});
