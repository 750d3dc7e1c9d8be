// Scripted models for the eval tests: stand-in responders that answer each query by what it shows.
import path from 'node:path';
import { hashSeed } from '../../game/random';
import type { SwapItem } from '../../eval/items';
import type { ChatCall, Responder, ScriptedReply } from '../stand-ins/ollama';

export const fixtures = path.join(import.meta.dirname, 'fixtures');
export const fastBackoff = { attempts: 2, initialDelayMs: 5, maxDelayMs: 10 };

/** Which swap item and order a call asks about: the item whose prompt it shows, and whether its bodies are swapped. */
export function swapQueryOf(items: SwapItem[], call: ChatCall): { item: SwapItem; order: 0 | 1 } {
  const text = call.messages.map((m) => m.content).join('\n');
  const item = items.find((i) => text.includes(i.prompt));
  if (!item) throw new Error('the call shows no known swap item');
  const first = text.indexOf(item.bodies[0].replace(/\n+$/, ''));
  const second = text.indexOf(item.bodies[1].replace(/\n+$/, ''));
  return { item, order: first < second ? 0 : 1 };
}

export function swapResponder(
  items: SwapItem[],
  answer: (item: SwapItem, order: 0 | 1) => string,
  extra: Partial<ScriptedReply> = {},
): Responder {
  return (call) => {
    const { item, order } = swapQueryOf(items, call);
    return { type: 'text', text: answer(item, order), ...extra } as ScriptedReply;
  };
}

/** Answers the defect tasks by sample: `script[itemId][sample]` is the reply text. */
export function sampleResponder(benchmark: string, seed: number, script: Record<string, string[]>): Responder {
  const bySeed = new Map<number, string>();
  for (const [itemId, replies] of Object.entries(script))
    replies.forEach((text, sample) => bySeed.set(hashSeed(seed, benchmark, itemId, sample), text));
  return (call) => {
    const text = bySeed.get(Number(call.options.seed));
    if (text === undefined) throw new Error(`no scripted reply for seed ${String(call.options.seed)}`);
    return { type: 'text', text };
  };
}
