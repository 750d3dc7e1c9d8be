// How the report writes numbers: one place, so the page, the plots' hover labels and the tables agree.

export function percent(value: number | null, digits = 0): string {
  return value === null ? '–' : `${(value * 100).toFixed(digits)} %`;
}

export function fixed(value: number | null, digits = 2): string {
  return value === null ? '–' : value.toFixed(digits);
}

export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function timestamp(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** `round 3` for a 0-based stored round. */
export function roundLabel(round: number): string {
  return `round ${round + 1}`;
}

/** A model version of `sinq eval`: the base model, or the one trained on a round's plays. */
export function trainedLabel(round: number | null): string {
  return round === null ? 'base' : `after round ${round + 1}`;
}
