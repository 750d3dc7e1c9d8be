// Standalone entry of the engine: `tsx engine/main.ts --port P --data DIR` (the CLI wraps the same function).
// Prints {"event":"listening","address":...} on stdout once it accepts connections; SIGTERM/SIGINT stop it cleanly.
import { parseArgs } from 'node:util';
import { parseIntegerFlag } from '../cli/numeric-flags';
import { startEngineServer, type EngineServer } from './server';

export interface RunEngineOptions {
  port: number;
  dataDir?: string;
  host?: string;
  compactAfterBytes?: number;
}

/** Runs the engine in the foreground until SIGTERM/SIGINT; resolves with the exit code. */
export async function runEngineForeground(options: RunEngineOptions): Promise<number> {
  const log = (event: Record<string, unknown>): void => {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
  };
  let server: EngineServer;
  try {
    server = await startEngineServer({
      port: options.port,
      dataDir: options.dataDir,
      host: options.host,
      compactAfterBytes: options.compactAfterBytes,
      countRpcs: process.env.SINQ_ENGINE_COUNT_RPCS === '1',
      log,
      // Durability can no longer be promised: exit so that a supervisor restarts from the journal.
      onFatal: () => process.exit(1),
    });
  } catch (err) {
    log({ event: 'start_failed', error: err instanceof Error ? err.message : String(err) });
    return 1;
  }
  // Handlers first: a supervisor may send SIGTERM as soon as it reads the listening line.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  process.stdout.write(JSON.stringify({ event: 'listening', address: server.address }) + '\n');
  await stopped;
  await server.close();
  log({ event: 'stopped' });
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '7233' }, data: { type: 'string' } } });
  let port: number | undefined;
  try {
    port = parseIntegerFlag('--port', values.port, { min: 0, max: 65535 });
  } catch (err) {
    process.stderr.write(`engine: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
  if (port !== undefined) process.exitCode = await runEngineForeground({ port, dataDir: values.data });
}
