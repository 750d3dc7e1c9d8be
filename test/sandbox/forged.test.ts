// A run that forges its own report or fakes its death: each is classified by the trusted side,
// leaves the host as it was, and honest runs in flight at the same time get their true outcomes.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../game/types';
import { createSandbox, type Sandbox } from '../../sandbox/index';
import { forgedReportSource as forger, hostSnapshot, makeCanary, sandboxModes } from './modes';

function py(lines: string[]): string {
  return lines.join('\n') + '\n';
}

const honestSource = py([
  'def f(x):',
  '    total = 0',
  '    for i in range(20000):',
  '        total += i % (x + 1)',
  '    return [x, total]',
]);

function honestExpected(x: number): Outcome['kind'] {
  return x >= 0 ? 'returned' : 'raised';
}

for (const mode of sandboxModes()) {
  describe.skipIf(mode.skip)(`sandbox (${mode.name}): forged reports and faked deaths`, () => {
    let sandbox: Sandbox;
    let canary: string;

    beforeAll(async () => {
      canary = makeCanary();
      sandbox = await createSandbox({ workers: 2, defaultTimeoutMs: 3000, ...mode.options });
    });
    afterAll(async () => {
      await sandbox?.close();
      rmSync(canary, { recursive: true, force: true });
    });

    /** The hostile run with honest runs in flight beside it; checks the honest ones and the host. */
    async function alongsideHonest(source: string, timeoutMs = 3000): Promise<Outcome> {
      const host = hostSnapshot(canary);
      const honest = Array.from({ length: 6 }, (_, x) =>
        sandbox.run({ source: honestSource, entryPoint: 'f', input: `{"x": ${x}}`, timeoutMs: 10_000 }),
      );
      const outcome = await sandbox.run({ source, entryPoint: 'f', input: '{}', timeoutMs });
      const results = await Promise.all(honest);
      results.forEach((result, x) => {
        expect(result.kind).toBe(honestExpected(x));
        let total = 0;
        for (let i = 0; i < 20000; i++) total += i % (x + 1);
        expect(result).toMatchObject({
          value: {
            t: 'list',
            v: [
              { t: 'int', v: String(x) },
              { t: 'int', v: String(total) },
            ],
          },
        });
      });
      expect(hostSnapshot(canary)).toEqual(host);
      return outcome;
    }

    it('a report nested 20,000 deep is a malformed report, not a crash of Node', async () => {
      const deep = `(b'{"kind":"returned","value":' + b'{"t":"list","v":[' * 20000 + b'{"t":"none"}' + b']}' * 20000 + b',"durationMs":1}')`;
      const outcome = await alongsideHonest(forger(deep));
      expect(outcome).toMatchObject({
        kind: 'crashed',
        reason: 'malformed report: value nested deeper than 100 levels',
      });
    });

    it('a forged 8-million-digit int is a malformed report, decided in linear time', async () => {
      const huge = `(b'{"kind":"returned","value":{"t":"int","v":"' + b'7' * 8000000 + b'"},"durationMs":1}')`;
      const outcome = await alongsideHonest(forger(huge));
      expect(outcome).toMatchObject({ kind: 'crashed', reason: expect.stringMatching(/^malformed report/) as unknown });
    });

    it('a forged duration is replaced by the zygote clock', async () => {
      const fast = `b'{"kind":"returned","value":{"t":"none"},"durationMs":0}'`;
      const outcome = await alongsideHonest(forger(fast, ['import time', 'time.sleep(1.2)']));
      expect(outcome.kind).toBe('returned');
      expect(outcome.durationMs).toBeGreaterThanOrEqual(1200);
    });

    it('SIGXCPU sent to itself is a crash with the signal name, not a timeout', async () => {
      const outcome = await alongsideHonest(
        py(['import os, signal', 'def f():', '    os.kill(os.getpid(), signal.SIGXCPU)']),
      );
      expect(outcome).toMatchObject({ kind: 'crashed', reason: 'killed by SIGXCPU' });
    });

    it('SIGKILL sent to itself early is a crash, not a timeout', async () => {
      const outcome = await alongsideHonest(
        py(['import os, signal, time', 'def f():', '    time.sleep(0.2)', '    os.kill(os.getpid(), signal.SIGKILL)']),
        1000,
      );
      expect(outcome).toMatchObject({ kind: 'crashed', reason: 'killed by SIGKILL' });
    });

    it('reaching the CPU limit is still a timeout', async () => {
      const outcome = await alongsideHonest(
        py([
          'import signal',
          'def f():',
          '    signal.signal(signal.SIGXCPU, signal.SIG_IGN)',
          '    while True:',
          '        pass',
        ]),
        1000,
      );
      expect(outcome).toMatchObject({ kind: 'timeout', limitMs: 1000 });
    });
  });
}
