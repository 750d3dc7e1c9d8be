import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorker, setupEnv, uniqueId, withWorker, type TestEnv } from './harness';

describe('smoke', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setupEnv();
  });
  afterAll(async () => {
    await env?.close();
  });
  it('runs one activity', async () => {
    const tq = uniqueId('tq');
    const worker = await makeWorker(env, tq);
    const result = await withWorker(worker, () => env.client.workflow.execute('oneActivity', { taskQueue: tq, workflowId: uniqueId('wf'), args: ['x'] }));
    expect(result).toBe('hello x');
  });
});
