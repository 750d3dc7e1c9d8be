// The three benchmarks as the study ran them: what each asks per item, with which sampling, how an
// answer is read, and how the answers are scored. A plan is everything a run needs for one model.
import { createHash } from 'node:crypto';
import { hashSeed } from '../game/random';
import type { ChatMessage } from '../game/types';
import { readAnswerAfterHeading, readChoiceDigit, readVulnerabilityJson, type AnswerRead } from './answers';
import type { LabelledCodeItem, SwapItem } from './items';
import { securityPrompt, swapPrompt, type SecurityQuestion } from './prompts';
import { scoreMajority, scoreSwap, type AnswerLookup, type Score } from './score';

export const benchmarkNames = ['identifier-swap', 'defect-detection', 'pysecdb'] as const;
export type BenchmarkName = (typeof benchmarkNames)[number];

export type BenchmarkItems =
  | { benchmark: 'identifier-swap'; items: SwapItem[] }
  | { benchmark: 'defect-detection' | 'pysecdb'; items: LabelledCodeItem[] };

/** Ollama sampling of one query. */
export interface QuerySampling {
  temperature: number;
  numPredict: number;
  numCtx: number;
  seed: number;
}

export interface EvalQuery {
  itemId: string;
  /** The swap's order (0, 1) or the defect tasks' sample (0 … n-1). */
  variant: number;
  messages: ChatMessage[];
  sampling: QuerySampling;
  /** Digest of what was asked (messages and sampling but num_ctx): a stored answer counts only for the same question. */
  digest: string;
}

export interface PlanSettings {
  /** The study's context: 16k tokens. */
  numCtx: number;
  /** Samples per item for the majority vote (defect tasks; the study: 9). */
  samples: number;
  /** The chain-of-thought variant of the defect tasks. */
  chainOfThought: boolean;
  seed: number;
}

export const defaultPlanSettings: PlanSettings = { numCtx: 16_384, samples: 9, chainOfThought: false, seed: 0 };

export interface BenchmarkPlan {
  /** Name the results are stored under: the benchmark, with `-cot` for the chain-of-thought variant. */
  name: string;
  queries: EvalQuery[];
  read(text: string): AnswerRead<number>;
  score(lookup: AnswerLookup): Score;
}

function digestOf(messages: ChatMessage[], sampling: QuerySampling): string {
  const { numCtx: _numCtx, ...asked } = sampling;
  return createHash('sha256').update(JSON.stringify({ messages, asked })).digest('hex').slice(0, 32);
}

function query(itemId: string, variant: number, messages: ChatMessage[], sampling: QuerySampling): EvalQuery {
  return { itemId, variant, messages, sampling, digest: digestOf(messages, sampling) };
}

// Room for the reply: the swap's answer is one digit (a few tokens leave room for "Candidate 2");
// the JSON answer is a short object; chain of thought gets the study's 2,048 tokens.
const swapReplyTokens = 16;
const jsonReplyTokens = 64;
const chainOfThoughtReplyTokens = 2048;

const securityQuestion: Record<'defect-detection' | 'pysecdb', SecurityQuestion> = {
  'defect-detection': 'defect',
  pysecdb: 'fix',
};

export function planBenchmark(input: BenchmarkItems, settings: PlanSettings = defaultPlanSettings): BenchmarkPlan {
  if (input.benchmark === 'identifier-swap') {
    const items = input.items;
    const queries = items.flatMap((item) =>
      ([0, 1] as const).map((order) =>
        // Temperature 0: the seed is fixed so that a rerun asks exactly the same question.
        query(item.id, order, swapPrompt(item, order), {
          temperature: 0,
          numPredict: swapReplyTokens,
          numCtx: settings.numCtx,
          seed: settings.seed,
        }),
      ),
    );
    return {
      name: 'identifier-swap',
      queries,
      read: (text) => readChoiceDigit(text),
      score: (lookup) => scoreSwap(items, lookup),
    };
  }
  const items = input.items;
  const kind = securityQuestion[input.benchmark];
  const cot = settings.chainOfThought;
  const numPredict = cot ? chainOfThoughtReplyTokens : jsonReplyTokens;
  const reader = cot ? readAnswerAfterHeading : readVulnerabilityJson;
  const queries = items.flatMap((item) => {
    const messages = securityPrompt(kind, item.code, cot);
    return Array.from({ length: settings.samples }, (_, sample) =>
      query(item.id, sample, messages, {
        temperature: 1,
        numPredict,
        numCtx: settings.numCtx,
        seed: hashSeed(settings.seed, input.benchmark, item.id, sample),
      }),
    );
  });
  return {
    name: cot ? `${input.benchmark}-cot` : input.benchmark,
    queries,
    read(text) {
      const read = reader(text);
      return read.ok ? { ok: true, value: read.value ? 1 : 0 } : read;
    },
    score: (lookup) => scoreMajority(items, settings.samples, lookup),
  };
}
