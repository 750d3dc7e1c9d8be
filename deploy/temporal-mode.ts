// Which Temporal server the stack uses, decided in one place: an existing server (TEMPORAL_ADDRESS),
// the Temporal CLI dev server (a `temporal` binary named by TEMPORAL_CLI_PATH or found on PATH), or the
// embedded engine. `--temporal` (or SINQ_TEMPORAL_MODE) forces one of the three.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

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

/**
 * The `temporal` CLI to run: TEMPORAL_CLI_PATH when set (it must be an executable file, else
 * E_TEMPORAL_CLI), otherwise the first executable `temporal` on PATH, otherwise null.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv): { path: string; source: 'TEMPORAL_CLI_PATH' | 'PATH' } | null {
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
  return null;
}

function devServerMode(env: NodeJS.ProcessEnv, why: string): TemporalMode | null {
  const cli = findTemporalCli(env);
  if (!cli) return null;
  const found = cli.source === 'PATH' ? `temporal found on PATH at ${cli.path}` : `TEMPORAL_CLI_PATH=${cli.path}`;
  return { kind: 'dev-server', cliPath: cli.path, reason: why ? `${why}; ${found}` : found };
}

export function parseTemporalModeKind(value: string, source: string): TemporalModeKind {
  const kind = temporalModeKinds.find((candidate) => candidate === value);
  if (!kind) throw new TemporalModeError('E_TEMPORAL_MODE', `${source} must be one of ${temporalModeKinds.join(', ')}, got '${value}'`);
  return kind;
}

export function resolveTemporalMode(env: NodeJS.ProcessEnv = process.env, options: ResolveTemporalModeOptions = {}): TemporalMode {
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
        const mode = devServerMode(env, why);
        if (!mode) throw new TemporalModeError('E_TEMPORAL_CLI', `${why} needs the temporal CLI: set TEMPORAL_CLI_PATH or put temporal on PATH`);
        return mode;
      }
    }
  }
  if (address !== undefined) return { kind: 'external', address, reason: addressReason };
  return devServerMode(env, '') ?? { kind: 'embedded', reason: 'no TEMPORAL_ADDRESS, TEMPORAL_CLI_PATH or temporal on PATH' };
}
