// What this host can do to confine a run, and how to start a zygote with the best of it.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
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
  noSeccomp?: boolean;
}

/** An unprivileged user the zygotes are started as (through setpriv) when Node runs as root. */
export interface RunAsUser {
  uid: number;
  gid: number;
}

export interface HostProbe {
  root: boolean;
  bubblewrap: boolean;
  /** bwrap understands `--size` for a tmpfs (0.7+). */
  bubblewrapTmpfsSize: boolean;
  /** `unshare` can give a run its own network (and pid) namespace. */
  netNamespace: boolean;
  userNamespaces: boolean;
  /** bwrap has `--disable-userns` (0.8+). */
  bubblewrapDisableUserns: boolean;
  /** The seccomp filter as raw BPF, when libseccomp's Python bindings could build it. */
  seccompFilter: Buffer | undefined;
  /** Zygotes are started as this user (root is then false). */
  runAs: RunAsUser | undefined;
}

const pyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py');

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 5000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return result.status === 0;
}

const probeCache = new Map<string, HostProbe>();

/** `command args` as `runAs` when given (setpriv drops to it with no groups and no capabilities). */
export function asUser(runAs: RunAsUser | undefined, command: string, args: string[]): { command: string; args: string[] } {
  if (!runAs) return { command, args };
  return {
    command: 'setpriv',
    args: [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--inh-caps=-all', '--', command, ...args],
  };
}

const seccompCandidates = (): string[] => [...new Set([process.env.SINQ_PYTHON ?? 'python3', '/usr/bin/python3'])];

/** The seccomp filter built by `py/seccomp_filter.py` with the first interpreter that has libseccomp's bindings. */
function buildSeccompFilter(): Buffer | undefined {
  for (const python of seccompCandidates()) {
    const result = spawnSync(python, ['-I', path.join(pyDir, 'seccomp_filter.py')], { timeout: 20_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    // A BPF program is a whole number of 8-byte instructions.
    if (result.status === 0 && result.stdout.length > 0 && result.stdout.length % 8 === 0) return result.stdout;
  }
  return undefined;
}

export function probeHost(pretend: IsolationPretend = {}, runAs?: RunAsUser): HostProbe {
  const key = JSON.stringify([pretend, runAs ?? null]);
  const cached = probeCache.get(key);
  if (cached) return cached;
  const root = !runAs && !pretend.notRoot && typeof process.getuid === 'function' && process.getuid() === 0;
  const tryAs = (command: string, args: string[]): boolean => {
    const wrapped = asUser(runAs, command, args);
    return succeeds(wrapped.command, wrapped.args);
  };
  const userNamespaces = !pretend.noNamespaces && tryAs('unshare', ['--user', '--map-root-user', '--net', 'true']);
  const netNamespace = !pretend.noNamespaces && (root ? tryAs('unshare', ['--net', '--pid', '--fork', 'true']) : userNamespaces);
  const bubblewrap =
    !pretend.noBubblewrap &&
    tryAs('bwrap', ['--unshare-net', '--unshare-pid', '--die-with-parent', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true']);
  const help = bubblewrap ? (spawnSync('bwrap', ['--help'], { encoding: 'utf8', timeout: 5000 }).stdout ?? '') : '';
  const bubblewrapTmpfsSize = help.includes('--size');
  const bubblewrapDisableUserns = help.includes('--disable-userns');
  const seccompFilter = pretend.noSeccomp ? undefined : buildSeccompFilter();
  const probe = { root, bubblewrap, bubblewrapTmpfsSize, bubblewrapDisableUserns, netNamespace, userNamespaces, seccompFilter, runAs };
  probeCache.set(key, probe);
  return probe;
}

export function reportFor(probe: HostProbe): IsolationReport {
  const notes: string[] = [];
  const network: IsolationReport['network'] = probe.bubblewrap ? 'bubblewrap' : probe.netNamespace ? 'namespace' : 'none';
  // Without bubblewrap the zygote sees the host's own file system and /proc (only network and
  // pid namespaces): runs could write host files and read other processes, so that is not enough.
  const filesystem: IsolationReport['filesystem'] = probe.bubblewrap ? 'private' : 'host';
  // The seccomp filter is loaded by bubblewrap; without it nothing loads one.
  const seccomp = probe.bubblewrap && probe.seccompFilter !== undefined;
  // As root under bubblewrap each run gets a uid of its own; an unprivileged sandbox's runs share
  // its (non-root) uid; the fallback keeps root when the interpreter is not readable by others.
  const runUid: IsolationReport['runUid'] = probe.bubblewrap ? (probe.root ? 'own' : 'shared') : probe.root ? 'root' : 'shared';
  if (!probe.bubblewrap) {
    notes.push('bubblewrap (bwrap) is not installed or cannot create namespaces: runs would see and write the host file system and its /proc');
  }
  if (probe.bubblewrap && probe.seccompFilter === undefined) {
    notes.push('no seccomp filter: libseccomp\'s Python bindings are missing (apt-get install python3-seccomp)');
  }
  if (!probe.userNamespaces) notes.push('unprivileged user namespaces are unavailable');
  if (!probe.root) notes.push('not running as root: runs share one user id, so the process-count limit is shared by the runs of a worker');
  if (network === 'none') notes.push('no network namespace: runs can open sockets');
  return {
    rlimits: true,
    privateDirectory: true,
    network,
    filesystem,
    seccomp,
    runUid,
    bubblewrap: probe.bubblewrap,
    userNamespaces: probe.userNamespaces,
    root: probe.root,
    notes,
  };
}

/**
 * Strong enough to run untrusted code: no network, the host read-only with a private size-capped
 * scratch space, the seccomp filter (no mounts, no new namespaces, no tracing), and runs whose uid
 * is not the host's root. Anything less is refused unless weak isolation is allowed.
 */
export function isolationSufficient(report: IsolationReport): boolean {
  return report.rlimits && report.privateDirectory && report.network !== 'none' && report.filesystem === 'private' && report.seccomp && report.runUid !== 'root';
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
  /** A file to open and hand to the command as fd 3: the seccomp filter bwrap loads. */
  fd3File: string | undefined;
}

/** The fd on which bwrap reads the seccomp filter (Node passes `fd3File` there). */
export const SECCOMP_FD = 3;

function systemBinds(): string[] {
  const args: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  // bwrap would make /etc 0700, closed to runs under other uids.
  args.push('--perms', '0755', '--dir', '/etc');
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
  /** Where the seccomp filter was written (when the probe built one). */
  seccompFile: string | undefined,
  zygoteArgs: (plan: Omit<LaunchPlan, 'command' | 'args' | 'fd3File'>) => string,
): LaunchPlan {
  if (probe.bubblewrap) {
    const shape = { pidNamespace: true, uidDrop: probe.root, runsDir: '/tmp/runs', deathSignal: false };
    const seccomp = probe.seccompFilter !== undefined && seccompFile !== undefined;
    const binds = systemBinds();
    const pythonDirs = [python.prefix, python.basePrefix, path.dirname(python.executable)].filter((dir, i, all) => !isUnder(dir, '/usr') && all.indexOf(dir) === i);
    for (const dir of pythonDirs) {
      // bwrap makes missing parents 0700, which a run under another uid could not traverse.
      for (const parent of ancestors(dir)) binds.push('--perms', '0755', '--dir', parent);
      binds.push('--ro-bind', dir, dir);
    }
    const args = [
      // Unprivileged, bwrap makes a user namespace anyway: saying so lets it forbid nested ones.
      ...(!probe.root && probe.bubblewrapDisableUserns ? ['--unshare-user', '--disable-userns'] : []),
      ...(seccomp ? ['--seccomp', String(SECCOMP_FD)] : []),
      '--unshare-net',
      '--unshare-pid',
      // The zygote is the namespace's pid 1: no bwrap process of the runs' uid lives beside it
      // (its memory and /proc would be open to an unprivileged sandbox's runs), and the kernel
      // only delivers to pid 1 the signals it handles, so a run cannot kill its zygote.
      '--as-pid-1',
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
      // Read-only: /dev/shm would otherwise be a tmpfs without a size cap, writable by an unprivileged sandbox's runs.
      '--remount-ro',
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
    return { ...asUser(probe.runAs, 'bwrap', args), ...shape, fd3File: seccomp ? seccompFile : undefined };
  }
  const zygote = [python.executable, '-I', '-B', '-S', path.join(pyDir, 'zygote.py')];
  // Without our own mount view, runs under another uid need the interpreter readable by all.
  const uidDrop = probe.root && [python.prefix, python.basePrefix, pyDir].every(readableByAnyone);
  if (probe.netNamespace) {
    const shape = { pidNamespace: true, uidDrop, runsDir: hostRunsDir, deathSignal: true };
    const userns = probe.root ? [] : ['--user', '--map-root-user'];
    const unshareArgs = [...userns, '--net', '--pid', '--fork', '--kill-child', '--', ...zygote, zygoteArgs(shape)];
    return { ...asUser(probe.runAs, 'unshare', unshareArgs), ...shape, fd3File: undefined };
  }
  const shape = { pidNamespace: false, uidDrop, runsDir: hostRunsDir, deathSignal: true };
  const [command, ...rest] = zygote;
  return { ...asUser(probe.runAs, command!, [...rest, zygoteArgs(shape)]), ...shape, fd3File: undefined };
}

/** What runs may use, fitted so that everything in flight cannot map more than the budget. */
export interface RunLimits {
  /** Processes and threads per run (RLIMIT_NPROC; per run with own uids, else see sharedSlack). */
  processesPerRun: number;
  /** Address space of each of those processes (RLIMIT_AS). */
  memoryPerProcessBytes: number;
  /** processes × address space over all runs in flight: what the host can be asked for at most. */
  worstCaseBytes: number;
  budgetBytes: number;
}

export interface RunLimitRequest {
  workers: number;
  maxInFlightPerWorker: number;
  /** Explicit values are kept or refused; missing ones are fitted to the budget. */
  processLimit: number | undefined;
  memoryLimitBytes: number | undefined;
  memoryBudgetBytes: number | undefined;
  /** Runs of a worker share one uid: their process limit is one pool with this many spare slots. */
  sharedUid: boolean;
}

export const DEFAULT_PROCESS_LIMIT = 32;
export const DEFAULT_MEMORY_LIMIT = 1 << 30;
/** Fewest processes/threads a run is fitted down to: itself and one thread or fork. */
const MIN_FITTED_PROCESSES = 2;
/** Below this a forked interpreter cannot do much at all. */
const MIN_MEMORY_PER_PROCESS = 96 << 20;
/** Spare process slots of the shared pool (the zygote and its cleaners count against it). */
export const SHARED_PROCESS_SLACK = 8;

/** Default budget: half the host's memory, the rest left to Node, the services and the kernel. */
export function defaultMemoryBudget(): number {
  return Math.floor(os.totalmem() / 2);
}

/**
 * Fits the per-run limits so that workers × (runs in flight × processes per run [+ slack]) ×
 * address space ≤ budget: no combination of runs can map more than that. Processes are lowered
 * first (down to 2), then the address space (down to 96 MiB); explicit options are never changed
 * but refused with a SandboxError when they do not fit.
 */
export function fitRunLimits(request: RunLimitRequest): RunLimits {
  const budgetBytes = request.memoryBudgetBytes ?? defaultMemoryBudget();
  for (const [name, value] of Object.entries({ memoryBudgetBytes: budgetBytes, processLimit: request.processLimit, memoryLimitBytes: request.memoryLimitBytes })) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new SandboxError('E_SANDBOX_LIMITS', `${name} must be a positive integer, got ${String(value)}`);
  }
  const slack = request.sharedUid ? SHARED_PROCESS_SLACK : 0;
  const tasksPerWorker = (processes: number): number => request.maxInFlightPerWorker * processes + slack;
  const worst = (processes: number, memory: number): number => request.workers * tasksPerWorker(processes) * memory;
  let memory = request.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
  let processes = request.processLimit ?? DEFAULT_PROCESS_LIMIT;
  if (worst(processes, memory) > budgetBytes && request.processLimit === undefined) {
    const fitting = Math.floor((budgetBytes / (request.workers * memory) - slack) / request.maxInFlightPerWorker);
    processes = Math.max(MIN_FITTED_PROCESSES, Math.min(processes, fitting));
  }
  if (worst(processes, memory) > budgetBytes && request.memoryLimitBytes === undefined) {
    const mib = 1 << 20;
    memory = Math.floor(budgetBytes / (request.workers * tasksPerWorker(processes)) / mib) * mib;
  }
  const worstCaseBytes = worst(processes, memory);
  if (worstCaseBytes > budgetBytes || memory < MIN_MEMORY_PER_PROCESS) {
    const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    throw new SandboxError(
      'E_SANDBOX_LIMITS',
      `runs in flight could map ${gib(worstCaseBytes)} (${request.workers} workers × ${request.maxInFlightPerWorker} runs × ${processes} processes × ${memory >> 20} MiB), ` +
        `more than the memory budget of ${gib(budgetBytes)}, or under ${MIN_MEMORY_PER_PROCESS >> 20} MiB per process; ` +
        'lower workers, maxInFlightPerWorker, processLimit or memoryLimitBytes, or raise memoryBudgetBytes',
    );
  }
  return { processesPerRun: processes, memoryPerProcessBytes: memory, worstCaseBytes, budgetBytes };
}
