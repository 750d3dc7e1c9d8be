// `sinq report --campaign ID [--out DIR] [--serve]`: the campaign as plots and tables in one
// self-contained HTML page, PNG/SVG plots beside it, one page per episode; live with --serve.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ReportSource, ReportSourceError } from '../../report/source';
import { serveReport } from '../../report/serve';
import { writeCampaignReport, writeReport, type WrittenReport } from '../../report/write';
import { episodesDbPath, reportDir, sinqDir } from '../../store/paths';
import { CliError } from '../errors';
import { parseIntegerFlag } from '../numeric-flags';

export const summary =
  'an HTML report of a campaign with plots (PNG/SVG beside it); --serve keeps it live while the campaign runs';

const usage = `usage:
  sinq report --campaign ID [--out DIR] [--serve [--port N]] [--no-png] [--dir DIR] [--json]
Writes DIR/index.html (default <dir>/campaigns/ID/report), DIR/plots/*.svg and *.png, and one page per
episode under DIR/episodes/. --serve serves it on 127.0.0.1 and rewrites it whenever the campaign's
store changes; the open page reloads itself. Stop it with Ctrl-C.`;

const options = {
  campaign: { type: 'string' },
  out: { type: 'string' },
  serve: { type: 'boolean' },
  port: { type: 'string' },
  'no-png': { type: 'boolean' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function describe(report: WrittenReport): string {
  const t = report.model.totals;
  const lines = [
    `report  ${report.index}`,
    `        ${report.model.rounds.length} round(s), ${t.episodes} episode(s), ${t.valid} valid; ${report.plots.length} plots:`,
    ...report.plots.map((p) => `        ${p.png ?? p.svg}`),
  ];
  return lines.join('\n');
}

function sourceError(err: unknown): never {
  if (err instanceof ReportSourceError) throw new CliError(err.message, 1, err.code);
  throw err;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const campaignId = values.campaign;
  if (!campaignId) throw new CliError(`--campaign ID is required\n${usage}`);
  const dir = sinqDir(values.dir);
  const outDir = path.resolve(values.out ?? reportDir(dir, campaignId));
  const png = !values['no-png'];
  let port: number | undefined;
  if (values.port !== undefined) {
    port = parseIntegerFlag('--port', values.port, { min: 0, max: 65535 });
    if (!values.serve) throw new CliError('--port only applies with --serve');
  }

  if (!values.serve) {
    const report = await writeCampaignReport(episodesDbPath(dir, campaignId), campaignId, outDir, { png }).catch(
      sourceError,
    );
    process.stdout.write(
      values.json
        ? JSON.stringify({ index: report.index, plots: report.plots, episodes: report.model.totals.episodes }) + '\n'
        : describe(report) + '\n',
    );
    return 0;
  }

  const storeFile = episodesDbPath(dir, campaignId);
  // One open source for the server's life: re-reading is cheap, and no close checkpoints the WAL under a running campaign.
  const source = await ReportSource.open(storeFile, campaignId).catch(sourceError);
  let last: WrittenReport | undefined;
  try {
    const server = await serveReport({
      dir: outDir,
      storeFile,
      port,
      refresh: async () => {
        last = await writeReport(source, outDir, { png });
      },
      onRefresh: (error) => {
        if (error)
          process.stderr.write(`sinq report: refresh failed, still serving the last report: ${error.message}\n`);
        else if (last) process.stderr.write(`report refreshed: ${last.model.totals.episodes} episode(s)\n`);
      },
    }).catch(sourceError);
    process.stdout.write(
      values.json
        ? JSON.stringify({ url: server.url, index: last?.index ?? null }) + '\n'
        : `serving ${server.url}  (${outDir}; Ctrl-C stops)\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  } finally {
    source.close();
  }
  return 0;
}
