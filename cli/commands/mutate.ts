// `sinq mutate`: the mutation generator on one program; prints a variant with its witness.
import { z } from 'zod';
import type { Task } from '../../game/types';
import type { Sandbox } from '../../sandbox/api';
import { generateMutant } from '../../actors/policies/mutation/generate';
import { resolveMutationPolicyState } from '../../actors/policies/mutation/state';
import { runBatch } from '../batch';
import { parseFlags } from '../args';
import { CliError } from '../errors';
import { asLineError, examplesFlag, integerFlag, numberFlag, printJson, readProgram, withSandbox } from '../single-play';

export const summary = 'make a variant of a program by AST mutation, with a witness input (JSON)';

const usage = `usage:
  sinq mutate --program A.py --entry NAME [--difficulty D] [--seed S] [--example DICT]...
  sinq mutate --batch FILE.jsonl [--difficulty D] [--seed S]
Batch lines: {"id", "program", "entryPoint", "exampleInputs"?, "difficulty"?, "seed"?} (program as source text).
--difficulty is the target in [0, 10] (default 5): higher picks mutants that random inputs rarely expose.`;

const options = {
  program: { type: 'string' },
  entry: { type: 'string' },
  difficulty: { type: 'string' },
  seed: { type: 'string' },
  example: { type: 'string', multiple: true },
  batch: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const lineSchema = z.object({
  id: z.unknown().optional(),
  program: z.string().min(1),
  entryPoint: z.string().min(1),
  exampleInputs: z.array(z.string()).optional(),
  difficulty: z.number().min(0).max(10).optional(),
  seed: z.number().int().optional(),
});

async function mutateOne(sandbox: Sandbox, request: { program: string; entryPoint: string; exampleInputs?: string[] | undefined; difficulty: number; seed: number }): Promise<Record<string, unknown>> {
  const task: Task = { id: 'cli', description: '', source: request.program, entryPoint: request.entryPoint, exampleInputs: request.exampleInputs ?? [], origin: 'cli' };
  const result = await generateMutant(task, { targetDifficulty: request.difficulty, seed: request.seed, state: resolveMutationPolicyState({}), sandbox });
  const play = result.play;
  if (!play) return { found: false, stats: result.stats };
  return {
    found: true,
    variant: play.variant,
    witness: play.witness,
    operator: play.operator,
    location: play.location,
    description: play.description,
    rarity: play.rarity,
    exposed: play.exposed,
    sampleSize: play.sampleSize,
    witnessFrom: play.witnessFrom,
    original: play.outcomes.original,
    variantOutcome: play.outcomes.variant,
    stats: result.stats,
  };
}

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  const difficulty = numberFlag('--difficulty', values.difficulty, 5, 0, 10);
  const seed = integerFlag('--seed', values.seed, 0, 0);
  if (values.batch !== undefined) {
    const file = values.batch;
    const failures = await withSandbox((sandbox) =>
      runBatch(file, lineSchema, (line) =>
        mutateOne(sandbox, { program: line.program, entryPoint: line.entryPoint, exampleInputs: line.exampleInputs, difficulty: line.difficulty ?? difficulty, seed: line.seed ?? seed }).catch((err: unknown) => Promise.reject(asLineError(err))),
      ),
    );
    return failures === 0 ? 0 : 1;
  }
  if (values.entry === undefined) throw new CliError(`--entry NAME is required\n${usage}`);
  const program = await readProgram('--program', values.program);
  const entryPoint = values.entry;
  const exampleInputs = examplesFlag(values.example);
  let result: Record<string, unknown>;
  try {
    result = await withSandbox((sandbox) => mutateOne(sandbox, { program, entryPoint, exampleInputs, difficulty, seed }));
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E_') && !(err instanceof CliError)) {
      throw new CliError(err.message, 1, err.code);
    }
    throw err;
  }
  printJson(result);
  return result.found === true ? 0 : 1;
}
