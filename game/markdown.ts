// A forgiving line scanner for model-written Markdown: headings outside code fences and fenced code
// blocks (``` or ~~~, any indentation, unclosed fences reported). Not a full CommonMark parser.

export interface Heading {
  /** 0-based line index. */
  line: number;
  /** 1..6 for `#` headings, 0 for a line that is entirely bold (`**Analysis**`). */
  level: number;
  text: string;
}

export interface CodeBlock {
  /** The fence's info string's first word, lower-cased ('' when absent). */
  lang: string;
  content: string;
  /** False when the reply ended inside the block. */
  closed: boolean;
  /** Line of the opening fence. */
  startLine: number;
  /** Line of the closing fence, or the last line when unclosed. */
  endLine: number;
}

export interface MarkdownScan {
  lines: string[];
  headings: Heading[];
  blocks: CodeBlock[];
}

// Line recognisers are hand-written (no backtracking regular expressions): replies are untrusted
// and up to MAX_REPLY_CHARS long, so every step must stay linear in the line length.

function leadingSpace(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

function fenceOpen(line: string): { indent: number; fence: string; lang: string } | null {
  const indent = leadingSpace(line);
  const ch = line[indent];
  if (ch !== '`' && ch !== '~') return null;
  let end = indent;
  while (line[end] === ch) end++;
  if (end - indent < 3) return null;
  const info = line.slice(end).trim();
  if (ch === '`' && info.includes('`')) return null; // inline code such as ```x```
  const space = info.search(/\s/);
  const lang = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  return { indent, fence: line.slice(indent, end), lang };
}

function closesFence(line: string, fence: string): boolean {
  const trimmed = line.trim();
  if (trimmed.length < fence.length) return false;
  for (const ch of trimmed) if (ch !== fence[0]) return false;
  return true;
}

function stripIndent(line: string, indent: number): string {
  let i = 0;
  while (i < indent && i < line.length && isSpace(line[i])) i++;
  return line.slice(i);
}

function trimTrailingHashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  // `## Title ##` closes with hashes after a space; `C#` keeps its hash.
  return end === 0 || isSpace(text[end - 1]) ? text.slice(0, end).trim() : text;
}

function atxHeading(line: string): { level: number; text: string } | null {
  const indent = leadingSpace(line);
  if (indent > 3) return null;
  let end = indent;
  while (line[end] === '#') end++;
  const level = end - indent;
  if (level < 1 || level > 6) return null;
  return { level, text: trimTrailingHashes(line.slice(end).trim()) };
}

function boldLine(line: string): string | null {
  const trimmed = line.trim();
  const marker = trimmed.slice(0, 2);
  if (marker !== '**' && marker !== '__') return null;
  const close = trimmed.indexOf(marker, 2);
  if (close <= 2) return null;
  return `${trimmed.slice(2, close)} ${trimmed.slice(close + 2).trim()}`.trim();
}

export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

export function scanMarkdown(text: string): MarkdownScan {
  const lines = normalizeNewlines(text).split('\n');
  const headings: Heading[] = [];
  const blocks: CodeBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    const open = fenceOpen(line);
    if (open) {
      const body: string[] = [];
      let j = i + 1;
      let closed = false;
      for (; j < lines.length; j++) {
        if (closesFence(lines[j] as string, open.fence)) {
          closed = true;
          break;
        }
        body.push(stripIndent(lines[j] as string, open.indent));
      }
      blocks.push({
        lang: open.lang,
        content: body.join('\n'),
        closed,
        startLine: i,
        endLine: closed ? j : lines.length - 1,
      });
      i = closed ? j + 1 : lines.length;
      continue;
    }
    const atx = atxHeading(line);
    if (atx) {
      headings.push({ line: i, level: atx.level, text: atx.text });
    } else {
      const bold = boldLine(line);
      if (bold !== null) headings.push({ line: i, level: 0, text: bold });
    }
    i++;
  }
  return { lines, headings, blocks };
}
