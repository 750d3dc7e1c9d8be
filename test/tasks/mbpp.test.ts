import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTaskSet, mbppSplits, type TaskSet } from '../../tasks/index';
import { jsonl, mbppFile, mbppSanitizedFile, tempDir } from './helpers';

const mbppMissing = !existsSync(mbppFile);

describe.skipIf(mbppMissing)(`MBPP loader on the public file (skipped: ${mbppFile} is missing)`, () => {
  let full: TaskSet;
  beforeAll(async () => {
    full = await loadTaskSet(mbppFile);
  });

  it('derives all 974 tasks; the few without literal test calls are kept and reported', () => {
    expect(full.tasks).toHaveLength(974);
    expect(full.skipped).toEqual([]);
    const noInput = full.tasks.filter((t) => t.exampleInputs.length === 0).map((t) => t.id);
    expect(noInput).toEqual(['mbpp/367', 'mbpp/533', 'mbpp/601', 'mbpp/927']);
    const reported = full.warnings.filter((w) => w.reason.includes('no derivable example input'));
    expect(reported.map((w) => w.line)).toEqual([367, 533, 601, 927]);
    expect(reported[0]!.reason).toMatch(
      /MBPP task 367: no derivable example input \(is_tree_balanced\(root\): argument is not a literal: root/,
    );
    expect(full.tasks.filter((t) => t.exampleInputs.length >= 3).length).toBeGreaterThan(950);
  });

  it('maps task 11 to its entry point with keyword inputs from the asserts, including challenge tests', async () => {
    const task = full.tasks.find((t) => t.id === 'mbpp/11')!;
    expect(task.id).toBe('mbpp/11');
    expect(task.origin).toBe('mbpp:11');
    expect(task.entryPoint).toBe('remove_Occ');
    expect(task.exampleInputs.slice(0, 3)).toEqual([
      "{'s': 'hello', 'ch': 'l'}",
      "{'s': 'abcda', 'ch': 'a'}",
      "{'s': 'PHP', 'ch': 'P'}",
    ]);
    expect(task.exampleInputs).toContain("{'s': '', 'ch': 'l'}");
    expect(task.description).toMatch(/first and last occurrence/);
    expect(task.source).not.toContain('\r');
    expect(task.source).toMatch(/^def remove_Occ\(s,ch\):/m);
  });

  it('keeps tuples and negative numbers in the rendered inputs and picks the called function among several', async () => {
    const byId = new Map(full.tasks.map((t) => [t.id, t]));
    expect(byId.get('mbpp/2')!.exampleInputs[0]).toBe("{'test_tup1': (3, 4, 5, 6), 'test_tup2': (5, 7, 4, 10)}");
    // Task 1 defines module constants before the function; task 486 divides literals in its asserts.
    expect(byId.get('mbpp/1')!.entryPoint).toBe('min_cost');
    expect(byId.get('mbpp/486')!.exampleInputs[0]).toBe("{'n': 10, 'k': 5, 'p': 0.3333333333333333}");
    const negative = full.tasks.find((t) => t.exampleInputs.some((i) => /: -\d/.test(i)));
    expect(negative).toBeDefined();
    const helpers = full.tasks.filter((t) => (t.source.match(/^def /gm) ?? []).length > 1);
    expect(helpers.length).toBeGreaterThan(20);
    for (const task of helpers) expect(task.source).toMatch(new RegExp(`^def ${task.entryPoint}\\s*\\(`, 'm'));
  });

  it('splits by task id: prompt 1-10, test 11-510, validation 511-600, train 601-974', async () => {
    const sizes: Record<string, number> = {};
    for (const split of Object.keys(mbppSplits) as Array<keyof typeof mbppSplits>) {
      const { tasks } = await loadTaskSet(mbppFile, { split });
      sizes[split] = tasks.length;
      const [first, last] = mbppSplits[split];
      expect(tasks[0]!.id).toBe(`mbpp/${first}`);
      expect(tasks.at(-1)!.id).toBe(`mbpp/${last}`);
    }
    expect(sizes).toEqual({ prompt: 10, test: 500, validation: 90, train: 374 });
    await expect(loadTaskSet(`mbpp:${mbppFile}#test`, { split: 'train' })).rejects.toMatchObject({
      code: 'E_TASK_SPEC',
    });
    await expect(loadTaskSet(`mbpp:${mbppFile}#dev`)).rejects.toMatchObject({
      code: 'E_TASK_SPEC',
      message: expect.stringMatching(/unknown MBPP split 'dev'/),
    });
  });
});

describe.skipIf(!existsSync(mbppSanitizedFile))(
  `MBPP sanitized JSON array (skipped: ${mbppSanitizedFile} is missing)`,
  () => {
    it('loads all 427 tasks, reaching through set(...) and math.isclose(...) wrappers', async () => {
      const { tasks, skipped } = await loadTaskSet(mbppSanitizedFile);
      expect(tasks).toHaveLength(427);
      expect(skipped).toEqual([]);
      const byId = new Map(tasks.map((t) => [t.id, t]));
      expect(byId.get('mbpp/2')!.exampleInputs[0]).toBe("{'test_tup1': (3, 4, 5, 6), 'test_tup2': (5, 7, 4, 10)}");
      expect(byId.get('mbpp/82')!.entryPoint).toBe('volume_sphere');
      expect(byId.get('mbpp/82')!.exampleInputs).toContain("{'r': 10}");
      expect(byId.get('mbpp/82')!.description).toMatch(/volume of a sphere/);
      const { tasks: testSplit } = await loadTaskSet(`mbpp:${mbppSanitizedFile}#test`);
      expect(testSplit.length).toBeGreaterThan(200);
      expect(testSplit.every((t) => Number(t.id.slice(5)) >= 11 && Number(t.id.slice(5)) <= 510)).toBe(true);
    });
  },
);

describe('MBPP loader on malformed rows', () => {
  const tmp = tempDir();
  const row = {
    text: 'Add.',
    code: 'def add(a, b):\r\n  return a + b',
    task_id: 3,
    test_setup_code: '',
    test_list: ['assert add(1, 2) == 3'],
    challenge_test_list: [],
  };

  it('names file:line and the field, or skips with lenient', async () => {
    try {
      const file = tmp.write(
        'mbpp-bad.jsonl',
        jsonl([row, { ...row, task_id: 'four' }, { ...row, task_id: 5, test_list: 'assert' }, row]),
      );
      await expect(loadTaskSet(file)).rejects.toMatchObject({
        code: 'E_TASK_ROW',
        message: expect.stringMatching(/mbpp-bad\.jsonl:2: field 'task_id': /),
      });
      const set = await loadTaskSet(file, { lenient: true });
      expect(set.tasks.map((t) => t.id)).toEqual(['mbpp/3']);
      expect(set.skipped.map((s) => s.line)).toEqual([2, 3, 4]);
      expect(set.skipped[1]!.reason).toMatch(/:3: field 'test_list': /);
      expect(set.skipped[2]!.reason).toMatch(/:4: field 'task_id': duplicate task_id 3/);
    } finally {
      tmp.cleanup();
    }
  });

  it('reports a task whose tests call nothing it defines, and one whose code does not parse', async () => {
    const dir = tempDir();
    try {
      const file = dir.write(
        'mbpp-odd.jsonl',
        jsonl([
          { ...row, task_id: 1, test_list: ['assert other(1) == 1'] },
          { ...row, task_id: 2, code: 'def add(a, b):\n  print "py2"' },
          {
            ...row,
            task_id: 3,
            test_list: [
              'assert add(*[1, 2]) == 3',
              'assert add(b=2, a=-1) == 1',
              'assert add(1, 2, 3) == 0',
              'assert add(1, 2) == 3',
            ],
          },
        ]),
      );
      const set = await loadTaskSet(file);
      expect(set.skipped.map((s) => s.line)).toEqual([1, 2]);
      expect(set.skipped[0]!.reason).toMatch(/MBPP task 1: the tests call no function the source defines/);
      expect(set.skipped[1]!.reason).toMatch(/MBPP task 2: source does not parse/);
      expect(set.tasks[0]!.exampleInputs).toEqual(["{'b': 2, 'a': -1}", "{'a': 1, 'b': 2}"]);
      expect(set.warnings[0]!.reason).toMatch(/MBPP task 3: 2 test call\(s\) not usable as inputs/);
    } finally {
      dir.cleanup();
    }
  });
});
