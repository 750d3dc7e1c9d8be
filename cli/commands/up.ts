// `sinq up`: starts what is not already configured (engine, nats-server, actors, a worker), prints
// where each listens, and keeps them running until SIGINT/SIGTERM. TEMPORAL_ADDRESS and NATS_URL
// point at existing services instead.
import { parseArgs } from 'node:util';
import { startStack } from '../../deploy/launcher';
import { removeStackFile, writeStackFile } from '../../deploy/stack-file';
import { childLogger } from '../../lib/log';
import { sinqDir } from '../../store/paths';
import { CliError } from '../errors';

export const summary = 'start the engine, nats-server, actors and a worker (what is not configured); stop with Ctrl-C';

const usage = `usage:
  sinq up [--dir DIR] [--workers N] [--generator POLICY] [--evaluator POLICY] [--json]
DIR defaults to .sinq; TEMPORAL_ADDRESS, NATS_URL and OLLAMA_HOST point at existing services.`;

const options = {
  dir: { type: 'string' },
  workers: { type: 'string' },
  generator: { type: 'string' },
  evaluator: { type: 'string' },
  namespace: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options, strict: true }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) throw new CliError('--workers must be a non-negative integer');
  const dir = sinqDir(values.dir);
  const log = childLogger({ component: 'up' });
  let stack;
  try {
    stack = await startStack({
      dir,
      log,
      temporalAddress: process.env.TEMPORAL_ADDRESS,
      natsUrl: process.env.NATS_URL,
      namespace: values.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
      workers,
      ...(values.generator !== undefined ? { generatorPolicy: values.generator } : {}),
      ...(values.evaluator !== undefined ? { evaluatorPolicy: values.evaluator } : {}),
    });
  } catch (err) {
    throw new CliError(`cannot start: ${(err as Error).message}`, 1);
  }
  try {
    writeStackFile(dir, { temporalAddress: stack.temporalAddress, natsUrl: stack.natsUrl, namespace: stack.namespace, pid: process.pid, startedAt: Date.now() });
    const components = stack.components();
    if (values.json) {
      process.stdout.write(JSON.stringify({ event: 'ready', dir, temporalAddress: stack.temporalAddress, natsUrl: stack.natsUrl, searchAttributes: stack.searchAttributes, components }) + '\n');
    } else {
      for (const c of components) process.stdout.write(`${c.name.padEnd(16)} ${c.started ? 'started ' : 'existing'} ${c.address}${c.pid !== null ? `  pid ${c.pid}` : ''}\n`);
      process.stdout.write(`search attributes ${stack.searchAttributes ? 'registered' : 'not available'}\nlogs in ${dir}/logs; stop with Ctrl-C\n`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  } finally {
    removeStackFile(dir);
    await stack.stop();
  }
  return 0;
}
