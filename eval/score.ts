// Scores stored answers: pure functions from the items and their answers to the table's numbers.
// The swap counts every query (each item in both orders, as the study counted 2,000 queries for
// 1,000 items); the defect tasks count each item once, by the majority of its samples.
import type { LabelledCodeItem, SwapItem } from './items';

/** One stored reply: `answer` is the read answer (swap: 1 or 2; defect tasks: 1 yes, 0 no), null when unreadable. */
export interface AnswerRow {
  itemId: string;
  variant: number;
  answer: number | null;
  failure: string | null;
}

export type AnswerLookup = (itemId: string, variant: number) => AnswerRow | undefined;

export interface Score {
  /** Scored units: queries for the swap (2 per item), items for the defect tasks. */
  items: number;
  answered: number;
  correct: number;
  accuracy: number;
  /** Accuracy over answered units; null when none was answered. */
  accuracyAnswered: number | null;
  unanswered: number;
  /** Swap only: accuracy with the correct body shown first minus accuracy with it shown second. */
  positionBias: number | null;
}

export class IncompleteAnswersError extends Error {
  constructor(itemId: string, variant: number) {
    super(`no stored answer for item ${itemId}, variant ${variant}`);
    this.name = 'IncompleteAnswersError';
  }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function need(lookup: AnswerLookup, itemId: string, variant: number): AnswerRow {
  const row = lookup(itemId, variant);
  if (!row) throw new IncompleteAnswersError(itemId, variant);
  return row;
}

/** Position of the correct body in a swap query: order 0 shows the bodies as listed, order 1 swapped. */
export function correctPosition(item: SwapItem, order: 0 | 1): 1 | 2 {
  const index = order === 0 ? item.answerIndex : 1 - item.answerIndex;
  return index === 0 ? 1 : 2;
}

export function scoreSwap(items: SwapItem[], lookup: AnswerLookup): Score {
  let answered = 0;
  let correct = 0;
  // Per position of the correct body (1 = shown first): queries and correct answers.
  const byPosition = { 1: { queries: 0, correct: 0 }, 2: { queries: 0, correct: 0 } };
  for (const item of items) {
    for (const order of [0, 1] as const) {
      const row = need(lookup, item.id, order);
      const position = correctPosition(item, order);
      byPosition[position].queries++;
      if (row.answer === null) continue;
      answered++;
      if (row.answer === position) {
        correct++;
        byPosition[position].correct++;
      }
    }
  }
  const total = items.length * 2;
  const first = ratio(byPosition[1].correct, byPosition[1].queries);
  const second = ratio(byPosition[2].correct, byPosition[2].queries);
  return {
    items: total,
    answered,
    correct,
    accuracy: ratio(correct, total) ?? 0,
    accuracyAnswered: ratio(correct, answered),
    unanswered: total - answered,
    positionBias: first === null || second === null ? null : first - second,
  };
}

/** The majority of the readable samples: 1 or 0, or null when none is readable or they tie. */
export function majorityVote(answers: Array<number | null>): number | null {
  const yes = answers.filter((a) => a === 1).length;
  const no = answers.filter((a) => a === 0).length;
  if (yes === no) return null;
  return yes > no ? 1 : 0;
}

export function scoreMajority(items: LabelledCodeItem[], samples: number, lookup: AnswerLookup): Score {
  let answered = 0;
  let correct = 0;
  for (const item of items) {
    const votes = Array.from({ length: samples }, (_, sample) => need(lookup, item.id, sample).answer);
    const vote = majorityVote(votes);
    if (vote === null) continue;
    answered++;
    if ((vote === 1) === item.vulnerable) correct++;
  }
  return {
    items: items.length,
    answered,
    correct,
    accuracy: ratio(correct, items.length) ?? 0,
    accuracyAnswered: ratio(correct, answered),
    unanswered: items.length - answered,
    positionBias: null,
  };
}
