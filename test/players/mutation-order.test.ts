import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enumerateMutants, type Mutant } from '../../actors/policies/mutation/enumerate';
import { generateMutant, mutantOrder } from '../../actors/policies/mutation/generate';
import { programKey, siteKey } from '../../actors/policies/mutation/site';
import { resolveMutationPolicyState } from '../../actors/policies/mutation/state';
import { createRng } from '../../game/random';
import type { Task } from '../../game/types';
import { createSandbox, type Sandbox } from '../../sandbox/index';

const source = 'def f(xs, k):\n    total = 0\n    for x in xs:\n        if x < k:\n            total += x\n    return total * 2\n';
const task = { source, entryPoint: 'f' };
const other = { source: source.replace('* 2', '* 3'), entryPoint: 'f' };

const mutant = (operator: Mutant['operator'], line: number, col: number, description: string): Mutant => ({ operator, line, col, endLine: line, description, source: `${source}# ${description}\n`, formatting: 'kept' });

const mutants: Mutant[] = [
  mutant('constant', 2, 12, '0 -> 1'),
  mutant('comparison', 4, 11, "'<' -> '<='"),
  mutant('comparison', 4, 11, "'<' -> '>'"),
  mutant('augmented-assignment', 5, 12, "'+=' -> '-='"),
  mutant('augmented-assignment', 5, 12, "'+=' -> '='"),
  mutant('arithmetic', 6, 11, "'*' -> '//'"),
  mutant('arithmetic', 6, 11, "'*' -> '+'"),
  mutant('constant', 6, 19, '2 -> 3'),
  mutant('return-value', 6, 4, "'return total * 2' -> 'return None'"),
];
const hard = mutants[1] as Mutant;
const easy = mutants[6] as Mutant;

const seeds = Array.from({ length: 40 }, (_, i) => 100 + i);

describe('mutant order with a site memory', () => {
  const plain = resolveMutationPolicyState({});
  const learned = resolveMutationPolicyState({ siteWeights: { [programKey(task.source, task.entryPoint)]: { [siteKey(hard)]: 50, [siteKey(easy)]: 0.02 } } });

  it('is a permutation of the mutants, the same for a seed', () => {
    const order = mutantOrder(mutants, task, learned, createRng(7));
    expect([...order].sort((a, b) => a.description.localeCompare(b.description))).toEqual([...mutants].sort((a, b) => a.description.localeCompare(b.description)));
    expect(mutantOrder(mutants, task, learned, createRng(7))).toEqual(order);
  });

  it('tries a known-hard site first on the program it was learned on, and a penalised one late', () => {
    const firstHard = seeds.filter((seed) => mutantOrder(mutants, task, learned, createRng(seed))[0] === hard).length;
    const firstHardBefore = seeds.filter((seed) => mutantOrder(mutants, task, plain, createRng(seed))[0] === hard).length;
    expect(firstHard).toBeGreaterThanOrEqual(seeds.length * 0.7);
    expect(firstHardBefore).toBeLessThan(seeds.length * 0.4);
    const rank = (state: typeof plain, m: Mutant): number => seeds.reduce((sum, seed) => sum + mutantOrder(mutants, task, state, createRng(seed)).indexOf(m), 0) / seeds.length;
    expect(rank(learned, easy)).toBeGreaterThan(rank(plain, easy) + 1);
  });

  it('ignores the site memory of one program when ordering another, and keeps the old draw without a memory', () => {
    for (const seed of seeds.slice(0, 10)) {
      expect(mutantOrder(mutants, other, learned, createRng(seed))).toEqual(mutantOrder(mutants, other, plain, createRng(seed)));
    }
  });

  it('still lets the operator and location weights decide among unknown sites', () => {
    const onlyReturns = resolveMutationPolicyState({ ...learned, locationWeights: { condition: 0, loop: 0, assignment: 0, expression: 0, return: 1 } });
    const order = mutantOrder(mutants, task, onlyReturns, createRng(3));
    expect(order.every((m) => m.line === 6)).toBe(true);
    expect(order).not.toContain(hard);
  });
});

describe('mutation generator with a site memory', () => {
  const clamp: Task = {
    id: 'clamp',
    description: 'Sum of the values clamped to [lo, hi].',
    source: 'def clamp_sum(xs, lo, hi):\n    total = 0\n    for x in xs:\n        if x < lo:\n            total += lo\n        elif x > hi:\n            total += hi\n        else:\n            total += x\n    return total\n',
    entryPoint: 'clamp_sum',
    exampleInputs: ['{"xs": [1, 5, 12, -3], "lo": 0, "hi": 10}'],
    origin: 'test',
  };
  const budget = { candidates: 1, maxCandidates: 3, rarityInputs: 16, witnessExecutions: 40 };
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ workers: 2 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('plays the site it remembers as hard on this program, whatever it would have drawn first', async () => {
    const { mutants } = await enumerateMutants(clamp.source, clamp.entryPoint);
    const wanted = mutants.find((m) => m.operator === 'comparison' && m.description === "'<' -> '>'");
    expect(wanted).toBeDefined();
    const memory = { [programKey(clamp.source, clamp.entryPoint)]: { [siteKey(wanted as Mutant)]: 1000 } };
    const without: string[] = [];
    for (const seed of [1, 2, 3]) {
      const before = await generateMutant(clamp, { targetDifficulty: 10, seed, state: resolveMutationPolicyState(budget), sandbox });
      const after = await generateMutant(clamp, { targetDifficulty: 10, seed, state: resolveMutationPolicyState({ ...budget, siteWeights: memory }), sandbox });
      without.push(before.play?.variant ?? '');
      expect(after.play?.variant).toBe((wanted as Mutant).source);
    }
    // Without the memory these seeds play other mutants.
    expect(without.filter((v) => v !== (wanted as Mutant).source).length).toBeGreaterThanOrEqual(2);
  });
});
