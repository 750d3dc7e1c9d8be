import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServerHandle } from '../../deploy/nats';
import { ActorClient } from '../../actors/client';
import { ActorError, classifyActorError } from '../../actors/errors';
import { decodeJson, encodeJson, requestSubject } from '../../actors/envelopes';
import { serviceName, startActorService, type ActorService } from '../../actors/service';
import { echoEvaluator, echoGenerator, refusingSandbox, sampleTask } from './helpers';

describe('actor services over NATS', () => {
  let server: NatsServerHandle;
  const connections: NatsConnection[] = [];
  const services: ActorService[] = [];

  async function conn(): Promise<NatsConnection> {
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    connections.push(nc);
    return nc;
  }

  beforeAll(async () => {
    server = await startNatsServer({ ignoreEnv: true });
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    for (const nc of connections) if (!nc.isClosed()) await nc.close();
    await server?.stop();
  });

  it('answers propose and attack round trips, discoverable through the services API', async () => {
    services.push(await startActorService({ nc: await conn(), actor: { role: 'generator', spec: 'echo-rt', policy: echoGenerator('echo-rt') }, sandbox: refusingSandbox }));
    services.push(await startActorService({ nc: await conn(), actor: { role: 'evaluator', spec: 'echo-rt', policy: echoEvaluator('echo-rt') }, sandbox: refusingSandbox }));
    const client = new ActorClient(await conn());
    const proposed = await client.propose({ policy: 'echo-rt', task: sampleTask, targetDifficulty: 4, seed: 7 }, { timeoutMs: 10_000 });
    expect(proposed.role).toBe('generator');
    expect(proposed.reply.raw).toContain('# seed 7');
    expect(proposed.reply.parsed.ok).toBe(true);
    expect(proposed.prompt[0]?.content).toBe('target 4');
    expect(proposed.actor.serviceId).toBe(services[0]!.id);
    expect(proposed.timings.totalMs).toBeGreaterThanOrEqual(0);

    const attacked = await client.attack({ policy: 'echo-rt', task: sampleTask, variant: 'def add(a, b):\n    return b + a\n', attempts: 3, seed: 1 }, { timeoutMs: 10_000 });
    expect(attacked.replies).toHaveLength(3);
    expect(attacked.prompt[0]?.content).toContain('b + a');

    const nc = await conn();
    const pings = [];
    for await (const ping of await nc.services.client().ping(serviceName('generator'))) pings.push(ping);
    expect(pings.map((p) => p.metadata?.policy)).toContain('echo-rt');
    const stats = [];
    for await (const s of await nc.services.client().stats(serviceName('generator'), services[0]!.id)) stats.push(s);
    expect(stats[0]?.endpoints?.[0]?.num_requests).toBe(1);
    expect(stats[0]?.endpoints?.[0]?.queue_group).toBe('sinq-generator');
    client.close();
  });

  it('replies to garbage with typed final errors and keeps serving', async () => {
    const service = await startActorService({ nc: await conn(), actor: { role: 'generator', spec: 'echo-bad', policy: echoGenerator('echo-bad') }, sandbox: refusingSandbox });
    services.push(service);
    const nc = await conn();
    const subject = requestSubject('generator', 'echo-bad');
    const notJson = await nc.request(subject, new TextEncoder().encode('{{{not json'), { timeout: 5000 });
    expect(decodeJson(notJson.data)).toMatchObject({ ok: false, error: { code: 'bad-request', retryable: false } });
    expect(notJson.headers?.get('Nats-Service-Error-Code')).toBe('400');
    const wrongShape = await nc.request(subject, encodeJson({ v: 1, requestId: 'r1', policy: 'echo-bad', seed: -3 }), { timeout: 5000 });
    const body = decodeJson(wrongShape.data) as { ok: boolean; requestId?: string; error: { code: string; message: string } };
    expect(body).toMatchObject({ ok: false, requestId: 'r1', error: { code: 'bad-request' } });
    expect(body.error.message).toMatch(/seed|task|deadline/);

    const client = new ActorClient(await conn());
    await expect(client.propose({ policy: 'echo-bad', task: { ...sampleTask, entryPoint: 'not an identifier' }, targetDifficulty: 3, seed: 1 }, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'bad-request',
      retryable: false,
    });
    const wrongPolicy = await nc.request(subject, encodeJson({ v: 1, requestId: 'r2', policy: 'someone-else', task: sampleTask, targetDifficulty: 1, seed: 1, deadline: Date.now() + 5000 }), {
      timeout: 5000,
    });
    expect(decodeJson(wrongPolicy.data)).toMatchObject({ ok: false, requestId: 'r2', error: { code: 'wrong-policy', retryable: false } });
    // Over the NATS max payload: refused before it leaves the caller.
    const oversized = await client
      .propose({ policy: 'echo-bad', task: { ...sampleTask, source: 'x'.repeat(9 * 1024 * 1024) }, targetDifficulty: 3, seed: 1 }, { timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(classifyActorError(oversized)).toMatchObject({ code: 'too-large', retryable: false });
    // Still serving.
    const ok = await client.propose({ policy: 'echo-bad', task: sampleTask, targetDifficulty: 3, seed: 2 }, { timeoutMs: 5000 });
    expect(ok.reply.parsed.ok).toBe(true);
    expect(service.counters().failed['bad-request']).toBe(3);
    expect(service.counters().failed['wrong-policy']).toBe(1);
    client.close();
  });

  it('maps policy failures, deadlines, cancels and missing actors to typed errors', async () => {
    services.push(
      await startActorService({
        nc: await conn(),
        actor: { role: 'generator', spec: 'echo-err', policy: echoGenerator('echo-err', { delayMs: 50, fail: (seed) => (seed === 13 ? new Error('boom') : undefined) }) },
        sandbox: refusingSandbox,
      }),
    );
    services.push(await startActorService({ nc: await conn(), actor: { role: 'generator', spec: 'echo-slow', policy: echoGenerator('echo-slow', { delayMs: 30_000 }) }, sandbox: refusingSandbox }));
    const client = new ActorClient(await conn(), { heartbeatMs: 100 });

    const failed = await client.propose({ policy: 'echo-err', task: sampleTask, targetDifficulty: 3, seed: 13 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(classifyActorError(failed)).toEqual({ code: 'policy-failed', message: 'boom', retryable: false });

    const started = Date.now();
    const late = await client.propose({ policy: 'echo-slow', task: sampleTask, targetDifficulty: 3, seed: 1 }, { timeoutMs: 600 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ActorError);
    expect(classifyActorError(late)).toMatchObject({ code: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(20_000);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const cancelled = await client.propose({ policy: 'echo-slow', task: sampleTask, targetDifficulty: 3, seed: 2 }, { timeoutMs: 20_000, signal: controller.signal }).catch((e: unknown) => e);
    expect(classifyActorError(cancelled)).toMatchObject({ code: 'cancelled', retryable: false });
    // The cancel notice reached the replica, which aborted the policy and counted it.
    const slow = services.find((s) => s.policy === 'echo-slow')!;
    await expect.poll(() => slow.counters().failed.cancelled ?? 0, { timeout: 5000 }).toBe(1);
    await expect.poll(() => slow.counters().inFlight, { timeout: 5000 }).toBe(0);

    const nobody = await client
      .propose({ policy: 'nobody-serves-this', task: sampleTask, targetDifficulty: 3, seed: 1 }, { timeoutMs: 700 })
      .catch((e: unknown) => e);
    expect(classifyActorError(nobody)).toMatchObject({ code: 'timeout', retryable: true });
    expect((nobody as Error).message).toMatch(/no actor is serving/);
    client.close();

    // Retrying fast until the deadline: the attempt the deadline cuts short must not hide why the others failed.
    const eager = new ActorClient(await conn(), { retry: { maxAttempts: 10_000, initialDelayMs: 1, maxDelayMs: 2 } });
    for (const timeoutMs of [40, 90, 170]) {
      const gone = await eager.propose({ policy: 'nobody-serves-this', task: sampleTask, targetDifficulty: 3, seed: 1 }, { timeoutMs }).catch((e: unknown) => e);
      expect(classifyActorError(gone)).toMatchObject({ code: 'timeout', retryable: true });
      expect((gone as Error).message).toMatch(/no actor is serving/);
    }
    eager.close();
  });

  it('refuses replies over the NATS max payload with a typed final error', async () => {
    const huge = echoGenerator('echo-huge');
    const policy = {
      name: 'echo-huge',
      propose: async (...args: Parameters<typeof huge.propose>) => {
        const result = await huge.propose(...args);
        return { ...result, reply: { ...result.reply, raw: 'z'.repeat(9 * 1024 * 1024) } };
      },
    };
    services.push(await startActorService({ nc: await conn(), actor: { role: 'generator', spec: 'echo-huge', policy }, sandbox: refusingSandbox }));
    const client = new ActorClient(await conn());
    const err = await client.propose({ policy: 'echo-huge', task: sampleTask, targetDifficulty: 3, seed: 1 }, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(classifyActorError(err)).toMatchObject({ code: 'too-large', retryable: false });
    client.close();
  });

  it('answers a retry that reaches the replica still running the request from the same run', async () => {
    let calls = 0;
    services.push(
      await startActorService({
        nc: await conn(),
        actor: { role: 'generator', spec: 'echo-join', policy: echoGenerator('echo-join', { delayMs: 900, onCall: () => calls++ }) },
        sandbox: refusingSandbox,
      }),
    );
    // Heartbeats rarer than the client's patience: the client retries while the replica works.
    const client = new ActorClient(await conn(), { heartbeatMs: 5_000, silenceMs: 250, retry: { initialDelayMs: 10, maxDelayMs: 20 } });
    const result = await client.propose({ policy: 'echo-join', task: sampleTask, targetDifficulty: 3, seed: 77 }, { timeoutMs: 10_000 });
    expect(result.reply.raw).toContain('# seed 77');
    expect(calls).toBe(1);
    client.close();
  });

  it('shares load between replicas and loses no request when one dies mid-run', async () => {
    const served = new Map<number, number>();
    const replicas: Array<{ nc: NatsConnection; service: ActorService }> = [];
    for (let replica = 0; replica < 3; replica++) {
      const nc = await conn();
      const service = await startActorService({
        nc,
        replica,
        concurrency: 2,
        actor: { role: 'generator', spec: 'echo-load', policy: echoGenerator('echo-load', { delayMs: 150, onCall: () => served.set(replica, (served.get(replica) ?? 0) + 1) }) },
        sandbox: refusingSandbox,
      });
      replicas.push({ nc, service });
    }
    const client = new ActorClient(await conn(), { heartbeatMs: 100, silenceMs: 500, retry: { initialDelayMs: 20 } });
    const calls = Array.from({ length: 24 }, (_, seed) => client.propose({ policy: 'echo-load', task: sampleTask, targetDifficulty: 2, seed }, { timeoutMs: 30_000 }));
    // Kill replica 0 abruptly while requests are in flight: its connection drops with no reply.
    setTimeout(() => void replicas[0]!.nc.close(), 200);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.reply.raw.match(/# seed (\d+)/)?.[1])).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    expect(served.size).toBe(3);
    // Replica 0 took requests it never answered; they were served again elsewhere.
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(24);
    const answeredBy = new Set(results.map((r) => r.actor.replica));
    expect(answeredBy.has(1) && answeredBy.has(2)).toBe(true);
    for (const r of replicas.slice(1)) await r.service.stop();
    client.close();
  });

  it('completes requests across a nats-server restart', async () => {
    const own = await startNatsServer({ ignoreEnv: true });
    const local: NatsConnection[] = [];
    try {
      const options = { servers: own.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 };
      for (let replica = 0; replica < 2; replica++) {
        const nc = await connect(options);
        local.push(nc);
        services.push(
          await startActorService({ nc, replica, actor: { role: 'evaluator', spec: 'echo-restart', policy: echoEvaluator('echo-restart', { delayMs: 300 }) }, sandbox: refusingSandbox }),
        );
      }
      const clientConnection = await connect(options);
      local.push(clientConnection);
      const client = new ActorClient(clientConnection, { heartbeatMs: 100, silenceMs: 600, retry: { initialDelayMs: 50 } });
      const calls = Array.from({ length: 8 }, (_, seed) =>
        client.attack({ policy: 'echo-restart', task: sampleTask, variant: 'def add(a, b):\n    return a - b\n', attempts: 2, seed }, { timeoutMs: 30_000 }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      await own.restart();
      const results = await Promise.all(calls);
      expect(results.every((r) => r.replies.length === 2)).toBe(true);
      // And new requests after the restart go through too.
      const after = await client.attack({ policy: 'echo-restart', task: sampleTask, variant: 'x = 1\n', attempts: 1, seed: 99 }, { timeoutMs: 30_000 });
      expect(after.replies).toHaveLength(1);
      client.close();
    } finally {
      for (const nc of local) if (!nc.isClosed()) await nc.close();
      await own.stop();
    }
  });
});
