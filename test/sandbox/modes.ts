// The modes the sandbox supports, for suites that must hold in each: root with bubblewrap (each
// run its own uid) and non-root (bubblewrap in an unprivileged user namespace, one shared uid).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolationReport, type SandboxOptions } from '../../sandbox/index';

export interface SandboxMode {
  name: string;
  options: SandboxOptions;
  /** Why this host cannot run the mode, when it cannot. */
  skip: false | string;
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
    { name: 'non-root', options: { pretend: { notRoot: true } }, skip: report.bubblewrap ? false : 'needs bubblewrap' },
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
