// The game's reply contract: parse model-written Markdown tolerantly into typed replies, and render
// typed replies back into canonical Markdown (offline players use the renderer so their plays look
// exactly like model plays).
//
// Generator:  # Analysis / # Generated program (code block) / # Diverging input example (dict literal)
// Evaluator:  # Analysis / # Equivalent? (Yes/No) / # Diverging input example (dict literal)
//
// Tolerated: any heading level 1-6 or a bold line instead of `#`, heading case, spacing, trailing
// `:`/`?`, numbering ("1. Analysis"), synonyms, CRLF, prose around sections, code blocks without a
// language tag or several per section, `input = {...}` prefixes, answers like `Yes.`, `**No**`,
// a `<think>` preamble, a reply wrapped in a markdown fence (see game/README.md).
import type {
  DivergingInput,
  EvaluatorReply,
  GeneratorReply,
  ParseFailure,
  ParseFailureReason,
  ParseResult,
} from './types';
import { type CodeBlock, type Heading, type MarkdownScan, scanMarkdown } from './markdown';
import { extractDictLiteral } from './input';

/** Replies longer than this are refused unread (a runaway generation, or hostile input). */
export const MAX_REPLY_CHARS = 200_000;

export interface ParseOptions {
  maxChars?: number;
}

type SectionKind = 'analysis' | 'program' | 'input' | 'equivalent';

interface Section {
  kind: SectionKind;
  heading: Heading;
  /** Text after the heading on the same line (only for `# Equivalent? No`). */
  inline: string;
  /** Line range of the body: (heading.line, end) exclusive. */
  end: number;
}

const PYTHON_LANGS = new Set(['', 'python', 'py', 'python3', 'py3']);

function fail(reason: ParseFailureReason, detail: string): ParseFailure {
  return { ok: false, reason, detail };
}

function normalizeHeadingText(text: string): string {
  return text
    .replace(/[*_`]/g, '')
    .replace(/^\s*(?:\d+|[ivx]+)\s*[.)]\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const MAX_ANSWER_CHARS = 300;
const ANSWER = /^(?:(yes|true|equivalent)|(no|not|false|inequivalent|not equivalent))\b/;

const NEGATIVE_PHRASE =
  /\b(?:not|aren't|isn't|never) (?:semantically |functionally )?equivalent\b|\b(?:inequivalent|non-equivalent)\b/;
const POSITIVE_PHRASE = /\b(?:are|is) (?:semantically |functionally )?equivalent\b/;

/** Reads a Yes/No answer from the start of a line (or a plain "they are (not) equivalent"); null when neither. */
export function parseAnswer(text: string): boolean | null {
  const cleaned = text
    .slice(0, MAX_ANSWER_CHARS)
    .replace(/[*_`>"'[\]]/g, '')
    .trim()
    .toLowerCase();
  const m = ANSWER.exec(cleaned);
  if (m) return m[1] !== undefined;
  if (NEGATIVE_PHRASE.test(cleaned)) return false;
  if (POSITIVE_PHRASE.test(cleaned)) return true;
  return null;
}

/** Headings longer than this are prose, not contract sections (also bounds the regex work). */
const MAX_HEADING_CHARS = 300;

const EXACT_NAMES: Record<SectionKind, readonly string[]> = {
  analysis: ['analysis'],
  program: ['generated program'],
  input: ['diverging input example', 'diverging input'],
  equivalent: ['equivalent'],
};

interface Classified {
  kind: SectionKind;
  inline: string;
  /** Named exactly as in the contract (synonyms give way to exact names, see `findSections`). */
  exact: boolean;
}

function classify(heading: Heading): Classified | null {
  const found = classifyKind(heading);
  if (!found) return null;
  const stripped = normalizeHeadingText(heading.text).replace(/[\s:?.!]+$/, '');
  const exact = EXACT_NAMES[found.kind].includes(
    found.kind === 'equivalent' ? (stripped.split(/[\s:?]/)[0] ?? '') : stripped,
  );
  return { ...found, exact };
}

function classifyKind(heading: Heading): { kind: SectionKind; inline: string } | null {
  if (heading.text.length > MAX_HEADING_CHARS) return null;
  const text = normalizeHeadingText(heading.text);
  const stripped = text.replace(/[\s:?.!]+$/, '');
  if (/^(?:\w+ )?analysis$/.test(stripped) || stripped === 'reasoning') return { kind: 'analysis', inline: '' };
  if (
    /^(?:the )?(?:generated|variant|modified|new|mutated|changed|rewritten)?\s*(?:python )?(?:program|code|function|variant)$/.test(
      stripped,
    ) &&
    !['code', 'function'].includes(stripped)
  ) {
    return { kind: 'program', inline: '' };
  }
  if (
    (/^(?:a |an |the )?(?:example )?(?:diverging|divergent|distinguishing|differentiating)?\s*(?:inputs?|example|test input)(?: example)?$/.test(
      stripped,
    ) &&
      stripped !== 'example') ||
    /^counter-?example$/.test(stripped)
  ) {
    return { kind: 'input', inline: '' };
  }
  const eq = /^(?:are (?:the )?(?:two )?programs )?(?:semantically )?equivalen(?:t|ce)\s*\??\s*:?\s*(.*)$/.exec(text);
  if (eq) {
    const inline = (eq[1] ?? '').trim();
    const answers = inline !== '' && parseAnswer(inline) !== null;
    // A bold prose line that merely starts with "Equivalent" is not a heading unless it answers;
    // `# Equivalent (yes/no)` is a heading whose answer is in the body.
    if (heading.level === 0 && inline !== '' && !answers) return null;
    return { kind: 'equivalent', inline: answers ? inline : '' };
  }
  return null;
}

/**
 * The contract's sections in order. When a section is present under its exact name, synonym
 * headings of the same kind (e.g. a `### Program` inside the analysis) are ordinary text.
 */
function findSections(scan: MarkdownScan): Section[] {
  const classified: Array<Classified & { heading: Heading }> = [];
  for (const heading of scan.headings) {
    const c = classify(heading);
    if (c) classified.push({ ...c, heading });
  }
  const exactKinds = new Set(classified.filter((c) => c.exact).map((c) => c.kind));
  const recognized = classified.filter((c) => c.exact || !exactKinds.has(c.kind));
  return recognized.map((r, i) => ({ ...r, end: recognized[i + 1]?.heading.line ?? scan.lines.length }));
}

/** The first section of `kind`, preferring one after `after` (sections come in contract order). */
function pick(sections: Section[], kind: SectionKind, after?: Section): Section | undefined {
  const all = sections.filter((s) => s.kind === kind);
  if (after) {
    const later = all.find((s) => s.heading.line > after.heading.line);
    if (later) return later;
  }
  return all[0];
}

function blocksIn(scan: MarkdownScan, section: Section): CodeBlock[] {
  return scan.blocks.filter((b) => b.startLine > section.heading.line && b.startLine < section.end);
}

/** Body text of a section with its code blocks left in place, trimmed. */
function bodyText(scan: MarkdownScan, section: Section): string {
  return scan.lines
    .slice(section.heading.line + 1, section.end)
    .join('\n')
    .trim();
}

/** Body lines outside code blocks. */
function proseLines(scan: MarkdownScan, section: Section): string[] {
  const start = section.heading.line + 1;
  const inBlock = new Array<boolean>(Math.max(0, section.end - start)).fill(false);
  for (const b of blocksIn(scan, section)) {
    for (let i = b.startLine; i <= b.endLine && i < section.end; i++) inBlock[i - start] = true;
  }
  const out: string[] = [];
  for (let i = start; i < section.end; i++) if (!inBlock[i - start]) out.push(scan.lines[i] as string);
  return out;
}

/** Program text canonical form: no leading blank lines, no trailing whitespace. */
export function normalizeProgram(program: string): string {
  return program
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}

function analysisOf(scan: MarkdownScan, sections: Section[]): string {
  const section = pick(sections, 'analysis');
  if (section) return bodyText(scan, section);
  // No analysis heading: whatever prose precedes the first recognized section.
  const first = sections[0];
  return scan.lines
    .slice(0, first ? first.heading.line : scan.lines.length)
    .join('\n')
    .trim();
}

function hasUnclosed(scan: MarkdownScan): boolean {
  return scan.blocks.some((b) => !b.closed);
}

function choosePythonBlock(blocks: CodeBlock[]): CodeBlock | undefined {
  const python = blocks.filter((b) => PYTHON_LANGS.has(b.lang));
  const candidates = python.length > 0 ? python : blocks;
  return candidates.find((b) => /^[ \t]*(?:async[ \t]+)?def[ \t]/m.test(b.content)) ?? candidates[0];
}

type InputResult = { ok: true; value: DivergingInput } | ParseFailure | { ok: 'absent' };

function inputOf(scan: MarkdownScan, section: Section): InputResult {
  const blocks = blocksIn(scan, section);
  for (const block of blocks) {
    const literal = extractDictLiteral(block.content);
    if (literal !== null) {
      if (!block.closed) return fail('truncated', 'the reply ends inside the diverging input code block');
      return { ok: true, value: literal };
    }
  }
  // No fenced dict literal: accept one written inline (`{...}` in backticks, or a line starting with `{`).
  const prose = proseLines(scan, section);
  for (const line of prose) {
    const spans = line.split('`');
    for (let k = 1; k < spans.length - 1; k += 2) {
      const literal = extractDictLiteral(spans[k] as string);
      if (literal !== null) return { ok: true, value: literal };
    }
  }
  const first = prose.findIndex((line) => extractDictLiteral(line) !== null);
  if (first >= 0) {
    const literal = extractDictLiteral(prose.slice(first).join('\n'));
    if (literal !== null) return { ok: true, value: literal };
  }
  if (blocks.some((b) => !b.closed))
    return fail('truncated', 'the reply ends inside a code block of the diverging input section');
  return { ok: 'absent' };
}

function guard(text: string, options: ParseOptions | undefined): ParseFailure | null {
  const max = options?.maxChars ?? MAX_REPLY_CHARS;
  if (typeof text !== 'string' || text.trim() === '') return fail('empty', 'the reply is empty');
  if (text.length > max) return fail('too-large', `the reply has ${text.length} characters, over the ${max} limit`);
  return null;
}

/**
 * Drops a reasoning model's `<think>…</think>` preamble (its drafts may hold contract sections).
 * Null when the reply ends inside it.
 */
function withoutThinking(text: string): string | null {
  const close = text.lastIndexOf('</think>');
  if (close >= 0) return text.slice(close + '</think>'.length);
  return text.trimStart().startsWith('<think>') ? null : text;
}

function prepare(text: string, options: ParseOptions | undefined): { ok: true; text: string } | ParseFailure {
  const refused = guard(text, options);
  if (refused) return refused;
  const answer = withoutThinking(text);
  if (answer === null) return fail('truncated', 'the reply ends inside its <think> block');
  if (answer.trim() === '') return fail('empty', 'the reply has nothing after its <think> block');
  return { ok: true, text: unwrapMarkdownFence(answer) };
}

/** A whole reply wrapped in a ```markdown fence is read as the Markdown inside it. */
function unwrapMarkdownFence(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let first = 0;
  while (first < lines.length && (lines[first] as string).trim() === '') first++;
  let last = lines.length - 1;
  while (last > first && (lines[last] as string).trim() === '') last--;
  const opening = (lines[first] ?? '').trim().toLowerCase();
  if (!/^(`{3,}|~{3,})\s*(markdown|md)$/.test(opening)) return text;
  const fenceChar = opening[0] as string;
  let fenceLength = 0;
  while (opening[fenceLength] === fenceChar) fenceLength++;
  const fence = fenceChar.repeat(fenceLength);
  if ((lines[last] as string).trim() !== fence) return text;
  return lines.slice(first + 1, last).join('\n');
}

function missing(scan: MarkdownScan, what: string): ParseFailure {
  return hasUnclosed(scan)
    ? fail('truncated', `the reply ends inside a code block before ${what}`)
    : fail('missing-section', `no ${what}`);
}

/** Parses a generator reply. Never throws. */
export function parseGeneratorReply(text: string, options?: ParseOptions): ParseResult<GeneratorReply> {
  const prepared = prepare(text, options);
  if (!prepared.ok) return prepared;
  const scan = scanMarkdown(prepared.text);
  const sections = findSections(scan);
  const programSection = pick(sections, 'program');
  if (!programSection) return missing(scan, "'# Generated program' section");
  const block = choosePythonBlock(blocksIn(scan, programSection));
  if (!block) return fail('missing-code-block', "no code block under '# Generated program'");
  if (!block.closed) return fail('truncated', 'the reply ends inside the program code block');
  const program = normalizeProgram(block.content);
  if (program === '') return fail('missing-code-block', "the code block under '# Generated program' is empty");
  const inputSection = pick(sections, 'input', programSection);
  if (!inputSection) {
    // The input block may follow the program without its heading.
    for (const other of blocksIn(scan, programSection)) {
      const literal = other !== block && other.closed ? extractDictLiteral(other.content) : null;
      if (literal !== null)
        return { ok: true, value: { analysis: analysisOf(scan, sections), program, divergingInput: literal } };
    }
    return missing(scan, "'# Diverging input example' section");
  }
  const input = inputOf(scan, inputSection);
  if (input.ok === false) return input;
  if (input.ok === 'absent') return fail('missing-code-block', "no dict literal under '# Diverging input example'");
  return { ok: true, value: { analysis: analysisOf(scan, sections), program, divergingInput: input.value } };
}

/**
 * Parses an evaluator reply. Never throws. On success `divergingInput` is non-null unless the
 * answer is "Yes" (equivalent); a missing `# Equivalent?` section gives `equivalent: null`, which
 * is accepted when a diverging input is given.
 */
export function parseEvaluatorReply(text: string, options?: ParseOptions): ParseResult<EvaluatorReply> {
  const prepared = prepare(text, options);
  if (!prepared.ok) return prepared;
  const scan = scanMarkdown(prepared.text);
  const sections = findSections(scan);
  const equivalentSection = pick(sections, 'equivalent');
  let equivalent: boolean | null = null;
  if (equivalentSection) {
    const answerLine =
      equivalentSection.inline !== ''
        ? equivalentSection.inline
        : proseLines(scan, equivalentSection).find((l) => l.trim() !== '');
    if (answerLine === undefined) {
      const block = blocksIn(scan, equivalentSection)[0];
      const answer = block ? parseAnswer(block.content) : null;
      if (answer === null)
        return hasUnclosed(scan)
          ? fail('truncated', "the reply ends before answering '# Equivalent?'")
          : fail('bad-answer', "'# Equivalent?' has no answer");
      equivalent = answer;
    } else {
      equivalent = parseAnswer(answerLine);
      if (equivalent === null)
        return fail(
          'bad-answer',
          `'# Equivalent?' answer is neither yes nor no: ${JSON.stringify(answerLine.trim().slice(0, 80))}`,
        );
    }
  }
  const inputSection = pick(sections, 'input', equivalentSection);
  let divergingInput: DivergingInput | null = null;
  if (inputSection) {
    const input = inputOf(scan, inputSection);
    if (input.ok === true) divergingInput = input.value;
    else if (input.ok === false && equivalent !== true) return input;
  } else if (equivalentSection && equivalent !== true) {
    // No input heading: the answer may carry the input ("No, e.g. `{"x": 1}`").
    const input = inputOf(scan, equivalentSection);
    if (input.ok === true) divergingInput = input.value;
  }
  if (divergingInput === null && equivalent !== true) {
    if (equivalent === null && !inputSection)
      return missing(scan, "'# Equivalent?' or '# Diverging input example' section");
    if (!inputSection) return missing(scan, "'# Diverging input example' section after answering No");
    return fail('missing-code-block', "no dict literal under '# Diverging input example'");
  }
  return { ok: true, value: { analysis: analysisOf(scan, sections), equivalent, divergingInput } };
}

/** A fence longer than any backtick run at the start of a line of `content`. */
function fenceFor(content: string): string {
  let longest = 0;
  for (const m of content.matchAll(/^[ \t]*(`{3,})/gm)) longest = Math.max(longest, (m[1] as string).length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function codeBlock(content: string, lang = 'python'): string {
  const fence = fenceFor(content);
  return `${fence}${lang}\n${content}\n${fence}`;
}

/** Canonical Markdown for a generator reply; `parseGeneratorReply` reads it back unchanged. */
export function renderGeneratorReply(reply: GeneratorReply): string {
  return [
    '# Analysis',
    '',
    reply.analysis.trim(),
    '',
    '# Generated program',
    '',
    codeBlock(normalizeProgram(reply.program)),
    '',
    '# Diverging input example',
    '',
    codeBlock(reply.divergingInput.trim()),
    '',
  ].join('\n');
}

/** Canonical Markdown for an evaluator reply; sections with a null value are left out. */
export function renderEvaluatorReply(reply: EvaluatorReply): string {
  const parts = ['# Analysis', '', reply.analysis.trim(), ''];
  if (reply.equivalent !== null) parts.push('# Equivalent?', '', reply.equivalent ? 'Yes' : 'No', '');
  if (reply.divergingInput !== null)
    parts.push('# Diverging input example', '', codeBlock(reply.divergingInput.trim()), '');
  return parts.join('\n');
}
