// Stable identities for the generator's site memory: a program (digest of its normalized source and
// entry point) and a mutation site in it (operator, line, column and a digest of the mutant's
// description, as the enumerator gives them in a fixed order). The same program and mutant give the
// same keys in every run, so what a round learned about a site applies when the program comes back.
// Pure (no Node builtins): the learner and the generator both use it.
import { hashSeed } from '../../../game/random';

/** Site weights of one program: site key → weight (1 when absent). */
export type ProgramSiteWeights = Record<string, number>;
/** Site memory: program key → that program's site weights. */
export type SiteWeights = Record<string, ProgramSiteWeights>;

/** At most this many sites per program are remembered (those whose weight is furthest from 1). */
export const maxSitesPerProgram = 16;
/** At most this many programs are remembered (those with the most evidence). */
export const maxSitePrograms = 128;

/** A short hex digest: two 32-bit hashes of the text under different labels (16 hex digits); not cryptographic. */
function shortDigest(text: string): string {
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  return hex(hashSeed('a', text)) + hex(hashSeed('b', text));
}

/** Line endings and trailing whitespace do not change a program's identity. */
function normalizeSource(source: string): string {
  return source
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/** Identity of a program for the site memory. */
export function programKey(source: string, entryPoint: string): string {
  return `p${shortDigest(`${entryPoint}\n${normalizeSource(source)}`).slice(0, 12)}`;
}

export interface SiteIdentity {
  operator: string;
  line: number;
  col: number;
  description: string;
}

/** Identity of one mutation site of a program: `operator@line:col#digest(description)`. */
export function siteKey(site: SiteIdentity): string {
  return `${site.operator}@${site.line}:${site.col}#${shortDigest(site.description.trim()).slice(0, 6)}`;
}

/** How far a weight is from "no preference" (1), on a log scale. */
function strength(weight: number): number {
  return weight > 0 ? Math.abs(Math.log(weight)) : Number.POSITIVE_INFINITY;
}

/**
 * Bounds the site memory: per program the `perProgram` sites furthest from 1 are kept (weights of
 * exactly 1 say nothing and are dropped), then the `programs` programs with the most total evidence.
 * Keys come out sorted, so equal memories serialize identically.
 */
export function boundSiteWeights(sites: SiteWeights, perProgram = maxSitesPerProgram, programs = maxSitePrograms): SiteWeights {
  const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const kept: Array<{ program: string; weights: ProgramSiteWeights; evidence: number }> = [];
  for (const program of Object.keys(sites).sort(byKey)) {
    const entries = Object.entries(sites[program] ?? {})
      .filter(([, w]) => Number.isFinite(w) && w >= 0 && strength(w) > 1e-9)
      .sort(([ka, wa], [kb, wb]) => strength(wb) - strength(wa) || byKey(ka, kb))
      .slice(0, perProgram)
      .sort(([ka], [kb]) => byKey(ka, kb));
    if (entries.length === 0) continue;
    const evidence = entries.reduce((sum, [, w]) => sum + Math.min(50, strength(w)), 0);
    kept.push({ program, weights: Object.fromEntries(entries), evidence });
  }
  const chosen = kept
    .sort((a, b) => b.evidence - a.evidence || byKey(a.program, b.program))
    .slice(0, programs)
    .sort((a, b) => byKey(a.program, b.program));
  return Object.fromEntries(chosen.map((p) => [p.program, p.weights]));
}
