// The modes the sandbox supports, for suites that must hold in each: root with bubblewrap (each
// run its own uid) and non-root (bubblewrap in an unprivileged user namespace, one shared uid).
// On a root host the non-root mode is real: the zygotes are started as `nobody` (setpriv).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Outcome } from '../../game/types';
import { isolationReport, type RunAsUser, type RunRequest, type Sandbox, type SandboxOptions } from '../../sandbox/index';

export interface SandboxMode {
  name: string;
  options: SandboxOptions;
  /** Why this host cannot run the mode, when it cannot. */
  skip: false | string;
}

/** The unprivileged user of this host (`nobody`), from /etc/passwd. */
function nobody(): RunAsUser | undefined {
  const line = readProc('/etc/passwd')
    ?.split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid !== undefined && gid !== undefined ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

/** An interpreter whose installation `user` can read (bwrap binds it): the default one, else the system's. */
function pythonFor(user: RunAsUser): string | undefined {
  for (const python of [process.env.SINQ_PYTHON ?? 'python3', '/usr/bin/python3']) {
    const [executable, prefix] = spawnSync(python, ['-c', 'import sys; print(sys.executable); print(sys.base_prefix)'], { encoding: 'utf8' }).stdout?.trim().split('\n') ?? [];
    if (!executable || !prefix) continue;
    const asUser = spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', 'ls', prefix, executable], { stdio: 'ignore' });
    if (asUser.status === 0) return executable;
  }
  return undefined;
}

function nonRootMode(hostIsRoot: boolean): SandboxMode {
  if (!hostIsRoot) {
    const report = isolationReport();
    return { name: 'non-root', options: {}, skip: report.bubblewrap ? false : 'needs bubblewrap' };
  }
  const user = nobody();
  const python = user && pythonFor(user);
  if (!user || !python) return { name: 'non-root (nobody)', options: {}, skip: 'no user nobody with a Python it can run' };
  const report = isolationReport({}, user);
  return { name: 'non-root (nobody)', options: { runAs: user, python }, skip: report.bubblewrap ? false : 'bubblewrap does not work for nobody' };
}

export function sandboxModes(): SandboxMode[] {
  const report = isolationReport();
  const root = report.root;
  return [
    {
      name: 'root with bubblewrap',
      options: {},
      skip: root && report.bubblewrap ? false : 'needs root and bubblewrap',
    },
    nonRootMode(root),
  ];
}

/** A host directory runs must never change (the suites point hostile programs at it). */
export function makeCanary(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-canary-'));
  writeFileSync(path.join(dir, 'canary.txt'), 'untouched');
  return dir;
}

/** What a run must never change on the host: the canary directory, the host's hostname file. */
export function hostSnapshot(canary: string): { canary: Record<string, string>; hostname: string | undefined } {
  const files: Record<string, string> = {};
  for (const name of readdirSync(canary).sort()) files[name] = readFileSync(path.join(canary, name), 'utf8');
  return { canary: files, hostname: readProc('/etc/hostname') };
}

export function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const honestSource = [
  'def f(x):',
  '    total = 0',
  '    for i in range(20000):',
  '        total += i % (x + 1)',
  '    return [x, total]',
  '',
].join('\n');

/**
 * Runs `hostile` with honest runs in flight beside it, then checks that every honest run got its
 * true value and that the host did not change; returns the hostile run's outcome.
 */
export async function alongsideHonest(sandbox: Sandbox, canary: string, hostile: RunRequest, honestRuns = 6): Promise<Outcome> {
  const host = hostSnapshot(canary);
  const honest = Array.from({ length: honestRuns }, (_, x) => sandbox.run({ source: honestSource, entryPoint: 'f', input: `{"x": ${x}}`, timeoutMs: 20_000 }));
  const outcome = await sandbox.run(hostile);
  const results = await Promise.all(honest);
  results.forEach((result, x) => {
    let total = 0;
    for (let i = 0; i < 20000; i++) total += i % (x + 1);
    expect(result).toMatchObject({ kind: 'returned', value: { t: 'list', v: [{ t: 'int', v: String(x) }, { t: 'int', v: String(total) }] } });
  });
  expect(hostSnapshot(canary)).toEqual(host);
  return outcome;
}

/** Writes `text` to the run's result pipe (the only pipe it holds) and exits as a clean run would. */
export function forgedReportSource(text: string, before: string[] = []): string {
  return [
    'import os',
    'def f():',
    ...before.map((line) => '    ' + line),
    `    data = ${text}`,
    '    for fd in range(3, 64):',
    '        try:',
    '            if os.readlink("/proc/self/fd/%d" % fd).startswith("pipe:"):',
    '                os.write(fd, data)',
    '        except OSError:',
    '            pass',
    '    os._exit(0)',
  ].join('\n') + '\n';
}
