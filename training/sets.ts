// Training sets from recorded plays. Generator examples come from every valid play, labelled with the
// difficulty it measured (hindsight), rebalanced (hard plays kept, easier ones downsampled
// round-robin across levels) and mixed 50/50 with difficulty-prediction examples. Evaluator examples
// are correct attempts on the rebalanced programs. Preference pairs put a hard and an easy reply to
// the same task side by side. Two recipes (`sinq`, `study`; see TRAINING_PRESET_DEFAULTS) differ in
// how each of these is counted. Pure and deterministic for a seed.
import { evaluatorPrompt, generatorPrompt } from '../actors/policies/prompts';
import { createRng, deriveSeed } from '../game/random';
import type { ChatMessage } from '../game/types';
import { TRAINING_PRESET_DEFAULTS, type TrainingConfig } from '../machines/campaign-config';
import type { EpisodeRecord } from '../machines/types';

/** A chat turn of a training example; `weight: 0` leaves the turn out of the loss. */
export interface TrainingMessage extends ChatMessage {
  weight?: 0 | 1;
}

export interface TrainingExample {
  messages: TrainingMessage[];
}

/** A conversational preference pair (DPO): the same prompt, a preferred and a rejected reply. */
export interface PreferencePair {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
}

export interface TrainingSetOptions {
  seed: number;
  /** Plays at or above this level are hard and always kept. */
  hardThreshold: number;
  /** The easy share, see `easyShare`. */
  easyFraction: number;
  /**
   * `ofEasy`: keep round(easyFraction × #easy) easy plays. `ofFinal` (the study): add easy plays
   * until they are easyFraction of the final set, round(#hard × f / (1 − f)).
   */
  easyShare: 'ofEasy' | 'ofFinal';
  /** Add difficulty-prediction examples, as many as generation examples. */
  predictionMix: boolean;
  /**
   * `perPlay`: one prediction example per kept play. `balanced` (the study): a separate sample of
   * all valid plays, half easy and half hard, in the study's wording ("Difficulty level").
   */
  predictionSample: 'perPlay' | 'balanced';
  /** `allDistinct`: every distinct correct reply per kept program; `onePerProgram` (the study): one at random. */
  evaluatorReplies: 'allDistinct' | 'onePerProgram';
  /**
   * `recorded`: the episode's difficulty (unparsable answers count as failures). `answeredOnly`
   * (the study): recomputed without unparsable and "Yes" answers; 10 when none remain.
   */
  difficulty: 'recorded' | 'answeredOnly';
  /** Build preference pairs. */
  preferences: boolean;
}

export const defaultTrainingSetOptions: TrainingSetOptions = {
  seed: 0,
  hardThreshold: 5,
  easyFraction: 0.1,
  predictionMix: true,
  ...TRAINING_PRESET_DEFAULTS.sinq,
};

/** The set options a campaign's (parsed) training config chooses. */
export function trainingSetOptionsOf(training: TrainingConfig, seed: number): TrainingSetOptions {
  return {
    seed,
    hardThreshold: training.hardThreshold,
    easyFraction: training.easyFraction,
    easyShare: training.easyShare,
    predictionMix: training.predictionMix,
    predictionSample: training.predictionSample,
    evaluatorReplies: training.evaluatorReplies,
    difficulty: training.difficulty,
    preferences: training.preferences,
  };
}

/** The study's recipe (training preset `study`). */
export const studyTrainingSetOptions: TrainingSetOptions = {
  ...defaultTrainingSetOptions,
  ...TRAINING_PRESET_DEFAULTS.study,
};

export interface TrainingSetCounts {
  validPlays: number;
  hard: number;
  easy: number;
  easyKept: number;
  generation: number;
  prediction: number;
  evaluator: number;
  preferences: number;
  /** Kept generation examples per difficulty level 0..10. */
  keptByLevel: number[];
}

export interface TrainingSets {
  generator: TrainingExample[];
  evaluator: TrainingExample[];
  preferences: PreferencePair[];
  counts: TrainingSetCounts;
}

/** The question that follows the program in a prediction example, and the answer's form. */
export const DIFFICULTY_QUESTION =
  'What difficulty level, from 0 (easy) to 10 (hard), does the program you just wrote have? Answer with the number only.';

export function difficultyAnswer(level: number): string {
  return `Difficulty: ${level}`;
}

/** The study's wording of the prediction question and answer. */
export const STUDY_DIFFICULTY_QUESTION =
  'Predict the difficulty level of the program you just wrote, from 0 (easy) to 10 (hard). Answer in the form "Difficulty level: D".';

export function studyDifficultyAnswer(level: number): string {
  return `Difficulty level: ${level}`;
}

/** A valid play as the sets see it. */
export interface ValidPlay {
  record: EpisodeRecord;
  /** Measured difficulty rounded to a level 0..10. */
  level: number;
  /** The generator's reply, verbatim. */
  reply: string;
  variant: string;
}

export function difficultyLevel(difficulty: number): number {
  return Math.min(10, Math.max(0, Math.round(difficulty)));
}

/**
 * The study's difficulty: evaluator answers that did not parse, or answered "Yes" (equivalent), are
 * left out; of the rest, the share that missed, × 10 (floored, as the game does). 10 when none remain.
 */
export function answeredOnlyDifficulty(record: Pick<EpisodeRecord, 'attack' | 'attemptVerdicts'>): number {
  const replies = record.attack?.replies ?? [];
  const answered = record.attemptVerdicts.filter((verdict) => {
    const parsed = replies[verdict.index]?.parsed;
    return parsed !== undefined && parsed.ok && parsed.value.equivalent !== true;
  });
  if (answered.length === 0) return 10;
  const missed = answered.filter((verdict) => !verdict.found).length;
  return Math.floor((10 * missed) / answered.length);
}

/** Valid plays with a parsed program and a measured difficulty, in a stable order. */
export function validPlays(
  records: readonly EpisodeRecord[],
  difficulty: TrainingSetOptions['difficulty'] = 'recorded',
): ValidPlay[] {
  const plays: ValidPlay[] = [];
  for (const record of records) {
    if (record.outcome !== 'valid' || record.difficulty === null || !record.proposal) continue;
    const parsed = record.proposal.reply.parsed;
    if (!parsed.ok) continue;
    plays.push({
      record,
      level: difficultyLevel(difficulty === 'answeredOnly' ? answeredOnlyDifficulty(record) : record.difficulty),
      reply: record.proposal.reply.raw,
      variant: parsed.value.program,
    });
  }
  return plays.sort((a, b) =>
    a.record.episodeId < b.record.episodeId ? -1 : a.record.episodeId > b.record.episodeId ? 1 : 0,
  );
}

/** How many easy plays to keep: a share of the easy plays, or enough to be that share of the final set. */
export function easyQuota(hard: number, easy: number, easyFraction: number, easyShare: TrainingSetOptions['easyShare']): number {
  const wanted =
    easyShare === 'ofEasy'
      ? Math.round(easy * easyFraction)
      : easyFraction >= 1
        ? easy
        : Math.round((hard * easyFraction) / (1 - easyFraction));
  return Math.min(easy, Math.max(0, wanted));
}

/**
 * Keeps every hard play and `easyQuota` of the others, taken one level at a time in turn
 * (0, 1, …, threshold-1, 0, …) from each level's shuffled plays, so no level crowds out the rest.
 */
export function rebalance(
  plays: readonly ValidPlay[],
  options: Pick<TrainingSetOptions, 'seed' | 'hardThreshold' | 'easyFraction'> & Partial<Pick<TrainingSetOptions, 'easyShare'>>,
): { hard: ValidPlay[]; easyKept: ValidPlay[]; easy: number } {
  const hard = plays.filter((p) => p.level >= options.hardThreshold);
  const easy = plays.filter((p) => p.level < options.hardThreshold);
  const quota = easyQuota(hard.length, easy.length, options.easyFraction, options.easyShare ?? 'ofEasy');
  const rng = createRng(deriveSeed(options.seed, 'rebalance'));
  const buckets: ValidPlay[][] = [];
  for (let level = 0; level < options.hardThreshold; level++)
    buckets.push(rng.shuffle(easy.filter((p) => p.level === level)));
  const easyKept: ValidPlay[] = [];
  while (easyKept.length < quota) {
    for (const bucket of buckets) {
      const next = bucket.shift();
      if (next !== undefined && easyKept.length < quota) easyKept.push(next);
    }
  }
  return { hard, easyKept, easy: easy.length };
}

function generationExample(play: ValidPlay): TrainingExample {
  return { messages: [...generatorPrompt(play.record.task, play.level), { role: 'assistant', content: play.reply }] };
}

function predictionExample(play: ValidPlay): TrainingExample {
  return {
    messages: [
      ...generatorPrompt(play.record.task, 'Any'),
      { role: 'assistant', content: play.reply, weight: 0 },
      { role: 'user', content: DIFFICULTY_QUESTION },
      { role: 'assistant', content: difficultyAnswer(play.level), weight: 1 },
    ],
  };
}

/** The study's prediction example: "Difficulty level: Any", the play unweighted, then the level. */
function studyPredictionExample(play: ValidPlay): TrainingExample {
  return {
    messages: [
      ...generatorPrompt(play.record.task, 'Any', 'Difficulty level'),
      { role: 'assistant', content: play.reply, weight: 0 },
      { role: 'user', content: STUDY_DIFFICULTY_QUESTION },
      { role: 'assistant', content: studyDifficultyAnswer(play.level), weight: 1 },
    ],
  };
}

/**
 * The study's prediction sample: `size` plays drawn from all valid plays, half easy and half hard
 * (fewer when a side runs out, so the halves stay equal).
 */
export function balancedPredictionPlays(
  plays: readonly ValidPlay[],
  size: number,
  hardThreshold: number,
  seed: number,
): ValidPlay[] {
  const rng = createRng(deriveSeed(seed, 'prediction'));
  const hard = rng.shuffle(plays.filter((p) => p.level >= hardThreshold));
  const easy = rng.shuffle(plays.filter((p) => p.level < hardThreshold));
  const half = Math.min(Math.floor(size / 2), hard.length, easy.length);
  return [...hard.slice(0, half), ...easy.slice(0, half)];
}

/** The evaluator's correct attempts on a play, distinct reply texts only. */
function evaluatorExamples(play: ValidPlay): TrainingExample[] {
  const replies = play.record.attack?.replies ?? [];
  const seen = new Set<string>();
  const out: TrainingExample[] = [];
  for (const verdict of play.record.attemptVerdicts) {
    const raw = replies[verdict.index]?.raw;
    if (!verdict.found || raw === undefined || seen.has(raw)) continue;
    seen.add(raw);
    out.push({ messages: [...evaluatorPrompt(play.record.task, play.variant), { role: 'assistant', content: raw }] });
  }
  return out;
}

/** Per task: the hardest play against the easiest, when one is hard and the other is not. */
function preferencePairs(plays: readonly ValidPlay[], hardThreshold: number): PreferencePair[] {
  const byTask = new Map<string, ValidPlay[]>();
  for (const play of plays) byTask.set(play.record.task.id, [...(byTask.get(play.record.task.id) ?? []), play]);
  const pairs: PreferencePair[] = [];
  for (const taskId of [...byTask.keys()].sort()) {
    const group = byTask.get(taskId) ?? [];
    const hardest = group.reduce((a, b) => (b.level > a.level ? b : a));
    const easiest = group.reduce((a, b) => (b.level < a.level ? b : a));
    if (hardest.level < hardThreshold || easiest.level >= hardThreshold) continue;
    pairs.push({
      prompt: generatorPrompt(hardest.record.task, hardest.level),
      chosen: [{ role: 'assistant', content: hardest.reply }],
      rejected: [{ role: 'assistant', content: easiest.reply }],
    });
  }
  return pairs;
}

/** Builds the generator, evaluator and preference sets from all records so far. */
export function buildTrainingSets(
  records: readonly EpisodeRecord[],
  options: Partial<TrainingSetOptions> = {},
): TrainingSets {
  const o = { ...defaultTrainingSetOptions, ...options };
  const plays = validPlays(records, o.difficulty);
  const { hard, easyKept, easy } = rebalance(plays, o);
  const kept = [...hard, ...easyKept];
  const generation = kept.map(generationExample);
  const prediction = !o.predictionMix
    ? []
    : o.predictionSample === 'perPlay'
      ? kept.map(predictionExample)
      : balancedPredictionPlays(plays, generation.length, o.hardThreshold, o.seed).map(studyPredictionExample);
  const rng = createRng(deriveSeed(o.seed, 'mix'));
  const generator = rng.shuffle([...generation, ...prediction]);
  const evaluatorRng = createRng(deriveSeed(o.seed, 'evaluator'));
  const evaluator = kept.flatMap((play) => {
    const correct = evaluatorExamples(play);
    if (o.evaluatorReplies === 'allDistinct' || correct.length === 0) return correct;
    return [evaluatorRng.pick(correct)];
  });
  const preferences = o.preferences ? preferencePairs(plays, o.hardThreshold) : [];
  const keptByLevel = Array.from({ length: 11 }, (_, level) => kept.filter((p) => p.level === level).length);
  return {
    generator,
    evaluator,
    preferences,
    counts: {
      validPlays: plays.length,
      hard: hard.length,
      easy,
      easyKept: easyKept.length,
      generation: generation.length,
      prediction: prediction.length,
      evaluator: evaluator.length,
      preferences: preferences.length,
      keptByLevel,
    },
  };
}
