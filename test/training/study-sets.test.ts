import { describe, expect, it } from 'vitest';
import { parseEvaluatorReply } from '../../game/reply';
import { campaignConfigSchema } from '../../machines/campaign-config';
import {
  answeredOnlyDifficulty,
  buildTrainingSets,
  easyQuota,
  rebalance,
  STUDY_DIFFICULTY_QUESTION,
  studyDifficultyAnswer,
  studyTrainingSetOptions,
  validPlays,
  type ValidPlay,
} from '../../training/sets';
import { record } from './records';

/** The study's generator set: 13,843 valid plays, 1,602 of them at level >= 5. */
function studyPlays(): ValidPlay[] {
  const base = record({ taskId: 's', difficulty: 0 });
  const plays: ValidPlay[] = [];
  for (let i = 0; i < 13_843; i++) {
    const level = i < 1_602 ? 5 + (i % 6) : i % 5;
    plays.push({ record: { ...base, episodeId: `s-${i}` }, level, reply: `reply ${i}`, variant: 'v' });
  }
  return plays;
}

/** Levels as recorded (the records' "Yes" answers would make every play level 0 under the study's count). */
function constructed() {
  const records = [];
  for (let i = 0; i < 40; i++) records.push(record({ taskId: `e${i}`, difficulty: i % 5, kills: ['havoc', 'havoc', null] }));
  for (let i = 0; i < 6; i++) records.push(record({ taskId: `h${i}`, difficulty: 5 + i, kills: ['diff-constant', 'diff-constant', null] }));
  return records;
}

describe('training sets, study recipe', () => {
  it("adds easy plays until they are 10% of the final set: the study's 13,843 plays give 1,602 hard + 178 easy", () => {
    expect(easyQuota(1_602, 12_241, 0.1, 'ofFinal')).toBe(178);
    const { hard, easyKept, easy } = rebalance(studyPlays(), { seed: 1, hardThreshold: 5, easyFraction: 0.1, easyShare: 'ofFinal' });
    expect(hard).toHaveLength(1_602);
    expect(easy).toBe(12_241);
    expect(easyKept).toHaveLength(178);
    expect(easyKept.length / (easyKept.length + hard.length)).toBeCloseTo(0.1, 2);
    // sinq's own rule on the same plays keeps a tenth of the easy plays instead.
    expect(rebalance(studyPlays(), { seed: 1, hardThreshold: 5, easyFraction: 0.1, easyShare: 'ofEasy' }).easyKept).toHaveLength(1_224);
  });

  it('draws difficulty prediction as a separate sample, half easy and half hard, in the study wording', () => {
    const sets = buildTrainingSets(constructed(), { ...studyTrainingSetOptions, difficulty: 'recorded', seed: 3 });
    // 6 hard plays → round(6 × 0.1 / 0.9) = 1 easy play kept: 7 generation examples.
    expect(sets.counts.hard).toBe(6);
    expect(sets.counts.easyKept).toBe(1);
    expect(sets.counts.generation).toBe(7);
    const prediction = sets.generator.filter((e) => e.messages.length === 5);
    expect(prediction).toHaveLength(6);
    expect(sets.counts.prediction).toBe(6);
    const levels = prediction.map((e) => Number(/^Difficulty level: (\d+)$/.exec(e.messages[4]?.content ?? '')?.[1]));
    expect(levels.filter((l) => l >= 5)).toHaveLength(3);
    expect(levels.filter((l) => l < 5)).toHaveLength(3);
    for (const example of prediction) {
      const [, user, program, question, answer] = example.messages;
      expect(user?.content).toContain('Difficulty level: Any\n');
      expect(program).toMatchObject({ role: 'assistant', weight: 0 });
      expect(question).toMatchObject({ role: 'user', content: STUDY_DIFFICULTY_QUESTION });
      expect(answer?.content).toBe(studyDifficultyAnswer(levels[prediction.indexOf(example)] ?? -1));
    }
    // Generation examples keep the players' wording.
    for (const example of sets.generator.filter((e) => e.messages.length === 3)) expect(example.messages[1]?.content).toContain('Target difficulty: ');
  });

  it('takes one correct evaluator reply per kept program', () => {
    const study = buildTrainingSets(constructed(), { ...studyTrainingSetOptions, difficulty: 'recorded', seed: 3 });
    expect(study.evaluator).toHaveLength(7);
    const sinq = buildTrainingSets(constructed(), { ...studyTrainingSetOptions, difficulty: 'recorded', evaluatorReplies: 'allDistinct', seed: 3 });
    expect(sinq.evaluator).toHaveLength(14);
  });

  it('writes no preference pairs unless asked', () => {
    const records = [record({ taskId: 't', round: 0, difficulty: 1 }), record({ taskId: 't', round: 1, difficulty: 8 })];
    expect(buildTrainingSets(records, { ...studyTrainingSetOptions, difficulty: 'recorded', seed: 0 }).preferences).toHaveLength(0);
    expect(buildTrainingSets(records, { ...studyTrainingSetOptions, difficulty: 'recorded', preferences: true, seed: 0 }).preferences).toHaveLength(1);
  });

  it('leaves unparsable and "Yes" answers out of the difficulty, 10 when none remain', () => {
    // One find, two "Yes" answers: recorded as 6.7 (two failures of three), the study's 0 (one find of one).
    const oneFind = record({ taskId: 'a', difficulty: 6.7, kills: ['havoc', null, null] });
    expect(answeredOnlyDifficulty(oneFind)).toBe(0);
    expect(validPlays([oneFind], 'recorded')[0]?.level).toBe(7);
    expect(validPlays([oneFind], 'answeredOnly')[0]?.level).toBe(0);
    // An unparsable answer is dropped too; a wrong "No" with an input still counts as a miss.
    const mixed = record({ taskId: 'b', difficulty: 5, kills: ['havoc', null, 'havoc', 'havoc'] });
    const replies = mixed.attack?.replies ?? [];
    replies[2] = { raw: 'no sections here', parsed: parseEvaluatorReply('no sections here'), durationMs: 1 };
    const verdict3 = mixed.attemptVerdicts[3];
    if (verdict3) Object.assign(verdict3, { found: false, failure: 'no-divergence' });
    expect(replies[2]?.parsed.ok).toBe(false);
    expect(answeredOnlyDifficulty(mixed)).toBe(5);
    expect(answeredOnlyDifficulty(record({ taskId: 'c', difficulty: 10, kills: [null, null] }))).toBe(10);
  });
});

describe('campaign config, study preset', () => {
  const players = { generator: { policy: 'ollama', model: 'm:1' }, evaluator: { policy: 'ollama', model: 'm:1', sampling: { temperature: 0.2 } } };

  it("fills in the study's sampling, 10 samples and target 10; explicit values win", () => {
    const config = campaignConfigSchema.parse({ taskSet: 'x', rounds: 2, concurrency: 1, seed: 0, ...players, training: { preset: 'study' } });
    expect(config.attempts).toBe(10);
    expect(config.targetDifficulty).toBe(10);
    expect(config.generator.sampling).toEqual({ temperature: 1.0, topP: 0.7, numPredict: 2048 });
    expect(config.evaluator.sampling).toEqual({ temperature: 0.2, topP: 0.7, numPredict: 2048 });
    expect(config.training).toMatchObject({
      easyShare: 'ofFinal',
      predictionSample: 'balanced',
      evaluatorReplies: 'onePerProgram',
      evaluatorSchedule: 'once',
      difficulty: 'answeredOnly',
      preferences: false,
    });
    const both = campaignConfigSchema.parse({ taskSet: 'x', rounds: 2, concurrency: 1, seed: 0, attempts: 4, ...players, training: { preset: 'study', evaluatorSchedule: 'everyRound' } });
    expect(both.attempts).toBe(4);
    expect(both.training.evaluatorSchedule).toBe('everyRound');
  });

  it("defaults to sinq's recipe, which needs attempts and a target", () => {
    const config = campaignConfigSchema.parse({ taskSet: 'x', rounds: 1, concurrency: 1, seed: 0, attempts: 3, targetDifficulty: 9, ...players });
    expect(config.training).toMatchObject({ preset: 'sinq', easyShare: 'ofEasy', predictionSample: 'perPlay', evaluatorReplies: 'allDistinct', evaluatorSchedule: 'everyRound', difficulty: 'recorded', preferences: false });
    expect(config.generator.sampling).toBeUndefined();
    const missing = campaignConfigSchema.safeParse({ taskSet: 'x', rounds: 1, concurrency: 1, seed: 0, ...players });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.path.join('.'))).toEqual(['attempts', 'targetDifficulty']);
    expect(campaignConfigSchema.safeParse({ taskSet: 'x', rounds: 1, concurrency: 1, seed: 0, attempts: 3, targetDifficulty: 9, ...players, training: { preset: 'paper' } }).success).toBe(false);
  });
});
