// `sinq actor generator|evaluator`: serves a policy over NATS in this process until SIGTERM/SIGINT.
// Prints one JSON line when ready; logs go to stderr.
import { startActors } from '../../actors/main';
import { ActorError } from '../../actors/errors';
import { createEvaluatorPolicy, createGeneratorPolicy } from '../../actors/policies/registry';
import { childLogger } from '../../lib/log';
import { createSandbox } from '../../sandbox/index';
import { parseCommand } from '../args';
import { CliError } from '../errors';
import { integerFlagOr } from '../numeric-flags';

export const summary = 'serve a generator or evaluator policy over NATS (replicas in one process)';

const usage = `usage:
  sinq actor generator|evaluator [--policy P] [--replicas N] [--concurrency N] [--nats URL]
Policies: generator mutation (default) or ollama:<model>; evaluator fuzz (default) or ollama:<model>.
--nats defaults to NATS_URL, then nats://127.0.0.1:4222. Ollama policies use OLLAMA_HOST.`;

const options = {
  policy: { type: 'string' },
  replicas: { type: 'string' },
  concurrency: { type: 'string' },
  nats: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  return integerFlagOr(flag, value, fallback, { min: 1 });
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, options, usage);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const role = positionals[0];
  if ((role !== 'generator' && role !== 'evaluator') || positionals.length > 1) throw new CliError(`expected one role, generator or evaluator\n${usage}`);
  const policy = values.policy ?? (role === 'generator' ? 'mutation' : 'fuzz');
  const replicas = positiveInteger('--replicas', values.replicas, 1);
  const concurrency = positiveInteger('--concurrency', values.concurrency, 4);
  const log = childLogger({ component: 'actor', role, policy });

  // Unknown policy names fail here, before anything starts.
  try {
    if (role === 'generator') createGeneratorPolicy(policy);
    else createEvaluatorPolicy(policy);
  } catch (err) {
    throw new CliError((err as Error).message);
  }

  const sandbox = await createSandbox();
  let actors;
  try {
    actors = await startActors({
      role,
      policy,
      replicas,
      concurrency,
      natsUrl: values.nats,
      sandbox,
      log,
      createGenerator: createGeneratorPolicy,
      createEvaluator: createEvaluatorPolicy,
    });
  } catch (err) {
    await sandbox.close();
    if (err instanceof ActorError) throw new CliError(err.message, 1, err.code);
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(`cannot start ${role} actors: ${message}`, 1);
  }

  process.stdout.write(
    JSON.stringify({ event: 'ready', role, policy, replicas, natsUrl: actors.natsUrl, serviceIds: actors.services.map((s) => s.id), pid: process.pid }) + '\n',
  );

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping actors');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  try {
    await actors.stop();
  } finally {
    await sandbox.close();
  }
  process.stdout.write(JSON.stringify({ event: 'stopped', role, policy }) + '\n');
  return 0;
}
