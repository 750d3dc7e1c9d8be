// Progress of a run on a terminal: one line rewritten in place; nothing when stderr is not a TTY.

export interface Progress {
  update(done: number): void;
  finish(): void;
}

export function createProgress(
  label: string,
  total: number,
  resumed: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  const started = Date.now();
  let last = 0;
  const draw = (done: number): void => {
    const seconds = (Date.now() - started) / 1000;
    const fresh = done - resumed;
    const rate = fresh > 0 ? fresh / seconds : 0;
    const eta = rate > 0 ? ` ~${Math.ceil((total - done) / rate)} s left` : '';
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    stream.write(
      `\r\x1b[2K${label}: ${done}/${total} queries (${percent} %${resumed > 0 ? `, ${resumed} resumed` : ''})${eta}`,
    );
  };
  draw(resumed);
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      draw(done);
    },
    finish() {
      stream.write('\n');
    },
  };
}
