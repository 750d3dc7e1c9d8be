// Reads the JSON records of a data file with the line each starts on: JSON Lines (one object per
// line, blank lines allowed) or one top-level JSON array of objects, as data sets are published in
// either form. Each record is parsed on its own, so one bad record is reported at its own line.
import { DatasetError } from './dataset-error';

export interface JsonRecord {
  line: number;
  value: unknown;
}

function parseRecord(file: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DatasetError(file, line, `not valid JSON: ${(err as Error).message}`);
  }
}

function jsonLines(file: string, text: string): JsonRecord[] {
  const records: JsonRecord[] = [];
  text.split('\n').forEach((raw, index) => {
    const body = raw.trim();
    if (body !== '') records.push({ line: index + 1, value: parseRecord(file, index + 1, body) });
  });
  return records;
}

/** Splits a top-level JSON array into its elements' source text, tracking strings and nesting. */
function jsonArray(file: string, text: string, start: number): JsonRecord[] {
  const records: JsonRecord[] = [];
  let line = 1 + (text.slice(0, start).match(/\n/g)?.length ?? 0);
  let depth = 0;
  let inString = false;
  let elementStart = -1;
  let elementLine = line;
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (elementStart < 0 && !/\s|,/.test(ch) && !(ch === ']' && depth === 0)) {
      elementStart = i;
      elementLine = line;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      if (depth === 0) {
        if (elementStart >= 0)
          records.push({ line: elementLine, value: parseRecord(file, elementLine, text.slice(elementStart, i)) });
        if (text.slice(i + 1).trim() !== '')
          throw new DatasetError(file, line, 'unexpected text after the top-level array');
        return records;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      if (elementStart < 0) throw new DatasetError(file, line, 'empty element in the top-level array');
      records.push({ line: elementLine, value: parseRecord(file, elementLine, text.slice(elementStart, i)) });
      elementStart = -1;
    }
  }
  throw new DatasetError(file, line, 'the top-level JSON array is not closed');
}

export function readJsonRecords(file: string, text: string): JsonRecord[] {
  const first = text.search(/\S/);
  if (first >= 0 && text[first] === '[') return jsonArray(file, text, first);
  return jsonLines(file, text);
}
