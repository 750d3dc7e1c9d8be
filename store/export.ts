// Writes a campaign's episodes as JSONL: every full record, and the chat-format training material
// of valid plays (the generator's winning replies, the evaluator's successful attempts).
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { ChatMessage } from '../game/types';
import type { EpisodeRecord } from '../machines/types';
import type { EpisodeStore } from './episode-store';

export interface ExportResult {
  episodesFile: string;
  chatFile: string;
  episodes: number;
  chatExamples: number;
}

interface ChatExample {
  episodeId: string;
  role: 'generator' | 'evaluator';
  difficulty: number | null;
  messages: ChatMessage[];
}

function chatExamples(record: EpisodeRecord): ChatExample[] {
  if (record.outcome !== 'valid') return [];
  const examples: ChatExample[] = [];
  if (record.proposal) {
    examples.push({
      episodeId: record.episodeId,
      role: 'generator',
      difficulty: record.difficulty,
      messages: [...record.proposal.prompt, { role: 'assistant', content: record.proposal.reply.raw }],
    });
  }
  if (record.attack) {
    for (const verdict of record.attemptVerdicts) {
      const reply = record.attack.replies[verdict.index];
      if (!verdict.found || reply === undefined) continue;
      examples.push({
        episodeId: record.episodeId,
        role: 'evaluator',
        difficulty: record.difficulty,
        messages: [...record.attack.prompt, { role: 'assistant', content: reply.raw }],
      });
    }
  }
  return examples;
}

async function write(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(line + '\n')) await once(stream, 'drain');
}

async function close(stream: ReturnType<typeof createWriteStream>): Promise<void> {
  stream.end();
  await once(stream, 'close');
}

export async function exportCampaign(store: EpisodeStore, campaignId: string, outDir: string): Promise<ExportResult> {
  mkdirSync(outDir, { recursive: true });
  const episodesFile = path.join(outDir, `${campaignId}.episodes.jsonl`);
  const chatFile = path.join(outDir, `${campaignId}.chat.jsonl`);
  const episodes = createWriteStream(episodesFile);
  const chat = createWriteStream(chatFile);
  let episodeCount = 0;
  let chatCount = 0;
  try {
    for await (const record of store.records(campaignId)) {
      await write(episodes, JSON.stringify(record));
      episodeCount += 1;
      for (const example of chatExamples(record)) {
        await write(chat, JSON.stringify(example));
        chatCount += 1;
      }
    }
  } finally {
    await Promise.all([close(episodes), close(chat)]);
  }
  return { episodesFile, chatFile, episodes: episodeCount, chatExamples: chatCount };
}
