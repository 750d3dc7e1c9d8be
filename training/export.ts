// The current training sets of a campaign, written next to its episode export: all records so far,
// the campaign's rebalancing options and seed, counts and digests in the manifest.
import path from 'node:path';
import { campaignConfigSchema } from '../machines/campaign-config';
import type { EpisodeRecord } from '../machines/types';
import type { EpisodeStore } from '../store/episode-store';
import { deriveSeed } from '../game/random';
import { writeTrainingSets, type TrainingManifest } from './files';
import { buildTrainingSets, trainingSetOptionsOf } from './sets';

export interface TrainingExport {
  dir: string;
  manifest: TrainingManifest;
}

/** Writes `<outDir>/training/{generator,evaluator,preferences}.jsonl` and `manifest.json`. */
export async function exportTrainingSets(store: EpisodeStore, campaignId: string, outDir: string): Promise<TrainingExport> {
  const records: EpisodeRecord[] = [];
  for await (const record of store.records(campaignId)) records.push(record);
  const row = await store.getCampaign(campaignId);
  const parsed = row ? campaignConfigSchema.safeParse(row.config) : null;
  const config = parsed?.success ? parsed.data : null;
  const throughRound = records.reduce<number | null>((max, r) => (max === null || r.round > max ? r.round : max), null);
  const seed = config?.seed ?? 0;
  const training = config?.training;
  const setSeed = deriveSeed(seed, 'training', throughRound ?? 0);
  const sets = buildTrainingSets(records, training ? trainingSetOptionsOf(training, setSeed) : { seed: setSeed });
  const dir = path.join(outDir, 'training');
  return { dir, manifest: writeTrainingSets(dir, sets, { campaignId, throughRound, seed }) };
}
