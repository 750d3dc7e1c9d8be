import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignConfigSchema } from '../../machines/campaign-config';
import { recordOf } from '../../machines/episode';
import { summarizeRound } from '../../machines/round';
import type { EpisodeOutcome, EpisodeRecord } from '../../machines/types';
import { EpisodeStore } from '../../store/episode-store';
import { episodeContext } from './helpers';

function record(round: number, taskId: string, outcome: EpisodeOutcome, difficulty: number | null): EpisodeRecord {
  const context = episodeContext(round, taskId);
  return recordOf({ ...context, outcome, difficulty, reason: outcome === 'valid' ? null : { code: 'no-divergence', detail: 'same' } });
}

describe('episode store', () => {
  let dir: string;
  let store: EpisodeStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-store-'));
    store = await EpisodeStore.open(path.join(dir, 'campaigns', 'c1', 'episodes.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records an episode once even when recording is retried', async () => {
    const first = record(0, 'a', 'valid', 5);
    expect(await store.recordEpisode(first)).toBe(true);
    expect(await store.recordEpisode({ ...first, difficulty: 9 })).toBe(false);
    expect(await store.recordEpisode(first)).toBe(false);
    const rows = await store.listEpisodes({ campaignId: 'c1' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.difficulty).toBe(5);
    expect((await store.getEpisode('c1-r0-a'))?.task.id).toBe('a');
    expect(await store.countsByRoundTask('c1')).toEqual([{ round: 0, taskId: 'a', count: 1 }]);
  });

  it('filters by round, outcome and minimum difficulty', async () => {
    await store.recordEpisode(record(0, 'a', 'valid', 3));
    await store.recordEpisode(record(0, 'b', 'invalid', null));
    await store.recordEpisode(record(1, 'a', 'valid', 8));
    await store.recordEpisode(record(1, 'b', 'failed', null));
    expect((await store.listEpisodes({ campaignId: 'c1', round: 1 })).map((r) => r.id)).toEqual(['c1-r1-a', 'c1-r1-b']);
    expect((await store.listEpisodes({ outcome: 'invalid' })).map((r) => r.id)).toEqual(['c1-r0-b']);
    expect((await store.listEpisodes({ minDifficulty: 5 })).map((r) => r.id)).toEqual(['c1-r1-a']);
    const records: string[] = [];
    for await (const r of store.records('c1')) records.push(r.episodeId);
    expect(records).toEqual(['c1-r0-a', 'c1-r0-b', 'c1-r1-a', 'c1-r1-b']);
  });

  it('keeps campaigns and round summaries, re-recording a round in place', async () => {
    const config = campaignConfigSchema.parse({
      taskSet: 'data/tasks.jsonl',
      rounds: 2,
      generator: { policy: 'mutation' },
      evaluator: { policy: 'fuzz' },
      attempts: 2,
      targetDifficulty: 5,
      concurrency: 4,
      seed: 1,
    });
    expect(config.timeouts.maximumAttempts).toBeGreaterThan(0);
    await store.upsertCampaign('c1', config, 'running', 1);
    await store.upsertCampaign('c1', config, 'completed', 2);
    const campaign = await store.getCampaign('c1');
    expect(campaign?.status).toBe('completed');
    expect(campaign?.createdAt).toBe(1);
    const summary = summarizeRound(0, [
      { episodeId: 'x', round: 0, taskId: 'a', outcome: 'valid', reason: null, difficulty: 4, evaluatorFound: 1, evaluatorAttempts: 2 },
      { episodeId: 'y', round: 0, taskId: 'b', outcome: 'invalid', reason: { code: 'no-divergence', detail: '' }, difficulty: null, evaluatorFound: 0, evaluatorAttempts: 0 },
    ]);
    expect(summary.validRate).toBe(0.5);
    expect(summary.difficultyHistogram[4]).toBe(1);
    expect(summary.evaluatorAccuracy).toBe(0.5);
    expect(summary.invalidReasons).toEqual({ 'no-divergence': 1 });
    await store.recordRound('c1', summary);
    await store.recordRound('c1', { ...summary, valid: 2 });
    const rounds = await store.listRounds('c1');
    expect(rounds).toHaveLength(1);
    expect(rounds[0]!.valid).toBe(2);
  });
});
