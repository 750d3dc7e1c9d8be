// One way to open the NATS connection actors and their callers use: the URL from the caller, then
// NATS_URL, then the local default; reconnect forever (a restarted server must not end a campaign);
// a clear error when no server answers at first.
import { connect, type NatsConnection } from 'nats';
import { ActorError } from './errors';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export function natsUrl(explicit?: string): string {
  return explicit ?? process.env.NATS_URL ?? DEFAULT_NATS_URL;
}

export async function connectNats(options: { url?: string; name?: string } = {}): Promise<NatsConnection> {
  const url = natsUrl(options.url);
  try {
    return await connect({ servers: url, name: options.name, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ActorError('connection', `cannot reach NATS at ${url} (${reason}); start it with 'sinq up' or point --nats / NATS_URL at a running server`, {
      cause: err,
      retryable: false,
    });
  }
}
