// Headless Debian Chromium opens a served report: every plot has its data points, the numbers on the
// page are the model's, one episode link leads to the timeline `sinq episodes show` prints, and the
// page reloads itself when the campaign's store changes. Screenshots go to .sinq/test-output/report/.
// Needs /usr/bin/chromium (deploy/setup-chromium.sh installs it); skipped without it.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percent } from '../../report/format';
import { phaseKeys, type ReportModel } from '../../report/model';
import { serveReport, type ReportServer } from '../../report/serve';
import { ReportSource } from '../../report/source';
import { renderTimeline } from '../../report/timeline';
import { writeReport } from '../../report/write';
import { EpisodeStore } from '../../store/episode-store';
import { campaignId, fixtureEpisodes, fixtureRecord, writeFixtureStore } from './fixture';

const chromiumPath = '/usr/bin/chromium';
const outputDir = path.resolve(import.meta.dirname, '../../.sinq/test-output/report');

/** Data points each plot must show, from the model: (series index → number of distinct points). */
function expectedPoints(model: ReportModel): Record<string, number[]> {
  const rounds = model.rounds.length;
  const present = (values: Array<number | null>): number => values.filter((v) => v !== null).length;
  const expected: Record<string, number[]> = {
    outcomes: [
      ...model.outcomeCategories.map(() => rounds),
      present(model.rounds.map((r) => (r.episodes === 0 ? null : r.validRate))),
    ],
    'difficulty-histogram': [rounds * 11],
    'difficulty-vs-target': [
      present(model.rounds.map((r) => r.meanDifficulty)),
      present(model.rounds.map((r) => r.targetDifficulty)),
    ],
    'evaluator-accuracy': [present(model.rounds.map((r) => r.evaluatorAccuracy))],
    rewards: [
      present(model.rounds.map((r) => r.meanGeneratorReward)),
      present(model.rounds.map((r) => r.meanEvaluatorReward)),
    ],
    'episode-phases': phaseKeys.map(() => rounds),
  };
  if (model.crossplay) expected.crossplay = [model.crossplay.cells.filter((c) => c.meanDifficulty !== null).length];
  if (model.eval) expected.eval = model.eval.map((s) => s.points.filter((p) => p.accuracy !== null).length);
  return expected;
}

/** Distinct data points per series of each figure, as the browser sees the inline SVG. */
async function pointsOnPage(page: Page): Promise<Record<string, number[]>> {
  return page.$$eval('figure.plot', (figures) =>
    Object.fromEntries(
      figures.map((figure) => {
        const seen: Array<Set<string>> = [];
        figure
          .querySelectorAll('svg [ecmeta_ssr_type="chart"][ecmeta_series_index][ecmeta_data_index]')
          .forEach((el: { getAttribute(name: string): string | null }) => {
            const series = Number(el.getAttribute('ecmeta_series_index'));
            (seen[series] ??= new Set()).add(el.getAttribute('ecmeta_data_index') ?? '');
          });
        return [figure.getAttribute('data-plot') ?? '', Array.from(seen, (s) => (s ? s.size : 0))];
      }),
    ),
  );
}

describe.skipIf(!existsSync(chromiumPath))('report in headless Chromium', () => {
  let dir: string;
  let profile: string;
  let storeFile: string;
  let outDir: string;
  let source: ReportSource;
  let server: ReportServer;
  let context: BrowserContext;
  let model: ReportModel;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-report-browser-'));
    profile = mkdtempSync(path.join(tmpdir(), 'sinq-report-chromium-'));
    storeFile = path.join(dir, 'campaigns', campaignId, 'episodes.db');
    mkdirSync(path.dirname(storeFile), { recursive: true });
    outDir = path.join(dir, 'report');
    await writeFixtureStore(storeFile, { registry: true, crossplay: true, evalResults: true });
    source = await ReportSource.open(storeFile, campaignId);
    server = await serveReport({
      dir: outDir,
      storeFile,
      pollMs: 200,
      refresh: async () => {
        model = (await writeReport(source, outDir)).model;
      },
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1440, height: 1000 },
    });
    mkdirSync(outputDir, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    source?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('shows every plot with its data points and the model’s numbers', async () => {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(server.url);
    expect(await page.title()).toBe(`sinq report · ${campaignId}`);
    const onPage = await pointsOnPage(page);
    const expected = expectedPoints(model);
    expect(Object.keys(onPage).sort()).toEqual(Object.keys(expected).sort());
    expect(onPage).toEqual(expected);
    // Hand-checked: 3 rounds, 6 outcome kinds, 4 cross-play cells, 3 eval versions.
    expect(expected.outcomes).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(expected.crossplay).toEqual([4]);
    expect(expected.eval).toEqual([3]);

    const roundCells = await page.$$eval('#rounds-table tbody tr', (rows) =>
      rows.map((row) =>
        Array.from(row.querySelectorAll('td'), (td: { textContent: string | null }) => td.textContent?.trim() ?? ''),
      ),
    );
    expect(roundCells.map((cells) => cells.slice(1, 6))).toEqual(
      model.rounds.map((r) => [
        String(r.episodes),
        String(r.valid),
        String(r.invalid),
        String(r.failed),
        percent(r.validRate, 1),
      ]),
    );
    expect(await page.locator('#reasons-table').textContent()).toContain('no-play');
    expect(await page.locator('#crossplay-table').textContent()).toContain('generator r2');
    expect(await page.locator('#eval-table').textContent()).toContain('sinq-evaluator:c1-r2');

    // Hovering a point shows its label.
    await page.locator('#plot-evaluator-accuracy svg [ecmeta_series_index="0"][ecmeta_data_index="1"]').first().hover();
    expect(await page.locator('#tip').textContent()).toBe(
      `round 2 · evaluator accuracy ${percent(model.rounds[1]!.evaluatorAccuracy, 1)}`,
    );

    await page.screenshot({ path: path.join(outputDir, 'report.png'), fullPage: true });
    // Self-contained: everything the page loaded came from the report's own server.
    expect(requests.filter((url) => !url.startsWith(server.url))).toEqual([]);
    await page.close();
  });

  it('follows an episode link to its timeline as sinq episodes show prints it', async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    const link = page.locator('#round-0 a.episode-link').filter({ hasText: /^b$/ });
    await page.locator('#round-0 > summary').click();
    await link.click();
    await page.waitForURL(/episodes\/c1-r0-b\.html$/);
    const record = fixtureRecord(fixtureEpisodes[1]!, 1);
    expect(await page.locator('#timeline').textContent()).toBe(renderTimeline(record));
    await page.screenshot({ path: path.join(outputDir, 'episode.png'), fullPage: true });
    await page.locator('#back').click();
    await page.waitForURL(/index\.html#round-0$/);
    await page.close();
  });

  it('reloads itself when the campaign records another episode', async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    const before = Number(await page.locator('body').getAttribute('data-generated-at'));
    const store = await EpisodeStore.open(storeFile);
    await store.recordEpisode(
      fixtureRecord(
        { round: 2, task: 'b', outcome: 'valid', difficulty: 9, found: 0, rewards: { generator: 0.9, evaluator: 0.1 } },
        40,
      ),
    );
    store.close();
    await page.waitForFunction(
      (t: number) =>
        Number(
          (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset
            .generatedAt,
        ) > t,
      before,
      { timeout: 20_000 },
    );
    const lastRound = await page.locator('#rounds-table tbody tr').last().locator('td').nth(1).textContent();
    expect(lastRound).toBe('2');
    expect(await page.locator('#round-2 a.episode-link').count()).toBe(2);
    await page.close();
  });
});
