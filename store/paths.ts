// Where a campaign keeps its files: `<dir>/campaigns/<campaignId>/` with `episodes.db`, `exports/` and `report/`.
import path from 'node:path';

export const defaultSinqDir = '.sinq';

export function sinqDir(dir?: string): string {
  return path.resolve(dir ?? process.env.SINQ_DIR ?? defaultSinqDir);
}

export function campaignDir(root: string, campaignId: string): string {
  return path.join(root, 'campaigns', campaignId);
}

export function episodesDbPath(root: string, campaignId: string): string {
  return path.join(campaignDir(root, campaignId), 'episodes.db');
}

export function exportsDir(root: string, campaignId: string): string {
  return path.join(campaignDir(root, campaignId), 'exports');
}

export function reportDir(root: string, campaignId: string): string {
  return path.join(campaignDir(root, campaignId), 'report');
}
