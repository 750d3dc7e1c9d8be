// Our shipped task set: size, variety, shape, and every reference solution returning cleanly
// (and the same value twice) on every example through the real sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/api';
import { defaultTaskSetPath, loadTaskSet, openSandbox, validateTaskSet, type TaskSet } from '../../tasks/index';

describe('data/tasks.jsonl', () => {
  let set: TaskSet;
  beforeAll(async () => {
    set = await loadTaskSet(defaultTaskSetPath());
  });

  it('has at least 60 tasks of ours, each with at least 3 examples, and loads with no skipped rows', () => {
    expect(set.skipped).toEqual([]);
    expect(set.warnings).toEqual([]);
    expect(set.tasks.length).toBeGreaterThanOrEqual(60);
    for (const task of set.tasks) {
      expect(task.origin).toBe('sinq');
      expect(task.id).toMatch(/^sinq\/\d{3}-[a-z0-9-]+$/);
      expect(task.exampleInputs.length, task.id).toBeGreaterThanOrEqual(3);
      expect(new Set(task.exampleInputs).size, `${task.id} repeats an example`).toBe(task.exampleInputs.length);
    }
  });

  it('is varied: distinct entry points, small programs, classes and recursion among them', () => {
    const entryPoints = new Set(set.tasks.map((t) => t.entryPoint));
    expect(entryPoints.size).toBe(set.tasks.length);
    for (const task of set.tasks) {
      const lines = task.source.trim().split('\n').length;
      expect(lines, task.id).toBeLessThanOrEqual(70);
      expect(task.source, task.id).not.toMatch(/^\s*(import|from)\s+\w+/m);
    }
    const withClass = set.tasks.filter((t) => /^class \w+/m.test(t.source));
    expect(withClass.length).toBeGreaterThanOrEqual(4);
    const recursive = set.tasks.filter((t) =>
      new RegExp(`^\\s+.*\\b${t.entryPoint}\\(`, 'm').test(t.source.split('\n').slice(1).join('\n')),
    );
    expect(recursive.length).toBeGreaterThanOrEqual(5);
  });

  it('covers edge cases in its examples: empty containers, zero and negative numbers', () => {
    const all = set.tasks.flatMap((t) => t.exampleInputs);
    expect(all.filter((i) => /: (\[\]|''|\{\})[,}]/.test(i)).length).toBeGreaterThanOrEqual(20);
    expect(all.filter((i) => /: 0[,}]/.test(i)).length).toBeGreaterThanOrEqual(8);
    expect(all.filter((i) => /: -\d/.test(i)).length).toBeGreaterThanOrEqual(8);
  });
});

describe('data/tasks.jsonl in the sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    // Our own task set is trusted code, so a host without network isolation may still run it.
    sandbox = await openSandbox({ workers: 2, allowWeakIsolation: true });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('every reference solution returns cleanly on every example', async () => {
    const set = await loadTaskSet(defaultTaskSetPath());
    const report = await validateTaskSet(set, { sandbox, timeoutMs: 10_000 });
    expect(report.ran).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(report.examples);
    expect(report.examples).toBeGreaterThanOrEqual(180);
  });

  it('every reference solution is deterministic: the same value on a second run', async () => {
    const set = await loadTaskSet(defaultTaskSetPath());
    const jobs = set.tasks.flatMap((task) => task.exampleInputs.map((input) => ({ task, input })));
    const differing: string[] = [];
    await Promise.all(
      jobs.map(async ({ task, input }) => {
        const request = { source: task.source, entryPoint: task.entryPoint, input, timeoutMs: 10_000 };
        const [first, second] = await Promise.all([sandbox.run(request), sandbox.run(request)]);
        const value = (o: typeof first): unknown => (o.kind === 'returned' ? o.value : o.kind);
        if (JSON.stringify(value(first)) !== JSON.stringify(value(second))) differing.push(`${task.id} ${input}`);
      }),
    );
    expect(differing).toEqual([]);
  });
});
