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
  /** Killed by a signal, out of memory, a result or output over the caps, an exit call: the reason says which. */
  | { kind: 'crashed'; reason: string; durationMs: number }
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
