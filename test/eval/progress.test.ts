// The TTY progress line: drawn in place on a terminal, silent otherwise.
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../eval/progress';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('eval progress', () => {
  it('rewrites one line with done/total and the resumed count, and ends it', () => {
    const { stream, written } = fakeStream(true);
    const progress = createProgress('identifier-swap judge:1b', 2000, 500, stream);
    progress.update(2000);
    progress.finish();
    expect(written[0]).toBe('\r\x1b[2Kidentifier-swap judge:1b: 500/2000 queries (25 %, 500 resumed)');
    expect(written[1]!.startsWith('\r\x1b[2Kidentifier-swap judge:1b: 2000/2000 queries (100 %, 500 resumed)')).toBe(
      true,
    );
    expect(written.at(-1)).toBe('\n');
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const progress = createProgress('x', 10, 0, stream);
    progress.update(5);
    progress.finish();
    expect(written).toEqual([]);
  });
});
