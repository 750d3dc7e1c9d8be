// An RFC 4180 CSV reader that keeps the line each record starts on, for file:line errors. Quoted
// fields may span lines and hold doubled quotes; CRLF and LF both end a record.

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let recordHasContent = false;
  const endRecord = (): void => {
    fields.push(field);
    if (recordHasContent || fields.length > 1 || field !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    recordHasContent = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && field === '') {
      recordHasContent = true;
      const quoteLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvError('unterminated quoted field', quoteLine);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r')
        throw new CsvError(`unexpected character '${after}' after a quoted field`, line);
      continue;
    }
    if (ch === ',') {
      recordHasContent = true;
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    i++;
  }
  if (field !== '' || fields.length > 0 || recordHasContent) endRecord();
  return records;
}
