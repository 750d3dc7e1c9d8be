// Training sets from recorded plays, following the study's recipe. Generator examples come from every
// valid play, labelled with the difficulty it measured (hindsight), rebalanced (hard plays kept,
// easier ones downsampled round-robin across levels) and mixed 50/50 with difficulty-prediction
// examples. Evaluator examples are the correct attempts on the rebalanced programs. Preference pairs
// put a hard and an easy reply to the same task side by side. Pure and deterministic for a seed.
import { evaluatorPrompt, generatorPrompt } from '../actors/policies/prompts';
import { createRng, deriveSeed } from '../game/random';
import type { ChatMessage } from '../game/types';
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
  /** Share of the easier plays kept. */
  easyFraction: number;
  /** Add difficulty-prediction examples, as many as generation examples. */
  predictionMix: boolean;
  /** Build preference pairs. */
  preferences: boolean;
}

export const defaultTrainingSetOptions: TrainingSetOptions = {
  seed: 0,
  hardThreshold: 5,
  easyFraction: 0.1,
  predictionMix: true,
  preferences: true,
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

/** Valid plays with a parsed program and a measured difficulty, in a stable order. */
export function validPlays(records: readonly EpisodeRecord[]): ValidPlay[] {
  const plays: ValidPlay[] = [];
  for (const record of records) {
    if (record.outcome !== 'valid' || record.difficulty === null || !record.proposal) continue;
    const parsed = record.proposal.reply.parsed;
    if (!parsed.ok) continue;
    plays.push({
      record,
      level: difficultyLevel(record.difficulty),
      reply: record.proposal.reply.raw,
      variant: parsed.value.program,
    });
  }
  return plays.sort((a, b) =>
    a.record.episodeId < b.record.episodeId ? -1 : a.record.episodeId > b.record.episodeId ? 1 : 0,
  );
}

/**
 * Keeps every hard play and round(easyFraction × easy) of the others, taken one level at a time in
 * turn (0, 1, …, threshold-1, 0, …) from each level's shuffled plays, so no level crowds out the rest.
 */
export function rebalance(
  plays: readonly ValidPlay[],
  options: Pick<TrainingSetOptions, 'seed' | 'hardThreshold' | 'easyFraction'>,
): { hard: ValidPlay[]; easyKept: ValidPlay[]; easy: number } {
  const hard = plays.filter((p) => p.level >= options.hardThreshold);
  const easy = plays.filter((p) => p.level < options.hardThreshold);
  const quota = Math.min(easy.length, Math.max(0, Math.round(easy.length * options.easyFraction)));
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
  const plays = validPlays(records);
  const { hard, easyKept, easy } = rebalance(plays, o);
  const kept = [...hard, ...easyKept];
  const generation = kept.map(generationExample);
  const prediction = o.predictionMix ? kept.map(predictionExample) : [];
  const rng = createRng(deriveSeed(o.seed, 'mix'));
  const generator = rng.shuffle([...generation, ...prediction]);
  const evaluator = kept.flatMap(evaluatorExamples);
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
