// Crash and fault tests with real processes: the Temporal server (the engine, or the real dev server
// with SINQ_TEST_SERVER=dev-server), nats-server, both actors and workers run as their own process
// groups; each fault must leave exactly one recorded episode per (round, task), and no episode's
// player or sandbox work done twice into its record or lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSubject } from '../../actors/envelopes';
import { connectCampaignClient, startCampaign, type CampaignClient } from '../../deploy/campaign-client';
import { startStack, type Stack } from '../../deploy/launcher';
import { silentLogger } from '../../lib/log';
import { EpisodeStore } from '../../store/episode-store';
import { episodesDbPath } from '../../store/paths';
import { loadTaskSet } from '../../tasks/index';
import { testServerLabel, testTemporalMode } from '../server-under-test';
import { episodeCounts, expectedPairs, expectWorkOnce, retriedActivities, smallCampaign, waitForClose, waitForStatus } from './helpers';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tasksFile = path.join(repoRoot, 'data/tasks.jsonl');
const hostileFile = path.join(repoRoot, 'test/campaign/fixtures/hostile-tasks.jsonl');

/**
 * Activities of round 0's episodes started on a worker and not finished (work in flight), of the
 * given types or of any.
 */
async function activitiesInFlight(cc: CampaignClient, campaignId: string, taskIds: readonly string[], types?: readonly string[]): Promise<number> {
  let inFlight = 0;
  for (const taskId of taskIds) {
    const described = await cc.client.workflow
      .getHandle(`${campaignId}-r0-${taskId}`)
      .describe()
      .catch(() => null);
    inFlight +=
      described?.raw.pendingActivities?.filter(
        (a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && (types === undefined || types.includes(a.activityType?.name ?? '')),
      ).length ?? 0;
  }
  return inFlight;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until some episode of round 0 has an activity (of `types`, if given) running on a worker. */
async function waitForActivityInFlight(cc: CampaignClient, campaignId: string, taskIds: readonly string[], types?: readonly string[]): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const inFlight = await activitiesInFlight(cc, campaignId, taskIds, types);
    if (inFlight > 0) return inFlight;
    await sleep(50);
  }
  throw new Error(`${campaignId}: no activity in flight within 60 s`);
}

describe(`campaign faults (${testServerLabel}, nats-server, actors, workers)`, () => {
  let dir: string;
  let stack: Stack;
  let cc: CampaignClient;
  let taskIds: string[];
  let garbage: NatsConnection | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-faults-'));
    const temporalMode = testTemporalMode();
    stack = await startStack({ dir, log: silentLogger, workers: 1, actorConcurrency: 4, env: { SINQ_LOG_LEVEL: 'warn' }, ...(temporalMode ? { temporal: temporalMode } : {}) });
    cc = await connectCampaignClient(stack.temporalAddress);
    taskIds = (await loadTaskSet(tasksFile, { limit: 4 })).tasks.map((task) => task.id);
  }, 180_000);

  afterAll(async () => {
    await garbage?.close();
    await cc?.close();
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const config = (overrides = {}) => smallCampaign({ taskSet: tasksFile, ...overrides });
  const attempts = smallCampaign().attempts;

  it('survives kill -9 of the worker mid-round', async () => {
    const id = 'fault-worker';
    await startCampaign(cc, id, config());
    await waitForStatus(cc, id, (s) => s.round === 0 && s.running > 0);
    expect(await waitForActivityInFlight(cc, id, taskIds)).toBeGreaterThan(0);
    const victim = stack.workers[stack.workers.length - 1]!;
    await victim.kill();
    await stack.startWorker();
    expect(await waitForClose(cc, id)).toBe('COMPLETED');
    expect(await episodeCounts(dir, id)).toEqual(expectedPairs(2, taskIds));
    const work = await expectWorkOnce(cc, dir, id, attempts);
    expect(work).toHaveLength(2 * taskIds.length);
    // The dead worker's activity ran again on a retry, and still counts once in its episode.
    expect(retriedActivities(work).length).toBeGreaterThan(0);
  }, 240_000);

  it('survives kill -9 of the Temporal server with work in flight, and a restart on its database', async () => {
    const id = 'fault-engine';
    await startCampaign(cc, id, config());
    await waitForStatus(cc, id, (s) => s.round === 0 && s.running > 0);
    // The server dies while a worker holds a started activity: that work is in flight.
    const inFlight = await waitForActivityInFlight(cc, id, taskIds);
    const server = stack.server!;
    server.kill('SIGKILL');
    await server.exited;
    expect(inFlight).toBeGreaterThan(0);
    await stack.restartEngine();
    expect(await waitForClose(cc, id)).toBe('COMPLETED');
    expect(await episodeCounts(dir, id)).toEqual(expectedPairs(2, taskIds));
    expect(await expectWorkOnce(cc, dir, id, attempts)).toHaveLength(2 * taskIds.length);
  }, 240_000);

  it('survives a nats-server restart mid-round', async () => {
    const id = 'fault-nats';
    await startCampaign(cc, id, config());
    await waitForStatus(cc, id, (s) => s.round === 0 && s.running > 0);
    await stack.nats!.restart();
    expect(await waitForClose(cc, id)).toBe('COMPLETED');
    expect(await episodeCounts(dir, id)).toEqual(expectedPairs(2, taskIds));
    expect(await expectWorkOnce(cc, dir, id, attempts)).toHaveLength(2 * taskIds.length);
  }, 240_000);

  it('survives kill -9 of nats-server mid-traffic and a restart on its port', async () => {
    const id = 'fault-nats-kill';
    await startCampaign(cc, id, config());
    await waitForStatus(cc, id, (s) => s.round === 0 && s.running > 0);
    // A player call is on the wire (or queued at an actor) when the server dies.
    expect(await waitForActivityInFlight(cc, id, taskIds, ['propose', 'attack'])).toBeGreaterThan(0);
    await stack.nats!.kill();
    await sleep(500);
    await stack.nats!.restart();
    expect(await waitForClose(cc, id)).toBe('COMPLETED');
    expect(await episodeCounts(dir, id)).toEqual(expectedPairs(2, taskIds));
    expect(await expectWorkOnce(cc, dir, id, attempts)).toHaveLength(2 * taskIds.length);
  }, 240_000);

  it('starts no episode while paused, and finishes after resume', async () => {
    const id = 'fault-pause';
    await startCampaign(cc, id, config({ concurrency: 1 }));
    await waitForStatus(cc, id, (s) => s.round === 0 && s.running > 0);
    await cc.client.workflow.getHandle(id).signal('pause');
    // The running episode finishes; then nothing new starts.
    const settled = await waitForStatus(cc, id, (s) => s.paused && s.running === 0);
    const before = await episodeCounts(dir, id);
    await sleep(4_000);
    const still = await waitForStatus(cc, id, (s) => s.paused);
    expect(still.done).toBe(settled.done);
    expect(still.running).toBe(0);
    expect(await episodeCounts(dir, id)).toEqual(before);
    expect(before.length).toBeLessThan(4);
    await cc.client.workflow.getHandle(id).signal('resume');
    expect(await waitForClose(cc, id)).toBe('COMPLETED');
    expect(await episodeCounts(dir, id)).toEqual(expectedPairs(2, taskIds));
    expect(await expectWorkOnce(cc, dir, id, attempts)).toHaveLength(2 * taskIds.length);
  }, 240_000);

  it('records hostile tasks and a garbage-replying actor with their reasons and goes on', async () => {
    // A generator that answers every request with bytes that are not a reply envelope.
    garbage = await connect({ servers: stack.natsUrl });
    garbage.subscribe(requestSubject('generator', 'garbage'), { callback: (_err, msg) => msg.respond(new TextEncoder().encode('%%% not a reply %%%')) });
    const hostileIds = (await loadTaskSet(hostileFile)).tasks.map((task) => task.id);
    await Promise.all([
      startCampaign(cc, 'fault-hostile', config({ taskSet: hostileFile, limit: undefined, rounds: 1 })),
      startCampaign(cc, 'fault-garbage', config({ limit: 2, rounds: 1, generator: { policy: 'garbage' } })),
    ]);
    expect(await waitForClose(cc, 'fault-hostile')).toBe('COMPLETED');
    expect(await waitForClose(cc, 'fault-garbage')).toBe('COMPLETED');
    expect(await episodeCounts(dir, 'fault-hostile')).toEqual(expectedPairs(1, hostileIds));
    expect(await episodeCounts(dir, 'fault-garbage')).toEqual(expectedPairs(1, taskIds.slice(0, 2)));
    await expectWorkOnce(cc, dir, 'fault-hostile', attempts);
    await expectWorkOnce(cc, dir, 'fault-garbage', attempts);

    const hostile = await EpisodeStore.open(episodesDbPath(dir, 'fault-hostile'));
    try {
      for (const taskId of ['hostile/hang', 'hostile/crash']) {
        const record = await hostile.getEpisode(`fault-hostile-r0-${taskId}`);
        expect(record?.outcome, taskId).not.toBe('valid');
        expect(record?.reason?.detail, taskId).toBeTruthy();
      }
    } finally {
      hostile.close();
    }
    const garbageStore = await EpisodeStore.open(episodesDbPath(dir, 'fault-garbage'));
    try {
      const rows = await garbageStore.listEpisodes({ campaignId: 'fault-garbage' });
      expect(rows.every((row) => row.outcome === 'failed' && row.reasonCode === 'actor-failed')).toBe(true);
      const record = await garbageStore.getEpisode(rows[0]!.id);
      expect(record?.reason?.detail).toMatch(/bad-reply|envelope|JSON/i);
    } finally {
      garbageStore.close();
    }
  }, 240_000);
});
