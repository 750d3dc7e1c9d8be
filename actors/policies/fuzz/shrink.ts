// Shrinking a diverging input to a simple one: greedy, one parameter at a time, accepting the first
// simpler candidate (in a fixed order) that still diverges. Candidates are strictly smaller by
// `valueSize`, so shrinking always terminates.
import type { PyValue } from '../../../game/types';
import { float, int, intValue, replaceParam, str, valueSize, type FuzzInput } from './values';

function sequenceOf(value: PyValue, items: PyValue[]): PyValue {
  return { t: value.t as 'list' | 'tuple' | 'set' | 'frozenset', v: items };
}

/** Simpler versions of a value, most aggressive first. */
export function shrinkCandidates(value: PyValue): PyValue[] {
  const out: PyValue[] = [];
  switch (value.t) {
    case 'int': {
      const n = intValue(value) ?? 0n;
      if (n === 0n) break;
      out.push(int(0));
      if (n > 1n) out.push(int(1));
      if (n < 0n) out.push(int(-n));
      if (n > 2n || n < -2n) out.push(int(n / 2n));
      out.push(int(n > 0n ? n - 1n : n + 1n));
      break;
    }
    case 'float': {
      const x = typeof value.v === 'number' ? value.v : 0;
      if (x !== 0) out.push(float(0));
      if (!Number.isInteger(x)) out.push(float(Math.trunc(x)));
      if (!Number.isInteger(x)) out.push(float(Math.round(x * 10) / 10));
      if (x < 0) out.push(float(-x));
      if (Math.abs(x) > 2) out.push(float(Math.trunc(x / 2)));
      break;
    }
    case 'bool':
      if (value.v) out.push({ t: 'bool', v: false });
      break;
    case 'str': {
      const s = value.v;
      if (s.length === 0) break;
      out.push(str(''));
      if (s.length > 1) out.push(str(s.slice(0, Math.ceil(s.length / 2))), str(s.slice(Math.floor(s.length / 2))));
      const step = s.length <= 16 ? 1 : Math.ceil(s.length / 16);
      for (let i = 0; i < s.length; i += step) out.push(str(s.slice(0, i) + s.slice(i + step)));
      break;
    }
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset': {
      const items = value.v;
      if (items.length === 0) break;
      out.push(sequenceOf(value, []));
      if (items.length > 1) out.push(sequenceOf(value, items.slice(0, Math.ceil(items.length / 2))), sequenceOf(value, items.slice(Math.floor(items.length / 2))));
      const step = items.length <= 16 ? 1 : Math.ceil(items.length / 16);
      for (let i = 0; i < items.length; i += step) out.push(sequenceOf(value, [...items.slice(0, i), ...items.slice(i + step)]));
      items.forEach((item, i) => {
        for (const smaller of shrinkCandidates(item).slice(0, 3)) out.push(sequenceOf(value, items.map((x, j) => (j === i ? smaller : x))));
      });
      break;
    }
    case 'dict': {
      const entries = value.v;
      if (entries.length === 0) break;
      out.push({ t: 'dict', v: [] });
      entries.forEach((_, i) => out.push({ t: 'dict', v: entries.filter((__, j) => j !== i) }));
      entries.forEach(([k, v], i) => {
        for (const smaller of shrinkCandidates(v).slice(0, 3)) out.push({ t: 'dict', v: entries.map((e, j) => (j === i ? [k, smaller] : e)) });
      });
      break;
    }
    default:
      break;
  }
  const size = valueSize(value);
  return out.filter((candidate) => valueSize(candidate) < size);
}

export interface ShrinkOptions {
  /** Most candidate executions to spend. */
  budget: number;
  /** How many candidates to test at once; the first diverging one in order wins. */
  parallel: number;
  signal?: AbortSignal;
}

export interface ShrinkResult {
  input: FuzzInput;
  executions: number;
}

/** Greedily shrinks `input` while `diverges` holds; deterministic if `diverges` is. */
export async function shrinkInput(input: FuzzInput, diverges: (candidate: FuzzInput) => Promise<boolean>, options: ShrinkOptions): Promise<ShrinkResult> {
  let current = input;
  let executions = 0;
  let improved = true;
  while (improved && executions < options.budget && !options.signal?.aborted) {
    improved = false;
    for (let p = 0; p < current.length && !improved; p++) {
      const value = (current[p] as [string, PyValue])[1];
      const candidates = shrinkCandidates(value).map((c) => replaceParam(current, p, c));
      for (let start = 0; start < candidates.length && !improved; start += options.parallel) {
        const room = options.budget - executions;
        if (room <= 0 || options.signal?.aborted) return { input: current, executions };
        const batch = candidates.slice(start, start + Math.min(options.parallel, room));
        executions += batch.length;
        const verdicts = await Promise.all(batch.map((c) => diverges(c)));
        const winner = verdicts.indexOf(true);
        if (winner >= 0) {
          current = batch[winner] as FuzzInput;
          improved = true;
        }
      }
    }
  }
  return { input: current, executions };
}
