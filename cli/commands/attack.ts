// `sinq attack`: the fuzzing evaluator on one pair; prints the diverging input it found, or none.
import { z } from 'zod';
import type { Task } from '../../game/types';
import type { Sandbox } from '../../sandbox/api';
import { fuzzAttack } from '../../actors/policies/fuzz/policy';
import { resolveFuzzPolicyState } from '../../actors/policies/fuzz/state';
import { runBatch } from '../batch';
import { parseFlags } from '../args';
import { CliError } from '../errors';
import { asLineError, examplesFlag, integerFlag, printJson, readProgram, withSandbox } from '../single-play';

export const summary = 'fuzz an original/variant pair for a diverging input (JSON)';

const usage = `usage:
  sinq attack --original A.py --variant B.py --entry NAME [--budget N] [--seed S] [--example DICT]... [--timeout-ms N]
  sinq attack --batch FILE.jsonl [--budget N] [--seed S]
Batch lines: {"id", "original", "variant", "entryPoint", "exampleInputs"?, "seed"?} (programs as source text).
--budget is the number of executions (one input run on both programs); default 300.`;

const options = {
  original: { type: 'string' },
  variant: { type: 'string' },
  entry: { type: 'string' },
  budget: { type: 'string' },
  seed: { type: 'string' },
  example: { type: 'string', multiple: true },
  'timeout-ms': { type: 'string' },
  batch: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const lineSchema = z.object({
  id: z.unknown().optional(),
  original: z.string().min(1),
  variant: z.string().min(1),
  entryPoint: z.string().min(1),
  exampleInputs: z.array(z.string()).optional(),
  seed: z.number().int().optional(),
});

interface AttackSettings {
  budget: number;
  seed: number;
  timeoutMs: number | undefined;
}

async function attackOne(sandbox: Sandbox, pair: { original: string; variant: string; entryPoint: string; exampleInputs?: string[] | undefined }, settings: AttackSettings): Promise<unknown> {
  const task: Task = { id: 'cli', description: '', source: pair.original, entryPoint: pair.entryPoint, exampleInputs: pair.exampleInputs ?? [], origin: 'cli' };
  const state = resolveFuzzPolicyState({}, { maxExecutions: settings.budget, ...(settings.timeoutMs !== undefined ? { runTimeoutMs: settings.timeoutMs } : {}) });
  const { attempts, analysis } = await fuzzAttack(task, pair.variant, { attempts: 1, seed: settings.seed, state, sandbox });
  const result = (attempts[0] as (typeof attempts)[number]).result;
  if (analysis.variantError) return { found: false, executions: 0, error: analysis.variantError };
  if (!result.found) return { found: false, executions: result.executions, inconclusive: result.inconclusive, stoppedBy: result.stoppedBy, elapsedMs: result.elapsedMs };
  return {
    found: true,
    input: result.input,
    executions: result.executions,
    foundInput: result.foundInput,
    shrinkExecutions: result.shrinkExecutions,
    strategy: result.strategy,
    reason: result.reason,
    original: result.outcomes.original,
    variant: result.outcomes.variant,
    elapsedMs: result.elapsedMs,
  };
}

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  const settings: AttackSettings = {
    budget: integerFlag('--budget', values.budget, 300, 1),
    seed: integerFlag('--seed', values.seed, 0, 0),
    timeoutMs: values['timeout-ms'] === undefined ? undefined : integerFlag('--timeout-ms', values['timeout-ms'], 2000, 50),
  };
  if (values.batch !== undefined) {
    const file = values.batch;
    const failures = await withSandbox((sandbox) =>
      runBatch(file, lineSchema, (line) => attackOne(sandbox, line, line.seed === undefined ? settings : { ...settings, seed: line.seed }).catch((err: unknown) => Promise.reject(asLineError(err)))),
    );
    return failures === 0 ? 0 : 1;
  }
  if (values.entry === undefined) throw new CliError(`--entry NAME is required\n${usage}`);
  const original = await readProgram('--original', values.original);
  const variant = await readProgram('--variant', values.variant);
  const entryPoint = values.entry;
  const exampleInputs = examplesFlag(values.example);
  try {
    printJson(await withSandbox((sandbox) => attackOne(sandbox, { original, variant, entryPoint, exampleInputs }, settings)));
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E_') && !(err instanceof CliError)) {
      throw new CliError(err.message, 1, err.code);
    }
    throw err;
  }
  return 0;
}
