// Loads the Python builtin identifier swap set (`python_builtins_swap.csv`: prompt, classes,
// answer_index). `classes` is a Python list literal of the two candidate bodies.
import { readFile } from 'node:fs/promises';
import { CsvError, parseCsv } from '../csv';
import type { SwapItem } from '../items';
import { PythonLiteralError, parsePythonStringList } from '../python-literal';
import { DatasetError } from './dataset-error';

const columns = ['prompt', 'classes', 'answer_index'] as const;

export function parseIdentifierSwap(file: string, text: string): SwapItem[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new DatasetError(file, err.line, err.message);
    throw err;
  }
  const header = records[0];
  if (!header) throw new DatasetError(file, 1, 'the file is empty (expected a header prompt,classes,answer_index)');
  const index = Object.fromEntries(columns.map((name) => [name, header.fields.indexOf(name)])) as Record<
    (typeof columns)[number],
    number
  >;
  const missing = columns.filter((name) => index[name] < 0);
  if (missing.length > 0)
    throw new DatasetError(
      file,
      header.line,
      `the header lacks the column(s) ${missing.join(', ')} (found: ${header.fields.join(', ')})`,
    );
  return records.slice(1).map((record, row) => {
    const at = (detail: string): DatasetError => new DatasetError(file, record.line, detail);
    if (record.fields.length !== header.fields.length)
      throw at(`expected ${header.fields.length} fields, found ${record.fields.length}`);
    const prompt = record.fields[index.prompt]!;
    if (prompt.trim() === '') throw at('empty prompt');
    let bodies: string[];
    try {
      bodies = parsePythonStringList(record.fields[index.classes]!);
    } catch (err) {
      if (err instanceof PythonLiteralError) throw at(`classes is not a Python list of strings: ${err.message}`);
      throw err;
    }
    if (bodies.length !== 2) throw at(`classes must hold exactly 2 candidate bodies, found ${bodies.length}`);
    const answer = record.fields[index.answer_index]!.trim();
    if (answer !== '0' && answer !== '1') throw at(`answer_index must be 0 or 1, found '${answer}'`);
    return {
      id: `row-${row + 1}`,
      line: record.line,
      prompt,
      bodies: [bodies[0]!, bodies[1]!],
      answerIndex: answer === '0' ? 0 : 1,
    };
  });
}

export async function loadIdentifierSwap(file: string): Promise<SwapItem[]> {
  return parseIdentifierSwap(file, await readFile(file, 'utf8'));
}
