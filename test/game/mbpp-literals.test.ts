// Real-world literals: every argument and expected value in MBPP's assert lines, read by our
// literal reader and by CPython's ast.literal_eval, must agree (accept/refuse and value).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareValues, pyValueKey } from '../../game/compare';
import { canonicalInput } from '../../game/input';
import { formatPyLiteral, parsePyLiteral } from '../../game/literal';
import type { PyValue } from '../../game/types';
import { typedKey } from './arbitraries';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const mbpp = path.join(path.resolve(repoRoot, '../shared/data'), 'mbpp.jsonl');
const python = spawnSync('python3', ['--version']).status === 0;

interface Row {
  text: string;
  ok: boolean;
  value?: PyValue;
}

describe.skipIf(!existsSync(mbpp) || !python)('MBPP literals (needs ../shared/data/mbpp.jsonl and python3)', () => {
  it('are read as CPython reads them', () => {
    const child = spawnSync('python3', [path.join(import.meta.dirname, 'mbpp_literals.py'), mbpp], {
      cwd: import.meta.dirname,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(child.status, child.stderr).toBe(0);
    const rows = JSON.parse(child.stdout) as Row[];
    expect(rows.length).toBeGreaterThan(1000);
    let literals = 0;
    for (const row of rows) {
      const ours = parsePyLiteral(row.text);
      expect(ours.ok, `${row.text}: ${ours.ok ? 'accepted' : ours.error}`).toBe(row.ok);
      if (!ours.ok || !row.value) continue;
      literals++;
      expect(compareValues(ours.value, row.value), row.text).toBe(true);
      expect(pyValueKey(ours.value), row.text).toBe(pyValueKey(row.value));
      expect(typedKey(ours.value), row.text).toBe(typedKey(row.value));
      // Writing it back and reading again gives an equal value and a stable canonical input.
      const written = formatPyLiteral(ours.value);
      if (written.ok) {
        const again = parsePyLiteral(written.text);
        expect(again.ok && compareValues(again.value, ours.value), written.text).toBe(true);
        expect(canonicalInput(written.text)).toBe(canonicalInput(row.text));
      }
    }
    expect(literals).toBeGreaterThan(1000);
  });
});
