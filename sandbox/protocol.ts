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
        if (length > this.maxFrameBytes)
          throw new Error(`zygote frame of ${length} bytes exceeds ${this.maxFrameBytes}`);
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
  z.object({ kind: z.literal('returned'), value: z.unknown(), durationMs: duration }).strict(),
  z.object({ kind: z.literal('raised'), type: z.string(), message: z.string(), durationMs: duration }).strict(),
  z.object({ kind: z.literal('timeout'), limitMs: z.number(), durationMs: duration }).strict(),
  // `infrastructure` is believed only from the zygote's own outcomes (a run's report is refused with it).
  z.object({ kind: z.literal('crashed'), reason: z.string(), durationMs: duration, infrastructure: z.literal(true).optional() }).strict(),
  z.object({ kind: z.literal('invalid'), reason: z.string(), durationMs: duration }).strict(),
]);

export const readySchema = z.object({
  ready: z.literal(true),
  pid: z.number(),
  uidDrop: z.boolean(),
  pidNamespace: z.boolean(),
});

/** Payload kinds of a zygote frame (see sandbox/py/zygote.py). A run report starts with the
 * zygote's own measure of the run, a big-endian float64 of milliseconds. */
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

/** Splits a run report payload into the zygote's duration and the run's own bytes. */
export function splitRunReport(payload: Buffer): { durationMs: number; report: Buffer } | undefined {
  if (payload.length < 8) return undefined;
  const durationMs = payload.readDoubleBE(0);
  if (!Number.isFinite(durationMs) || durationMs < 0) return undefined;
  return { durationMs, report: payload.subarray(8) };
}

function isFiniteTag(v: unknown): boolean {
  return finite.safeParse(v).success;
}

/** Caps a value from a run must respect before Node believes it (the same caps the run enforces). */
export interface ValueLimits {
  maxNodes: number;
  /** Deepest nesting level, the root being level 0. */
  maxDepth: number;
  /** Decimal digits of an int (Python's own int-to-str limit is 4300). */
  maxIntDigits: number;
  /** Characters of all strings, bytes (base64) and reprs together. */
  maxTextChars: number;
}

/** Generous defaults for values that did not come through a configured sandbox. */
export const DEFAULT_VALUE_LIMITS: ValueLimits = {
  maxNodes: 200_000,
  maxDepth: 100,
  maxIntDigits: 4300,
  maxTextChars: 24 << 20,
};

const INT_TEXT = /^-?\d+$/;

/**
 * Why `root` is not a canonical value tree within `limits`, or undefined when it is. Iterative and
 * linear in the size of the tree, so a forged value cannot make Node recurse or stall.
 */
export function pyValueProblem(root: unknown, limits: ValueLimits): string | undefined {
  const stack: Array<[unknown, number]> = [[root, 0]];
  let seen = 0;
  let text = 0;
  const addText = (chars: number): boolean => (text += chars) <= limits.maxTextChars;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (++seen > limits.maxNodes) return `more than ${limits.maxNodes} values`;
    if (depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return 'a value is not a tagged node';
    const n = node as Record<string, unknown>;
    switch (n.t) {
      case 'none':
        break;
      case 'bool':
        if (typeof n.v !== 'boolean') return 'a bool is not a boolean';
        break;
      case 'int':
        if (typeof n.v !== 'string') return 'an int is not a decimal string';
        if (n.v.length > limits.maxIntDigits + 1) return `an int has more than ${limits.maxIntDigits} digits`;
        if (!INT_TEXT.test(n.v)) return 'an int is not a decimal string';
        break;
      case 'float':
        if (!isFiniteTag(n.v)) return 'a float is not a number';
        break;
      case 'complex':
        if (!isFiniteTag(n.re) || !isFiniteTag(n.im)) return 'a complex is not two numbers';
        break;
      case 'str':
      case 'bytes':
        if (typeof n.v !== 'string') return `a ${n.t} is not a string`;
        if (!addText(n.v.length)) return `more than ${limits.maxTextChars} characters of text`;
        break;
      case 'list':
      case 'tuple':
      case 'set':
      case 'frozenset':
        if (!Array.isArray(n.v)) return `a ${n.t} has no items`;
        if (seen + stack.length + n.v.length > limits.maxNodes) return `more than ${limits.maxNodes} values`;
        for (const item of n.v as unknown[]) stack.push([item, depth + 1]);
        break;
      case 'dict':
        if (!Array.isArray(n.v)) return 'a dict has no items';
        if (seen + stack.length + 2 * n.v.length > limits.maxNodes) return `more than ${limits.maxNodes} values`;
        for (const pair of n.v as unknown[]) {
          if (!Array.isArray(pair) || pair.length !== 2) return 'a dict item is not a key/value pair';
          stack.push([pair[0], depth + 1], [pair[1], depth + 1]);
        }
        break;
      case 'object':
        if (typeof n.type !== 'string' || typeof n.repr !== 'string') return 'an object has no type and repr';
        if (!addText(n.type.length + n.repr.length)) return `more than ${limits.maxTextChars} characters of text`;
        break;
      default:
        return 'a value has an unknown tag';
    }
  }
  return undefined;
}

/** Checks a canonical value tree without recursion (it may be deep and wide). */
export function isPyValue(root: unknown, limits: ValueLimits): root is PyValue {
  return pyValueProblem(root, limits) === undefined;
}

const MALFORMED = 'malformed report';

/**
 * Turns an outcome payload (JSON text) into an Outcome, or a crashed one saying what was wrong with
 * it. `trustedDurationMs` is the zygote's (or Node's) clock around the run. `fromRun`: the payload
 * is the run's own report, which the program could have forged: its duration is replaced by the
 * trusted one, its value checked against `limits`, and it can never be a timeout or a sandbox
 * failure (only the zygote decides those).
 */
export function toOutcome(payload: Buffer, limits: ValueLimits, trustedDurationMs: number, fromRun = false): Outcome {
  const durationMs = trustedDurationMs;
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'crashed', reason: `${MALFORMED}: not JSON`, durationMs };
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) {
    return { kind: 'crashed', reason: `${MALFORMED}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, durationMs };
  }
  const outcome = parsed.data;
  if (!fromRun) return outcome.kind === 'returned' ? checkedReturn(outcome.value, limits, outcome.durationMs) : outcome;
  if (outcome.kind === 'timeout') {
    return { kind: 'crashed', reason: `${MALFORMED}: a run cannot report its own timeout`, durationMs };
  }
  if (outcome.kind === 'returned') return checkedReturn(outcome.value, limits, durationMs);
  if (outcome.kind === 'crashed' && outcome.infrastructure !== undefined) {
    // Else a variant could make any input it dislikes unjudgeable.
    return { kind: 'crashed', reason: `${MALFORMED}: a run cannot report a sandbox failure`, durationMs };
  }
  return { ...outcome, durationMs };
}

function checkedReturn(value: unknown, limits: ValueLimits, durationMs: number): Outcome {
  const problem = pyValueProblem(value, limits);
  if (problem !== undefined) return { kind: 'crashed', reason: `${MALFORMED}: value ${problem}`, durationMs };
  return { kind: 'returned', value: value as PyValue, durationMs };
}
