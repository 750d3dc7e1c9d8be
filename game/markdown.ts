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

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const ATX_HEADING = /^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$/;
const BOLD_LINE = /^\s*(\*\*|__)(.+?)\1\s*(.*)$/;

function stripIndent(line: string, indent: number): string {
  let i = 0;
  while (i < indent && i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return line.slice(i);
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
    const open = FENCE_OPEN.exec(line);
    if (open) {
      const indent = (open[1] ?? '').length;
      const fence = open[2] as string;
      const lang = (open[3] ?? '').toLowerCase();
      const body: string[] = [];
      let j = i + 1;
      let closed = false;
      for (; j < lines.length; j++) {
        const candidate = (lines[j] as string).trim();
        if (candidate.length >= fence.length && candidate[0] === fence[0] && /^(`+|~+)$/.test(candidate)) {
          closed = true;
          break;
        }
        body.push(stripIndent(lines[j] as string, indent));
      }
      blocks.push({ lang, content: body.join('\n'), closed, startLine: i, endLine: closed ? j : lines.length - 1 });
      i = closed ? j + 1 : lines.length;
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      headings.push({ line: i, level: (atx[1] as string).length, text: atx[2] ?? '' });
    } else {
      const bold = BOLD_LINE.exec(line);
      if (bold) headings.push({ line: i, level: 0, text: `${bold[2] ?? ''} ${bold[3] ?? ''}`.trim() });
    }
    i++;
  }
  return { lines, headings, blocks };
}
