// Constructed episode records for the training tests: valid plays at chosen difficulties, with the
// reply texts the offline players write (operator and strategy in the analysis).
import { parseEvaluatorReply, parseGeneratorReply, renderEvaluatorReply, renderGeneratorReply } from '../../game/reply';
import type { Task } from '../../game/types';
import type { AttemptVerdict, EpisodeOutcome, EpisodeRecord } from '../../machines/types';

export function task(id: string): Task {
  return {
    id,
    description: `task ${id}`,
    source: `def f(x):\n    return x + ${id.length}\n`,
    entryPoint: 'f',
    exampleInputs: ['{"x": 1}'],
    origin: 'sinq',
  };
}

export interface RecordSpec {
  round?: number;
  taskId: string;
  outcome?: EpisodeOutcome;
  difficulty?: number | null;
  operator?: string;
  /** The location kind the generator's reply names (none when absent, like older replies). */
  location?: string;
  /** Where the mutation sits and what it did (default line 2, column 11, "'+' -> '-'"). */
  site?: { line: number; col: number; description: string };
  /** The task's program (default: one that depends only on the task id's length). */
  source?: string;
  /** "Inputs by origin" the evaluator's replies report, one map per attempt. */
  draws?: Array<Record<string, number>>;
  targetDifficulty?: number;
  /** Which attempts found a diverging input, and with what strategy. */
  kills?: Array<string | null>;
  /** How many inputs the fuzz evaluator tried before each find (default 3). */
  killAfter?: number;
  campaignId?: string;
}

export function record(spec: RecordSpec): EpisodeRecord {
  const round = spec.round ?? 0;
  const t = spec.source === undefined ? task(spec.taskId) : { ...task(spec.taskId), source: spec.source };
  const site = spec.site ?? { line: 2, col: 11, description: "'+' -> '-'" };
  const campaignId = spec.campaignId ?? 'c1';
  const outcome = spec.outcome ?? 'valid';
  const variant = `def f(x):\n    return x - ${spec.taskId.length} + ${round}\n`;
  const generatorRaw = renderGeneratorReply({
    analysis: `Mutation \`${spec.operator ?? 'arithmetic'}\` at line ${site.line}, column ${site.col}${spec.location ? ` (${spec.location})` : ''}: ${site.description}. On the diverging input, the original \`f\` returns 1, while the variant returns 0 (task ${spec.taskId}).`,
    program: variant,
    divergingInput: '{"x": 0}',
  });
  const kills = spec.kills ?? [];
  const replies = kills.map((strategy, i) => {
    const drawn = Object.entries(spec.draws?.[i] ?? {}).map(([origin, n]) => `${origin} ${n}`);
    const tail = drawn.length === 0 ? '' : ` Inputs by origin: ${drawn.join(', ')}.`;
    const raw = renderEvaluatorReply(
      strategy === null
        ? { analysis: `Attempt ${i}: nothing found, so I take them to be equivalent.${tail}`, equivalent: true, divergingInput: null }
        : { analysis: `Attempt ${i}: differential fuzzing found a diverging input after ${spec.killAfter ?? 3} inputs (strategy: ${strategy}) and shrank it.${tail}`, equivalent: false, divergingInput: `{"x": ${i}}` },
    );
    return { raw, parsed: parseEvaluatorReply(raw), durationMs: 1 };
  });
  const verdicts: AttemptVerdict[] = kills.map((strategy, index) => ({
    index,
    input: strategy === null ? null : `{"x": ${index}}`,
    outcomes: null,
    found: strategy !== null,
    failure: strategy === null ? 'said-equivalent' : null,
    detail: '',
  }));
  return {
    episodeId: `${campaignId}-r${round}-${spec.taskId}`,
    campaignId,
    round,
    task: t,
    targetDifficulty: spec.targetDifficulty ?? 10,
    attempts: kills.length,
    seed: 1,
    generator: { policy: 'mutation' },
    evaluator: { policy: 'fuzz' },
    limitMs: 1000,
    proposal: { policy: 'mutation', modelVersion: 'mutation-v1', prompt: [], reply: { raw: generatorRaw, parsed: parseGeneratorReply(generatorRaw), durationMs: 1 } },
    playVerdict: null,
    attack: outcome === 'valid' ? { policy: 'fuzz', modelVersion: 'fuzz-v1', prompt: [], replies } : null,
    attemptVerdicts: outcome === 'valid' ? verdicts : [],
    difficulty: outcome === 'valid' ? (spec.difficulty ?? 0) : null,
    rewards: null,
    outcome,
    reason: outcome === 'valid' ? null : { code: 'no-divergence', detail: 'constructed' },
    timings: {},
    versions: { generator: null, evaluator: null },
    finishedAt: 1,
  };
}
