// Reads a Python list literal of string literals (the swap data set's `classes` column) without
// running Python: `["""body one""", 'body two']`. Supports the quote forms and the `r`/`u` prefixes
// Python accepts for text, and Python's escape sequences; unknown escapes stay as written, as in
// Python. Anything else (bytes, f-strings, numbers, nested lists) is a clear error.

export class PythonLiteralError extends Error {
  constructor(
    message: string,
    /** Character offset in the literal where reading stopped. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PythonLiteralError';
  }
}

const simpleEscapes: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f';
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new PythonLiteralError(`${message} at character ${this.pos}`, this.pos);
  }

  skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  hex(digits: number): number {
    const chunk = this.text.slice(this.pos, this.pos + digits);
    if (chunk.length !== digits || !/^[0-9a-fA-F]+$/.test(chunk))
      this.fail(`expected ${digits} hex digits in an escape`);
    this.pos += digits;
    return parseInt(chunk, 16);
  }

  string(): string {
    const start = this.pos;
    let raw = false;
    while (/[a-zA-Z]/.test(this.text[this.pos] ?? '')) {
      const prefix = this.text[this.pos]!.toLowerCase();
      if (prefix === 'r') raw = true;
      else if (prefix !== 'u') this.fail(`unsupported string prefix '${this.text.slice(start, this.pos + 1)}'`);
      this.pos++;
    }
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") this.fail('expected a string literal');
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const closing = triple ? quote.repeat(3) : quote;
    this.pos += closing.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string literal');
      if (this.text.startsWith(closing, this.pos)) {
        this.pos += closing.length;
        return out;
      }
      const ch = this.text[this.pos]!;
      if (!triple && ch === '\n') this.fail('newline in a single-quoted string');
      if (ch !== '\\') {
        out += ch;
        this.pos++;
        continue;
      }
      const next = this.text[this.pos + 1];
      if (next === undefined) this.fail('unterminated string literal');
      if (raw) {
        // A raw string keeps the backslash, and the escaped character never closes the string.
        out += ch + next;
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      if (next === '\n') continue;
      const simple = simpleEscapes[next];
      if (simple !== undefined) out += simple;
      else if (next === 'x') out += String.fromCodePoint(this.hex(2));
      else if (next === 'u') out += String.fromCodePoint(this.hex(4));
      else if (next === 'U') {
        const code = this.hex(8);
        if (code > 0x10ffff) this.fail('\\U escape beyond U+10FFFF');
        out += String.fromCodePoint(code);
      } else if (next >= '0' && next <= '7') {
        let digits = next;
        while (digits.length < 3 && /[0-7]/.test(this.text[this.pos] ?? '')) digits += this.text[this.pos++];
        out += String.fromCodePoint(parseInt(digits, 8));
      } else if (next === 'N') this.fail('\\N{name} escapes are not supported');
      else out += '\\' + next;
    }
  }
}

/** The strings of a Python list literal whose elements are all string literals. */
export function parsePythonStringList(text: string): string[] {
  const reader = new Reader(text);
  reader.skipSpace();
  reader.expect('[');
  const items: string[] = [];
  reader.skipSpace();
  if (text[reader.pos] === ']') {
    reader.pos++;
  } else {
    for (;;) {
      reader.skipSpace();
      items.push(reader.string());
      reader.skipSpace();
      if (text[reader.pos] === ',') {
        reader.pos++;
        reader.skipSpace();
        if (text[reader.pos] === ']') {
          reader.pos++;
          break;
        }
        continue;
      }
      reader.expect(']');
      break;
    }
  }
  reader.skipSpace();
  if (reader.pos !== text.length) reader.fail('unexpected text after the list');
  return items;
}
