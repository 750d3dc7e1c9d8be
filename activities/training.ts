// The training step between rounds (`trainRound`). Offline players (mutation, fuzz) get one
// multiplicative-weights update from the round's outcomes, stored as versioned policy state. LLM
// players are fine-tuned from their base on the accumulated training set by the configured trainer
// command, registered in Ollama as `sinq-<role>:<campaign>-r<k>`, and recorded in the model
// registry. Each (campaign, role, round) is trained once: a retry after a crash at any step finds
// the registry row, or the finished adapter, or the trainer's checkpoint, and goes on from there.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { parsePolicySpec } from '../actors/policies/registry';
import { deriveSeed } from '../game/random';
import type { Logger } from '../lib/log';
import { campaignConfigSchema, trainingSchema, type CampaignConfig, type TrainingConfig } from '../machines/campaign-config';
import { summaryOf } from '../machines/episode';
import { summarizeRound } from '../machines/round';
import type { EpisodeRecord, PlayerSpec } from '../machines/types';
import type { EpisodeStore } from '../store/episode-store';
import { AdapterError, validateAdapterOutput, type AdapterArtifact } from '../training/adapter';
import { writeTrainingSets, type TrainingManifest } from '../training/files';
import { isLearnableOffline, learnOfflinePlayers, type PlayerRole } from '../training/offline';
import { checkAdapterBase, OllamaRegisterError, registerAdapterModel, trainedModelName } from '../training/ollama-register';
import { ModelRegistry, type RegistryEntry } from '../training/registry';
import { buildTrainingSets, trainingSetOptionsOf } from '../training/sets';
import { runTrainer, TrainerError, type TrainerProgress } from '../training/trainer';
import { currentActivity } from './context';
import type { TrainRoundInput, TrainRoundResult } from './index';

export interface TrainingDeps {
  store(campaignId: string): Promise<EpisodeStore>;
  log: Logger;
  /** Ollama base URL for registering models when the campaign names none (default: OLLAMA_HOST or localhost). */
  ollamaHost?: string;
}

const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

function ollamaUrl(host: string): string {
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

/** The player that plays after a registry entry. */
export function specFromEntry(spec: PlayerSpec, entry: RegistryEntry): PlayerSpec {
  if (entry.kind === 'model') return { policy: spec.policy, model: entry.tag };
  return { policy: spec.policy, model: entry.tag, policyState: entry.policyState };
}

/** Where a campaign's training files go: next to its store file. */
export function trainingDir(store: EpisodeStore, round: number, role: PlayerRole): string {
  return path.join(path.dirname(store.file), 'training', `r${round}`, role);
}

function failureOf(err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof TrainerError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.code,
      nonRetryable: err.code === 'E_TRAINER_TEMPLATE' || err.code === 'E_TRAINER_SPAWN',
    });
  }
  if (err instanceof AdapterError)
    return ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: true });
  if (err instanceof OllamaRegisterError)
    return ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: !err.retryable });
  return ApplicationFailure.create({
    message: err instanceof Error ? err.message : String(err),
    type: 'E_TRAINING',
    nonRetryable: false,
  });
}

async function campaignConfig(store: EpisodeStore, campaignId: string): Promise<CampaignConfig | null> {
  const row = await store.getCampaign(campaignId);
  if (!row) return null;
  const parsed = campaignConfigSchema.safeParse(row.config);
  return parsed.success ? parsed.data : null;
}

async function recordsThrough(store: EpisodeStore, campaignId: string, round: number): Promise<EpisodeRecord[]> {
  const out: EpisodeRecord[] = [];
  for await (const record of store.records(campaignId)) if (record.round <= round) out.push(record);
  return out;
}

function roundMetrics(round: number, records: readonly EpisodeRecord[]): Record<string, unknown> {
  const summary = summarizeRound(round, records.filter((r) => r.round === round).map(summaryOf));
  return {
    episodes: summary.episodes,
    valid: summary.valid,
    validRate: summary.validRate,
    meanDifficulty: summary.meanDifficulty,
    evaluatorAccuracy: summary.evaluatorAccuracy,
  };
}

/** Heartbeats while `work` runs (progress as details) and hands it the activity's cancellation signal. */
async function withTrainingHeartbeat<T>(
  work: (signal: AbortSignal, progress: (details: unknown) => void) => Promise<T>,
): Promise<T> {
  const context = currentActivity();
  if (!context) return work(new AbortController().signal, () => undefined);
  let details: unknown = { phase: 'starting' };
  const every = Math.max(200, Math.floor((context.info.heartbeatTimeoutMs ?? 30_000) / 3));
  const timer = setInterval(() => context.heartbeat(details), every);
  try {
    return await work(context.cancellationSignal, (next) => {
      details = next;
      context.heartbeat(details);
    });
  } finally {
    clearInterval(timer);
  }
}

export function createTrainingActivities(deps: TrainingDeps) {
  async function fineTune(args: {
    role: PlayerRole;
    spec: PlayerSpec;
    input: TrainRoundInput;
    config: CampaignConfig;
    training: TrainingConfig;
    trainer: readonly string[];
    baseModel: string;
    store: EpisodeStore;
    registry: ModelRegistry;
    records: EpisodeRecord[];
    signal: AbortSignal;
    progress: (details: unknown) => void;
  }): Promise<{ spec: PlayerSpec; note: string }> {
    const { role, spec, input, config, training, store, registry } = args;
    const ollamaBase = config[role].model ?? parsePolicySpec(spec.policy).model;
    if (!ollamaBase)
      throw ApplicationFailure.create({
        message: `the ${role} has no Ollama base model to put an adapter on`,
        type: 'E_TRAINING_CONFIG',
        nonRetryable: true,
      });
    const host = ollamaUrl(training.ollamaHost ?? deps.ollamaHost ?? process.env.OLLAMA_HOST ?? DEFAULT_OLLAMA_HOST);
    const dir = trainingDir(store, input.round, role);
    const sets = buildTrainingSets(args.records, trainingSetOptionsOf(training, deriveSeed(config.seed, 'training', input.round)));
    const manifest: TrainingManifest = writeTrainingSets(path.join(dir, 'dataset'), sets, {
      campaignId: input.campaignId,
      throughRound: input.round,
      seed: config.seed,
    });
    const entry = manifest.files[role];
    if (entry.count === 0)
      return { spec, note: `${role}: no training examples yet, kept ${spec.model ?? spec.policy}` };
    // Hours of training are wasted if Ollama cannot take the adapter afterwards: check first.
    await checkAdapterBase({ host, base: ollamaBase, adapterFormat: training.adapterFormat, signal: args.signal });

    const outputDir = path.join(dir, 'output');
    const checkpointDir = path.join(dir, 'checkpoints');
    const doneMarker = path.join(dir, 'trained.json');
    mkdirSync(checkpointDir, { recursive: true });
    // A finished run for this very training set is not repeated (a crash after training, before registering).
    let artifact: AdapterArtifact | null = null;
    if (existsSync(doneMarker)) {
      const done = JSON.parse(readFileSync(doneMarker, 'utf8')) as { trainingSetDigest?: string };
      if (done.trainingSetDigest === manifest.digest)
        artifact = await validateAdapterOutput(outputDir).catch(() => null);
    }
    if (!artifact) {
      rmSync(outputDir, { recursive: true, force: true });
      mkdirSync(outputDir, { recursive: true });
      args.progress({ phase: 'training', role });
      await runTrainer({
        argv: args.trainer,
        values: { dataset: path.join(dir, 'dataset', entry.file), baseModel: args.baseModel, outputDir, checkpointDir },
        signal: args.signal,
        onProgress: (p: TrainerProgress) =>
          args.progress({ phase: 'training', role, step: p.step, total: p.total, loss: p.loss }),
        onLine: (line) => deps.log.debug({ role, line }, 'trainer'),
      });
      artifact = await validateAdapterOutput(outputDir);
      writeFileSync(doneMarker, JSON.stringify({ trainingSetDigest: manifest.digest, format: artifact.format }) + '\n');
    }
    const name = trainedModelName(role, input.campaignId, input.round);
    args.progress({ phase: 'registering', role, name });
    const registered = await registerAdapterModel({
      host,
      name,
      base: ollamaBase,
      artifact,
      signal: args.signal,
    });
    const { entry: stored, inserted } = await registry.record({
      campaignId: input.campaignId,
      role,
      round: input.round,
      kind: 'model',
      tag: name,
      policy: spec.policy,
      baseModel: ollamaBase,
      adapterDigest: registered.adapterDigest,
      trainingSetDigest: manifest.digest,
      policyState: null,
      metrics: {
        ...roundMetrics(input.round, args.records),
        examples: entry.count,
        counts: manifest.counts,
        format: artifact.format,
      },
    });
    return {
      spec: specFromEntry(spec, stored),
      note: `${role}: ${inserted ? 'fine-tuned' : 'already registered as'} ${stored.tag} (${entry.count} examples)`,
    };
  }

  return {
    async trainRound(input: TrainRoundInput): Promise<TrainRoundResult> {
      try {
        return await withTrainingHeartbeat(async (signal, progress) => {
          const store = await deps.store(input.campaignId);
          const registry = await ModelRegistry.open(store.file);
          try {
            const config = await campaignConfig(store, input.campaignId);
            const training: TrainingConfig = config?.training ?? trainingSchema.parse({});
            const records = await recordsThrough(store, input.campaignId, input.round);
            const next: Record<PlayerRole, PlayerSpec> = { generator: input.generator, evaluator: input.evaluator };
            const notes: string[] = [];
            for (const role of ['generator', 'evaluator'] as const) {
              const spec = input[role];
              const existing = await registry.get(input.campaignId, role, input.round);
              if (existing) {
                next[role] = specFromEntry(spec, existing);
                notes.push(`${role}: ${existing.tag} (recorded earlier)`);
                continue;
              }
              if (isLearnableOffline(role, spec)) {
                if (!training.offline) {
                  notes.push(`${role}: offline learning off`);
                  continue;
                }
                const [update] = learnOfflinePlayers({
                  ...input,
                  generator: input.generator,
                  evaluator: input.evaluator,
                  records: records.filter((r) => r.round === input.round),
                }).filter((u) => u.role === role);
                if (!update) continue;
                const { entry } = await registry.record({
                  campaignId: input.campaignId,
                  role,
                  round: input.round,
                  kind: 'policy-state',
                  tag: update.version,
                  policy: spec.policy,
                  baseModel: null,
                  adapterDigest: null,
                  trainingSetDigest: null,
                  policyState: update.spec.policyState,
                  metrics: { ...roundMetrics(input.round, records), ...update.metrics },
                });
                next[role] = specFromEntry(spec, entry);
                notes.push(`${role}: learned ${entry.tag}`);
                continue;
              }
              const baseModel = role === 'generator' ? training.generatorBase : training.evaluatorBase;
              if (role === 'evaluator' && training.evaluatorSchedule === 'once') {
                // The study trains its evaluator once: after the first round that fine-tuned it.
                const earlier = (await registry.list(input.campaignId)).find(
                  (e) => e.role === 'evaluator' && e.kind === 'model' && e.round < input.round,
                );
                if (earlier) {
                  notes.push(`evaluator: trained once (round ${earlier.round}), keeps ${spec.model ?? spec.policy}`);
                  continue;
                }
              }
              if (config && training.trainer && baseModel && parsePolicySpec(spec.policy).name === 'ollama') {
                const result = await fineTune({
                  role,
                  spec,
                  input,
                  config,
                  training,
                  trainer: training.trainer,
                  baseModel,
                  store,
                  registry,
                  records,
                  signal,
                  progress,
                });
                next[role] = result.spec;
                notes.push(result.note);
                continue;
              }
              notes.push(`${role}: no training configured`);
            }
            return { generator: next.generator, evaluator: next.evaluator, note: notes.join('; ') };
          } finally {
            registry.close();
          }
        });
      } catch (err) {
        const context = currentActivity();
        if (context?.cancellationSignal.aborted)
          throw context.cancellationSignal.reason instanceof Error ? context.cancellationSignal.reason : err;
        deps.log.warn(
          { campaignId: input.campaignId, round: input.round, err: (err as Error).message },
          'training step failed',
        );
        throw failureOf(err);
      }
    },
  };
}
