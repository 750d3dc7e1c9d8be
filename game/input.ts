// Diverging inputs as text: pulling a dict literal out of a reply's code block, and a canonical
// form under which the "same" input written differently merges (for difficulty weights and for
// executing each distinct input once).
import type { DivergingInput } from './types';
import { parsePyLiteral, formatPyLiteral } from './literal';

/**
 * Index just past the Python string starting at `start` (a quote character), honouring triple
 * quotes and backslash escapes; `text.length` when it never closes.
 */
export function skipPyString(text: string, start: number): number {
  const quote = text[start] as string;
  const triple = text.startsWith(quote.repeat(3), start);
  let i = start + (triple ? 3 : 1);
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (triple) {
      if (text.startsWith(quote.repeat(3), i)) return i + 3;
    } else if (ch === quote) {
      return i + 1;
    } else if (ch === '\n') {
      return i; // an unterminated single-quoted string stops at the line end
    }
    i++;
  }
  return text.length;
}

/** Index just past the bracket group opening at `start`, or -1 when it never closes. */
export function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      i = skipPyString(text, i);
      continue;
    }
    if (ch === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    }
    i++;
  }
  return -1;
}

const ASSIGNMENT_PREFIX = /^[A-Za-z_]\w*\s*(?::\s*[A-Za-z_][\w.[\], ]*)?=\s*(?=\{)/;
/** `Input: {...}` */
const LABEL_PREFIX = /^[A-Za-z_][\w ]{0,40}:\s*(?=\{)/;
/** `f(**{...})` or `**{...}`: the dict is the keyword arguments. */
const SPLAT_CALL_PREFIX = /^(?:[A-Za-z_][\w.]{0,100}\(\s*)?\*\*(?=\{)/;

/**
 * The dict literal in a code block or line: leading comment lines and an `input = ` style
 * assignment, an `Input:` label or an `f(**` call prefix are dropped, and anything after the balanced closing brace (comments, a second
 * example, an arrow and expected result) is cut. Null when the text does not start with `{`.
 * An unbalanced literal (a cut-off reply) is returned as written so execution can reject it.
 */
export function extractDictLiteral(text: string): DivergingInput | null {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let first = 0;
  while (first < lines.length && /^\s*(#.*)?$/.test(lines[first] as string)) first++;
  const body = lines
    .slice(first)
    .join('\n')
    .trim()
    .replace(ASSIGNMENT_PREFIX, '')
    .replace(LABEL_PREFIX, '')
    .replace(SPLAT_CALL_PREFIX, '');
  if (!body.startsWith('{')) return null;
  const end = balancedEnd(body, 0);
  return end < 0 ? body : body.slice(0, end);
}

/** Removes whitespace and comments outside strings. */
function squeeze(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      const end = skipPyString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (ch === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else {
      if (!/\s/.test(ch)) out += ch;
      i++;
    }
  }
  return out;
}

/**
 * A canonical text for an input: when it parses as a Python literal, its canonical rendering
 * (quotes, spacing, number spelling and trailing commas normalised; key order and types kept,
 * since `{'x': 1}` and `{'x': 1.0}` can behave differently); otherwise the text with whitespace
 * and comments outside strings removed.
 */
export function canonicalInput(input: DivergingInput): string {
  const parsed = parsePyLiteral(input);
  if (parsed.ok) {
    const formatted = formatPyLiteral(parsed.value);
    if (formatted.ok) return formatted.text;
  }
  return squeeze(input);
}

/** The top-level keys of a dict-literal input when they are all strings; null when it does not parse so. */
export function inputKeys(input: DivergingInput): string[] | null {
  const parsed = parsePyLiteral(input);
  if (!parsed.ok || parsed.value.t !== 'dict') return null;
  const keys: string[] = [];
  for (const [k] of parsed.value.v) {
    if (k.t !== 'str') return null;
    keys.push(k.v);
  }
  return keys;
}
