// Writes a campaign's report directory: index.html, plots/*.svg and *.png, one page per episode,
// report.json (the model) and version.json (what the live page polls). Files are replaced
// atomically, so a server or a browser never reads half a file. Episode records never change once
// stored, so an episode page that exists is not written again.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chartSpecs } from './charts';
import { renderEpisodePage, unreadableEpisodePage } from './episode-page';
import { renderIndexHtml, versionFile, type RenderedPlot } from './html';
import { buildReportModel, type ReportModel } from './model';
import { episodePagePath, episodesDir, indexFile, modelFile, plotsDir } from './paths';
import { renderSvg, svgToPng } from './render-chart';
import { ReportSource } from './source';

export interface WriteOptions {
  /** Also write PNGs of the plots (default true). */
  png?: boolean;
  now?: number;
}

export interface WrittenReport {
  dir: string;
  index: string;
  plots: Array<{ id: string; svg: string; png: string | null }>;
  /** Episode pages written by this call (pages already on disk are kept). */
  newEpisodePages: number;
  model: ReportModel;
}

function writeAtomic(file: string, content: string | Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

export async function writeReport(
  source: ReportSource,
  outDir: string,
  options: WriteOptions = {},
): Promise<WrittenReport> {
  const dir = path.resolve(outDir);
  mkdirSync(path.join(dir, plotsDir), { recursive: true });
  mkdirSync(path.join(dir, episodesDir), { recursive: true });
  const model = buildReportModel(await source.read(options.now ?? Date.now()));
  const png = options.png ?? true;

  let newEpisodePages = 0;
  for (const episode of model.episodes) {
    const file = path.join(dir, episode.href);
    if (existsSync(file)) continue;
    const record = await source.record(episode.id);
    const html =
      record === null
        ? unreadableEpisodePage(episode.id, episode.round, 'the record is missing from the store')
        : record instanceof Error
          ? unreadableEpisodePage(episode.id, episode.round, record.message)
          : renderEpisodePage(record);
    writeAtomic(file, html);
    newEpisodePages += 1;
  }
  for (const broken of model.unreadable) {
    const file = path.join(dir, episodePagePath(broken.id));
    if (!existsSync(file)) writeAtomic(file, unreadableEpisodePage(broken.id, broken.round, broken.error));
  }

  const plots: RenderedPlot[] = chartSpecs(model).map((spec) => ({ spec, svg: renderSvg(spec), png }));
  const written = plots.map(({ spec, svg }) => {
    const svgFile = path.join(dir, plotsDir, `${spec.id}.svg`);
    writeAtomic(svgFile, svg);
    let pngFile: string | null = null;
    if (png) {
      pngFile = path.join(dir, plotsDir, `${spec.id}.png`);
      writeAtomic(pngFile, svgToPng(svg));
    }
    return { id: spec.id, svg: svgFile, png: pngFile };
  });

  writeAtomic(path.join(dir, modelFile), JSON.stringify(model, null, 2) + '\n');
  const index = path.join(dir, indexFile);
  writeAtomic(index, renderIndexHtml(model, plots));
  // Last: a page that sees the new version finds every file it links to already in place.
  writeAtomic(path.join(dir, versionFile), JSON.stringify({ generatedAt: model.generatedAt }) + '\n');
  return { dir, index, plots: written, newEpisodePages, model };
}

/** Opens a campaign's store, writes its report once and closes the store. */
export async function writeCampaignReport(
  storeFile: string,
  campaignId: string,
  outDir: string,
  options: WriteOptions = {},
): Promise<WrittenReport> {
  const source = await ReportSource.open(storeFile, campaignId);
  try {
    return await writeReport(source, outDir, options);
  } finally {
    source.close();
  }
}
