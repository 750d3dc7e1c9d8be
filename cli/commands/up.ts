// `sinq up`: starts what is not already configured (engine, nats-server, actors, a worker), prints
// where each listens, and keeps them running until SIGINT/SIGTERM. TEMPORAL_ADDRESS and NATS_URL
// point at existing services instead; a temporal CLI (TEMPORAL_CLI_PATH or PATH) runs its dev server.
import { startStack } from '../../deploy/launcher';
import { removeStackFile, writeStackFile } from '../../deploy/stack-file';
import { resolveTemporalMode, type TemporalMode } from '../../deploy/temporal-mode';
import { childLogger } from '../../lib/log';
import { sinqDir } from '../../store/paths';
import { parseFlags } from '../args';
import { CliError } from '../errors';
import { integerFlagOr } from '../numeric-flags';

export const summary = 'start the engine, nats-server, actors and a worker (what is not configured); stop with Ctrl-C';

const usage = `usage:
  sinq up [--dir DIR] [--workers N] [--generator POLICY] [--evaluator POLICY] [--temporal MODE] [--json]
DIR defaults to .sinq; TEMPORAL_ADDRESS, NATS_URL and OLLAMA_HOST point at existing services.
MODE is embedded, dev-server or external (default: external when TEMPORAL_ADDRESS is set, else
dev-server when TEMPORAL_CLI_PATH names a temporal CLI or one is on PATH, else embedded; or SINQ_TEMPORAL_MODE).`;

const options = {
  dir: { type: 'string' },
  workers: { type: 'string' },
  generator: { type: 'string' },
  evaluator: { type: 'string' },
  namespace: { type: 'string' },
  temporal: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  const workers = integerFlagOr('--workers', values.workers, 1, { min: 0 });
  const dir = sinqDir(values.dir);
  const log = childLogger({ component: 'up' });
  let temporal: TemporalMode;
  try {
    temporal = resolveTemporalMode(process.env, { mode: values.temporal });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  // Listen before anything starts: a signal during start-up, or a second one while stopping, must
  // lead to the same clean stop instead of the default action killing us with children left behind.
  let signalled: () => void = () => {};
  let stopping = false;
  const stopRequested = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (): void => {
    stopping = true;
    signalled();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let stack;
  try {
    stack = await startStack({
      dir,
      log,
      temporalAddress: process.env.TEMPORAL_ADDRESS,
      temporal,
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
    writeStackFile(dir, { temporalAddress: stack.temporalAddress, natsUrl: stack.natsUrl, namespace: stack.namespace, temporalUiUrl: stack.temporalUiUrl, pid: process.pid, startedAt: Date.now() });
    const components = stack.components();
    if (stopping) {
      // Asked to stop while starting: nothing to announce.
    } else if (values.json) {
      process.stdout.write(JSON.stringify({ event: 'ready', dir, temporalMode: stack.temporalMode, temporalAddress: stack.temporalAddress, temporalUiUrl: stack.temporalUiUrl, natsUrl: stack.natsUrl, searchAttributes: stack.searchAttributes, components }) + '\n');
    } else {
      process.stdout.write(`temporal mode    ${stack.temporalMode} (${temporal.reason})\n`);
      for (const c of components) process.stdout.write(`${c.name.padEnd(16)} ${c.started ? 'started ' : 'existing'} ${c.address}${c.pid !== null ? `  pid ${c.pid}` : ''}\n`);
      process.stdout.write(`search attributes ${stack.searchAttributes ? 'registered' : 'not available'}\nlogs in ${dir}/logs; stop with Ctrl-C\n`);
    }
    await stopRequested;
  } finally {
    removeStackFile(dir);
    await stack.stop();
  }
  return 0;
}
