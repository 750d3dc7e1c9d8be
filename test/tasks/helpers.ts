// Shared helpers of the task-set tests: temp files, the public data directory, the repo root.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedData = path.resolve(repoRoot, '../shared/data');
export const mbppFile = path.join(sharedData, 'mbpp.jsonl');
export const mbppSanitizedFile = path.join(sharedData, 'mbpp-sanitized.json');
export const humanEvalFile = path.join(sharedData, 'HumanEval.jsonl.gz');

export function fixture(name: string): string {
  return path.join(repoRoot, 'test/fixtures', name);
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-tasks-test-'));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const goodRow = {
  id: 'sinq/t-add',
  description: 'Add two numbers.',
  source: 'def add(a, b=0):\n    return a + b\n',
  entryPoint: 'add',
  exampleInputs: ["{'a': 1, 'b': 2}", "{'a': -3}"],
  origin: 'sinq',
};

export function jsonl(rows: unknown[]): string {
  return rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n';
}
