// The game's reply contract: parse model-written Markdown tolerantly into typed replies, and render
// typed replies back into canonical Markdown (offline players use the renderer so their plays look
// exactly like model plays).
//
// Generator:  # Analysis / # Generated program (code block) / # Diverging input example (dict literal)
// Evaluator:  # Analysis / # Equivalent? (Yes/No) / # Diverging input example (dict literal)
//
// Tolerated: any heading level 1-6 or a bold line instead of `#`, heading case, spacing, trailing
// `:`/`?`, numbering ("1. Analysis"), CRLF, prose around sections, code blocks without a language
// tag or with several blocks in a section, `input = {...}` prefixes, answers like `Yes.`, `**No**`.
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

const ANSWER = /^(?:(yes|true|equivalent)|(no|not|false|inequivalent|not equivalent))\b/;

/** Reads a Yes/No answer from the start of a line; null when it is neither. */
export function parseAnswer(text: string): boolean | null {
  const cleaned = text
    .replace(/[*_`>"'[\]]/g, '')
    .trim()
    .toLowerCase();
  const m = ANSWER.exec(cleaned);
  if (!m) return null;
  return m[1] !== undefined;
}

function classify(heading: Heading): { kind: SectionKind; inline: string } | null {
  const text = normalizeHeadingText(heading.text);
  const stripped = text.replace(/[\s:?.!]+$/, '');
  if (/^analysis$/.test(stripped)) return { kind: 'analysis', inline: '' };
  if (
    /^(?:the )?(?:generated|variant|modified|new|mutated)?\s*(?:python )?(?:program|code)$/.test(stripped) &&
    stripped !== 'code'
  ) {
    return { kind: 'program', inline: '' };
  }
  if (
    /^(?:a |an )?(?:diverging|divergent|distinguishing)?\s*inputs?(?: example)?$/.test(stripped) ||
    stripped === 'example diverging input'
  ) {
    return { kind: 'input', inline: '' };
  }
  const eq = /^(?:are (?:the )?(?:two )?programs )?equivalent\s*\??\s*:?\s*(.*)$/.exec(text);
  if (eq) {
    const inline = (eq[1] ?? '').trim();
    // A bold prose line that merely starts with "Equivalent" is not a heading unless it answers.
    if (heading.level === 0 && inline !== '' && parseAnswer(inline) === null) return null;
    return { kind: 'equivalent', inline };
  }
  return null;
}

function findSections(scan: MarkdownScan): Section[] {
  const recognized: Array<{ kind: SectionKind; inline: string; heading: Heading }> = [];
  for (const heading of scan.headings) {
    const c = classify(heading);
    if (c) recognized.push({ ...c, heading });
  }
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
  const blocks = blocksIn(scan, section);
  const out: string[] = [];
  for (let i = section.heading.line + 1; i < section.end; i++) {
    if (blocks.some((b) => i >= b.startLine && i <= b.endLine)) continue;
    out.push(scan.lines[i] as string);
  }
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
  return candidates.find((b) => /^\s*(?:async\s+)?def\s/m.test(b.content)) ?? candidates[0];
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
  // No fenced dict literal: accept one written inline (`{...}` in backticks or on its own line).
  const prose = proseLines(scan, section).join('\n');
  const inline = /`([^`\n]*\{[^`]*)`/.exec(prose);
  const inlineLiteral = inline ? extractDictLiteral(inline[1] as string) : null;
  if (inlineLiteral !== null) return { ok: true, value: inlineLiteral };
  const brace = prose.search(/^\s*(?:[A-Za-z_]\w*\s*=\s*)?\{/m);
  if (brace >= 0) {
    const literal = extractDictLiteral(prose.slice(brace));
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

function missing(scan: MarkdownScan, what: string): ParseFailure {
  return hasUnclosed(scan)
    ? fail('truncated', `the reply ends inside a code block before ${what}`)
    : fail('missing-section', `no ${what}`);
}

/** Parses a generator reply. Never throws. */
export function parseGeneratorReply(text: string, options?: ParseOptions): ParseResult<GeneratorReply> {
  const refused = guard(text, options);
  if (refused) return refused;
  const scan = scanMarkdown(text);
  const sections = findSections(scan);
  const programSection = pick(sections, 'program');
  if (!programSection) return missing(scan, "'# Generated program' section");
  const block = choosePythonBlock(blocksIn(scan, programSection));
  if (!block) return fail('missing-code-block', "no code block under '# Generated program'");
  if (!block.closed) return fail('truncated', 'the reply ends inside the program code block');
  const program = normalizeProgram(block.content);
  if (program === '') return fail('missing-code-block', "the code block under '# Generated program' is empty");
  const inputSection = pick(sections, 'input', programSection);
  if (!inputSection) return missing(scan, "'# Diverging input example' section");
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
  const refused = guard(text, options);
  if (refused) return refused;
  const scan = scanMarkdown(text);
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
  for (const m of content.matchAll(/^\s*(`{3,})/gm)) longest = Math.max(longest, (m[1] as string).length);
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
