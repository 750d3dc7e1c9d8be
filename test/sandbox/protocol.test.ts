import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOutcomes, compareValues, ValueTooDeepError } from '../../game/compare';
import type { PyValue } from '../../game/types';
import { encodeFrame, FrameDecoder, isPyValue, toOutcome, type ValueLimits } from '../../sandbox/protocol';

const limits = (maxNodes: number): ValueLimits => ({
  maxNodes,
  maxDepth: 100,
  maxIntDigits: 4300,
  maxTextChars: 1 << 20,
});

describe('sandbox protocol', () => {
  it('reassembles frames split at any byte boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));
          const decoder = new FrameDecoder(1 << 20);
          const out: unknown[] = [];
          let offset = 0;
          for (const cut of cuts) {
            if (offset >= stream.length) break;
            for (const frame of decoder.push(stream.subarray(offset, offset + cut)))
              out.push(JSON.parse(frame.toString('utf8')));
            offset += cut;
          }
          if (offset < stream.length)
            for (const frame of decoder.push(stream.subarray(offset))) out.push(JSON.parse(frame.toString('utf8')));
          expect(out).toEqual(messages.map((m) => JSON.parse(JSON.stringify(m)) as unknown));
        },
      ),
    );
  });

  it('refuses an oversized frame', () => {
    const decoder = new FrameDecoder(10);
    expect(() => decoder.push(encodeFrame('x'.repeat(100)))).toThrow(/exceeds/);
  });

  it('accepts canonical trees and rejects forged ones', () => {
    expect(
      isPyValue(
        {
          t: 'list',
          v: [
            { t: 'int', v: '-12' },
            {
              t: 'dict',
              v: [
                [
                  { t: 'str', v: 'a' },
                  { t: 'float', v: 'nan' },
                ],
              ],
            },
          ],
        },
        limits(100),
      ),
    ).toBe(true);
    expect(isPyValue({ t: 'int', v: 12 }, limits(100))).toBe(false);
    expect(isPyValue({ t: 'int', v: '1e3' }, limits(100))).toBe(false);
    expect(isPyValue({ t: 'dict', v: [[{ t: 'none' }]] }, limits(100))).toBe(false);
    expect(isPyValue({ t: 'float', v: 'Infinity' }, limits(100))).toBe(false);
    expect(isPyValue({ t: 'code', v: 'x' }, limits(100))).toBe(false);
    expect(isPyValue({ t: 'list', v: [{ t: 'none' }, { t: 'none' }] }, limits(2))).toBe(false);
  });

  it('turns a malformed run report into a crashed outcome', () => {
    expect(toOutcome(Buffer.from('{"kind": "returned"'), limits(10), 5)).toMatchObject({
      kind: 'crashed',
      reason: expect.stringMatching(/not JSON/) as unknown,
    });
    expect(toOutcome(Buffer.from('{"kind": "won", "durationMs": 1}'), limits(10), 5)).toMatchObject({
      kind: 'crashed',
      reason: expect.stringMatching(/malformed/) as unknown,
    });
    expect(
      toOutcome(Buffer.from('{"kind": "returned", "value": {"t": "int", "v": 3}, "durationMs": 1}'), limits(10), 5),
    ).toMatchObject({ kind: 'crashed' });
    expect(
      toOutcome(
        Buffer.from('{"kind": "raised", "type": "ValueError", "message": "m", "durationMs": 1}'),
        limits(10),
        5,
      ),
    ).toEqual({
      kind: 'raised',
      type: 'ValueError',
      message: 'm',
      durationMs: 1,
    });
  });

  function nested(depth: number): PyValue {
    let value: PyValue = { t: 'none' };
    for (let i = 0; i < depth; i++) value = { t: 'list', v: [value] };
    return value;
  }

  it('refuses a forged report nested 20,000 deep without recursing', () => {
    // Written as text: JSON.stringify itself would overflow the stack on such a value.
    const value = '{"t":"list","v":['.repeat(20_000) + '{"t":"none"}' + ']}'.repeat(20_000);
    const payload = Buffer.from(`{"kind":"returned","value":${value},"durationMs":1}`);
    const outcome = toOutcome(payload, limits(1_000_000), 7, true);
    expect(outcome).toEqual({
      kind: 'crashed',
      reason: 'malformed report: value nested deeper than 100 levels',
      durationMs: 7,
    });
  });

  it('refuses a forged int over 4300 digits before any BigInt is made', () => {
    const payload = Buffer.from(
      JSON.stringify({ kind: 'returned', value: { t: 'int', v: '9'.repeat(8_000_000) }, durationMs: 1 }),
    );
    const started = performance.now();
    const outcome = toOutcome(payload, limits(10), 3, true);
    expect(outcome).toMatchObject({
      kind: 'crashed',
      reason: 'malformed report: value an int has more than 4300 digits',
    });
    // Linear work only: far below the seconds a BigInt of 8 million digits costs.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(
      toOutcome(
        Buffer.from(JSON.stringify({ kind: 'returned', value: { t: 'int', v: '9'.repeat(4300) }, durationMs: 1 })),
        limits(10),
        3,
        true,
      ).kind,
    ).toBe('returned');
  });

  it('refuses forged text over the size cap and extra fields', () => {
    const big = {
      kind: 'returned',
      value: {
        t: 'list',
        v: [
          { t: 'str', v: 'x'.repeat(600_000) },
          { t: 'bytes', v: 'y'.repeat(600_000) },
        ],
      },
      durationMs: 1,
    };
    expect(toOutcome(Buffer.from(JSON.stringify(big)), limits(10), 3, true)).toMatchObject({
      kind: 'crashed',
      reason: expect.stringMatching(/^malformed report: value more than/) as unknown,
    });
    const extra = { kind: 'raised', type: 'ValueError', message: 'm', durationMs: 1, verdict: 'different' };
    expect(toOutcome(Buffer.from(JSON.stringify(extra)), limits(10), 3, true)).toMatchObject({
      kind: 'crashed',
      reason: expect.stringMatching(/^malformed report/) as unknown,
    });
  });

  it("replaces a run's own duration with the trusted one", () => {
    const forged = { kind: 'returned', value: { t: 'none' }, durationMs: 0 };
    expect(toOutcome(Buffer.from(JSON.stringify(forged)), limits(10), 1234.5, true)).toEqual({
      kind: 'returned',
      value: { t: 'none' },
      durationMs: 1234.5,
    });
    const raised = { kind: 'raised', type: 'ValueError', message: 'm', durationMs: 0 };
    expect(toOutcome(Buffer.from(JSON.stringify(raised)), limits(10), 99, true)).toMatchObject({ durationMs: 99 });
  });

  it('compares values deeper than its bound as inconclusive, never a stack overflow', () => {
    const deep = nested(50_000);
    expect(() => compareValues(deep, deep)).toThrow(ValueTooDeepError);
    const a = { kind: 'returned' as const, value: deep, durationMs: 1 };
    expect(compareOutcomes(a, a, 1000)).toMatchObject({ relation: 'inconclusive' });
    expect(compareValues(nested(900), nested(900))).toBe(true);
  });
});
