import { afterAll, describe, expect, it } from 'vitest';
import { loadTaskSet, TaskSchema, TaskSetError } from '../../tasks/index';
import { goodRow, jsonl, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function rowErrorOf(rows: unknown[]): Promise<TaskSetError> {
  const file = tmp.write(`set-${Math.random().toString(36).slice(2)}.jsonl`, jsonl(rows));
  const error = await loadTaskSet(file).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TaskSetError);
  return error as TaskSetError;
}

describe('our JSONL task format', () => {
  it('loads valid rows as tasks, keeping the source as written', async () => {
    const file = tmp.write('good.jsonl', jsonl([goodRow, { ...goodRow, id: 'sinq/t-add-2' }]));
    const set = await loadTaskSet(file);
    expect(set.tasks).toHaveLength(2);
    expect(set.tasks[0]).toEqual(goodRow);
    expect(set.skipped).toEqual([]);
  });

  it('names file:line and the missing field', async () => {
    const { entryPoint: _drop, ...missing } = goodRow;
    const error = await rowErrorOf([goodRow, { ...missing, id: 'x' }]);
    expect(error.code).toBe('E_TASK_ROW');
    expect(error.message).toMatch(/set-\w+\.jsonl:2: field 'entryPoint': /);
  });

  it('names a field of the wrong type, an unknown field and a bad identifier', async () => {
    expect((await rowErrorOf([{ ...goodRow, exampleInputs: 'nope' }])).message).toMatch(/:1: field 'exampleInputs': /);
    expect((await rowErrorOf([{ ...goodRow, entrypoint: 'add' }])).message).toMatch(/:1: field 'entrypoint': /);
    expect((await rowErrorOf([{ ...goodRow, entryPoint: 'not valid' }])).message).toMatch(
      /:1: field 'entryPoint': must be a Python identifier/,
    );
    expect((await rowErrorOf([{ ...goodRow, exampleInputs: ["{'a': 1}", ' '] }])).message).toMatch(
      /:1: field 'exampleInputs\[1\]': /,
    );
  });

  it('reports rows that are not JSON with their line number (blank lines still count)', async () => {
    const error = await rowErrorOf([goodRow, '', '{"id": ']);
    expect(error.message).toMatch(/:3: not valid JSON/);
  });

  it('rejects a duplicate id naming the first line', async () => {
    const error = await rowErrorOf([goodRow, { ...goodRow, id: 'other' }, goodRow]);
    expect(error.message).toMatch(/:3: field 'id': duplicate id 'sinq\/t-add' \(first on line 1\)/);
  });

  it('checks statically that the entry point exists and the examples bind to it', async () => {
    expect((await rowErrorOf([{ ...goodRow, entryPoint: 'sub' }])).message).toMatch(
      /:1: field 'entryPoint': entry point 'sub' is not a top-level function/,
    );
    expect((await rowErrorOf([{ ...goodRow, exampleInputs: ["{'a': 1, 'c': 2}"] }])).message).toMatch(
      /:1: field 'exampleInputs\[0\]': unknown parameter\(s\) c/,
    );
    expect((await rowErrorOf([{ ...goodRow, exampleInputs: ["{'b': 1}"] }])).message).toMatch(
      /field 'exampleInputs\[0\]': missing required parameter\(s\) a/,
    );
    expect((await rowErrorOf([{ ...goodRow, exampleInputs: ['[1, 2]'] }])).message).toMatch(
      /field 'exampleInputs\[0\]': a list literal, not a dict/,
    );
    expect((await rowErrorOf([{ ...goodRow, exampleInputs: ["{'a': len('x')}"] }])).message).toMatch(
      /field 'exampleInputs\[0\]': not a Python literal/,
    );
    expect((await rowErrorOf([{ ...goodRow, source: 'def add(a, b:\n  pass\n' }])).message).toMatch(
      /:1: field 'source': source does not parse/,
    );
  });

  it('accepts **kwargs and keyword-only parameters, rejects positional-only ones by keyword', async () => {
    const file = tmp.write(
      'kw.jsonl',
      jsonl([
        {
          ...goodRow,
          id: 'kw',
          source: 'def add(a, *, b, **rest):\n    return a + b\n',
          exampleInputs: ["{'a': 1, 'b': 2, 'z': 3}"],
        },
      ]),
    );
    expect((await loadTaskSet(file)).tasks).toHaveLength(1);
    const error = await rowErrorOf([{ ...goodRow, source: 'def add(a, /, b=0):\n    return a + b\n' }]);
    expect(error.message).toMatch(/positional-only parameter\(s\) a cannot be passed by keyword/);
  });

  it('with lenient, skips bad rows and reports each with its reason', async () => {
    const { entryPoint: _drop, ...missing } = goodRow;
    const file = tmp.write(
      'mixed.jsonl',
      jsonl([
        goodRow,
        '{not json',
        { ...missing, id: 'm' },
        goodRow,
        { ...goodRow, id: 'k', exampleInputs: ["{'q': 1}"] },
        { ...goodRow, id: 'fine' },
      ]),
    );
    const set = await loadTaskSet(file, { lenient: true });
    expect(set.tasks.map((t) => t.id)).toEqual(['sinq/t-add', 'fine']);
    expect(set.skipped.map((s) => s.line)).toEqual([2, 3, 4, 5]);
    expect(set.skipped[0]!.reason).toMatch(/mixed\.jsonl:2: not valid JSON/);
    expect(set.skipped[1]!.reason).toMatch(/mixed\.jsonl:3: field 'entryPoint': missing \(expected string\)/);
    expect(set.skipped[2]!.reason).toMatch(/mixed\.jsonl:4: field 'id': duplicate id/);
    expect(set.skipped[3]!.reason).toMatch(/mixed\.jsonl:5: field 'exampleInputs\[0\]': unknown parameter/);
  });

  it('fails clearly on a missing file and on binary junk', async () => {
    await expect(loadTaskSet(`${tmp.dir}/absent.jsonl`)).rejects.toMatchObject({
      code: 'E_TASK_FILE',
      message: expect.stringMatching(/absent\.jsonl: cannot read task set: no such file/),
    });
    const junk = tmp.write('junk.jsonl', '');
    await import('node:fs').then((fs) => fs.writeFileSync(junk, Buffer.from([0xff, 0xfe, 0x00, 0x41])));
    await expect(loadTaskSet(junk)).rejects.toMatchObject({
      code: 'E_TASK_FILE',
      message: expect.stringMatching(/not valid UTF-8/),
    });
  });

  it('applies limit and refuses a split on a non-MBPP set', async () => {
    const file = tmp.write('lim.jsonl', jsonl([goodRow, { ...goodRow, id: 'b' }, { ...goodRow, id: 'c' }]));
    expect((await loadTaskSet(file, { limit: 2 })).tasks.map((t) => t.id)).toEqual(['sinq/t-add', 'b']);
    await expect(loadTaskSet(file, { split: 'test' })).rejects.toMatchObject({ code: 'E_TASK_SPEC' });
  });

  it('TaskSchema accepts exactly the Task fields', () => {
    expect(TaskSchema.safeParse(goodRow).success).toBe(true);
    expect(TaskSchema.safeParse({ ...goodRow, extra: 1 }).success).toBe(false);
    expect(TaskSchema.safeParse({ ...goodRow, exampleInputs: [] }).success).toBe(false);
  });
});
