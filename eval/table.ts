// The results table the study's results section reports: one row per model version.
import type { EvalResult } from './store';

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(2)} %`;
}

function signedPoints(value: number | null): string {
  if (value === null) return '-';
  const points = value * 100;
  return `${points >= 0 ? '+' : ''}${points.toFixed(2)} pt`;
}

export function renderResultsTable(results: EvalResult[]): string {
  const header = ['benchmark', 'model', 'round', 'items', 'accuracy', 'acc. answered', 'unanswered', 'position bias'];
  const rows = results.map((r) => [
    r.benchmark,
    r.model,
    r.round === null ? 'base' : String(r.round),
    String(r.items),
    percent(r.accuracy),
    percent(r.accuracyAnswered),
    String(r.unanswered),
    signedPoints(r.positionBias),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
