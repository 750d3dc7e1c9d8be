// The episode store: one SQLite file per campaign (libsql, native binary from a platform package).
// Recording is idempotent, keyed by the episode workflow id, so a retried activity never adds a row.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client, type InValue, type Row } from '@libsql/client';
import { z } from 'zod';
import type { CampaignConfig } from '../machines/campaign-config';
import type { RoundSummary } from '../machines/round';
import type { EpisodeOutcome, EpisodeRecord } from '../machines/types';

export class StoreError extends Error {
  constructor(
    readonly code: 'E_STORE_OPEN' | 'E_STORE_CORRUPT' | 'E_STORE_QUERY',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export type CampaignStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface CampaignRow {
  id: string;
  config: CampaignConfig;
  status: CampaignStatus;
  createdAt: number;
  updatedAt: number;
}

export interface EpisodeRow {
  id: string;
  campaignId: string;
  round: number;
  taskId: string;
  outcome: EpisodeOutcome;
  reasonCode: string | null;
  difficulty: number | null;
  generatorReward: number | null;
  evaluatorReward: number | null;
  finishedAt: number;
}

export interface EpisodeFilter {
  campaignId?: string;
  round?: number;
  outcome?: EpisodeOutcome;
  minDifficulty?: number;
  limit?: number;
}

const schema = [
  `CREATE TABLE IF NOT EXISTS campaigns (
     id TEXT PRIMARY KEY,
     config TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS episodes (
     id TEXT PRIMARY KEY,
     campaign_id TEXT NOT NULL,
     round INTEGER NOT NULL,
     task_id TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('valid', 'invalid', 'failed')),
     reason_code TEXT,
     difficulty REAL,
     generator_reward REAL,
     evaluator_reward REAL,
     finished_at INTEGER NOT NULL,
     record TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS episodes_by_round ON episodes (campaign_id, round, task_id)`,
  `CREATE TABLE IF NOT EXISTS rounds (
     campaign_id TEXT NOT NULL,
     round INTEGER NOT NULL,
     summary TEXT NOT NULL,
     recorded_at INTEGER NOT NULL,
     PRIMARY KEY (campaign_id, round))`,
];

const outcomeSchema = z.enum(['valid', 'invalid', 'failed']);

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new StoreError('E_STORE_CORRUPT', `column ${column} is not text`);
  return value;
}

function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new StoreError('E_STORE_CORRUPT', `column ${column} is not a number`);
}

function optionalNum(row: Row, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, column);
}

function episodeRow(row: Row): EpisodeRow {
  return {
    id: text(row, 'id'),
    campaignId: text(row, 'campaign_id'),
    round: num(row, 'round'),
    taskId: text(row, 'task_id'),
    outcome: outcomeSchema.parse(row.outcome),
    reasonCode: typeof row.reason_code === 'string' ? row.reason_code : null,
    difficulty: optionalNum(row, 'difficulty'),
    generatorReward: optionalNum(row, 'generator_reward'),
    evaluatorReward: optionalNum(row, 'evaluator_reward'),
    finishedAt: num(row, 'finished_at'),
  };
}

export class EpisodeStore {
  private constructor(
    private readonly client: Client,
    readonly file: string,
  ) {}

  /** Opens (creating when missing) the store at `file`. */
  static async open(file: string): Promise<EpisodeStore> {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const client = createClient({ url: `file:${file}` });
      const store = new EpisodeStore(client, file);
      // WAL and a busy timeout let a worker write while the CLI reads, and a restarted worker wait its turn.
      await client.execute('PRAGMA busy_timeout = 10000');
      await client.execute('PRAGMA journal_mode = WAL');
      await client.batch(schema, 'write');
      return store;
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('E_STORE_OPEN', `cannot open episode store ${file}: ${(err as Error).message}`);
    }
  }

  async upsertCampaign(id: string, config: CampaignConfig, status: CampaignStatus, now = Date.now()): Promise<void> {
    await this.client.execute({
      sql: `INSERT INTO campaigns (id, config, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
      args: [id, JSON.stringify(config), status, now, now],
    });
  }

  async getCampaign(id: string): Promise<CampaignRow | null> {
    const result = await this.client.execute({ sql: 'SELECT * FROM campaigns WHERE id = ?', args: [id] });
    const row = result.rows[0];
    if (!row) return null;
    return {
      id: text(row, 'id'),
      config: JSON.parse(text(row, 'config')) as CampaignConfig,
      status: text(row, 'status') as CampaignStatus,
      createdAt: num(row, 'created_at'),
      updatedAt: num(row, 'updated_at'),
    };
  }

  /** Records a finished episode once; returns false when its id was already recorded. */
  async recordEpisode(record: EpisodeRecord): Promise<boolean> {
    const result = await this.client.execute({
      sql: `INSERT INTO episodes (id, campaign_id, round, task_id, outcome, reason_code, difficulty, generator_reward, evaluator_reward, finished_at, record)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      args: [
        record.episodeId,
        record.campaignId,
        record.round,
        record.task.id,
        record.outcome,
        record.reason?.code ?? null,
        record.difficulty,
        record.rewards?.generator ?? null,
        record.rewards?.evaluator ?? null,
        record.finishedAt,
        JSON.stringify(record),
      ],
    });
    return result.rowsAffected > 0;
  }

  async getEpisode(id: string): Promise<EpisodeRecord | null> {
    const result = await this.client.execute({ sql: 'SELECT record FROM episodes WHERE id = ?', args: [id] });
    const row = result.rows[0];
    return row ? (JSON.parse(text(row, 'record')) as EpisodeRecord) : null;
  }

  async listEpisodes(filter: EpisodeFilter = {}): Promise<EpisodeRow[]> {
    const where: string[] = [];
    const args: InValue[] = [];
    if (filter.campaignId !== undefined) {
      where.push('campaign_id = ?');
      args.push(filter.campaignId);
    }
    if (filter.round !== undefined) {
      where.push('round = ?');
      args.push(filter.round);
    }
    if (filter.outcome !== undefined) {
      where.push('outcome = ?');
      args.push(filter.outcome);
    }
    if (filter.minDifficulty !== undefined) {
      where.push('difficulty >= ?');
      args.push(filter.minDifficulty);
    }
    const sql =
      'SELECT id, campaign_id, round, task_id, outcome, reason_code, difficulty, generator_reward, evaluator_reward, finished_at FROM episodes' +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY round, task_id' +
      (filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '');
    const result = await this.client.execute({ sql, args });
    return result.rows.map(episodeRow);
  }

  /** Every full record of a campaign, in round and task order (for export). */
  async *records(campaignId: string): AsyncGenerator<EpisodeRecord> {
    const result = await this.client.execute({ sql: 'SELECT record FROM episodes WHERE campaign_id = ? ORDER BY round, task_id', args: [campaignId] });
    for (const row of result.rows) yield JSON.parse(text(row, 'record')) as EpisodeRecord;
  }

  async recordRound(campaignId: string, summary: RoundSummary, now = Date.now()): Promise<void> {
    await this.client.execute({
      sql: `INSERT INTO rounds (campaign_id, round, summary, recorded_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (campaign_id, round) DO UPDATE SET summary = excluded.summary, recorded_at = excluded.recorded_at`,
      args: [campaignId, summary.round, JSON.stringify(summary), now],
    });
  }

  async listRounds(campaignId: string): Promise<RoundSummary[]> {
    const result = await this.client.execute({ sql: 'SELECT summary FROM rounds WHERE campaign_id = ? ORDER BY round', args: [campaignId] });
    return result.rows.map((row) => JSON.parse(text(row, 'summary')) as RoundSummary);
  }

  /** Episode counts per (round, task): the crash tests' exactly-once check. */
  async countsByRoundTask(campaignId: string): Promise<Array<{ round: number; taskId: string; count: number }>> {
    const result = await this.client.execute({
      sql: 'SELECT round, task_id, COUNT(*) AS n FROM episodes WHERE campaign_id = ? GROUP BY round, task_id ORDER BY round, task_id',
      args: [campaignId],
    });
    return result.rows.map((row) => ({ round: num(row, 'round'), taskId: text(row, 'task_id'), count: num(row, 'n') }));
  }

  close(): void {
    this.client.close();
  }
}
