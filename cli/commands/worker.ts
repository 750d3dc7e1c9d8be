// `sinq worker`: runs one worker (campaign and episode workflows plus their activities) until
// SIGTERM/SIGINT. Prints one JSON line when ready.
import { createSinqWorker } from '../../activities/worker';
import { resolveAddresses } from '../../deploy/stack-file';
import { childLogger } from '../../lib/log';
import { sinqDir } from '../../store/paths';
import { TASK_QUEUE } from '../../workflows/definitions';
import { parseFlags } from '../args';
import { CliError } from '../errors';
import { integerFlagOr } from '../numeric-flags';

export const summary = 'run a worker: campaign and episode workflows and their activities';

const usage = `usage:
  sinq worker [--dir DIR] [--address HOST:PORT] [--nats URL] [--namespace NS] [--task-queue Q] [--activities N]
The engine address comes from --address, TEMPORAL_ADDRESS or a running 'sinq up' in DIR (default .sinq);
NATS from --nats, NATS_URL or the same.`;

const options = {
  dir: { type: 'string' },
  address: { type: 'string' },
  nats: { type: 'string' },
  namespace: { type: 'string' },
  'task-queue': { type: 'string' },
  activities: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  const activities = integerFlagOr('--activities', values.activities, undefined, { min: 1 });
  const dir = sinqDir(values.dir);
  const addresses = resolveAddresses(dir, values);
  if (!addresses.temporalAddress) throw new CliError(`no engine address: start one with 'sinq up', or pass --address / TEMPORAL_ADDRESS`);
  if (!addresses.natsUrl) throw new CliError(`no NATS address: start one with 'sinq up', or pass --nats / NATS_URL`);
  const taskQueue = values['task-queue'] ?? TASK_QUEUE;
  const log = childLogger({ component: 'worker', taskQueue });
  let worker;
  try {
    worker = await createSinqWorker({
      temporalAddress: addresses.temporalAddress,
      namespace: addresses.namespace,
      taskQueue,
      natsUrl: addresses.natsUrl,
      dir,
      log,
      ...(activities !== undefined ? { maxConcurrentActivities: activities } : {}),
    });
  } catch (err) {
    throw new CliError(`cannot start the worker: ${(err as Error).message}`, 1);
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping worker');
    void worker.shutdown();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const running = worker.run();
  process.stdout.write(JSON.stringify({ event: 'ready', component: 'worker', taskQueue, address: addresses.temporalAddress, pid: process.pid }) + '\n');
  await running;
  process.stdout.write(JSON.stringify({ event: 'stopped', component: 'worker' }) + '\n');
  return 0;
}
