// The model versions of a campaign: its Ollama base models (round null) and every model the
// training step registered (round k for the model trained on rounds up to k), read from the
// campaign's store.
import { z } from 'zod';
import { EpisodeStore } from '../store/episode-store';
import { ModelRegistry } from '../training/registry';
import type { ModelUnderTest } from './runner';

const OLLAMA_PREFIX = 'ollama:';

// Only the players' policy and model are read here; the campaign's own schema validates the rest.
const playersSchema = z.object({
  generator: z.object({ policy: z.string(), model: z.string().optional() }).optional(),
  evaluator: z.object({ policy: z.string(), model: z.string().optional() }).optional(),
});

function ollamaModelOfPlayer(player: { policy: string; model?: string | undefined } | undefined): string | undefined {
  if (!player) return undefined;
  if (player.policy.startsWith(OLLAMA_PREFIX)) return player.policy.slice(OLLAMA_PREFIX.length) || player.model;
  return player.policy === 'ollama' ? player.model : undefined;
}

export async function campaignModels(storeFile: string, campaignId: string): Promise<ModelUnderTest[]> {
  const episodes = await EpisodeStore.open(storeFile);
  const registry = await ModelRegistry.open(storeFile).catch((err: unknown) => {
    episodes.close();
    throw err;
  });
  try {
    const campaign = await episodes.getCampaign(campaignId);
    const entries = (await registry.list(campaignId)).filter((e) => e.kind === 'model');
    const models: ModelUnderTest[] = [];
    const seen = new Set<string>();
    const add = (tag: string | undefined | null, round: number | null): void => {
      if (!tag || seen.has(tag)) return;
      seen.add(tag);
      models.push({ tag, round });
    };
    const players = playersSchema.safeParse(campaign?.config ?? {});
    if (players.success) {
      add(ollamaModelOfPlayer(players.data.generator), null);
      add(ollamaModelOfPlayer(players.data.evaluator), null);
    }
    for (const entry of entries) add(entry.baseModel, null);
    for (const entry of entries) add(entry.tag, entry.round);
    return models;
  } finally {
    registry.close();
    episodes.close();
  }
}
