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

/**
 * Named recipes for the training step. `sinq` (the default) is sinq's own: easy plays kept at a
 * share of the easy plays, one prediction example per kept play, every distinct correct evaluator
 * reply, difficulty as recorded (unparsable answers count as failures). Neither writes preference
 * pairs unless `preferences: true` (the reference trainer does SFT only).
 * `study` is the recipe the study built its sets with, and also sets its sampling (see below).
 */
export const trainingPresets = ['sinq', 'study'] as const;
export type TrainingPreset = (typeof trainingPresets)[number];

/** What each preset chooses for the training-set options the config leaves out. */
export const TRAINING_PRESET_DEFAULTS = {
  sinq: {
    easyShare: 'ofEasy',
    predictionSample: 'perPlay',
    evaluatorReplies: 'allDistinct',
    evaluatorSchedule: 'everyRound',
    difficulty: 'recorded',
    preferences: false,
  },
  study: {
    easyShare: 'ofFinal',
    predictionSample: 'balanced',
    evaluatorReplies: 'onePerProgram',
    evaluatorSchedule: 'once',
    difficulty: 'answeredOnly',
    preferences: false,
  },
} as const satisfies Record<TrainingPreset, Record<string, string | boolean>>;

/** The study's players: 10 samples per play, and the generator is always asked for difficulty 10. */
export const STUDY_ATTEMPTS = 10;
export const STUDY_TARGET_DIFFICULTY = 10;

/** The training step between rounds (see training/README.md). */
export const trainingSchema = z
  .object({
    /** Recipe that fills in the options below that are left out (default `sinq`). */
    preset: z.enum(trainingPresets).default('sinq'),
    /** Update the offline players (mutation, fuzz) from each round's outcomes. */
    offline: z.boolean().default(true),
    /** Trainer command for LLM players: argv with {dataset}, {baseModel}, {outputDir}, {checkpointDir}. */
    trainer: z.array(z.string().min(1)).min(1).optional(),
    /** Base model as the trainer names it (a Hugging Face id or a path), per role; a role without one is not fine-tuned. */
    generatorBase: z.string().min(1).optional(),
    evaluatorBase: z.string().min(1).optional(),
    /** Ollama server the new models are registered on; OLLAMA_HOST or the default when omitted. */
    ollamaHost: z.string().min(1).optional(),
    /**
     * What the trainer writes: a safetensors LoRA (Ollama imports it only onto some architectures,
     * checked against the base before training) or a GGUF LoRA (any architecture llama.cpp runs).
     */
    adapterFormat: z.enum(['safetensors', 'gguf']).default('safetensors'),
    /** Plays at or above this difficulty are hard (always kept); easier ones are downsampled. */
    hardThreshold: z.number().min(0).max(10).default(5),
    /** The easy share: of the easy plays (`easyShare: ofEasy`) or of the final set (`ofFinal`). */
    easyFraction: z.number().min(0).max(1).default(0.1),
    easyShare: z.enum(['ofEasy', 'ofFinal']).optional(),
    /** Mix in difficulty-prediction examples (50/50). */
    predictionMix: z.boolean().default(true),
    /** `perPlay`: one per kept play; `balanced`: a separate sample, half easy and half hard plays. */
    predictionSample: z.enum(['perPlay', 'balanced']).optional(),
    /** `allDistinct`: every distinct correct reply per kept program; `onePerProgram`: one drawn at random. */
    evaluatorReplies: z.enum(['allDistinct', 'onePerProgram']).optional(),
    /** `everyRound`: the evaluator is fine-tuned after every round; `once`: after the first round only. */
    evaluatorSchedule: z.enum(['everyRound', 'once']).optional(),
    /**
     * The level a play is labelled with: `recorded` (unparsable evaluator answers count as
     * failures) or `answeredOnly` (unparsable and "Yes" answers left out; 10 when none remain).
     */
    difficulty: z.enum(['recorded', 'answeredOnly']).optional(),
    /** Write DPO preference pairs (`preferences.jsonl`); the reference trainer does not use them. */
    preferences: z.boolean().optional(),
  })
  .strict()
  .transform((training) => {
    const defaults = TRAINING_PRESET_DEFAULTS[training.preset];
    return {
      ...training,
      easyShare: training.easyShare ?? defaults.easyShare,
      predictionSample: training.predictionSample ?? defaults.predictionSample,
      evaluatorReplies: training.evaluatorReplies ?? defaults.evaluatorReplies,
      evaluatorSchedule: training.evaluatorSchedule ?? defaults.evaluatorSchedule,
      difficulty: training.difficulty ?? defaults.difficulty,
      preferences: training.preferences ?? defaults.preferences,
    };
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
  /** Evaluator attempts n; the `study` training preset makes it 10 when left out. */
  attempts: z.number().int().positive().max(64).optional(),
  /** The `study` training preset makes it 10 when left out. */
  targetDifficulty: z.number().min(0).max(10).optional(),
  concurrency: z.number().int().positive().max(MAX_CAMPAIGN_CONCURRENCY),
  seed: z.number().int(),
  timeouts: timeoutsSchema.prefault({}),
  training: trainingSchema.prefault({}),
})
  .strict()
  // The study preset also fills in the study's sampling, attempts and target; explicit values win.
  .transform((config, ctx) => {
    const study = config.training.preset === 'study';
    const attempts = config.attempts ?? (study ? STUDY_ATTEMPTS : undefined);
    const targetDifficulty = config.targetDifficulty ?? (study ? STUDY_TARGET_DIFFICULTY : undefined);
    if (attempts === undefined || targetDifficulty === undefined) {
      for (const field of ['attempts', 'targetDifficulty'] as const)
        if (config[field] === undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required (or set training.preset: study for the study's value)` });
      return z.NEVER;
    }
    const withSampling = <P extends { policy: string; sampling?: z.infer<typeof samplingSchema> }>(player: P): P =>
      study && player.policy.startsWith('ollama:') ? { ...player, sampling: { ...STUDY_SAMPLING, ...player.sampling } } : player;
    return { ...config, attempts, targetDifficulty, generator: withSampling(config.generator), evaluator: withSampling(config.evaluator) };
  });

export type CampaignConfig = z.infer<typeof campaignConfigSchema>;
export type CampaignConfigInput = z.input<typeof campaignConfigSchema>;
export type ActivityTimeouts = CampaignConfig['timeouts'];
export type TrainingConfig = CampaignConfig['training'];
