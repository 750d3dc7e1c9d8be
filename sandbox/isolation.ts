// What this host can do to confine a run, and how to start a zygote with the best of it.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { IsolationReport } from './api';
import { SandboxError } from './errors';

/** Pretend some layers are missing (to exercise the refusal and fallback paths on a capable host). */
export interface IsolationPretend {
  noBubblewrap?: boolean;
  noNamespaces?: boolean;
  notRoot?: boolean;
}

export interface HostProbe {
  root: boolean;
  bubblewrap: boolean;
  /** bwrap understands `--size` for a tmpfs (0.7+). */
  bubblewrapTmpfsSize: boolean;
  /** `unshare` can give a run its own network (and pid) namespace. */
  netNamespace: boolean;
  userNamespaces: boolean;
}

const pyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py');

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 5000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return result.status === 0;
}

const probeCache = new Map<string, HostProbe>();

export function probeHost(pretend: IsolationPretend = {}): HostProbe {
  const key = JSON.stringify(pretend);
  const cached = probeCache.get(key);
  if (cached) return cached;
  const root = !pretend.notRoot && typeof process.getuid === 'function' && process.getuid() === 0;
  const userNamespaces = !pretend.noNamespaces && succeeds('unshare', ['--user', '--map-root-user', '--net', 'true']);
  const netNamespace = !pretend.noNamespaces && (root ? succeeds('unshare', ['--net', '--pid', '--fork', 'true']) : userNamespaces);
  const bubblewrap =
    !pretend.noBubblewrap &&
    succeeds('bwrap', ['--unshare-net', '--unshare-pid', '--die-with-parent', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true']);
  const bubblewrapTmpfsSize = bubblewrap && (spawnSync('bwrap', ['--help'], { encoding: 'utf8', timeout: 5000 }).stdout ?? '').includes('--size');
  const probe = { root, bubblewrap, bubblewrapTmpfsSize, netNamespace, userNamespaces };
  probeCache.set(key, probe);
  return probe;
}

export function reportFor(probe: HostProbe): IsolationReport {
  const notes: string[] = [];
  const network: IsolationReport['network'] = probe.bubblewrap ? 'bubblewrap' : probe.netNamespace ? 'namespace' : 'none';
  if (!probe.bubblewrap) notes.push('bubblewrap (bwrap) is not installed or cannot create namespaces: the file system is not hidden from runs');
  if (!probe.userNamespaces) notes.push('unprivileged user namespaces are unavailable');
  if (!probe.root) notes.push('not running as root: runs share this user id, so the process-count limit is shared and runs can signal each other');
  if (network === 'none') notes.push('no network namespace: runs can open sockets');
  return { rlimits: true, privateDirectory: true, network, bubblewrap: probe.bubblewrap, userNamespaces: probe.userNamespaces, root: probe.root, notes };
}

/** Strong enough to run untrusted code: rlimits + private directory + no network. */
export function isolationSufficient(report: IsolationReport): boolean {
  return report.rlimits && report.privateDirectory && report.network !== 'none';
}

const pythonInfoSchema = z.object({ executable: z.string().min(1), prefix: z.string(), basePrefix: z.string(), path: z.array(z.string()) });
export type PythonInfo = z.infer<typeof pythonInfoSchema>;

const pythonCache = new Map<string, PythonInfo>();

/** Resolves the interpreter once (through shims such as pyenv) to a real path and its prefixes. */
export function resolvePython(python: string): PythonInfo {
  const cached = pythonCache.get(python);
  if (cached) return cached;
  const result = spawnSync(
    python,
    ['-I', '-c', 'import sys, json; print(json.dumps({"executable": sys.executable, "prefix": sys.prefix, "basePrefix": sys.base_prefix, "path": [p for p in sys.path if p]}))'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (result.status !== 0) {
    throw new SandboxError('E_PYTHON_NOT_FOUND', `cannot run '${python}' (${result.error?.message ?? result.stderr.trim() ?? 'no output'}); install python3 or set SINQ_PYTHON`);
  }
  let parsed: PythonInfo;
  try {
    parsed = pythonInfoSchema.parse(JSON.parse(result.stdout));
  } catch (err) {
    throw new SandboxError('E_PYTHON_NOT_FOUND', `'${python}' did not describe itself: ${(err as Error).message}`);
  }
  const info = { executable: realpathSync(parsed.executable), prefix: realpathSync(parsed.prefix), basePrefix: realpathSync(parsed.basePrefix), path: parsed.path };
  pythonCache.set(python, info);
  return info;
}

export interface LaunchPlan {
  command: string;
  args: string[];
  /** Runs live in a pid namespace of their own: a run's uid can be swept with kill(-1). */
  pidNamespace: boolean;
  /** Runs get a fresh uid each (only when the zygote is real root). */
  uidDrop: boolean;
  /** Where the zygote makes run directories (inside its own view of the file system). */
  runsDir: string;
  /** The zygote must ask the kernel to kill it when Node goes (bwrap does it otherwise). */
  deathSignal: boolean;
}

function systemBinds(): string[] {
  const args: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  for (const file of ['/etc/ld.so.cache', '/etc/localtime', '/etc/alternatives']) args.push('--ro-bind-try', file, file);
  return args;
}

/** `/a/b/c` → [`/a`, `/a/b`]. */
function ancestors(dir: string): string[] {
  const parts = dir.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => '/' + parts.slice(0, i + 1).join('/'));
}

/** Whether any user can read the interpreter's files (needed when runs drop to another uid). */
export function readableByAnyone(dir: string): boolean {
  try {
    for (const parent of [...ancestors(dir), dir]) {
      if ((statSync(parent).mode & 0o005) !== 0o005) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function isUnder(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// The zygote starts without `site` (its .pth hooks import threading, whose fork hook makes every
// run slower) and gets the interpreter's module path, site-packages included, from the config.

/** How to start one zygote: bubblewrap, else unshare, else plain (weak) python. */
// Capabilities the zygote keeps when bwrap starts it as root: switch each run to its own uid,
// hand it its directory, kill its leftovers, clean up what it wrote.
const zygoteCapabilities = ['CAP_SETUID', 'CAP_SETGID', 'CAP_CHOWN', 'CAP_KILL', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER'];

export function launchPlan(
  probe: HostProbe,
  python: PythonInfo,
  hostRunsDir: string,
  scratchBytes: number,
  zygoteArgs: (plan: Omit<LaunchPlan, 'command' | 'args'>) => string,
): LaunchPlan {
  if (probe.bubblewrap) {
    const shape = { pidNamespace: true, uidDrop: probe.root, runsDir: '/tmp/runs', deathSignal: false };
    const binds = systemBinds();
    const pythonDirs = [python.prefix, python.basePrefix, path.dirname(python.executable)].filter((dir, i, all) => !isUnder(dir, '/usr') && all.indexOf(dir) === i);
    for (const dir of pythonDirs) {
      // bwrap makes missing parents 0700, which a run under another uid could not traverse.
      for (const parent of ancestors(dir)) binds.push('--perms', '0755', '--dir', parent);
      binds.push('--ro-bind', dir, dir);
    }
    const args = [
      '--unshare-net',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      '--die-with-parent',
      '--new-session',
      ...binds,
      '--ro-bind',
      pyDir,
      '/sinq-py',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      // Run directories live on this tmpfs: its size bounds what all runs of the zygote can write.
      ...(probe.bubblewrapTmpfsSize ? ['--size', String(scratchBytes)] : []),
      '--tmpfs',
      '/tmp',
      ...(probe.root ? ['--cap-drop', 'ALL', ...zygoteCapabilities.flatMap((cap) => ['--cap-add', cap])] : []),
      '--clearenv',
      '--setenv',
      'PATH',
      '/usr/bin:/bin',
      '--setenv',
      'LANG',
      'C.UTF-8',
      // Resolve every symbol at load, in the zygote, rather than lazily in each forked run.
      '--setenv',
      'LD_BIND_NOW',
      '1',
      '--chdir',
      '/tmp',
      '--',
      python.executable,
      '-I',
      '-B',
      '-S',
      '/sinq-py/zygote.py',
      zygoteArgs(shape),
    ];
    return { command: 'bwrap', args, ...shape };
  }
  const zygote = [python.executable, '-I', '-B', '-S', path.join(pyDir, 'zygote.py')];
  // Without our own mount view, runs under another uid need the interpreter readable by all.
  const uidDrop = probe.root && [python.prefix, python.basePrefix, pyDir].every(readableByAnyone);
  if (probe.netNamespace) {
    const shape = { pidNamespace: true, uidDrop, runsDir: hostRunsDir, deathSignal: true };
    const userns = probe.root ? [] : ['--user', '--map-root-user'];
    return { command: 'unshare', args: [...userns, '--net', '--pid', '--fork', '--kill-child', '--', ...zygote, zygoteArgs(shape)], ...shape };
  }
  const shape = { pidNamespace: false, uidDrop, runsDir: hostRunsDir, deathSignal: true };
  const [command, ...rest] = zygote;
  return { command: command!, args: [...rest, zygoteArgs(shape)], ...shape };
}
