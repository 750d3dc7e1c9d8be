// Visibility list filter: the subset of Temporal's SQL-like workflow list query language this server
// understands, parsed by a small tokenizer and recursive-descent parser and compiled to closures.
//
// Supported subset
// ----------------
//   query      := [condition] [ORDER BY order-key {"," order-key}]        (empty query matches everything)
//   condition  := and-expr {OR and-expr}                                  (AND binds tighter than OR)
//   and-expr   := primary {AND primary}
//   primary    := "(" condition ")" | predicate
//   predicate  := attribute ( ("=" | "!=" | "<>" | "<" | ">" | "<=" | ">=") value
//                           | [NOT] IN "(" value {"," value} ")"
//                           | [NOT] BETWEEN value AND value             (inclusive at both ends)
//                           | [NOT] STARTS_WITH string                  (Keyword attributes only)
//                           | IS [NOT] NULL )
//   order-key  := attribute [ASC | DESC]                                  (default ASC)
//   attribute  := name | `name in backticks`        (names are case-sensitive; keywords are not)
//   value      := 'string' | "string" | number | TRUE | FALSE
//
// Strings take backslash escapes (\' \" \\ \/ \0 \n \r \t \uXXXX) and a doubled quote ('it''s').
// Numbers: optional minus, digits, optional fraction and exponent.
//
// Built-in attributes: WorkflowId, RunId, WorkflowType, TaskQueue (Keyword), ExecutionStatus (one of
// Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut; case-insensitive),
// StartTime, CloseTime, ExecutionTime (Datetime; CloseTime is null while running; ExecutionTime is
// StartTime unless the record says otherwise), HistoryLength (Int; null unless the record has it).
// Built-in names take precedence over registered custom attributes of the same name.
//
// Types and the operators they take:
//   Keyword          all comparisons (exact, code-unit order), IN, BETWEEN, STARTS_WITH
//   Int, Double      all comparisons, IN, BETWEEN (Int needs integer literals; numeric strings are accepted)
//   Datetime         all comparisons, IN, BETWEEN; literals are RFC 3339 strings, compared as instants
//                    (to the millisecond; 'T' or a space between date and time; Z or +hh:mm offset)
//   Bool             = and != (TRUE/FALSE or 'true'/'false')
//   KeywordList      =, != and IN: matches when any element equals
//   Text             = and !=: matches when every word of the literal occurs among the value's words
//                    (case-insensitive)
//   ExecutionStatus  =, != and IN with status names
// Every type takes IS NULL / IS NOT NULL (an empty KeywordList counts as null). A comparison with an
// absent (null) attribute is false; negated forms (!=, <>, NOT IN, NOT BETWEEN, NOT STARTS_WITH) are the exact negation of the positive
// form, so they match records without the attribute.
// ORDER BY takes any attribute except Text and KeywordList; nulls sort last in either direction; ties
// fall back to RunId ascending. Without ORDER BY the order is StartTime DESC, then RunId.
//
// Errors are VisibilityQueryError (code E_QUERY) naming the column, what was expected, unknown
// attributes and type mismatches.

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export type WorkflowStatusName = 'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Terminated' | 'ContinuedAsNew' | 'TimedOut';

export interface VisibilityRecord {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: WorkflowStatusName;
  startTime: Date;
  closeTime?: Date;
  /** When the first workflow task was due (later than startTime for delayed/cron starts); default startTime. */
  executionTime?: Date;
  /** Number of events in the run's history, when known. */
  historyLength?: number;
  taskQueue: string;
  searchAttributes: Record<string, string | number | boolean | string[] | Date | null>;
}

export class VisibilityQueryError extends Error {
  readonly code = 'E_QUERY';
  constructor(
    message: string,
    /** 1-based column in the query text, when the error has a place. */
    readonly column?: number,
  ) {
    super(message);
    this.name = 'VisibilityQueryError';
  }
}

export interface VisibilityQuery {
  matches(record: VisibilityRecord): boolean;
  /** Sort comparator for ORDER BY (default: StartTime DESC, then RunId). */
  compare(a: VisibilityRecord, b: VisibilityRecord): number;
}

export const workflowStatusNames: readonly WorkflowStatusName[] = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'];

/** Types of the built-in attributes (ExecutionStatus is a Keyword restricted to status names). */
export const builtinAttributeTypes: Readonly<Record<string, SearchAttributeType>> = {
  WorkflowId: 'Keyword',
  RunId: 'Keyword',
  WorkflowType: 'Keyword',
  TaskQueue: 'Keyword',
  ExecutionStatus: 'Keyword',
  StartTime: 'Datetime',
  CloseTime: 'Datetime',
  ExecutionTime: 'Datetime',
  HistoryLength: 'Int',
};

// ---------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'name' | 'quotedName' | 'string' | 'number' | 'op' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  /** Decoded text: identifier, string contents, number text or operator. */
  text: string;
  column: number;
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of query';
    case 'string':
      return `string '${token.text}'`;
    case 'quotedName':
      return `\`${token.text}\``;
    default:
      return `'${token.text}'`;
  }
}

const OPERATORS = ['<=', '>=', '!=', '<>', '=', '<', '>'];

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at: number): never => {
    throw new VisibilityQueryError(`syntax error at column ${at + 1}: ${message}`, at + 1);
  };
  while (i < query.length) {
    const ch = query[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, text: ch, column: start + 1 });
      i++;
      continue;
    }
    const op = OPERATORS.find((candidate) => query.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, column: start + 1 });
      i += op.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= query.length) fail(`unterminated string starting here`, start);
        const c = query[i]!;
        if (c === ch) {
          if (query[i + 1] === ch) {
            text += ch;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\\') {
          const next = query[i + 1];
          const simple: Record<string, string> = { "'": "'", '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', '0': '\0', '/': '/' };
          if (next !== undefined && next in simple) {
            text += simple[next];
            i += 2;
            continue;
          }
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(query.slice(i + 2, i + 6))) {
            text += String.fromCharCode(Number.parseInt(query.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          fail(`unknown escape '\\${next ?? ''}' in string`, i);
        }
        text += c;
        i++;
      }
      tokens.push({ kind: 'string', text, column: start + 1 });
      continue;
    }
    if (ch === '`') {
      const close = query.indexOf('`', i + 1);
      if (close < 0) fail('unterminated `quoted` attribute name', start);
      const text = query.slice(i + 1, close);
      if (text.length === 0) fail('empty `quoted` attribute name', start);
      tokens.push({ kind: 'quotedName', text, column: start + 1 });
      i = close + 1;
      continue;
    }
    const number = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(query.slice(i));
    if (number && !/[A-Za-z_]/.test(query[i + number[0].length] ?? '')) {
      tokens.push({ kind: 'number', text: number[0], column: start + 1 });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(query.slice(i));
    if (name) {
      tokens.push({ kind: 'name', text: name[0], column: start + 1 });
      i += name[0].length;
      continue;
    }
    fail(`unexpected character '${ch}'`, start);
  }
  tokens.push({ kind: 'end', text: '', column: query.length + 1 });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Attribute values as the compiled predicates see them: datetimes as epoch milliseconds. */
type Scalar = string | number | boolean;
type NormalValue = Scalar | string[] | null;

type AttributeKind = SearchAttributeType | 'Status';

interface Attribute {
  name: string;
  kind: AttributeKind;
  get(record: VisibilityRecord): NormalValue;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 date-time to epoch milliseconds, or undefined when it is not one. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let offsetMinutes = 0;
  if (m[9]) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offsetMinutes * 60_000;
}

function normalizeCustom(kind: SearchAttributeType, raw: VisibilityRecord['searchAttributes'][string] | undefined): NormalValue {
  if (raw === undefined || raw === null) return null;
  switch (kind) {
    case 'Keyword':
    case 'Text':
      return typeof raw === 'string' ? raw : null;
    case 'KeywordList':
      if (typeof raw === 'string') return [raw];
      return Array.isArray(raw) ? raw.filter((item): item is string => typeof item === 'string') : null;
    case 'Int':
      return typeof raw === 'number' && Number.isInteger(raw) ? raw : null;
    case 'Double':
      return typeof raw === 'number' && !Number.isNaN(raw) ? raw : null;
    case 'Bool':
      return typeof raw === 'boolean' ? raw : null;
    case 'Datetime': {
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.getTime();
      if (typeof raw === 'string') return parseRfc3339(raw) ?? null;
      return null;
    }
  }
}

const builtinAttributes: Record<string, Omit<Attribute, 'name'>> = {
  WorkflowId: { kind: 'Keyword', get: (r) => r.workflowId },
  RunId: { kind: 'Keyword', get: (r) => r.runId },
  WorkflowType: { kind: 'Keyword', get: (r) => r.workflowType },
  TaskQueue: { kind: 'Keyword', get: (r) => r.taskQueue },
  ExecutionStatus: { kind: 'Status', get: (r) => r.status },
  StartTime: { kind: 'Datetime', get: (r) => r.startTime.getTime() },
  CloseTime: { kind: 'Datetime', get: (r) => (r.closeTime ? r.closeTime.getTime() : null) },
  ExecutionTime: { kind: 'Datetime', get: (r) => (r.executionTime ?? r.startTime).getTime() },
  HistoryLength: { kind: 'Int', get: (r) => (typeof r.historyLength === 'number' ? r.historyLength : null) },
};

const typeDescriptions: Record<AttributeKind, string> = {
  Keyword: 'Keyword (a string)',
  Text: 'Text (a string)',
  KeywordList: 'KeywordList (a string)',
  Int: 'Int (an integer)',
  Double: 'Double (a number)',
  Bool: 'Bool (TRUE or FALSE)',
  Datetime: "Datetime (an RFC 3339 string such as '2025-01-31T12:00:00Z')",
  Status: `an execution status (${workflowStatusNames.join(', ')})`,
};

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((word) => word.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Parser

type Matcher = (record: VisibilityRecord) => boolean;
type Comparator = (a: VisibilityRecord, b: VisibilityRecord) => number;

const ORDERABLE: ReadonlySet<AttributeKind> = new Set<AttributeKind>(['Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'Status']);

const OPERATORS_BY_KIND: Record<AttributeKind, ReadonlySet<string>> = {
  Keyword: new Set(['=', '!=', '<', '>', '<=', '>=', 'IN', 'BETWEEN', 'STARTS_WITH']),
  Int: new Set(['=', '!=', '<', '>', '<=', '>=', 'IN', 'BETWEEN']),
  Double: new Set(['=', '!=', '<', '>', '<=', '>=', 'IN', 'BETWEEN']),
  Datetime: new Set(['=', '!=', '<', '>', '<=', '>=', 'IN', 'BETWEEN']),
  Bool: new Set(['=', '!=']),
  KeywordList: new Set(['=', '!=', 'IN']),
  Text: new Set(['=', '!=']),
  Status: new Set(['=', '!=', 'IN']),
};

function compareScalars(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'BETWEEN', 'STARTS_WITH', 'IS', 'NULL', 'ORDER', 'BY', 'ASC', 'DESC', 'TRUE', 'FALSE']);

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly attributeTypes: Record<string, SearchAttributeType>,
  ) {}

  parseQuery(): VisibilityQuery {
    let matches: Matcher = () => true;
    if (this.peek().kind !== 'end' && !this.atKeyword('ORDER')) matches = this.parseOr();
    let compare: Comparator = defaultCompare;
    let ordered = false;
    if (this.atKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY', "'BY' after 'ORDER'");
      compare = this.parseOrderBy();
      ordered = true;
    }
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(rest, ordered ? "',' or end of query" : "'AND', 'OR', 'ORDER BY' or end of query");
    return { matches, compare };
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private atKeyword(keyword: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'name' && token.text.toUpperCase() === keyword;
  }

  private fail(token: Token, expected: string): never {
    throw new VisibilityQueryError(`syntax error at column ${token.column}: expected ${expected}, found ${describeToken(token)}`, token.column);
  }

  private expectKeyword(keyword: string, expected: string): void {
    if (!this.atKeyword(keyword)) this.fail(this.peek(), expected);
    this.next();
  }

  private expectKind(kind: TokenKind, expected: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(token, expected);
    return this.next();
  }

  private parseOr(): Matcher {
    const parts = [this.parseAnd()];
    while (this.atKeyword('OR')) {
      this.next();
      parts.push(this.parseAnd());
    }
    if (parts.length === 1) return parts[0]!;
    return (record) => parts.some((part) => part(record));
  }

  private parseAnd(): Matcher {
    const parts = [this.parsePrimary()];
    while (this.atKeyword('AND')) {
      this.next();
      parts.push(this.parsePrimary());
    }
    if (parts.length === 1) return parts[0]!;
    return (record) => parts.every((part) => part(record));
  }

  private parsePrimary(): Matcher {
    if (this.peek().kind === '(') {
      this.next();
      const inner = this.parseOr();
      this.expectKind(')', "')' or 'AND'/'OR'");
      return inner;
    }
    return this.parsePredicate();
  }

  private parseAttribute(): Attribute {
    const token = this.peek();
    if (token.kind !== 'quotedName' && (token.kind !== 'name' || KEYWORDS.has(token.text.toUpperCase()))) {
      this.fail(token, "an attribute name or '('");
    }
    this.next();
    const builtin = ownValue(builtinAttributes, token.text);
    if (builtin) return { name: token.text, ...builtin };
    const type = ownValue(this.attributeTypes, token.text);
    if (type === undefined) {
      throw new VisibilityQueryError(`unknown search attribute '${token.text}' at column ${token.column}`, token.column);
    }
    return { name: token.text, kind: type, get: (record) => normalizeCustom(type, record.searchAttributes[token.text]) };
  }

  private parsePredicate(): Matcher {
    const attributeToken = this.peek();
    const attribute = this.parseAttribute();
    const token = this.peek();
    if (token.kind === 'op') {
      this.next();
      const op = token.text === '<>' ? '!=' : token.text;
      this.checkOperator(attribute, op, token);
      const value = this.parseValue(attribute);
      return this.comparison(attribute, op, value);
    }
    if (this.atKeyword('IS')) {
      this.next();
      let negated = false;
      if (this.atKeyword('NOT')) {
        this.next();
        negated = true;
      }
      this.expectKeyword('NULL', negated ? "'NULL'" : "'NULL' or 'NOT NULL'");
      return (record) => isNull(attribute.get(record)) !== negated;
    }
    let negated = false;
    if (this.atKeyword('NOT')) {
      this.next();
      negated = true;
      if (!this.atKeyword('IN') && !this.atKeyword('BETWEEN') && !this.atKeyword('STARTS_WITH')) {
        this.fail(this.peek(), "'IN', 'BETWEEN' or 'STARTS_WITH' after 'NOT'");
      }
    }
    let positive: Matcher;
    const keywordToken = this.peek();
    if (this.atKeyword('IN')) {
      this.next();
      this.checkOperator(attribute, 'IN', keywordToken);
      this.expectKind('(', "'(' after 'IN'");
      const values = [this.parseValue(attribute)];
      while (this.peek().kind === ',') {
        this.next();
        values.push(this.parseValue(attribute));
      }
      this.expectKind(')', "',' or ')' in the IN list");
      const tests = values.map((value) => this.comparison(attribute, '=', value));
      positive = (record) => tests.some((test) => test(record));
    } else if (this.atKeyword('BETWEEN')) {
      this.next();
      this.checkOperator(attribute, 'BETWEEN', keywordToken);
      const low = this.parseValue(attribute);
      this.expectKeyword('AND', "'AND' between the BETWEEN bounds");
      const high = this.parseValue(attribute);
      const atLeast = this.comparison(attribute, '>=', low);
      const atMost = this.comparison(attribute, '<=', high);
      positive = (record) => atLeast(record) && atMost(record);
    } else if (this.atKeyword('STARTS_WITH')) {
      this.next();
      this.checkOperator(attribute, 'STARTS_WITH', keywordToken);
      const prefix = this.parseValue(attribute) as string;
      positive = (record) => {
        const value = attribute.get(record);
        return typeof value === 'string' && value.startsWith(prefix);
      };
    } else {
      this.fail(token, `an operator after attribute '${attributeToken.text}' (=, !=, <, >, <=, >=, IN, BETWEEN, STARTS_WITH, IS NULL)`);
    }
    return negated ? (record) => !positive(record) : positive;
  }

  private checkOperator(attribute: Attribute, op: string, at: Token): void {
    if (!OPERATORS_BY_KIND[attribute.kind].has(op)) {
      const allowed = [...OPERATORS_BY_KIND[attribute.kind]].join(', ');
      throw new VisibilityQueryError(
        `operator ${op} at column ${at.column} does not apply to '${attribute.name}', which is ${typeDescriptions[attribute.kind]}; it takes ${allowed}, IS NULL`,
        at.column,
      );
    }
  }

  /** Reads one literal and converts it to the attribute's type (datetimes to epoch ms). */
  private parseValue(attribute: Attribute): Scalar {
    const token = this.peek();
    const isBool = token.kind === 'name' && (token.text.toUpperCase() === 'TRUE' || token.text.toUpperCase() === 'FALSE');
    if (token.kind !== 'string' && token.kind !== 'number' && !isBool) this.fail(token, `a value for '${attribute.name}'`);
    this.next();
    const mismatch = (): never => {
      throw new VisibilityQueryError(
        `type mismatch at column ${token.column}: '${attribute.name}' is ${typeDescriptions[attribute.kind]}, got ${isBool ? token.text : describeToken(token)}`,
        token.column,
      );
    };
    switch (attribute.kind) {
      case 'Keyword':
      case 'Text':
      case 'KeywordList':
        return token.kind === 'string' ? token.text : mismatch();
      case 'Status': {
        if (token.kind !== 'string') return mismatch();
        const status = workflowStatusNames.find((name) => name.toLowerCase() === token.text.toLowerCase());
        return status ?? mismatch();
      }
      case 'Int': {
        if (token.kind !== 'number' && token.kind !== 'string') return mismatch();
        const text = token.text.trim();
        if (!/^-?\d+$/.test(text)) return mismatch();
        const value = Number(text);
        return Number.isSafeInteger(value) ? value : mismatch();
      }
      case 'Double': {
        if (token.kind !== 'number' && token.kind !== 'string') return mismatch();
        const text = token.text.trim();
        if (!/^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return mismatch();
        const value = Number(text);
        return Number.isFinite(value) ? value : mismatch();
      }
      case 'Bool': {
        const text = token.text.toLowerCase();
        if ((isBool || token.kind === 'string') && (text === 'true' || text === 'false')) return text === 'true';
        return mismatch();
      }
      case 'Datetime': {
        if (token.kind !== 'string') return mismatch();
        return parseRfc3339(token.text) ?? mismatch();
      }
    }
  }

  private comparison(attribute: Attribute, op: string, literal: Scalar): Matcher {
    if (attribute.kind === 'KeywordList') {
      const equals: Matcher = (record) => {
        const value = attribute.get(record);
        return Array.isArray(value) && value.includes(literal as string);
      };
      return op === '!=' ? (record) => !equals(record) : equals;
    }
    if (attribute.kind === 'Text') {
      const wanted = words(literal as string);
      const equals: Matcher = (record) => {
        const value = attribute.get(record);
        if (typeof value !== 'string') return false;
        const have = new Set(words(value));
        return wanted.every((word) => have.has(word));
      };
      return op === '!=' ? (record) => !equals(record) : equals;
    }
    const positiveOp = op === '!=' ? '=' : op;
    const test = (value: NormalValue): boolean => {
      if (value === null || Array.isArray(value)) return false;
      const order = compareScalars(value, literal);
      switch (positiveOp) {
        case '=':
          return order === 0;
        case '<':
          return order < 0;
        case '>':
          return order > 0;
        case '<=':
          return order <= 0;
        case '>=':
          return order >= 0;
        default:
          return false;
      }
    };
    if (op === '!=') return (record) => !test(attribute.get(record));
    return (record) => test(attribute.get(record));
  }

  private parseOrderBy(): Comparator {
    const keys: { attribute: Attribute; descending: boolean }[] = [];
    for (;;) {
      const token = this.peek();
      const attribute = this.parseAttribute();
      if (!ORDERABLE.has(attribute.kind)) {
        throw new VisibilityQueryError(
          `cannot ORDER BY '${attribute.name}' at column ${token.column}: ${typeDescriptions[attribute.kind]} attributes are not sortable`,
          token.column,
        );
      }
      let descending = false;
      if (this.atKeyword('ASC')) this.next();
      else if (this.atKeyword('DESC')) {
        this.next();
        descending = true;
      }
      keys.push({ attribute, descending });
      if (this.peek().kind !== ',') break;
      this.next();
    }
    return (a, b) => {
      for (const { attribute, descending } of keys) {
        const x = attribute.get(a);
        const y = attribute.get(b);
        if (isNull(x) || isNull(y)) {
          if (isNull(x) && isNull(y)) continue;
          return isNull(x) ? 1 : -1; // nulls last
        }
        const order = compareScalars(x as Scalar, y as Scalar);
        if (order !== 0) return descending ? -order : order;
      }
      return compareScalars(a.runId, b.runId);
    };
  }
}

/** Own properties only: a query must not reach Object.prototype through an attribute name. */
function ownValue<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function isNull(value: NormalValue): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

function defaultCompare(a: VisibilityRecord, b: VisibilityRecord): number {
  const byStart = b.startTime.getTime() - a.startTime.getTime();
  if (byStart !== 0) return byStart;
  return compareScalars(a.runId, b.runId);
}

export function parseVisibilityQuery(query: string, attributeTypes: Record<string, SearchAttributeType>): VisibilityQuery {
  if (typeof query !== 'string') throw new VisibilityQueryError('query must be a string');
  return new Parser(tokenize(query), attributeTypes).parseQuery();
}
