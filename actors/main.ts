// Runs the actors of one role in this process: N replicas, each a NATS service on its own
// connection, sharing one sandbox. Policies come from the registry by spec; a policy that can
// check its model server (Ollama) does so before the first replica starts.
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/log';
import { silentLogger } from '../lib/log';
import type { Sandbox } from '../sandbox/api';
import type { ActorRole } from './envelopes';
import { connectNats, natsUrl as resolveNatsUrl } from './connection';
import type { EvaluatorPolicy, GeneratorPolicy } from './policies/types';
import { startActorService, type ActorBinding, type ActorService } from './service';

export { DEFAULT_NATS_URL } from './connection';

export interface StartActorsOptions {
  role: ActorRole;
  /** Policy spec, e.g. `mutation`, `fuzz`, `ollama:qwen2.5-coder:7b`. */
  policy: string;
  replicas?: number;
  /** NATS server; NATS_URL, then the local default. */
  natsUrl?: string;
  /** Policy calls at once per replica. */
  concurrency?: number;
  sandbox: Sandbox;
  log?: Logger;
  createGenerator: (spec: string) => GeneratorPolicy;
  createEvaluator: (spec: string) => EvaluatorPolicy;
  /** Skip the model-server check (tests that start the model server later). */
  skipPreflight?: boolean;
}

export interface RunningActors {
  role: ActorRole;
  policy: string;
  natsUrl: string;
  services: ActorService[];
  /** Stops every replica (in-flight requests get the grace period), then drains the connections. */
  stop(): Promise<void>;
}

interface Preflightable {
  preflight(): Promise<unknown>;
}

function canPreflight(policy: object): policy is Preflightable {
  return 'preflight' in policy && typeof policy.preflight === 'function';
}

function bind(options: StartActorsOptions): ActorBinding {
  return options.role === 'generator'
    ? { role: 'generator', spec: options.policy, policy: options.createGenerator(options.policy) }
    : { role: 'evaluator', spec: options.policy, policy: options.createEvaluator(options.policy) };
}

export async function startActors(options: StartActorsOptions): Promise<RunningActors> {
  const log = options.log ?? silentLogger;
  const natsUrl = resolveNatsUrl(options.natsUrl);
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be a positive integer, got ${replicas}`);

  const first = bind(options);
  if (!options.skipPreflight && canPreflight(first.policy)) {
    const report = await first.policy.preflight();
    log.info({ report }, 'model server ready');
  }

  const connections: NatsConnection[] = [];
  const services: ActorService[] = [];
  try {
    for (let replica = 0; replica < replicas; replica++) {
      const nc = await connectNats({ url: natsUrl, name: `sinq-${options.role}-${replica}` });
      connections.push(nc);
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect' || status.type === 'reconnect') log.info({ replica, status: status.type }, 'NATS connection status');
        }
      })().catch(() => undefined);
      const binding = replica === 0 ? first : bind(options);
      services.push(await startActorService({ nc, actor: binding, sandbox: options.sandbox, replica, concurrency: options.concurrency, log }));
    }
  } catch (err) {
    await Promise.allSettled(services.map((s) => s.stop()));
    await Promise.allSettled(connections.map((nc) => nc.close()));
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    role: options.role,
    policy: options.policy,
    natsUrl,
    services,
    stop() {
      stopping ??= (async () => {
        await Promise.allSettled(services.map((s) => s.stop()));
        await Promise.allSettled(connections.map((nc) => (nc.isClosed() ? Promise.resolve() : nc.drain())));
      })();
      return stopping;
    },
  };
}
