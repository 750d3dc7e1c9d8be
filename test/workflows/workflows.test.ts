// The workflows with a real Worker (bundled once) against the embedded engine; activities get
// scripted players and a scripted sandbox, and a real store.
import type { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { divergingSandbox as sandbox, scriptedPlayers, startWorkflowHarness, type WorkflowHarness } from './harness';
import type { Task } from '../../game/types';
import type { StoreCache } from '../../store/store-cache';
import {
  campaignStatusQuery,
  cancelSignal,
  episodeStateQuery,
  pauseSignal,
  resumeSignal,
  setConcurrencySignal,
  type CampaignResult,
  type CampaignWorkflowInput,
  type EpisodeWorkflowInput,
} from '../../workflows/definitions';
import { smallCampaign } from '../campaign/helpers';

const tasks: Task[] = ['a', 'b', 'c'].map((id) => ({
  id,
  description: id,
  source: `def f(x):\n    return x\n`,
  entryPoint: 'f',
  exampleInputs: ['{"x": 1}'],
  origin: 'sinq',
}));

let releasePropose: (() => void) | undefined;
let holdPropose: Promise<void> = Promise.resolve();

const players = scriptedPlayers({
  beforePropose: () => holdPropose,
  // Every second attempt answers "equivalent": the evaluator fails half the time.
  answer: (i) => (i % 2 === 0 ? { analysis: '', equivalent: false, divergingInput: `{"x": ${i}}` } : { analysis: '', equivalent: true, divergingInput: null }),
});

describe('episode and campaign workflows on the engine', () => {
  let harness: WorkflowHarness;
  let connection: Connection;
  let client: Client;
  let stores: StoreCache;
  let taskQueue: string;

  beforeAll(async () => {
    harness = await startWorkflowHarness({ name: 'wf-test', sandbox, players, tasks });
    ({ connection, client, stores, taskQueue } = harness);
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  }, 60_000);

  it('runs the episode machine in a workflow and answers the state query while it runs', async () => {
    holdPropose = new Promise((resolve) => (releasePropose = resolve));
    const input: EpisodeWorkflowInput = {
      episodeId: 'wf-e1',
      campaignId: 'wf',
      round: 0,
      task: tasks[0]!,
      targetDifficulty: 5,
      attempts: 4,
      seed: 3,
      generator: { policy: 'scripted' },
      evaluator: { policy: 'scripted' },
      timeouts: smallCampaign().timeouts,
      searchAttributes: false,
    };
    const handle = await client.workflow.start('episodeWorkflow', { workflowId: 'wf-e1', taskQueue, args: [input] });
    let state: Awaited<ReturnType<typeof handle.query<{ state: unknown; context: { task: Task } }>>> | undefined;
    for (let i = 0; i < 100 && state === undefined; i++) {
      state = await handle.query(episodeStateQuery).catch(() => undefined);
      if (state === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state?.state).toBe('propose');
    expect(state?.context.task.id).toBe('a');
    releasePropose!();
    const summary = (await handle.result()) as { outcome: string; difficulty: number };
    expect(summary.outcome).toBe('valid');
    expect(summary.difficulty).toBe(5);
    const final = await handle.query(episodeStateQuery);
    expect(final.state).toBe('done');
    const record = await (await stores.get('wf')).getEpisode('wf-e1');
    expect(record?.attemptVerdicts.filter((v) => v.found)).toHaveLength(2);
  }, 60_000);

  it('runs rounds with continue-as-new, takes signals and answers the status query', async () => {
    holdPropose = Promise.resolve();
    const config = smallCampaign({ rounds: 2, concurrency: 2, taskSet: 'scripted' });
    const input: CampaignWorkflowInput = { campaignId: 'wf-c1', config, searchAttributes: false, round: 0 };
    const handle = await client.workflow.start('campaignWorkflow', { workflowId: 'wf-c1', taskQueue, args: [input] });
    const firstRun = handle.firstExecutionRunId;
    // Values the config would refuse leave the concurrency as it is; the pause after them shows
    // that they were handled (signals are applied in order).
    await handle.signal(setConcurrencySignal, 257);
    await handle.signal(setConcurrencySignal, 0);
    await handle.signal(setConcurrencySignal, 2.5);
    await handle.signal(pauseSignal);
    let status;
    for (let i = 0; i < 100 && status?.paused !== true; i++) {
      status = await connection.withDeadline(Date.now() + 3_000, () => handle.query(campaignStatusQuery)).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status?.paused).toBe(true);
    expect(status?.concurrency).toBe(2);
    await handle.signal(resumeSignal);
    await handle.signal(setConcurrencySignal, 3);
    for (let i = 0; i < 100 && status?.concurrency !== 3; i++) {
      status = await connection.withDeadline(Date.now() + 3_000, () => handle.query(campaignStatusQuery)).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status?.concurrency).toBe(3);
    const result = (await client.workflow.getHandle('wf-c1').result()) as CampaignResult;
    expect(result.status).toBe('completed');
    expect(result.rounds.map((r) => r.episodes)).toEqual([3, 3]);
    expect(result.rounds.every((r) => r.validRate === 1)).toBe(true);
    const description = await client.workflow.getHandle('wf-c1').describe();
    expect(description.runId).not.toBe(firstRun);
    const store = await stores.get('wf-c1');
    expect((await store.listEpisodes({ campaignId: 'wf-c1' })).map((e) => e.id)).toEqual(['wf-c1-r0-a', 'wf-c1-r0-b', 'wf-c1-r0-c', 'wf-c1-r1-a', 'wf-c1-r1-b', 'wf-c1-r1-c']);
    expect(await store.listRounds('wf-c1')).toHaveLength(2);
    expect((await store.getCampaign('wf-c1'))?.status).toBe('completed');
  }, 90_000);

  it('stops starting episodes on cancel and ends cancelled with what ran recorded', async () => {
    holdPropose = new Promise((resolve) => (releasePropose = resolve));
    const config = smallCampaign({ rounds: 3, concurrency: 1, taskSet: 'scripted' });
    const handle = await client.workflow.start('campaignWorkflow', { workflowId: 'wf-c2', taskQueue, args: [{ campaignId: 'wf-c2', config, searchAttributes: false, round: 0 }] });
    let status;
    for (let i = 0; i < 100 && !(status && status.running > 0); i++) {
      status = await handle.query(campaignStatusQuery).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.signal(cancelSignal);
    releasePropose!();
    const result = (await handle.result()) as CampaignResult;
    expect(result.status).toBe('cancelled');
    const episodes = await (await stores.get('wf-c2')).listEpisodes({ campaignId: 'wf-c2' });
    expect(episodes.length).toBeGreaterThanOrEqual(1);
    expect(episodes.length).toBeLessThan(3);
    expect((await (await stores.get('wf-c2')).getCampaign('wf-c2'))?.status).toBe('cancelled');
  }, 60_000);
});
