// What the fuzzer knows before running anything: parameter names and shapes, literal pools (all
// constants, and those on changed lines), and the seed inputs with where each came from.
import type { PyValue } from '../../../game/types';
import type { Rng } from '../../../game/random';
import type { PairAnalysis } from './analysis';
import { injectConstant } from './mutators';
import { guessShape, poolOf, randomValue, typicalValues, type LiteralPool, type Shape } from './shapes';
import type { SeedSource } from './state';
import { renderInput, type FuzzInput } from './values';

export interface SeedInput {
  input: FuzzInput;
  source: SeedSource;
}

export interface FuzzModel {
  names: string[];
  shapes: Shape[];
  /** Every constant of both programs. */
  pool: LiteralPool;
  /** Constants on the lines where the programs differ: where divergence lives. */
  changed: PyValue[];
  /** Integers compared against len(...). */
  lengths: number[];
  seeds: SeedInput[];
  changedLines: string[];
}

function dedupeSeeds(seeds: SeedInput[]): SeedInput[] {
  const seen = new Set<string>();
  return seeds.filter((s) => {
    const key = renderInput(s.input);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Builds the model from a static analysis; `rng` only decides where literal seeds go. */
export function buildModel(analysis: PairAnalysis, rng: Rng): FuzzModel {
  const examples = analysis.examples.flatMap((e) => (e.ok ? [e.value] : []));
  const names = analysis.params.map((p) => p.name);
  const shapes = analysis.params.map((p) => guessShape(p, examples.find((e) => e[p.name] !== undefined)?.[p.name]));
  const typical = shapes.map((shape) => typicalValues(shape));
  const fallback = (i: number, k: number): PyValue => {
    const values = typical[i] as PyValue[];
    return values[(k + i) % values.length] as PyValue;
  };
  const seeds: SeedInput[] = [];
  for (const example of examples.slice(0, 20)) {
    seeds.push({ input: analysis.params.map((p, i) => [p.name, example[p.name] ?? p.default ?? fallback(i, 0)]), source: 'examples' });
  }
  if (analysis.params.some((p) => p.default !== null)) {
    seeds.push({ input: analysis.params.map((p, i) => [p.name, p.default ?? fallback(i, 0)]), source: 'defaults' });
  }
  const inferredCount = examples.length > 0 ? 3 : 8;
  for (let k = 0; k < inferredCount; k++) {
    seeds.push({ input: analysis.params.map((p, i) => [p.name, k === 0 && p.default ? p.default : fallback(i, k)]), source: 'inferred' });
  }
  const pool = poolOf(analysis.literals);
  const changed = analysis.changedLiterals.filter((v) => v.t === 'int' || v.t === 'float' || v.t === 'str' || v.t === 'bool');
  const others = analysis.literals.filter((v) => !changed.some((c) => JSON.stringify(c) === JSON.stringify(v))).slice(0, 8);
  // Put each changed constant (then a few others) into a base seed, in every parameter it fits.
  const bases = seeds.slice(0, Math.max(1, Math.min(2, examples.length)));
  const withConstants = (constants: PyValue[]): SeedInput[] => {
    const out: SeedInput[] = [];
    for (const c of constants) {
      for (const base of bases) {
        base.input.forEach(([name, value], i) => {
          for (let rep = 0; rep < 3; rep++) {
            const injected = injectConstant(value, c, rng, pool);
            if (injected) out.push({ input: base.input.map((entry, j) => (j === i ? [name, injected] : entry)), source: 'literals' });
          }
        });
      }
    }
    return out;
  };
  // Changes guarded by several conditions need every parameter set from the code at once.
  const combined = (constants: PyValue[]): SeedInput[] => {
    const out: SeedInput[] = [];
    if (constants.length === 0 || analysis.params.length < 2) return out;
    for (const base of bases) {
      for (let rep = 0; rep < 6; rep++) {
        const input = base.input.map(([name, value]): [string, PyValue] => {
          for (const c of rng.shuffle(constants)) {
            const injected = injectConstant(value, c, rng, pool);
            if (injected) return [name, injected];
          }
          return [name, value];
        });
        out.push({ input, source: 'literals' });
      }
    }
    return out;
  };
  const exampleSeeds = seeds.filter((s) => s.source === 'examples');
  const restSeeds = seeds.filter((s) => s.source !== 'examples');
  // Each attempt (seed) walks the seeds of a group in its own order, so attempts stay independent.
  const ordered = [...rng.shuffle(exampleSeeds), ...rng.shuffle(withConstants(changed)), ...combined(changed), ...restSeeds, ...withConstants(others)];
  return {
    names,
    shapes,
    pool,
    changed,
    lengths: analysis.lengthHints,
    seeds: dedupeSeeds(ordered),
    changedLines: analysis.changedLines,
  };
}

/** A fresh random input; `useLiterals` false gives the plain random baseline. */
export function randomInput(model: FuzzModel, rng: Rng, useLiterals: boolean): FuzzInput {
  return model.names.map((name, i) => [name, randomValue(model.shapes[i] as Shape, rng, model.pool, useLiterals)]);
}
