// Durable append-only journal with group commit.
//
// On-disk layout of a journal directory:
//   LOCK                       pid of the process holding the directory
//   journal-<generation>.log   the one live segment: header, snapshot frames, then appended frames
//   journal-<generation>.log.tmp  a snapshot being written by compaction (ignored and removed on open)
//
// Segment header (28 bytes, little-endian): magic "EJNL", format version u32, generation u64,
// snapshot byte length u64, CRC-32 of the preceding 24 bytes.
// Frame: payload length u32, CRC-32 over (length bytes + payload) u32, payload = UTF-8 JSON of one record.
//
// Durability: appends are queued and written by a single writer; everything that arrives within the
// batching window (and everything that arrives while a write is in flight) goes out as one write plus
// one fdatasync, and only then are the callers' promises resolved. Segments only ever come into being
// by writing a temp file, fsyncing it, renaming it into place and fsyncing the directory, so a segment
// with a valid name always has a valid header; a torn tail of appended frames is truncated on open.
// Compaction follows the same path, so a crash at any point leaves either the old or the new segment as
// the one with the highest generation, and the highest generation always wins.
import { promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import { CRC32_INIT, crc32, crc32Finish, crc32Update } from './crc32';

export interface JournalOptions {
  dir: string;
  /** Batching window in ms: appends arriving within it share one write and one fsync. Default 2. */
  fsyncIntervalMs?: number;
  /** File-system operations; defaults to node:fs. Tests inject failures through it. */
  fileSystem?: JournalFileSystem;
  /** Read size while recovering (default 4 MiB); records larger than this are read in one piece. */
  readChunkBytes?: number;
}

export interface JournalStats {
  /** append() calls accepted. */
  appends: number;
  records: number;
  /** Batched writes of appended frames (each followed by exactly one data sync). */
  batches: number;
  /** fsync/fdatasync calls on segment files and the directory. */
  fsyncs: number;
  bytesWritten: number;
  compactions: number;
}

export interface Journal {
  /** Appends records (JSON-serialisable); the promise resolves once they are fsync'd. Order is preserved. */
  append(records: unknown[]): Promise<void>;
  /** Atomically replaces the whole journal with `snapshot` records (compaction); later appends follow it. */
  compact(snapshot: unknown[]): Promise<void>;
  /** Bytes appended since the last compaction (to decide when to compact). */
  readonly bytesSinceCompaction: number;
  /** Counters for tests and metrics. */
  readonly stats: Readonly<JournalStats>;
  close(): Promise<void>;
}

export type JournalErrorCode =
  | 'E_JOURNAL_LOCKED' // another live process holds the directory
  | 'E_JOURNAL_CLOSED' // append/compact after close()
  | 'E_JOURNAL_RECORD' // a record cannot be serialised
  | 'E_JOURNAL_IO' // the disk refused a write or sync
  | 'E_JOURNAL_FAILED' // an earlier disk error left the journal unusable
  | 'E_JOURNAL_CORRUPT'; // a segment header is damaged (not a torn tail)

export class JournalError extends Error {
  constructor(
    readonly code: JournalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JournalError';
  }
}

/** The subset of a file handle the journal uses (node's FileHandle satisfies it). */
export interface JournalFileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  stat(): Promise<{ size: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface JournalFileSystem {
  open(file: string, flags: 'r' | 'r+' | 'w' | 'wx'): Promise<JournalFileHandle>;
  readFile(file: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
}

export const nodeJournalFileSystem: JournalFileSystem = {
  open: (file, flags) => fsp.open(file, flags),
  readFile: (file) => fsp.readFile(file),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  readdir: (dir) => fsp.readdir(dir),
  mkdir: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
};

const MAGIC = 0x4c4e4a45; // "EJNL" read as little-endian u32
const FORMAT_VERSION = 1;
const HEADER_BYTES = 28;
const FRAME_OVERHEAD = 8;
/** Upper bound on one record's payload; larger lengths in a frame header mean corruption. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const LOCK_FILE = 'LOCK';
const SEGMENT_PATTERN = /^journal-(\d{16})\.log$/;

/** Directories held open by this process (a lock naming our own pid is stale only if not in here). */
const heldByThisProcess = new Set<string>();

function segmentName(generation: number): string {
  return `journal-${String(generation).padStart(16, '0')}.log`;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function encodeFrame(record: unknown): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(record);
  } catch (err) {
    throw new JournalError('E_JOURNAL_RECORD', `journal record is not JSON-serialisable: ${(err as Error).message}`, { cause: err });
  }
  if (json === undefined) throw new JournalError('E_JOURNAL_RECORD', `journal record of type ${typeof record} is not JSON-serialisable`);
  const payloadBytes = Buffer.byteLength(json, 'utf8');
  if (payloadBytes > MAX_RECORD_BYTES) {
    throw new JournalError('E_JOURNAL_RECORD', `journal record of ${payloadBytes} bytes exceeds the limit of ${MAX_RECORD_BYTES}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + payloadBytes);
  frame.writeUInt32LE(payloadBytes, 0);
  frame.write(json, FRAME_OVERHEAD, 'utf8');
  let state = crc32Update(CRC32_INIT, frame, 0, 4);
  state = crc32Update(state, frame, FRAME_OVERHEAD, frame.length);
  frame.writeUInt32LE(crc32Finish(state), 4);
  return frame;
}

function encodeFrames(records: unknown[]): Buffer {
  if (!Array.isArray(records)) throw new JournalError('E_JOURNAL_RECORD', 'journal records must be an array');
  return Buffer.concat(records.map(encodeFrame));
}

function encodeHeader(generation: number, snapshotBytes: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(FORMAT_VERSION, 4);
  header.writeBigUInt64LE(BigInt(generation), 8);
  header.writeBigUInt64LE(BigInt(snapshotBytes), 16);
  header.writeUInt32LE(crc32(header, 0, 24), 24);
  return header;
}

interface DecodedSegment {
  generation: number;
  snapshotBytes: number;
  records: unknown[];
  /** Offset just past the last whole, valid frame. */
  validEnd: number;
}

/** Reads a segment sequentially in chunks, so recovery never needs the whole file in one buffer. */
class ChunkedReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;

  constructor(
    private readonly handle: JournalFileHandle,
    private readonly size: number,
    private readonly chunkBytes: number,
  ) {}

  /** Bytes [position, position + length) of the file, or undefined when the file ends before that. */
  async bytes(position: number, length: number): Promise<Buffer | undefined> {
    if (position + length > this.size) return undefined;
    const offset = position - this.bufferStart;
    if (offset >= 0 && offset + length <= this.buffer.length) return this.buffer.subarray(offset, offset + length);
    const fresh = Buffer.allocUnsafe(Math.min(this.size - position, Math.max(length, this.chunkBytes)));
    let filled = 0;
    while (filled < fresh.length) {
      const { bytesRead } = await this.handle.read(fresh, filled, fresh.length - filled, position + filled);
      if (bytesRead <= 0) break; // the file shrank under us
      filled += bytesRead;
    }
    this.buffer = fresh.subarray(0, filled);
    this.bufferStart = position;
    return filled >= length ? this.buffer.subarray(0, length) : undefined;
  }
}

async function readSegment(file: string, handle: JournalFileHandle, chunkBytes: number): Promise<DecodedSegment & { size: number }> {
  const { size } = await handle.stat();
  const reader = new ChunkedReader(handle, size, chunkBytes);
  const header = await reader.bytes(0, HEADER_BYTES);
  if (!header) throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} is shorter than its header`);
  if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(24) !== crc32(header, 0, 24)) {
    throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} has a damaged header`);
  }
  const version = header.readUInt32LE(4);
  if (version !== FORMAT_VERSION) throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} has unknown format version ${version}`);
  const generation = Number(header.readBigUInt64LE(8));
  const snapshotBytes = Number(header.readBigUInt64LE(16));
  if (HEADER_BYTES + snapshotBytes > size) {
    throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} is shorter than its snapshot`);
  }
  const records: unknown[] = [];
  let offset = HEADER_BYTES;
  for (;;) {
    const frameHeader = await reader.bytes(offset, FRAME_OVERHEAD);
    if (!frameHeader) break;
    const length = frameHeader.readUInt32LE(0);
    const expectedCrc = frameHeader.readUInt32LE(4);
    const lengthState = crc32Update(CRC32_INIT, frameHeader, 0, 4);
    if (length === 0 || length > MAX_RECORD_BYTES) break;
    const payload = await reader.bytes(offset + FRAME_OVERHEAD, length);
    if (!payload) break;
    if (crc32Finish(crc32Update(lengthState, payload)) !== expectedCrc) break;
    let record: unknown;
    try {
      record = JSON.parse(payload.toString('utf8'));
    } catch {
      break;
    }
    records.push(record);
    offset += FRAME_OVERHEAD + length;
  }
  // The snapshot was fsync'd before the segment got its name, so damage inside it is not a torn tail.
  if (offset < HEADER_BYTES + snapshotBytes) {
    throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} has a damaged snapshot at byte ${offset}`);
  }
  return { generation, snapshotBytes, records, validEnd: offset, size };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
  // A killed process that nobody has reaped yet still answers signal 0; on Linux, /proc tells.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

async function writeFully(handle: JournalFileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at byte ${position + done}`);
    done += bytesWritten;
  }
}

async function acquireLock(fs: JournalFileSystem, dir: string): Promise<void> {
  const lockPath = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      heldByThisProcess.add(dir);
      try {
        await writeFully(handle, Buffer.from(`${process.pid}\n`), 0);
        await handle.sync();
      } catch (err) {
        heldByThisProcess.delete(dir);
        await fs.unlink(lockPath).catch(() => undefined);
        throw err;
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = Buffer.from(await fs.readFile(lockPath)).toString('utf8').trim();
    } catch (err) {
      if (errorCode(err) === 'ENOENT') continue; // released between our attempts
      throw err;
    }
    const pid = Number.parseInt(text, 10);
    const ownedHere = pid === process.pid && heldByThisProcess.has(dir);
    if (Number.isInteger(pid) && pid > 0 && (ownedHere || (pid !== process.pid && isAlive(pid)))) {
      throw new JournalError('E_JOURNAL_LOCKED', `journal directory ${dir} is in use by process ${pid} (lock file ${lockPath})`);
    }
    // Stale: the holder died (or an earlier incarnation had our pid). Take it over.
    try {
      await fs.unlink(lockPath);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }
  throw new JournalError('E_JOURNAL_LOCKED', `journal directory ${dir} lock ${lockPath} keeps changing hands`);
}

async function syncDirectory(fs: JournalFileSystem, dir: string, stats: JournalStats): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
    stats.fsyncs++;
  } catch (err) {
    // Some file systems cannot sync a directory; their renames are then as durable as they get.
    if (errorCode(err) !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}

/** Writes a complete segment under a temp name, syncs it, and renames it into place. */
async function installSegment(fs: JournalFileSystem, dir: string, generation: number, snapshot: Buffer, stats: JournalStats): Promise<void> {
  const finalPath = path.join(dir, segmentName(generation));
  const tempPath = `${finalPath}.tmp`;
  try {
    const handle = await fs.open(tempPath, 'w');
    try {
      await writeFully(handle, encodeHeader(generation, snapshot.length), 0);
      await writeFully(handle, snapshot, HEADER_BYTES);
      stats.bytesWritten += HEADER_BYTES + snapshot.length;
      await handle.sync();
      stats.fsyncs++;
    } finally {
      await handle.close();
    }
    await fs.rename(tempPath, finalPath);
  } catch (err) {
    await fs.unlink(tempPath).catch(() => undefined);
    throw err;
  }
}

interface PendingAppend {
  frames: Buffer;
  recordCount: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

type WriterOp =
  | { kind: 'append'; items: PendingAppend[] }
  | { kind: 'compact'; snapshot: Buffer; resolve: () => void; reject: (err: Error) => void };

class FileJournal implements Journal {
  readonly stats: JournalStats;
  private readonly ops: WriterOp[] = [];
  private writer: Promise<void> | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private failure: Error | undefined;
  private appendedBytes: number;

  constructor(
    private readonly fs: JournalFileSystem,
    private readonly dir: string,
    private readonly windowMs: number,
    private handle: JournalFileHandle,
    private generation: number,
    private position: number,
    appendedBytes: number,
    stats: JournalStats,
  ) {
    this.appendedBytes = appendedBytes;
    this.stats = stats;
  }

  get bytesSinceCompaction(): number {
    return this.appendedBytes;
  }

  append(records: unknown[]): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    let frames: Buffer;
    try {
      frames = encodeFrames(records);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.stats.appends++;
    return new Promise<void>((resolve, reject) => {
      const item: PendingAppend = { frames, recordCount: records.length, resolve, reject };
      const last = this.ops[this.ops.length - 1];
      if (last?.kind === 'append') last.items.push(item);
      else this.ops.push({ kind: 'append', items: [item] });
      this.startWriter();
    });
  }

  compact(snapshot: unknown[]): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    let frames: Buffer;
    try {
      frames = encodeFrames(snapshot);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<void>((resolve, reject) => {
      this.ops.push({ kind: 'compact', snapshot: frames, resolve, reject });
      this.startWriter();
    });
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    while (this.writer) await this.writer;
    try {
      await this.handle.close();
    } finally {
      heldByThisProcess.delete(this.dir);
      await this.fs.unlink(path.join(this.dir, LOCK_FILE)).catch(() => undefined);
    }
  }

  private refusal(): Error | undefined {
    if (this.closing) return new JournalError('E_JOURNAL_CLOSED', `journal ${this.dir} is closed`);
    if (this.failure) return this.failedError(this.failure);
    return undefined;
  }

  private failedError(failure: Error): JournalError {
    return new JournalError('E_JOURNAL_FAILED', `journal ${this.dir} failed earlier and accepts no more writes: ${failure.message}`, {
      cause: failure,
    });
  }

  private startWriter(): void {
    if (this.writer) return;
    this.writer = (async () => {
      try {
        // Let concurrent callers join the first batch.
        if (this.windowMs > 0) await new Promise((resolve) => setTimeout(resolve, this.windowMs));
        else await new Promise((resolve) => setImmediate(resolve));
        await this.drain();
      } catch (err) {
        // Not expected (write errors are handled per batch), but never leave callers hanging.
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        for (let op = this.ops.shift(); op; op = this.ops.shift()) this.rejectOp(op, this.failedError(this.failure));
      } finally {
        this.writer = undefined;
        // Ops queued between the last drain check and here still need a writer.
        if (this.ops.length > 0) this.startWriter();
      }
    })();
  }

  private async drain(): Promise<void> {
    for (let op = this.ops.shift(); op; op = this.ops.shift()) {
      if (this.failure) {
        this.rejectOp(op, this.failedError(this.failure));
        continue;
      }
      if (op.kind === 'append') await this.writeBatch(op.items);
      else await this.runCompaction(op.snapshot).then(op.resolve, op.reject);
    }
  }

  private rejectOp(op: WriterOp, err: Error): void {
    if (op.kind === 'append') for (const item of op.items) item.reject(err);
    else op.reject(err);
  }

  private async writeBatch(items: PendingAppend[]): Promise<void> {
    const data = items.length === 1 ? items[0]!.frames : Buffer.concat(items.map((item) => item.frames));
    if (data.length === 0) {
      // Nothing to write; everything queued earlier is already durable.
      for (const item of items) item.resolve();
      return;
    }
    try {
      await writeFully(this.handle, data, this.position);
      this.stats.bytesWritten += data.length;
      await this.handle.datasync();
      this.stats.fsyncs++;
    } catch (err) {
      // Once a sync has failed the page cache can no longer be trusted: stop accepting writes.
      this.failure = err instanceof Error ? err : new Error(String(err));
      const ioError = new JournalError('E_JOURNAL_IO', `journal ${this.dir} write failed: ${this.failure.message}`, { cause: err });
      await this.handle.truncate(this.position).catch(() => undefined);
      for (const item of items) item.reject(ioError);
      return;
    }
    this.position += data.length;
    this.appendedBytes += data.length;
    this.stats.batches++;
    for (const item of items) {
      this.stats.records += item.recordCount;
      item.resolve();
    }
  }

  private async runCompaction(snapshot: Buffer): Promise<void> {
    const nextGeneration = this.generation + 1;
    try {
      await installSegment(this.fs, this.dir, nextGeneration, snapshot, this.stats);
    } catch (err) {
      // Nothing was renamed: the current segment is still the journal and stays usable.
      throw new JournalError('E_JOURNAL_IO', `journal ${this.dir} compaction failed: ${(err as Error).message}`, { cause: err });
    }
    try {
      await syncDirectory(this.fs, this.dir, this.stats);
      const newHandle = await this.fs.open(path.join(this.dir, segmentName(nextGeneration)), 'r+');
      const oldHandle = this.handle;
      const oldGeneration = this.generation;
      this.handle = newHandle;
      this.generation = nextGeneration;
      this.position = HEADER_BYTES + snapshot.length;
      this.appendedBytes = 0;
      this.stats.compactions++;
      await oldHandle.close().catch(() => undefined);
      // A leftover older segment is harmless (the highest generation wins) and is removed on the next open.
      await this.fs.unlink(path.join(this.dir, segmentName(oldGeneration))).catch(() => undefined);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw new JournalError('E_JOURNAL_IO', `journal ${this.dir} compaction failed after the new segment was installed: ${this.failure.message}`, {
        cause: err,
      });
    }
  }
}

/** Opens (creating if needed) and returns the journal plus every record recovered, in order (a torn tail is dropped). */
export async function openJournal(options: JournalOptions): Promise<{ journal: Journal; records: unknown[] }> {
  const fs = options.fileSystem ?? nodeJournalFileSystem;
  const dir = path.resolve(options.dir);
  const requestedWindow = options.fsyncIntervalMs ?? 2;
  const windowMs = Number.isFinite(requestedWindow) ? Math.max(0, requestedWindow) : 2;
  const stats: JournalStats = { appends: 0, records: 0, batches: 0, fsyncs: 0, bytesWritten: 0, compactions: 0 };
  await fs.mkdir(dir);
  await acquireLock(fs, dir);
  try {
    const entries = await fs.readdir(dir);
    for (const entry of entries) if (entry.endsWith('.log.tmp')) await fs.unlink(path.join(dir, entry));
    const generations = entries
      .map((entry) => SEGMENT_PATTERN.exec(entry)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let current = generations[generations.length - 1];
    if (current === undefined) {
      current = 1;
      await installSegment(fs, dir, current, Buffer.alloc(0), stats);
      await syncDirectory(fs, dir, stats);
    }
    const file = path.join(dir, segmentName(current));
    const handle = await fs.open(file, 'r+');
    let segment: DecodedSegment;
    try {
      const read = await readSegment(file, handle, options.readChunkBytes ?? 4 * 1024 * 1024);
      segment = read;
      if (segment.generation !== current) {
        throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} claims generation ${segment.generation}`);
      }
      if (segment.validEnd < read.size) {
        await handle.truncate(segment.validEnd);
        await handle.datasync();
        stats.fsyncs++;
      }
      // Older generations were superseded by a completed compaction.
      for (const older of generations) if (older < current) await fs.unlink(path.join(dir, segmentName(older)));
    } catch (err) {
      await handle.close();
      throw err;
    }
    const appendedBytes = segment.validEnd - HEADER_BYTES - segment.snapshotBytes;
    const journal = new FileJournal(fs, dir, windowMs, handle, current, segment.validEnd, appendedBytes, stats);
    return { journal, records: segment.records };
  } catch (err) {
    heldByThisProcess.delete(dir);
    await fs.unlink(path.join(dir, LOCK_FILE)).catch(() => undefined);
    throw err;
  }
}
