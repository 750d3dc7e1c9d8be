// The engine always restarts on its data directory: compaction runs in the background in bounded records,
// is retried after a failure and deferred on a full disk; a damaged journal and a second engine on the
// same directory are refused with clear errors.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeJournalFileSystem, openJournal, type JournalFileSystem } from '../../engine/journal';
import { SNAPSHOT_RECORD_BYTES } from '../../engine/persistence';
import { parseRecords } from '../../engine/records';
import { startEngineServer, type EngineServer, type EngineServerOptions } from '../../engine/server';

type Service = Connection['workflowService'];
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `sinq engine start` on a directory; resolves with its first stdout line or its exit code and stderr. */
function startCli(dataDir: string): {
  child: ChildProcessWithoutNullStreams;
  outcome: Promise<{ line: string } | { code: number | null; stderr: string }>;
} {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/sinq.js'), 'engine', 'start', '--port', '0', '--data', dataDir],
    {
      cwd: repoRoot,
    },
  );
  let out = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const outcome = new Promise<{ line: string } | { code: number | null; stderr: string }>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ line: out.slice(0, nl) });
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
  return { child, outcome };
}

/** A journal file system whose compaction snapshot writes fail `times` times with the given error code. */
function failingSnapshots(code: string, times: number): JournalFileSystem & { failed: () => number } {
  let failed = 0;
  return {
    ...nodeJournalFileSystem,
    failed: () => failed,
    open: async (file, flags) => {
      const handle = await nodeJournalFileSystem.open(file, flags);
      // Compaction snapshots only: the first segment of a fresh directory is written the same way.
      const isSnapshot = file.endsWith('.log.tmp') && !file.endsWith('-0000000000000001.log.tmp');
      if (!isSnapshot || failed >= times) return handle;
      return {
        ...handle,
        read: handle.read.bind(handle),
        stat: handle.stat.bind(handle),
        datasync: handle.datasync.bind(handle),
        sync: handle.sync.bind(handle),
        truncate: handle.truncate.bind(handle),
        close: handle.close.bind(handle),
        write: () => {
          failed++;
          return Promise.reject(Object.assign(new Error(`${code}: injected failure, write`), { code }));
        },
      };
    },
  };
}

describe('engine restarts (compaction, corruption, directory lock)', () => {
  let dataDir: string;
  const servers: EngineServer[] = [];
  const connections: Connection[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sinq-engine-restart-'));
  });

  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
    for (const s of servers.splice(0)) await s.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(options: Partial<EngineServerOptions> = {}): Promise<{ server: EngineServer; service: Service }> {
    const server = await startEngineServer({ dataDir, pollTimeoutMs: 2000, fsyncIntervalMs: 1, ...options });
    servers.push(server);
    const connection = await Connection.connect({ address: server.address });
    connections.push(connection);
    return { server, service: connection.workflowService };
  }

  async function closeAll(): Promise<void> {
    for (const c of connections.splice(0)) await c.close();
    for (const s of servers.splice(0)) await s.close();
  }

  async function startWithSignals(service: Service, workflowId: string, signals: number, bytes: number): Promise<void> {
    await service.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'raw' },
      taskQueue: { name: 'tq-restart' },
      requestId: `req-${workflowId}`,
    });
    for (let i = 0; i < signals; i++) {
      await service.signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId },
        signalName: 'big',
        input: { payloads: [{ metadata: {}, data: Buffer.alloc(bytes, i) }] },
      });
    }
  }

  async function historyLength(service: Service, workflowId: string): Promise<number> {
    const res = await service.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      maximumPageSize: 1000,
    });
    return res.history?.events?.length ?? 0;
  }

  it('writes a long history into bounded snapshot records and recovers it', async () => {
    const { server, service } = await open();
    // 12 signals of 200 KB: a 2.4 MB history, more than two snapshot records' worth.
    await startWithSignals(service, 'long-history', 12, 200 * 1024);
    const events = await historyLength(service, 'long-history');
    await server.compact();
    await closeAll();
    const { journal, records } = await openJournal({ dir: dataDir });
    await journal.close();
    const evRecords = parseRecords(records).records.filter((r) => r.k === 'ev' && r.wf === 'long-history');
    expect(evRecords.length).toBeGreaterThan(2);
    for (const r of evRecords) {
      if (r.k !== 'ev') continue;
      const chars = r.ev.reduce((n, e) => n + e.length, 0);
      expect(r.ev.length === 1 || chars <= SNAPSHOT_RECORD_BYTES).toBe(true);
    }
    const reopened = await open();
    expect(await historyLength(reopened.service, 'long-history')).toBe(events);
  });

  it('starts while its start-up compaction fails on a full disk, says so, and compacts once there is room', async () => {
    const first = await open();
    await startWithSignals(first.service, 'before-full-disk', 1, 10);
    await closeAll();
    const logs: Record<string, unknown>[] = [];
    const fileSystem = failingSnapshots('ENOSPC', 2);
    const { server, service } = await open({
      journalFileSystem: fileSystem,
      compactionRetryMs: 50,
      log: (e) => logs.push(e),
    });
    // Serving at once, compaction or not.
    expect(await historyLength(service, 'before-full-disk')).toBeGreaterThan(0);
    await expect.poll(() => logs.some((e) => e.event === 'compaction_recovered'), { timeout: 5000 }).toBe(true);
    const deferred = logs.filter((e) => e.event === 'compaction_deferred');
    expect(deferred.length).toBe(2);
    expect(deferred[0]).toMatchObject({ cause: 'disk full' });
    expect(String(deferred[0]!.message)).toContain('the disk is full');
    expect(fileSystem.failed()).toBe(2);
    await startWithSignals(service, 'after-full-disk', 1, 10);
    await server.close();
  });

  it('logs and retries a failed automatic compaction instead of crashing', async () => {
    const logs: Record<string, unknown>[] = [];
    const fileSystem = failingSnapshots('EIO', 3);
    const { server, service } = await open({
      journalFileSystem: fileSystem,
      compactAfterBytes: 10_000,
      compactionRetryMs: 20,
      log: (e) => logs.push(e),
    });
    // Appends past the threshold trigger the automatic compaction, which fails three times.
    await startWithSignals(service, 'auto-compact', 4, 8 * 1024);
    await expect.poll(() => logs.some((e) => e.event === 'compaction_recovered'), { timeout: 5000 }).toBe(true);
    const failures = logs.filter((e) => e.event === 'compaction_failed');
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({ retry: true });
    expect(String(failures[0]!.error)).toContain('EIO');
    // Still serving, and its state survives a restart.
    await startWithSignals(service, 'after-failures', 1, 10);
    await server.close();
    servers.length = 0;
    await closeAll();
    const reopened = await open();
    expect(await historyLength(reopened.service, 'after-failures')).toBeGreaterThan(0);
    expect(await historyLength(reopened.service, 'auto-compact')).toBe(6);
  });

  it('refuses a second engine on the same data directory with a clear error', async () => {
    await open();
    await expect(startEngineServer({ dataDir, port: 0 })).rejects.toMatchObject({
      code: 'E_JOURNAL_LOCKED',
      message: expect.stringContaining('locked by another engine') as unknown,
    });
  });

  it('refuses a second `sinq engine start` on the directory, and starts again after the first is killed -9', async () => {
    const first = startCli(dataDir);
    const children = [first.child];
    try {
      expect(await first.outcome).toMatchObject({ line: expect.stringContaining('"listening"') as unknown });
      const second = startCli(dataDir);
      children.push(second.child);
      const refused = await second.outcome;
      expect(refused).toMatchObject({ code: 1 });
      expect('stderr' in refused ? refused.stderr : '').toContain('is locked by another engine');
      const firstExit = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGKILL');
      await firstExit;
      const third = startCli(dataDir);
      children.push(third.child);
      expect(await third.outcome).toMatchObject({ line: expect.stringContaining('"listening"') as unknown });
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses to start on a journal damaged in the middle, naming the offset and the way out', async () => {
    const { service } = await open({ compactAfterBytes: 1 << 30 });
    await startWithSignals(service, 'damaged', 5, 100);
    await closeAll();
    const segment = (await fsp.readdir(dataDir)).find((f) => f.endsWith('.log'))!;
    const file = path.join(dataDir, segment);
    const bytes = await fsp.readFile(file);
    const damageAt = Math.floor(bytes.length / 2);
    bytes[damageAt] = bytes[damageAt]! ^ 0xff;
    await fsp.writeFile(file, bytes);
    const err = await startEngineServer({ dataDir, port: 0 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('E_JOURNAL_CORRUPT');
    expect(err?.message).toMatch(/damaged at byte \d+/);
    expect(err?.message).toContain('truncate -s');
    // Nothing was cut off.
    expect((await fsp.readFile(file)).length).toBe(bytes.length);
  });
});
