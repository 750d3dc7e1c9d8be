import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTimeline } from '../../report/timeline';
import { absoluteTaskSet, ConfigFileError, loadCampaignConfig } from '../../deploy/config-file';
import { lineDiff } from '../../deploy/line-diff';
import { createProgressView, summaryTable } from '../../deploy/progress';
import { silentLogger } from '../../lib/log';
import type { CampaignStatusView } from '../../workflows/definitions';
import { initialContext, recordOf } from '../../machines/episode';
import { summarizeRound } from '../../machines/round';
import type { EpisodeRecord } from '../../machines/types';
import { EpisodeStore } from '../../store/episode-store';
import { exportCampaign } from '../../store/export';
import { episodesDbPath } from '../../store/paths';
import { episodeContext } from './helpers';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');

function validRecord(round: number, taskId: string, difficulty: number): EpisodeRecord {
  const base = episodeContext(round, taskId);
  const outcomes = { original: { kind: 'returned' as const, value: { t: 'int' as const, v: '1' }, durationMs: 1 }, variant: { kind: 'returned' as const, value: { t: 'int' as const, v: '2' }, durationMs: 1 } };
  return recordOf({
    ...base,
    outcome: 'valid',
    difficulty,
    rewards: { generator: difficulty / 10, evaluator: 0.5 },
    proposal: {
      policy: 'mutation',
      modelVersion: 'v0',
      prompt: [{ role: 'user', content: 'write a variant' }],
      reply: { raw: 'GEN REPLY', parsed: { ok: true, value: { analysis: '', program: 'def f(x):\n    return x + 1\n', divergingInput: '{"x": 1}' } }, durationMs: 1 },
    },
    playVerdict: { input: '{"x": 1}', outcomes, diverges: true, invalidReason: null, detail: 'values differ' },
    attack: {
      policy: 'fuzz',
      modelVersion: 'v0',
      prompt: [{ role: 'user', content: 'find an input' }],
      replies: [
        { raw: 'EVAL HIT', parsed: { ok: true, value: { analysis: '', equivalent: false, divergingInput: '{"x": 3}' } }, durationMs: 1 },
        { raw: 'EVAL MISS', parsed: { ok: true, value: { analysis: '', equivalent: true, divergingInput: null } }, durationMs: 1 },
      ],
    },
    attemptVerdicts: [
      { index: 0, input: '{"x": 3}', outcomes, found: true, failure: null, detail: 'values differ' },
      { index: 1, input: null, outcomes: null, found: false, failure: 'said-equivalent', detail: 'answered equivalent' },
    ],
  });
}

describe('campaign CLI pieces', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-cli-'));
    const store = await EpisodeStore.open(episodesDbPath(dir, 'c1'));
    await store.recordEpisode(validRecord(0, 'a', 5));
    await store.recordEpisode(validRecord(1, 'a', 9));
    await store.recordEpisode(recordOf({ ...initialContext({ ...validRecord(1, 'b', 0), episodeId: 'c1-r1-b' }), outcome: 'invalid', reason: { code: 'no-divergence', detail: 'same' } }));
    store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML configs, reports bad ones by field, and makes the task-set path absolute', () => {
    const config = loadCampaignConfig(path.join(repoRoot, 'data/campaigns/quickstart.yaml'));
    expect(config.rounds).toBe(2);
    expect(config.limit).toBeGreaterThanOrEqual(20);
    expect(path.isAbsolute(config.taskSet)).toBe(true);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ taskSet: 'x', rounds: 0 }));
    expect(() => loadCampaignConfig(bad)).toThrow(ConfigFileError);
    expect(() => loadCampaignConfig(bad)).toThrow(/rounds/);
    expect(absoluteTaskSet('mbpp:missing.jsonl#test', dir)).toBe('mbpp:missing.jsonl#test');
  });

  it('shows an episode timeline with the diff, inputs, outcomes, attempts and score', () => {
    const text = renderTimeline(validRecord(0, 'a', 5));
    expect(text).toContain('GEN REPLY');
    expect(text).toContain('-     return x');
    expect(text).toContain('+     return x + 1');
    expect(text).toContain('attempt 2: failed (said-equivalent)');
    expect(text).toContain('difficulty 5');
    expect(lineDiff('a\nb\nc\n', 'a\nc\nd\n')).toBe('  a\n- b\n  c\n+ d');
  });

  it('draws one progress bar per round on a TTY', () => {
    const written: string[] = [];
    const stream = { isTTY: true, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const view = createProgressView(stream, silentLogger);
    const status = (round: number, done: number, valid: number): CampaignStatusView => ({
      campaignId: 'c1', phase: 'running', round, rounds: 2, concurrency: 2, paused: false, total: 4, done, running: 1, valid, meanDifficulty: valid > 0 ? 3 : null, summaries: [],
    });
    view.update(status(0, 2, 1));
    view.update(status(1, 4, 4));
    view.finish();
    expect(written[0]).toContain('round 1/2');
    expect(written[0]).toContain('2/4');
    expect(written[0]).toContain('valid  50%');
    expect(written[0]).toContain('█'.repeat(12) + '░'.repeat(12));
    expect(written[1]).toBe('\n');
    expect(written[2]).toContain('round 2/2');
    expect(written.at(-1)).toBe('\n');
  });

  it('prints a round summary table', () => {
    const table = summaryTable([summarizeRound(0, [{ episodeId: 'x', round: 0, taskId: 'a', outcome: 'valid', reason: null, difficulty: 5, evaluatorFound: 1, evaluatorAttempts: 2 }])]);
    expect(table.split('\n')[2]).toMatch(/^1\s+1\s+1\s+0\s+0\s+100%\s+5\.00\s+50%/);
  });

  it('exports records and chat examples of valid plays only', async () => {
    const store = await EpisodeStore.open(episodesDbPath(dir, 'c1'));
    try {
      const result = await exportCampaign(store, 'c1', path.join(dir, 'out'));
      expect(result.episodes).toBe(3);
      // Two valid episodes: one generator example and one successful attempt each.
      expect(result.chatExamples).toBe(4);
      const chat = readFileSync(result.chatFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { role: string; messages: Array<{ role: string; content: string }> });
      expect(chat.filter((c) => c.role === 'evaluator').every((c) => c.messages.at(-1)?.content === 'EVAL HIT')).toBe(true);
    } finally {
      store.close();
    }
  });

  it('lists episodes through the sinq command with filters and --json', async () => {
    const sinq = path.join(repoRoot, 'bin/sinq.js');
    const listed = await run(process.execPath, [sinq, 'episodes', 'list', '--dir', dir, '--campaign', 'c1', '--round', '2', '--min-difficulty', '6', '--json']);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((row) => row.id)).toEqual(['c1-r1-a']);
    const shown = await run(process.execPath, [sinq, 'episodes', 'show', 'c1-r0-a', '--dir', dir, '--json']);
    expect((JSON.parse(shown.stdout) as EpisodeRecord).difficulty).toBe(5);
    await expect(run(process.execPath, [sinq, 'episodes', 'list', '--dir', dir, '--campaign', 'nope'])).rejects.toMatchObject({ code: 1 });
  }, 60_000);
});
