// Tolerant readers of the benchmarks' answer contracts. An answer that cannot be read is a result
// with a reason (counted as unanswered), never an exception.

export type AnswerRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The swap's contract: the first digit of the reply names the candidate, 1 or 2. */
export function readChoiceDigit(text: string): AnswerRead<1 | 2> {
  const digit = /[0-9]/.exec(text)?.[0];
  if (digit === undefined) return { ok: false, reason: 'no digit in the reply' };
  if (digit === '1') return { ok: true, value: 1 };
  if (digit === '2') return { ok: true, value: 2 };
  return { ok: false, reason: `first digit ${digit} names no candidate` };
}

/** The text of the first code fence (```json … ``` or ``` … ```), when there is one. */
function fencedBody(text: string): string | undefined {
  return /```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)```/.exec(text)?.[1];
}

/** The first balanced `{…}` in the text, skipping braces inside JSON strings. */
function firstObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

const yes = new Set(['true', 'yes']);
const no = new Set(['false', 'no']);

/** The defect tasks' contract: a JSON object `{"vulnerability": true|false}`, fenced or bare. */
export function readVulnerabilityJson(text: string): AnswerRead<boolean> {
  const candidates = [fencedBody(text), text].filter((t): t is string => t !== undefined);
  let sawObject = false;
  for (const candidate of candidates) {
    const objectText = firstObject(candidate);
    if (objectText === undefined) continue;
    sawObject = true;
    let value: unknown;
    try {
      value = JSON.parse(objectText);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || !('vulnerability' in value)) continue;
    const answer = (value as { vulnerability: unknown }).vulnerability;
    if (typeof answer === 'boolean') return { ok: true, value: answer };
    if (typeof answer === 'string' && yes.has(answer.trim().toLowerCase())) return { ok: true, value: true };
    if (typeof answer === 'string' && no.has(answer.trim().toLowerCase())) return { ok: true, value: false };
    return { ok: false, reason: `"vulnerability" is ${JSON.stringify(answer)}, not true or false` };
  }
  return {
    ok: false,
    reason: sawObject ? 'no JSON object with a "vulnerability" field' : 'no JSON object in the reply',
  };
}

/** The chain-of-thought contract: reasoning, then an `# Answer` heading followed by the JSON object. */
export function readAnswerAfterHeading(text: string): AnswerRead<boolean> {
  const headings = [...text.matchAll(/^[ \t]*#{1,6}[ \t]*answer\b:?/gim)];
  const last = headings.at(-1);
  if (last === undefined) return { ok: false, reason: 'no "# Answer" heading' };
  const read = readVulnerabilityJson(text.slice(last.index + last[0].length));
  return read.ok ? read : { ok: false, reason: `after "# Answer": ${read.reason}` };
}
