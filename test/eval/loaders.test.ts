// The benchmark loaders: the fixtures load to the expected items, and each kind of bad row is
// reported at its file and line.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSwapData } from '../../cli/commands/eval';
import { parseCsv } from '../../eval/csv';
import { loadDefectDetection } from '../../eval/loaders/defect-detection';
import { DatasetError } from '../../eval/loaders/dataset-error';
import { loadIdentifierSwap, parseIdentifierSwap } from '../../eval/loaders/identifier-swap';
import { loadPySecDb, parsePySecDb } from '../../eval/loaders/pysecdb';
import { parsePythonStringList } from '../../eval/python-literal';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string): string => path.join(fixtures, name);

async function datasetError(promise: Promise<unknown>): Promise<DatasetError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('Python string-list literals', () => {
  it('reads every quote form, prefix and escape', () => {
    expect(parsePythonStringList(`["""a\nb""", 'c\\'d', "e\\tf", r'\\d+', u"\\u00e9\\x41\\101", '''g''',]`)).toEqual([
      'a\nb',
      "c'd",
      'e\tf',
      '\\d+',
      'éAA',
      'g',
    ]);
    expect(parsePythonStringList('[]')).toEqual([]);
    expect(parsePythonStringList("['keep \\[ unknown', 'line\\\ncontinued']")).toEqual([
      'keep \\[ unknown',
      'linecontinued',
    ]);
  });

  it('rejects what is not a list of text strings', () => {
    expect(() => parsePythonStringList("[b'bytes']")).toThrow(/unsupported string prefix 'b'/);
    expect(() => parsePythonStringList("['a', 1]")).toThrow(/expected a string literal at character 6/);
    expect(() => parsePythonStringList("['open")).toThrow(/unterminated/);
    expect(() => parsePythonStringList("['a'] extra")).toThrow(/unexpected text after the list/);
  });
});

describe('CSV', () => {
  it('keeps the line each record starts on across quoted newlines', () => {
    const records = parseCsv('a,b\n"x\ny","z ""q"""\r\n1,2\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\ny', 'z "q"'] },
      { line: 4, fields: ['1', '2'] },
    ]);
  });
});

describe('identifier-swap loader', () => {
  it('loads the fixture: two bodies per row, the correct one at answer_index', async () => {
    const items = await loadIdentifierSwap(fixture('swap.csv'));
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({
      id: 'row-1',
      line: 2,
      answerIndex: 1,
      bodies: ['\n    return len(items)\n', '\n    return print(items)\n'],
    });
    expect(items[1]!.line).toBe(9);
    expect(items[2]!.bodies[0]).toContain("print('max\\tmin')");
  });

  it('names the file and line of a bad row', () => {
    const header = 'prompt,classes,answer_index\n';
    expect(() => parseIdentifierSwap('s.csv', header + "\"p\",\"['''a''', 'b']\",1\n\"p2\",\"['a']\",1\n")).toThrow(
      's.csv:3: classes must hold exactly 2 candidate bodies, found 1',
    );
    expect(() => parseIdentifierSwap('s.csv', header + '"p","[1, 2]",1\n')).toThrow(
      /^s\.csv:2: classes is not a Python list of strings: expected a string literal/,
    );
    expect(() => parseIdentifierSwap('s.csv', header + '"p","[\'a\', \'b\']",3\n')).toThrow(
      "s.csv:2: answer_index must be 0 or 1, found '3'",
    );
    expect(() => parseIdentifierSwap('s.csv', header + '"p","[\'a\', \'b\']"\n')).toThrow(
      's.csv:2: expected 3 fields, found 2',
    );
    expect(() => parseIdentifierSwap('s.csv', 'prompt,answer\n')).toThrow(
      's.csv:1: the header lacks the column(s) classes, answer_index',
    );
    expect(() => parseIdentifierSwap('s.csv', header + '"p,1\n')).toThrow('s.csv:2: unterminated quoted field');
  });

  // Needs the shared data set (../shared/data/python_builtins_swap.csv, or SINQ_SHARED_DATA) and python3; skipped without them.
  const shared = defaultSwapData();
  it.skipIf(!existsSync(shared))('reads all 1,000 rows of the shared data set exactly as Python does', async () => {
    const items = await loadIdentifierSwap(shared);
    expect(items).toHaveLength(1000);
    expect(items.every((item) => item.answerIndex === 1)).toBe(true);
    const script =
      'import csv, ast, json, sys\nrows = csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))\njson.dump([[r["prompt"], ast.literal_eval(r["classes"])] for r in rows], sys.stdout)';
    const expected = JSON.parse(
      execFileSync('python3', ['-c', script, shared], { maxBuffer: 64 << 20 }).toString('utf8'),
    ) as Array<[string, string[]]>;
    expect(items.map((item) => [item.prompt, item.bodies])).toEqual(expected);
  });
});

describe('defect-detection loader', () => {
  it('loads CodeXGLUE rows {"func","target","idx"}', async () => {
    const items = await loadDefectDetection(fixture('defect-detection.jsonl'));
    expect(items.map((i) => [i.id, i.line, i.vulnerable])).toEqual([
      ['0', 1, true],
      ['1', 2, false],
      ['2', 3, true],
      ['3', 4, false],
    ]);
    expect(items[1]!.code).toContain('return a + b;');
  });

  it('reports a bad label and broken JSON at their lines', async () => {
    const file = fixture('defect-detection-bad-target.jsonl');
    const bad = await datasetError(loadDefectDetection(file));
    expect(bad.line).toBe(4);
    expect(bad.message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not a defect-detection row \\{"func","target","idx"\\}: target:`,
      ),
    );
    const broken = await datasetError(loadDefectDetection(fixture('defect-detection-bad-json.jsonl')));
    expect(broken.line).toBe(2);
    expect(broken.detail).toMatch(/^not valid JSON/);
  });

  it('rejects a repeated idx and unknown fields', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sinq-eval-'));
    const file = path.join(dir, 'dup.jsonl');
    writeFileSync(
      file,
      '{"func":"a","target":0,"idx":7}\n{"func":"b","target":1,"idx":7}\n{"func":"c","target":1,"idx":8,"label":1}\n',
    );
    expect((await datasetError(loadDefectDetection(file))).message).toBe(`${file}:2: idx 7 already used on line 1`);
    writeFileSync(file, '{"func":"c","target":1,"idx":8,"label":1}\n');
    expect((await datasetError(loadDefectDetection(file))).message).toMatch(/:1: .*Unrecognized key.*label/);
  });
});

describe('PySecDB loader', () => {
  it('loads the published JSON array and the same records as JSON Lines', async () => {
    const fromArray = await loadPySecDb(fixture('pysecdb.json'));
    const fromLines = await loadPySecDb(fixture('pysecdb.jsonl'));
    expect(fromArray.map((i) => [i.id, i.vulnerable])).toEqual([
      ['1', true],
      ['2', false],
      ['3', true],
    ]);
    expect(fromArray.map((i) => i.line)).toEqual([2, 9, 16]);
    expect(fromLines.map((i) => [i.id, i.code, i.vulnerable])).toEqual(
      fromArray.map((i) => [i.id, i.code, i.vulnerable]),
    );
  });

  it('reports a bad label at the line its record starts on', async () => {
    const bad = await datasetError(loadPySecDb(fixture('pysecdb-bad-label.json')));
    expect(bad.line).toBe(16);
    expect(bad.detail).toMatch(/^not a PySecDB row .*label:/);
  });

  it('reports an unclosed array and stray text', () => {
    expect(() => parsePySecDb('p.json', '[\n{"id": 1, "label": "security", "content": "x"}\n')).toThrow(
      'p.json:3: the top-level JSON array is not closed',
    );
    expect(() => parsePySecDb('p.json', '[{"id": 1, "label": "security", "content": "x"}] x')).toThrow(
      'p.json:1: unexpected text after the top-level array',
    );
    expect(() =>
      parsePySecDb(
        'p.json',
        '[{"id": 1, "label": "security", "content": "a"},\n{"id": 1, "label": "security", "content": "b"}]',
      ),
    ).toThrow('p.json:2: id 1 already used on line 1');
  });
});
