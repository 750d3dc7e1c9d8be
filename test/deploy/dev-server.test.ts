// Dev-server mode for real, without the real CLI: a fake `temporal` (test/deploy/fixtures/fake-temporal.mjs)
// receives what @temporalio/testing runs, records its argv and serves the embedded engine; the whole
// stack comes up through it and a small campaign completes.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCampaignClient, startCampaign, type CampaignClient } from '../../deploy/campaign-client';
import { startStack, type Stack } from '../../deploy/launcher';
import { DevServerError, devServerDbFile, startDevServer } from '../../deploy/temporal-dev';
import { resolveTemporalMode } from '../../deploy/temporal-mode';
import { silentLogger } from '../../lib/log';
import { loadTaskSet } from '../../tasks/index';
import { createFakeTemporal, killAll, waitGone, type FakeTemporal } from './fake-temporal';
import { isProcessAlive } from '../../lib/process';
import { episodeCounts, expectedPairs, smallCampaign, waitForClose } from '../campaign/helpers';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tasksFile = path.join(repoRoot, 'data/tasks.jsonl');

describe('dev-server mode through @temporalio/testing (fake temporal CLI)', () => {
  let dir: string;
  let fake: FakeTemporal;
  let stack: Stack | undefined;
  let cc: CampaignClient | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-devserver-'));
    fake = createFakeTemporal(dir);
  });

  afterAll(async () => {
    await cc?.close();
    await stack?.stop();
    if (fake) killAll(fake.pids().filter(isProcessAlive));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('picks dev-server for TEMPORAL_CLI_PATH, starts the stack through it, runs a campaign, stops cleanly', async () => {
    const mode = resolveTemporalMode({ PATH: path.join(dir, 'nowhere'), TEMPORAL_CLI_PATH: fake.cliPath });
    expect(mode).toMatchObject({ kind: 'dev-server', cliPath: fake.cliPath });

    const sinqDir = path.join(dir, 'sinq');
    stack = await startStack({ dir: sinqDir, log: silentLogger, temporal: mode, workers: 1, actorConcurrency: 4, env: { SINQ_LOG_LEVEL: 'warn' } });
    expect(stack.temporalMode).toBe('dev-server');
    expect(stack.engine).toBeNull();
    expect(stack.searchAttributes).toBe(true);
    expect(stack.components().map((c) => c.name)).toEqual(expect.arrayContaining(['temporal dev', 'temporal ui', 'nats-server', 'worker 0']));

    // What the real CLI would receive.
    const argvRecord = fake.records().find((r) => r.event === 'argv');
    expect(argvRecord).toBeDefined();
    const argv = argvRecord!.event === 'argv' ? argvRecord!.argv : [];
    expect(argv.slice(0, 2)).toEqual(['server', 'start-dev']);
    const parsed = fake.records().find((r) => r.event === 'parsed');
    expect(parsed).toMatchObject({ ip: '127.0.0.1', namespace: 'default', db: devServerDbFile(sinqDir), headless: false });
    if (parsed?.event !== 'parsed') throw new Error('no parsed record');
    expect(stack.temporalAddress).toBe(`127.0.0.1:${parsed.port}`);
    expect(stack.temporalUiUrl).toBe(`http://127.0.0.1:${parsed.uiPort}`);
    expect(Number(parsed.uiPort)).not.toBe(parsed.port);
    expect(parsed.searchAttributes.sort()).toEqual(['SinqCampaign=Keyword', 'SinqDifficulty=Double', 'SinqOutcome=Keyword', 'SinqRound=Int', 'SinqTask=Keyword']);
    expect(argv).toEqual(expect.arrayContaining(['--log-format', 'json', '--log-level', 'warn']));

    cc = await connectCampaignClient(stack.temporalAddress, stack.namespace);
    const taskIds = (await loadTaskSet(tasksFile, { limit: 2 })).tasks.map((task) => task.id);
    await startCampaign(cc, 'dev-server-campaign', smallCampaign({ taskSet: tasksFile, limit: 2, rounds: 1 }));
    expect(await waitForClose(cc, 'dev-server-campaign', 60_000)).toBe('COMPLETED');
    expect(await episodeCounts(sinqDir, 'dev-server-campaign')).toEqual(expectedPairs(1, taskIds));
    // The engine behind the fake journals next to the database file the CLI was told to use.
    expect(existsSync(`${devServerDbFile(sinqDir)}.engine`)).toBe(true);

    await cc.close();
    cc = undefined;
    const pids = fake.pids();
    expect(pids).toHaveLength(2);
    await stack.stop();
    stack = undefined;
    for (const pid of pids) expect(await waitGone(pid, 15_000)).toBe(true);
  }, 85_000);

  it('a temporal CLI that exits at once is a DevServerError naming it', async () => {
    const broken = path.join(dir, 'broken-temporal');
    writeFileSync(broken, '#!/bin/sh\nexit 1\n');
    chmodSync(broken, 0o755);
    const error = await startDevServer({ cliPath: broken, dir: path.join(dir, 'broken'), log: silentLogger }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DevServerError);
    expect((error as DevServerError).code).toBe('E_DEV_SERVER_START');
    expect((error as Error).message).toContain(broken);
  }, 60_000);
});
