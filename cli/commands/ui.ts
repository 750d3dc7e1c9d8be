// `sinq ui`: the Temporal Web UI on a sinq directory's episodes. While a stack with the dev server
// runs (`sinq up`, `sinq campaign run`), it prints that stack's UI; otherwise it starts the dev
// server on the directory's database (DIR/temporal-dev.db, kept by the main job after it stops) and
// serves its UI until Ctrl-C.
import { existsSync } from 'node:fs';
import { devServerDbFile, startDevServer } from '../../deploy/temporal-dev';
import { readStackFile } from '../../deploy/stack-file';
import { findTemporalCli } from '../../deploy/temporal-mode';
import { childLogger } from '../../lib/log';
import { sinqDir } from '../../store/paths';
import { parseFlags } from '../args';
import { CliError } from '../errors';
import { integerFlagOr } from '../numeric-flags';

export const summary =
  'open the Temporal Web UI on the recorded episodes (starts the dev server on DIR/temporal-dev.db)';

const usage = `usage:
  sinq ui [--dir DIR] [--campaign ID] [--port P] [--ui-port U] [--json]
DIR defaults to .sinq. Prints the UI's URL and, with --campaign, a link to that campaign's episodes.`;

const options = {
  dir: { type: 'string' },
  campaign: { type: 'string' },
  port: { type: 'string' },
  'ui-port': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The UI's workflow list filtered by a visibility query. */
export function workflowsUrl(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

function portFlag(value: string | undefined, name: string): number {
  return integerFlagOr(`--${name}`, value, 0, { min: 0, max: 65535 });
}

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  const dir = sinqDir(values.dir);
  const port = portFlag(values.port, 'port');
  const uiPort = portFlag(values['ui-port'], 'ui-port');
  const print = (uiUrl: string, namespace: string, started: boolean): void => {
    const campaignQuery = values.campaign !== undefined ? `SinqCampaign = '${values.campaign}'` : null;
    const episodes = campaignQuery
      ? workflowsUrl(uiUrl, namespace, `${campaignQuery} AND WorkflowType = 'episodeWorkflow'`)
      : null;
    if (values.json) {
      process.stdout.write(JSON.stringify({ event: 'ready', uiUrl, namespace, started, episodesUrl: episodes }) + '\n');
      return;
    }
    process.stdout.write(`Temporal UI      ${uiUrl}/namespaces/${namespace}/workflows\n`);
    if (episodes) process.stdout.write(`episodes         ${episodes}\n`);
    process.stdout.write(
      `filter e.g.      SinqCampaign = 'ID' AND SinqDifficulty >= 5   or   SinqOutcome = 'invalid'\n`,
    );
  };

  const stack = readStackFile(dir);
  if (stack) {
    if (!stack.temporalUiUrl) {
      throw new CliError(
        `the stack running in ${dir} (pid ${stack.pid}) uses ${stack.temporalAddress} without a UI; the Temporal UI comes with --temporal dev-server`,
      );
    }
    print(stack.temporalUiUrl, stack.namespace, false);
    return 0;
  }
  const dbFile = devServerDbFile(dir);
  if (!existsSync(dbFile)) {
    throw new CliError(
      `no Temporal dev-server database at ${dbFile}: campaigns in ${dir} ran on the embedded engine (or none ran); run them with --temporal dev-server (the default once deploy/setup.sh has installed the temporal CLI)`,
    );
  }
  const cli = findTemporalCli(process.env);
  if (!cli)
    throw new CliError(
      'the Temporal UI needs the temporal CLI: run bash deploy/setup.sh (it installs the pinned one), or set TEMPORAL_CLI_PATH',
    );
  const log = childLogger({ component: 'ui' });
  let server;
  try {
    server = await startDevServer({ cliPath: cli.path, dir, port, uiPort, log });
  } catch (err) {
    throw new CliError(`cannot start the dev server: ${(err as Error).message}`, 1);
  }
  try {
    print(server.uiUrl ?? '', 'default', true);
    if (!values.json) process.stdout.write(`serving ${dbFile} (pid ${server.pid}); stop with Ctrl-C\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
      void server.exited.then(() => resolve());
    });
  } finally {
    await server.stop();
  }
  return 0;
}
