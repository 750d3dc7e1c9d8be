// `sinq verify`: runs original and variant on one input and prints the verdict with both outcomes.
import { z } from 'zod';
import { DEFAULT_TIMEOUT_MS } from '../../game/timeouts';
import { verifyPlay, type PlayVerdict, type Signature } from '../../game/verify';
import type { Outcome } from '../../game/types';
import type { Sandbox } from '../../sandbox/api';
import { analyzePair } from '../../actors/policies/fuzz/analysis';
import { runWithRedraws } from '../../activities/verify';
import { runBatch } from '../batch';
import { parseFlags } from '../args';
import { CliError } from '../errors';
import { asLineError, integerFlag, printJson, readProgram, withSandbox } from '../single-play';

export const summary = 'run original and variant on an input and print the verdict with both outcomes (JSON)';

const usage = `usage:
  sinq verify --original A.py --variant B.py --entry NAME --input '{"x": 1}' [--timeout-ms N]
  sinq verify --batch FILE.jsonl [--timeout-ms N]
Batch lines: {"id", "original", "variant", "entryPoint", "input"} (programs as source text).`;

const options = {
  original: { type: 'string' },
  variant: { type: 'string' },
  entry: { type: 'string' },
  input: { type: 'string' },
  'timeout-ms': { type: 'string' },
  batch: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const lineSchema = z.object({
  id: z.unknown().optional(),
  original: z.string().min(1),
  variant: z.string().min(1),
  entryPoint: z.string().min(1),
  input: z.string().min(1),
});

export interface VerifyResult {
  verdict: PlayVerdict;
  original: Outcome;
  variant: Outcome;
  limitMs: number;
}

/** Parameter names of both entry points, when both parse (otherwise the run itself reports why). */
async function signatureOf(original: string, variant: string, entryPoint: string): Promise<Signature | undefined> {
  try {
    const [a, b] = await Promise.all([analyzePair({ original, entryPoint }), analyzePair({ original: variant, entryPoint })]);
    return { originalParams: a.params.map((p) => p.name), variantParams: b.params.map((p) => p.name) };
  } catch {
    return undefined;
  }
}

export async function verifyOne(sandbox: Sandbox, play: { original: string; variant: string; entryPoint: string; input: string }, limitMs: number): Promise<VerifyResult> {
  // The same check as an episode's: a divergence counts only if it holds in its redraws.
  const [{ outcomes, redraws }, signature] = await Promise.all([
    runWithRedraws(sandbox, { original: play.original, variant: play.variant, entryPoint: play.entryPoint, input: play.input, timeoutMs: limitMs }, limitMs),
    signatureOf(play.original, play.variant, play.entryPoint),
  ]);
  const verdict = verifyPlay({ originalOutcome: outcomes.original, variantOutcome: outcomes.variant, limitMs, divergingInput: play.input, redraws, ...(signature ? { signature } : {}) });
  return { verdict, original: outcomes.original, variant: outcomes.variant, limitMs };
}

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  const limitMs = integerFlag('--timeout-ms', values['timeout-ms'], DEFAULT_TIMEOUT_MS, 1);
  if (values.batch !== undefined) {
    const file = values.batch;
    const failures = await withSandbox((sandbox) => runBatch(file, lineSchema, (line) => verifyOne(sandbox, line, limitMs).catch((err: unknown) => Promise.reject(asLineError(err)))));
    return failures === 0 ? 0 : 1;
  }
  if (values.entry === undefined) throw new CliError(`--entry NAME is required\n${usage}`);
  if (values.input === undefined) throw new CliError(`--input DICT is required\n${usage}`);
  const original = await readProgram('--original', values.original);
  const variant = await readProgram('--variant', values.variant);
  const entryPoint = values.entry;
  const input = values.input;
  const result = await withSandbox((sandbox) => verifyOne(sandbox, { original, variant, entryPoint, input }, limitMs));
  printJson(result);
  return result.verdict.valid ? 0 : 1;
}
