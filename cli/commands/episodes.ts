// `sinq episodes list|show`: reads the campaign stores.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EpisodeOutcome } from '../../machines/types';
import { EpisodeStore } from '../../store/episode-store';
import { episodesDbPath, sinqDir } from '../../store/paths';
import { CliError } from '../errors';
import { parseDecimalFlag, parseIntegerFlag } from '../numeric-flags';
import { renderTimeline } from '../../report/timeline';

export const summary = 'list episodes of a campaign (filter by round, outcome, difficulty) or show one episode timeline';

const usage = `usage:
  sinq episodes list --campaign ID [--round K] [--outcome valid|invalid|failed] [--min-difficulty D] [--limit N] [--json]
  sinq episodes show EPISODE_ID [--json]
Rounds are numbered from 1. --dir DIR (default .sinq) holds the campaign stores.`;

const options = {
  campaign: { type: 'string' },
  round: { type: 'string' },
  outcome: { type: 'string' },
  'min-difficulty': { type: 'string' },
  limit: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function number(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  return integer ? parseIntegerFlag(flag, value) : parseDecimalFlag(flag, value);
}

async function openStore(dir: string, campaignId: string): Promise<EpisodeStore> {
  const file = episodesDbPath(dir, campaignId);
  if (!existsSync(file)) throw new CliError(`no campaign '${campaignId}' in ${dir} (no ${file})`, 1);
  return EpisodeStore.open(file);
}

/** The campaign of an episode id `<campaignId>-r<k>-<taskId>`: the longest stored campaign id that prefixes it. */
function campaignOf(dir: string, episodeId: string): string | undefined {
  const root = path.join(dir, 'campaigns');
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .filter((id) => /^-r\d+-/.test(episodeId.slice(id.length)) && episodeId.startsWith(id))
    .sort((a, b) => b.length - a.length)[0];
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  const verb = positionals[0];
  if (values.help || verb === undefined) {
    process.stdout.write(usage + '\n');
    return values.help ? 0 : 2;
  }
  const dir = sinqDir(values.dir);
  if (verb === 'list') {
    if (!values.campaign) throw new CliError(`--campaign ID is required\n${usage}`);
    const outcome = values.outcome;
    if (outcome !== undefined && !['valid', 'invalid', 'failed'].includes(outcome)) throw new CliError(`--outcome must be valid, invalid or failed`);
    const round = number('--round', values.round, true);
    if (round !== undefined && round < 1) throw new CliError('--round counts from 1');
    const minDifficulty = number('--min-difficulty', values['min-difficulty'], false);
    const limit = number('--limit', values.limit, true);
    const store = await openStore(dir, values.campaign);
    try {
      const rows = await store.listEpisodes({
        campaignId: values.campaign,
        ...(round !== undefined ? { round: round - 1 } : {}),
        ...(outcome !== undefined ? { outcome: outcome as EpisodeOutcome } : {}),
        ...(minDifficulty !== undefined ? { minDifficulty } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      if (values.json) {
        process.stdout.write(JSON.stringify(rows) + '\n');
      } else {
        for (const row of rows) {
          process.stdout.write(
            `${row.id.padEnd(48)} r${row.round + 1} ${row.outcome.padEnd(7)} ${row.difficulty === null ? '  -' : String(row.difficulty).padStart(3)}  ${row.reasonCode ?? ''}\n`,
          );
        }
        process.stdout.write(`${rows.length} episode(s)\n`);
      }
    } finally {
      store.close();
    }
    return 0;
  }
  if (verb === 'show') {
    const episodeId = positionals[1];
    if (!episodeId) throw new CliError(`sinq episodes show needs an episode id\n${usage}`);
    const campaignId = values.campaign ?? campaignOf(dir, episodeId);
    if (!campaignId) throw new CliError(`no campaign in ${dir} matches episode '${episodeId}'`, 1);
    const store = await openStore(dir, campaignId);
    try {
      const record = await store.getEpisode(episodeId);
      if (!record) throw new CliError(`no episode '${episodeId}' in campaign ${campaignId}`, 1);
      process.stdout.write((values.json ? JSON.stringify(record) : renderTimeline(record)) + '\n');
    } finally {
      store.close();
    }
    return 0;
  }
  throw new CliError(`unknown episodes verb '${verb}'\n${usage}`);
}
