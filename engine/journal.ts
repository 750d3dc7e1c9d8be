// Durable append-only journal with group commit.
//
// On-disk layout of a journal directory:
//   LOCK                       flock(2)ed by the process holding the directory (dir-lock.ts); names its pid
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
// Damage anywhere else (a bad frame followed by a valid one, or inside the snapshot) is corruption: the
// open fails naming the byte offset, and nothing is truncated, so no acknowledged record is dropped.
// Compaction follows the same path, so a crash at any point leaves either the old or the new segment as
// the one with the highest generation, and the highest generation always wins.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { CRC32_INIT, crc32, crc32Finish, crc32Update } from './crc32';
import { DirLockError, lockDirectory, type DirLock } from './dir-lock';

export interface JournalOptions {
  dir: string;
  /** Batching window in ms: appends arriving within it share one write and one fsync. Default 2. */
  fsyncIntervalMs?: number;
  /** File-system operations; defaults to node:fs. Tests inject failures through it. */
  fileSystem?: JournalFileSystem;
  /** Read size while recovering (default 4 MiB); records larger than this are read in one piece. */
  readChunkBytes?: number;
  /** How long to wait for the directory lock of an engine that is going away (default 3000 ms). */
  lockWaitMs?: number;
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
  /**
   * Atomically replaces the whole journal with `snapshot` records (compaction); later appends follow it.
   * The records are encoded when called (so the snapshot is the state at that moment) and written in
   * bounded chunks, never as one buffer.
   */
  compact(snapshot: Iterable<unknown>): Promise<void>;
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
  | 'E_JOURNAL_CORRUPT'; // damage that is not a torn tail (header, snapshot or a frame before valid ones)

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
const SEGMENT_PATTERN = /^journal-(\d{16})\.log$/;
/** Snapshot frames are written to disk in pieces of about this size. */
const SNAPSHOT_WRITE_BYTES = 4 * 1024 * 1024;

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
    throw new JournalError('E_JOURNAL_RECORD', `journal record is not JSON-serialisable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (json === undefined)
    throw new JournalError('E_JOURNAL_RECORD', `journal record of type ${typeof record} is not JSON-serialisable`);
  const payloadBytes = Buffer.byteLength(json, 'utf8');
  if (payloadBytes > MAX_RECORD_BYTES) {
    throw new JournalError(
      'E_JOURNAL_RECORD',
      `journal record of ${payloadBytes} bytes exceeds the limit of ${MAX_RECORD_BYTES}`,
    );
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

/** Encodes a snapshot's records one frame each, grouped into pieces of about SNAPSHOT_WRITE_BYTES. */
function encodeSnapshot(records: Iterable<unknown>): { pieces: Buffer[]; bytes: number } {
  if (records === null || typeof records !== 'object' || !(Symbol.iterator in records)) {
    throw new JournalError('E_JOURNAL_RECORD', 'journal snapshot must be iterable');
  }
  const pieces: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let bytes = 0;
  for (const record of records) {
    const frame = encodeFrame(record);
    pending.push(frame);
    pendingBytes += frame.length;
    bytes += frame.length;
    if (pendingBytes >= SNAPSHOT_WRITE_BYTES) {
      pieces.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pending.length > 0) pieces.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
  return { pieces, bytes };
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

async function readSegment(
  file: string,
  handle: JournalFileHandle,
  chunkBytes: number,
): Promise<DecodedSegment & { size: number }> {
  const { size } = await handle.stat();
  const reader = new ChunkedReader(handle, size, chunkBytes);
  const header = await reader.bytes(0, HEADER_BYTES);
  if (!header) throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} is shorter than its header`);
  if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(24) !== crc32(header, 0, 24)) {
    throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} has a damaged header`);
  }
  const version = header.readUInt32LE(4);
  if (version !== FORMAT_VERSION)
    throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} has unknown format version ${version}`);
  const generation = Number(header.readBigUInt64LE(8));
  const snapshotBytes = Number(header.readBigUInt64LE(16));
  if (HEADER_BYTES + snapshotBytes > size) {
    throw new JournalError('E_JOURNAL_CORRUPT', `journal segment ${file} is shorter than its snapshot`);
  }
  const records: unknown[] = [];
  let offset = HEADER_BYTES;
  for (;;) {
    const frame = await readFrame(reader, offset);
    if (!frame) break;
    records.push(frame.record);
    offset = frame.end;
  }
  const recovery =
    `The journal is left untouched. To recover, restore ${path.dirname(file)} from a backup, or, accepting the loss ` +
    `of every record from this point on, cut the segment there (truncate -s ${offset} ${file}) and start again.`;
  // The snapshot was fsync'd before the segment got its name, so damage inside it is not a torn tail.
  if (offset < HEADER_BYTES + snapshotBytes) {
    throw new JournalError(
      'E_JOURNAL_CORRUPT',
      `journal segment ${file} has a damaged snapshot at byte ${offset}. ${recovery}`,
    );
  }
  // Only the last write can be torn by a crash: a valid frame after the damage means the damage is in
  // the middle of the journal, and truncating there would drop acknowledged records.
  const next = offset < size ? await findValidFrameAfter(reader, offset, size) : undefined;
  if (next !== undefined) {
    throw new JournalError(
      'E_JOURNAL_CORRUPT',
      `journal segment ${file} is damaged at byte ${offset} (a valid record follows at byte ${next}), not just at its tail. ${recovery}`,
    );
  }
  return { generation, snapshotBytes, records, validEnd: offset, size };
}

/** The whole, valid frame at `offset` (length, checksum and JSON all check out), or undefined. */
async function readFrame(reader: ChunkedReader, offset: number): Promise<{ record: unknown; end: number } | undefined> {
  const frameHeader = await reader.bytes(offset, FRAME_OVERHEAD);
  if (!frameHeader) return undefined;
  const length = frameHeader.readUInt32LE(0);
  const expectedCrc = frameHeader.readUInt32LE(4);
  if (length === 0 || length > MAX_RECORD_BYTES) return undefined;
  const lengthState = crc32Update(CRC32_INIT, frameHeader, 0, 4);
  const payload = await reader.bytes(offset + FRAME_OVERHEAD, length);
  if (!payload) return undefined;
  if (crc32Finish(crc32Update(lengthState, payload)) !== expectedCrc) return undefined;
  try {
    return { record: JSON.parse(payload.toString('utf8')) as unknown, end: offset + FRAME_OVERHEAD + length };
  } catch {
    return undefined;
  }
}

/**
 * The offset of the first valid frame after damaged bytes at `from`, if any. Records are JSON objects or
 * values, so only positions whose payload starts like JSON are tried; a checksum decides.
 */
async function findValidFrameAfter(reader: ChunkedReader, from: number, size: number): Promise<number | undefined> {
  const window = 1024 * 1024;
  for (let base = from + 1; base + FRAME_OVERHEAD < size; base += window) {
    const span = Math.min(window + FRAME_OVERHEAD + 1, size - base);
    const bytes = await reader.bytes(base, span);
    if (!bytes) return undefined;
    for (let i = 0; i < Math.min(window, span - FRAME_OVERHEAD); i++) {
      const first = bytes[i + FRAME_OVERHEAD];
      // '{', '[', '"', digits, '-', 't', 'f', 'n': the first byte of a JSON text.
      if (first === undefined || !isJsonStart(first)) continue;
      const length = bytes.readUInt32LE(i);
      if (length === 0 || length > size - (base + i + FRAME_OVERHEAD)) continue;
      if (await readFrame(reader, base + i)) return base + i;
    }
  }
  return undefined;
}

function isJsonStart(byte: number): boolean {
  return (
    byte === 0x7b ||
    byte === 0x5b ||
    byte === 0x22 ||
    byte === 0x2d ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x74 ||
    byte === 0x66 ||
    byte === 0x6e
  );
}

async function writeFully(handle: JournalFileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at byte ${position + done}`);
    done += bytesWritten;
  }
}

async function acquireLock(dir: string, waitMs: number | undefined): Promise<DirLock> {
  try {
    return await lockDirectory(dir, waitMs);
  } catch (err) {
    if (err instanceof DirLockError && err.code === 'E_DIR_LOCKED') {
      throw new JournalError('E_JOURNAL_LOCKED', err.message, { cause: err });
    }
    throw err;
  }
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
async function installSegment(
  fs: JournalFileSystem,
  dir: string,
  generation: number,
  snapshot: { pieces: Buffer[]; bytes: number },
  stats: JournalStats,
): Promise<void> {
  const finalPath = path.join(dir, segmentName(generation));
  const tempPath = `${finalPath}.tmp`;
  try {
    const handle = await fs.open(tempPath, 'w');
    try {
      await writeFully(handle, encodeHeader(generation, snapshot.bytes), 0);
      let position = HEADER_BYTES;
      for (const piece of snapshot.pieces) {
        await writeFully(handle, piece, position);
        position += piece.length;
      }
      stats.bytesWritten += HEADER_BYTES + snapshot.bytes;
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
  | {
      kind: 'compact';
      snapshot: { pieces: Buffer[]; bytes: number };
      resolve: () => void;
      reject: (err: Error) => void;
    };

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
    private readonly lock: DirLock,
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

  compact(snapshot: Iterable<unknown>): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    let frames: { pieces: Buffer[]; bytes: number };
    try {
      frames = encodeSnapshot(snapshot);
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
      await this.lock.release();
    }
  }

  private refusal(): Error | undefined {
    if (this.closing) return new JournalError('E_JOURNAL_CLOSED', `journal ${this.dir} is closed`);
    if (this.failure) return this.failedError(this.failure);
    return undefined;
  }

  private failedError(failure: Error): JournalError {
    return new JournalError(
      'E_JOURNAL_FAILED',
      `journal ${this.dir} failed earlier and accepts no more writes: ${failure.message}`,
      {
        cause: failure,
      },
    );
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
      const ioError = new JournalError('E_JOURNAL_IO', `journal ${this.dir} write failed: ${this.failure.message}`, {
        cause: err,
      });
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

  private async runCompaction(snapshot: { pieces: Buffer[]; bytes: number }): Promise<void> {
    const nextGeneration = this.generation + 1;
    try {
      await installSegment(this.fs, this.dir, nextGeneration, snapshot, this.stats);
    } catch (err) {
      // Nothing was renamed: the current segment is still the journal and stays usable.
      throw new JournalError('E_JOURNAL_IO', `journal ${this.dir} compaction failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      await syncDirectory(this.fs, this.dir, this.stats);
      const newHandle = await this.fs.open(path.join(this.dir, segmentName(nextGeneration)), 'r+');
      const oldHandle = this.handle;
      const oldGeneration = this.generation;
      this.handle = newHandle;
      this.generation = nextGeneration;
      this.position = HEADER_BYTES + snapshot.bytes;
      this.appendedBytes = 0;
      this.stats.compactions++;
      await oldHandle.close().catch(() => undefined);
      // A leftover older segment is harmless (the highest generation wins) and is removed on the next open.
      await this.fs.unlink(path.join(this.dir, segmentName(oldGeneration))).catch(() => undefined);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw new JournalError(
        'E_JOURNAL_IO',
        `journal ${this.dir} compaction failed after the new segment was installed: ${this.failure.message}`,
        {
          cause: err,
        },
      );
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
  const lock = await acquireLock(dir, options.lockWaitMs);
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
      await installSegment(fs, dir, current, { pieces: [], bytes: 0 }, stats);
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
    const journal = new FileJournal(fs, dir, windowMs, lock, handle, current, segment.validEnd, appendedBytes, stats);
    return { journal, records: segment.records };
  } catch (err) {
    await lock.release();
    throw err;
  }
}
