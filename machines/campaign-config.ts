// The campaign configuration (JSON or YAML on disk), validated with zod. Pure: the workflow
// receives the parsed value, the CLI reads and checks the file.
import { z } from 'zod';
import { MAX_CAMPAIGN_CONCURRENCY } from './campaign-limits';

/** Sampling sent with each of the player's model calls (LLM policies); recorded with each reply. */
const samplingSchema = z
  .object({
    temperature: z.number().min(0).max(10).optional(),
    topP: z.number().min(0).max(1).optional(),
    /** Most tokens per reply (Ollama num_predict); a reply cut there is recorded as truncated. */
    numPredict: z.number().int().min(-2).max(1_000_000).optional(),
    numCtx: z.number().int().min(1).max(10_000_000).optional(),
    format: z.literal('json').optional(),
  })
  .strict();

const playerSchema = z
  .object({
    policy: z.string().min(1),
    model: z.string().min(1).optional(),
    /** Initial learned state or search budget of the policy (policy-specific; checked by the policy). */
    policyState: z.record(z.string(), z.unknown()).optional(),
    sampling: samplingSchema.optional(),
  })
  .strict()
  // `{ policy: ollama, model: M }` means the actor spec `ollama:M`: requests are routed by the full
  // spec, and a bare `ollama` actor cannot exist (it has no model to serve).
  .transform((player, ctx) => {
    if (player.policy !== 'ollama') return player;
    if (player.model === undefined) {
      ctx.addIssue({ code: 'custom', message: 'policy ollama needs a model: { policy: ollama, model: qwen2.5-coder:7b } or policy: "ollama:qwen2.5-coder:7b"' });
      return z.NEVER;
    }
    return { ...player, policy: `ollama:${player.model}` };
  });

/** The study's sampling: temperature 1.0, top_p 0.7, up to 2048 tokens per reply. */
export const STUDY_SAMPLING = { temperature: 1.0, topP: 0.7, numPredict: 2048 } as const;

/** Activity timeouts and retries; defaults suit the offline players, tests shorten them. */
const timeoutsSchema = z.object({
  /**
   * Start-to-close of one model call, ms: a propose gets this much; an attack of n attempts gets
   * it once per round of calls the actor runs in parallel (ceil(n / playerParallelCalls)).
   */
  playerMs: z.number().int().positive().default(60_000),
  /** Model calls in flight per model at the actor (the Ollama actor runs 2). */
  playerParallelCalls: z.number().int().positive().default(2),
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
  /** Start-to-close of the training step between rounds (a fine-tune can take hours), ms. */
  trainingMs: z.number().int().positive().default(6 * 3_600_000),
}).strict();

/** The training step between rounds (see training/README.md). */
const trainingSchema = z.object({
  /** Update the offline players (mutation, fuzz) from each round's outcomes. */
  offline: z.boolean().default(true),
  /** Trainer command for LLM players: argv with {dataset}, {baseModel}, {outputDir}, {checkpointDir}. */
  trainer: z.array(z.string().min(1)).min(1).optional(),
  /** Base model as the trainer names it (a Hugging Face id or a path), per role; a role without one is not fine-tuned. */
  generatorBase: z.string().min(1).optional(),
  evaluatorBase: z.string().min(1).optional(),
  /** Ollama server the new models are registered on; OLLAMA_HOST or the default when omitted. */
  ollamaHost: z.string().min(1).optional(),
  /** Plays at or above this difficulty are hard (always kept); easier ones are downsampled. */
  hardThreshold: z.number().min(0).max(10).default(5),
  easyFraction: z.number().min(0).max(1).default(0.1),
  /** Mix in difficulty-prediction examples (50/50). */
  predictionMix: z.boolean().default(true),
}).strict();

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
  concurrency: z.number().int().positive().max(MAX_CAMPAIGN_CONCURRENCY),
  seed: z.number().int(),
  timeouts: timeoutsSchema.prefault({}),
  training: trainingSchema.prefault({}),
}).strict();

export type CampaignConfig = z.infer<typeof campaignConfigSchema>;
export type CampaignConfigInput = z.input<typeof campaignConfigSchema>;
export type ActivityTimeouts = CampaignConfig['timeouts'];
export type TrainingConfig = CampaignConfig['training'];
