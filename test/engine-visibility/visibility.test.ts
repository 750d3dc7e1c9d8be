import { describe, expect, it } from 'vitest';
import {
  VisibilityQueryError,
  builtinAttributeTypes,
  parseRfc3339,
  parseVisibilityQuery,
  type SearchAttributeType,
  type VisibilityRecord,
} from '../../engine/visibility';

const types: Record<string, SearchAttributeType> = {
  SinqRound: 'Int',
  Score: 'Double',
  Done: 'Bool',
  Tags: 'KeywordList',
  Note: 'Text',
  Deadline: 'Datetime',
  Model: 'Keyword',
  Order: 'Keyword',
};

function record(partial: Partial<VisibilityRecord> & Pick<VisibilityRecord, 'workflowId' | 'runId'>): VisibilityRecord {
  return {
    workflowType: 'Episode',
    status: 'Running',
    startTime: new Date('2025-01-01T00:00:00Z'),
    taskQueue: 'q1',
    searchAttributes: {},
    ...partial,
  };
}

const records: VisibilityRecord[] = [
  record({
    workflowId: 'wf-1',
    runId: 'run-a',
    searchAttributes: {
      SinqRound: 3,
      Score: 0.5,
      Done: false,
      Tags: ['x', 'y'],
      Note: 'The quick brown fox',
      Deadline: new Date('2025-02-01T00:00:00Z'),
      Model: 'llama3',
      Order: 'first',
    },
    historyLength: 7,
  }),
  record({
    workflowId: 'wf-2',
    runId: 'run-b',
    workflowType: 'Campaign',
    status: 'Completed',
    startTime: new Date('2025-01-02T00:00:00Z'),
    closeTime: new Date('2025-01-03T00:00:00Z'),
    executionTime: new Date('2025-01-02T00:00:05Z'),
    historyLength: 42,
    taskQueue: 'q2',
    searchAttributes: { SinqRound: 10, Score: 2.25, Done: true, Tags: ['y'], Note: 'lazy dog, sleeping', Deadline: '2025-01-15T00:00:00+01:00', Model: 'qwen' },
  }),
  record({
    workflowId: 'wf-3',
    runId: 'run-c',
    status: 'Failed',
    startTime: new Date('2025-01-03T00:00:00Z'),
    closeTime: new Date('2025-01-03T05:00:00Z'),
  }),
  record({
    workflowId: 'wf-10',
    runId: 'run-d',
    status: 'Terminated',
    startTime: new Date('2025-01-02T00:00:00Z'),
    closeTime: new Date('2025-01-02T12:00:00Z'),
    searchAttributes: { SinqRound: -1, Model: "it's", Tags: [], Score: null },
  }),
];

function ids(query: string): string[] {
  const compiled = parseVisibilityQuery(query, types);
  return records
    .filter((r) => compiled.matches(r))
    .map((r) => r.workflowId)
    .sort();
}

const cases: [string, string[]][] = [
  ['', ['wf-1', 'wf-10', 'wf-2', 'wf-3']],
  // Keyword built-ins
  ["WorkflowId = 'wf-1'", ['wf-1']],
  ['WorkflowId = "wf-2"', ['wf-2']],
  ["WorkflowId != 'wf-1'", ['wf-10', 'wf-2', 'wf-3']],
  ["WorkflowId <> 'wf-1'", ['wf-10', 'wf-2', 'wf-3']],
  ["WorkflowId = 'WF-1'", []],
  ["WorkflowId < 'wf-2'", ['wf-1', 'wf-10']],
  ["WorkflowId >= 'wf-2'", ['wf-2', 'wf-3']],
  ["WorkflowId IN ('wf-1', 'wf-3', 'nope')", ['wf-1', 'wf-3']],
  ["WorkflowId NOT IN ('wf-1', 'wf-3')", ['wf-10', 'wf-2']],
  ["WorkflowId BETWEEN 'wf-1' AND 'wf-2'", ['wf-1', 'wf-10', 'wf-2']],
  ["WorkflowId NOT BETWEEN 'wf-1' AND 'wf-2'", ['wf-3']],
  ["WorkflowId STARTS_WITH 'wf-1'", ['wf-1', 'wf-10']],
  ["WorkflowId NOT STARTS_WITH 'wf-1'", ['wf-2', 'wf-3']],
  ["WorkflowType = 'Campaign'", ['wf-2']],
  ["RunId = 'run-c'", ['wf-3']],
  ["TaskQueue = 'q1'", ['wf-1', 'wf-10', 'wf-3']],
  ['`WorkflowId` = "wf-1"', ['wf-1']],
  // ExecutionStatus
  ["ExecutionStatus = 'Running'", ['wf-1']],
  ["ExecutionStatus = 'completed'", ['wf-2']],
  ["ExecutionStatus != 'Running'", ['wf-10', 'wf-2', 'wf-3']],
  ["ExecutionStatus IN ('Failed', 'TERMINATED')", ['wf-10', 'wf-3']],
  // Datetime built-ins
  ["StartTime > '2025-01-01T00:00:00Z'", ['wf-10', 'wf-2', 'wf-3']],
  ["StartTime >= '2025-01-02T00:00:00Z' AND StartTime < '2025-01-03T00:00:00Z'", ['wf-10', 'wf-2']],
  ["StartTime = '2025-01-02T01:00:00+01:00'", ['wf-10', 'wf-2']],
  ["StartTime BETWEEN '2025-01-01T12:00:00Z' AND '2025-01-03T00:00:00.000Z'", ['wf-10', 'wf-2', 'wf-3']],
  ["StartTime < '2025-01-01T00:00:00.001Z'", ['wf-1']],
  ["CloseTime <= '2025-01-03T00:00:00Z'", ['wf-10', 'wf-2']],
  ['CloseTime IS NULL', ['wf-1']],
  ['CloseTime IS NOT NULL', ['wf-10', 'wf-2', 'wf-3']],
  ["ExecutionTime >= '2025-01-02T00:00:00Z'", ['wf-10', 'wf-2', 'wf-3']],
  ['HistoryLength > 10', ['wf-2']],
  ['HistoryLength IS NULL', ['wf-10', 'wf-3']],
  // Int
  ['SinqRound = 3', ['wf-1']],
  ["SinqRound = '10'", ['wf-2']],
  ['SinqRound > 2', ['wf-1', 'wf-2']],
  ['SinqRound < 0', ['wf-10']],
  ['SinqRound <= -1', ['wf-10']],
  ['SinqRound != 3', ['wf-10', 'wf-2', 'wf-3']],
  ['SinqRound IN (3, 10)', ['wf-1', 'wf-2']],
  ['SinqRound BETWEEN 0 AND 3', ['wf-1']],
  ['SinqRound IS NULL', ['wf-3']],
  // Double
  ['Score > 1', ['wf-2']],
  ['Score <= 0.5', ['wf-1']],
  ['Score = 2.25', ['wf-2']],
  ['Score >= 2.5e-1', ['wf-1', 'wf-2']],
  ['Score IS NULL', ['wf-10', 'wf-3']],
  // Bool
  ['Done = true', ['wf-2']],
  ['Done = FALSE', ['wf-1']],
  ["Done = 'true'", ['wf-2']],
  ['Done != true', ['wf-1', 'wf-10', 'wf-3']],
  // Datetime custom (Date objects and RFC 3339 strings in records)
  ["Deadline > '2025-01-20T00:00:00Z'", ['wf-1']],
  ["Deadline < '2025-01-14T23:30:00Z'", ['wf-2']],
  ['Deadline IS NOT NULL', ['wf-1', 'wf-2']],
  // KeywordList: any element
  ["Tags = 'y'", ['wf-1', 'wf-2']],
  ["Tags = 'x'", ['wf-1']],
  ["Tags != 'x'", ['wf-10', 'wf-2', 'wf-3']],
  ["Tags IN ('x', 'z')", ['wf-1']],
  ['Tags IS NULL', ['wf-10', 'wf-3']],
  // Text: words, case-insensitive
  ["Note = 'quick fox'", ['wf-1']],
  ["Note = 'DOG'", ['wf-2']],
  ["Note = 'do'", []],
  ["Note != 'fox'", ['wf-10', 'wf-2', 'wf-3']],
  // Keyword custom, escapes
  ["Model = 'llama3'", ['wf-1']],
  ["Model = 'it''s'", ['wf-10']],
  ["Model = 'it\\'s'", ['wf-10']],
  ['Model = "it\'s"', ['wf-10']],
  ["Model = 'it\\u0027s'", ['wf-10']],
  ["Model STARTS_WITH 'll'", ['wf-1']],
  ['Model IS NULL', ['wf-3']],
  ['`Order` = \'first\'', ['wf-1']],
  // Boolean structure and precedence (AND binds tighter than OR)
  ["WorkflowId = 'wf-1' OR WorkflowId = 'wf-2' AND SinqRound = 3", ['wf-1']],
  ["(WorkflowId = 'wf-1' OR WorkflowId = 'wf-2') AND SinqRound = 3", ['wf-1']],
  ["(WorkflowId = 'wf-1' OR WorkflowId = 'wf-2') AND SinqRound = 10", ['wf-2']],
  ["WorkflowId = 'wf-2' AND SinqRound = 3 OR WorkflowId = 'wf-3'", ['wf-3']],
  ["WorkflowId = 'wf-2' AND (SinqRound = 3 OR WorkflowId = 'wf-3')", []],
  ["((WorkflowType = 'Episode')) and ExecutionStatus = 'Running' or ExecutionStatus = 'Failed'", ['wf-1', 'wf-3']],
  ["TaskQueue = 'q1' AND SinqRound IS NOT NULL AND Model != 'llama3'", ['wf-10']],
  // ORDER BY alone keeps every record
  ['ORDER BY StartTime ASC', ['wf-1', 'wf-10', 'wf-2', 'wf-3']],
];

describe('parseVisibilityQuery matching', () => {
  it.each(cases)('%s', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });
});

describe('ordering', () => {
  function order(query: string): string[] {
    const compiled = parseVisibilityQuery(query, types);
    return records.filter((r) => compiled.matches(r)).sort((a, b) => compiled.compare(a, b)).map((r) => r.runId);
  }

  it('defaults to StartTime DESC then RunId', () => {
    expect(order('')).toEqual(['run-c', 'run-b', 'run-d', 'run-a']);
  });

  it('sorts by StartTime ascending', () => {
    expect(order('ORDER BY StartTime ASC')).toEqual(['run-a', 'run-b', 'run-d', 'run-c']);
    expect(order('order by StartTime')).toEqual(['run-a', 'run-b', 'run-d', 'run-c']);
  });

  it('sorts by several keys and puts nulls last', () => {
    expect(order('ORDER BY SinqRound DESC')).toEqual(['run-b', 'run-a', 'run-d', 'run-c']);
    expect(order('ORDER BY SinqRound ASC')).toEqual(['run-d', 'run-a', 'run-b', 'run-c']);
    expect(order('ORDER BY CloseTime DESC, StartTime DESC')).toEqual(['run-c', 'run-b', 'run-d', 'run-a']);
    expect(order("TaskQueue = 'q1' ORDER BY ExecutionStatus")).toEqual(['run-c', 'run-a', 'run-d']);
  });
});

describe('errors', () => {
  function error(query: string): VisibilityQueryError {
    try {
      parseVisibilityQuery(query, types);
    } catch (err) {
      expect(err).toBeInstanceOf(VisibilityQueryError);
      expect((err as VisibilityQueryError).code).toBe('E_QUERY');
      return err as VisibilityQueryError;
    }
    throw new Error(`query was accepted: ${query}`);
  }

  it.each([
    ["Nope = 'x'", /unknown search attribute 'Nope' at column 1/, 1],
    ["WorkflowId = 'a' AND nope = 1", /unknown search attribute 'nope' at column 22/, 22],
    ["SinqRound = 'abc'", /type mismatch at column 13: 'SinqRound' is Int \(an integer\), got string 'abc'/, 13],
    ['SinqRound = 1.5', /'SinqRound' is Int/, 13],
    ["Score > 'high'", /'Score' is Double/, 9],
    ['Done = 1', /'Done' is Bool/, 8],
    ["StartTime > '2025-13-01T00:00:00Z'", /'StartTime' is Datetime \(an RFC 3339 string/, 13],
    ["StartTime > '2025-01-01'", /'StartTime' is Datetime/, 13],
    ['WorkflowId = 5', /'WorkflowId' is Keyword/, 14],
    ["ExecutionStatus = 'Sleeping'", /execution status \(Running, Completed/, 19],
    ["Done > 'true'", /operator > at column 6 does not apply to 'Done'/, 6],
    ["Tags < 'x'", /operator < .* 'Tags'/, 6],
    ["SinqRound STARTS_WITH '1'", /operator STARTS_WITH .* 'SinqRound'/, 11],
    ["WorkflowId = 'a' AND", /column 21: expected an attribute name or '\(', found end of query/, 21],
    ["WorkflowId = 'a' OR OR WorkflowId = 'b'", /column 21: expected an attribute name/, 21],
    ["(WorkflowId = 'a'", /column 18: expected '\)'/, 18],
    ["WorkflowId = 'a')", /column 17: expected 'AND', 'OR', 'ORDER BY' or end of query, found '\)'/, 17],
    ['WorkflowId =', /column 13: expected a value for 'WorkflowId', found end of query/, 13],
    ["WorkflowId 'a'", /column 12: expected an operator after attribute 'WorkflowId'/, 12],
    ["WorkflowId = 'abc", /column 14: unterminated string/, 14],
    ["WorkflowId = 'a\\q'", /unknown escape '\\q'/, 16],
    ["WorkflowId = 'a' # x", /column 18: unexpected character '#'/, 18],
    ["WorkflowId IN ('a' 'b')", /column 20: expected ',' or '\)' in the IN list/, 20],
    ["SinqRound BETWEEN 1 OR 2", /expected 'AND' between the BETWEEN bounds/, 21],
    ['WorkflowId IS NOT 5', /expected 'NULL'/, 19],
    ['WorkflowId NOT = 5', /'IN', 'BETWEEN' or 'STARTS_WITH' after 'NOT'/, 16],
    ['ORDER StartTime', /expected 'BY' after 'ORDER'/, 7],
    ['ORDER BY Note', /cannot ORDER BY 'Note'/, 10],
    ['ORDER BY StartTime DESC AND', /column 25: expected ',' or end of query, found 'AND'/, 25],
    ['`` = 1', /empty `quoted` attribute name/, 1],
  ] as [string, RegExp, number][])('%s', (query, message, column) => {
    const err = error(query);
    expect(err.message).toMatch(message);
    expect(err.column).toBe(column);
  });

  it('does not resolve inherited object properties as attributes', () => {
    expect(error("constructor = 'x'").message).toMatch(/unknown search attribute 'constructor'/);
  });
});

describe('attribute types', () => {
  it('lists the built-in attributes', () => {
    expect(builtinAttributeTypes).toMatchObject({
      WorkflowId: 'Keyword',
      WorkflowType: 'Keyword',
      ExecutionStatus: 'Keyword',
      StartTime: 'Datetime',
      CloseTime: 'Datetime',
      RunId: 'Keyword',
      TaskQueue: 'Keyword',
      ExecutionTime: 'Datetime',
      HistoryLength: 'Int',
    });
  });

  it('prefers a built-in attribute over a registered custom one of the same name', () => {
    const shadowing = parseVisibilityQuery("WorkflowId = 'wf-1'", { WorkflowId: 'Int' });
    expect(records.filter((r) => shadowing.matches(r)).map((r) => r.workflowId)).toEqual(['wf-1']);
  });

  it('ignores record values of the wrong runtime type instead of crashing', () => {
    const odd = record({ workflowId: 'odd', runId: 'r', searchAttributes: { SinqRound: 'seven', Deadline: 'not a date', Tags: 'solo', Done: 1 } });
    expect(parseVisibilityQuery('SinqRound IS NULL', types).matches(odd)).toBe(true);
    expect(parseVisibilityQuery('Deadline IS NULL', types).matches(odd)).toBe(true);
    expect(parseVisibilityQuery("Tags = 'solo'", types).matches(odd)).toBe(true);
    expect(parseVisibilityQuery('Done = true', types).matches(odd)).toBe(false);
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2025-01-31T12:00:00Z', Date.UTC(2025, 0, 31, 12)],
    ['2025-01-31t12:00:00z', Date.UTC(2025, 0, 31, 12)],
    ['2025-01-31 12:00:00.5+02:30', Date.UTC(2025, 0, 31, 9, 30, 0, 500)],
    ['2024-02-29T00:00:00.123456789-01:00', Date.UTC(2024, 1, 29, 1, 0, 0, 123)],
  ])('%s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each(['2025-02-29T00:00:00Z', '2025-01-31T24:00:00Z', '2025-01-31T12:00:00', '2025-1-31T12:00:00Z', 'yesterday'])('rejects %s', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});
