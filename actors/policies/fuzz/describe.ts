// Short human-readable accounts of outcomes, for the analysis section of offline players' replies.
import type { Outcome } from '../../../game/types';
import { renderLiteral } from './values';

function clip(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'returned':
      return `returns ${clip(renderLiteral(outcome.value))}`;
    case 'raised':
      return `raises ${outcome.type}${outcome.message ? `: ${clip(outcome.message, 100)}` : ''}`;
    case 'timeout':
      return `does not halt within ${outcome.limitMs} ms`;
    case 'crashed':
      return `crashes (${clip(outcome.reason, 100)})`;
    case 'invalid':
      return `cannot run (${clip(outcome.reason, 100)})`;
  }
}
