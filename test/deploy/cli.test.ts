// `sinq up` and `sinq doctor` with a temporal CLI configured: up runs the dev server (a fake CLI that
// serves the embedded engine), reports its mode and UI, and leaves no process behind on SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeTemporal, killAll, waitGone, type FakeTemporal } from './fake-temporal';
import { isProcessAlive } from '../../lib/process';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const sinqBin = path.join(repoRoot, 'bin/sinq.js');

interface ReadyLine {
  event: 'ready';
  temporalMode: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  components: Array<{ name: string; address: string }>;
}

describe('sinq up / sinq doctor with a temporal CLI', () => {
  let dir: string;
  let fake: FakeTemporal;
  let upPid: number | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-up-dev-'));
    fake = createFakeTemporal(dir);
  });

  afterAll(() => {
    if (upPid !== undefined && isProcessAlive(upPid)) {
      try {
        process.kill(-upPid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (fake) killAll(fake.pids().filter(isProcessAlive));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = (): NodeJS.ProcessEnv => {
    const { TEMPORAL_ADDRESS: _address, SINQ_TEMPORAL_MODE: _mode, NATS_URL: _nats, ...rest } = process.env;
    return { ...rest, TEMPORAL_CLI_PATH: fake.cliPath, SINQ_LOG_LEVEL: 'warn' };
  };

  it('sinq doctor says dev-server and why; a bad TEMPORAL_CLI_PATH is a missing check', () => {
    const ok = spawnSync(process.execPath, [sinqBin, 'doctor', '--json', '--dir', path.join(dir, 'doctor')], { cwd: repoRoot, env: env(), encoding: 'utf8', timeout: 60_000 });
    const report = JSON.parse(ok.stdout) as { checks: Array<{ name: string; status: string; detail: string }> };
    const check = report.checks.find((c) => c.name === 'temporal mode');
    expect(check).toMatchObject({ status: 'ok' });
    expect(check?.detail).toContain('dev-server');
    expect(check?.detail).toContain(`TEMPORAL_CLI_PATH=${fake.cliPath}`);

    const bad = spawnSync(process.execPath, [sinqBin, 'doctor', '--json', '--dir', path.join(dir, 'doctor')], {
      cwd: repoRoot,
      env: { ...env(), TEMPORAL_CLI_PATH: path.join(dir, 'no-such-temporal') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(bad.status).toBe(1);
    const badCheck = (JSON.parse(bad.stdout) as typeof report).checks.find((c) => c.name === 'temporal mode');
    expect(badCheck).toMatchObject({ status: 'missing' });
    expect(badCheck?.detail).toContain('TEMPORAL_CLI_PATH');
  }, 60_000);

  it('sinq campaign run --temporal: a mode that cannot be met, or an unknown one, is a usage error before anything starts', () => {
    const config = path.join(repoRoot, 'data/campaigns/quickstart.yaml');
    const runWith = (mode: string, extra: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [sinqBin, 'campaign', 'run', '--config', config, '--dir', path.join(dir, 'run'), '--temporal', mode], {
        cwd: repoRoot,
        env: { ...env(), ...extra },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const noCli = runWith('dev-server', { TEMPORAL_CLI_PATH: '', SINQ_TOOLS_DIR: path.join(dir, 'no-tools'), PATH: path.join(dir, 'nowhere') + path.delimiter + path.dirname(process.execPath) });
    expect(noCli.status).toBe(2);
    expect(noCli.stderr).toContain('--temporal dev-server needs the temporal CLI');
    const unknown = runWith('cloud', {});
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--temporal must be one of embedded, dev-server, external');
    const external = runWith('external', {});
    expect(external.status).toBe(2);
    expect(external.stderr).toContain('TEMPORAL_ADDRESS');
  }, 60_000);

  it('sinq up starts the dev server through the CLI, prints its address and UI, and stops cleanly on SIGTERM', async () => {
    const sinqDir = path.join(dir, 'sinq');
    const child = spawn(process.execPath, [sinqBin, 'up', '--json', '--dir', sinqDir, '--workers', '0'], {
      cwd: repoRoot,
      env: env(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    upPid = child.pid;
    // The signal is kept so that a death by signal names it in the failure.
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const ready = await new Promise<ReadyLine>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`sinq up not ready: ${stderr}`)), 60_000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffer += chunk;
        for (const line of buffer.split('\n')) {
          if (!line.includes('"ready"')) continue;
          clearTimeout(timer);
          resolve(JSON.parse(line) as ReadyLine);
        }
      });
      void exited.then((code) => reject(new Error(`sinq up exited with ${String(code)}: ${stderr}`)));
    });
    expect(ready.temporalMode).toBe('dev-server');
    const parsed = fake.records().find((r) => r.event === 'parsed');
    if (parsed?.event !== 'parsed') throw new Error('the fake CLI recorded no arguments');
    expect(ready.temporalAddress).toBe(`127.0.0.1:${parsed.port}`);
    expect(ready.temporalUiUrl).toBe(`http://127.0.0.1:${parsed.uiPort}`);
    expect(parsed.db).toBe(path.join(sinqDir, 'temporal-dev.db'));
    expect(ready.components.map((c) => c.name)).toEqual(expect.arrayContaining(['temporal dev', 'temporal ui']));
    const stackFile = JSON.parse(readFileSync(path.join(sinqDir, 'stack.json'), 'utf8')) as { temporalAddress: string };
    expect(stackFile.temporalAddress).toBe(ready.temporalAddress);

    const pids = fake.pids();
    expect(pids).toHaveLength(2);
    process.kill(child.pid!, 'SIGTERM');
    expect(await exited, stderr).toBe(0);
    for (const pid of pids) expect(await waitGone(pid, 15_000)).toBe(true);
  }, 85_000);

  it('sinq up stopped by SIGTERM while it is still starting stops what it started and exits 0', async () => {
    const early = createFakeTemporal(mkdtempSync(path.join(dir, 'early-')));
    const child = spawn(process.execPath, [sinqBin, 'up', '--json', '--dir', path.join(dir, 'sinq-early'), '--workers', '0'], {
      cwd: repoRoot,
      env: { ...env(), TEMPORAL_CLI_PATH: early.cliPath },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    upPid = child.pid;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    // The dev server has been launched, so sinq up is inside its start-up.
    const deadline = Date.now() + 60_000;
    while (!early.records().some((r) => r.event === 'parsed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(early.records().some((r) => r.event === 'parsed')).toBe(true);
    process.kill(child.pid!, 'SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stdout).not.toContain('"ready"');
    for (const pid of early.pids()) expect(await waitGone(pid, 15_000)).toBe(true);
    expect(existsSync(path.join(dir, 'sinq-early', 'stack.json'))).toBe(false);
  }, 85_000);
});
