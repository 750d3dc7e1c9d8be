// Finished chat replies of this process, keyed by everything that determines them (server, model,
// messages, options with the per-attempt seed, format). When a caller retries an evaluator request
// after some of its n calls failed or the deadline passed, the calls that had finished are taken
// from here and only the others go to the model again. Bounded; oldest entries leave first.
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../../../game/types';
import type { ChatCallResult, OllamaFormat, OllamaOptions } from './chat';

export interface SampleKey {
  host: string;
  model: string;
  messages: readonly ChatMessage[];
  options: OllamaOptions;
  format?: OllamaFormat;
}

export function sampleKey(key: SampleKey): string {
  const options = Object.fromEntries(Object.entries(key.options).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256')
    .update(JSON.stringify([key.host, key.model, key.messages.map((m) => [m.role, m.content]), options, key.format ?? null]))
    .digest('hex');
}

export class SampleCache {
  private readonly entries = new Map<string, ChatCallResult>();
  constructor(private readonly capacity = 2048) {}

  get(key: string): ChatCallResult | undefined {
    return this.entries.get(key);
  }

  set(key: string, result: ChatCallResult): void {
    this.entries.delete(key);
    this.entries.set(key, result);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
