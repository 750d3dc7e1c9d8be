// `sinq export --campaign ID --out DIR`: the campaign's episodes as JSONL, plus chat-format examples.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EpisodeStore } from '../../store/episode-store';
import { exportCampaign } from '../../store/export';
import { episodesDbPath, exportsDir, sinqDir } from '../../store/paths';
import { CliError } from '../errors';

export const summary = "write a campaign's episodes as JSONL (full records and chat-format examples)";

const usage = `usage:
  sinq export --campaign ID [--out DIR] [--dir DIR] [--json]
--out defaults to the campaign's exports/ directory.`;

const options = {
  campaign: { type: 'string' },
  out: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options, strict: true }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (!values.campaign) throw new CliError(`--campaign ID is required\n${usage}`);
  const dir = sinqDir(values.dir);
  const file = episodesDbPath(dir, values.campaign);
  if (!existsSync(file)) throw new CliError(`no campaign '${values.campaign}' in ${dir}`, 1);
  const store = await EpisodeStore.open(file);
  try {
    const result = await exportCampaign(store, values.campaign, values.out ?? exportsDir(dir, values.campaign));
    process.stdout.write(
      values.json ? JSON.stringify(result) + '\n' : `${result.episodesFile}: ${result.episodes} episodes\n${result.chatFile}: ${result.chatExamples} chat examples\n`,
    );
  } finally {
    store.close();
  }
  return 0;
}
