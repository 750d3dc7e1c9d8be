// Facts about a recorded episode that the offline learners need, read back from the players' own
// replies: which mutation operator made the variant (and where), and which fuzz strategy found each
// diverging input. Pure.
import { mutationOperators, type MutationOperator } from '../actors/policies/mutation/enumerate';
import { isLocationKind, type LocationKind } from '../actors/policies/mutation/location';
import { siteKey } from '../actors/policies/mutation/site';
import { fuzzStrategies, seedSources, type FuzzStrategy, type SeedSource } from '../actors/policies/fuzz/state';
import type { EpisodeRecord } from '../machines/types';

export interface MutationFact {
  operator: MutationOperator;
  line: number;
  /** The kind of statement mutated, when the reply names it. */
  location: LocationKind | null;
  /** The mutant's site (see `site.ts`), when the reply names column and description. */
  site: string | null;
}

const MUTATION_ANALYSIS = /Mutation `([a-z-]+)` at line (\d+), column (\d+)(?: \(([a-z]+)\))?(?:: ([\s\S]*?)\. On the diverging input,)?/;
const FUZZ_DRAWS = /Inputs by origin: ([a-z0-9, -]+)\./;
const FUZZ_STRATEGY = /\(strategy: ([a-z-]+)\)/;
const FUZZ_EFFORT = /after (\d+) inputs? \(strategy/;

function isOperator(value: string): value is MutationOperator {
  return (mutationOperators as readonly string[]).includes(value);
}

export function isStrategy(value: string): value is FuzzStrategy {
  return (fuzzStrategies as readonly string[]).includes(value);
}

export function isSeedSource(value: string): value is SeedSource {
  return (seedSources as readonly string[]).includes(value);
}

/**
 * The operator, line, location kind and site of a mutation generator's play, or null for any other
 * reply. The site is read from the reply's sentence `` Mutation `op` at line N, column C (kind): description. On the diverging input, … ``.
 */
export function mutationFactOf(record: Pick<EpisodeRecord, 'proposal'>): MutationFact | null {
  const raw = record.proposal?.reply.raw;
  if (raw === undefined) return null;
  const match = MUTATION_ANALYSIS.exec(raw);
  if (!match || !isOperator(match[1] ?? '')) return null;
  const operator = match[1] as MutationOperator;
  const line = Number(match[2]);
  const kind = match[4] ?? '';
  const description = match[5];
  return {
    operator,
    line,
    location: isLocationKind(kind) ? kind : null,
    site: description === undefined ? null : siteKey({ operator, line, col: Number(match[3]), description }),
  };
}

/** For each evaluator attempt that found a diverging input: the strategy or seed source that produced it. */
export function killOrigins(
  record: Pick<EpisodeRecord, 'attack' | 'attemptVerdicts'>,
): Array<FuzzStrategy | SeedSource> {
  const replies = record.attack?.replies ?? [];
  const origins: Array<FuzzStrategy | SeedSource> = [];
  for (const verdict of record.attemptVerdicts) {
    if (!verdict.found) continue;
    const raw = replies[verdict.index]?.raw ?? '';
    const origin = FUZZ_STRATEGY.exec(raw)?.[1] ?? '';
    if (isStrategy(origin) || isSeedSource(origin)) origins.push(origin);
  }
  return origins;
}

/**
 * How hard each evaluator attempt found the play, 0..1: a miss is 1, a diverging input found on the
 * n-th input tried is 1 - 1/sqrt(n) when the reply says n (the fuzz evaluator does), else 0. The
 * mean over attempts equals difficulty / 10 when every find was immediate, and grades the finds.
 */
export function attemptHardness(record: Pick<EpisodeRecord, 'attack' | 'attemptVerdicts'>): number[] {
  const replies = record.attack?.replies ?? [];
  return record.attemptVerdicts.map((verdict) => {
    if (!verdict.found) return 1;
    const n = Number(FUZZ_EFFORT.exec(replies[verdict.index]?.raw ?? '')?.[1] ?? 1);
    return n > 1 ? 1 - 1 / Math.sqrt(n) : 0;
  });
}

/**
 * Inputs tried per strategy or seed source over all of a record's evaluator attempts (found or not),
 * from the replies' "Inputs by origin" sentence; empty when the replies do not say.
 */
export function drawOrigins(record: Pick<EpisodeRecord, 'attack'>): Partial<Record<FuzzStrategy | SeedSource, number>> {
  const draws: Partial<Record<FuzzStrategy | SeedSource, number>> = {};
  for (const reply of record.attack?.replies ?? []) {
    const list = FUZZ_DRAWS.exec(reply.raw)?.[1];
    if (list === undefined) continue;
    for (const part of list.split(',')) {
      const [origin = '', n = ''] = part.trim().split(' ');
      const count = Number(n);
      if ((isStrategy(origin) || isSeedSource(origin)) && Number.isInteger(count) && count > 0) draws[origin] = (draws[origin] ?? 0) + count;
    }
  }
  return draws;
}
