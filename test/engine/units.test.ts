// Unit tests of the engine's small parts: retry decisions, entity state machines, task queues, tokens,
// search attribute decoding, and the `sinq engine start` process lifecycle.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors';
import { activityMachine, IllegalTransitionError, timerMachine, workflowTaskMachine } from '../../engine/fsm';
import { TaskQueues } from '../../engine/matching';
import { api, msDuration } from '../../engine/proto';
import { decideRetry, normalizeRetryPolicy } from '../../engine/retry';
import { decodeSearchAttribute } from '../../engine/search-attributes';
import { decodeToken, encodeToken } from '../../engine/tokens';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { RetryState } = api.enums.v1;

describe('retry decisions', () => {
  const policy = normalizeRetryPolicy({ initialInterval: msDuration(100), backoffCoefficient: 2, maximumInterval: msDuration(300), maximumAttempts: 4 });

  it('backs off exponentially up to the maximum interval', () => {
    const delays = [1, 2, 3].map((attempt) => {
      const d = decideRetry(policy, attempt, { message: 'x' }, 0, 0);
      return d.retry ? d.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 300]);
  });

  it('stops at the maximum attempts, on non-retryable failures and at the schedule-to-close deadline', () => {
    expect(decideRetry(policy, 4, { message: 'x' }, 0, 0)).toEqual({ retry: false, retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED });
    expect(decideRetry(policy, 1, { message: 'x', applicationFailureInfo: { nonRetryable: true } }, 0, 0)).toEqual({
      retry: false,
      retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
    });
    const typed = normalizeRetryPolicy({ nonRetryableErrorTypes: ['Fatal'] });
    expect(decideRetry(typed, 1, { message: 'x', applicationFailureInfo: { type: 'Fatal' } }, 0, 0).retry).toBe(false);
    expect(decideRetry(policy, 1, { message: 'x' }, 1000, 1050)).toEqual({ retry: false, retryState: RetryState.RETRY_STATE_TIMEOUT });
  });

  it('honours an explicit next retry delay and fills Temporal defaults', () => {
    const d = decideRetry(policy, 1, { message: 'x', applicationFailureInfo: { nextRetryDelay: msDuration(42) } }, 0, 0);
    expect(d).toEqual({ retry: true, delayMs: 42 });
    const defaults = normalizeRetryPolicy(null);
    expect(defaults.backoffCoefficient).toBe(2);
    expect(defaults.maximumAttempts).toBe(0);
  });
});

describe('entity state machines', () => {
  it('allow the documented transitions and reject the rest', () => {
    expect(workflowTaskMachine('none', 'schedule')).toBe('scheduled');
    expect(workflowTaskMachine('scheduled', 'start')).toBe('started');
    expect(() => workflowTaskMachine('none', 'complete')).toThrow(IllegalTransitionError);
    expect(activityMachine('started', 'retry')).toBe('backoff');
    expect(activityMachine('backoff', 'wake')).toBe('scheduled');
    expect(() => activityMachine('scheduled', 'retry')).toThrow(IllegalTransitionError);
    expect(timerMachine('started', 'fire')).toBe('closed');
    expect(() => timerMachine('closed', 'fire')).toThrow(IllegalTransitionError);
  });
});

describe('task queues', () => {
  it('hands a waiting poller the next task and skips stale ones', async () => {
    const queues = new TaskQueues<string, { id: string }>(1000);
    queues.add('q', () => null);
    queues.add('q', (p) => `task-for-${p.id}`);
    const poll = queues.poll('q', { id: 'a' });
    expect(await poll.result).toBe('task-for-a');
    const waiting = queues.poll('q', { id: 'b' });
    queues.add('q', (p) => `late-for-${p.id}`);
    expect(await waiting.result).toBe('late-for-b');
  });

  it('answers an empty poll on timeout and on cancel, without losing the next task', async () => {
    const queues = new TaskQueues<string, object>(30);
    expect(await queues.poll('q', {}).result).toBeNull();
    const cancelled = queues.poll('q', {});
    cancelled.cancel();
    expect(await cancelled.result).toBeNull();
    queues.add('q', () => 'kept');
    expect(queues.backlog('q')).toBe(1);
    expect(await queues.poll('q', {}).result).toBe('kept');
  });
});

describe('task tokens', () => {
  it('round-trip and reject garbage with INVALID_ARGUMENT', () => {
    const token = { k: 'a' as const, ns: 'default', wf: 'w', run: 'r', sid: 5, att: 2 };
    expect(decodeToken(encodeToken(token))).toEqual(token);
    for (const bad of [Buffer.from('nope'), Buffer.from('{"k":"x"}'), new Uint8Array()]) {
      expect(() => decodeToken(bad)).toThrow(EngineError);
      try {
        decodeToken(bad);
      } catch (err) {
        expect((err as EngineError).code).toBe('E_INVALID_ARGUMENT');
      }
    }
  });
});

describe('search attribute values', () => {
  const json = (v: unknown, type?: string) => ({
    metadata: { encoding: Buffer.from('json/plain'), ...(type ? { type: Buffer.from(type) } : {}) },
    data: Buffer.from(JSON.stringify(v)),
  });
  it('decode legacy arrays and typed payloads', () => {
    expect(decodeSearchAttribute(json(['a']), 'Keyword')).toBe('a');
    expect(decodeSearchAttribute(json([3]), 'Int')).toBe(3);
    expect(decodeSearchAttribute(json(['x', 'y']), 'KeywordList')).toEqual(['x', 'y']);
    expect(decodeSearchAttribute(json(2.5, 'Double'), undefined)).toBe(2.5);
    expect(decodeSearchAttribute(json('2024-01-02T03:04:05Z'), 'Datetime')).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(decodeSearchAttribute({ data: Buffer.from('{not json') }, 'Keyword')).toBeUndefined();
  });
});

describe('sinq engine start', () => {
  it('prints the listening line and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sinq-engine-cli-'));
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sinq.js'), 'engine', 'start', '--port', '0', '--data', dataDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${String(code)}`)));
      });
      const msg = JSON.parse(line) as { event: string; address: string };
      expect(msg.event).toBe('listening');
      expect(msg.address).toMatch(/^127\.0\.0\.1:\d+$/);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rejects a bad port with a usage error', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sinq.js'), 'engine', 'start', '--port', 'abc'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain("--port needs a plain decimal integer in [0, 65535], got 'abc'");
  });
});

describe('visibility over unregistered typed search attributes', () => {
  it('types them from their payload metadata, as the SDKs send them', async () => {
    const { startEngineServer } = await import('../../engine/server');
    const { Connection } = await import('@temporalio/client');
    const server = await startEngineServer({});
    const connection = await Connection.connect({ address: server.address });
    try {
      const payload = (value: unknown, type: string) => ({
        metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from(type) },
        data: Buffer.from(JSON.stringify(value)),
      });
      for (const [id, score] of [['low', 2], ['high', 9]] as const) {
        await connection.workflowService.startWorkflowExecution({
          namespace: 'default',
          workflowId: id,
          workflowType: { name: 'raw' },
          taskQueue: { name: 'tq' },
          requestId: id,
          searchAttributes: { indexedFields: { SinqUnregistered: payload(score, 'Int') } },
        });
      }
      const listed = await connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: 'SinqUnregistered > 5' });
      expect(listed.executions?.map((e) => e.execution?.workflowId)).toEqual(['high']);
      await expect(connection.workflowService.countWorkflowExecutions({ namespace: 'default', query: 'NoSuchAttribute = 1' })).rejects.toMatchObject({
        code: 3,
      });
    } finally {
      await connection.close();
      await server.close();
    }
  });
});
