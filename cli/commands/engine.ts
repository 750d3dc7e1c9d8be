// `sinq engine start|history`: run the embedded Temporal-compatible server in the foreground, or print a
// workflow's history in the JSON form `temporal workflow show --output json` prints.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from '../errors';
import { parseIntegerFlag } from '../numeric-flags';

export const summary = 'run the embedded Temporal-compatible server (start) or print a workflow history as JSON (history)';

const usage = `usage:
  sinq engine start [--port P] [--data DIR | --in-memory] [--host H]
  sinq engine history WORKFLOW_ID [--run RUN_ID] [--address A] [--namespace NS]

start runs in the foreground and prints {"event":"listening","address":"127.0.0.1:P"} once it accepts
connections; --port 0 picks a free port; SIGTERM stops it cleanly. DIR holds the journal (default .sinq/engine);
--in-memory keeps no journal (nothing survives a restart).
history reads from --address (default $TEMPORAL_ADDRESS or 127.0.0.1:7233).`;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
}

async function start(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    port: { type: 'string', default: '7233' },
    data: { type: 'string', default: '.sinq/engine' },
    host: { type: 'string', default: '127.0.0.1' },
    'in-memory': { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new CliError(`unexpected argument '${positionals[0]}'\n${usage}`);
  const port = parseIntegerFlag('--port', String(values.port), { min: 0, max: 65535 });
  const { runEngineForeground } = await import('../../engine/main');
  const dataDir = values['in-memory'] === true ? undefined : String(values.data);
  return runEngineForeground({ port, dataDir, host: String(values.host) });
}

async function history(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    run: { type: 'string' },
    address: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
  });
  const workflowId = positionals[0];
  if (!workflowId || positionals.length > 1) throw new CliError(`expected one WORKFLOW_ID\n${usage}`);
  const address = typeof values.address === 'string' ? values.address : (process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  const { exportHistoryJson } = await import('../../engine/history-export');
  try {
    const json = await exportHistoryJson({
      address,
      namespace: String(values.namespace),
      workflowId,
      runId: typeof values.run === 'string' ? values.run : undefined,
    });
    process.stdout.write(json + '\n');
    return 0;
  } catch (err) {
    throw new CliError(`cannot read the history of '${workflowId}' from ${address}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'start') return start(rest);
  if (sub === 'history') return history(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(usage + '\n');
    return 0;
  }
  throw new CliError(usage);
}
