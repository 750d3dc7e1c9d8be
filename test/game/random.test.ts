import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, hashSeed, mulberry32 } from '../../game/random';
import {
  CLEAN_FINISH_FRACTION,
  EPISODE_TIMEOUT_MAX_MS,
  EPISODE_TIMEOUT_MIN_MS,
  episodeTimeoutMs,
  finishedWellWithin,
  timeoutForEpisode,
} from '../../game/timeouts';

describe('seeded randomness', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = Array.from({ length: 5 }, mulberry32(42));
    const b = Array.from({ length: 5 }, mulberry32(42));
    const c = Array.from({ length: 5 }, mulberry32(43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const x of a) expect(x >= 0 && x < 1).toBe(true);
  });

  it('accepts any number as a seed', () => {
    fc.assert(
      fc.property(fc.double(), (seed) => {
        const x = createRng(seed).next();
        expect(x).toBe(createRng(seed).next());
        expect(x >= 0 && x < 1).toBe(true);
      }),
    );
  });

  it('draws integers in range, picks and shuffles', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const n = rng.int(-2, 2);
      expect(n >= -2 && n <= 2 && Number.isInteger(n)).toBe(true);
      seen.add(n);
    }
    expect(seen.size).toBe(5);
    expect([1, 2, 3]).toContain(rng.pick([1, 2, 3]));
    expect(() => rng.pick([])).toThrow(RangeError);
    expect(rng.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('derives stable, label-dependent child seeds', () => {
    expect(deriveSeed(1, 'evaluator', 0)).toBe(deriveSeed(1, 'evaluator', 0));
    expect(deriveSeed(1, 'evaluator', 0)).not.toBe(deriveSeed(1, 'evaluator', 1));
    expect(deriveSeed(1, 'evaluator', 0)).not.toBe(deriveSeed(2, 'evaluator', 0));
    expect(hashSeed('a', 'bc')).not.toBe(hashSeed('ab', 'c'));
  });
});

describe('time limits', () => {
  it('draws a deterministic per-episode limit in [2500, 5000] ms', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const ms = episodeTimeoutMs(seed);
        expect(Number.isInteger(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(EPISODE_TIMEOUT_MIN_MS);
        expect(ms).toBeLessThanOrEqual(EPISODE_TIMEOUT_MAX_MS);
        expect(episodeTimeoutMs(seed)).toBe(ms);
      }),
    );
    const spread = new Set(Array.from({ length: 200 }, (_, i) => episodeTimeoutMs(i)));
    expect(spread.size).toBeGreaterThan(100);
  });

  it('uses the fixed limit unless randomising', () => {
    expect(timeoutForEpisode({ randomize: false, fixedMs: 3000 }, 9)).toBe(3000);
    expect(timeoutForEpisode({ randomize: true, fixedMs: 3000 }, 9)).toBe(episodeTimeoutMs(9));
  });

  it('calls a finish clean only within the margin', () => {
    const limit = 4000;
    const margin = limit * CLEAN_FINISH_FRACTION;
    expect(finishedWellWithin({ kind: 'returned', value: { t: 'none' }, durationMs: margin }, limit)).toBe(true);
    expect(finishedWellWithin({ kind: 'raised', type: 'E', message: '', durationMs: margin + 1 }, limit)).toBe(false);
    expect(finishedWellWithin({ kind: 'crashed', reason: 'x', durationMs: 1 }, limit)).toBe(false);
  });
});
