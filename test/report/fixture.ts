// A small campaign store for the report tests: three rounds (the last still running), every outcome,
// reason codes newer than the episode machine's (no-play, inconclusive, truncated), timings, rewards,
// versions, and optionally the model registry, cross-play and eval_results tables.
import { createClient } from '@libsql/client';
import { campaignConfigSchema } from '../../machines/campaign-config';
import { initialContext, recordOf, summaryOf } from '../../machines/episode';
import { summarizeRound } from '../../machines/round';
import type { AttemptVerdict, EpisodeOutcome, EpisodeReasonCode, EpisodeRecord } from '../../machines/types';
import { EpisodeStore } from '../../store/episode-store';
import { ModelRegistry } from '../../training/registry';
import type { PairOutcome } from '../../sandbox/api';

export const campaignId = 'c1';
export const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface FixtureEpisode {
  round: number;
  task: string;
  outcome: EpisodeOutcome;
  reason?: string;
  difficulty?: number;
  /** Evaluator attempts that found a divergence, of 3. */
  found?: number;
  rewards?: { generator: number; evaluator: number | null };
}

/** The episodes, by hand. Round 3 (index 2) has no stored summary: it is still running. */
export const fixtureEpisodes: FixtureEpisode[] = [
  { round: 0, task: 'a', outcome: 'valid', difficulty: 2, found: 2, rewards: { generator: 0.2, evaluator: 0.8 } },
  { round: 0, task: 'b', outcome: 'valid', difficulty: 7, found: 1, rewards: { generator: 0.7, evaluator: 0.3 } },
  { round: 0, task: 'c', outcome: 'valid', difficulty: 10, found: 0, rewards: { generator: 0.4, evaluator: 0 } },
  { round: 0, task: 'd', outcome: 'invalid', reason: 'no-divergence', rewards: { generator: -1, evaluator: null } },
  { round: 0, task: 'e', outcome: 'invalid', reason: 'no-play', rewards: { generator: -1, evaluator: null } },
  { round: 0, task: 'f', outcome: 'failed', reason: 'sandbox-failed' },
  { round: 1, task: 'a', outcome: 'valid', difficulty: 4, found: 2, rewards: { generator: 0.4, evaluator: 0.6 } },
  { round: 1, task: 'b', outcome: 'valid', difficulty: 6, found: 1, rewards: { generator: 0.6, evaluator: 0.4 } },
  { round: 1, task: 'c', outcome: 'invalid', reason: 'inconclusive', rewards: { generator: 0, evaluator: null } },
  { round: 1, task: 'd', outcome: 'invalid', reason: 'truncated', rewards: { generator: -1, evaluator: null } },
  { round: 1, task: 'e', outcome: 'valid', difficulty: 8, found: 0, rewards: { generator: 0.8, evaluator: 0.2 } },
  { round: 2, task: 'a', outcome: 'valid', difficulty: 5, found: 1, rewards: { generator: 0.5, evaluator: 0.5 } },
];

/** Step durations of every fixture episode, ms; the episode lasts 2000 ms in all. */
export const phaseMs = { propose: 1000, verifyPlay: 100, attack: 500, checkAttempts: 50 } as const;
export const episodeMs = 2000;

function pair(x: number): PairOutcome {
  return {
    original: { kind: 'returned', value: { t: 'int', v: String(x) }, durationMs: 1 },
    variant: { kind: 'returned', value: { t: 'int', v: String(-x) }, durationMs: 1 },
  };
}

function attempt(index: number, found: boolean): AttemptVerdict {
  return {
    index,
    input: found ? `{"x": ${index + 1}}` : null,
    outcomes: found ? pair(index + 1) : null,
    found,
    failure: found ? null : 'said-equivalent',
    detail: found ? 'the outcomes differ' : 'answered equivalent',
  };
}

export function fixtureRecord(e: FixtureEpisode, index: number): EpisodeRecord {
  const found = e.found ?? 0;
  const valid = e.outcome === 'valid';
  const context = initialContext({
    episodeId: `${campaignId}-r${e.round}-${e.task}`,
    campaignId,
    round: e.round,
    task: {
      id: e.task,
      description: '',
      source: 'def f(x):\n    return x\n',
      entryPoint: 'f',
      exampleInputs: [],
      origin: 'sinq',
    },
    targetDifficulty: 5,
    attempts: 3,
    seed: index,
    generator: { policy: 'mutation' },
    evaluator: { policy: 'fuzz' },
  });
  const start = t0 + index * 10_000;
  let at = start;
  const timings: EpisodeRecord['timings'] = { episode: { startedAt: start } };
  for (const [phase, ms] of Object.entries(phaseMs) as Array<[keyof typeof phaseMs, number]>) {
    timings[phase] = { startedAt: at, endedAt: at + ms };
    at += ms;
  }
  timings.persist = { startedAt: at };
  const record = recordOf({
    ...context,
    proposal: {
      policy: 'mutation',
      modelVersion: `mutation-v${e.round + 1}`,
      prompt: [{ role: 'user', content: `Write a variant of task ${e.task}.` }],
      reply: {
        raw: `# Generated program\ndef f(x):\n    return -x\n`,
        parsed: {
          ok: true,
          value: { analysis: 'negate', program: 'def f(x):\n    return -x\n', divergingInput: '{"x": 1}' },
        },
        durationMs: phaseMs.propose,
      },
    },
    playVerdict: valid
      ? { input: '{"x": 1}', outcomes: pair(1), diverges: true, invalidReason: null, detail: 'values differ' }
      : null,
    attack: valid
      ? {
          policy: 'fuzz',
          modelVersion: 'fuzz-v1',
          prompt: [{ role: 'user', content: 'Find an input on which the programs differ.' }],
          replies: [0, 1, 2].map((i) => ({
            raw: i < found ? `# Diverging input\n{"x": ${i + 1}}` : 'They are equivalent.',
            parsed:
              i < found
                ? { ok: true as const, value: { analysis: '', equivalent: false, divergingInput: `{"x": ${i + 1}}` } }
                : { ok: true as const, value: { analysis: '', equivalent: true, divergingInput: null } },
            durationMs: 10,
          })),
        }
      : null,
    outcome: e.outcome,
    reason: e.reason ? { code: e.reason as EpisodeReasonCode, detail: `because ${e.reason}` } : null,
    difficulty: e.difficulty ?? null,
    rewards: e.rewards ?? null,
    attemptVerdicts: valid ? [0, 1, 2].map((i) => attempt(i, i < found)) : [],
    timings,
    versions: {
      generator: { policy: 'mutation', model: `mutation-v${e.round + 1}` },
      evaluator: { policy: 'fuzz', model: e.round === 0 ? 'fuzz-v1' : 'fuzz-v2' },
    },
  });
  return { ...record, finishedAt: start + episodeMs };
}

export interface FixtureOptions {
  registry?: boolean;
  crossplay?: boolean;
  evalResults?: boolean;
  /** Store one episode whose record is not JSON. */
  brokenRecord?: boolean;
}

export const crossplayRows = [
  { g: 0, e: 0, pairs: 6, meanDifficulty: 3.5, killRate: 0.6 },
  { g: 0, e: 1, pairs: 6, meanDifficulty: 2.25, killRate: 0.75 },
  { g: 1, e: 0, pairs: 6, meanDifficulty: 6.5, killRate: 0.3 },
  { g: 1, e: 1, pairs: 6, meanDifficulty: 4.0, killRate: 0.5 },
];

export const evalRows = [
  {
    benchmark: 'identifier-swap',
    model: 'qwen-base',
    round: null,
    items: 40,
    answered: 38,
    correct: 20,
    accuracy: 0.5,
  },
  {
    benchmark: 'identifier-swap',
    model: 'sinq-evaluator:c1-r1',
    round: 0,
    items: 40,
    answered: 40,
    correct: 26,
    accuracy: 0.65,
  },
  {
    benchmark: 'identifier-swap',
    model: 'sinq-evaluator:c1-r2',
    round: 1,
    items: 40,
    answered: 40,
    correct: 30,
    accuracy: 0.75,
  },
];

/** Writes the fixture campaign into `file` (an episodes.db path) and returns its records. */
export async function writeFixtureStore(file: string, options: FixtureOptions = {}): Promise<EpisodeRecord[]> {
  const store = await EpisodeStore.open(file);
  const records = fixtureEpisodes.map(fixtureRecord);
  try {
    const config = campaignConfigSchema.parse({
      taskSet: 'data/tasks.jsonl',
      rounds: 4,
      generator: { policy: 'mutation' },
      evaluator: { policy: 'fuzz' },
      attempts: 3,
      targetDifficulty: 5,
      concurrency: 2,
      seed: 1,
    });
    await store.upsertCampaign(campaignId, config, 'running', t0);
    for (const record of records) await store.recordEpisode(record);
    for (const round of [0, 1]) {
      await store.recordRound(
        campaignId,
        summarizeRound(round, records.filter((r) => r.round === round).map(summaryOf)),
        t0,
      );
    }
  } finally {
    store.close();
  }
  if (options.registry) {
    const registry = await ModelRegistry.open(file);
    try {
      for (const round of [0, 1]) {
        for (const role of ['generator', 'evaluator'] as const) {
          await registry.record({
            campaignId,
            role,
            round,
            kind: 'policy-state',
            tag: `${role === 'generator' ? 'mutation' : 'fuzz'}-v${round + 2}`,
            policy: role === 'generator' ? 'mutation' : 'fuzz',
            baseModel: null,
            adapterDigest: null,
            trainingSetDigest: null,
            policyState: {},
            metrics: {},
          });
        }
      }
    } finally {
      registry.close();
    }
  }
  const client = createClient({ url: `file:${file}` });
  try {
    if (options.crossplay) {
      await client.execute(`CREATE TABLE crossplay (campaign_id TEXT, generator_round INTEGER, evaluator_round INTEGER, pairs INTEGER,
        mean_difficulty REAL, kill_rate REAL, computed_at INTEGER, PRIMARY KEY(campaign_id, generator_round, evaluator_round))`);
      for (const r of crossplayRows) {
        await client.execute({
          sql: 'INSERT INTO crossplay VALUES (?, ?, ?, ?, ?, ?, ?)',
          args: [campaignId, r.g, r.e, r.pairs, r.meanDifficulty, r.killRate, t0],
        });
      }
      // Another campaign's rows in the same table must not show.
      await client.execute({
        sql: 'INSERT INTO crossplay VALUES (?, ?, ?, ?, ?, ?, ?)',
        args: ['other', 5, 5, 1, 9, 0, t0],
      });
    }
    if (options.evalResults) {
      await client.execute(`CREATE TABLE eval_results (campaign_id TEXT, benchmark TEXT, model TEXT, round INTEGER, items INTEGER,
        answered INTEGER, correct INTEGER, accuracy REAL, accuracy_answered REAL, unanswered INTEGER,
        position_bias REAL, finished_at INTEGER, PRIMARY KEY(campaign_id, benchmark, model))`);
      for (const r of evalRows) {
        await client.execute({
          sql: 'INSERT INTO eval_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          args: [
            campaignId,
            r.benchmark,
            r.model,
            r.round,
            r.items,
            r.answered,
            r.correct,
            r.accuracy,
            r.correct / r.answered,
            r.items - r.answered,
            0.02,
            t0,
          ],
        });
      }
    }
    if (options.brokenRecord) {
      await client.execute({
        sql: `INSERT INTO episodes (id, campaign_id, round, task_id, outcome, reason_code, difficulty, generator_reward, evaluator_reward, finished_at, record)
              VALUES (?, ?, 1, 'zz', 'valid', NULL, 3, 0.3, 0.7, ?, '{not json')`,
        args: [`${campaignId}-r1-zz`, campaignId, t0],
      });
    }
  } finally {
    client.close();
  }
  return records;
}
