// The model registry: one row per (campaign, role, round) saying what the training step after that
// round produced — an Ollama model tag with its adapter, or an offline player's learned state —
// with what it was trained on and the round's metrics. It lives in the campaign's store file, in a
// table of its own; inserts are first-writer-wins, so a retried training step never adds a row.
import { createClient, type Client, type Row } from '@libsql/client';
import { z } from 'zod';

export type RegistryRole = 'generator' | 'evaluator';
export type RegistryKind = 'model' | 'policy-state';

export interface RegistryEntry {
  campaignId: string;
  role: RegistryRole;
  /** The round whose records it was trained on; round + 1 plays with it. */
  round: number;
  kind: RegistryKind;
  /** Ollama model tag, or the offline state's version label. */
  tag: string;
  policy: string;
  baseModel: string | null;
  adapterDigest: string | null;
  trainingSetDigest: string | null;
  /** Learned parameters of an offline player (null for models). */
  policyState: unknown;
  metrics: Record<string, unknown>;
  createdAt: number;
}

export class RegistryError extends Error {
  constructor(
    readonly code: 'E_REGISTRY_OPEN' | 'E_REGISTRY_CORRUPT',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

const schema = [
  `CREATE TABLE IF NOT EXISTS model_registry (
     campaign_id TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('generator', 'evaluator')),
     round INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('model', 'policy-state')),
     tag TEXT NOT NULL,
     policy TEXT NOT NULL,
     base_model TEXT,
     adapter_digest TEXT,
     training_set_digest TEXT,
     policy_state TEXT,
     metrics TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (campaign_id, role, round))`,
];

const rowSchema = z.object({
  campaign_id: z.string(),
  role: z.enum(['generator', 'evaluator']),
  round: z.union([z.number(), z.bigint()]).transform(Number),
  kind: z.enum(['model', 'policy-state']),
  tag: z.string(),
  policy: z.string(),
  base_model: z.string().nullable(),
  adapter_digest: z.string().nullable(),
  training_set_digest: z.string().nullable(),
  policy_state: z.string().nullable(),
  metrics: z.string(),
  created_at: z.union([z.number(), z.bigint()]).transform(Number),
});

function entryOf(row: Row): RegistryEntry {
  const parsed = rowSchema.safeParse({ ...row });
  if (!parsed.success)
    throw new RegistryError(
      'E_REGISTRY_CORRUPT',
      `model_registry row: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  const r = parsed.data;
  return {
    campaignId: r.campaign_id,
    role: r.role,
    round: r.round,
    kind: r.kind,
    tag: r.tag,
    policy: r.policy,
    baseModel: r.base_model,
    adapterDigest: r.adapter_digest,
    trainingSetDigest: r.training_set_digest,
    policyState: r.policy_state === null ? null : (JSON.parse(r.policy_state) as unknown),
    metrics: JSON.parse(r.metrics) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}

export class ModelRegistry {
  private constructor(private readonly client: Client) {}

  /** Opens the registry table in a campaign's store file (`EpisodeStore.file`), creating it when missing. */
  static async open(file: string): Promise<ModelRegistry> {
    try {
      const client = createClient({ url: `file:${file}` });
      await client.execute('PRAGMA busy_timeout = 10000');
      await client.batch(schema, 'write');
      return new ModelRegistry(client);
    } catch (err) {
      throw new RegistryError(
        'E_REGISTRY_OPEN',
        `cannot open the model registry in ${file}: ${(err as Error).message}`,
      );
    }
  }

  /** Records an entry unless one exists for its (campaign, role, round); returns the stored entry either way. */
  async record(
    entry: Omit<RegistryEntry, 'createdAt'>,
    now = Date.now(),
  ): Promise<{ entry: RegistryEntry; inserted: boolean }> {
    const result = await this.client.execute({
      sql: `INSERT INTO model_registry (campaign_id, role, round, kind, tag, policy, base_model, adapter_digest, training_set_digest, policy_state, metrics, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, role, round) DO NOTHING`,
      args: [
        entry.campaignId,
        entry.role,
        entry.round,
        entry.kind,
        entry.tag,
        entry.policy,
        entry.baseModel,
        entry.adapterDigest,
        entry.trainingSetDigest,
        entry.policyState === null || entry.policyState === undefined ? null : JSON.stringify(entry.policyState),
        JSON.stringify(entry.metrics),
        now,
      ],
    });
    const stored = await this.get(entry.campaignId, entry.role, entry.round);
    if (!stored)
      throw new RegistryError(
        'E_REGISTRY_CORRUPT',
        `registry row for ${entry.campaignId}/${entry.role}/r${entry.round} vanished after insert`,
      );
    return { entry: stored, inserted: result.rowsAffected > 0 };
  }

  async get(campaignId: string, role: RegistryRole, round: number): Promise<RegistryEntry | null> {
    const result = await this.client.execute({
      sql: 'SELECT * FROM model_registry WHERE campaign_id = ? AND role = ? AND round = ?',
      args: [campaignId, role, round],
    });
    const row = result.rows[0];
    return row ? entryOf(row) : null;
  }

  async list(campaignId: string): Promise<RegistryEntry[]> {
    const result = await this.client.execute({
      sql: 'SELECT * FROM model_registry WHERE campaign_id = ? ORDER BY round, role',
      args: [campaignId],
    });
    return result.rows.map(entryOf);
  }

  close(): void {
    this.client.close();
  }
}
