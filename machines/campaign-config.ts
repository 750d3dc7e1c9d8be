// The campaign configuration (JSON or YAML on disk), validated with zod. Pure: the workflow
// receives the parsed value, the CLI reads and checks the file.
import { z } from 'zod';

const playerSchema = z.object({
  policy: z.string().min(1),
  model: z.string().min(1).optional(),
});

/** Activity timeouts and retries; defaults suit the offline players, tests shorten them. */
const timeoutsSchema = z.object({
  /** Start-to-close of a player call (propose or attack), ms. */
  playerMs: z.number().int().positive().default(60_000),
  /** Start-to-close of sandbox checks, ms. */
  sandboxMs: z.number().int().positive().default(60_000),
  /** Start-to-close of store writes, ms. */
  storeMs: z.number().int().positive().default(30_000),
  /** Heartbeat timeout of long activities, ms. */
  heartbeatMs: z.number().int().positive().default(10_000),
  /** Attempts per activity before the episode is recorded as failed. */
  maximumAttempts: z.number().int().positive().default(20),
  /** Backoff cap between attempts, ms. */
  maximumIntervalMs: z.number().int().positive().default(5_000),
});

export const campaignConfigSchema = z.object({
  /** Task-set spec for `loadTaskSet`, e.g. `data/tasks.jsonl`, `mbpp`, `humaneval`. */
  taskSet: z.string().min(1),
  split: z.string().min(1).optional(),
  /** Use at most this many tasks of the set. */
  limit: z.number().int().positive().optional(),
  rounds: z.number().int().positive(),
  /** Episodes per round (one per task, distinct tasks); all loaded tasks when omitted. */
  episodesPerRound: z.number().int().positive().optional(),
  generator: playerSchema,
  evaluator: playerSchema,
  /** Evaluator attempts n. */
  attempts: z.number().int().positive().max(64),
  targetDifficulty: z.number().min(0).max(10),
  concurrency: z.number().int().positive().max(256),
  seed: z.number().int(),
  timeouts: timeoutsSchema.prefault({}),
});

export type CampaignConfig = z.infer<typeof campaignConfigSchema>;
export type CampaignConfigInput = z.input<typeof campaignConfigSchema>;
export type ActivityTimeouts = CampaignConfig['timeouts'];
