// The Temporal Web UI on a campaign's episodes, in a real browser: a small campaign on the dev server,
// the stack stopped, `sinq ui` serving the kept database, headless Debian Chromium (playwright-core)
// running the search-attribute query, opening one episode and finding its activities in its history.
// The screenshot is saved as .sinq/test-output/ui/episode.png.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinqBin } from '../../deploy/child';
import { connectCampaignClient, startCampaign } from '../../deploy/campaign-client';
import { startStack } from '../../deploy/launcher';
import { silentLogger } from '../../lib/log';
import { EpisodeStore } from '../../store/episode-store';
import { episodesDbPath } from '../../store/paths';
import { loadTaskSet } from '../../tasks/index';
import { episodeCounts, expectedPairs, smallCampaign, waitForClose } from '../campaign/helpers';
import { testTemporalCli } from '../server-under-test';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tasksFile = path.join(repoRoot, 'data/tasks.jsonl');
const outputDir = path.join(repoRoot, '.sinq/test-output/ui');
const chromiumPath = '/usr/bin/chromium';
const campaignId = 'ui-campaign';

describe('the Temporal Web UI on recorded episodes (headless Chromium)', () => {
  let dir: string;
  let ui: ChildProcess | undefined;
  let browser: Browser | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-ui-'));
    mkdirSync(outputDir, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (ui?.pid !== undefined) {
      try {
        process.kill(-ui.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('lists the campaign by search attributes, opens an episode and shows its activities', async () => {
    if (!existsSync(chromiumPath))
      throw new Error(`${chromiumPath} is missing: run bash deploy/setup.sh (deploy/setup-chromium.sh)`);
    const cliPath = testTemporalCli();
    const taskIds = (await loadTaskSet(tasksFile, { limit: 2 })).tasks.map((task) => task.id);

    // The campaign runs on the dev server; then everything stops, as after the main job.
    const stack = await startStack({
      dir,
      log: silentLogger,
      temporal: { kind: 'dev-server', cliPath, reason: 'test' },
      workers: 1,
      actorConcurrency: 4,
      env: { SINQ_LOG_LEVEL: 'warn' },
    });
    try {
      const cc = await connectCampaignClient(stack.temporalAddress, stack.namespace);
      try {
        await startCampaign(cc, campaignId, smallCampaign({ taskSet: tasksFile, limit: 2, rounds: 1 }));
        expect(await waitForClose(cc, campaignId, 120_000)).toBe('COMPLETED');
      } finally {
        await cc.close();
      }
    } finally {
      await stack.stop();
    }
    expect(await episodeCounts(dir, campaignId)).toEqual(expectedPairs(1, taskIds));

    // `sinq ui` serves the kept database.
    const child = spawn(process.execPath, [sinqBin, 'ui', '--dir', dir, '--campaign', campaignId, '--json'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEMPORAL_CLI_PATH: cliPath, SINQ_LOG_LEVEL: 'warn' },
    });
    ui = child;
    const ready = await new Promise<{ uiUrl: string; episodesUrl: string }>((resolve, reject) => {
      let buffer = '';
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`sinq ui not ready: ${stderr}`)), 60_000);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        buffer += chunk;
        const line = buffer.split('\n').find((l) => l.includes('"ready"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { uiUrl: string; episodesUrl: string });
        }
      });
      child.once('exit', (code) => reject(new Error(`sinq ui exited with ${String(code)}: ${stderr}`)));
    });

    // The difficulty query agrees with the store (through the server the UI reads).
    const store = await EpisodeStore.open(episodesDbPath(dir, campaignId));
    const hard = (await store.listEpisodes({ campaignId, minDifficulty: 5 })).length;
    store.close();

    // playwright-core gives each launch a fresh user-data-dir.
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(ready.episodesUrl, { waitUntil: 'domcontentloaded' });
    for (const taskId of taskIds)
      await page.getByText(`${campaignId}-r0-${taskId}`).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(outputDir, 'episodes.png') });

    const hardQuery = `${ready.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`SinqCampaign = '${campaignId}' AND SinqDifficulty >= 5`)}`;
    await page.goto(hardQuery, { waitUntil: 'domcontentloaded' });
    if (hard > 0) await page.getByText(`${campaignId}-r0-`).first().waitFor({ timeout: 60_000 });
    else
      await page
        .getByText(/No Workflows/i)
        .first()
        .waitFor({ timeout: 60_000 });

    // One episode's history: the activities of propose / verify / score / update.
    const episodeId = `${campaignId}-r0-${taskIds[0]!}`;
    await page.goto(ready.episodesUrl, { waitUntil: 'domcontentloaded' });
    await page.getByText(episodeId).first().click();
    await page.waitForURL(/\/workflows\/[^?]+\/[^/?]+/, { timeout: 60_000 });
    for (const activity of ['propose', 'recordEpisode'])
      await page.getByText(activity).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(outputDir, 'episode.png'), fullPage: true });
    expect(existsSync(path.join(outputDir, 'episode.png'))).toBe(true);
  }, 300_000);
});
