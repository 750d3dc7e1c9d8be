// Property tests: random query trees printed as text, parsed back, and checked against an
// independent reference evaluation of the tree on random records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseVisibilityQuery, type SearchAttributeType, type VisibilityRecord, type WorkflowStatusName } from '../../engine/visibility';

const customTypes: Record<string, SearchAttributeType> = {
  Model: 'Keyword',
  SinqRound: 'Int',
  Score: 'Double',
  Done: 'Bool',
  Deadline: 'Datetime',
  Tags: 'KeywordList',
};

type Kind = 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList' | 'Status';
type Scalar = string | number | boolean;

const attributes: { name: string; kind: Kind }[] = [
  { name: 'WorkflowId', kind: 'Keyword' },
  { name: 'ExecutionStatus', kind: 'Status' },
  { name: 'StartTime', kind: 'Datetime' },
  { name: 'CloseTime', kind: 'Datetime' },
  { name: 'Model', kind: 'Keyword' },
  { name: 'SinqRound', kind: 'Int' },
  { name: 'Score', kind: 'Double' },
  { name: 'Done', kind: 'Bool' },
  { name: 'Deadline', kind: 'Datetime' },
  { name: 'Tags', kind: 'KeywordList' },
];

const keywordValues = ['a', 'ab', 'b', "it's", 'say "hi"', 'back\\slash', 'w1', 'w10', 'w2'];
const statuses: WorkflowStatusName[] = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'];
const instants = [Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 0, 0, 0, 1), Date.UTC(2025, 0, 2, 12), Date.UTC(2025, 5, 30, 23, 59, 59, 999)];
const tagValues = ['x', 'y', 'z'];

function valueArbitrary(kind: Kind): fc.Arbitrary<Scalar> {
  switch (kind) {
    case 'Keyword':
      return fc.constantFrom(...keywordValues);
    case 'KeywordList':
      return fc.constantFrom(...tagValues);
    case 'Status':
      return fc.constantFrom(...statuses);
    case 'Int':
      return fc.integer({ min: -3, max: 3 });
    case 'Double':
      return fc.constantFrom(-1.5, 0, 0.25, 2, 1e-3);
    case 'Bool':
      return fc.boolean();
    case 'Datetime':
      return fc.constantFrom(...instants);
  }
}

const operatorsByKind: Record<Kind, string[]> = {
  Keyword: ['=', '!=', '<>', '<', '>', '<=', '>='],
  Int: ['=', '!=', '<', '>', '<=', '>='],
  Double: ['=', '!=', '<', '>', '<=', '>='],
  Datetime: ['=', '!=', '<', '>', '<=', '>='],
  Bool: ['=', '!='],
  KeywordList: ['=', '!='],
  Status: ['=', '!='],
};

type Node =
  | { type: 'cmp'; attr: string; kind: Kind; op: string; value: Scalar; style: number }
  | { type: 'in'; attr: string; kind: Kind; values: Scalar[]; negated: boolean; style: number }
  | { type: 'between'; attr: string; kind: Kind; low: Scalar; high: Scalar; negated: boolean; style: number }
  | { type: 'startsWith'; attr: string; prefix: string; negated: boolean; style: number }
  | { type: 'null'; attr: string; negated: boolean; style: number }
  | { type: 'and' | 'or'; left: Node; right: Node; style: number };

const style = fc.nat({ max: 1023 });

const leaf: fc.Arbitrary<Node> = fc.constantFrom(...attributes).chain(({ name, kind }) => {
  const options: fc.Arbitrary<Node>[] = [
    fc.record({ op: fc.constantFrom(...operatorsByKind[kind]), value: valueArbitrary(kind), style }).map(({ op, value, style }) => ({ type: 'cmp' as const, attr: name, kind, op, value, style })),
    fc.record({ negated: fc.boolean(), style }).map(({ negated, style }) => ({ type: 'null' as const, attr: name, negated, style })),
  ];
  if (kind !== 'Bool') {
    const values = fc.array(valueArbitrary(kind), { minLength: 1, maxLength: 3 });
    options.push(fc.record({ values, negated: fc.boolean(), style }).map(({ values, negated, style }) => ({ type: 'in' as const, attr: name, kind, values, negated, style })));
  }
  if (kind === 'Keyword' || kind === 'Int' || kind === 'Double' || kind === 'Datetime') {
    options.push(
      fc.record({ low: valueArbitrary(kind), high: valueArbitrary(kind), negated: fc.boolean(), style }).map(({ low, high, negated, style }) => ({
        type: 'between' as const,
        attr: name,
        kind,
        low,
        high,
        negated,
        style,
      })),
    );
  }
  if (kind === 'Keyword') {
    options.push(
      fc.record({ prefix: fc.constantFrom('', 'a', 'w1', 'it', 'b'), negated: fc.boolean(), style }).map(({ prefix, negated, style }) => ({
        type: 'startsWith' as const,
        attr: name,
        prefix,
        negated,
        style,
      })),
    );
  }
  return fc.oneof(...options);
});

const { tree } = fc.letrec<{ tree: Node }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ type: fc.constantFrom('and' as const, 'or' as const), left: tie('tree'), right: tie('tree'), style }),
  ),
}));

const recordArbitrary: fc.Arbitrary<VisibilityRecord> = fc
  .record({
    workflowId: fc.constantFrom(...keywordValues),
    runId: fc.string({ maxLength: 4 }),
    status: fc.constantFrom(...statuses),
    startTime: fc.constantFrom(...instants),
    closeTime: fc.option(fc.constantFrom(...instants), { nil: undefined }),
    model: fc.option(fc.constantFrom(...keywordValues), { nil: undefined }),
    round: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
    score: fc.option(fc.constantFrom(-1.5, 0, 0.25, 2, 1e-3), { nil: undefined }),
    done: fc.option(fc.boolean(), { nil: undefined }),
    deadline: fc.option(fc.constantFrom(...instants), { nil: undefined }),
    deadlineAsString: fc.boolean(),
    tags: fc.option(fc.uniqueArray(fc.constantFrom(...tagValues), { maxLength: 3 }), { nil: undefined }),
  })
  .map((r) => {
    const searchAttributes: VisibilityRecord['searchAttributes'] = {};
    if (r.model !== undefined) searchAttributes.Model = r.model;
    if (r.round !== undefined) searchAttributes.SinqRound = r.round;
    if (r.score !== undefined) searchAttributes.Score = r.score;
    if (r.done !== undefined) searchAttributes.Done = r.done;
    if (r.deadline !== undefined) searchAttributes.Deadline = r.deadlineAsString ? new Date(r.deadline).toISOString() : new Date(r.deadline);
    if (r.tags !== undefined) searchAttributes.Tags = r.tags;
    return {
      workflowId: r.workflowId,
      runId: r.runId,
      workflowType: 'Episode',
      status: r.status,
      startTime: new Date(r.startTime),
      closeTime: r.closeTime === undefined ? undefined : new Date(r.closeTime),
      taskQueue: 'q',
      searchAttributes,
    };
  });

// ---- reference semantics (as documented in engine/visibility.ts) ----

function valueOf(record: VisibilityRecord, attr: string): Scalar | string[] | null {
  switch (attr) {
    case 'WorkflowId':
      return record.workflowId;
    case 'ExecutionStatus':
      return record.status;
    case 'StartTime':
      return record.startTime.getTime();
    case 'CloseTime':
      return record.closeTime?.getTime() ?? null;
    case 'Deadline': {
      const raw = record.searchAttributes.Deadline;
      if (raw === undefined || raw === null) return null;
      return raw instanceof Date ? raw.getTime() : Date.parse(String(raw));
    }
    default: {
      const raw = record.searchAttributes[attr];
      if (raw === undefined || raw === null) return null;
      if (raw instanceof Date) throw new Error('unexpected date');
      return Array.isArray(raw) && raw.length === 0 ? null : raw;
    }
  }
}

function holds(op: string, value: Scalar, literal: Scalar): boolean {
  switch (op) {
    case '=':
      return value === literal;
    case '<':
      return value < literal;
    case '>':
      return value > literal;
    case '<=':
      return value <= literal;
    case '>=':
      return value >= literal;
  }
  throw new Error(`no reference for ${op}`);
}

function equalsRef(value: Scalar | string[] | null, literal: Scalar): boolean {
  if (value === null) return false;
  if (Array.isArray(value)) return value.includes(literal as string);
  return value === literal;
}

function evaluate(node: Node, record: VisibilityRecord): boolean {
  switch (node.type) {
    case 'and':
      return evaluate(node.left, record) && evaluate(node.right, record);
    case 'or':
      return evaluate(node.left, record) || evaluate(node.right, record);
    case 'null':
      return (valueOf(record, node.attr) === null) !== node.negated;
    case 'cmp': {
      const value = valueOf(record, node.attr);
      if (node.op === '!=' || node.op === '<>') return !equalsRef(value, node.value);
      if (node.op === '=') return equalsRef(value, node.value);
      return value !== null && !Array.isArray(value) && holds(node.op, value, node.value);
    }
    case 'in': {
      const value = valueOf(record, node.attr);
      return node.values.some((literal) => equalsRef(value, literal)) !== node.negated;
    }
    case 'between': {
      const value = valueOf(record, node.attr);
      const inside = value !== null && !Array.isArray(value) && value >= node.low && value <= node.high;
      return inside !== node.negated;
    }
    case 'startsWith': {
      const value = valueOf(record, node.attr);
      return (typeof value === 'string' && value.startsWith(node.prefix)) !== node.negated;
    }
  }
}

// ---- printer: varies quoting, escapes, keyword case, datetime offsets and redundant parentheses ----

function keyword(word: string, style: number): string {
  return style & 1 ? word.toLowerCase() : word;
}

function printString(text: string, style: number): string {
  const quote = style & 2 ? '"' : "'";
  const doubled = (style & 4) !== 0;
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += doubled ? quote + quote : '\\' + quote;
    else out += ch;
  }
  return quote + out + quote;
}

function printInstant(ms: number, style: number): string {
  const offsets = [0, 120, -330, 60 * 14];
  const offset = offsets[(style >> 3) % offsets.length]!;
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const base = style & 32 ? local : local.endsWith('.000') ? local.slice(0, 19) : local;
  if (offset === 0) return base + (style & 64 ? 'z' : 'Z');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function printValue(kind: Kind, value: Scalar, style: number): string {
  switch (kind) {
    case 'Keyword':
    case 'KeywordList':
      return printString(value as string, style);
    case 'Status':
      return printString(style & 8 ? (value as string).toUpperCase() : (value as string), style);
    case 'Int':
      return style & 8 ? printString(String(value), style) : String(value);
    case 'Double':
      return style & 8 ? (value as number).toExponential() : String(value);
    case 'Bool':
      return style & 8 ? printString(String(value), style) : keyword(String(value).toUpperCase(), style >> 4);
    case 'Datetime':
      return printString(printInstant(value as number, style), style);
  }
}

function printAttribute(attr: string, style: number): string {
  return style & 256 ? `\`${attr}\`` : attr;
}

function print(node: Node, parentType?: 'and' | 'or'): string {
  const s = node.style;
  const not = 'negated' in node && node.negated ? `${keyword('NOT', s >> 1)} ` : '';
  let text: string;
  switch (node.type) {
    case 'and':
    case 'or': {
      text = `${print(node.left, node.type)} ${keyword(node.type.toUpperCase(), s)} ${print(node.right, node.type)}`;
      const needsParens = node.type === 'or' && parentType === 'and';
      return needsParens || (parentType !== undefined && s & 512) ? `(${text})` : text;
    }
    case 'cmp':
      text = `${printAttribute(node.attr, s)} ${node.op} ${printValue(node.kind, node.value, s)}`;
      break;
    case 'null':
      text = `${printAttribute(node.attr, s)} ${keyword('IS', s)} ${node.negated ? keyword('NOT ', s >> 1) : ''}${keyword('NULL', s >> 2)}`;
      break;
    case 'in':
      text = `${printAttribute(node.attr, s)} ${not}${keyword('IN', s)} (${node.values.map((v, i) => printValue(node.kind, v, s ^ (i * 14))).join(s & 16 ? ',' : ', ')})`;
      break;
    case 'between':
      text = `${printAttribute(node.attr, s)} ${not}${keyword('BETWEEN', s)} ${printValue(node.kind, node.low, s)} ${keyword('AND', s >> 2)} ${printValue(node.kind, node.high, s ^ 6)}`;
      break;
    case 'startsWith':
      text = `${printAttribute(node.attr, s)} ${not}${keyword('STARTS_WITH', s)} ${printString(node.prefix, s)}`;
      break;
  }
  return s & 512 ? `(${text})` : text;
}

const records = fc.array(recordArbitrary, { minLength: 1, maxLength: 15 });

describe('visibility query properties', () => {
  it('a printed random query tree parses back to the same predicate', () => {
    fc.assert(
      fc.property(tree, records, (node, sample) => {
        const text = print(node);
        const query = parseVisibilityQuery(text, customTypes);
        for (const record of sample) {
          if (query.matches(record) !== evaluate(node, record)) {
            throw new Error(`query ${text} disagrees on ${JSON.stringify(record)}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('A OR B matches iff A or B matches; A AND B iff both', () => {
    fc.assert(
      fc.property(tree, tree, records, (a, b, sample) => {
        const textA = print(a);
        const textB = print(b);
        const queryA = parseVisibilityQuery(textA, customTypes);
        const queryB = parseVisibilityQuery(textB, customTypes);
        const either = parseVisibilityQuery(`(${textA}) OR (${textB})`, customTypes);
        const both = parseVisibilityQuery(`(${textA}) AND (${textB})`, customTypes);
        for (const record of sample) {
          expect(either.matches(record)).toBe(queryA.matches(record) || queryB.matches(record));
          expect(both.matches(record)).toBe(queryA.matches(record) && queryB.matches(record));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a negated form is the exact complement of its positive form', () => {
    const complementOf = (node: Node): Node | undefined => {
      switch (node.type) {
        case 'cmp':
          if (node.op === '=') return { ...node, op: '!=' };
          if (node.op === '!=' || node.op === '<>') return { ...node, op: '=' };
          return undefined;
        case 'in':
        case 'between':
        case 'startsWith':
        case 'null':
          return { ...node, negated: !node.negated };
        default:
          return undefined;
      }
    };
    fc.assert(
      fc.property(leaf, records, (node, sample) => {
        const flipped = complementOf(node);
        fc.pre(flipped !== undefined);
        const query = parseVisibilityQuery(print(node), customTypes);
        const complement = parseVisibilityQuery(print(flipped!), customTypes);
        for (const record of sample) expect(complement.matches(record)).toBe(!query.matches(record));
      }),
      { numRuns: 200 },
    );
  });

  it('ORDER BY yields a consistent total order', () => {
    const orderable = attributes.filter((a) => a.kind !== 'KeywordList');
    fc.assert(
      fc.property(fc.constantFrom(...orderable), fc.boolean(), records, ({ name }, descending, sample) => {
        const query = parseVisibilityQuery(`ORDER BY ${name} ${descending ? 'DESC' : 'ASC'}`, customTypes);
        const sorted = [...sample].sort((a, b) => query.compare(a, b));
        for (let i = 1; i < sorted.length; i++) {
          const prev = valueOf(sorted[i - 1]!, name);
          const cur = valueOf(sorted[i]!, name);
          if (prev === null) expect(cur).toBeNull(); // nulls last
          else if (cur !== null) {
            if (descending) expect(prev >= cur).toBe(true);
            else expect(prev <= cur).toBe(true);
          }
          for (const other of sample) expect(Math.sign(query.compare(sorted[i]!, other)) + Math.sign(query.compare(other, sorted[i]!))).toBe(0);
        }
      }),
      { numRuns: 100 },
    );
  });
});
