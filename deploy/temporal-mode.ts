// Which Temporal server the stack uses, decided in one place: an existing server (TEMPORAL_ADDRESS),
// the Temporal CLI dev server (a `temporal` binary named by TEMPORAL_CLI_PATH, found on PATH, or the
// pinned one deploy/setup-temporal.sh installs under .sinq/tools), or the embedded engine.
// `--temporal` (or SINQ_TEMPORAL_MODE) forces one of the three.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where deploy/setup-temporal.sh installs the pinned temporal CLI (under SINQ_TOOLS_DIR, default .sinq/tools). */
export function projectTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const tools = env.SINQ_TOOLS_DIR ? path.resolve(env.SINQ_TOOLS_DIR) : path.join(repoRoot, '.sinq/tools');
  return path.join(tools, 'temporal/bin/temporal');
}

export const temporalModeKinds = ['embedded', 'dev-server', 'external'] as const;
export type TemporalModeKind = (typeof temporalModeKinds)[number];

/** `reason` says, for people, why this mode was chosen. */
export type TemporalMode =
  | { kind: 'external'; address: string; reason: string }
  | { kind: 'dev-server'; cliPath: string; reason: string }
  | { kind: 'embedded'; reason: string };

export class TemporalModeError extends Error {
  constructor(
    readonly code: 'E_TEMPORAL_MODE' | 'E_TEMPORAL_CLI',
    message: string,
  ) {
    super(message);
    this.name = 'TemporalModeError';
  }
}

export interface ResolveTemporalModeOptions {
  /** `--temporal` flag; wins over SINQ_TEMPORAL_MODE. */
  mode?: string | undefined;
  /** An address from a flag or a running `sinq up`; TEMPORAL_ADDRESS is read from env. */
  address?: string | undefined;
  /** The project's own temporal CLI; default projectTemporalCliPath(), null: none. */
  projectCli?: string | null;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project';

/**
 * The `temporal` CLI to run: TEMPORAL_CLI_PATH when set (it must be an executable file, else
 * E_TEMPORAL_CLI), otherwise the first executable `temporal` on PATH, otherwise the project's pinned
 * install (`projectCli`), otherwise null.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv, projectCli: string | null = projectTemporalCliPath(env)): { path: string; source: TemporalCliSource } | null {
  const named = env.TEMPORAL_CLI_PATH;
  if (named !== undefined && named !== '') {
    const resolved = path.resolve(named);
    if (!isExecutableFile(resolved)) {
      throw new TemporalModeError('E_TEMPORAL_CLI', `TEMPORAL_CLI_PATH=${named} is not an executable file; point it at the temporal CLI or unset it`);
    }
    return { path: resolved, source: 'TEMPORAL_CLI_PATH' };
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'temporal');
    if (isExecutableFile(candidate)) return { path: candidate, source: 'PATH' };
  }
  if (projectCli !== null && isExecutableFile(projectCli)) return { path: projectCli, source: 'project' };
  return null;
}

const cliFoundText: Record<TemporalCliSource, (file: string) => string> = {
  TEMPORAL_CLI_PATH: (file) => `TEMPORAL_CLI_PATH=${file}`,
  PATH: (file) => `temporal found on PATH at ${file}`,
  project: (file) => `the pinned temporal CLI installed by deploy/setup.sh at ${file}`,
};

function devServerMode(env: NodeJS.ProcessEnv, why: string, projectCli: string | null): TemporalMode | null {
  const cli = findTemporalCli(env, projectCli);
  if (!cli) return null;
  const found = cliFoundText[cli.source](cli.path);
  return { kind: 'dev-server', cliPath: cli.path, reason: why ? `${why}; ${found}` : found };
}

export function parseTemporalModeKind(value: string, source: string): TemporalModeKind {
  const kind = temporalModeKinds.find((candidate) => candidate === value);
  if (!kind) throw new TemporalModeError('E_TEMPORAL_MODE', `${source} must be one of ${temporalModeKinds.join(', ')}, got '${value}'`);
  return kind;
}

export function resolveTemporalMode(env: NodeJS.ProcessEnv = process.env, options: ResolveTemporalModeOptions = {}): TemporalMode {
  const projectCli = options.projectCli === undefined ? projectTemporalCliPath(env) : options.projectCli;
  const envAddress = env.TEMPORAL_ADDRESS !== undefined && env.TEMPORAL_ADDRESS !== '' ? env.TEMPORAL_ADDRESS : undefined;
  const address = options.address ?? envAddress;
  const addressReason = options.address !== undefined && options.address !== envAddress ? `address ${address} given` : `TEMPORAL_ADDRESS=${address}`;

  const forcedBy = options.mode !== undefined ? '--temporal' : env.SINQ_TEMPORAL_MODE ? 'SINQ_TEMPORAL_MODE' : undefined;
  const forced = options.mode ?? (env.SINQ_TEMPORAL_MODE || undefined);
  if (forced !== undefined && forcedBy !== undefined) {
    const kind = parseTemporalModeKind(forced, forcedBy);
    const why = `${forcedBy} ${kind}`;
    switch (kind) {
      case 'embedded':
        return { kind, reason: why };
      case 'external':
        if (address === undefined) throw new TemporalModeError('E_TEMPORAL_MODE', `${why} needs a server address: set TEMPORAL_ADDRESS (or pass --address)`);
        return { kind, address, reason: `${why}; ${addressReason}` };
      case 'dev-server': {
        const mode = devServerMode(env, why, projectCli);
        if (!mode) throw new TemporalModeError('E_TEMPORAL_CLI', `${why} needs the temporal CLI: run bash deploy/setup.sh (it installs the pinned one), set TEMPORAL_CLI_PATH or put temporal on PATH`);
        return mode;
      }
    }
  }
  if (address !== undefined) return { kind: 'external', address, reason: addressReason };
  // The dev server when a CLI is at hand: it brings the web UI and keeps the episodes' histories
  // browsable after the job; the campaign's wall time is the same on both (engine/README.md).
  return devServerMode(env, 'the dev server is the default when a temporal CLI is at hand (Web UI, episodes browsable after the job; --temporal embedded for the lighter engine)', projectCli) ?? { kind: 'embedded', reason: 'no TEMPORAL_ADDRESS, TEMPORAL_CLI_PATH, temporal on PATH or installed temporal CLI' };
}
