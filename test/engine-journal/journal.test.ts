import { spawn, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  JournalError,
  nodeJournalFileSystem,
  openJournal,
  type Journal,
  type JournalFileHandle,
  type JournalFileSystem,
} from '../../engine/journal';
import { crc32 } from '../../engine/crc32';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

let dir: string;
const opened: Journal[] = [];

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'journal-test-'));
});

afterEach(async () => {
  for (const journal of opened.splice(0)) await journal.close().catch(() => undefined);
  await fsp.rm(dir, { recursive: true, force: true });
});

async function open(options: Partial<Parameters<typeof openJournal>[0]> = {}) {
  const result = await openJournal({ dir, ...options });
  opened.push(result.journal);
  return result;
}

async function segmentFiles(): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((name) => name.startsWith('journal-')).sort();
}

async function onlySegment(): Promise<string> {
  const files = await segmentFiles();
  expect(files).toHaveLength(1);
  return path.join(dir, files[0]!);
}

async function expectJournalError(promise: Promise<unknown>, code: string): Promise<JournalError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JournalError);
  expect((err as JournalError).code).toBe(code);
  return err as JournalError;
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(Buffer.from('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
  });
});

describe('journal round trip', () => {
  it('recovers appended records in order after close and reopen', async () => {
    const first = await open();
    expect(first.records).toEqual([]);
    await first.journal.append([{ a: 1 }, 'two', 3]);
    await first.journal.append([null, [4, { b: 'ü€' }]]);
    const bytes = first.journal.bytesSinceCompaction;
    expect(bytes).toBeGreaterThan(0);
    await first.journal.close();

    const second = await open();
    expect(second.records).toEqual([{ a: 1 }, 'two', 3, null, [4, { b: 'ü€' }]]);
    expect(second.journal.bytesSinceCompaction).toBe(bytes);
    await second.journal.append([5]);
    await second.journal.close();
    expect((await open()).records).toHaveLength(6);
  });

  it('recovers records that straddle read chunks, including ones larger than a chunk', async () => {
    const { journal } = await open();
    const written = Array.from({ length: 60 }, (_, i) => ({ i, body: 'z'.repeat((i * 37) % 300) }));
    for (let i = 0; i < written.length; i += 7) await journal.append(written.slice(i, i + 7));
    await journal.compact(written.slice(0, 20));
    await journal.append(written.slice(20));
    await journal.close();
    for (const readChunkBytes of [1, 13, 64, 1000]) {
      const reopened = await open({ readChunkBytes });
      expect(reopened.records).toEqual(written);
      await opened.pop()!.close();
    }
    const file = await onlySegment();
    await fsp.truncate(file, (await fsp.stat(file)).size - 3);
    expect((await open({ readChunkBytes: 13 })).records).toEqual(written.slice(0, 59));
  });

  it('resolves an empty append after earlier appends are durable', async () => {
    const { journal } = await open();
    const order: string[] = [];
    const first = journal.append([1]).then(() => order.push('first'));
    const empty = journal.append([]).then(() => order.push('empty'));
    await Promise.all([first, empty]);
    expect(order).toEqual(['first', 'empty']);
  });
});

describe('group commit', () => {
  it('shares one write and one fsync among appends issued together', async () => {
    const { journal } = await open({ fsyncIntervalMs: 2 });
    const before = { ...journal.stats };
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append([{ i }])));
    expect(journal.stats.records - before.records).toBe(200);
    expect(journal.stats.batches - before.batches).toBe(1);
    expect(journal.stats.fsyncs - before.fsyncs).toBe(1);
    await journal.close();
    const reopened = await open();
    expect(reopened.records).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
  });

  it('batches appends that arrive while a write is in flight and keeps their order', async () => {
    const { journal } = await open({ fsyncIntervalMs: 0 });
    const before = { ...journal.stats };
    const acks: number[] = [];
    const work: Promise<void>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      for (let k = 0; k < 25; k++) {
        const n = wave * 25 + k;
        work.push(journal.append([n]).then(() => void acks.push(n)));
      }
      // Yield so that later waves arrive while earlier ones are being written.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);
    const expected = Array.from({ length: 500 }, (_, i) => i);
    expect(acks).toEqual(expected);
    const batches = journal.stats.batches - before.batches;
    expect(batches).toBeLessThanOrEqual(20);
    expect(journal.stats.fsyncs - before.fsyncs).toBe(batches);
    await journal.close();
    expect((await open()).records).toEqual(expected);
  });

  it('syncs once per batch when appends are awaited one by one', async () => {
    const { journal } = await open({ fsyncIntervalMs: 0 });
    const before = { ...journal.stats };
    for (let i = 0; i < 5; i++) await journal.append([i]);
    expect(journal.stats.batches - before.batches).toBe(5);
    expect(journal.stats.fsyncs - before.fsyncs).toBe(5);
  });
});

describe('torn and corrupt tails', () => {
  async function writeTen(): Promise<string> {
    const { journal } = await open({ fsyncIntervalMs: 0 });
    for (let i = 0; i < 10; i++) await journal.append([{ i, text: `record number ${i}` }]);
    await journal.close();
    opened.length = 0;
    return onlySegment();
  }

  it('drops a partially written last frame and truncates it away', async () => {
    const file = await writeTen();
    const size = (await fsp.stat(file)).size;
    await fsp.truncate(file, size - 5);
    const { journal, records } = await open();
    expect(records.map((r) => (r as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // New appends land right after the last whole frame, not after the garbage.
    await journal.append([{ i: 99 }]);
    await journal.close();
    expect((await open()).records.map((r) => (r as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 99]);
  });

  it('drops a last frame whose checksum does not match (a torn tail)', async () => {
    const file = await writeTen();
    const bytes = await fsp.readFile(file);
    const frameStart = bytes.indexOf(Buffer.from('{"i":9,')) - 8;
    expect(frameStart).toBeGreaterThan(0);
    bytes[frameStart + 11] = bytes[frameStart + 11]! ^ 0x01; // flip one payload bit of the last record
    await fsp.writeFile(file, bytes);
    const { records } = await open();
    expect(records.map((r) => (r as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await fsp.stat(file)).size).toBe(frameStart);
  });

  it('refuses to open a journal damaged in the middle, naming the offset, and drops nothing', async () => {
    const file = await writeTen();
    const bytes = await fsp.readFile(file);
    const frameStart = bytes.indexOf(Buffer.from('{"i":7,')) - 8;
    expect(frameStart).toBeGreaterThan(0);
    bytes[frameStart + 11] = bytes[frameStart + 11]! ^ 0x01; // flip one payload bit of record 7 of 10
    await fsp.writeFile(file, bytes);
    const err = await expectJournalError(openJournal({ dir }), 'E_JOURNAL_CORRUPT');
    expect(err.message).toContain(`damaged at byte ${frameStart}`);
    expect(err.message).toContain(`truncate -s ${frameStart} ${file}`);
    expect(err.message).toContain('backup');
    // Nothing was cut: records 8 and 9 are still on disk, and the lock was released.
    expect(await fsp.readFile(file)).toEqual(bytes);
    const damagedLength = bytes.readUInt32LE(frameStart);
    bytes[frameStart + 11] = bytes[frameStart + 11]! ^ 0x01;
    expect(damagedLength).toBeGreaterThan(0);
    await fsp.writeFile(file, bytes);
    expect((await open()).records).toHaveLength(10);
  });

  it('refuses a journal whose damaged frame header hides the records after it', async () => {
    const file = await writeTen();
    const bytes = await fsp.readFile(file);
    const frameStart = bytes.indexOf(Buffer.from('{"i":3,')) - 8;
    bytes.writeUInt32LE(0, frameStart); // a zeroed length field in the middle
    await fsp.writeFile(file, bytes);
    const err = await expectJournalError(openJournal({ dir }), 'E_JOURNAL_CORRUPT');
    expect(err.message).toContain(`byte ${frameStart}`);
  });

  it('ignores a zero-filled tail and a length field pointing past the end', async () => {
    const file = await writeTen();
    await fsp.appendFile(file, Buffer.alloc(4096));
    expect((await open()).records).toHaveLength(10);
    await opened.pop()!.close();
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(1_000_000, 0);
    await fsp.appendFile(file, huge);
    expect((await open()).records).toHaveLength(10);
  });

  it('refuses a segment whose header is damaged instead of discarding it', async () => {
    const file = await writeTen();
    const bytes = await fsp.readFile(file);
    bytes[9] = bytes[9]! ^ 0xff;
    await fsp.writeFile(file, bytes);
    await expectJournalError(openJournal({ dir }), 'E_JOURNAL_CORRUPT');
    // The failed open released the lock: a second try fails the same way, not with E_JOURNAL_LOCKED.
    await expectJournalError(openJournal({ dir, lockWaitMs: 0 }), 'E_JOURNAL_CORRUPT');
  });
});

describe('compaction', () => {
  it('replaces the journal with the snapshot; later appends follow it', async () => {
    const { journal } = await open();
    for (let i = 0; i < 50; i++) await journal.append([{ event: i }]);
    expect(journal.bytesSinceCompaction).toBeGreaterThan(0);
    await journal.compact([{ snapshot: 'state-at-50' }]);
    expect(journal.bytesSinceCompaction).toBe(0);
    expect(journal.stats.compactions).toBe(1);
    await journal.append([{ event: 50 }]);
    const sinceCompaction = journal.bytesSinceCompaction;
    expect(sinceCompaction).toBeGreaterThan(0);
    await journal.close();
    expect(await segmentFiles()).toEqual(['journal-0000000000000002.log']);

    const reopened = await open();
    expect(reopened.records).toEqual([{ snapshot: 'state-at-50' }, { event: 50 }]);
    expect(reopened.journal.bytesSinceCompaction).toBe(sinceCompaction);
  });

  it('orders appends issued before and after compact() around the snapshot', async () => {
    const { journal } = await open({ fsyncIntervalMs: 5 });
    const before = journal.append(['before']);
    const compaction = journal.compact(['snapshot']);
    const after = journal.append(['after']);
    await Promise.all([before, compaction, after]);
    await journal.compact(['snapshot-2']);
    await journal.append(['after-2']);
    await journal.close();
    expect((await open()).records).toEqual(['snapshot-2', 'after-2']);
  });

  it('keeps the old state when a crash left a half-written snapshot temp file', async () => {
    const { journal } = await open();
    await journal.append(['kept']);
    await journal.close();
    await fsp.writeFile(path.join(dir, 'journal-0000000000000002.log.tmp'), 'half written');
    const reopened = await open();
    expect(reopened.records).toEqual(['kept']);
    expect(await segmentFiles()).toEqual(['journal-0000000000000001.log']);
  });

  it('takes the newer segment when a crash left both generations', async () => {
    const { journal } = await open();
    await journal.append(['old']);
    await journal.close();
    const oldBytes = await fsp.readFile(path.join(dir, 'journal-0000000000000001.log'));
    const second = await open();
    await second.journal.compact(['new']);
    await second.journal.close();
    // Recreate the state between the rename and the removal of the old segment.
    await fsp.writeFile(path.join(dir, 'journal-0000000000000001.log'), oldBytes);
    const third = await open();
    expect(third.records).toEqual(['new']);
    expect(await segmentFiles()).toEqual(['journal-0000000000000002.log']);
  });
});

describe('directory lock (flock)', () => {
  it('refuses a second open of the same directory, naming the holder', async () => {
    await open();
    const err = await expectJournalError(openJournal({ dir, lockWaitMs: 100 }), 'E_JOURNAL_LOCKED');
    expect(err.message).toContain(String(process.pid));
    expect(err.message).toContain('flock');
  });

  it('refuses a directory flocked by another live process', async () => {
    await fsp.writeFile(path.join(dir, 'LOCK'), '');
    const holder = spawn('flock', ['--exclusive', path.join(dir, 'LOCK'), 'sleep', '30'], { stdio: 'ignore' });
    try {
      // Wait until the other process holds the lock.
      for (let i = 0; i < 100; i++) {
        const probe = spawnSync('flock', ['--exclusive', '--nonblock', path.join(dir, 'LOCK'), 'true']);
        if (probe.status !== 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await expectJournalError(openJournal({ dir, lockWaitMs: 100 }), 'E_JOURNAL_LOCKED');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('is not fooled by a LOCK file left behind: only a live flock counts', async () => {
    const exited = spawnSync('true');
    await fsp.writeFile(path.join(dir, 'LOCK'), `${exited.pid}\n`);
    const { journal } = await open();
    await journal.append(['ok']);
    expect((await fsp.readFile(path.join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(process.pid));
  });

  it('is released when the holding process is killed with SIGKILL', async () => {
    const childScript = path.join(here, 'append-child.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dir, '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('ack ')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${String(code)}`)));
    });
    await expectJournalError(openJournal({ dir, lockWaitMs: 50 }), 'E_JOURNAL_LOCKED');
    child.kill('SIGKILL');
    const { records } = await open();
    expect(records.length).toBeGreaterThan(0);
  });

  it('releases the lock on close', async () => {
    const { journal } = await open();
    await journal.close();
    await open({ lockWaitMs: 0 });
  });
});

describe('closing and errors', () => {
  it('flushes appends issued before close and rejects those after', async () => {
    const { journal } = await open({ fsyncIntervalMs: 20 });
    const pending = journal.append(['last words']);
    const closing = journal.close();
    await expectJournalError(journal.append(['too late']), 'E_JOURNAL_CLOSED');
    await expectJournalError(journal.compact([]), 'E_JOURNAL_CLOSED');
    await pending;
    await closing;
    expect((await open()).records).toEqual(['last words']);
  });

  it('rejects records that cannot be serialised without writing anything', async () => {
    const { journal } = await open();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expectJournalError(journal.append([circular]), 'E_JOURNAL_RECORD');
    await expectJournalError(journal.append([10n]), 'E_JOURNAL_RECORD');
    await expectJournalError(journal.append([undefined]), 'E_JOURNAL_RECORD');
    await expectJournalError(journal.append([() => 1]), 'E_JOURNAL_RECORD');
    await journal.append(['fine']);
    await journal.close();
    expect((await open()).records).toEqual(['fine']);
  });

  function failingFileSystem(failOn: { datasync?: boolean; tempWrite?: boolean }): JournalFileSystem {
    return {
      ...nodeJournalFileSystem,
      open: async (file, flags) => {
        const handle = await nodeJournalFileSystem.open(file, flags);
        const wrapped: JournalFileHandle = {
          write: (buffer, offset, length, position) => {
            if (failOn.tempWrite && file.endsWith('.tmp')) return Promise.reject(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }));
            return handle.write(buffer, offset, length, position);
          },
          datasync: () => (failOn.datasync ? Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : handle.datasync()),
          read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
          stat: () => handle.stat(),
          sync: () => handle.sync(),
          truncate: (length) => handle.truncate(length),
          close: () => handle.close(),
        };
        return wrapped;
      },
    };
  }

  it('rejects every pending append when the disk fails, then refuses further writes', async () => {
    const failOn = { datasync: false };
    const { journal } = await open({ fileSystem: failingFileSystem(failOn) });
    await journal.append(['durable']);
    failOn.datasync = true;
    const results = await Promise.allSettled([journal.append(['a']), journal.append(['b'])]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as JournalError;
      expect(reason.code).toBe('E_JOURNAL_IO');
      expect(reason.message).toContain('EIO');
    }
    failOn.datasync = false;
    await expectJournalError(journal.append(['c']), 'E_JOURNAL_FAILED');
    await journal.close();
    expect((await open()).records).toEqual(['durable']);
  });

  it('keeps the journal usable when writing a compaction snapshot fails', async () => {
    const failOn = { tempWrite: false };
    const { journal } = await open({ fileSystem: failingFileSystem(failOn) });
    await journal.append(['one']);
    failOn.tempWrite = true;
    const err = await expectJournalError(journal.compact(['snapshot']), 'E_JOURNAL_IO');
    expect(err.message).toContain('ENOSPC');
    await journal.append(['two']);
    await journal.close();
    expect(await segmentFiles()).toEqual(['journal-0000000000000001.log']);
    expect(await fsp.readdir(dir)).not.toContain('journal-0000000000000002.log.tmp');
    expect((await open()).records).toEqual(['one', 'two']);
  });
});

describe('kill -9', () => {
  const childScript = path.join(here, 'append-child.ts');

  function runChildUntilKilled(compactEvery: number, killAfterMs: number): Promise<{ start: number; acked: number[] }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', childScript, dir, String(compactEvery)], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      let start: number | undefined;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (start === undefined) {
          const ready = /^ready (\d+)$/m.exec(stdout);
          if (ready) {
            start = Number(ready[1]);
            timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          }
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        if (timer) clearTimeout(timer);
        if (signal !== 'SIGKILL' || start === undefined) {
          reject(new Error(`child ended with code ${code} signal ${signal}: ${stderr}`));
          return;
        }
        const acked = [...stdout.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
        resolve({ start, acked });
      });
    });
  }

  it('loses no acknowledged record when the process is killed at a random moment', async () => {
    let expectedAtLeast = 0;
    for (let round = 0; round < 3; round++) {
      const killAfterMs = 100 + Math.floor(Math.random() * 400);
      const { start, acked } = await runChildUntilKilled(round === 0 ? 0 : 150, killAfterMs);
      expect(start).toBeGreaterThanOrEqual(expectedAtLeast);
      expect(acked.length).toBeGreaterThan(0);

      const { journal, records } = await openJournal({ dir });
      try {
        const numbers = records.map((r) => (r as { n: number }).n);
        // Appends are written in order, so what survives is a gap-free prefix.
        expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i));
        const highestAck = Math.max(...acked);
        expect(numbers.length).toBeGreaterThan(highestAck);
        expectedAtLeast = numbers.length;
      } finally {
        await journal.close();
      }
    }
  });
});
