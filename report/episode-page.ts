// One episode's page: its timeline exactly as `sinq episodes show` prints it, under a short header.
import type { EpisodeRecord } from '../machines/types';
import { fixed } from './format';
import { escapeHtml as esc, pageCss } from './page-assets';
import { indexFile } from './paths';
import { renderTimeline } from './timeline';

function page(title: string, round: number | null, body: string): string {
  const back = `../${indexFile}${round === null ? '#episodes' : `#round-${round}`}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${pageCss}</style></head>
<body><header class="top"><h1>${esc(title)}</h1><div class="meta"><span><a href="${esc(back)}" id="back" style="color:#c7d2fe">← back to the campaign report</a></span></div></header>
<main>${body}</main></body></html>
`;
}

/** The page of a record; a record the timeline cannot render still gets a page that says why. */
export function renderEpisodePage(record: EpisodeRecord): string {
  let timeline: string;
  try {
    timeline = renderTimeline(record);
  } catch (err) {
    return unreadableEpisodePage(
      record.episodeId ?? 'episode',
      typeof record.round === 'number' ? record.round : null,
      `its timeline cannot be rendered: ${(err as Error).message}`,
    );
  }
  const cards = [
    ['outcome', record.outcome, record.reason ? `${record.reason.code}` : ''],
    ['difficulty', record.difficulty === null ? '–' : fixed(record.difficulty, 1), `target ${record.targetDifficulty}`],
    ['generator reward', fixed(record.rewards?.generator ?? null, 3), ''],
    [
      'evaluator reward',
      fixed(record.rewards?.evaluator ?? null, 3),
      `${record.attemptVerdicts.filter((v) => v.found).length} of ${record.attemptVerdicts.length} attempts found one`,
    ],
  ]
    .map(
      ([label, value, sub]) =>
        `<div class="card"><div class="label">${esc(label ?? '')}</div><div class="value${label === 'outcome' ? ` outcome ${esc(value ?? '')}` : ''}">${esc(value ?? '')}</div><div class="sub">${esc(sub ?? '')}</div></div>`,
    )
    .join('');
  return page(
    `Episode ${record.episodeId}`,
    record.round,
    `<div class="cards">${cards}</div><pre class="timeline" id="timeline">${esc(timeline)}</pre>`,
  );
}

export function unreadableEpisodePage(episodeId: string, round: number | null, error: string): string {
  return page(
    `Episode ${episodeId}`,
    round,
    `<div class="warn"><strong>This episode's record could not be read</strong><ul><li>${esc(error)}</li></ul></div>`,
  );
}
