// Mode selection: TEMPORAL_ADDRESS, then TEMPORAL_CLI_PATH / PATH, then the embedded engine; the
// --temporal flag and SINQ_TEMPORAL_MODE force a mode.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli, resolveTemporalMode as resolveWithProject, TemporalModeError } from '../../deploy/temporal-mode';

/** Resolution without the project's own install, so that the PATH cases do not depend on setup having run. */
const resolveTemporalMode = (env: NodeJS.ProcessEnv, options: Parameters<typeof resolveWithProject>[1] = {}) => resolveWithProject(env, { projectCli: null, ...options });

describe('resolveTemporalMode', () => {
  let dir: string;
  let binDir: string;
  let cli: string;
  let notExecutable: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-mode-'));
    binDir = path.join(dir, 'bin');
    mkdirSync(binDir);
    cli = path.join(binDir, 'temporal');
    writeFileSync(cli, '#!/bin/sh\nexit 0\n');
    chmodSync(cli, 0o755);
    notExecutable = path.join(dir, 'temporal-plain');
    writeFileSync(notExecutable, 'not a program\n');
    chmodSync(notExecutable, 0o644);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const emptyPath = (): string => path.join(dir, 'nowhere');

  it('is embedded when nothing is configured', () => {
    expect(resolveTemporalMode({ PATH: emptyPath() })).toMatchObject({ kind: 'embedded' });
  });

  it('finds temporal on PATH', () => {
    const mode = resolveTemporalMode({ PATH: [emptyPath(), binDir].join(path.delimiter) });
    expect(mode).toEqual({ kind: 'dev-server', cliPath: cli, reason: expect.stringContaining('PATH') });
  });

  it('ignores a non-executable temporal on PATH', () => {
    const other = path.join(dir, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'temporal'), 'data\n');
    chmodSync(path.join(other, 'temporal'), 0o644);
    expect(resolveTemporalMode({ PATH: other }).kind).toBe('embedded');
  });

  it('prefers TEMPORAL_CLI_PATH over PATH', () => {
    const copy = path.join(dir, 'my-temporal');
    writeFileSync(copy, '#!/bin/sh\nexit 0\n');
    chmodSync(copy, 0o755);
    expect(resolveTemporalMode({ PATH: binDir, TEMPORAL_CLI_PATH: copy })).toMatchObject({ kind: 'dev-server', cliPath: copy, reason: expect.stringContaining('TEMPORAL_CLI_PATH') });
  });

  it('TEMPORAL_ADDRESS wins over a CLI', () => {
    expect(resolveTemporalMode({ PATH: binDir, TEMPORAL_CLI_PATH: cli, TEMPORAL_ADDRESS: 'temporal.example:7233' })).toMatchObject({
      kind: 'external',
      address: 'temporal.example:7233',
    });
    expect(resolveTemporalMode({ PATH: emptyPath() }, { address: '127.0.0.1:9999' })).toMatchObject({ kind: 'external', address: '127.0.0.1:9999' });
  });

  it('rejects a TEMPORAL_CLI_PATH that is missing or not executable, naming the variable', () => {
    for (const bad of [path.join(dir, 'missing'), notExecutable, binDir]) {
      let error: unknown;
      try {
        resolveTemporalMode({ PATH: emptyPath(), TEMPORAL_CLI_PATH: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(TemporalModeError);
      expect((error as TemporalModeError).code).toBe('E_TEMPORAL_CLI');
      expect((error as Error).message).toContain('TEMPORAL_CLI_PATH');
    }
    expect(() => findTemporalCli({ TEMPORAL_CLI_PATH: notExecutable })).toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('falls back to the project install after TEMPORAL_CLI_PATH and PATH, and says so', () => {
    const project = path.join(dir, 'project-temporal');
    writeFileSync(project, '#!/bin/sh\nexit 0\n');
    chmodSync(project, 0o755);
    expect(resolveWithProject({ PATH: emptyPath() }, { projectCli: project })).toEqual({ kind: 'dev-server', cliPath: project, reason: expect.stringContaining('installed by deploy/setup.sh') });
    expect(resolveWithProject({ PATH: binDir }, { projectCli: project })).toMatchObject({ kind: 'dev-server', cliPath: cli });
    expect(resolveWithProject({ PATH: emptyPath() }, { projectCli: path.join(dir, 'absent') }).kind).toBe('embedded');
    expect(resolveWithProject({ PATH: emptyPath() }, { projectCli: project, mode: 'embedded' }).kind).toBe('embedded');
  });

  it('the flag and SINQ_TEMPORAL_MODE force a mode; the flag wins', () => {
    const env = { PATH: binDir, TEMPORAL_ADDRESS: 'remote:7233' };
    expect(resolveTemporalMode(env, { mode: 'embedded' }).kind).toBe('embedded');
    expect(resolveTemporalMode({ ...env, SINQ_TEMPORAL_MODE: 'embedded' }).kind).toBe('embedded');
    expect(resolveTemporalMode({ ...env, SINQ_TEMPORAL_MODE: 'embedded' }, { mode: 'dev-server' })).toMatchObject({ kind: 'dev-server', cliPath: cli, reason: expect.stringContaining('--temporal') });
    expect(resolveTemporalMode({ PATH: binDir, SINQ_TEMPORAL_MODE: 'external' }, { address: 'a:1' })).toMatchObject({ kind: 'external', address: 'a:1' });
  });

  it('a forced mode that cannot be met is a clear error', () => {
    expect(() => resolveTemporalMode({ PATH: emptyPath() }, { mode: 'dev-server' })).toThrow(/deploy\/setup.sh.*TEMPORAL_CLI_PATH or put temporal on PATH/);
    expect(() => resolveTemporalMode({ PATH: emptyPath() }, { mode: 'external' })).toThrow(/TEMPORAL_ADDRESS/);
    expect(() => resolveTemporalMode({ PATH: emptyPath(), SINQ_TEMPORAL_MODE: 'cloud' })).toThrow(/SINQ_TEMPORAL_MODE must be one of embedded, dev-server, external/);
    expect(() => resolveTemporalMode({ PATH: emptyPath() }, { mode: 'bogus' })).toThrow(/--temporal must be one of/);
  });
});
