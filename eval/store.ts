// Where evaluations are kept: per-query answers (as soon as each reply is read, so a killed run
// resumes without asking again) and one result row per (campaign, benchmark, model). With a
// campaign they live in its episodes.db beside the episodes and the model registry; without one in
// a project-local eval.db with the same tables (campaign_id '').
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { z } from 'zod';
import type { AnswerRow, Score } from './score';

const schema = [
  `CREATE TABLE IF NOT EXISTS eval_answers (
     campaign_id TEXT NOT NULL,
     benchmark TEXT NOT NULL,
     model TEXT NOT NULL,
     item_id TEXT NOT NULL,
     variant INTEGER NOT NULL,
     digest TEXT NOT NULL,
     answer INTEGER,
     failure TEXT,
     raw TEXT NOT NULL,
     done_reason TEXT,
     prompt_tokens INTEGER,
     reply_tokens INTEGER,
     answered_at INTEGER NOT NULL,
     PRIMARY KEY (campaign_id, benchmark, model, item_id, variant, digest))`,
  `CREATE TABLE IF NOT EXISTS eval_results (
     campaign_id TEXT,
     benchmark TEXT,
     model TEXT,
     round INTEGER,
     items INTEGER,
     answered INTEGER,
     correct INTEGER,
     accuracy REAL,
     accuracy_answered REAL,
     unanswered INTEGER,
     position_bias REAL,
     finished_at INTEGER,
     PRIMARY KEY (campaign_id, benchmark, model))`,
];

export class EvalStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalStoreError';
  }
}

export interface StoredReply extends AnswerRow {
  digest: string;
  raw: string;
  doneReason: string | null;
  promptTokens: number | null;
  replyTokens: number | null;
}

export interface EvalResult extends Score {
  campaignId: string;
  benchmark: string;
  model: string;
  /** The campaign round whose training produced the model; null for a base model. */
  round: number | null;
  finishedAt: number;
}

const count = z.union([z.number(), z.bigint()]).transform(Number);
const answerSchema = z.object({
  item_id: z.string(),
  variant: count,
  digest: z.string(),
  answer: count.nullable(),
  failure: z.string().nullable(),
});
const resultSchema = z.object({
  campaign_id: z.string(),
  benchmark: z.string(),
  model: z.string(),
  round: count.nullable(),
  items: count,
  answered: count,
  correct: count,
  accuracy: z.number(),
  accuracy_answered: z.number().nullable(),
  unanswered: count,
  position_bias: z.number().nullable(),
  finished_at: count,
});

/** Key of one stored answer within a (campaign, benchmark, model). */
export function answerKey(itemId: string, variant: number, digest: string): string {
  return `${itemId}\u0000${variant}\u0000${digest}`;
}

export class EvalStore {
  private constructor(
    private readonly client: Client,
    readonly file: string,
  ) {}

  static async open(file: string): Promise<EvalStore> {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const client = createClient({ url: `file:${file}` });
      await client.execute('PRAGMA busy_timeout = 10000');
      await client.execute('PRAGMA journal_mode = WAL');
      await client.batch(schema, 'write');
      return new EvalStore(client, file);
    } catch (err) {
      throw new EvalStoreError(`cannot open the eval store ${file}: ${(err as Error).message}`);
    }
  }

  /** Every stored answer of a model on a benchmark, by answerKey. */
  async answers(campaignId: string, benchmark: string, model: string): Promise<Map<string, AnswerRow>> {
    const result = await this.client.execute({
      sql: 'SELECT item_id, variant, digest, answer, failure FROM eval_answers WHERE campaign_id = ? AND benchmark = ? AND model = ?',
      args: [campaignId, benchmark, model],
    });
    const answers = new Map<string, AnswerRow>();
    for (const row of result.rows) {
      const parsed = answerSchema.safeParse({ ...row });
      if (!parsed.success)
        throw new EvalStoreError(
          `corrupt eval_answers row in ${this.file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        );
      const r = parsed.data;
      answers.set(answerKey(r.item_id, r.variant, r.digest), {
        itemId: r.item_id,
        variant: r.variant,
        answer: r.answer,
        failure: r.failure,
      });
    }
    return answers;
  }

  /** Records one reply; a reply already stored for the same question is kept (first writer wins). */
  async recordAnswer(
    campaignId: string,
    benchmark: string,
    model: string,
    reply: StoredReply,
    now = Date.now(),
  ): Promise<void> {
    await this.client.execute({
      sql: `INSERT INTO eval_answers (campaign_id, benchmark, model, item_id, variant, digest, answer, failure, raw, done_reason, prompt_tokens, reply_tokens, answered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      args: [
        campaignId,
        benchmark,
        model,
        reply.itemId,
        reply.variant,
        reply.digest,
        reply.answer,
        reply.failure,
        reply.raw,
        reply.doneReason,
        reply.promptTokens,
        reply.replyTokens,
        now,
      ],
    });
  }

  async recordResult(result: EvalResult): Promise<void> {
    await this.client.execute({
      sql: `INSERT INTO eval_results (campaign_id, benchmark, model, round, items, answered, correct, accuracy, accuracy_answered, unanswered, position_bias, finished_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (campaign_id, benchmark, model) DO UPDATE SET round = excluded.round, items = excluded.items, answered = excluded.answered,
              correct = excluded.correct, accuracy = excluded.accuracy, accuracy_answered = excluded.accuracy_answered,
              unanswered = excluded.unanswered, position_bias = excluded.position_bias, finished_at = excluded.finished_at`,
      args: [
        result.campaignId,
        result.benchmark,
        result.model,
        result.round,
        result.items,
        result.answered,
        result.correct,
        result.accuracy,
        result.accuracyAnswered,
        result.unanswered,
        result.positionBias,
        result.finishedAt,
      ],
    });
  }

  async results(campaignId: string, benchmark?: string): Promise<EvalResult[]> {
    const result = await this.client.execute({
      sql: `SELECT * FROM eval_results WHERE campaign_id = ?${benchmark === undefined ? '' : ' AND benchmark = ?'} ORDER BY benchmark, round IS NOT NULL, round, model`,
      args: benchmark === undefined ? [campaignId] : [campaignId, benchmark],
    });
    return result.rows.map((row) => {
      const parsed = resultSchema.safeParse({ ...row });
      if (!parsed.success)
        throw new EvalStoreError(
          `corrupt eval_results row in ${this.file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        );
      const r = parsed.data;
      return {
        campaignId: r.campaign_id,
        benchmark: r.benchmark,
        model: r.model,
        round: r.round,
        items: r.items,
        answered: r.answered,
        correct: r.correct,
        accuracy: r.accuracy,
        accuracyAnswered: r.accuracy_answered,
        unanswered: r.unanswered,
        positionBias: r.position_bias,
        finishedAt: r.finished_at,
      };
    });
  }

  close(): void {
    this.client.close();
  }
}
