// Python literals (the subset `ast.literal_eval` accepts) read into the PyValue tree and written
// back. Used to check an input's keys against a signature and to merge inputs that differ only in
// spelling; the sandbox stays the authority on what actually runs.
import type { PyValue } from './types';
import { pyValueKey } from './compare';
import { decodeBase64, encodeBase64 } from './base64';

export type LiteralParse = { ok: true; value: PyValue } | { ok: false; error: string; offset: number };
export type LiteralFormat = { ok: true; text: string } | { ok: false; error: string };

const MAX_DEPTH = 200;

class LiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Token =
  | { kind: 'str'; value: string; bytes: boolean; offset: number }
  | { kind: 'num'; text: string; offset: number }
  | { kind: 'name'; text: string; offset: number }
  | { kind: 'punct'; text: string; offset: number }
  | { kind: 'end'; offset: number };

const SIMPLE_ESCAPES: Record<string, string> = {
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

function decodeEscapes(raw: string, bytes: boolean, offset: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch !== '\\') {
      if (bytes && ch.charCodeAt(0) > 0x7f)
        throw new LiteralError('bytes can only contain ASCII literal characters', offset);
      out += ch;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) {
      out += '\\';
      continue;
    }
    if (next === '\n') {
      i++;
      continue;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    if (/[0-7]/.test(next)) {
      const m = /^[0-7]{1,3}/.exec(raw.slice(i + 1, i + 4)) as RegExpExecArray;
      out += String.fromCharCode(parseInt(m[0], 8) & (bytes ? 0xff : 0x1ff));
      i += m[0].length;
      continue;
    }
    const hexLength = next === 'x' ? 2 : !bytes && next === 'u' ? 4 : !bytes && next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = raw.slice(i + 2, i + 2 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex))
        throw new LiteralError(`truncated \\${next} escape`, offset);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new LiteralError('illegal Unicode character', offset);
      out += String.fromCodePoint(code);
      i += 1 + hexLength;
      continue;
    }
    if (!bytes && next === 'N') throw new LiteralError('named Unicode escapes are not supported', offset);
    out += '\\' + next; // unknown escapes stay as written, as in Python
    i++;
  }
  return out;
}

function isDigit(ch: string | undefined, radix = 10): boolean {
  if (ch === undefined || ch.length !== 1) return false;
  if (radix === 16) return /[0-9a-fA-F]/.test(ch);
  return ch >= '0' && ch <= String(radix - 1);
}

function isNameStart(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z_]/.test(ch);
}

function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}

/** End of a digit run with single underscores between digits, starting at `at` (== at when none). */
function scanDigits(text: string, at: number, radix = 10): number {
  if (!isDigit(text[at], radix)) return at;
  let end = at + 1;
  while (true) {
    const next = text[end] === '_' ? end + 1 : end;
    if (!isDigit(text[next], radix)) return end;
    end = next + 1;
  }
}

/**
 * End of the number literal starting at `at`, or `at` when there is none. Hand-written (no
 * backtracking regex) so long digit runs stay linear.
 */
function scanNumber(text: string, at: number): number {
  const prefix = text.slice(at, at + 2).toLowerCase();
  const radix = prefix === '0x' ? 16 : prefix === '0o' ? 8 : prefix === '0b' ? 2 : 0;
  if (radix !== 0) {
    const start = text[at + 2] === '_' ? at + 3 : at + 2;
    const end = scanDigits(text, start, radix);
    if (end > start) return end;
  }
  const intEnd = scanDigits(text, at);
  let end = intEnd;
  if (text[intEnd] === '.') {
    const fracEnd = scanDigits(text, intEnd + 1);
    if (fracEnd > intEnd + 1) end = fracEnd;
    else if (intEnd > at) end = intEnd + 1;
    else return at;
  } else if (intEnd === at) {
    return at;
  }
  if (text[end] === 'e' || text[end] === 'E') {
    const signed = text[end + 1] === '+' || text[end + 1] === '-' ? end + 2 : end + 1;
    const expEnd = scanDigits(text, signed);
    if (expEnd > signed) end = expEnd;
  }
  if (text[end] === 'j' || text[end] === 'J') end++;
  return end;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch) || (ch === '\\' && text[i + 1] === '\n')) {
      i += ch === '\\' ? 2 : 1;
      continue;
    }
    if (ch === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    const prefix = /^([rRbBuU]{0,2})(['"])/.exec(text.slice(i, i + 3));
    if (prefix && /^(|[rR]|[uU]|[bB]|[bB][rR]|[rR][bB])$/.test(prefix[1] as string)) {
      const flags = (prefix[1] as string).toLowerCase();
      const quote = prefix[2] as string;
      const start = i + flags.length;
      const triple = text.startsWith(quote.repeat(3), start);
      const open = triple ? 3 : 1;
      let j = start + open;
      let closed = -1;
      while (j < text.length) {
        const c = text[j];
        if (c === '\\') {
          j += 2;
          continue;
        }
        if (!triple && c === '\n') break;
        if (triple ? text.startsWith(quote.repeat(3), j) : c === quote) {
          closed = j;
          break;
        }
        j++;
      }
      if (closed < 0) throw new LiteralError('unterminated string', i);
      const raw = text.slice(start + open, closed);
      const bytes = flags.includes('b');
      const value = flags.includes('r') ? raw : decodeEscapes(raw, bytes, i);
      if (bytes && flags.includes('r') && [...raw].some((c) => c.charCodeAt(0) > 0x7f))
        throw new LiteralError('bytes can only contain ASCII literal characters', i);
      tokens.push({ kind: 'str', value, bytes, offset: i });
      i = closed + open;
      continue;
    }
    const numEnd = scanNumber(text, i);
    if (numEnd > i) {
      tokens.push({ kind: 'num', text: text.slice(i, numEnd), offset: i });
      i = numEnd;
      if (isNameChar(text[i])) throw new LiteralError('invalid number literal', i);
      continue;
    }
    if (isNameStart(ch)) {
      let end = i + 1;
      while (isNameChar(text[end])) end++;
      tokens.push({ kind: 'name', text: text.slice(i, end), offset: i });
      i = end;
      continue;
    }
    if ('{}[](),:+-'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, offset: i });
      i++;
      continue;
    }
    throw new LiteralError(`unexpected character ${JSON.stringify(ch)}`, i);
  }
  tokens.push({ kind: 'end', offset: text.length });
  return tokens;
}

function bytesOfLatin1(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

type Num = { t: 'int'; v: bigint } | { t: 'float'; v: number } | { t: 'complex'; re: number; im: number };

function floatValue(v: number): PyValue {
  if (Number.isNaN(v)) return { t: 'float', v: 'nan' };
  if (v === Number.POSITIVE_INFINITY) return { t: 'float', v: 'inf' };
  if (v === Number.NEGATIVE_INFINITY) return { t: 'float', v: '-inf' };
  return { t: 'float', v };
}

function component(v: number): number | 'nan' | 'inf' | '-inf' {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return v;
}

function numValue(n: Num): PyValue {
  if (n.t === 'int') return { t: 'int', v: n.v.toString() };
  if (n.t === 'float') return floatValue(n.v);
  return { t: 'complex', re: component(n.re), im: component(n.im) };
}

function isLeadingZeroDecimal(text: string): boolean {
  return /^0[\d_]*[1-9]/.test(text) && !/[.eEjJxXoObB]/.test(text);
}

function readNumber(token: Extract<Token, { kind: 'num' }>): Num {
  const text = token.text.replace(/_/g, '');
  if (/[jJ]$/.test(text)) return { t: 'complex', re: 0, im: Number(text.slice(0, -1)) };
  if (/^0[xXoObB]/.test(text)) return { t: 'int', v: BigInt(text.toLowerCase()) };
  if (/[.eE]/.test(text)) return { t: 'float', v: Number(text) };
  if (isLeadingZeroDecimal(text))
    throw new LiteralError('leading zeros in a decimal integer are not permitted', token.offset);
  return { t: 'int', v: BigInt(text) };
}

function negate(n: Num): Num {
  if (n.t === 'int') return { t: 'int', v: -n.v };
  if (n.t === 'float') return { t: 'float', v: -n.v };
  return { t: 'complex', re: -n.re, im: -n.im };
}

function hashable(value: PyValue): boolean {
  if (value.t === 'list' || value.t === 'dict' || value.t === 'set') return false;
  if (value.t === 'tuple') return value.v.every(hashable);
  return true;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private take(): Token {
    const t = this.tokens[this.pos] as Token;
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  private expect(text: string): void {
    const t = this.take();
    if (t.kind !== 'punct' || t.text !== text) throw new LiteralError(`expected '${text}'`, t.offset);
  }

  /** The whole text: one value, or a bare tuple `a, b`. */
  top(): PyValue {
    const first = this.value(0);
    let result = first;
    if (this.isPunct(',')) {
      const items = [first];
      while (this.isPunct(',')) {
        this.take();
        if (this.peek().kind === 'end') break;
        items.push(this.value(0));
      }
      result = { t: 'tuple', v: items };
    }
    const rest = this.peek();
    if (rest.kind !== 'end') throw new LiteralError('unexpected text after the literal', rest.offset);
    return result;
  }

  private signedNumber(): Num | null {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+')) {
      this.take();
      const operand = this.take();
      if (operand.kind !== 'num') throw new LiteralError(`'${t.text}' must be followed by a number`, operand.offset);
      const n = readNumber(operand);
      return t.text === '-' ? negate(n) : n;
    }
    if (t.kind === 'num') {
      this.take();
      return readNumber(t);
    }
    return null;
  }

  private value(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw new LiteralError('nested too deeply', this.peek().offset);
    const number = this.signedNumber();
    if (number) {
      const op = this.peek();
      if (op.kind === 'punct' && (op.text === '+' || op.text === '-') && number.t !== 'complex') {
        this.take();
        const right = this.take();
        const imaginary = right.kind === 'num' ? readNumber(right) : null;
        if (!imaginary || imaginary.t !== 'complex')
          throw new LiteralError('only real ± imaginary is allowed', right.offset);
        const re = number.t === 'int' ? Number(number.v) : number.v;
        return numValue({
          t: 'complex',
          re: op.text === '+' ? re + imaginary.re : re - imaginary.re,
          im: op.text === '+' ? imaginary.im : -imaginary.im,
        });
      }
      return numValue(number);
    }
    const t = this.take();
    switch (t.kind) {
      case 'str':
        return this.strings(t);
      case 'name':
        if (t.text === 'None') return { t: 'none' };
        if (t.text === 'True') return { t: 'bool', v: true };
        if (t.text === 'False') return { t: 'bool', v: false };
        if (t.text === 'set' && this.isPunct('(')) {
          this.take();
          this.expect(')');
          return { t: 'set', v: [] };
        }
        throw new LiteralError(`'${t.text}' is not a literal`, t.offset);
      case 'punct':
        if (t.text === '[') return { t: 'list', v: this.items(']', depth) };
        if (t.text === '(') return this.paren(depth);
        if (t.text === '{') return this.brace(depth);
        throw new LiteralError(`unexpected '${t.text}'`, t.offset);
      case 'num':
      case 'end':
        throw new LiteralError('unexpected end of literal', t.offset);
    }
  }

  private strings(first: Extract<Token, { kind: 'str' }>): PyValue {
    let text = first.value;
    while (this.peek().kind === 'str') {
      const next = this.take() as Extract<Token, { kind: 'str' }>;
      if (next.bytes !== first.bytes) throw new LiteralError('cannot mix bytes and str literals', next.offset);
      text += next.value;
    }
    return first.bytes ? { t: 'bytes', v: encodeBase64(bytesOfLatin1(text)) } : { t: 'str', v: text };
  }

  private items(close: string, depth: number): PyValue[] {
    const out: PyValue[] = [];
    while (!this.isPunct(close)) {
      out.push(this.value(depth + 1));
      if (this.isPunct(',')) this.take();
      else break;
    }
    this.expect(close);
    return out;
  }

  private paren(depth: number): PyValue {
    if (this.isPunct(')')) {
      this.take();
      return { t: 'tuple', v: [] };
    }
    const first = this.value(depth + 1);
    if (this.isPunct(')')) {
      this.take();
      return first;
    }
    this.expect(',');
    const rest = this.items(')', depth);
    return { t: 'tuple', v: [first, ...rest] };
  }

  private brace(depth: number): PyValue {
    if (this.isPunct('}')) {
      this.take();
      return { t: 'dict', v: [] };
    }
    const firstOffset = this.peek().offset;
    const first = this.value(depth + 1);
    if (this.isPunct(':')) {
      const entries = new Map<string, [PyValue, PyValue]>();
      let key = first;
      let keyOffset = firstOffset;
      while (true) {
        this.expect(':');
        const val = this.value(depth + 1);
        if (!hashable(key)) throw new LiteralError(`unhashable dict key of type ${key.t}`, keyOffset);
        const k = pyValueKey(key);
        const existing = entries.get(k);
        // Python keeps the first key object and the last value.
        entries.set(k, [existing ? existing[0] : key, val]);
        if (this.isPunct(',')) this.take();
        else break;
        if (this.isPunct('}')) break;
        keyOffset = this.peek().offset;
        key = this.value(depth + 1);
      }
      this.expect('}');
      return { t: 'dict', v: [...entries.values()] };
    }
    const members = [first];
    if (this.isPunct(',')) {
      this.take();
      members.push(...this.items('}', depth));
    } else this.expect('}');
    const unique = new Map<string, PyValue>();
    for (const m of members) {
      if (!hashable(m)) throw new LiteralError(`unhashable set member of type ${m.t}`, firstOffset);
      const k = pyValueKey(m);
      if (!unique.has(k)) unique.set(k, m);
    }
    return { t: 'set', v: [...unique.values()] };
  }
}

/** Parses a Python literal as `ast.literal_eval` would (no `\N{...}` escapes). Never throws. */
export function parsePyLiteral(text: string): LiteralParse {
  try {
    return { ok: true, value: new Parser(tokenize(text)).top() };
  } catch (err) {
    if (err instanceof LiteralError) return { ok: false, error: err.message, offset: err.offset };
    if (err instanceof RangeError || err instanceof SyntaxError) return { ok: false, error: err.message, offset: 0 };
    throw err;
  }
}

function formatFloatText(v: number): string {
  if (Object.is(v, -0)) return '-0.0';
  if (v === Number.POSITIVE_INFINITY) return '1e999';
  if (v === Number.NEGATIVE_INFINITY) return '-1e999';
  const s = String(v);
  return /[.e]/.test(s) ? s : s + '.0';
}

function formatComponent(v: number | 'nan' | 'inf' | '-inf'): string {
  if (v === 'inf') return '1e999';
  if (v === '-inf') return '-1e999';
  if (v === 'nan') throw new LiteralError('NaN has no literal', 0);
  if (Object.is(v, -0)) return '-0.0';
  return String(v);
}

function formatStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (
      code >= 0xd800 &&
      code <= 0xdbff &&
      i + 1 < s.length &&
      s.charCodeAt(i + 1) >= 0xdc00 &&
      s.charCodeAt(i + 1) <= 0xdfff
    ) {
      out += ch + s[i + 1];
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + quote;
}

function formatBytes(base64: string): string {
  const bytes = decodeBase64(base64);
  if (bytes === null) throw new LiteralError('bytes value is not base64', 0);
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = 'b' + quote;
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

function format(value: PyValue): string {
  switch (value.t) {
    case 'none':
      return 'None';
    case 'bool':
      return value.v ? 'True' : 'False';
    case 'int':
      return BigInt(value.v).toString();
    case 'float':
      if (value.v === 'nan') throw new LiteralError('NaN has no literal', 0);
      return formatFloatText(
        value.v === 'inf' ? Number.POSITIVE_INFINITY : value.v === '-inf' ? Number.NEGATIVE_INFINITY : value.v,
      );
    case 'complex': {
      const im = formatComponent(value.im);
      // A real part of -0.0 has no literal next to a non-negative imaginary part (-0.0+0j is 0j).
      if (value.re === 0 && !im.startsWith('-')) return `${im}j`;
      const re = formatComponent(value.re);
      return im.startsWith('-') ? `(${re}${im}j)` : `(${re}+${im}j)`;
    }
    case 'str':
      return formatStr(value.v);
    case 'bytes':
      return formatBytes(value.v);
    case 'list':
      return `[${value.v.map(format).join(', ')}]`;
    case 'tuple':
      return value.v.length === 1 ? `(${format(value.v[0] as PyValue)},)` : `(${value.v.map(format).join(', ')})`;
    case 'set':
      return value.v.length === 0 ? 'set()' : `{${value.v.map(format).join(', ')}}`;
    case 'frozenset':
      throw new LiteralError('frozenset has no literal', 0);
    case 'dict':
      return `{${value.v.map(([k, v]) => `${format(k)}: ${format(v)}`).join(', ')}}`;
    case 'object':
      throw new LiteralError(`a ${value.type} object has no literal`, 0);
  }
}

/**
 * Writes a value as a Python literal that `ast.literal_eval` reads back to an equal value of the
 * same types (infinities as `1e999`). NaN, frozensets and `object` values have no literal.
 */
export function formatPyLiteral(value: PyValue): LiteralFormat {
  try {
    return { ok: true, text: format(value) };
  } catch (err) {
    if (err instanceof LiteralError || err instanceof SyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}
