// `sinq export --campaign ID --out DIR`: the campaign's episodes as JSONL, plus chat-format examples.
import { existsSync } from 'node:fs';
import { EpisodeStore } from '../../store/episode-store';
import { exportCampaign } from '../../store/export';
import { episodesDbPath, exportsDir, sinqDir } from '../../store/paths';
import { exportTrainingSets } from '../../training/export';
import { parseFlags } from '../args';
import { CliError } from '../errors';

export const summary = "write a campaign's episodes as JSONL (full records and chat-format examples) and its current training sets";

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
  const values = parseFlags(argv, options, usage);
  if (!values) return 0;
  if (!values.campaign) throw new CliError(`--campaign ID is required\n${usage}`);
  const dir = sinqDir(values.dir);
  const file = episodesDbPath(dir, values.campaign);
  if (!existsSync(file)) throw new CliError(`no campaign '${values.campaign}' in ${dir}`, 1);
  const store = await EpisodeStore.open(file);
  try {
    const out = values.out ?? exportsDir(dir, values.campaign);
    const result = await exportCampaign(store, values.campaign, out);
    const training = await exportTrainingSets(store, values.campaign, out);
    const sets = training.manifest.files;
    process.stdout.write(
      values.json
        ? JSON.stringify({ ...result, training: { dir: training.dir, digest: training.manifest.digest, counts: training.manifest.counts } }) + '\n'
        : `${result.episodesFile}: ${result.episodes} episodes\n${result.chatFile}: ${result.chatExamples} chat examples\n` +
            `${training.dir}: training sets ${training.manifest.digest.slice(0, 12)} (generator ${sets.generator.count}, evaluator ${sets.evaluator.count}, preferences ${sets.preferences.count})\n`,
    );
  } finally {
    store.close();
  }
  return 0;
}
