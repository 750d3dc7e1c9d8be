import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServerHandle } from '../../deploy/nats';

describe('nats-server launcher', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ ignoreEnv: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts a server with JetStream and a large max payload', async () => {
    const nc: NatsConnection = await connect({ servers: server.url });
    try {
      expect(nc.info?.max_payload).toBe(8 * 1024 * 1024);
      expect(nc.info?.jetstream).toBe(true);
      const jsm = await nc.jetstreamManager();
      const account = await jsm.getAccountInfo();
      expect(account.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  it('restarts on the same port and stops cleanly', async () => {
    const port = server.port;
    const firstPid = server.pid();
    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid()).not.toBe(firstPid);
    const nc = await connect({ servers: server.url });
    await nc.close();
    await server.kill();
    expect(server.pid()).toBeUndefined();
    await server.restart();
    const again = await connect({ servers: server.url });
    await again.close();
  });

  it('reports a missing binary with the setup command', async () => {
    await expect(startNatsServer({ ignoreEnv: true, binary: '/nonexistent/nats-server' })).rejects.toThrow(/bash deploy\/setup\.sh/);
  });

  it('uses NATS_URL without starting anything', async () => {
    const previous = process.env.NATS_URL;
    process.env.NATS_URL = 'nats://127.0.0.1:4999';
    try {
      const handle = await startNatsServer();
      expect(handle.external).toBe(true);
      expect(handle.port).toBe(4999);
      await handle.stop();
      await expect(handle.restart()).rejects.toThrow(/did not start/);
    } finally {
      if (previous === undefined) delete process.env.NATS_URL;
      else process.env.NATS_URL = previous;
    }
  });
});
