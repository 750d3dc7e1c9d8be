// `--batch` keeps going past a line whose result cannot be written.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../cli/batch';

describe('runBatch', () => {
  it('fails only the line whose result is nested too deep to write, and answers every later line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sinq-batch-'));
    try {
      const file = path.join(dir, 'lines.jsonl');
      writeFileSync(file, ['{"id": 1, "depth": 1}', '{"id": 2, "depth": 100000}', '{"id": 3, "depth": 2}'].join('\n'));
      const lines: string[] = [];
      const failures = await runBatch(
        file,
        z.object({ id: z.number(), depth: z.number() }).strict(),
        (line) => {
          let value: unknown = null;
          for (let i = 0; i < line.depth; i++) value = [value];
          return Promise.resolve(value);
        },
        (line) => lines.push(line),
      );
      expect(failures).toBe(1);
      const results = lines.map((line) => JSON.parse(line) as { id: number; ok: boolean; error?: { message: string } });
      expect(results.map((r) => [r.id, r.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
      ]);
      expect(results[1]?.error?.message).toMatch(/could not be written/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
