// "Did you mean ...?" for misspelled names: the closest known name by edit distance, if close enough.

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

// Case and `_`/`-` do not count: `task_set` and `TaskSet` both mean `taskSet`.
const normalized = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/**
 * The known name closest to `name`, or undefined when none is close: at most 1 edit for names of
 * up to 4 characters, 2 for longer ones. Ties go to the earlier candidate. `spelling` picks the
 * part of a candidate that is compared (e.g. the last segment of `sampling.temperature`).
 */
export function nearestName(name: string, candidates: readonly string[], spelling: (candidate: string) => string = (c) => c): string | undefined {
  const wanted = normalized(name);
  const limit = wanted.length <= 4 ? 1 : 2;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalized(spelling(candidate)));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
