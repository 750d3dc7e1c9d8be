// The Temporal server the workflow suites run against, chosen by SINQ_TEST_SERVER: `embedded` (the
// default) starts sinq's engine as a process, `dev-server` the real Temporal CLI dev server (the
// pinned install of deploy/setup-temporal.sh, or TEMPORAL_CLI_PATH / PATH). The conformance, workflow
// and campaign fault suites take their server from here, so one suite runs against both
// (deploy/test.sh runs them a second time with SINQ_TEST_SERVER=dev-server).
import { startEngine } from '../deploy/engine';
import { startDevServer } from '../deploy/temporal-dev';
import { findTemporalCli, type TemporalMode } from '../deploy/temporal-mode';
import { silentLogger } from '../lib/log';

export type TestServerKind = 'embedded' | 'dev-server';

function kindFromEnv(value: string | undefined): TestServerKind {
  if (value === undefined || value === '' || value === 'embedded') return 'embedded';
  if (value === 'dev-server') return 'dev-server';
  throw new Error(`SINQ_TEST_SERVER must be embedded or dev-server, got '${value}'`);
}

export const testServerKind: TestServerKind = kindFromEnv(process.env.SINQ_TEST_SERVER);

/** For test names: which server a case ran against. */
export const testServerLabel = testServerKind === 'embedded' ? 'embedded engine' : 'temporal dev server';

/** The temporal CLI for dev-server runs; a missing one fails the suite loudly instead of skipping it. */
export function testTemporalCli(): string {
  const cli = findTemporalCli(process.env);
  if (!cli)
    throw new Error(
      'SINQ_TEST_SERVER=dev-server needs the temporal CLI: run bash deploy/setup.sh (or set TEMPORAL_CLI_PATH)',
    );
  return cli.path;
}

/** What startStack should start: the dev server, or (undefined) its default, the embedded engine. */
export function testTemporalMode(): TemporalMode | undefined {
  return testServerKind === 'dev-server'
    ? { kind: 'dev-server', cliPath: testTemporalCli(), reason: 'SINQ_TEST_SERVER=dev-server' }
    : undefined;
}

export interface TestServer {
  kind: TestServerKind;
  address: string;
  pid: number;
  /** Signals the whole process group (default SIGKILL, as a crash would). */
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the server under test on `dataDir` (the engine's journal, or the dev server's database) and `port` (0: free). */
export async function startTestServer(options: { dataDir: string; port?: number }): Promise<TestServer> {
  if (testServerKind === 'embedded') {
    const engine = await startEngine({ dataDir: options.dataDir, ...(options.port ? { port: options.port } : {}) });
    return {
      kind: 'embedded',
      address: engine.address,
      pid: engine.pid,
      kill: engine.kill,
      exited: engine.exited,
      stop: engine.stop,
    };
  }
  const server = await startDevServer({
    cliPath: testTemporalCli(),
    dir: options.dataDir,
    port: options.port ?? 0,
    ui: false,
    log: silentLogger,
  });
  return {
    kind: 'dev-server',
    address: server.address,
    pid: server.pid,
    kill: server.kill,
    exited: server.exited,
    stop: server.stop,
  };
}
