// `sinq doctor`: checks each dependency and says how to fix what is missing.
import { spawnSync } from 'node:child_process';
import { connect } from 'nats';
import { connectCampaignClient } from '../../deploy/campaign-client';
import { loadCampaignConfig } from '../../deploy/config-file';
import { findNatsServerBinary } from '../../deploy/nats';
import { resolveAddresses } from '../../deploy/stack-file';
import { findTemporalCli, resolveTemporalMode, type TemporalMode } from '../../deploy/temporal-mode';
import { isolationReport } from '../../sandbox/index';
import { isolationSufficient } from '../../sandbox/isolation';
import { sinqDir } from '../../store/paths';
import { parseFlags } from '../args';
import { CliError } from '../errors';

export const summary = 'check python3, sandbox isolation, nats-server, the engine, Ollama and models; say how to fix what is missing';

const usage = `usage:
  sinq doctor [--config FILE] [--dir DIR] [--json]
--config also checks the Ollama models the campaign names.`;

const options = {
  config: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface Check {
  name: string;
  status: 'ok' | 'missing' | 'warning' | 'skipped';
  detail: string;
  fix?: string;
}

function checkPython(): Check {
  const result = spawnSync(process.env.SINQ_PYTHON ?? 'python3', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status === 0) return { name: 'python3', status: 'ok', detail: (result.stdout || result.stderr).trim() };
  return { name: 'python3', status: 'missing', detail: 'python3 not found or not runnable', fix: 'apt-get install python3 (or run bash deploy/setup.sh)' };
}

function checkSandbox(): Check {
  try {
    const report = isolationReport();
    const layers = [
      `rlimits ${report.rlimits ? 'yes' : 'no'}`,
      `private dir ${report.privateDirectory ? 'yes' : 'no'}`,
      `network ${report.network}`,
      `file system ${report.filesystem}`,
      `seccomp ${report.seccomp ? 'yes' : 'no'}`,
      `run uid ${report.runUid}`,
      `bubblewrap ${report.bubblewrap ? 'yes' : 'no'}`,
      `user namespaces ${report.userNamespaces ? 'yes' : 'no'}`,
    ].join(', ');
    const weak = !isolationSufficient(report);
    return weak
      ? { name: 'sandbox isolation', status: 'warning', detail: layers, fix: report.notes.join(' ') || 'install bubblewrap and python3-seccomp (apt-get install bubblewrap python3-seccomp)' }
      : { name: 'sandbox isolation', status: 'ok', detail: layers + (report.notes.length > 0 ? ` (${report.notes.join(' ')})` : '') };
  } catch (err) {
    return { name: 'sandbox isolation', status: 'missing', detail: (err as Error).message, fix: 'run bash deploy/setup.sh' };
  }
}

async function checkNats(url: string | undefined): Promise<Check> {
  if (url) {
    try {
      const nc = await connect({ servers: url, timeout: 3_000, reconnect: false });
      await nc.close();
      return { name: 'NATS', status: 'ok', detail: `reachable at ${url}` };
    } catch (err) {
      return { name: 'NATS', status: 'missing', detail: `${url}: ${(err as Error).message}`, fix: 'start nats-server, fix NATS_URL, or unset it so that sinq up starts one' };
    }
  }
  const binary = findNatsServerBinary();
  return binary
    ? { name: 'nats-server', status: 'ok', detail: `${binary} (sinq up starts it)` }
    : { name: 'nats-server', status: 'missing', detail: 'nats-server binary not found', fix: 'apt-get install nats-server (or run bash deploy/setup.sh)' };
}

/** Which Temporal server sinq up / sinq campaign run would use, and why. */
function checkTemporalMode(address: string | undefined): { check: Check; mode: TemporalMode | null } {
  try {
    const mode = resolveTemporalMode(process.env, { address });
    const what = mode.kind === 'external' ? `external server ${mode.address}` : mode.kind === 'dev-server' ? `temporal CLI dev server (${mode.cliPath})` : 'embedded engine';
    return { check: { name: 'temporal mode', status: 'ok', detail: `${mode.kind}: ${what}, because ${mode.reason}` }, mode };
  } catch (err) {
    return {
      check: { name: 'temporal mode', status: 'missing', detail: (err as Error).message, fix: 'fix TEMPORAL_CLI_PATH / SINQ_TEMPORAL_MODE, or unset them to use the embedded engine' },
      mode: null,
    };
  }
}

/** The temporal CLI (dev server and Web UI): which binary, where it came from, its version. */
function checkTemporalCli(): Check {
  let cli;
  try {
    cli = findTemporalCli(process.env);
  } catch (err) {
    return { name: 'temporal CLI', status: 'missing', detail: (err as Error).message, fix: 'fix or unset TEMPORAL_CLI_PATH' };
  }
  if (!cli) return { name: 'temporal CLI', status: 'warning', detail: 'not installed: no dev server and no Temporal Web UI (the embedded engine runs campaigns)', fix: 'bash deploy/setup.sh installs the pinned temporal CLI' };
  const result = spawnSync(cli.path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return { name: 'temporal CLI', status: 'missing', detail: `${cli.path} (${cli.source}) does not run: ${(result.stderr || result.error?.message || '').trim()}`, fix: 'bash deploy/setup.sh' };
  return { name: 'temporal CLI', status: 'ok', detail: `${result.stdout.trim()} at ${cli.path} (${cli.source === 'project' ? 'installed by deploy/setup.sh' : cli.source})` };
}

async function checkEngine(address: string | undefined, namespace: string): Promise<Check> {
  if (!address) return { name: 'engine', status: 'ok', detail: 'no TEMPORAL_ADDRESS: sinq up and sinq campaign run start the engine (see temporal mode)' };
  try {
    const cc = await connectCampaignClient(address, namespace);
    try {
      await cc.connection.workflowService.getSystemInfo({});
    } finally {
      await cc.close();
    }
    return { name: 'engine', status: 'ok', detail: `reachable at ${address} (namespace ${namespace})` };
  } catch (err) {
    return { name: 'engine', status: 'missing', detail: `${address}: ${(err as Error).message}`, fix: 'start it (sinq up, or a Temporal server), or unset TEMPORAL_ADDRESS' };
  }
}

async function checkOllama(models: string[]): Promise<Check[]> {
  const host = process.env.OLLAMA_HOST;
  if (!host && models.length === 0) return [{ name: 'Ollama', status: 'skipped', detail: 'OLLAMA_HOST not set and no Ollama policy configured (offline players need none)' }];
  const base = (host ?? 'http://127.0.0.1:11434').replace(/\/$/, '');
  const url = /^https?:\/\//.test(base) ? base : `http://${base}`;
  let names: string[];
  try {
    const response = await fetch(`${url}/api/tags`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { models?: Array<{ name?: unknown }> };
    names = (body.models ?? []).map((m) => (typeof m.name === 'string' ? m.name : '')).filter(Boolean);
  } catch (err) {
    return [{ name: 'Ollama', status: 'missing', detail: `${url}: ${(err as Error).message}`, fix: 'start ollama serve, or set OLLAMA_HOST to a running server' }];
  }
  const checks: Check[] = [{ name: 'Ollama', status: 'ok', detail: `${url}: ${names.length} model(s)` }];
  for (const model of models) {
    const present = names.some((name) => name === model || name === `${model}:latest`);
    checks.push(
      present
        ? { name: `model ${model}`, status: 'ok', detail: 'present' }
        : { name: `model ${model}`, status: 'missing', detail: `not on ${url}`, fix: `ollama pull ${model}` },
    );
  }
  return checks;
}

/** Ollama models a campaign config names (`ollama:<model>` policies or an explicit model). */
function configuredModels(file: string | undefined): string[] {
  if (!file) return [];
  const config = loadCampaignConfig(file);
  const models: string[] = [];
  for (const player of [config.generator, config.evaluator]) {
    if (!player.policy.startsWith('ollama')) continue;
    const model = player.model ?? player.policy.slice(player.policy.indexOf(':') + 1);
    if (model && model !== player.policy) models.push(model);
  }
  return models;
}

export async function run(argv: string[]): Promise<number> {
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  let models: string[];
  try {
    models = configuredModels(values.config);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const addresses = resolveAddresses(sinqDir(values.dir), {});
  const temporal = checkTemporalMode(addresses.temporalAddress);
  const checks: Check[] = [
    checkPython(),
    checkSandbox(),
    await checkNats(addresses.natsUrl),
    temporal.check,
    checkTemporalCli(),
    // An engine sinq starts itself needs no reachability check.
    ...(temporal.mode?.kind === 'external' || (temporal.mode === null && addresses.temporalAddress) ? [await checkEngine(addresses.temporalAddress, addresses.namespace)] : []),
    ...(await checkOllama(models)),
  ];
  const failed = checks.some((check) => check.status === 'missing');
  if (values.json) {
    process.stdout.write(JSON.stringify({ ok: !failed, checks }) + '\n');
  } else {
    for (const check of checks) {
      process.stdout.write(`${check.status.padEnd(8)} ${check.name.padEnd(18)} ${check.detail}\n`);
      if (check.fix && check.status !== 'ok') process.stdout.write(`${''.padEnd(8)} ${''.padEnd(18)} fix: ${check.fix}\n`);
    }
  }
  return failed ? 1 : 0;
}
