// Shared vocabulary of the game: values that cross the sandbox boundary, execution outcomes,
// tasks, plays and attempts. Pure types, no I/O.

/**
 * A Python value as a canonical tagged tree, produced inside the untrusted process.
 * Ints are decimal strings (Python ints are unbounded); floats carry nan/inf as strings;
 * bytes are base64; dict entries are key/value pairs; sets and frozensets are unordered lists.
 * Anything else becomes `object` with its type name and (capped) repr.
 */
export type PyValue =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: string }
  | { t: 'float'; v: number | 'nan' | 'inf' | '-inf' }
  | { t: 'complex'; re: number | 'nan' | 'inf' | '-inf'; im: number | 'nan' | 'inf' | '-inf' }
  | { t: 'str'; v: string }
  | { t: 'bytes'; v: string }
  | { t: 'list'; v: PyValue[] }
  | { t: 'tuple'; v: PyValue[] }
  | { t: 'set'; v: PyValue[] }
  | { t: 'frozenset'; v: PyValue[] }
  | { t: 'dict'; v: Array<[PyValue, PyValue]> }
  | { t: 'object'; type: string; repr: string };

/** What happened when an entry point ran on one input. */
export type Outcome =
  | { kind: 'returned'; value: PyValue; durationMs: number }
  | { kind: 'raised'; type: string; message: string; durationMs: number }
  | { kind: 'timeout'; limitMs: number; durationMs: number }
  /**
   * Killed by a signal, out of memory, a result or output over the caps, an exit call: the reason
   * says which. `infrastructure: true` when the sandbox itself failed (its worker died, no run slot,
   * the run could not be started, the pool closed): says nothing about the program.
   */
  | { kind: 'crashed'; reason: string; durationMs: number; infrastructure?: true }
  /** The run could not start: syntax error, missing entry point, input not a matching dict literal. */
  | { kind: 'invalid'; reason: string; durationMs: number };

export type OutcomeKind = Outcome['kind'];

/** A Python dict literal of keyword arguments, e.g. `{"exp": "{[()]}[}", "n": 3}`. */
export type DivergingInput = string;

/** One program of a task set: the original the generator mutates. */
export interface Task {
  id: string;
  description: string;
  /** Python source defining the entry point (and any helpers). */
  source: string;
  entryPoint: string;
  /** Python dict literals of keyword arguments known to run cleanly. */
  exampleInputs: DivergingInput[];
  /** Where the task came from, e.g. `sinq`, `mbpp:11`, `humaneval:HumanEval/0`. */
  origin: string;
}

/** A generator reply in the game's Markdown contract, parsed. */
export interface GeneratorReply {
  analysis: string;
  /** The variant program (contents of the code block under `# Generated program`). */
  program: string;
  divergingInput: DivergingInput;
}

/** An evaluator reply in the game's Markdown contract, parsed. */
export interface EvaluatorReply {
  analysis: string;
  /** The answer under `# Equivalent?`; null when the section is missing. */
  equivalent: boolean | null;
  /** The input under `# Diverging input example`; null when absent (e.g. answered "Yes"). */
  divergingInput: DivergingInput | null;
}

export type ParseFailureReason =
  | 'empty'
  | 'missing-section'
  | 'missing-code-block'
  | 'truncated'
  | 'bad-answer'
  | 'too-large';

export interface ParseFailure {
  ok: false;
  reason: ParseFailureReason;
  /** Which section or what was wrong, in words. */
  detail: string;
}

export type ParseResult<T> = { ok: true; value: T } | ParseFailure;

/** One chat turn, as sent to a model and as written into training data. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
