// Reads one campaign's store (episodes.db) into the report's input, with SELECTs only, so it can run
// beside a campaign that is writing. Only the facts the report needs leave SQLite (json_extract), so
// a campaign of many thousands of episodes stays cheap to re-read. Optional tables written by other
// features (model_registry, crossplay, eval_results) are read when sqlite_master lists them. A row
// that does not validate becomes a problem the report shows, never a crash.
import { existsSync } from 'node:fs';
import { createClient, type Client, type Row } from '@libsql/client';
import { z } from 'zod';
import type { EpisodeRecord } from '../machines/types';
import {
  episodePhases,
  type CampaignFacts,
  type CrossplayFacts,
  type EpisodeFacts,
  type EvalResultFacts,
  type RegistryFacts,
  type ReportInput,
  type StoredRoundFacts,
  type UnreadableEpisode,
} from './input';

export class ReportSourceError extends Error {
  constructor(
    readonly code: 'E_REPORT_NO_STORE' | 'E_REPORT_NO_CAMPAIGN' | 'E_REPORT_STORE',
    message: string,
  ) {
    super(message);
    this.name = 'ReportSourceError';
  }
}

const int = z.union([z.number(), z.bigint()]).transform(Number);
const nullableNumber = z.union([z.number(), z.bigint(), z.null()]).transform((v) => (v === null ? null : Number(v)));
/** A JSON column as text, parsed. */
const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not JSON' });
    return z.NEVER;
  }
});

const campaignRowSchema = z.object({ status: z.string(), created_at: int, updated_at: int, config: jsonText });
const configFactsSchema = z.object({
  rounds: z.number().optional(),
  targetDifficulty: z.number().optional(),
  attempts: z.number().optional(),
  taskSet: z.string().optional(),
  generator: z.object({ policy: z.string() }).optional(),
  evaluator: z.object({ policy: z.string() }).optional(),
});

const timingSchema = z.object({ startedAt: z.number(), endedAt: z.number().optional() });
const versionSchema = z.object({ policy: z.string(), model: z.string() }).nullable();
const episodeRowSchema = z.object({
  id: z.string(),
  round: int,
  task_id: z.string(),
  outcome: z.enum(['valid', 'invalid', 'failed']),
  reason_code: z.string().nullable(),
  difficulty: nullableNumber,
  generator_reward: nullableNumber,
  evaluator_reward: nullableNumber,
  finished_at: int,
  record_ok: int,
  reason_detail: z.string().nullable(),
  target_difficulty: nullableNumber,
  timings: jsonText.pipe(z.record(z.string(), timingSchema)).nullable(),
  versions: jsonText.pipe(z.object({ generator: versionSchema, evaluator: versionSchema })).nullable(),
  generator_policy: z.string().nullable(),
  evaluator_policy: z.string().nullable(),
  attempts_checked: int.nullable(),
  attempts_found: int.nullable(),
});

const storedRoundSchema = z.object({
  round: z.number().int(),
  episodes: z.number(),
  valid: z.number(),
  invalid: z.number(),
  failed: z.number(),
  validRate: z.number(),
  meanDifficulty: z.number().nullable(),
  evaluatorAccuracy: z.number().nullable(),
  difficultyHistogram: z.array(z.number()),
});

const registryRowSchema = z.object({
  role: z.enum(['generator', 'evaluator']),
  round: int,
  kind: z.string(),
  tag: z.string(),
  policy: z.string(),
  created_at: int,
});
const crossplayRowSchema = z.object({
  generator_round: int,
  evaluator_round: int,
  pairs: int,
  mean_difficulty: nullableNumber,
  kill_rate: nullableNumber,
  computed_at: int,
});
const evalRowSchema = z.object({
  benchmark: z.string(),
  model: z.string(),
  round: nullableNumber,
  items: int,
  answered: int,
  correct: int,
  accuracy: nullableNumber,
  accuracy_answered: nullableNumber,
  unanswered: int,
  position_bias: nullableNumber,
  finished_at: int,
});

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'row'}: ${issue.message}` : 'invalid';
}

/** Rows of `sql` parsed with `schema`; a row that does not parse is a problem, not a crash. */
async function readRows<T extends z.ZodType>(
  client: Client,
  label: string,
  sql: string,
  args: string[],
  schema: T,
  problems: string[],
): Promise<Array<z.output<T>>> {
  let rows: Row[];
  try {
    rows = (await client.execute({ sql, args })).rows;
  } catch (err) {
    problems.push(`${label}: cannot read (${(err as Error).message})`);
    return [];
  }
  const out: Array<z.output<T>> = [];
  for (const row of rows) {
    const parsed = schema.safeParse({ ...row });
    if (parsed.success) out.push(parsed.data);
    else problems.push(`${label}: a row was skipped (${firstIssue(parsed.error)})`);
  }
  return out;
}

const episodesSql = `
  SELECT id, round, task_id, outcome, reason_code, difficulty, generator_reward, evaluator_reward, finished_at,
    json_valid(record) AS record_ok,
    CASE WHEN json_valid(record) THEN json_extract(record, '$.reason.detail') END AS reason_detail,
    CASE WHEN json_valid(record) THEN json_extract(record, '$.targetDifficulty') END AS target_difficulty,
    CASE WHEN json_valid(record) THEN json_extract(record, '$.timings') END AS timings,
    CASE WHEN json_valid(record) THEN json_extract(record, '$.versions') END AS versions,
    CASE WHEN json_valid(record) THEN json_extract(record, '$.generator.policy') END AS generator_policy,
    CASE WHEN json_valid(record) THEN json_extract(record, '$.evaluator.policy') END AS evaluator_policy,
    CASE WHEN json_valid(record) THEN json_array_length(record, '$.attemptVerdicts') END AS attempts_checked,
    CASE WHEN json_valid(record) THEN (SELECT COUNT(*) FROM json_each(record, '$.attemptVerdicts') WHERE json_extract(value, '$.found') = 1) END AS attempts_found
  FROM episodes WHERE campaign_id = ? ORDER BY round, task_id`;

type EpisodeRowData = z.output<typeof episodeRowSchema>;

function episodeFacts(row: EpisodeRowData): EpisodeFacts {
  const timings = row.timings ?? {};
  const phaseMs: EpisodeFacts['phaseMs'] = {};
  for (const phase of episodePhases) {
    const t = timings[phase];
    if (t?.endedAt !== undefined) phaseMs[phase] = Math.max(0, t.endedAt - t.startedAt);
  }
  const episode = timings.episode;
  // The record is written before its episode ends: the store's finish time closes it.
  const episodeEnd = episode?.endedAt ?? row.finished_at;
  const version = (played: z.output<typeof versionSchema> | undefined, configured: string | null): string =>
    played ? `${played.policy} @ ${played.model}` : (configured ?? 'unknown');
  return {
    id: row.id,
    round: row.round,
    taskId: row.task_id,
    outcome: row.outcome,
    reasonCode: row.reason_code,
    reasonDetail: row.reason_detail,
    difficulty: row.difficulty,
    targetDifficulty: row.target_difficulty,
    generatorReward: row.generator_reward,
    evaluatorReward: row.evaluator_reward,
    attemptsFound: row.attempts_found ?? 0,
    attemptsChecked: row.attempts_checked ?? 0,
    phaseMs,
    episodeMs: episode ? Math.max(0, episodeEnd - episode.startedAt) : null,
    generatorVersion: version(row.versions?.generator, row.generator_policy),
    evaluatorVersion: version(row.versions?.evaluator, row.evaluator_policy),
    finishedAt: row.finished_at,
  };
}

/** A read-only view of one campaign's store. */
export class ReportSource {
  private constructor(
    private readonly client: Client,
    readonly file: string,
    readonly campaignId: string,
  ) {}

  static async open(file: string, campaignId: string): Promise<ReportSource> {
    if (!existsSync(file)) throw new ReportSourceError('E_REPORT_NO_STORE', `no store at ${file}`);
    let client: Client | undefined;
    try {
      client = createClient({ url: `file:${file}` });
      await client.execute('PRAGMA busy_timeout = 10000');
      return new ReportSource(client, file, campaignId);
    } catch (err) {
      client?.close();
      throw new ReportSourceError('E_REPORT_STORE', `cannot open ${file}: ${(err as Error).message}`);
    }
  }

  private async tables(): Promise<Set<string>> {
    const result = await this.client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
    return new Set(result.rows.map((row) => String(row.name)));
  }

  /** Everything the report is computed from, read now. */
  async read(now = Date.now()): Promise<ReportInput> {
    const problems: string[] = [];
    let tables: Set<string>;
    try {
      tables = await this.tables();
    } catch (err) {
      throw new ReportSourceError('E_REPORT_STORE', `cannot read ${this.file}: ${(err as Error).message}`);
    }
    if (!tables.has('episodes') || !tables.has('campaigns'))
      throw new ReportSourceError('E_REPORT_STORE', `${this.file} is not a campaign store (no episodes table)`);
    const id = [this.campaignId];
    const [campaignRow] = await readRows(
      this.client,
      'campaigns',
      'SELECT status, created_at, updated_at, config FROM campaigns WHERE id = ?',
      id,
      campaignRowSchema,
      problems,
    );
    let campaign: CampaignFacts | null = null;
    if (campaignRow) {
      const config = configFactsSchema.safeParse(campaignRow.config);
      if (!config.success) problems.push(`campaign config: ${firstIssue(config.error)}`);
      const c = config.success ? config.data : {};
      campaign = {
        status: campaignRow.status,
        createdAt: campaignRow.created_at,
        updatedAt: campaignRow.updated_at,
        rounds: c.rounds ?? null,
        targetDifficulty: c.targetDifficulty ?? null,
        attempts: c.attempts ?? null,
        taskSet: c.taskSet ?? null,
        generatorPolicy: c.generator?.policy ?? null,
        evaluatorPolicy: c.evaluator?.policy ?? null,
      };
    }
    const episodes: EpisodeFacts[] = [];
    const unreadable: UnreadableEpisode[] = [];
    let rows: Row[];
    try {
      rows = (await this.client.execute({ sql: episodesSql, args: id })).rows;
    } catch (err) {
      throw new ReportSourceError(
        'E_REPORT_STORE',
        `cannot read the episodes of ${this.campaignId}: ${(err as Error).message}`,
      );
    }
    for (const row of rows) {
      const parsed = episodeRowSchema.safeParse({ ...row });
      if (parsed.success && parsed.data.record_ok === 1) episodes.push(episodeFacts(parsed.data));
      else {
        const round = typeof row.round === 'number' ? row.round : null;
        unreadable.push({
          id: String(row.id),
          round,
          error: parsed.success ? 'the record is not JSON' : firstIssue(parsed.error),
        });
      }
    }
    if (!campaign && episodes.length === 0 && unreadable.length === 0)
      throw new ReportSourceError('E_REPORT_NO_CAMPAIGN', `no campaign '${this.campaignId}' in ${this.file}`);
    const storedRounds: StoredRoundFacts[] = (
      await readRows(
        this.client,
        'rounds',
        'SELECT summary FROM rounds WHERE campaign_id = ? ORDER BY round',
        id,
        z.object({ summary: jsonText.pipe(storedRoundSchema) }),
        problems,
      )
    ).map((row) => row.summary);
    const registry: RegistryFacts[] | null = tables.has('model_registry')
      ? (
          await readRows(
            this.client,
            'model_registry',
            'SELECT role, round, kind, tag, policy, created_at FROM model_registry WHERE campaign_id = ? ORDER BY round, role',
            id,
            registryRowSchema,
            problems,
          )
        ).map((r) => ({
          role: r.role,
          round: r.round,
          kind: r.kind,
          tag: r.tag,
          policy: r.policy,
          createdAt: r.created_at,
        }))
      : null;
    const crossplay: CrossplayFacts[] | null = tables.has('crossplay')
      ? (
          await readRows(
            this.client,
            'crossplay',
            'SELECT generator_round, evaluator_round, pairs, mean_difficulty, kill_rate, computed_at FROM crossplay WHERE campaign_id = ?',
            id,
            crossplayRowSchema,
            problems,
          )
        ).map((r) => ({
          generatorRound: r.generator_round,
          evaluatorRound: r.evaluator_round,
          pairs: r.pairs,
          meanDifficulty: r.mean_difficulty,
          killRate: r.kill_rate,
          computedAt: r.computed_at,
        }))
      : null;
    const evalResults: EvalResultFacts[] | null = tables.has('eval_results')
      ? (
          await readRows(
            this.client,
            'eval_results',
            'SELECT benchmark, model, round, items, answered, correct, accuracy, accuracy_answered, unanswered, position_bias, finished_at FROM eval_results WHERE campaign_id = ?',
            id,
            evalRowSchema,
            problems,
          )
        ).map((r) => ({
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
        }))
      : null;
    return {
      campaignId: this.campaignId,
      campaign,
      episodes,
      unreadable,
      storedRounds,
      registry,
      crossplay,
      evalResults,
      problems,
      generatedAt: now,
    };
  }

  /** The full record of one episode, for its page; null when missing, an Error when unreadable. */
  async record(episodeId: string): Promise<EpisodeRecord | Error | null> {
    const result = await this.client.execute({ sql: 'SELECT record FROM episodes WHERE id = ?', args: [episodeId] });
    const text = result.rows[0]?.record;
    if (text === undefined) return null;
    try {
      return JSON.parse(String(text)) as EpisodeRecord;
    } catch (err) {
      return new Error(`the record of ${episodeId} is not JSON: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.client.close();
  }
}
