// Writes a `temporal` executable that runs fixtures/fake-temporal.mjs and reads back what it recorded.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../../lib/process';

const fakeScript = path.resolve(import.meta.dirname, 'fixtures/fake-temporal.mjs');

export type FakeRecord =
  | { event: 'argv'; argv: string[]; pid: number }
  | { event: 'parsed'; port: number; ip: string; uiPort: string | null; db: string | null; namespace: string; headless: boolean; searchAttributes: string[] }
  | { event: 'engine'; pid: number; address: string }
  | { event: 'engine-exit'; code: number | null };

export interface FakeTemporal {
  cliPath: string;
  records(): FakeRecord[];
  /** Every process the fake started (itself and engines). */
  pids(): number[];
}

export function createFakeTemporal(dir: string): FakeTemporal {
  const logFile = path.join(dir, 'fake-temporal.log');
  const cliPath = path.join(dir, 'bin', 'temporal');
  mkdirSync(path.dirname(cliPath), { recursive: true });
  writeFileSync(cliPath, `#!/bin/sh\nFAKE_TEMPORAL_LOG='${logFile}' exec '${process.execPath}' '${fakeScript}' "$@"\n`);
  chmodSync(cliPath, 0o755);
  const records = (): FakeRecord[] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as FakeRecord)
      : [];
  return {
    cliPath,
    records,
    pids: () => records().flatMap((r) => (r.event === 'argv' || r.event === 'engine' ? [r.pid] : [])),
  };
}

export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isProcessAlive(pid);
}

export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
