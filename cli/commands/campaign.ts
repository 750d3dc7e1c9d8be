// `sinq campaign run|start|status|list|pause|resume|cancel|concurrency`.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  campaignState,
  CampaignClientError,
  connectCampaignClient,
  newCampaignId,
  startCampaign,
  type CampaignClient,
} from '../../deploy/campaign-client';
import { ConfigFileError, loadCampaignConfig } from '../../deploy/config-file';
import { startStack, type Stack } from '../../deploy/launcher';
import { createProgressView, summaryTable } from '../../deploy/progress';
import { readStackFile, removeStackFile, resolveAddresses, writeStackFile } from '../../deploy/stack-file';
import { resolveTemporalMode, TemporalModeError } from '../../deploy/temporal-mode';
import { childLogger } from '../../lib/log';
import type { CampaignConfig } from '../../machines/campaign-config';
import { EpisodeStore } from '../../store/episode-store';
import { exportCampaign } from '../../store/export';
import { writeCampaignReport } from '../../report/write';
import { campaignDir, episodesDbPath, exportsDir, reportDir, sinqDir } from '../../store/paths';
import { cancelSignal, pauseSignal, resumeSignal, setConcurrencySignal } from '../../workflows/definitions';
import { CliError } from '../errors';
import { parseIntegerFlag } from '../numeric-flags';
import { MAX_CAMPAIGN_CONCURRENCY } from '../../machines/campaign-limits';

export const summary = 'run, start, watch and steer campaigns (run|start|status|list|pause|resume|cancel|concurrency)';

const usage = `usage:
  sinq campaign run --config FILE [--id ID] [--dir DIR] [--temporal embedded|dev-server|external] [--json]
                                                                 start what is missing, run to the end, summarize, export, stop
  sinq campaign start --config FILE [--id ID] [--dir DIR]          start on a running stack; prints the campaign id
  sinq campaign status ID [--json]
  sinq campaign list [--json]
  sinq campaign pause|resume|cancel ID
  sinq campaign concurrency ID N
Common: --dir DIR (default .sinq), --address HOST:PORT (or TEMPORAL_ADDRESS), --namespace NS.`;

const options = {
  config: { type: 'string' },
  id: { type: 'string' },
  dir: { type: 'string' },
  address: { type: 'string' },
  nats: { type: 'string' },
  namespace: { type: 'string' },
  temporal: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
}

function readConfig(values: Values): CampaignConfig {
  if (!values.config) throw new CliError(`--config FILE is required\n${usage}`);
  try {
    return loadCampaignConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigFileError) throw new CliError(err.message);
    throw err;
  }
}

function campaignIdArg(positionals: string[], verb: string): string {
  const id = positionals[1];
  if (id === undefined || id === '') throw new CliError(`sinq campaign ${verb} needs a campaign id\n${usage}`);
  return id;
}

async function connect(values: Values, dir: string): Promise<CampaignClient> {
  const { temporalAddress, namespace } = resolveAddresses(dir, values);
  if (!temporalAddress) throw new CliError(`no engine address: start one with 'sinq up', or pass --address / TEMPORAL_ADDRESS`);
  try {
    return await connectCampaignClient(temporalAddress, namespace);
  } catch (err) {
    throw new CliError((err as Error).message, 1);
  }
}

async function withStore<T>(dir: string, campaignId: string, use: (store: EpisodeStore) => Promise<T>): Promise<T | null> {
  const file = episodesDbPath(dir, campaignId);
  if (!existsSync(file)) return null;
  const store = await EpisodeStore.open(file);
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

function campaignExists(dir: string, campaignId: string): CliError {
  return new CliError(`campaign '${campaignId}' already exists in ${dir}; choose another --id`);
}

/** Fails fast, before anything starts; `recordStart` checks again against the store itself. */
function refuseExisting(dir: string, campaignId: string): void {
  if (existsSync(episodesDbPath(dir, campaignId))) throw campaignExists(dir, campaignId);
}

async function recordStart(dir: string, campaignId: string, config: CampaignConfig): Promise<void> {
  const store = await EpisodeStore.open(episodesDbPath(dir, campaignId));
  try {
    // Episode ids derive from the campaign id: reusing one would mix two campaigns' records.
    if (await store.getCampaign(campaignId)) throw campaignExists(dir, campaignId);
    await store.upsertCampaign(campaignId, config, 'running');
  } finally {
    store.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function runCampaign(values: Values): Promise<number> {
  const config = readConfig(values);
  const dir = sinqDir(values.dir);
  const campaignId = values.id ?? newCampaignId();
  refuseExisting(dir, campaignId);
  const log = childLogger({ component: 'campaign', campaignId });
  const started = Date.now();
  const env = resolveAddresses(dir, values);
  let temporal;
  try {
    temporal = resolveTemporalMode(process.env, { mode: values.temporal, address: env.temporalAddress });
  } catch (err) {
    if (err instanceof TemporalModeError) throw new CliError(err.message);
    throw err;
  }
  let stack: Stack | undefined;
  let cc: CampaignClient | undefined;
  let wroteStackFile = false;
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    stack = await startStack({
      dir,
      log,
      temporalAddress: env.temporalAddress,
      temporal,
      natsUrl: env.natsUrl,
      namespace: env.namespace,
      generatorPolicy: config.generator.policy,
      evaluatorPolicy: config.evaluator.policy,
      actorConcurrency: Math.max(2, config.concurrency),
      workers: 1,
    });
    process.stderr.write(`temporal mode    ${stack.temporalMode} (${temporal.reason})\n`);
    // Other verbs (sinq ui, campaign status) find this run's services while it runs.
    if (!readStackFile(dir)) {
      writeStackFile(dir, { temporalAddress: stack.temporalAddress, natsUrl: stack.natsUrl, namespace: stack.namespace, temporalUiUrl: stack.temporalUiUrl, pid: process.pid, startedAt: Date.now() });
      wroteStackFile = true;
    }
    for (const component of stack.components()) {
      process.stderr.write(`${component.name.padEnd(16)} ${component.started ? 'started ' : 'existing'} ${component.address}${component.pid !== null ? `  pid ${component.pid}` : ''}\n`);
    }
    cc = await connectCampaignClient(stack.temporalAddress, stack.namespace);
    await recordStart(dir, campaignId, config);
    await startCampaign(cc, campaignId, config);
    process.stderr.write(`campaign ${campaignId} started\n`);
    process.stderr.write(`watch it live: sinq report --campaign ${campaignId}${values.dir ? ` --dir ${values.dir}` : ''} --serve\n`);
    const progress = createProgressView(process.stderr, log);
    let closed: string | undefined;
    let unreachableSince: number | undefined;
    while (closed === undefined) {
      if (interrupted) throw new CliError(`interrupted; campaign ${campaignId} stays on the engine (resume it with a worker)`, 130);
      let state;
      try {
        state = await campaignState(cc, campaignId);
        unreachableSince = undefined;
      } catch (err) {
        // The engine may be restarting: keep asking for a while before giving up.
        unreachableSince ??= Date.now();
        if (err instanceof CampaignClientError || Date.now() - unreachableSince > 120_000) throw err;
        await sleep(1_000);
        continue;
      }
      if (state.running) {
        if (state.status) progress.update(state.status);
        await sleep(500);
      } else {
        closed = state.closedStatus;
        if (state.failure) process.stderr.write(`campaign ${campaignId} ${closed.toLowerCase()}: ${state.failure}\n`);
      }
    }
    progress.finish();
    if (closed !== 'COMPLETED') {
      const finalStatus = closed;
      await withStore(dir, campaignId, async (store) => {
        const row = await store.getCampaign(campaignId);
        if (row && row.status === 'running') await store.upsertCampaign(campaignId, row.config, finalStatus === 'CANCELED' ? 'cancelled' : 'failed');
      });
    }
    const rounds = (await withStore(dir, campaignId, (store) => store.listRounds(campaignId))) ?? [];
    const exported = await withStore(dir, campaignId, (store) => exportCampaign(store, campaignId, exportsDir(dir, campaignId)));
    const wallSeconds = (Date.now() - started) / 1000;
    // The report is a view of the store: failing to draw it never fails the campaign.
    const report = await writeCampaignReport(episodesDbPath(dir, campaignId), campaignId, reportDir(dir, campaignId)).catch((err: unknown) => {
      process.stderr.write(`report not written: ${(err as Error).message}\n`);
      return null;
    });
    if (values.json) {
      process.stdout.write(JSON.stringify({ campaignId, status: closed, rounds, exported, report: report?.index ?? null, dir: campaignDir(dir, campaignId), wallSeconds }) + '\n');
    } else {
      process.stdout.write(`\ncampaign ${campaignId}: ${closed.toLowerCase()} in ${wallSeconds.toFixed(1)} s\n\n${summaryTable(rounds)}\n\n`);
      process.stdout.write(`store   ${episodesDbPath(dir, campaignId)}\n`);
      if (exported) process.stdout.write(`exports ${exported.episodesFile} (${exported.episodes} episodes)\n        ${exported.chatFile} (${exported.chatExamples} chat examples)\n`);
      if (report) process.stdout.write(`report  ${report.index}\n        plots in ${path.join(report.dir, 'plots')} (SVG and PNG)\n`);
    }
    return closed === 'COMPLETED' ? 0 : 1;
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof CampaignClientError) throw new CliError(err.message, 1, err.code);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cc?.close();
    if (wroteStackFile) removeStackFile(dir);
    if (stack) {
      process.stderr.write('stopping what was started\n');
      await stack.stop();
    }
  }
}

async function startOnly(values: Values): Promise<number> {
  const config = readConfig(values);
  const dir = sinqDir(values.dir);
  const campaignId = values.id ?? newCampaignId();
  refuseExisting(dir, campaignId);
  const cc = await connect(values, dir);
  try {
    await recordStart(dir, campaignId, config);
    await startCampaign(cc, campaignId, config);
  } catch (err) {
    if (err instanceof CampaignClientError) throw new CliError(err.message, 1, err.code);
    throw err;
  } finally {
    await cc.close();
  }
  process.stdout.write(values.json ? JSON.stringify({ campaignId }) + '\n' : campaignId + '\n');
  return 0;
}

async function status(values: Values, campaignId: string): Promise<number> {
  const dir = sinqDir(values.dir);
  const stored = await withStore(dir, campaignId, async (store) => ({ campaign: await store.getCampaign(campaignId), rounds: await store.listRounds(campaignId) }));
  const { temporalAddress } = resolveAddresses(dir, values);
  let live: Awaited<ReturnType<typeof campaignState>> | null = null;
  if (temporalAddress) {
    const cc = await connect(values, dir);
    try {
      live = await campaignState(cc, campaignId).catch((err: unknown) => {
        if (err instanceof CampaignClientError && err.code === 'E_CAMPAIGN_NOT_FOUND') return null;
        throw err;
      });
    } finally {
      await cc.close();
    }
  }
  if (!stored?.campaign && !live) throw new CliError(`no campaign '${campaignId}' in ${dir} or on the engine`, 1);
  const view = {
    campaignId,
    status: live ? (live.running ? (live.status?.phase ?? 'starting') : live.closedStatus.toLowerCase()) : (stored?.campaign?.status ?? 'unknown'),
    live: live?.running ? live.status : null,
    rounds: stored?.rounds ?? [],
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(view) + '\n');
    return 0;
  }
  process.stdout.write(`campaign ${campaignId}: ${view.status}\n`);
  if (view.live) {
    const s = view.live;
    process.stdout.write(`round ${s.round + 1}/${s.rounds}: ${s.done}/${s.total} done, ${s.running} running, ${s.valid} valid, concurrency ${s.concurrency}${s.paused ? ', paused' : ''}\n`);
  }
  if (view.rounds.length > 0) process.stdout.write(`\n${summaryTable(view.rounds)}\n`);
  return 0;
}

async function list(values: Values): Promise<number> {
  const dir = sinqDir(values.dir);
  const root = path.join(dir, 'campaigns');
  const ids = existsSync(root) ? readdirSync(root).filter((name) => existsSync(episodesDbPath(dir, name))) : [];
  const rows = [];
  for (const id of ids.sort()) {
    const row = await withStore(dir, id, async (store) => {
      const campaign = await store.getCampaign(id);
      const episodes = await store.listEpisodes({ campaignId: id });
      return {
        campaignId: id,
        status: campaign?.status ?? 'unknown',
        createdAt: campaign ? new Date(campaign.createdAt).toISOString() : null,
        rounds: campaign?.config.rounds ?? null,
        episodes: episodes.length,
        valid: episodes.filter((e) => e.outcome === 'valid').length,
      };
    });
    if (row) rows.push(row);
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(rows) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`no campaigns in ${dir}\n`);
    return 0;
  }
  for (const row of rows) {
    process.stdout.write(`${row.campaignId.padEnd(28)} ${row.status.padEnd(10)} ${String(row.rounds ?? '-').padStart(3)} rounds ${String(row.episodes).padStart(5)} episodes ${String(row.valid).padStart(5)} valid  ${row.createdAt ?? ''}\n`);
  }
  return 0;
}

async function signal(values: Values, campaignId: string, send: (cc: CampaignClient) => Promise<void>, done: string): Promise<number> {
  const cc = await connect(values, sinqDir(values.dir));
  try {
    await send(cc);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new CliError(`no running campaign '${campaignId}'`, 1);
    throw err;
  } finally {
    await cc.close();
  }
  process.stdout.write(values.json ? JSON.stringify({ campaignId, done }) + '\n' : `campaign ${campaignId}: ${done}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const verb = positionals[0];
  if (values.help || verb === undefined) {
    process.stdout.write(usage + '\n');
    return verb === undefined && !values.help ? 2 : 0;
  }
  switch (verb) {
    case 'run':
      return runCampaign(values);
    case 'start':
      return startOnly(values);
    case 'status':
      return status(values, campaignIdArg(positionals, verb));
    case 'list':
      return list(values);
    case 'pause': {
      const id = campaignIdArg(positionals, verb);
      return signal(values, id, (cc) => cc.client.workflow.getHandle(id).signal(pauseSignal), 'pause requested');
    }
    case 'resume': {
      const id = campaignIdArg(positionals, verb);
      return signal(values, id, (cc) => cc.client.workflow.getHandle(id).signal(resumeSignal), 'resume requested');
    }
    case 'cancel': {
      const id = campaignIdArg(positionals, verb);
      return signal(values, id, (cc) => cc.client.workflow.getHandle(id).signal(cancelSignal), 'cancel requested (running episodes finish)');
    }
    case 'concurrency': {
      const id = campaignIdArg(positionals, verb);
      if (positionals[2] === undefined) throw new CliError(`sinq campaign concurrency needs N\n${usage}`);
      // The workflow ignores values outside the config's bounds; say so here instead.
      const n = parseIntegerFlag('concurrency N', positionals[2], { min: 1, max: MAX_CAMPAIGN_CONCURRENCY });
      return signal(values, id, (cc) => cc.client.workflow.getHandle(id).signal(setConcurrencySignal, n), `concurrency set to ${n}`);
    }
    default:
      throw new CliError(`unknown campaign verb '${verb}'\n${usage}`);
  }
}
