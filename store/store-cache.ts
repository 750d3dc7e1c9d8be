// One open store per campaign for a long-running process (worker, CLI), closed together at the end.
import { EpisodeStore } from './episode-store';
import { episodesDbPath } from './paths';

export interface StoreCache {
  get(campaignId: string): Promise<EpisodeStore>;
  closeAll(): void;
}

export function createStoreCache(root: string): StoreCache {
  const stores = new Map<string, Promise<EpisodeStore>>();
  return {
    get(campaignId) {
      let store = stores.get(campaignId);
      if (store === undefined) {
        store = EpisodeStore.open(episodesDbPath(root, campaignId));
        // A failed open is not cached: the next call tries again.
        store.catch(() => stores.delete(campaignId));
        stores.set(campaignId, store);
      }
      return store;
    },
    closeAll() {
      for (const store of stores.values()) store.then((s) => s.close()).catch(() => undefined);
      stores.clear();
    },
  };
}
