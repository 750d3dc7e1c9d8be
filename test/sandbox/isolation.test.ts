// Isolation detection, the refusal path, the weaker fallbacks and the replacement of dead workers.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childPids, descendantPids } from './procs';
import { createSandbox, isolationReport, SandboxError, SandboxIsolationError } from '../../sandbox/index';
import { fitRunLimits } from '../../sandbox/isolation';

const socketProbe = [
  'import socket',
  'def f():',
  '    try:',
  '        socket.create_connection(("1.1.1.1", 53), timeout=0.3)',
  '        return "connected"',
  '    except OSError as e:',
  '        return type(e).__name__',
].join('\n');

const hostIsRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('sandbox: isolation', () => {
  let savedEnv: string | undefined;
  beforeEach(() => {
    savedEnv = process.env.SINQ_ALLOW_WEAK_ISOLATION;
    delete process.env.SINQ_ALLOW_WEAK_ISOLATION;
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.SINQ_ALLOW_WEAK_ISOLATION;
    else process.env.SINQ_ALLOW_WEAK_ISOLATION = savedEnv;
  });

  it('reports the layers of this host', () => {
    const report = isolationReport();
    expect(report.rlimits).toBe(true);
    expect(report.privateDirectory).toBe(true);
    expect(report.root).toBe(hostIsRoot);
    if (report.bubblewrap) expect(report.network).toBe('bubblewrap');
    else expect(report.notes.join('\n')).toMatch(/bubblewrap/);
  });

  it('fits missing limits to the memory budget and refuses explicit ones that exceed it', () => {
    const gib = 2 ** 30;
    const base = { workers: 2, maxInFlightPerWorker: 4, processLimit: undefined, memoryLimitBytes: undefined, memoryBudgetBytes: 12 * gib, sharedUid: false };
    // 2 × 4 runs × 32 processes × 1 GiB would be 256 GiB: processes go down to 2, then memory.
    expect(fitRunLimits(base)).toEqual({ processesPerRun: 2, memoryPerProcessBytes: 768 << 20, worstCaseBytes: 12 * gib, budgetBytes: 12 * gib });
    // Sharing a uid, each worker's pool has 8 spare slots: 2 × (4 × 2 + 8) × 384 MiB.
    expect(fitRunLimits({ ...base, sharedUid: true })).toMatchObject({ processesPerRun: 2, memoryPerProcessBytes: 384 << 20 });
    // A roomy budget keeps the defaults.
    expect(fitRunLimits({ ...base, memoryBudgetBytes: 300 * gib })).toMatchObject({ processesPerRun: 32, memoryPerProcessBytes: gib });
    // Explicit memory stays; processes are fitted around it.
    expect(fitRunLimits({ ...base, memoryLimitBytes: 256 << 20 })).toMatchObject({ processesPerRun: 6, memoryPerProcessBytes: 256 << 20 });
    // Both explicit; memory explicit and too big even for 2 processes; processes explicit and
    // leaving under 96 MiB each.
    expect(() => fitRunLimits({ ...base, processLimit: 32, memoryLimitBytes: gib })).toThrow(/memory budget/);
    expect(() => fitRunLimits({ ...base, memoryLimitBytes: 2 * gib })).toThrow(/memory budget/);
    expect(() => fitRunLimits({ ...base, processLimit: 32 })).toThrow(/under 96 MiB per process/);
    expect(() => fitRunLimits({ ...base, memoryBudgetBytes: 0 })).toThrow(/memoryBudgetBytes must be a positive integer/);
  });

  it('reports what is missing when layers are absent', () => {
    const report = isolationReport({ noBubblewrap: true, noNamespaces: true, notRoot: true });
    expect(report).toMatchObject({ network: 'none', bubblewrap: false, userNamespaces: false, root: false });
    expect(report.notes.join('\n')).toMatch(/bubblewrap/);
    expect(report.notes.join('\n')).toMatch(/no network namespace/);
  });

  it('refuses to start without network isolation and says how to fix it', async () => {
    const attempt = createSandbox({ workers: 1, pretend: { noBubblewrap: true, noNamespaces: true } });
    await expect(attempt).rejects.toBeInstanceOf(SandboxIsolationError);
    const err = (await attempt.catch((e: unknown) => e)) as SandboxIsolationError;
    expect(err.code).toBe('E_WEAK_ISOLATION');
    expect(err.message).toContain('apt-get install bubblewrap');
    expect(err.message).toContain('SINQ_ALLOW_WEAK_ISOLATION=1');
    expect(err.report.network).toBe('none');
  });

  it('runs with weak isolation only when explicitly allowed', async () => {
    process.env.SINQ_ALLOW_WEAK_ISOLATION = '1';
    const sandbox = await createSandbox({ workers: 1, pretend: { noBubblewrap: true, noNamespaces: true } });
    try {
      expect(sandbox.isolation().network).toBe('none');
      const outcome = await sandbox.run({ source: 'def f(x):\n    return x * 3\n', entryPoint: 'f', input: '{"x": 5}' });
      expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'int', v: '15' } });
      // Here the run directory is on the host: it must be gone once the run is over.
      const leaveMess = [
        'import os',
        'def f():',
        '    open("junk", "w").write("x")',
        '    os.makedirs("a/b/c")',
        '    for i in range(200):',
        '        open("a/b/c/%d" % i, "w").write("y")',
        '    os.chmod("a/b", 0)',
        '    return os.getcwd()',
      ].join('\n');
      const where = await sandbox.run({ source: leaveMess, entryPoint: 'f', input: '{}' });
      expect(where.kind).toBe('returned');
      if (where.kind === 'returned' && where.value.t === 'str') expect(existsSync(where.value.v)).toBe(false);
      else throw new Error(`unexpected ${JSON.stringify(where)}`);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses the namespace-only fallback without bubblewrap: it would expose the host file system', async () => {
    // The fallback once wrote a file on the host and read the host's /proc/1/cmdline, as root.
    const report = isolationReport({ noBubblewrap: true });
    expect(report.filesystem).toBe('host');
    expect(report.seccomp).toBe(false);
    const attempt = createSandbox({ workers: 1, pretend: { noBubblewrap: true } });
    await expect(attempt).rejects.toBeInstanceOf(SandboxIsolationError);
    const err = (await attempt.catch((e: unknown) => e)) as SandboxIsolationError;
    expect(err.message).toContain('apt-get install bubblewrap python3-seccomp');
    expect(err.message).toMatch(/host file system/);
  });

  it('refuses bubblewrap without the seccomp filter and says which package builds it', async () => {
    const report = isolationReport({ noSeccomp: true });
    expect(report.seccomp).toBe(false);
    expect(report.notes.join('\n')).toContain('python3-seccomp');
    await expect(createSandbox({ workers: 1, pretend: { noSeccomp: true } })).rejects.toBeInstanceOf(SandboxIsolationError);
  });

  it.skipIf(!isolationReport({ noBubblewrap: true }).userNamespaces && !hostIsRoot)('falls back to a network namespace without bubblewrap when weak isolation is allowed', async () => {
    const sandbox = await createSandbox({ workers: 1, pretend: { noBubblewrap: true }, allowWeakIsolation: true });
    try {
      expect(sandbox.isolation().network).toBe('namespace');
      const outcome = await sandbox.run({ source: socketProbe, entryPoint: 'f', input: '{}' });
      expect(outcome.kind).toBe('returned');
      if (outcome.kind === 'returned') expect(outcome.value).not.toEqual({ t: 'str', v: 'connected' });
      const timeout = await sandbox.run({ source: 'def f():\n    while True:\n        pass\n', entryPoint: 'f', input: '{}', timeoutMs: 300 });
      expect(timeout.kind).toBe('timeout');
    } finally {
      await sandbox.close();
    }
  });

  it.skipIf(!isolationReport({ noBubblewrap: true }).userNamespaces && !hostIsRoot)('keeps the runs of several workers sharing one runs directory apart', async () => {
    const sandbox = await createSandbox({ workers: 2, maxInFlightPerWorker: 4, pretend: { noBubblewrap: true }, allowWeakIsolation: true });
    try {
      const source = 'import os\ndef f(x):\n    open("mine", "x").write(str(x))\n    return os.listdir(".")\n';
      const outcomes = await Promise.all(Array.from({ length: 24 }, (_, x) => sandbox.run({ source, entryPoint: 'f', input: `{"x": ${x}}` })));
      for (const outcome of outcomes) expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'list', v: [{ t: 'str', v: 'mine' }] } });
    } finally {
      await sandbox.close();
    }
  });

  it('replaces a worker killed from outside and runs the runs in flight on it again on the new one', async () => {
    // Runs keep the zygote's uid here, but each run's seccomp filter lets it signal only itself
    // (and the zygote, pid 1 of its namespace, would ignore a SIGKILL from inside anyway).
    // Killed from outside, the zygote is replaced; its death is the sandbox's failure, not the
    // program's, so the run in flight is started again on the replacement.
    const before = new Set(childPids());
    const sandbox = await createSandbox({ workers: 1, pretend: { notRoot: true } });
    try {
      const killer = await sandbox.run({ source: 'import os\ndef f():\n    os.kill(os.getppid(), 9)\n    return os.getppid()\n', entryPoint: 'f', input: '{}' });
      expect(killer).toMatchObject({ kind: 'raised', type: 'PermissionError' });
      const [launcher] = childPids().filter((pid) => !before.has(pid));
      expect(launcher).toBeDefined();
      const first = descendantPids(launcher!);
      const inFlight = sandbox.run({ source: 'import time\ndef f():\n    time.sleep(1)\n    return "slept"\n', entryPoint: 'f', input: '{}', timeoutMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const pid of first.slice(1)) process.kill(Number(pid), 'SIGKILL');
      expect(await inFlight).toMatchObject({ kind: 'returned', value: { t: 'str', v: 'slept' } });
      const after = await sandbox.run({ source: 'def f():\n    return "alive"\n', entryPoint: 'f', input: '{}' });
      expect(after).toMatchObject({ kind: 'returned', value: { t: 'str', v: 'alive' } });
      // The replacement is a new process: the killed one is gone.
      const now = childPids().filter((pid) => !before.has(pid)).flatMap((pid) => descendantPids(pid));
      expect(now.some((pid) => first.slice(1).includes(pid))).toBe(false);
    } finally {
      await sandbox.close();
    }
  });

  it('replaces a wedged worker after the watchdog grace and runs its runs again on the new one', async () => {
    const before = new Set(childPids());
    const sandbox = await createSandbox({ workers: 1, watchdogGraceMs: 300 });
    try {
      const [zygote] = childPids().filter((pid) => !before.has(pid));
      expect(zygote).toBeDefined();
      // bwrap puts the zygote in a session of its own: stop every descendant.
      for (const pid of descendantPids(zygote!)) process.kill(Number(pid), 'SIGSTOP');
      const stuck = await sandbox.run({ source: 'def f():\n    return 1\n', entryPoint: 'f', input: '{}', timeoutMs: 200 });
      // The wedge is the sandbox's failure, not the program's: retried on the replacement.
      expect(stuck).toMatchObject({ kind: 'returned', value: { t: 'int', v: '1' } });
      const after = await sandbox.run({ source: 'def f():\n    return 2\n', entryPoint: 'f', input: '{}' });
      expect(after).toMatchObject({ kind: 'returned', value: { t: 'int', v: '2' } });
    } finally {
      await sandbox.close();
    }
  });

  it('ends runs in flight on close as crashed, rejects runs after it, and leaves no processes behind', async () => {
    const sandbox = await createSandbox({ workers: 2 });
    await sandbox.run({ source: 'def f():\n    return 1\n', entryPoint: 'f', input: '{}' });
    const inFlight = sandbox.run({ source: 'import time\ndef f():\n    time.sleep(30)\n', entryPoint: 'f', input: '{}', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sandbox.close();
    expect(await inFlight).toMatchObject({ kind: 'crashed', reason: expect.stringMatching(/closed/) as unknown });
    await expect(sandbox.run({ source: 'def f():\n    return 1\n', entryPoint: 'f', input: '{}' })).rejects.toBeInstanceOf(SandboxError);
    expect(childPids()).toEqual([]);
  });
});
