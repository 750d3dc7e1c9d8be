// Where things go inside a report directory. Pure: the model and the writer agree on links through it.
import { hashSeed } from '../game/random';

export const indexFile = 'index.html';
export const modelFile = 'report.json';
export const plotsDir = 'plots';
export const episodesDir = 'episodes';

/** A file name safe on any file system; ids with other characters (`HumanEval/0`) get a digest so they stay distinct. */
function safeName(id: string): string {
  const plain = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return plain === id ? id : `${plain}-${hashSeed(id).toString(16).padStart(8, '0')}`;
}

/** The page of one episode, relative to the report's index.html. */
export function episodePagePath(episodeId: string): string {
  return `${episodesDir}/${safeName(episodeId)}.html`;
}
