// Hostile programs: each is classified, the pool still answers afterwards, and nothing outside the
// run directory changes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../game/types';
import { createSandbox, type Sandbox } from '../../sandbox/index';
import { alongsideHonest, makeCanary, readProc, sandboxModes } from './modes';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const marker = `sinq-hostile-${process.pid}-${Date.now()}`;

function procStat(pid: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

/** Processes below this one that are not zombies. */
function liveDescendants(): string[] {
  const all = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid));
  const found = [String(process.pid)];
  for (let i = 0; i < found.length; i++) for (const pid of all) if (procStat(pid)?.[1] === found[i]) found.push(pid);
  return found.slice(1).filter((pid) => procStat(pid)?.[0] !== 'Z');
}

function uidOf(pid: string): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

function py(lines: string[]): string {
  return lines.join('\n') + '\n';
}

for (const mode of sandboxModes()) describe.skipIf(mode.skip)(`sandbox (${mode.name}): hostile programs`, () => {
  let sandbox: Sandbox;
  let hostTmp: string;

  beforeAll(async () => {
    process.env.SINQ_TEST_SECRET = 'hunter2-secret-value';
    hostTmp = mkdtempSync(path.join(os.tmpdir(), 'sinq-hostile-host-'));
    sandbox = await createSandbox({ workers: 2, defaultTimeoutMs: 1000, memoryLimitBytes: 256 << 20, memoryBudgetBytes: 8 * 2 ** 30, ...mode.options });
  });
  afterAll(async () => {
    delete process.env.SINQ_TEST_SECRET;
    await sandbox?.close();
    rmSync(hostTmp, { recursive: true, force: true });
  });

  async function run(source: string, timeoutMs = 1000, input = '{}'): Promise<Outcome> {
    const outcome = await sandbox.run({ source, entryPoint: 'f', input, timeoutMs });
    // The pool must still answer a trivial run afterwards.
    const check = await sandbox.run({ source: 'def f(x):\n    return x + 1\n', entryPoint: 'f', input: '{"x": 1}' });
    expect(check).toMatchObject({ kind: 'returned', value: { t: 'int', v: '2' } });
    return outcome;
  }

  it('an infinite loop times out', async () => {
    const outcome = await run(py(['def f():', '    while True:', '        pass']), 700);
    expect(outcome).toMatchObject({ kind: 'timeout', limitMs: 700 });
  });

  it('a fork bomb is contained and times out', async () => {
    const outcome = await run(py(['import os', 'def f():', '    while True:', '        try:', '            os.fork()', '        except OSError:', '            pass']), 1000);
    expect(outcome.kind).toBe('timeout');
  });

  it('a fork bomb that gives up on the process limit raises', async () => {
    const outcome = await run(py(['import os', 'def f():', '    while True:', '        os.fork()']), 1000);
    expect(['raised', 'timeout']).toContain(outcome.kind);
    if (outcome.kind === 'raised') expect(outcome.type).toBe('BlockingIOError');
  });

  it('allocating 10 GiB crashes as out of memory', async () => {
    const outcome = await run(py(['def f():', '    return len(bytearray(10 * 2**30))']));
    expect(outcome).toMatchObject({ kind: 'crashed', reason: 'out of memory' });
  });

  it('deep recursion raises RecursionError', async () => {
    const outcome = await run(py(['def f(n=0):', '    return f(n + 1)']));
    expect(outcome).toMatchObject({ kind: 'raised', type: 'RecursionError' });
  });

  it('unbounded recursion with the limit lifted does not return', async () => {
    const outcome = await run(py(['import sys', 'sys.setrecursionlimit(10**8)', 'def f(n=0):', '    return f(n + 1) + 1']), 1500);
    expect(['crashed', 'timeout']).toContain(outcome.kind);
  });

  it('sys.exit(3) is a raised SystemExit', async () => {
    const outcome = await run(py(['import sys', 'def f():', '    sys.exit(3)']));
    expect(outcome).toMatchObject({ kind: 'raised', type: 'SystemExit', message: '3' });
  });

  it('os._exit crashes with its code', async () => {
    const outcome = await run(py(['import os', 'def f():', '    os._exit(0)']));
    expect(outcome.kind).toBe('crashed');
    if (outcome.kind === 'crashed') expect(outcome.reason).toMatch(/exited with code 0/);
  });

  it('killing the parent, pid 1 and everything else visible fails or kills only the run', async () => {
    const parent = await run(py(['import os, signal', 'def f():', '    os.kill(os.getppid(), signal.SIGKILL)', '    return 1']));
    if (sandbox.isolation().root) {
      // Each run has a uid of its own: the zygote is out of its reach.
      expect(parent).toMatchObject({ kind: 'raised', type: 'PermissionError' });
    } else {
      // Same uid as the zygote: the run may kill it; the pool replaces it (checked by run()).
      expect(parent.kind === 'raised' || (parent.kind === 'crashed' && /sandbox worker died/.test(parent.reason))).toBe(true);
    }
    const all = await run(py(['import os, signal', 'def f():', '    os.kill(-1, signal.SIGKILL)', '    return 1']));
    // Nothing else it may signal (the zygote is pid 1, the other runs have other uids): no such
    // process; sharing a uid, its own seccomp filter refuses the call.
    if (all.kind === 'raised') expect(all.type).toBe(sandbox.isolation().runUid === 'own' ? 'ProcessLookupError' : 'PermissionError');
    else expect(['crashed', 'returned']).toContain(all.kind);
  });

  it('tampering with signals and alarms does not escape the limit', async () => {
    const source = py([
      'import signal',
      'def f():',
      '    for s in (signal.SIGXCPU, signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):',
      '        signal.signal(s, signal.SIG_IGN)',
      '    signal.alarm(0)',
      '    signal.setitimer(signal.ITIMER_REAL, 0)',
      '    while True:',
      '        pass',
    ]);
    expect(await run(source, 800)).toMatchObject({ kind: 'timeout', limitMs: 800 });
  });

  it('writes into the project tree, $HOME and /tmp do not reach the host', async () => {
    const home = os.homedir();
    const targets = [path.join(repoRoot, marker), path.join(home, marker), path.join('/tmp', marker), path.join(hostTmp, marker)];
    const source = py([
      'import os',
      'def f(paths):',
      '    results = []',
      '    for p in paths:',
      '        try:',
      '            with open(p, "w") as fh:',
      '                fh.write("owned")',
      '            results.append("wrote")',
      '        except OSError as e:',
      '            results.append(type(e).__name__)',
      '    with open("inside.txt", "w") as fh:',
      '        fh.write("ok")',
      '    return results',
    ]);
    const outcome = await run(source, 1000, JSON.stringify({ paths: targets }));
    expect(outcome.kind).toBe('returned');
    for (const target of targets) expect(existsSync(target), target).toBe(false);
    // (Other files may come and go here meanwhile: only this run's marker matters.)
    for (const dir of [repoRoot, home, '/tmp']) expect(readdirSync(dir).filter((name) => name.includes(marker))).toEqual([]);
    expect(readdirSync(hostTmp)).toEqual([]);
  });

  it('cannot open a socket to a server on 127.0.0.1', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const source = py([
        'import socket',
        'def f(port):',
        '    try:',
        '        socket.create_connection(("127.0.0.1", port), timeout=0.5)',
        '        return "connected"',
        '    except OSError as e:',
        '        return type(e).__name__',
      ]);
      const outcome = await run(source, 1500, `{"port": ${port}}`);
      expect(outcome.kind).toBe('returned');
      if (outcome.kind === 'returned') expect(outcome.value).not.toEqual({ t: 'str', v: 'connected' });
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('sees no secrets in its environment', async () => {
    const source = py([
      'import os',
      'def f():',
      '    seen = dict(os.environ)',
      '    for pid in os.listdir("/proc"):',
      '        if pid.isdigit():',
      '            try:',
      '                seen[pid] = open("/proc/%s/environ" % pid, "rb").read().decode("latin-1")',
      '            except OSError:',
      '                pass',
      '    return repr(seen)',
    ]);
    const outcome = await run(source);
    expect(outcome.kind).toBe('returned');
    expect(JSON.stringify(outcome)).not.toContain('hunter2-secret-value');
  });

  it('printing 100 MB is discarded and the value still returned', async () => {
    const outcome = await run(py(['import sys, os', 'def f():', '    print("x" * 10**8)', '    sys.stderr.write("y" * 10**6)', '    os.write(1, b"z" * 10**6)', '    return 7']), 3000);
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'int', v: '7' } });
  });

  it('objects whose __eq__, __hash__, __repr__ or __reduce__ raise or loop still come back', async () => {
    const source = py([
      'class Bad:',
      '    def __eq__(self, other): raise RuntimeError("eq")',
      '    def __hash__(self): raise RuntimeError("hash")',
      '    def __repr__(self): raise RuntimeError("repr")',
      '    def __reduce__(self): raise RuntimeError("reduce")',
      'class Loop:',
      '    def __repr__(self):',
      '        while True:',
      '            pass',
      '    def __eq__(self, other):',
      '        while True:',
      '            pass',
      'class E(Exception):',
      '    def __str__(self): raise RuntimeError("str")',
      'def f(kind):',
      '    if kind == "raise":',
      '        raise E()',
      '    return [Bad(), Loop()]',
    ]);
    const outcome = await run(source, 2000, '{"kind": "return"}');
    expect(outcome).toMatchObject({
      kind: 'returned',
      value: {
        t: 'list',
        v: [
          { t: 'object', type: '__sinq_program__.Bad', repr: '<repr failed: RuntimeError>' },
          { t: 'object', type: '__sinq_program__.Loop', repr: expect.stringMatching(/^<repr failed/) as unknown },
        ],
      },
    });
    const raised = await run(source, 2000, '{"kind": "raise"}');
    expect(raised).toMatchObject({ kind: 'raised', type: '__sinq_program__.E', message: '<str failed: RuntimeError>' });
  });

  it('a recursive container is encoded without looping', async () => {
    const outcome = await run(py(['def f():', '    a = [1]', '    a.append(a)', '    return a']));
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'list', v: [{ t: 'int', v: '1' }, { t: 'object', type: 'list' }] } });
  });

  it('a 10^7-element result is an outcome, not a crash of the pool', async () => {
    const outcome = await run(py(['def f():', '    return [0] * 10**7']), 3000);
    expect(outcome.kind).toBe('crashed');
    if (outcome.kind === 'crashed') expect(outcome.reason).toMatch(/result too large/);
  });

  it('a deeply nested result is an outcome', async () => {
    const outcome = await run(py(['def f():', '    a = []', '    for _ in range(10000):', '        a = [a]', '    return a']));
    expect(outcome.kind).toBe('crashed');
    if (outcome.kind === 'crashed') expect(outcome.reason).toMatch(/nested deeper/);
  });

  it('closing fds 1 and 2 does not matter; closing every fd is a crash', async () => {
    const outcome = await run(py(['import os', 'def f():', '    os.close(1)', '    os.close(2)', '    print("lost")', '    return 5']));
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'int', v: '5' } });
    const all = await run(py(['import os', 'def f():', '    os.closerange(0, 4096)', '    return 5']));
    expect(all).toMatchObject({ kind: 'crashed', reason: 'program closed the result channel' });
  });

  it('threads still running after return do not hold the run', async () => {
    const outcome = await run(
      py(['import threading', 'def spin():', '    while True:', '        pass', 'def f():', '    threading.Thread(target=spin).start()', '    return "done"']),
      2000,
    );
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'str', v: 'done' } });
    expect(outcome.durationMs).toBeLessThan(2000);
  });

  it('a run cannot forge a timeout through its result channel', async () => {
    const source = py([
      'import os',
      'def f():',
      '    for fd in range(3, 64):',
      '        try:',
      '            os.write(fd, b\'{"kind": "timeout", "limitMs": 1, "durationMs": 0}\')',
      '            os._exit(0)',
      '        except OSError:',
      '            pass',
    ]);
    const outcome = await run(source);
    expect(outcome).toMatchObject({ kind: 'crashed', reason: expect.stringMatching(/cannot report its own timeout/) as unknown });
  });

  it('a ctypes segfault crashes with the signal', async () => {
    const outcome = await run(py(['import ctypes', 'def f():', '    return ctypes.string_at(0)']));
    expect(outcome).toMatchObject({ kind: 'crashed', reason: 'killed by SIGSEGV' });
  });

  it('a forked process that returns does not report twice', async () => {
    const outcome = await run(py(['import os', 'def f():', '    os.fork()', '    return os.getpid() > 0']));
    expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'bool', v: true } });
  });

  it('a daemon and an unreadable tree left behind are cleaned up', async () => {
    const source = py([
      'import os, time',
      'def f():',
      '    os.makedirs("a/b")',
      '    open("a/b/x", "w").write("x")',
      '    os.chmod("a/b", 0)',
      '    os.chmod("a", 0)',
      '    r, w = os.pipe()',
      '    if os.fork() == 0:',
      '        os.setsid()',
      '        os.write(w, b"!")',
      '        while True:',
      '            time.sleep(0.1)',
      '    os.read(r, 1)  # the daemon has left our process group',
      '    return "left"',
    ]);
    expect(await run(source)).toMatchObject({ kind: 'returned', value: { t: 'str', v: 'left' } });
    if (sandbox.isolation().root) {
      // Runs have uids of their own: nothing may still run under one of them.
      let leftovers: string[] = [];
      for (let i = 0; i < 20; i++) {
        leftovers = liveDescendants().filter((pid) => uidOf(pid) !== 0);
        if (leftovers.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(leftovers).toEqual([]);
    }
  });

  it('writing past the file-size limit or filling the scratch space fails inside the run only', async () => {
    const big = await run(py(['def f():', '    with open("big", "wb") as fh:', '        fh.write(b"x" * (64 << 20))']), 3000);
    expect(big).toMatchObject({ kind: 'raised', type: 'OSError' });
    const fill = py([
      'def f():',
      '    n = 0',
      '    try:',
      '        while n < 100000:',
      '            with open("f%d" % n, "wb") as fh:',
      '                fh.write(b"x" * (8 << 20))',
      '            n += 1',
      '    except OSError as e:',
      '        return [n, e.errno]',
      '    return [n, 0]',
    ]);
    const filled = await run(fill, 5000);
    expect(filled.kind).toBe('returned');
    if (filled.kind === 'returned' && sandbox.isolation().network === 'bubblewrap') {
      // Stopped by the zygote's tmpfs size (ENOSPC = 28), well before 100000 files.
      expect(filled.value).toMatchObject({ t: 'list', v: [{ t: 'int' }, { t: 'int', v: '28' }] });
    }
    // The space is given back when the run directory is removed.
    const after = await run(py(['def f():', '    with open("g", "wb") as fh:', '        fh.write(b"y" * (8 << 20))', '    return "ok"']), 3000);
    expect(after).toMatchObject({ kind: 'returned', value: { t: 'str', v: 'ok' } });
  });
});

// Programs that go after the host, other runs or the zygote, in every mode the sandbox supports.
// Each is checked three ways: its outcome, the host unchanged, honest runs beside it unaffected.
for (const mode of sandboxModes()) {
  describe.skipIf(mode.skip)(`sandbox (${mode.name}): confinement`, () => {
    let sandbox: Sandbox;
    let canary: string;
    const hostShm = (): string[] => readdirSync('/dev/shm').sort();
    let shmBefore: string[];

    beforeAll(async () => {
      canary = makeCanary();
      shmBefore = hostShm();
      // A budget that makes the fitted limits small enough to exercise here.
      sandbox = await createSandbox({ workers: 2, defaultTimeoutMs: 5000, memoryBudgetBytes: 8 * 2 ** 30, ...mode.options });
    });
    afterAll(async () => {
      await sandbox?.close();
      rmSync(canary, { recursive: true, force: true });
      expect(hostShm()).toEqual(shmBefore);
    });

    function hostile(source: string, timeoutMs = 5000, input = '{}'): Promise<Outcome> {
      return alongsideHonest(sandbox, canary, { source, entryPoint: 'f', input, timeoutMs });
    }

    /** Processes (threads included) one run can have at most: its own, or the worker's shared pool. */
    function processCap(): number {
      const limits = sandbox.isolation().limits!;
      return sandbox.isolation().runUid === 'own' ? limits.processesPerRun : limits.processesPerRun * 4 + 8;
    }

    it('fits its limits so that everything in flight cannot map more than the budget', () => {
      const limits = sandbox.isolation().limits!;
      expect(limits.budgetBytes).toBe(8 * 2 ** 30);
      expect(limits.worstCaseBytes).toBeLessThanOrEqual(limits.budgetBytes);
      expect(limits.processesPerRun).toBeGreaterThanOrEqual(2);
    });

    it('a memory bomb spread over many processes maps no more than processes × address space', async () => {
      const source = py([
        'import os, time',
        'def f():',
        '    r, w = os.pipe()',
        '    kids = 0',
        '    for _ in range(200):',
        '        try:',
        '            pid = os.fork()',
        '        except OSError:',
        '            break',
        '        if pid == 0:',
        '            held = []',
        '            try:',
        '                while True:',
        '                    held.append(bytearray(16 << 20))',
        '            except MemoryError:',
        '                pass',
        '            n = len(held)',
        '            held = None',
        '            os.write(w, b"%d\\n" % n)',
        '            time.sleep(30)',
        '        kids += 1',
        '    text = b""',
        '    while text.count(b"\\n") < kids:',
        '        text += os.read(r, 4096)',
        '    return [kids, sum(int(n) for n in text.split())]',
      ]);
      const outcome = await hostile(source, 15_000);
      expect(outcome.kind).toBe('returned');
      if (outcome.kind !== 'returned' || outcome.value.t !== 'list') throw new Error(JSON.stringify(outcome));
      const [kids, chunks] = outcome.value.v.map((item) => (item.t === 'int' ? Number(item.v) : NaN));
      const limits = sandbox.isolation().limits!;
      expect(kids! + 1).toBeLessThanOrEqual(processCap());
      expect(kids!).toBeGreaterThan(0);
      expect(chunks! * (16 << 20)).toBeLessThanOrEqual((kids! + 1) * limits.memoryPerProcessBytes);
    });

    it('a thread bomb stops at the process limit and the run reports it', async () => {
      const source = py([
        'import threading',
        'def f():',
        '    done = threading.Event()',
        '    n = 0',
        '    try:',
        '        while n < 100000:',
        '            threading.Thread(target=done.wait, daemon=True).start()',
        '            n += 1',
        '    except RuntimeError:',
        '        done.set()',
        '        return ["stopped", n]',
        '    done.set()',
        '    return ["all started", n]',
      ]);
      const outcome = await hostile(source);
      expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'list', v: [{ t: 'str', v: 'stopped' }, { t: 'int' }] } });
      if (outcome.kind === 'returned' && outcome.value.t === 'list' && outcome.value.v[1]?.t === 'int') {
        expect(Number(outcome.value.v[1].v)).toBeLessThan(processCap());
      }
    });

    it("cannot open the zygote's or other runs' /proc entries to write into their pipes", async () => {
      const source = py([
        'import os',
        'FORGED = b\'{"kind":"returned","value":{"t":"str","v":"forged"},"durationMs":1}\'',
        'def f():',
        '    me = os.getpid()',
        '    reached = []',
        '    for _ in range(20):',
        '        for pid in os.listdir("/proc"):',
        '            if not pid.isdigit() or int(pid) == me:',
        '                continue',
        '            for entry in ("environ", "mem", "cwd/.", "root/tmp"):',
        '                try:',
        '                    os.stat("/proc/%s/%s" % (pid, entry)) if "/" in entry else os.close(os.open("/proc/%s/%s" % (pid, entry), os.O_RDONLY))',
        '                    reached.append("%s/%s" % (pid, entry))',
        '                except OSError:',
        '                    pass',
        '            try:',
        '                fds = os.listdir("/proc/%s/fd" % pid)',
        '            except OSError:',
        '                continue',
        '            for fd in fds:',
        '                try:',
        '                    h = os.open("/proc/%s/fd/%s" % (pid, fd), os.O_WRONLY | os.O_NONBLOCK)',
        '                    os.write(h, FORGED)',
        '                    reached.append("%s/fd/%s" % (pid, fd))',
        '                except OSError:',
        '                    pass',
        '    return sorted(set(reached))',
      ]);
      const outcome = await hostile(source, 5000);
      expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'list', v: [] } });
    });

    it('cannot signal, renice or re-limit the zygote or other runs', async () => {
      const source = py([
        'import os, resource, signal, time',
        'def f():',
        '    me = os.getpid()',
        '    reached = []',
        '    def attempt(what, call):',
        '        try:',
        '            call()',
        '            reached.append(what)',
        '        except OSError:',
        '            pass',
        '    for _ in range(10):',
        '        for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]:',
        '            attempt("renice %d" % pid, lambda: os.setpriority(os.PRIO_PROCESS, pid, 19))',
        '            attempt("limit %d" % pid, lambda: resource.prlimit(pid, resource.RLIMIT_CPU, (0, 0)))',
        '            attempt("stop %d" % pid, lambda: os.kill(pid, signal.SIGSTOP))',
        '            attempt("kill %d" % pid, lambda: os.kill(pid, signal.SIGKILL))',
        '        attempt("renice all", lambda: os.setpriority(os.PRIO_USER, 0, 19))',
        '        attempt("kill all", lambda: os.kill(-1, signal.SIGKILL))',
        '        time.sleep(0.02)',
        '    return sorted(set(reached))',
      ]);
      const outcome = await hostile(source);
      // With a uid of its own, "all of my uid" is the run itself: allowed, and harmless.
      const own = sandbox.isolation().runUid === 'own' ? ['kill all', 'renice all'] : [];
      expect(outcome.kind).toBe('returned');
      if (outcome.kind !== 'returned' || outcome.value.t !== 'list') throw new Error(JSON.stringify(outcome));
      const reached = outcome.value.v.map((item) => (item.t === 'str' ? item.v : JSON.stringify(item)));
      expect(reached.filter((what) => !own.includes(what))).toEqual([]);
    });

    it('cannot create a user namespace (unshare, clone flags, clone3, the unshare tool)', async () => {
      const source = py([
        'import ctypes, errno, subprocess',
        'def f():',
        '    libc = ctypes.CDLL(None, use_errno=True)',
        '    CLONE_NEWUSER = 0x10000000',
        '    results = []',
        '    results.append(["unshare", libc.unshare(CLONE_NEWUSER), errno.errorcode.get(ctypes.get_errno())])',
        '    # clone(CLONE_NEWUSER | SIGCHLD) through the raw system call (56 on x86_64)',
        '    rc = libc.syscall(56, CLONE_NEWUSER | 17, 0, 0, 0, 0)',
        '    if rc == 0:',
        '        libc._exit(0)',
        '    results.append(["clone", rc, errno.errorcode.get(ctypes.get_errno())])',
        '    rc = libc.syscall(435, 0, 0)  # clone3',
        '    results.append(["clone3", rc, errno.errorcode.get(ctypes.get_errno())])',
        '    results.append(["setns", libc.setns(0, CLONE_NEWUSER), errno.errorcode.get(ctypes.get_errno())])',
        '    try:',
        '        tool = subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode',
        '    except OSError as e:',
        '        tool = type(e).__name__',
        '    results.append(["tool", tool])',
        '    return results',
      ]);
      const outcome = await hostile(source);
      expect(outcome).toMatchObject({
        kind: 'returned',
        value: {
          t: 'list',
          v: [
            { t: 'list', v: [{ v: 'unshare' }, { v: '-1' }, { v: 'EPERM' }] },
            { t: 'list', v: [{ v: 'clone' }, { v: '-1' }, { v: 'EPERM' }] },
            { t: 'list', v: [{ v: 'clone3' }, { v: '-1' }, { v: 'ENOSYS' }] },
            { t: 'list', v: [{ v: 'setns' }, { v: '-1' }, {}] },
            { t: 'list', v: [{ v: 'tool' }, {}] },
          ],
        },
      });
      if (outcome.kind === 'returned' && outcome.value.t === 'list') {
        const tool = outcome.value.v[4];
        expect(tool?.t === 'list' ? tool.v[1] : undefined).not.toEqual({ t: 'int', v: '0' });
      }
    });

    it('mounts, ptrace and keyrings are refused by the seccomp filter', async () => {
      const source = py([
        'import ctypes, errno',
        'def f():',
        '    libc = ctypes.CDLL(None, use_errno=True)',
        '    out = []',
        '    for name, call in (',
        '        ("mount", lambda: libc.mount(b"none", b".", b"tmpfs", 0, None)),',
        '        ("ptrace", lambda: libc.ptrace(16, 1, 0, 0)),',
        '        ("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0)),',
        '        ("bpf", lambda: libc.syscall(321, 0, 0, 0)),',
        '    ):',
        '        rc = call()',
        '        out.append([name, rc, errno.errorcode.get(ctypes.get_errno())])',
        '    return out',
      ]);
      const outcome = await hostile(source);
      expect(outcome).toMatchObject({
        kind: 'returned',
        value: {
          t: 'list',
          v: ['mount', 'ptrace', 'keyctl', 'bpf'].map((name) => ({ t: 'list', v: [{ v: name }, { v: '-1' }, { v: 'EPERM' }] })),
        },
      });
    });

    it("reads no host file outside the interpreter's and sees the sandbox's own pid 1", async () => {
      const hostInit = readProc('/proc/1/cmdline');
      const source = py([
        'def f(paths):',
        '    seen = {}',
        '    for p in paths:',
        '        try:',
        '            with open(p, "rb") as fh:',
        '                seen[p] = fh.read(200).decode("latin-1")',
        '        except OSError as e:',
        '            seen[p] = type(e).__name__',
        '    return seen',
      ]);
      const paths = [path.join(canary, 'canary.txt'), '/etc/shadow', '/etc/passwd', path.join(repoRoot, 'package.json'), '/proc/1/cmdline'];
      const outcome = await hostile(source, 5000, JSON.stringify({ paths }));
      expect(outcome.kind).toBe('returned');
      if (outcome.kind !== 'returned' || outcome.value.t !== 'dict') throw new Error(JSON.stringify(outcome));
      const seen = new Map(outcome.value.v.map(([key, value]) => [key.t === 'str' ? key.v : '', value.t === 'str' ? value.v : '']));
      for (const hidden of paths.slice(0, 4)) expect(seen.get(hidden), hidden).toBe('FileNotFoundError');
      expect(seen.get('/proc/1/cmdline')).not.toBe(hostInit);
    });

    it('/dev/shm and /dev are read-only; the host /dev/shm is untouched', async () => {
      const source = py([
        'def f():',
        '    out = []',
        '    for p in ("/dev/shm/sinq-fill", "/dev/sinq-fill"):',
        '        try:',
        '            with open(p, "wb") as fh:',
        '                fh.write(b"x" * (64 << 20))',
        '            out.append("wrote")',
        '        except OSError as e:',
        '            out.append(type(e).__name__)',
        '    return out',
      ]);
      const outcome = await hostile(source);
      expect(outcome).toMatchObject({ kind: 'returned', value: { t: 'list', v: [{ t: 'str', v: 'OSError' }, { t: 'str', v: 'OSError' }] } });
      expect(existsSync('/dev/shm/sinq-fill')).toBe(false);
    });
  });
}
