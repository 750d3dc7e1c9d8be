// The report's numbers equal the store's: against hand-computed values for the fixture, against the
// round summaries the campaign stored, and against SQL aggregates over the episodes table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReportModel, type ReportModel } from '../../report/model';
import { episodePagePath } from '../../report/paths';
import { ReportSource, ReportSourceError } from '../../report/source';
import { EpisodeStore } from '../../store/episode-store';
import { campaignId, crossplayRows, writeFixtureStore } from './fixture';

async function modelOf(file: string): Promise<ReportModel> {
  const source = await ReportSource.open(file, campaignId);
  try {
    return buildReportModel(await source.read(1_000));
  } finally {
    source.close();
  }
}

describe('report model', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-report-model-'));
    file = path.join(dir, 'episodes.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('computes each round from the stored episodes (hand-checked numbers)', async () => {
    await writeFixtureStore(file);
    const model = await modelOf(file);
    expect(model.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    const [r1, r2, r3] = model.rounds;
    expect(r1).toMatchObject({
      label: '1',
      complete: true,
      episodes: 6,
      valid: 3,
      invalid: 2,
      failed: 1,
      validRate: 0.5,
    });
    expect(r1!.meanDifficulty).toBeCloseTo(19 / 3, 12);
    expect(r1!.evaluatorAccuracy).toBeCloseTo(3 / 9, 12);
    expect(r1!.difficultyHistogram).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(r1!.meanGeneratorReward).toBeCloseTo((0.2 + 0.7 + 0.4 - 1 - 1) / 5, 12);
    expect(r1!.meanEvaluatorReward).toBeCloseTo((0.8 + 0.3 + 0) / 3, 12);
    expect(r1!.outcomeCounts).toEqual({
      valid: 3,
      'invalid: inconclusive': 0,
      'invalid: no-divergence': 1,
      'invalid: no-play': 1,
      'invalid: truncated': 0,
      'failed: sandbox-failed': 1,
    });
    expect(r1!.generatorVersions).toEqual([{ version: 'mutation @ mutation-v1', episodes: 6 }]);
    expect(r2!.evaluatorVersions).toEqual([{ version: 'fuzz @ fuzz-v2', episodes: 5 }]);
    expect(r2).toMatchObject({
      episodes: 5,
      valid: 3,
      invalid: 2,
      failed: 0,
      validRate: 0.6,
      meanDifficulty: 6,
      targetDifficulty: 5,
    });
    expect(r2!.invalidReasons).toEqual({ inconclusive: 1, truncated: 1 });
    expect(r3).toMatchObject({ complete: false, episodes: 1, valid: 1, meanDifficulty: 5 });
    expect(r1!.phaseMeanMs).toEqual({
      propose: 1000,
      verifyPlay: 100,
      attack: 500,
      checkAttempts: 50,
      persist: null,
      other: 350,
    });
    expect(r1!.meanEpisodeMs).toBe(2000);
    expect(model.totals).toEqual({
      episodes: 12,
      valid: 7,
      invalid: 4,
      failed: 1,
      validRate: 7 / 12,
      meanDifficulty: 6,
      evaluatorAccuracy: 7 / 21,
    });
    expect(model.outcomeCategories.map((c) => c.key)).toEqual([
      'valid',
      'invalid: inconclusive',
      'invalid: no-divergence',
      'invalid: no-play',
      'invalid: truncated',
      'failed: sandbox-failed',
    ]);
    expect(model.episodes).toHaveLength(12);
    expect(model.episodes[0]).toMatchObject({ id: 'c1-r0-a', href: 'episodes/c1-r0-a.html', difficulty: 2 });
    expect(model.summaryMismatches).toEqual([]);
    expect(model.problems).toEqual([]);
    expect(model.campaign).toMatchObject({
      status: 'running',
      rounds: 4,
      targetDifficulty: 5,
      attempts: 3,
      generatorPolicy: 'mutation',
    });
    // Without the optional tables their sections stay out.
    expect(model.registry).toBeNull();
    expect(model.crossplay).toBeNull();
    expect(model.eval).toBeNull();
  });

  it('agrees with the round summaries the campaign stored and with SQL over the episodes table', async () => {
    await writeFixtureStore(file);
    const model = await modelOf(file);
    const store = await EpisodeStore.open(file);
    const stored = await store.listRounds(campaignId);
    store.close();
    expect(stored).toHaveLength(2);
    for (const summary of stored) {
      const round = model.rounds.find((r) => r.round === summary.round)!;
      for (const field of [
        'episodes',
        'valid',
        'invalid',
        'failed',
        'validRate',
        'meanDifficulty',
        'evaluatorAccuracy',
        'difficultyHistogram',
        'invalidReasons',
        'failedReasons',
      ] as const) {
        expect(round[field], `round ${summary.round} ${field}`).toEqual(summary[field]);
      }
    }
    const client = createClient({ url: `file:${file}` });
    const sql = await client.execute(`SELECT round, COUNT(*) AS n, SUM(outcome = 'valid') AS valid,
      AVG(CASE WHEN outcome = 'valid' THEN difficulty END) AS mean_difficulty,
      AVG(generator_reward) AS generator_reward, AVG(evaluator_reward) AS evaluator_reward
      FROM episodes GROUP BY round ORDER BY round`);
    client.close();
    expect(sql.rows).toHaveLength(model.rounds.length);
    for (const row of sql.rows) {
      const round = model.rounds.find((r) => r.round === Number(row.round))!;
      expect(round.episodes).toBe(Number(row.n));
      expect(round.valid).toBe(Number(row.valid));
      expect(round.meanDifficulty).toBeCloseTo(Number(row.mean_difficulty), 12);
      expect(round.meanGeneratorReward).toBeCloseTo(Number(row.generator_reward), 12);
      expect(round.meanEvaluatorReward).toBeCloseTo(Number(row.evaluator_reward), 12);
    }
  });

  it('reads the registry, cross-play and eval tables when they exist, for this campaign only', async () => {
    await writeFixtureStore(file, { registry: true, crossplay: true, evalResults: true });
    const model = await modelOf(file);
    expect(model.rounds[0]).toMatchObject({ trainedGenerator: 'mutation-v2', trainedEvaluator: 'fuzz-v2' });
    expect(model.rounds[1]).toMatchObject({ trainedGenerator: 'mutation-v3', trainedEvaluator: 'fuzz-v3' });
    expect(model.rounds[2]).toMatchObject({ trainedGenerator: null, trainedEvaluator: null });
    expect(model.crossplay?.generatorRounds).toEqual([0, 1]);
    expect(model.crossplay?.evaluatorRounds).toEqual([0, 1]);
    expect(
      model.crossplay?.cells.map((c) => [c.generatorRound, c.evaluatorRound, c.pairs, c.meanDifficulty, c.killRate]),
    ).toEqual(crossplayRows.map((r) => [r.g, r.e, r.pairs, r.meanDifficulty, r.killRate]));
    expect(model.eval).toHaveLength(1);
    expect(model.eval![0]!.points.map((p) => [p.model, p.round, p.accuracy])).toEqual([
      ['qwen-base', null, 0.5],
      ['sinq-evaluator:c1-r1', 0, 0.65],
      ['sinq-evaluator:c1-r2', 1, 0.75],
    ]);
  });

  it('lists an unreadable record instead of failing, and reports a table with other columns as a problem', async () => {
    await writeFixtureStore(file, { brokenRecord: true });
    const client = createClient({ url: `file:${file}` });
    await client.execute('CREATE TABLE crossplay (campaign_id TEXT, something_else INTEGER)');
    client.close();
    const model = await modelOf(file);
    expect(model.unreadable).toEqual([{ id: 'c1-r1-zz', round: 1, error: 'the record is not JSON' }]);
    expect(model.totals.episodes).toBe(12);
    expect(model.crossplay).toBeNull();
    expect(model.problems).toHaveLength(1);
    expect(model.problems[0]).toMatch(/^crossplay: cannot read/);
  });

  it('says clearly when there is no store or no such campaign', async () => {
    await expect(ReportSource.open(path.join(dir, 'missing.db'), campaignId)).rejects.toMatchObject({
      code: 'E_REPORT_NO_STORE',
    });
    await writeFixtureStore(file);
    const source = await ReportSource.open(file, 'nope');
    await expect(source.read()).rejects.toBeInstanceOf(ReportSourceError);
    await expect(source.read()).rejects.toMatchObject({ code: 'E_REPORT_NO_CAMPAIGN' });
    source.close();
  });

  it('gives every episode a distinct, file-system-safe page', () => {
    expect(episodePagePath('c1-r0-a')).toBe('episodes/c1-r0-a.html');
    const a = episodePagePath('c1-r0-HumanEval/0');
    const b = episodePagePath('c1-r0-HumanEval_0');
    expect(a).toMatch(/^episodes\/c1-r0-HumanEval_0-[0-9a-f]{8}\.html$/);
    expect(a).not.toBe(b);
  });
});
