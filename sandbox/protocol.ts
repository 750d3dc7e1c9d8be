// Frames between Node and a zygote: 4-byte big-endian length + UTF-8 JSON. Replies are validated,
// values included, because their contents come from inside the untrusted process.
import { z } from 'zod';
import type { Outcome, PyValue } from '../game/types';

export interface ZygoteRequest {
  id: number;
  source: string;
  entry: string;
  input: string;
  timeoutMs: number;
}

export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** Splits a byte stream into frames; throws on a frame larger than `maxFrameBytes`. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being received, once its header is in. */
  private expected: number | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (true) {
      if (this.expected === undefined) {
        if (this.buffered < 4) break;
        if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
        const length = this.chunks[0]!.readUInt32BE(0);
        if (length > this.maxFrameBytes) throw new Error(`zygote frame of ${length} bytes exceeds ${this.maxFrameBytes}`);
        this.expected = length;
      }
      // Join the chunks only once the whole frame is here (large results arrive in many chunks).
      if (this.buffered < 4 + this.expected) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      frames.push(all.subarray(4, 4 + this.expected));
      const rest = all.subarray(4 + this.expected);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.expected = undefined;
    }
    return frames;
  }
}

const finite = z.union([z.number(), z.enum(['nan', 'inf', '-inf'])]);
const duration = z.number().nonnegative();

const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('returned'), value: z.unknown(), durationMs: duration }),
  z.object({ kind: z.literal('raised'), type: z.string(), message: z.string(), durationMs: duration }),
  z.object({ kind: z.literal('timeout'), limitMs: z.number(), durationMs: duration }),
  z.object({ kind: z.literal('crashed'), reason: z.string(), durationMs: duration }),
  z.object({ kind: z.literal('invalid'), reason: z.string(), durationMs: duration }),
]);

export const readySchema = z.object({ ready: z.literal(true), pid: z.number(), uidDrop: z.boolean(), pidNamespace: z.boolean() });

/** Payload kinds of a zygote frame (see sandbox/py/zygote.py). */
export const FrameKind = { outcome: 0, runReport: 1, ready: 2 } as const;

export interface ZygoteFrame {
  id: number;
  kind: number;
  payload: Buffer;
}

/** Splits a zygote frame body into run id, kind and payload. */
export function parseZygoteFrame(body: Buffer): ZygoteFrame | undefined {
  if (body.length < 5) return undefined;
  return { id: body.readUInt32BE(0), kind: body.readUInt8(4), payload: body.subarray(5) };
}

function isFiniteTag(v: unknown): boolean {
  return finite.safeParse(v).success;
}

/** Checks a canonical value tree without recursion (it may be deep and wide). */
export function isPyValue(root: unknown, maxNodes: number): root is PyValue {
  const stack: unknown[] = [root];
  let seen = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    if (++seen > maxNodes) return false;
    if (typeof node !== 'object' || node === null) return false;
    const n = node as Record<string, unknown>;
    switch (n.t) {
      case 'none':
        break;
      case 'bool':
        if (typeof n.v !== 'boolean') return false;
        break;
      case 'int':
        if (typeof n.v !== 'string' || !/^-?\d+$/.test(n.v)) return false;
        break;
      case 'float':
        if (!isFiniteTag(n.v)) return false;
        break;
      case 'complex':
        if (!isFiniteTag(n.re) || !isFiniteTag(n.im)) return false;
        break;
      case 'str':
      case 'bytes':
        if (typeof n.v !== 'string') return false;
        break;
      case 'list':
      case 'tuple':
      case 'set':
      case 'frozenset':
        if (!Array.isArray(n.v)) return false;
        for (const item of n.v as unknown[]) stack.push(item);
        break;
      case 'dict':
        if (!Array.isArray(n.v)) return false;
        for (const pair of n.v as unknown[]) {
          if (!Array.isArray(pair) || pair.length !== 2) return false;
          stack.push(pair[0], pair[1]);
        }
        break;
      case 'object':
        if (typeof n.type !== 'string' || typeof n.repr !== 'string') return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Turns an outcome payload (JSON text) into an Outcome, or a crashed one saying what was wrong with
 * it. `fromRun`: the payload is the run's own report, which can never legitimately be a timeout
 * (only the zygote decides those).
 */
export function toOutcome(payload: Buffer, maxNodes: number, fallbackDurationMs: number, fromRun = false): Outcome {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'crashed', reason: 'malformed report from the run: not JSON', durationMs: fallbackDurationMs };
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) {
    return { kind: 'crashed', reason: `malformed report from the run: ${parsed.error.issues[0]?.message ?? 'invalid'}`, durationMs: fallbackDurationMs };
  }
  const outcome = parsed.data;
  if (fromRun && outcome.kind === 'timeout') {
    return { kind: 'crashed', reason: 'malformed report from the run: a run cannot report its own timeout', durationMs: fallbackDurationMs };
  }
  if (outcome.kind === 'returned') {
    if (!isPyValue(outcome.value, maxNodes + 1)) {
      return { kind: 'crashed', reason: 'malformed report from the run: value is not a canonical tree', durationMs: outcome.durationMs };
    }
    return { kind: 'returned', value: outcome.value, durationMs: outcome.durationMs };
  }
  return outcome;
}
