// `sinq sandbox check`: the isolation report of this host as JSON (exit 1 when runs would be refused).
// `sinq sandbox run --program A.py --entry f --input '{...}'`: one run, its Outcome as JSON.
// `sinq sandbox run --batch FILE.jsonl`: one run per line ({id, source | program, entryPoint, input, timeoutMs?}).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createSandbox, isolationReport, SandboxError, type Sandbox } from '../../sandbox/index';
import { isolationSufficient } from '../../sandbox/isolation';
import { BatchLineError, runBatch } from '../batch';
import { CliError } from '../errors';
import { integerFlagOr } from '../numeric-flags';

export const summary = 'check the sandbox isolation of this host, or run one program in it';

const usage = [
  'usage: sinq sandbox check [--smoke] [--allow-weak-isolation]',
  "       sinq sandbox run --program FILE.py --entry NAME --input '{...}' [--timeout-ms N] [--allow-weak-isolation]",
  '       sinq sandbox run --batch FILE.jsonl [--timeout-ms N] [--workers N] [--allow-weak-isolation]',
].join('\n');

function weakAllowed(flag: boolean | undefined): boolean {
  const env = process.env.SINQ_ALLOW_WEAK_ISOLATION;
  return flag === true || env === '1' || env === 'true' || env === 'yes';
}

const smokeProgram = [
  'import socket',
  'def f(x):',
  '    try:',
  '        socket.create_connection(("1.1.1.1", 53), timeout=0.5)',
  '        network = "reachable"',
  '    except OSError as e:',
  '        network = type(e).__name__',
  '    return [x + 1, network]',
].join('\n');

/** Starts the sandbox and runs one program that also tries the network: proof the layers work. */
async function smokeTest(allowWeak: boolean): Promise<{ ok: boolean; outcome?: unknown; error?: string }> {
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await createSandbox({ workers: 1, allowWeakIsolation: allowWeak });
    const outcome = await sandbox.run({ source: smokeProgram, entryPoint: 'f', input: '{"x": 1}', timeoutMs: 3000 });
    const value = outcome.kind === 'returned' && outcome.value.t === 'list' ? outcome.value.v : [];
    const ok = JSON.stringify(value[0]) === JSON.stringify({ t: 'int', v: '2' }) && JSON.stringify(value[1]) !== JSON.stringify({ t: 'str', v: 'reachable' });
    return { ok, outcome };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    await sandbox?.close();
  }
}

async function check(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'allow-weak-isolation': { type: 'boolean' }, smoke: { type: 'boolean' } }, strict: true });
  const report = isolationReport();
  const sufficient = isolationSufficient(report);
  const allowWeak = weakAllowed(values['allow-weak-isolation']);
  const refused = !sufficient && !allowWeak;
  const smoke = values.smoke && !refused ? await smokeTest(allowWeak) : undefined;
  process.stdout.write(JSON.stringify({ ...report, sufficient, refused, ...(smoke ? { smoke } : {}) }, null, 2) + '\n');
  if (smoke && !smoke.ok) return 1;
  if (refused) {
    process.stderr.write('sinq sandbox: untrusted programs would be refused here; install bubblewrap and the libseccomp Python bindings (apt-get install bubblewrap python3-seccomp, or bash deploy/setup.sh), or set SINQ_ALLOW_WEAK_ISOLATION=1\n');
  }
  return refused ? 1 : 0;
}

function positiveInt(text: string | undefined, name: string): number | undefined {
  return integerFlagOr(name, text, undefined, { min: 1 });
}

const batchLineSchema = z
  .object({
    id: z.unknown().optional(),
    source: z.string().optional(),
    program: z.string().optional(),
    entryPoint: z.string().min(1),
    input: z.string(),
    timeoutMs: z.number().positive().optional(),
  })
  .refine((line) => line.source !== undefined || line.program !== undefined, { message: 'needs source (Python text) or program (a file path)' });

async function openSandbox(allowWeak: boolean, workers: number | undefined, defaultTimeoutMs: number | undefined): Promise<Sandbox> {
  try {
    return await createSandbox({ allowWeakIsolation: allowWeak, workers, defaultTimeoutMs });
  } catch (err) {
    if (err instanceof SandboxError) throw new CliError(err.message, 1, err.code);
    throw err;
  }
}

async function runPrograms(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      program: { type: 'string' },
      entry: { type: 'string' },
      input: { type: 'string' },
      'timeout-ms': { type: 'string' },
      batch: { type: 'string' },
      workers: { type: 'string' },
      'allow-weak-isolation': { type: 'boolean' },
    },
    strict: true,
  });
  const timeoutMs = positiveInt(values['timeout-ms'], '--timeout-ms');
  const workers = positiveInt(values.workers, '--workers');
  const allowWeak = weakAllowed(values['allow-weak-isolation']);
  if (values.batch !== undefined) {
    const file = values.batch;
    const sandbox = await openSandbox(allowWeak, workers, timeoutMs);
    try {
      const failures = await runBatch(file, batchLineSchema, async (line) => {
        let source = line.source;
        if (source === undefined) {
          try {
            source = readFileSync(line.program!, 'utf8');
          } catch (err) {
            throw new BatchLineError('E_PROGRAM', `cannot read program '${line.program}': ${(err as Error).message}`);
          }
        }
        return sandbox.run({ source, entryPoint: line.entryPoint, input: line.input, timeoutMs: line.timeoutMs ?? timeoutMs });
      });
      return failures > 0 ? 1 : 0;
    } finally {
      await sandbox.close();
    }
  }
  if (values.program === undefined || values.entry === undefined || values.input === undefined) {
    throw new CliError(`run needs --program, --entry and --input (or --batch)\n${usage}`);
  }
  let source: string;
  try {
    source = readFileSync(values.program, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read program '${values.program}': ${(err as Error).message}`);
  }
  const sandbox = await openSandbox(allowWeak, 1, undefined);
  try {
    const outcome = await sandbox.run({ source, entryPoint: values.entry, input: values.input, timeoutMs });
    process.stdout.write(JSON.stringify(outcome) + '\n');
    return 0;
  } finally {
    await sandbox.close();
  }
}

const subcommands: Record<string, (argv: string[]) => Promise<number>> = { check, run: runPrograms };

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(usage + '\n');
    return sub === undefined ? 2 : 0;
  }
  const handler = subcommands[sub];
  if (!handler) throw new CliError(`unknown subcommand '${sub}'\n${usage}`);
  try {
    return await handler(rest);
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      throw new CliError(`${err.message}\n${usage}`);
    }
    throw err;
  }
}
