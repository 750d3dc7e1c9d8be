// Where in a program a mutant sits, as a kind of statement, so that the generator can learn location
// preferences that carry over from one task to another (a line number would not).
export const locationKinds = ['condition', 'loop', 'return', 'assignment', 'expression'] as const;
export type LocationKind = (typeof locationKinds)[number];

const ASSIGNMENT = /^[A-Za-z_][\w.]*(\s*\[[^\]]*\])*(\s*,\s*[A-Za-z_][\w.]*)*\s*(\*\*|\/\/|<<|>>|[-+*/%&|^@])?=(?!=)/;

/** The kind of statement on 1-based `line` of `source` (the statement the mutated node belongs to). */
export function locationKindOf(source: string, line: number): LocationKind {
  const text = (source.split('\n')[line - 1] ?? '').trim();
  if (/^(if|elif|while|assert)\b/.test(text) || /^else\b/.test(text)) return 'condition';
  if (/^(for|async\s+for)\b/.test(text)) return 'loop';
  if (/^(return|yield)\b/.test(text)) return 'return';
  if (ASSIGNMENT.test(text)) return 'assignment';
  return 'expression';
}

export function isLocationKind(value: string): value is LocationKind {
  return (locationKinds as readonly string[]).includes(value);
}
