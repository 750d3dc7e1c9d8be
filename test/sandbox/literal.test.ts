import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/index';
import { resolvePython } from '../../sandbox/isolation';

const here = path.dirname(fileURLToPath(import.meta.url));
const pyDir = path.resolve(here, '../../sandbox/py');

describe('sandbox: the run input is read exactly like ast.literal_eval', () => {
  it('agrees with ast.literal_eval on fixed edge cases and random inputs', () => {
    const python = resolvePython(process.env.SINQ_PYTHON ?? 'python3').executable;
    const result = spawnSync(python, ['-I', '-S', '-B', path.join(here, 'literal_check.py'), pyDir, '3', '4000'], { encoding: 'utf8', timeout: 50_000 });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as { checked: number; mismatchCount: number; mismatches: unknown[] };
    expect(report.checked).toBeGreaterThan(4000);
    expect(report.mismatches).toEqual([]);
    expect(report.mismatchCount).toBe(0);
  });

  describe('inside the sandbox', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await createSandbox({ workers: 1, defaultTimeoutMs: 2000 });
    });
    afterAll(async () => {
      await sandbox?.close();
    });
    const source = 'def f(x):\n    return x\n';

    it.each([
      ['a JSON object', '{"x": [1, 2.5, "s"]}', { t: 'list', v: [{ t: 'int', v: '1' }, { t: 'float', v: 2.5 }, { t: 'str', v: 's' }] }],
      ['Python syntax', "{'x': (1, None)}", { t: 'tuple', v: [{ t: 'int', v: '1' }, { t: 'none' }] }],
      ['a Python escape JSON reads otherwise', '{"x": "\\/"}', { t: 'str', v: '\\/' }],
    ])('reads %s', async (_label, input, value) => {
      const outcome = await sandbox.run({ source, entryPoint: 'f', input });
      expect(outcome).toMatchObject({ kind: 'returned', value });
    });

    it.each([
      ['JSON true', '{"x": true}'],
      ['JSON null', '{"x": null}'],
      ['JSON NaN', '{"x": NaN}'],
    ])('refuses %s, which is not a Python literal', async (_label, input) => {
      const outcome = await sandbox.run({ source, entryPoint: 'f', input });
      expect(outcome).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/not a Python literal/) as unknown });
    });
  });
});
