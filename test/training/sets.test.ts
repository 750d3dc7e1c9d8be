import { describe, expect, it } from 'vitest';
import { buildTrainingSets, DIFFICULTY_QUESTION, difficultyAnswer, rebalance, validPlays } from '../../training/sets';
import { toJsonl } from '../../training/files';
import { record } from './records';

/** 40 easy plays over levels 0..4 (20, 10, 5, 3, 2) and 6 hard ones at 5..10, plus noise that must not count. */
function constructed() {
  const records = [];
  const easy: Array<[number, number]> = [
    [0, 20],
    [1, 10],
    [2, 5],
    [3, 3],
    [4, 2],
  ];
  for (const [level, count] of easy) for (let i = 0; i < count; i++) records.push(record({ taskId: `e${level}-${i}`, difficulty: level, kills: ['havoc', null] }));
  for (const [i, d] of [5, 6, 6.7, 8, 9.6, 10].entries()) records.push(record({ taskId: `h${i}`, difficulty: d, kills: ['diff-constant', null, 'diff-constant'] }));
  records.push(record({ taskId: 'bad1', outcome: 'invalid' }));
  records.push(record({ taskId: 'bad2', outcome: 'failed' }));
  return records;
}

describe('training sets', () => {
  it('keeps every hard play and 10% of the easy ones, round-robin across levels', () => {
    const sets = buildTrainingSets(constructed(), { seed: 3 });
    expect(sets.counts.validPlays).toBe(46);
    expect(sets.counts.hard).toBe(6);
    expect(sets.counts.easy).toBe(40);
    expect(sets.counts.easyKept).toBe(4);
    // One from each of the four lowest levels, not four from the crowded level 0.
    expect(sets.counts.keptByLevel.slice(0, 5)).toEqual([1, 1, 1, 1, 0]);
    expect(sets.counts.keptByLevel.slice(5).reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('round-robin keeps going round the levels when the quota is larger than the number of levels', () => {
    const plays = validPlays(constructed());
    // 14 of 40: two full turns of five levels, then a third turn in which level 4 (two plays) has run dry.
    const { easyKept } = rebalance(plays, { seed: 1, hardThreshold: 5, easyFraction: 0.35 });
    const byLevel = [0, 1, 2, 3, 4].map((level) => easyKept.filter((p) => p.level === level).length);
    expect(easyKept).toHaveLength(14);
    expect(byLevel).toEqual([3, 3, 3, 3, 2]);
  });

  it('mixes generation and difficulty-prediction examples 50/50', () => {
    const sets = buildTrainingSets(constructed(), { seed: 3 });
    const prediction = sets.generator.filter((e) => e.messages.some((m) => m.content === DIFFICULTY_QUESTION));
    expect(sets.generator).toHaveLength(20);
    expect(prediction).toHaveLength(10);
    expect(sets.counts.generation).toBe(10);
    expect(sets.counts.prediction).toBe(10);
    for (const example of prediction) {
      const [, user, program, question, answer] = example.messages;
      expect(user?.content).toContain('Target difficulty: Any\n');
      expect(program).toMatchObject({ role: 'assistant', weight: 0 });
      expect(question).toMatchObject({ role: 'user', content: DIFFICULTY_QUESTION });
      expect(answer?.role).toBe('assistant');
      expect(answer?.content).toMatch(/^Difficulty: \d+$/);
    }
    expect(buildTrainingSets(constructed(), { seed: 3, predictionMix: false }).generator).toHaveLength(10);
  });

  it('labels generation examples with the measured difficulty, not the target (hindsight)', () => {
    const records = [record({ taskId: 'a', difficulty: 6.7, targetDifficulty: 10 }), record({ taskId: 'b', difficulty: 3.3, targetDifficulty: 10 })];
    const sets = buildTrainingSets(records, { seed: 0, easyFraction: 1 });
    const users = sets.generator
      .filter((e) => e.messages.length === 3)
      .map((e) => e.messages[1]?.content ?? '')
      .sort();
    expect(users).toHaveLength(2);
    expect(users.some((u) => u.includes('Target difficulty: 7 / 10'))).toBe(true);
    expect(users.some((u) => u.includes('Target difficulty: 3 / 10'))).toBe(true);
    expect(users.some((u) => u.includes('Target difficulty: 10 / 10'))).toBe(false);
    const answers = sets.generator.filter((e) => e.messages.length === 5).map((e) => e.messages[4]?.content);
    expect(answers.sort()).toEqual([difficultyAnswer(3), difficultyAnswer(7)]);
    // The assistant turn is the generator's reply, verbatim.
    const generation = sets.generator.find((e) => e.messages.length === 3);
    expect(generation?.messages[2]?.content).toBe(records.find((r) => generation?.messages[1]?.content.includes(`task ${r.task.id}`))?.proposal?.reply.raw);
  });

  it('builds evaluator examples from the correct attempts on the kept programs only', () => {
    const sets = buildTrainingSets(constructed(), { seed: 3 });
    // Hard plays: 2 distinct correct attempts each; kept easy plays: 1 each.
    expect(sets.evaluator).toHaveLength(6 * 2 + 4 * 1);
    for (const example of sets.evaluator) {
      expect(example.messages[0]?.content).toContain('You are the evaluator');
      expect(example.messages[1]?.content).toContain('Variant program:');
      expect(example.messages[2]?.content).toContain('# Equivalent?\n\nNo');
    }
  });

  it('pairs a hard and an easy reply to the same task for preference training', () => {
    const records = [
      record({ taskId: 't1', round: 0, difficulty: 1 }),
      record({ taskId: 't1', round: 1, difficulty: 8 }),
      record({ taskId: 't2', round: 0, difficulty: 6 }),
      record({ taskId: 't2', round: 1, difficulty: 9 }),
    ];
    const { preferences } = buildTrainingSets(records, { seed: 0, preferences: true });
    expect(buildTrainingSets(records, { seed: 0 }).preferences).toHaveLength(0);
    expect(preferences).toHaveLength(1);
    expect(preferences[0]?.prompt[1]?.content).toContain('Target difficulty: 8 / 10');
    expect(preferences[0]?.chosen[0]?.content).toBe(records[1]?.proposal?.reply.raw);
    expect(preferences[0]?.rejected[0]?.content).toBe(records[0]?.proposal?.reply.raw);
  });

  it('is deterministic for a seed and independent of record order', () => {
    const records = constructed();
    const a = toJsonl(buildTrainingSets(records, { seed: 42 }).generator);
    const b = toJsonl(buildTrainingSets([...records].reverse(), { seed: 42 }).generator);
    expect(b).toBe(a);
    const others = [1, 2, 3, 4, 5].map((seed) => toJsonl(buildTrainingSets(records, { seed }).generator));
    expect(others.some((text) => text !== a)).toBe(true);
    for (const line of a.trim().split('\n')) expect(Object.keys(JSON.parse(line) as object)).toEqual(['messages']);
  });
});
