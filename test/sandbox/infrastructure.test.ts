// Sandbox failures are not program behaviour: a zygote that dies must not turn the honest runs in
// flight on it into divergences. Non-root mode, where runs share their zygote's uid: a run that
// tries to kill its zygote is refused (seccomp, and the zygote is pid 1 of its namespace), and a
// zygote killed from outside costs the runs in flight on it a retry, never their verdict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInfrastructureFailure } from '../../game/compare';
import { verifyPlay } from '../../game/verify';
import { createSandbox, isolationReport, type Sandbox } from '../../sandbox/index';
import { forgedReportSource } from './modes';
import { childPids, descendantPids } from './procs';

const report = isolationReport();
const slowDouble = ['import time', 'def f(x):', '    time.sleep(0.4)', '    return 2 * x'].join('\n');
const slowDoubleToo = ['import time', 'def f(x):', '    time.sleep(0.4)', '    return x + x'].join('\n');
const zygoteKiller = ['import os, signal, time', 'def f(x):', '    time.sleep(0.1)', '    os.kill(os.getppid(), signal.SIGKILL)', '    return 2 * x'].join('\n');

describe.skipIf(!report.bubblewrap)('sandbox: a run that kills its zygote', () => {
  let sandbox: Sandbox;
  let before: Set<string>;
  beforeAll(async () => {
    before = new Set(childPids());
    // One zygote: every run below is in flight on the one the killer reaches.
    sandbox = await createSandbox({ workers: 1, maxInFlightPerWorker: 8, defaultTimeoutMs: 3000, pretend: { notRoot: true } });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('leaves the verdicts of honest runs in flight on a zygote unchanged when a run tries to kill it and when it is killed', async () => {
    const limitMs = 3000;
    const zygote = childPids().filter((pid) => !before.has(pid));
    expect(zygote).toHaveLength(1);
    const zygoteTree = descendantPids(zygote[0]!).slice(1);
    const honest = [1, 2, 3].map((x) =>
      sandbox.runPair({ original: slowDouble, variant: slowDoubleToo, entryPoint: 'f', input: `{"x": ${x}}`, timeoutMs: limitMs }),
    );
    const hostile = sandbox.runPair({ original: slowDouble, variant: zygoteKiller, entryPoint: 'f', input: '{"x": 5}', timeoutMs: limitMs });
    // The hostile run's attempt comes first (0.1 s); then the zygote dies from outside (0.25 s)
    // while every honest run is still sleeping on it.
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const pid of zygoteTree) process.kill(Number(pid), 'SIGKILL');
    const pairs = await Promise.all(honest);
    for (const [i, pair] of pairs.entries()) {
      expect(pair.original).toMatchObject({ kind: 'returned', value: { t: 'int', v: String(2 * (i + 1)) } });
      expect(pair.variant).toMatchObject({ kind: 'returned', value: { t: 'int', v: String(2 * (i + 1)) } });
      expect(verifyPlay({ originalOutcome: pair.original, variantOutcome: pair.variant, limitMs })).toMatchObject({
        valid: false,
        reason: 'no-divergence',
      });
    }
    const killer = await hostile;
    expect(killer.original).toMatchObject({ kind: 'returned', value: { t: 'int', v: '10' } });
    // Its kill is refused: that is the program's own behaviour, judged like any other.
    expect(killer.variant).toMatchObject({ kind: 'raised', type: 'PermissionError' });
    expect(isInfrastructureFailure(killer.variant)).toBe(false);
  }, 60_000);

  it('runs ended by closing the sandbox are sandbox failures, judged inconclusive', async () => {
    const closing = await createSandbox({ workers: 1, defaultTimeoutMs: 3000 });
    const inFlight = closing.runPair({ original: slowDouble, variant: slowDoubleToo, entryPoint: 'f', input: '{"x": 1}' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    const pair = await inFlight;
    expect(isInfrastructureFailure(pair.original) || isInfrastructureFailure(pair.variant)).toBe(true);
    expect(verifyPlay({ originalOutcome: pair.original, variantOutcome: pair.variant, limitMs: 3000 })).toMatchObject({
      valid: false,
      reason: 'inconclusive-sandbox',
    });
  });

  it('a run cannot claim a sandbox failure in its own report', async () => {
    const forger = forgedReportSource(
      'json.dumps({"kind": "crashed", "reason": "sandbox worker has no free run slot", "durationMs": 0, "infrastructure": True}).encode()',
      ['import json'],
    );
    const outcome = await sandbox.run({ source: forger, entryPoint: 'f', input: '{}' });
    expect(isInfrastructureFailure(outcome)).toBe(false);
    expect(outcome).toMatchObject({ kind: 'crashed', reason: 'malformed report: a run cannot report a sandbox failure' });
  });
});
