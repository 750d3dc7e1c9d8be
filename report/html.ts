// The report's index page: headline numbers, the plots (inline SVG), the per-round tables and every
// episode with a link to its timeline. Everything it shows comes from the report model.
import type { ChartSpec } from './charts';
import { duration, fixed, percent, roundLabel, timestamp, trainedLabel } from './format';
import type { ReportModel, RoundReport } from './model';
import { escapeHtml as esc, liveScript, pageCss, scriptJson, tooltipScript } from './page-assets';
import { plotsDir } from './paths';

export interface RenderedPlot {
  spec: ChartSpec;
  svg: string;
  /** Whether a PNG sits beside the SVG in plots/. */
  png: boolean;
}

export const versionFile = 'version.json';

function card(label: string, value: string, sub = ''): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${sub ? `<div class="sub">${esc(sub)}</div>` : ''}</div>`;
}

function header(model: ReportModel): string {
  const c = model.campaign;
  const status = c?.status ?? 'unknown';
  const meta = [
    c?.taskSet ? `tasks ${c.taskSet}` : null,
    c ? `generator ${c.generatorPolicy ?? '?'}` : null,
    c ? `evaluator ${c.evaluatorPolicy ?? '?'}` : null,
    c?.attempts !== null && c?.attempts !== undefined ? `n = ${c.attempts} attempts` : null,
    c ? `started ${timestamp(c.createdAt)}` : null,
    `report of ${timestamp(model.generatedAt)}`,
  ].filter((part): part is string => part !== null);
  return `<header class="top"><h1>Campaign ${esc(model.campaignId)}<span class="badge ${esc(status)}">${esc(status)}</span></h1>
<div class="meta">${meta.map((m) => `<span>${esc(m)}</span>`).join('')}</div></header>`;
}

function cards(model: ReportModel): string {
  const t = model.totals;
  const complete = model.rounds.filter((r) => r.complete).length;
  const planned = model.campaign?.rounds;
  const target = model.campaign?.targetDifficulty ?? null;
  const last = model.rounds.at(-1);
  return `<div class="cards">
${card('rounds done', planned ? `${complete} / ${planned}` : String(complete), last && !last.complete ? `round ${last.label} running: ${last.episodes} episode(s) so far` : '')}
${card('episodes', String(t.episodes), `${t.valid} valid · ${t.invalid} invalid · ${t.failed} failed`)}
${card('valid-play rate', percent(t.validRate, 1), last ? `last round ${percent(last.episodes === 0 ? null : last.validRate, 1)}` : '')}
${card('mean difficulty', fixed(t.meanDifficulty), target !== null ? `target ${fixed(target, 1)}` : '')}
${card('evaluator accuracy', percent(t.evaluatorAccuracy, 1), last ? `last round ${percent(last.evaluatorAccuracy, 1)}` : '')}
</div>`;
}

function warnings(model: ReportModel): string {
  const items = [
    ...model.problems,
    ...model.unreadable.map((u) => `episode ${u.id} could not be read: ${u.error}`),
    ...model.summaryMismatches.map(
      (m) =>
        `${roundLabel(m.round)}: the stored round summary says ${m.field} = ${m.stored}, the episodes give ${m.computed}`,
    ),
  ];
  if (items.length === 0) return '';
  return `<div class="warn"><strong>Read with care</strong><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul></div>`;
}

function figure(plot: RenderedPlot): string {
  const { spec } = plot;
  const files = [
    `<a href="${plotsDir}/${spec.id}.svg">SVG</a>`,
    ...(plot.png ? [`<a href="${plotsDir}/${spec.id}.png">PNG</a>`] : []),
  ].join(' · ');
  return `<figure class="plot" id="plot-${esc(spec.id)}" data-plot="${esc(spec.id)}">
${plot.svg}
<figcaption><span class="files">${files}</span>${esc(spec.caption)}</figcaption>
<script type="application/json" class="hover">${scriptJson(spec.hover)}</script>
</figure>`;
}

function versions(list: RoundReport['generatorVersions']): string {
  return list.map((v) => (list.length > 1 ? `${v.version} (${v.episodes})` : v.version)).join(', ') || '–';
}

function roundsTable(model: ReportModel): string {
  const rows = model.rounds.map(
    (r) => `<tr id="round-row-${r.round}">
<td>${esc(r.label)}${r.complete ? '' : ' <span class="small">(running)</span>'}</td>
<td class="num">${r.episodes}</td><td class="num">${r.valid}</td><td class="num">${r.invalid}</td><td class="num">${r.failed}</td>
<td class="num">${percent(r.episodes === 0 ? null : r.validRate, 1)}</td>
<td class="num">${fixed(r.meanDifficulty)}</td><td class="num">${fixed(r.targetDifficulty, 1)}</td>
<td class="num">${percent(r.evaluatorAccuracy, 1)}</td>
<td class="num">${fixed(r.meanGeneratorReward, 3)}</td><td class="num">${fixed(r.meanEvaluatorReward, 3)}</td>
<td class="num">${duration(r.meanEpisodeMs)}</td>
<td>${esc(versions(r.generatorVersions))}</td><td>${esc(versions(r.evaluatorVersions))}</td>
<td>${esc(r.trainedGenerator ?? '–')}</td><td>${esc(r.trainedEvaluator ?? '–')}</td></tr>`,
  );
  return `<div class="table-wrap"><table id="rounds-table"><thead><tr>
<th>round</th><th class="num">episodes</th><th class="num">valid</th><th class="num">invalid</th><th class="num">failed</th>
<th class="num">valid rate</th><th class="num">mean difficulty</th><th class="num">target</th><th class="num">evaluator accuracy</th>
<th class="num">generator reward</th><th class="num">evaluator reward</th><th class="num">mean episode time</th>
<th>generator played</th><th>evaluator played</th><th>generator trained after</th><th>evaluator trained after</th>
</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function reasonsTable(model: ReportModel): string {
  const categories = model.outcomeCategories.filter((c) => c.outcome !== 'valid');
  if (categories.length === 0) return '<p class="small">Every play was valid.</p>';
  const rows = categories.map(
    (c) =>
      `<tr><td class="outcome ${c.outcome}">${esc(c.outcome)}</td><td>${esc(c.code ?? 'unknown')}</td>${model.rounds
        .map((r) => `<td class="num">${r.outcomeCounts[c.key] ?? 0}</td>`)
        .join('')}<td class="num">${model.rounds.reduce((sum, r) => sum + (r.outcomeCounts[c.key] ?? 0), 0)}</td></tr>`,
  );
  return `<div class="table-wrap"><table id="reasons-table"><thead><tr><th>outcome</th><th>reason</th>${model.rounds
    .map((r) => `<th class="num">round ${esc(r.label)}</th>`)
    .join('')}<th class="num">all</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function crossplayTable(crossplay: NonNullable<ReportModel['crossplay']>): string {
  const cell = (g: number, e: number): string => {
    const c = crossplay.cells.find((x) => x.generatorRound === g && x.evaluatorRound === e);
    return c
      ? `<td class="num">${fixed(c.meanDifficulty)} <span class="small">kill ${percent(c.killRate)} · ${c.pairs}</span></td>`
      : '<td class="num">–</td>';
  };
  return `<div class="table-wrap"><table id="crossplay-table"><thead><tr><th>generator ↓ / evaluator →</th>${crossplay.evaluatorRounds
    .map((e) => `<th class="num">evaluator r${e + 1}</th>`)
    .join('')}</tr></thead><tbody>${crossplay.generatorRounds
    .map((g) => `<tr><td>generator r${g + 1}</td>${crossplay.evaluatorRounds.map((e) => cell(g, e)).join('')}</tr>`)
    .join('\n')}</tbody></table></div><p class="small">Each cell: mean difficulty, kill rate and number of pairs.</p>`;
}

function evalTable(series: NonNullable<ReportModel['eval']>): string {
  const rows = series.flatMap((s) =>
    s.points.map(
      (p) => `<tr><td>${esc(s.benchmark)}</td><td>${esc(p.model)}</td><td>${esc(trainedLabel(p.round))}</td>
<td class="num">${p.items}</td><td class="num">${p.answered}</td><td class="num">${p.correct}</td>
<td class="num">${percent(p.accuracy, 1)}</td><td class="num">${percent(p.accuracyAnswered, 1)}</td><td class="num">${p.unanswered}</td>
<td class="num">${fixed(p.positionBias, 3)}</td><td>${esc(timestamp(p.finishedAt))}</td></tr>`,
    ),
  );
  return `<div class="table-wrap"><table id="eval-table"><thead><tr><th>benchmark</th><th>model</th><th>version</th>
<th class="num">items</th><th class="num">answered</th><th class="num">correct</th><th class="num">accuracy</th>
<th class="num">accuracy (answered)</th><th class="num">unanswered</th><th class="num">position bias</th><th>finished</th>
</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function episodesSection(model: ReportModel): string {
  const byRound = new Map<number, ReportModel['episodes']>();
  for (const e of model.episodes) byRound.set(e.round, [...(byRound.get(e.round) ?? []), e]);
  const unreadable = new Map<number | null, ReportModel['unreadable']>();
  for (const u of model.unreadable) unreadable.set(u.round, [...(unreadable.get(u.round) ?? []), u]);
  const rounds = model.rounds.map((r) => {
    const rows = (byRound.get(r.round) ?? []).map(
      (e) => `<tr data-search="${esc(`${e.taskId} ${e.outcome} ${e.reasonCode ?? ''}`.toLowerCase())}">
<td><a class="episode-link" href="${esc(e.href)}">${esc(e.taskId)}</a></td>
<td class="outcome ${e.outcome}">${esc(e.outcome)}</td><td>${esc(e.reasonCode ?? '')}</td>
<td class="num">${e.difficulty === null ? '–' : fixed(e.difficulty, 1)}</td>
<td class="num">${fixed(e.generatorReward, 3)}</td><td class="num">${fixed(e.evaluatorReward, 3)}</td>
<td class="num">${duration(e.episodeMs)}</td></tr>`,
    );
    const broken = (unreadable.get(r.round) ?? []).map(
      (u) =>
        `<tr><td>${esc(u.id)}</td><td class="outcome failed">unreadable</td><td colspan="5">${esc(u.error)}</td></tr>`,
    );
    // The latest round starts open: while a campaign runs, that is where new episodes appear.
    const open = r === model.rounds.at(-1) ? ' open' : '';
    return `<details class="round" id="round-${r.round}"${open}><summary>Round ${esc(r.label)}<span class="sub">${r.episodes} episodes · ${r.valid} valid · mean difficulty ${fixed(r.meanDifficulty)}</span></summary>
<div class="table-wrap"><table><thead><tr><th>task</th><th>outcome</th><th>reason</th><th class="num">difficulty</th><th class="num">generator reward</th><th class="num">evaluator reward</th><th class="num">time</th></tr></thead>
<tbody>${[...rows, ...broken].join('\n')}</tbody></table></div></details>`;
  });
  return `<div class="filter"><input id="episode-filter" type="search" placeholder="filter episodes by task, outcome or reason"></div>${rounds.join('\n')}`;
}

export function renderIndexHtml(model: ReportModel, plots: readonly RenderedPlot[]): string {
  const sections: Array<[string, string, string]> = [
    ['plots', 'Plots', `<div class="plots">${plots.map(figure).join('\n')}</div>`],
    ['rounds', 'Rounds', roundsTable(model)],
    ['reasons', 'Why plays were invalid or failed', reasonsTable(model)],
  ];
  if (model.crossplay) sections.push(['crossplay', 'Cross-play', crossplayTable(model.crossplay)]);
  if (model.eval) sections.push(['eval', 'sinq eval results', evalTable(model.eval)]);
  sections.push(['episodes', 'Episodes', episodesSection(model)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sinq report · ${esc(model.campaignId)}</title><style>${pageCss}</style></head>
<body data-generated-at="${model.generatedAt}">
${header(model)}
<main>
<nav class="toc">${sections.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`).join('')}<a href="report.json">report.json</a></nav>
${warnings(model)}
${cards(model)}
${sections.map(([id, title, body]) => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`).join('\n')}
<footer>sinq report · plots rendered on the server with Apache ECharts (SVG); numbers from ${esc(model.campaignId)}/episodes.db.</footer>
</main>
<div id="tip"></div>
<script>${tooltipScript}</script>
<script>${liveScript(model.generatedAt, versionFile)}</script>
</body></html>
`;
}
