import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, isPyValue, toOutcome } from '../../sandbox/protocol';

describe('sandbox protocol', () => {
  it('reassembles frames split at any byte boundary', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));
        const decoder = new FrameDecoder(1 << 20);
        const out: unknown[] = [];
        let offset = 0;
        for (const cut of cuts) {
          if (offset >= stream.length) break;
          for (const frame of decoder.push(stream.subarray(offset, offset + cut))) out.push(JSON.parse(frame.toString('utf8')));
          offset += cut;
        }
        if (offset < stream.length) for (const frame of decoder.push(stream.subarray(offset))) out.push(JSON.parse(frame.toString('utf8')));
        expect(out).toEqual(messages.map((m) => JSON.parse(JSON.stringify(m)) as unknown));
      }),
    );
  });

  it('refuses an oversized frame', () => {
    const decoder = new FrameDecoder(10);
    expect(() => decoder.push(encodeFrame('x'.repeat(100)))).toThrow(/exceeds/);
  });

  it('accepts canonical trees and rejects forged ones', () => {
    expect(isPyValue({ t: 'list', v: [{ t: 'int', v: '-12' }, { t: 'dict', v: [[{ t: 'str', v: 'a' }, { t: 'float', v: 'nan' }]] }] }, 100)).toBe(true);
    expect(isPyValue({ t: 'int', v: 12 }, 100)).toBe(false);
    expect(isPyValue({ t: 'int', v: '1e3' }, 100)).toBe(false);
    expect(isPyValue({ t: 'dict', v: [[{ t: 'none' }]] }, 100)).toBe(false);
    expect(isPyValue({ t: 'float', v: 'Infinity' }, 100)).toBe(false);
    expect(isPyValue({ t: 'code', v: 'x' }, 100)).toBe(false);
    expect(isPyValue({ t: 'list', v: [{ t: 'none' }, { t: 'none' }] }, 2)).toBe(false);
  });

  it('turns a malformed run report into a crashed outcome', () => {
    expect(toOutcome(Buffer.from('{"kind": "returned"'), 10, 5)).toMatchObject({ kind: 'crashed', reason: expect.stringMatching(/not JSON/) as unknown });
    expect(toOutcome(Buffer.from('{"kind": "won", "durationMs": 1}'), 10, 5)).toMatchObject({ kind: 'crashed', reason: expect.stringMatching(/malformed/) as unknown });
    expect(toOutcome(Buffer.from('{"kind": "returned", "value": {"t": "int", "v": 3}, "durationMs": 1}'), 10, 5)).toMatchObject({ kind: 'crashed' });
    expect(toOutcome(Buffer.from('{"kind": "raised", "type": "ValueError", "message": "m", "durationMs": 1}'), 10, 5)).toEqual({
      kind: 'raised',
      type: 'ValueError',
      message: 'm',
      durationMs: 1,
    });
  });
});
